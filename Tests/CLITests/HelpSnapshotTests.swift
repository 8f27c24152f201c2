// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import Testing
import TestSupport

/// Every command's `--help`, as swift-argument-parser prints it, against a committed snapshot
/// (`Tests/CLITests/Help/<command path>.txt`). A change to a command's options shows in review
/// as a change to its snapshot; a new command without one fails here. Regenerate after a
/// deliberate change with `LOOPBENCH_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests`.
@Suite("--help snapshots")
struct HelpSnapshotTests {
    static let folder = TestPaths.packageRoot + "/Tests/CLITests/Help"
    static var updating: Bool { ProcessInfo.processInfo.environment["LOOPBENCH_UPDATE_SNAPSHOTS"] == "1" }

    /// The subcommand names a help text lists under SUBCOMMANDS (none for a leaf command).
    static func subcommands(in help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        var names: [String] = []
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  See ") { break }
            // A subcommand line is indented by two spaces and starts with its name.
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            let name = line.dropFirst(2).prefix { !$0.isWhitespace }
            if !name.isEmpty && name != "See" { names.append(String(name.replacingOccurrences(of: " (default)", with: ""))) }
        }
        return names
    }

    /// Every command path, depth first: [], ["signal"], ["qemu"], ["qemu", "image"], …
    static func helpTexts() throws -> [(path: [String], text: String)] {
        var out: [(path: [String], text: String)] = []
        var todo: [[String]] = [[]]
        while let path = todo.popLast() {
            let r = try CLI.run(path + ["--help"], environment: ["COLUMNS": "100"])
            #expect(r.status == 0, "\(path.joined(separator: " ")) --help: exit \(r.status): \(r.stderr)")
            out.append((path, r.stdout))
            for sub in subcommands(in: r.stdout).reversed() where sub != "help" { todo.append(path + [sub]) }
        }
        return out
    }

    static func file(_ path: [String]) -> String { folder + "/" + (path.isEmpty ? "loopbench" : path.joined(separator: "-")) + ".txt" }

    @Test("every command's --help matches its committed snapshot, and every snapshot has a command")
    func snapshots() throws {
        let texts = try Self.helpTexts()
        #expect(texts.count > 10, "found only \(texts.map { $0.path.joined(separator: " ") })")
        if Self.updating {
            try? FileManager.default.removeItem(atPath: Self.folder)
            try FileManager.default.createDirectory(atPath: Self.folder, withIntermediateDirectories: true)
        }
        var expectedFiles = Set<String>()
        for (path, text) in texts {
            let f = Self.file(path)
            expectedFiles.insert((f as NSString).lastPathComponent)
            if Self.updating {
                try text.write(toFile: f, atomically: true, encoding: .utf8)
                continue
            }
            guard let committed = try? String(contentsOfFile: f, encoding: .utf8) else {
                Issue.record("no snapshot for `loopbench \(path.joined(separator: " ")) --help` (\(f)); run LOOPBENCH_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests and review it")
                continue
            }
            #expect(text == committed, "`loopbench \(path.joined(separator: " ")) --help` differs from \(f); regenerate with LOOPBENCH_UPDATE_SNAPSHOTS=1 if the change is meant")
        }
        let files = Set((try? FileManager.default.contentsOfDirectory(atPath: Self.folder)) ?? [])
        #expect(files == expectedFiles, "snapshots without a command: \(files.subtracting(expectedFiles).sorted())")
    }

    /// What a snapshot test cannot see by itself: each listed choice is in the help.
    @Test("signal --kind lists every probe kind it accepts")
    func signalKinds() throws {
        let help = try CLI.run(["signal", "--help"], environment: ["COLUMNS": "100"]).stdout
        for kind in ["sweep", "ess", "mls", "noise"] { #expect(help.contains(kind), "signal --help does not mention \(kind)") }
    }
}
