// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Foundation
import LoopbenchCore

@main
struct Loopbench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loopbench",
        abstract: "Measure audio round-trip latency and crackle: QEMU's emulated cards (simulated and real guests), PulseAudio and ALSA.",
        version: LoopbenchVersion.current,
        subcommands: CommandRegistry.all
    )

    /// Parses and runs, keeping every failure to one line on stderr with a sysexits status
    /// (64 for usage). Help and version still print in full.
    static func main() {
        AllocatorPolicy.apply()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let text = message(for: error)
            if !text.isEmpty {
                let line = text.split(separator: "\n").first.map(String.init) ?? text
                FileHandle.standardError.write(Data("loopbench: \(line) (see loopbench --help)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// Runs a command body and turns a ``LoopbenchError`` into one line on stderr and a
/// sysexits-style exit status. Nothing else may escape a command.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as LoopbenchError {
        FileHandle.standardError.write(Data("loopbench: \(e.description)\n".utf8))
        throw ExitCode(e.exitStatus.rawValue)
    }
}

/// Writes JSON to a path, or to stdout for `-`.
func emitJSON(_ data: Data, to path: String) throws(LoopbenchError) {
    if path == "-" {
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    } else {
        var d = data
        d.append(0x0A)
        try AtomicFile.write(d, to: path)
    }
}
