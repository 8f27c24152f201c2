// SPDX-License-Identifier: GPL-2.0-or-later
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A one-line progress display for long work, redrawn in place on a terminal.
///
/// It prints nothing when `quiet` is set or when stdout is not a terminal, so logs and
/// pipes stay clean.
public final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var lastDraw: Double = 0
    private let start: Double
    private var width = 0

    public init(quiet: Bool) {
        enabled = !quiet && isatty(STDOUT_FILENO) == 1
        start = ProgressLine.now()
    }

    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Shows `done` of `total` with a bar, an ETA and a label.
    public func update(done: Int, total: Int, label: String, force: Bool = false) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let t = ProgressLine.now()
        if !force && t - lastDraw < 0.1 && done < total { return }
        lastDraw = t
        let frac = total > 0 ? Double(done) / Double(total) : 0
        let barWidth = 24
        let filled = Int((frac * Double(barWidth)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled)
        let elapsed = t - start
        let eta = done > 0 && done < total ? elapsed / Double(done) * Double(total - done) : 0
        let etaText = done >= total ? "done" : (done > 0 ? "ETA \(ProgressLine.clock(eta))" : "ETA --:--")
        var line = "[\(bar)] \(done)/\(total) \(etaText)  \(label)"
        if line.count > 110 { line = String(line.prefix(110)) }
        let pad = max(0, width - line.count)
        width = line.count
        FileHandle.standardOutput.write(Data(("\r" + line + String(repeating: " ", count: pad)).utf8))
    }

    /// Ends the line so that the next output starts clean.
    public func finish() {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        if width > 0 { FileHandle.standardOutput.write(Data("\n".utf8)) }
        width = 0
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }
}
