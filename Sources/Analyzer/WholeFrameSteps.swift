// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// The first segment's level tied to a better-measured later one across whole-frame steps.
///
/// The latency is the first segment's delay, and a first segment may be short or hold little
/// bandwidth: a log sweep with a gap at a fifth of its length keeps only 20–80 Hz before it,
/// and under a −30 dB pink floor its windows read the delay 0.34 samples off (standard error
/// 0.13; the bound for 60 Hz of bandwidth at that SNR is of that order). The segment after the
/// gap holds the other nine octaves and reads its delay to 10⁻⁴. A gap, a drop or a repeat
/// moves the stream by whole frames: the two levels differ by a whole number of frames, and
/// the first is the later one less that number. The tie is made only where the data allow
/// it: the later segment is at least ``AnalyzerTuning/wholeFrameSEGain`` times better
/// measured, the first at worse than ``AnalyzerTuning/wholeFrameMinSE``, the measured step
/// within ``AnalyzerTuning/wholeFrameSigmas`` standard errors of whole frames, and drift too
/// small to make a whole step of the stream's clock a fraction of the capture's
/// (``AnalyzerTuning/wholeFrameDriftFrames``). A path that resamples after the discontinuity
/// (a guest at 44.1 kHz played out at 48 kHz) makes steps of fractional frames; within the
/// first segment's own standard error the two cannot be told apart, and the tie assumes the
/// common case. The levels are combined by their inverse variances.
///
/// Not through a room (a model with a reverberation tail): there the later segment's stated
/// error is no measure of its bias. Log sweeps through `bench rooms`' rooms with a drop at
/// three quarters read the segment after it to a stated 10⁻³ but biased by the room's
/// misfit, and tied to it their latency went from 0.043 and 0.115 samples off to 0.103 and
/// 0.155 at 3 ppm.
enum WholeFrameSteps {
    /// A segment's level's standard error from its windows: their σ combined, scaled by the
    /// scatter of their detrended delays about the level where that exceeds their σ. Every
    /// window counts, also those the level leaves out as disagreeing with the run's median
    /// (`Segmenter.level(of:drift:)`): their disagreement is what makes the level uncertain.
    /// (Counted over the agreeing ones only, a card-model capture's first segment, two
    /// windows of which one agrees, had no error to tie by, and its latency stayed 0.317
    /// samples off the model's truth.)
    /// `over`: the windows to count, all of the segment's when nil (the latency's uncertainty
    /// counts those the level is the mean of, ``RoundTripAnalysis/latencyUncertainty``).
    static func levelSE(_ s: Segment, over windows: [TrackPoint]? = nil) -> Double? {
        let pts = (windows ?? s.points).filter { $0.sigma > 0 && $0.sigma.isFinite }
        guard pts.count >= 2, !s.short, !s.refined else { return nil }
        var w = 0.0, chi = 0.0
        for p in pts {
            let e = p.d - s.drift * p.pc - s.level
            w += 1 / (p.sigma * p.sigma)
            chi += e * e / (p.sigma * p.sigma)
        }
        let scatter = chi / Double(pts.count - 1)
        return (max(1, scatter) / w).squareRoot() * Segmenter.correlatedResiduals([s])
    }

    /// The first segment's level tied to the best-measured later segment, or nil where the
    /// tie does not hold (see the type's description).
    /// `totalDrift`: the capture's drift against the plain reference (the segments' own is
    /// against the reference stretched by it).
    static func tiedFirstLevel(_ segments: [Segment], totalDrift: Double) -> Double? { tiedFirst(segments, totalDrift: totalDrift)?.level }

    /// ``tiedFirstLevel(_:totalDrift:)`` with the tied level's standard error.
    static func tiedFirst(_ segments: [Segment], totalDrift: Double) -> (level: Double, se: Double)? {
        let tuning = AnalyzerTuning.standard
        guard segments.count > 1, let se0 = levelSE(segments[0]), se0 >= tuning.wholeFrameMinSE else { return nil }
        let first = segments[0]
        let later = segments.dropFirst().compactMap { s in levelSE(s).map { (s, $0) } }
        guard let (best, se) = later.min(by: { $0.1 < $1.1 }), se * tuning.wholeFrameSEGain <= se0 else { return nil }
        let step = best.level - first.level
        let whole = step.rounded()
        guard whole != 0, abs(whole * totalDrift) <= tuning.wholeFrameDriftFrames,
              abs(step - whole) <= tuning.wholeFrameSigmas * (se0 * se0 + se * se).squareRoot() else { return nil }
        let (w0, w) = (1 / (se0 * se0), 1 / (se * se))
        return ((w0 * first.level + w * (best.level - whole)) / (w0 + w), (1 / (w0 + w)).squareRoot())
    }
}
