// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

// A segment's delay from the whole segment, where its windows locked a period off.
extension RoundTripAnalysis {
    /// A narrowband window high in the band (a linear sweep's top half: a window spans ~1 %
    /// of its frequency) matches the reference one period away within ~10⁻⁴ of the true
    /// match, less than the normalised correlation's own error there; after a step the
    /// tracker follows whichever lock it found first, and the segment's level is then a
    /// period or two off (a 480-frame drop read as 483, a repeat as 474 and 9). The whole
    /// segment spans far more bandwidth than one window (15–20 kHz after a drop at 75 % of a
    /// 2 s linear sweep), and its correlation with the reference tells the periods apart. A
    /// segment's level moves to that correlation's peak (searched
    /// ``AnalyzerTuning/levelSearchFrames`` either side) when the peak lies at least
    /// ``AnalyzerTuning/levelMinCorrection`` away: a period-off lock, not the windows' own
    /// fraction of a frame, which they measure as well as the whole segment does. Segments
    /// whose windows are right keep their level, and the measurements they give stay as they were.
    func refineLockedLevels(_ segments: inout [Segment], _ model: [Float], _ cap: [Float], polarity: Double) {
        for k in segments.indices where !segments[k].short {
            guard let w = wholeSegmentLevel(segments[k], model, cap, polarity: polarity),
                  abs(w.best - segments[k].level) >= tuning.levelMinCorrection,
                  1 - w.bestRho <= tuning.levelMisfitRatio * (1 - w.levelRho) else { continue }
            segments[k].level = w.best
        }
    }

    /// The level at which the whole segment correlates best with the reference, searched on a
    /// grid of ``AnalyzerTuning/levelSearchStep`` frames around the segment's level and refined
    /// between them, with the normalised correlation there and at the segment's own level;
    /// nil when the segment holds too little reference to judge.
    func wholeSegmentLevel(_ s: Segment, _ model: [Float], _ cap: [Float], polarity: Double) -> (best: Double, bestRho: Double, levelRho: Double)? {
        let reach = Int(tuning.levelSearchFrames.rounded(.up)) + AnalyzerTuning.interpolatorHalfWidth
        let a = max(s.captureStart, Int(s.level.rounded(.up)) + reach, 0)
        let b = min(s.captureEnd, Int(s.level + (1 + s.drift) * Double(model.count)) - reach, cap.count)
        guard b - a >= tuning.levelRefineMinFrames else { return nil }
        let step = max(1, (b - a) / tuning.levelRefineMaxFrames)
        let idx = Array(stride(from: a, to: b, by: step))
        var cc = 0.0
        for t in idx { cc += Double(cap[t]) * Double(cap[t]) }
        guard cc > 0 else { return nil }
        func rho(_ level: Double) -> Double {
            let m = model.withUnsafeBufferPointer { rb in interp.values(at: 0..<idx.count, in: rb) { (Double(idx[$0]) - level) / (1 + s.drift) } }
            var cm = 0.0, mm = 0.0
            for (t, v) in zip(idx, m) {
                cm += Double(cap[t]) * v
                mm += v * v
            }
            return mm > 0 ? polarity * cm / (cc * mm).squareRoot() : 0
        }
        let atLevel = rho(s.level)
        var bestX = s.level, bestV = atLevel
        var x = s.level - tuning.levelSearchFrames
        while x <= s.level + tuning.levelSearchFrames {
            let v = rho(x)
            if v > bestV { bestV = v; bestX = x }
            x += tuning.levelSearchStep
        }
        // A peak within a step of the level moves it by less than a correction: not refined.
        guard abs(bestX - s.level) > tuning.levelMinCorrection - tuning.levelSearchStep else { return (bestX, bestV, atLevel) }
        let r = SincInterpolator.maximize(around: bestX) { rho($0) }
        return (r.position, r.value, atLevel)
    }
}
