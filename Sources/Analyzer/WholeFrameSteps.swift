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
/// within ``AnalyzerTuning/wholeFrameSigmas`` standard errors of whole frames and farther
/// than that from the whole numbers either side (a first level loose to ±0.4 frames cannot
/// tell 1750 from 1751: a faded log sweep's first two octaves, fuzz case 3378, tied a frame
/// off at a stated ±0.004 until session 60), and drift too
/// small to make a whole step of the stream's clock a fraction of the capture's
/// (``AnalyzerTuning/wholeFrameDriftFrames``). A path that resamples after the discontinuity
/// (a guest at 44.1 kHz played out at 48 kHz) makes steps of fractional frames; where two
/// well-measured segments of the capture step by a fraction (``fractionalSteps(_:)``) no tie
/// is made, and where the capture has no such pair the first segment's own standard error
/// cannot tell the two apart, and the tie assumes the common case. The levels are combined
/// by their inverse variances.
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
    /// `scatterAtLeast`: a floor on the scatter (χ² per degree of freedom) the windows' σ
    /// are scaled by, where it was measured over more windows than `over` holds
    /// (``robustScatter(_:)``).
    static func levelSE(_ s: Segment, over windows: [TrackPoint]? = nil, scatterAtLeast floor: Double = 1) -> Double? {
        let pts = (windows ?? s.points).filter { $0.sigma > 0 && $0.sigma.isFinite }
        guard pts.count >= 2, !s.short, !s.refined else { return nil }
        var w = 0.0, chi = 0.0
        for p in pts {
            let e = p.d - s.drift * p.pc - s.level
            w += 1 / (p.sigma * p.sigma)
            chi += e * e / (p.sigma * p.sigma)
        }
        let scatter = chi / Double(pts.count - 1)
        return (max(1, floor, scatter) / w).squareRoot() * Segmenter.correlatedResiduals([s])
    }

    /// How much more the segment's windows scatter about its level than their σ say, as a
    /// variance ratio (1 where they scatter no more): the squared median of |distance from
    /// the level| / σ over all its windows, scaled to a normal's standard deviation
    /// (``AnalyzerTuning/madToSigma``). The level is the mean of the windows within
    /// ``AnalyzerTuning/levelOutlierSigmas`` σ of their median
    /// (``Segmenter/agreeing(_:drift:)``), which leaves out a window locked a period off but
    /// also, where the σ are too small, the tails of the windows' own spread: the χ² of
    /// those left is then a truncated one, and understates it. The median counts every
    /// window and is not moved by the few locked a period off. White noise behind the 2 kHz
    /// low-pass (92 % of its power outside the capture's band) reads windows about 0.2
    /// samples apart at a σ of 0.07, and the 3σ cut kept their middle: fuzz cases 360 and
    /// 738 read 0.124 and 0.087 samples off at ±0.052 and ±0.038, now ±0.091 and ±0.106; 16
    /// such captures of 1 s at 50 dB read up to 2.7 times their stated uncertainty off, now
    /// up to 2.0. Nil under ``AnalyzerTuning/robustScatterMinWindows`` windows.
    static func robustScatter(_ s: Segment) -> Double? {
        let tuning = AnalyzerTuning.standard
        let r = s.points.filter { $0.sigma > 0 && $0.sigma.isFinite }.map { abs($0.d - s.drift * $0.pc - s.level) / $0.sigma }
        guard r.count >= tuning.robustScatterMinWindows else { return nil }
        let scale = tuning.madToSigma * median(r)
        return max(1, scale * scale)
    }

    /// The first segment's level tied to the best-measured later segment, or nil where the
    /// tie does not hold (see the type's description).
    /// `totalDrift`: the capture's drift against the plain reference (the segments' own is
    /// against the reference stretched by it).
    static func tiedFirstLevel(_ segments: [Segment], totalDrift: Double) -> Double? { tiedFirst(segments, totalDrift: totalDrift)?.level }

    /// ``tiedFirstLevel(_:totalDrift:)`` with the tied level's standard error.
    static func tiedFirst(_ segments: [Segment], totalDrift: Double) -> (level: Double, se: Double)? {
        let tuning = AnalyzerTuning.standard
        guard segments.count > 1, let se0 = levelSE(segments[0]), se0 >= tuning.wholeFrameMinSE, !fractionalSteps(segments) else { return nil }
        let first = segments[0]
        let later = segments.dropFirst().compactMap { s in levelSE(s).map { (s, $0) } }
        guard let (best, se) = later.min(by: { $0.1 < $1.1 }), se * tuning.wholeFrameSEGain <= se0 else { return nil }
        let step = best.level - first.level
        let whole = step.rounded()
        let joint = (se0 * se0 + se * se).squareRoot()
        guard whole != 0, abs(whole * totalDrift) <= tuning.wholeFrameDriftFrames,
              abs(step - whole) <= tuning.wholeFrameSigmas * joint,
              1 - abs(step - whole) > tuning.wholeFrameSigmas * joint else { return nil }
        let (w0, w) = (1 / (se0 * se0), 1 / (se * se))
        return ((w0 * first.level + w * (best.level - whole)) / (w0 + w), (1 / (w0 + w)).squareRoot())
    }

    /// Whether two consecutive well-measured segments (each with a standard error) step by
    /// a fraction of a frame: more than ``AnalyzerTuning/fractionalStepMinFrames`` and
    /// ``AnalyzerTuning/wholeFrameSigmas`` joint standard errors from whole frames. Then the
    /// stream steps by fractions (a resampler after the discontinuity, as in QEMU's audio
    /// path between a guest's rate and the host's), and no step of the capture is taken as
    /// whole. The card model's ALSA capture at QEMU 7.2's defaults steps by −1645.933,
    /// −1341.606 and +527.63 frames between segments read to 10⁻³; its lead, 449.52 frames
    /// before the next segment, read its delay to 0.0004 and tied to a whole step would have
    /// gone 0.48 off.
    static func fractionalSteps(_ segments: [Segment]) -> Bool {
        let tuning = AnalyzerTuning.standard
        let measured = segments.compactMap { s in levelSE(s).map { (s.level, $0) } }
        return zip(measured, measured.dropFirst()).contains { a, b in
            let step = b.0 - a.0
            let off = abs(step - step.rounded())
            return off > tuning.fractionalStepMinFrames && off > tuning.wholeFrameSigmas * (a.1 * a.1 + b.1 * b.1).squareRoot()
        }
    }

    /// A first segment with no standard error of its own tied to the next one across the
    /// first step as the explainer sized it (`step`, whole frames, + later: what its events
    /// insert less what they drop), or nil. Such a segment is a lead matched on the probe's
    /// first frames before any window (``Explainer/leadingSegment(_:_:replaced:claimed:)``)
    /// or a single window's level refitted from its frames, and nothing says how well it is
    /// measured: a 1800-frame log sweep at 22.05 kHz with 360 frames repeated at its frame
    /// 600 had its lead 0.51 frames late, the segment after the repeat read to 0.006. Rounding
    /// their difference (359.49) would tie it a frame off; the explainer placed the repeat's
    /// edges on the reference's grid, 360 frames apart, with nothing inserted, and tied to that
    /// the latency is the truth's. Made only where the next segment is measured to
    /// ``AnalyzerTuning/explainedStepMaxSE`` (its level's error, the spread of the fit over its
    /// own frames where it took its level from them, or its one window's σ), the first's own
    /// windows (where it has any) are no better than ``AnalyzerTuning/wholeFrameMinSE`` and
    /// allow the move within ``AnalyzerTuning/wholeFrameSigmas`` joint errors, the tie moves
    /// the level by less than ``AnalyzerTuning/explainedStepMaxMove``, the drift keeps whole
    /// steps whole (``AnalyzerTuning/wholeFrameDriftFrames``), and the capture's segments do
    /// not step by fractions (``fractionalSteps(_:)``). The level's
    /// uncertainty is the next segment's and the move, in quadrature: the move is what the
    /// first segment's own reading says against the tie.
    static func tiedToExplainedStep(_ segments: [Segment], step: Int?, totalDrift: Double) -> (level: Double, se: Double)? {
        let tuning = AnalyzerTuning.standard
        guard segments.count > 1, let step, step != 0, abs(Double(step) * totalDrift) <= tuning.wholeFrameDriftFrames else { return nil }
        let (first, next) = (segments[0], segments[1])
        guard levelSE(first) == nil, !first.refined, !next.short, !next.refined, !fractionalSteps(segments) else { return nil }
        let lone = next.points.count == 1 ? next.points[0].sigma : nil
        guard let se = levelSE(next) ?? next.fittedSigma ?? lone, se > 0, se <= tuning.explainedStepMaxSE else { return nil }
        // Its windows' σ, where it has any, must leave the tie something to gain, and allow the move.
        let own = first.points.map(\.sigma).filter { $0 > 0 && $0.isFinite }.min() ?? .infinity
        let level = next.level - Double(step)
        let move = level - first.level
        guard own >= tuning.wholeFrameMinSE, abs(move) < tuning.explainedStepMaxMove,
              abs(move) <= tuning.wholeFrameSigmas * (own * own + se * se).squareRoot() else { return nil }
        return (level, (se * se + move * move).squareRoot())
    }
}
