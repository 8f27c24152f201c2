// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import TestSupport

/// `measure --capture-only` recording the private loop for `seconds` while paplay plays `played`
/// into it, a second after the recording starts (a null sink's monitor misses paplay's first
/// milliseconds: the played files lead with silence). paplay's output and measure's exit status.
enum CaptureOnlyRun {
    static func record(reference: String, played: String, seconds: Int, json: String, extra: [String] = []) throws -> (play: Spawn.Output, status: Int32) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.executable)
        p.arguments = ["measure", "--backend", "pulse", "--capture-only", "--reference", reference, "--duration", "\(seconds)", "--json", json, "--quiet"] + extra
        try p.run()
        Thread.sleep(forTimeInterval: 1.0)
        let play = try Spawn.run("/usr/bin/paplay", ["--device=loop", played])
        p.waitUntilExit()
        return (play, p.terminationStatus)
    }
}
