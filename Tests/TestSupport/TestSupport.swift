// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
@_exported import Synth
import LoopbenchCore
#if canImport(Glibc)
import Glibc
#endif

/// Helpers shared by the test targets.
public enum TestPaths {
    /// The package root (the folder holding Package.swift).
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }

    /// A fresh temporary folder.
    public static func temporaryDirectory(_ name: String = "loopbench-test") -> String {
        let dir = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Validates JSON files against a JSON Schema with Python's `jsonschema` (installed by
/// `scripts/bootstrap`). Returns nil when valid, or the validator's complaint.
public enum SchemaCheck {
    /// - Parameters:
    ///   - jsonPath: the document to check.
    ///   - schema: a file name under `schemas/` (for example `measurement.schema.json`).
    ///   - pointer: an optional list of JSON paths (Python expressions on `doc`) whose values are each validated
    ///     instead of the whole document, e.g. `"[t for p in doc['points'] for t in p['trials']]"`.
    public static func validate(jsonPath: String, schema: String, each pointer: String? = nil) -> String? {
        let schemaPath = TestPaths.packageRoot + "/schemas/" + schema
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        doc = json.load(open(sys.argv[2]))
        items = eval(sys.argv[3]) if len(sys.argv) > 3 else [doc]
        if len(items) == 0:
            print("nothing to validate"); sys.exit(1)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        v = cls(schema)
        for i, item in enumerate(items):
            errs = sorted(v.iter_errors(item), key=lambda e: list(e.path))
            if errs:
                print(f"item {i}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errs[:5])); sys.exit(1)
        print(f"ok {len(items)}")
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, schemaPath, jsonPath] + (pointer.map { [$0] } ?? [])
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return "cannot run python3: \(error)" }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 ? nil : (text.isEmpty ? "validator exited \(p.terminationStatus)" : text)
    }
}

/// Runs the built `loopbench` executable, for end-to-end tests of the CLI.
public enum CLI {
    public struct Output: Sendable {
        /// The exit status, or the signal number when `signalled`.
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True when the process ended on a signal (a trap, a segfault) rather than by exiting.
        public var signalled: Bool = false

        /// The sysexits statuses loopbench answers bad input with, plus 0, the gate's 1 and the
        /// verdict statuses of measure, analyze and compare (1 crackle, 2 no-signal, 3 channel fault).
        public static let sysexits: Set<Int32> = [0, 1, 2, 3, 64, 65, 66, 69, 73, 74, 75]

        /// stderr's lines (without empty ones).
        public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

        /// A refusal as the README promises it: exited (no signal) with `status`, and exactly
        /// one line on stderr containing `mention`.
        public func isRefusal(_ status: Int32, mentioning mention: String) -> Bool {
            !signalled && self.status == status && stderrLines.count == 1 && stderr.contains(mention)
        }
    }

    /// The path of the built executable (next to the test bundle).
    public static var executable: String {
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("loopbench").path
        if FileManager.default.isExecutableFile(atPath: bundle) { return bundle }
        // swift test puts test binaries and products in the same folder.
        for arg in [CommandLine.arguments.first ?? ""] {
            let dir = URL(fileURLWithPath: arg).deletingLastPathComponent()
            for cand in [dir, dir.deletingLastPathComponent(), dir.deletingLastPathComponent().deletingLastPathComponent()] {
                let p = cand.appendingPathComponent("loopbench").path
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
        }
        return TestPaths.packageRoot + "/.build/debug/loopbench"
    }

    /// Runs `loopbench` with `arguments` and collects its output. With `interruptWhen`, the
    /// process gets one SIGINT (as from Ctrl-C) as soon as the condition holds (polled every 20 ms).
    public static func run(_ arguments: [String], environment: [String: String]? = nil,
                           interruptWhen: (@Sendable () -> Bool)? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        if let interruptWhen {
            let pid = p.processIdentifier
            nonisolated(unsafe) let running = p
            let watcher = Thread {
                while running.isRunning {
                    if interruptWhen() { kill(pid, SIGINT); return }
                    usleep(20_000)
                }
            }
            watcher.start()
        }
        // Read both pipes concurrently so that neither fills up.
        nonisolated(unsafe) var errData = Data()
        let t = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        t.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !t.isFinished { usleep(1000) }
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
                      signalled: p.terminationReason == .uncaughtSignal)
    }
}
