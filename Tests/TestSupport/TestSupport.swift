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

    /// A fresh temporary folder, inside this test process's scratch root (`scratchRoot`).
    public static func temporaryDirectory(_ name: String = "loopbench-test") -> String {
        let dir = scratchRoot + "/\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// One folder per test process under the system's temporary folder, holding every
    /// `temporaryDirectory`, and removed when the process exits, so that a test run leaves
    /// nothing in /tmp (each run used to leave about 80 folders). With
    /// `LOOPBENCH_KEEP_TEST_FILES=1` it is kept, and its path is printed, for a post-mortem.
    public static let scratchRoot: String = {
        let root = NSTemporaryDirectory() + "loopbench-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if ProcessInfo.processInfo.environment["LOOPBENCH_KEEP_TEST_FILES"] == "1" {
            FileHandle.standardError.write(Data("test files kept in \(root)\n".utf8))
        } else {
            atexit { try? FileManager.default.removeItem(atPath: TestPaths.scratchRoot) }
        }
        return root
    }()
}

/// Validates JSON files against a JSON Schema with Python's `jsonschema` (installed by
/// `scripts/bootstrap`), resolving `$ref`s to the schema files beside it (the sweep schema refers
/// to the measurement schema). The one schema validator of the tests. Returns nil when valid,
/// or the validator's complaint.
public enum SchemaCheck {
    /// - Parameters:
    ///   - jsonPath: the document to check.
    ///   - schema: a file name under `schemas/` (for example `measurement.schema.json`).
    ///   - pointer: an optional list of JSON paths (Python expressions on `doc`) whose values are each validated
    ///     instead of the whole document, e.g. `"[t for p in doc['points'] for t in p['trials']]"`.
    public static func validate(jsonPath: String, schema: String, each pointer: String? = nil) -> String? {
        let script = """
        import json, os, sys, jsonschema
        from referencing import Registry, Resource
        d, name = os.path.split(sys.argv[1])
        def retrieve(uri):
            return Resource.from_contents(json.load(open(os.path.join(d, uri.rsplit('/', 1)[-1]))))
        schema = json.load(open(sys.argv[1]))
        doc = json.load(open(sys.argv[2]))
        items = eval(sys.argv[3]) if len(sys.argv) > 3 else [doc]
        if len(items) == 0:
            print("nothing to validate"); sys.exit(1)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        v = cls(schema, registry=Registry(retrieve=retrieve))
        for i, item in enumerate(items):
            errs = sorted(v.iter_errors(item), key=lambda e: list(e.path))
            if errs:
                print(f"item {i}: " + "; ".join(f"{list(e.path)}: {e.message[:300]}" for e in errs[:5])); sys.exit(1)
        print(f"ok {len(items)}")
        """
        let args = ["python3", "-c", script, TestPaths.packageRoot + "/schemas/" + schema, jsonPath] + (pointer.map { [$0] } ?? [])
        let r: Spawn.Output
        do { r = try Spawn.run("/usr/bin/env", args) } catch { return "cannot run python3: \(error)" }
        let text = (r.stdout + r.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        return r.status == 0 ? nil : (text.isEmpty ? "validator exited \(r.status)" : text)
    }
}

/// Runs a program and waits for it: `posix_spawn`, then `waitpid` on its pid (Foundation's
/// `Process.waitUntilExit` hung once a script had left a daemon behind: the child stayed a
/// zombie nobody reaped). Output goes to temporary files, read back afterwards, so neither pipe
/// can fill up. The one process runner of the tests (``CLI/run(_:environment:interruptWhen:)`` uses it).
public enum Spawn {
    public struct Output: Sendable {
        /// The exit status, or the signal number when `signalled`.
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True when the process ended on a signal (a trap, a segfault) rather than by exiting.
        public var signalled: Bool = false
    }

    /// Runs `path` with `args`; the environment is this process's with `environment` over it.
    /// With `interruptWhen`, the process gets one SIGINT (as from Ctrl-C) as soon as the
    /// condition holds (polled every 20 ms).
    public static func run(_ path: String, _ args: [String], environment: [String: String] = [:],
                           interruptWhen: (() -> Bool)? = nil) throws -> Output {
        let dir = TestPaths.temporaryDirectory("loopbench-spawn")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outPath = dir + "/stdout", errPath = dir + "/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let r = path.contains("/") ? posix_spawn(&pid, path, &actions, nil, argv, envp) : posix_spawnp(&pid, path, &actions, nil, argv, envp)
        guard r == 0 else { throw LoopbenchError.unavailable(path, "posix_spawn failed: \(String(cString: strerror(r)))") }
        var status: Int32 = 0
        var interrupted = interruptWhen == nil
        while true {
            let w = waitpid(pid, &status, interrupted ? 0 : WNOHANG)
            if w == pid { break }
            if w < 0 { if errno == EINTR { continue }; break }
            if !interrupted, let interruptWhen, interruptWhen() { kill(pid, SIGINT); interrupted = true; continue }
            usleep(20_000)
        }
        let signalled = (status & 0x7f) != 0
        return Output(status: signalled ? status & 0x7f : (status >> 8) & 0xff,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", signalled: signalled)
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
        let r = try Spawn.run(executable, arguments, environment: environment ?? [:], interruptWhen: interruptWhen)
        return Output(status: r.status, stdout: r.stdout, stderr: r.stderr, signalled: r.signalled)
    }
}

/// A PulseAudio `module-remap-sink` on the private null sink of `scripts/pulse-loopback`
/// (`loop`): the ground truth of a channel fault on a real path. With `swap`, what is played
/// into it reaches the null sink with left and right exchanged; without, in order (the
/// control: the same extra hop, no fault). Its own monitor carries what was played into it
/// before the remap: record from `loop.monitor`.
public enum RemapSink {
    /// The null sink `scripts/pulse-loopback` creates.
    public static let master = "loop"

    /// Loads the remap sink `name`, runs `body`, and unloads it (also when `body` throws).
    public static func with<T>(_ name: String, swap: Bool, _ body: () throws -> T) throws -> T {
        let map = swap ? "front-right,front-left" : "front-left,front-right"
        let load = try Spawn.run("/usr/bin/pactl", ["load-module", "module-remap-sink", "sink_name=\(name)", "master=\(master)", "channels=2",
                                                    "master_channel_map=front-left,front-right", "channel_map=\(map)", "remix=no"])
        guard load.status == 0 else { throw LoopbenchError.unavailable("pactl", "load-module module-remap-sink: \(load.stderr)") }
        let module = load.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Spawn.run("/usr/bin/pactl", ["unload-module", module]) }
        return try body()
    }
}
