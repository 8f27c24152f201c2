// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

// A segment runs back from its first tracked window to where its reference begins, and the
// latency is read at that beginning. The probe's first frames may lie at another delay,
// though: a gap or a repeat before the tracker's first window, in a stretch no window could
// follow (a log sweep's lowest octaves, faded in, through a room). Extended back over them,
// the first segment gives the delay after the step as the latency, with the precision of
// its own windows: a faded log sweep through the room whose first 2993 frames came 2031
// frames before the rest read 2031 samples late at ±0.16 (the fuzz test's case 1038).
// `trackMissedStart` looks for the reference over the capture before the first segment's
// frames; once that segment covers the probe's first frames, its own delay holds that
// correlation's peak. So the probe's first frames alone are matched here.
extension RoundTripAnalysis {
    /// The delay (capture frame of the reference's first frame) at which the probe's first
    /// frames lie, when it is not segment `first`'s, and the capture frames they were judged
    /// on (on `first`'s line); nil where they fit `first` or cannot tell.
    ///
    /// Judged on the capture frames from the probe's onset on `first`'s line, or from the end
    /// of the last of `events` (the explanation's) before `first`'s first tracked window, to
    /// that window, where they are at least a tracking window
    /// (``AnalyzerTuning/trackingWindow``): what an event already accounts for is not judged
    /// again (multitone bursts behind the resonant high-pass whose first 915 frames were
    /// replaced, read as a replacement from the probe's onset, the fuzz test's case 1071, were
    /// refused). The reference's frames on the line over them, at most
    /// ``AnalyzerTuning/leadFrames`` of them, are matched over ``AnalyzerTuning/searchRadius``
    /// frames either side, and the best match away from `first`'s level is taken where
    /// - it lies at least ``AnalyzerTuning/leadMinStep`` frames from the level, and the
    ///   reference is not like itself over that shift (``selfMatch(_:_:_:shift:)`` under
    ///   ``AnalyzerTuning/leadMaxSelfMatch``): a narrowband start matches wherever the
    ///   reference plays about the same tone, and the path's phase picks the best of them;
    /// - the capture there holds them at `gain` (the first segment's), either sign, within
    ///   ``AnalyzerTuning/leadGainRatio``: the same probe through the same path;
    /// - it matches at ``AnalyzerTuning/missedStartRhoFloor`` or better, with at most
    ///   ``AnalyzerTuning/levelMisfitRatio`` of the misfit (1 − ρ²) the level leaves on the
    ///   same frames.
    func leadAtAnotherDelay(_ first: Segment, _ model: [Float], _ cap: [Float], gain: Double?, events: [Event]) -> (delay: Int, frames: Range<Int>)? {
        guard let tracked = first.points.first?.t, first.level.isFinite, first.drift.isFinite else { return nil }
        let onset = Explainer.onset(of: model, share: tuning.onsetOfPeak)
        let accounted = events.filter { $0.captureSample < tracked }.map { $0.captureSample + max(0, $0.sizeSamples) }.max() ?? 0
        let start = max(Int((first.level + Double(onset) * (1 + first.drift)).rounded()), accounted)
        let p0 = Int(first.refPosition(atCapture: Double(start)).rounded())
        guard start >= 0, p0 >= 0 else { return nil }
        let k = min(tracked - start, tuning.leadFrames, model.count - p0)
        guard k >= AnalyzerTuning.trackingWindow else { return nil }
        let lead = Array(model[p0..<(p0 + k)])
        let leadEnergy = energy(lead)
        guard leadEnergy > 0 else { return nil }
        let lo = max(0, start - AnalyzerTuning.searchRadius), hi = min(cap.count, start + k + AnalyzerTuning.searchRadius)
        let stretch = Array(cap[lo..<hi])
        let corr = Correlation.crossCorrelate(signal: stretch, template: lead, lags: 0...(stretch.count - k))
        var heard = [Double](repeating: 0, count: stretch.count + 1)
        for (i, x) in stretch.enumerated() { heard[i + 1] = heard[i] + Double(x) * Double(x) }
        var best: (j: Int, rho: Double)?
        for j in corr.indices where abs(Double(lo + j - p0) - first.level) >= tuning.leadMinStep {
            let e = heard[j + k] - heard[j]
            guard e > 0 else { continue }
            let rho = abs(corr[j]) / (e * leadEnergy).squareRoot()
            if rho > best?.rho ?? 0 { best = (j, rho) }
        }
        guard let best, best.rho >= tuning.missedStartRhoFloor,
              let fit = LevelFit(frames: Array(start..<(start + k)), cap: cap, model: model, drift: first.drift, polarity: 1, interp: interp),
              case let atLevel = abs(fit.rho(first.level)),
              1 - best.rho * best.rho <= tuning.levelMisfitRatio * (1 - atLevel * atLevel) else { return nil }
        let d = lo + best.j - p0
        guard Self.selfMatch(model, p0, k, shift: d - Int(first.level.rounded())) < tuning.leadMaxSelfMatch else { return nil }
        if let g = gain, g != 0 {
            let ratio = abs(corr[best.j] / leadEnergy / g)
            guard ratio <= tuning.leadGainRatio, ratio >= 1 / tuning.leadGainRatio else { return nil }
        }
        return (d, start..<(start + k))
    }

    /// Why no latency is reported where the probe's first frames (`lead`) lie elsewhere.
    func leadElsewhereReason(_ first: Segment, _ lead: (delay: Int, frames: Range<Int>), sampleRate fs: Int) -> String {
        String(format: "the probe's first frames (capture frames %d–%d, %.3f–%.3f s, on the first segment's line) match the reference far better at delay %d than at the first segment's %.1f: a repeat or a gap before the tracker's first window (frame %d), where no window could follow the probe; which delay is the probe's cannot be told, so no latency is reported",
               lead.frames.lowerBound, lead.frames.upperBound, Double(lead.frames.lowerBound) / Double(fs), Double(lead.frames.upperBound) / Double(fs),
               lead.delay, first.level, first.points.first?.t ?? first.captureStart)
    }

    /// The normalised correlation (either sign) of `x`'s `k` frames from `p0` with those `shift`
    /// frames later (zeros outside `x`, and 0 where those are silent): how closely the
    /// reference played `shift` frames later looks like it.
    static func selfMatch(_ x: [Float], _ p0: Int, _ k: Int, shift: Int) -> Double {
        var xy = 0.0, xx = 0.0, yy = 0.0
        for i in p0..<(p0 + k) {
            let a = Double(x[i]), j = i + shift
            let b = j >= 0 && j < x.count ? Double(x[j]) : 0
            xy += a * b
            xx += a * a
            yy += b * b
        }
        guard xx > 0, yy > 0 else { return 0 }
        return abs(xy) / (xx * yy).squareRoot()
    }
}
