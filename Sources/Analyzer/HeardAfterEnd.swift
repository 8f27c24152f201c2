// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

// The mirror of the sound before the onset (`HeardBeforeOnset.swift`): a clean reading claims
// the capture holds the reference at one delay, so after the reference's last sound on that
// line the capture holds only what the path leaves ringing (a filter's tail, a room's diffuse
// reverberation) and the floor. A repeat in a reference that matches itself a repeat's length
// away (a held chord, its partials nearly whole cycles in 600 frames) puts the reference's
// last frames in the capture after that end, at the later delay, while every window reads the
// earlier one: music-like references of 1800 frames at 22.05 kHz with a 600-frame repeat
// halfway, plain and behind the 2 kHz low-pass, read clean with 600 frames of the chord
// unlooked at after the end.
extension RoundTripAnalysis {
    /// Loud sound after the reference's last sound on the line `level + drift · p` (from
    /// ``AnalyzerTuning/preProbeGuardFrames`` after it to ``AnalyzerTuning/searchRadius``
    /// after it, the blocks of ``loudBlocks(_:in:signal:)`` against the line's signal power,
    /// holding ``AnalyzerTuning/heardAfterMinCycles`` of their content's cycles or more),
    /// matching the reference at a later delay at `minRho` or more: its capture frames, that
    /// delay and the match. nil otherwise.
    func heardAfterTheEnd(_ ref: [Float], _ cap: [Float], level: Double, drift: Double, minRho: Double) -> HeardBefore? {
        let end = Self.lastSound(of: ref, share: tuning.onsetOfPeak)
        guard end > 0 else { return nil }
        let endDelay = level + drift * Double(end)
        let s0 = max(0, Int(level.rounded())), s1 = min(cap.count, Int(endDelay.rounded()) + end)
        let begin = Int((endDelay + Double(end)).rounded(.up)) + tuning.preProbeGuardFrames
        let stop = min(cap.count, begin + AnalyzerTuning.searchRadius)
        guard s1 > s0, begin >= 0, stop - begin >= tuning.preProbeMinFrames,
              let span = loudBlocks(cap, in: begin..<stop, signal: energy(cap[s0..<s1]) / Double(s1 - s0)),
              halfCycles(cap[span]) >= 2 * tuning.heardAfterMinCycles,
              let match = matchedLater(ref, cap, span: span, level: endDelay), match.rho >= minRho else { return nil }
        return match
    }

    /// How often `x`, its mean removed, swings from below −h to above +h or back, with h
    /// ``AnalyzerTuning/heardAfterSwingOfRMS`` of its RMS: twice its cycles, for content
    /// that stands over its noise (a smooth hump under a floor crosses its mean many times,
    /// and swings past half its RMS once).
    func halfCycles(_ x: ArraySlice<Float>) -> Int {
        guard !x.isEmpty else { return 0 }
        let n = Double(x.count)
        let mean = x.reduce(0.0) { $0 + Double($1) } / n
        let rms = (x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
        let h = tuning.heardAfterSwingOfRMS * rms
        var count = 0, side = 0
        for v in x {
            let d = Double(v) - mean
            let now = d > h ? 1 : d < -h ? -1 : 0
            if now != 0 {
                if side != 0, now != side { count += 1 }
                side = now
            }
        }
        return count
    }

    /// The frame after `x`'s last departing from its last frame by more than `share` of its
    /// largest departure (``Explainer/onset(of:share:)`` read from the end); 0 where none does.
    static func lastSound(of x: [Float], share: Double) -> Int {
        guard let xl = x.last else { return 0 }
        let peak = x.reduce(Float(0)) { max($0, abs($1 - xl)) }
        return (x.lastIndex { Double(abs($0 - xl)) > share * Double(peak) } ?? -1) + 1
    }

    /// Capture frames `span` matched with the reference at delays from
    /// ``AnalyzerTuning/middleMinDelayFromNeighbour`` after `level` to
    /// ``AnalyzerTuning/searchRadius`` after it: the best normalised correlation, judged at its
    /// interpolated peak, and its delay.
    func matchedLater(_ ref: [Float], _ cap: [Float], span: Range<Int>, level: Double) -> HeardBefore? {
        // Reference positions of the span's first frame: span.lowerBound − delay.
        let pLo = span.lowerBound - Int(level.rounded(.down)) - AnalyzerTuning.searchRadius
        let pHi = span.lowerBound - Int(level.rounded(.up)) - Int(tuning.middleMinDelayFromNeighbour.rounded(.up))
        return matched(ref, cap, span: span, positions: pLo, pHi)
    }

    /// The reason's tail for a sound after the end (``heardAfterTheEnd(_:_:level:drift:minRho:)``).
    func heardAfterReason(_ h: HeardBefore, level: Double) -> String {
        String(format: "; but the capture holds the reference's sound after its end at that delay (%.1f): capture frames %d–%d match it at %.2f at delay %.1f (a step the windows could not tell, the probe heard at two delays), so no latency is reported",
               level, h.frames.lowerBound, h.frames.upperBound, h.rho, h.delay)
    }
}
