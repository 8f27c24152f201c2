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
}
