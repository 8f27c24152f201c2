// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// Where the probe played but was not heard.
///
/// A segment runs from its first matched window to where its reference ends, and a verdict is
/// about all of it. Where the path passes almost nothing of what the probe plays (a sweep's
/// top octaves behind a 2 kHz low-pass), no window matches and the capture there is near
/// silence: nothing is wrong with it, but nothing is known about it either. A drop there
/// cannot be seen, and a linear sweep behind the low-pass, heard only in its first 0.2 s, was
/// called clean over the whole 2 s with a drop at 1.5 s unseen. The verdict stands for what
/// was heard, and `reason` names the stretches that were not.
extension RoundTripAnalysis {
    /// Capture stretches of at least ``AnalyzerTuning/unheardMinWindows`` tracking windows
    /// where the bare reference plays (``AnalyzerTuning/unheardMinSignalShare`` of its mean
    /// power) and no tracked window or event lies, with the share of the reference's energy
    /// they hold. The segments are against a reference of `modelFrames` frames: `plain`
    /// stretched by `1 + stretch`.
    func unheardStretches(_ segments: [Segment], points: [TrackPoint], events: [Event], plain: [Float], stretch: Double, modelFrames: Int, captureFrames: Int)
        -> (stretches: [Range<Int>], share: Double) {
        let w = AnalyzerTuning.trackingWindow, n = plain.count
        var prefix = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + Double(plain[i]) * Double(plain[i]) }
        guard prefix[n] > 0 else { return ([], 0) }
        let meanBlock = prefix[n] * Double(w) / Double(n)
        func energy(_ a: Double, _ b: Double) -> Double {
            let lo = max(0, min(n, Int((a / (1 + stretch)).rounded()))), hi = max(0, min(n, Int((b / (1 + stretch)).rounded())))
            return hi > lo ? prefix[hi] - prefix[lo] : 0
        }
        // What a tracked window or an event (with a window either side) covers, by start.
        let spans = (points.map { ($0.t, $0.t + w) } + events.map { ($0.captureSample - w, $0.captureSample + max(0, $0.sizeSamples) + w) })
            .sorted { $0.0 < $1.0 }
        var stretches: [Range<Int>] = [], unheard = 0.0
        for s in segments {
            let lo = max(s.captureStart, Int(s.level.rounded(.up)), 0)
            let hi = min(s.captureEnd, Int(s.level + (1 + s.drift) * Double(modelFrames)), captureFrames)
            var run: [(Int, Double)] = []
            func close() {
                if run.count >= tuning.unheardMinWindows {
                    stretches.append(run.first!.0..<min(hi, run.last!.0 + w))
                    unheard += run.reduce(0) { $0 + $1.1 }
                }
                run = []
            }
            // Block [b, e) is covered when a span starting before e ends after b: the
            // farthest end of the spans started so far, as b moves on.
            var next = 0, farthest = Int.min
            var b = lo
            while b < hi {
                let e = min(hi, b + w)
                while next < spans.count, spans[next].0 < e { farthest = max(farthest, spans[next].1); next += 1 }
                let played = energy(s.refPosition(atCapture: Double(b)), s.refPosition(atCapture: Double(e)))
                if farthest > b {
                    close()
                } else if played >= tuning.unheardMinSignalShare * meanBlock {
                    run.append((b, played))
                }
                b = e
            }
            close()
        }
        return (stretches, unheard / prefix[n])
    }

    /// The note on a verdict that leaves stretches unheard, or nil.
    func unheardNote(_ u: (stretches: [Range<Int>], share: Double), sampleRate fs: Int) -> String? {
        guard !u.stretches.isEmpty else { return nil }
        let listed = u.stretches.prefix(3).map { r in
            String(format: "%d–%d (%.3f–%.3f s)", r.lowerBound, r.upperBound, Double(r.lowerBound) / Double(fs), Double(r.upperBound) / Double(fs))
        }.joined(separator: ", ") + (u.stretches.count > 3 ? " and \(u.stretches.count - 3) more" : "")
        return String(format: "the probe was not heard in capture frames %@ (%.0f %% of its energy): no tracked window matched it there (the path passes too little of it, noise hides it, or the track lost it), so a discontinuity there could not be seen; the verdict is for the rest", listed, 100 * u.share)
    }
}
