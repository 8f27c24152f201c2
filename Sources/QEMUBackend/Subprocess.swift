// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// Runs a child process with a time limit. A child still running when the limit passes is
/// killed by its own pid (SIGKILL) and reaped.
struct Subprocess {
    struct Result {
        var status: Int32
        var timedOut: Bool
        var stdout: String
        var stderr: String
        var wallSeconds: Double
    }

    /// Runs `path` with `arguments`; standard input is /dev/null; output is collected in files
    /// (a pipe could fill and block a chatty child).
    static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                    timeout: Double, stdoutFile: String? = nil, stderrFile: String? = nil) -> Result {
        let tmp = NSTemporaryDirectory() + "loopbench-sub-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let outPath = stdoutFile ?? tmp + ".out", errPath = stderrFile ?? tmp + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            if stdoutFile == nil { try? FileManager.default.removeItem(atPath: outPath) }
            if stderrFile == nil { try? FileManager.default.removeItem(atPath: errPath) }
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        if let environment { p.environment = environment }
        p.standardInput = FileHandle.nullDevice
        let out = FileHandle(forWritingAtPath: outPath), err = FileHandle(forWritingAtPath: errPath)
        p.standardOutput = out
        p.standardError = err
        let t0 = Date()
        do {
            try p.run()
        } catch {
            return Result(status: 127, timedOut: false, stdout: "", stderr: "cannot run \(path): \(error.localizedDescription)", wallSeconds: 0)
        }
        var timedOut = false
        let deadline = t0.addingTimeInterval(timeout)
        while p.isRunning {
            if Date() >= deadline {
                timedOut = true
                kill(p.processIdentifier, SIGKILL)
                break
            }
            usleep(20_000)
        }
        p.waitUntilExit()
        try? out?.close()
        try? err?.close()
        let wall = Date().timeIntervalSince(t0)
        let so = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let se = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Result(status: p.terminationStatus, timedOut: timedOut, stdout: so, stderr: se, wallSeconds: wall)
    }

    /// Runs `path` in a process group of its own, so that a Ctrl-C at the terminal (SIGINT to
    /// the foreground group) reaches loopbench only, which then asks the child to stop its own
    /// way. Every 20 ms `tick` is called with whether `stop()` has become true; once it has,
    /// the child has `grace` seconds to exit before it is killed by its pid. Without a stop,
    /// `timeout` (nil: none) limits the run the same way. `started` gets the child's pid.
    static func runOwnGroup(_ path: String, _ arguments: [String], timeout: Double?, grace: Double, stdoutFile: String, stderrFile: String,
                            stop: () -> Bool, tick: (_ stopping: Bool) -> Void, started: (pid_t) -> Void) -> Result {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let t0 = Date()
        var pid: pid_t = 0
        let r = posix_spawn(&pid, path, &actions, &attr, argv, environ)
        guard r == 0 else {
            return Result(status: 127, timedOut: false, stdout: "", stderr: "cannot run \(path): \(String(cString: strerror(r)))", wallSeconds: 0)
        }
        started(pid)
        var status: Int32 = 0, timedOut = false
        var deadline = timeout.map { t0.addingTimeInterval($0) }
        var stopping = false
        while true {
            let w = waitpid(pid, &status, WNOHANG)
            if w == pid { break }
            if w < 0 && errno != EINTR { break }
            if !stopping && stop() {
                stopping = true
                deadline = Date().addingTimeInterval(grace)
            }
            tick(stopping)
            if let d = deadline, Date() >= d {
                timedOut = true
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(20_000)
        }
        let wall = Date().timeIntervalSince(t0)
        let exited = (status & 0x7f) == 0
        return Result(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), timedOut: timedOut,
                      stdout: (try? String(contentsOfFile: stdoutFile, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: stderrFile, encoding: .utf8)) ?? "", wallSeconds: wall)
    }
}
