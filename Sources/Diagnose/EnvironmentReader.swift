// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// Reads legacy audio variables: from `NAME=VALUE` lines (a file, `/proc/PID/environ`) or from
/// this process's own environment. Only the prefixes QEMU's legacy audio code reads are kept
/// (`AudioSetup.legacyPrefixes`); the rest of an environment is not the user's audio setup.
public enum EnvironmentReader {
    /// `NAME=VALUE` entries separated by newlines or NUL bytes; `export ` prefixes and `#` comment lines allowed.
    public static func parse(_ text: String, subject: String) throws(LoopbenchError) -> [(name: String, value: String)] {
        var out: [(String, String)] = []
        let entries = text.split(whereSeparator: { $0 == "\n" || $0 == "\0" })
        for (n, raw) in entries.enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "="), QEMUCommandLine.isName(line[..<eq]) else {
                throw .badData(subject, "entry \(n + 1) is not NAME=VALUE: \(String(line.prefix(60)))")
            }
            var value = String(line[line.index(after: eq)...])
            if value.count >= 2, let f = value.first, (f == "'" || f == "\""), value.last == f { value = String(value.dropFirst().dropLast()) }
            out.append((String(line[..<eq]), value))
        }
        return out
    }

    /// The legacy audio variables among `entries`.
    public static func audioVariables(_ entries: [(name: String, value: String)]) -> [(name: String, value: String)] {
        entries.filter { AudioSetup.isLegacyAudioVariable($0.name) }
    }

    /// This process's legacy audio variables, sorted by name.
    public static func current() -> [(name: String, value: String)] {
        ProcessInfo.processInfo.environment.filter { AudioSetup.isLegacyAudioVariable($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// Reads a running QEMU's command line and environment from `/proc/PID`.
public enum ProcReader {
    public struct Process: Sendable {
        public var words: [String]
        public var environment: [(name: String, value: String)]
        /// Why the environment could not be read (another user's process), if so.
        public var environmentNote: String?
    }

    public static func read(pid: String, root: String = "/proc") throws(LoopbenchError) -> Process {
        guard let n = Int32(pid), n > 0 else { throw .usage("--pid \(pid): not a process id", subject: "--pid") }
        let dir = "\(root)/\(n)"
        guard FileManager.default.fileExists(atPath: dir) else { throw .missingInput("--pid \(pid)", "no such process (\(dir) does not exist)") }
        guard let cmd = FileManager.default.contents(atPath: dir + "/cmdline") else {
            throw .missingInput(dir + "/cmdline", "cannot read it (permission denied?)")
        }
        let words = cmd.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        let trimmed = words.last == "" ? Array(words.dropLast()) : words
        guard !trimmed.isEmpty, !trimmed.allSatisfy(\.isEmpty) else {
            throw .badData(dir + "/cmdline", "empty: a kernel thread or a process that has exited has no command line")
        }
        var env: [(String, String)] = []
        var note: String? = nil
        if let e = FileManager.default.contents(atPath: dir + "/environ") {
            for entry in e.split(separator: 0) {
                let s = String(decoding: entry, as: UTF8.self)
                if let eq = s.firstIndex(of: "=") { env.append((String(s[..<eq]), String(s[s.index(after: eq)...]))) }
            }
        } else {
            note = "\(dir)/environ is not readable (another user's process): legacy QEMU_AUDIO_* variables could not be checked"
        }
        return Process(words: trimmed, environment: EnvironmentReader.audioVariables(env), environmentNote: note)
    }
}
