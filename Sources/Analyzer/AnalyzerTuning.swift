// SPDX-License-Identifier: GPL-2.0-or-later

/// Every threshold of the analyzer's find, explain and click passes, with the reason for
/// its value. Powers are per frame (squared sample values); `σ²` is the residual variance
/// of an alignment (capture minus gain × aligned reference), `S` the aligned signal's power.
///
/// The values were set on synthetic captures (`CaptureSynth`) and the card model's
/// (`Tests/CardModelTests/AgreementTests.swift`); the golden test pins what they give.
/// Changing one changes measurements: run the analyzer tests and the agreement test, then
/// regenerate the golden file on purpose.
struct AnalyzerTuning: Sendable {
    static let standard = AnalyzerTuning()

    // MARK: find and track (RoundTripAnalysis, Tracker)

    /// Tracking window (frames): discontinuities closer together than this are not resolved
    /// one by one. 1024 frames (21 ms at 48 kHz) holds enough of a sweep to correlate at
    /// 10 dB SNR and is shorter than the gaps between QEMU's typical artifacts.
    var trackingWindow = 1024
    /// How far (frames) a window's delay may move from its neighbour's and still be found:
    /// larger than any step QEMU makes (an HDA ring is 2048 frames, a PA record block ≤ 4096).
    var searchRadius = 4096
    /// The lowest normalised correlation a tracked window may have, whatever the whole-signal peak.
    var minWindowRho = 0.2
    /// A window must correlate at least this fraction of the whole-signal normalised correlation.
    var windowRhoOfGlobal = 0.4
    /// The whole-signal correlation peak must stand this many times above the correlation's
    /// own noise (robust spread): below it there is no signal.
    var findZThreshold = 10.0
    /// …and its normalised correlation must reach this: a strong peak on a capture that
    /// matches the reference in 5 % of its energy is a coincidence.
    var findMinRho = 0.05
    /// Below this whole-signal normalised correlation, a fit with negative SNR is a chance alignment.
    var fragmentRho = 0.15
    /// The correlation's noise is estimated from every `findNoiseSubsample`-th lag, at least
    /// `findPeakExclusion` lags away from the peak, as median(|c|) / 0.6745 (the median of
    /// |x| for a normal x is 0.6745 σ).
    var findNoiseSubsample = 5
    var findPeakExclusion = 64
    var medianOfAbsoluteNormal = 0.6745
    /// A drift smaller than this (2 ppm) is not worth re-tracking against a stretched reference.
    var minDriftToRetrack = 2e-6

    // MARK: fit of one alignment (Explainer.fit)

    /// A segment shorter than this (frames) has no usable fit; it gets unit gain.
    var minFitFrames = 16
    /// At most this many frames are used to fit a segment (evenly subsampled): plenty for a gain and a variance.
    var maxFitSamples = 40000
    /// The median of a squared standard normal variable (0.4549): median(e²) / 0.455
    /// estimates σ² and ignores the bursts (steps, clicks) the residual may hold.
    var medianOfSquaredNormal = 0.455
    /// Floor of σ² relative to the signal power (−90 dB: a digitally exact loop) and absolute.
    var sigma2FloorOfSignal = 1e-9
    var sigma2FloorAbsolute = 1e-14

    // MARK: explain each step (Explainer.explain)

    /// A lone window that straddles a step joins the neighbour whose delay it nearly has
    /// (within this many frames)…
    var straddlingWindowMaxDelayDifference = 2.0
    /// …when its correlation is below this fraction of the neighbour's median: it matched
    /// halfway between two delays, not a delay of its own.
    var straddlingWindowRhoRatio = 0.95
    /// A segment's σ² is inflated when most of its extent is the silence of the step beside it:
    /// one more than this many times the other's is not trusted.
    var sigma2TrustRatio = 100.0
    /// Floor of the σ² a step is judged with, relative to the signal (−40 dB): below it, a
    /// misfit is a modelling detail (interpolation, a hair of delay error), not a discontinuity.
    var stepSigma2FloorOfSignal = 1e-4
    /// Cost (in σ²) of each foreign frame in the split: foreign frames must fit clearly
    /// better than either alignment.
    var foreignFrameCost = 2.0
    /// Cost (in σ²) of opening a stretch of foreign frames at all.
    var foreignStretchOpenCost = 10.0
    /// What a second event must explain to be believed: this many σ²…
    var eventWorthSigma2 = 25.0
    /// …or this many frames of signal power (a step through a band-limited path smears over a few frames).
    var eventWorthSignalFrames = 4.0
    /// A step must save at least this many σ² over one alignment throughout; less is no step.
    var minStepSavingsSigma2 = 25.0
    /// Fewer frames than this after the split cannot tell whether B fits; it is believed.
    var minFramesToJudgeB = 32
    /// B fits where it is said to start when its mean residual there is at most this many
    /// times A's floor (or B's own σ², capped at `bFitSignalFraction` S)…
    var bFitFloorMultiple = 4.0
    var bFitSignalFraction = 0.05
    /// …or at most this fraction of B's signal power…
    var bFitMaxOfSignal = 0.1
    /// …or, where the path is hard to follow, it explains the capture this much better than
    /// A does (mean residual at most 0.2 of A's) and is at most 0.3 S.
    var bFitBetterThanA = 0.2
    var bFitHardPathMaxOfSignal = 0.3
    /// Three windows agreeing on a delay are not a stray match: B is believed.
    var bFitMinWindows = 3
    /// Up to this many foreign frames, both edges of a step are placed together (every
    /// pair is tried); above, each edge on its own.
    var jointEdgesMaxForeign = 96
    /// An event this large (frames) is "sizeable": two sizeable events at one boundary may be
    /// two boundaries with a short stretch at a third delay between them.
    var sizeableEventFrames = 16
    /// At most this many searches for such a middle stretch per analysis.
    var maxMiddleSearches = 64
    /// Inserted stretches shorter than this are not tested for being a repeat (too little to correlate).
    var minRepeatTestFrames = 8
    /// Frames next to a step (on either side) not scanned for clicks: the step's own smear.
    var stepMarginFrames = 32
    /// A segment with fewer frames than this to scan is not scanned.
    var minScanFrames = 64
    /// Clicks and pieces within this many frames after a leading replacement belong to it.
    var leadingReplacementMargin = 32

    // MARK: middle segments (Explainer.middleSegment)

    /// A region shorter than this (frames) holds no middle segment.
    var middleMinRegion = 128
    /// Half-width (frames) of the smoothing of "neither alignment fits".
    var middleSmoothing = 16
    /// Neither fits: each misfit above this many times the floor σ²…
    var middleMisfitFloorMultiple = 8.0
    /// …and above this fraction of the capture's power there…
    var middleMisfitOfCapture = 0.2
    /// …while the capture holds at least this fraction of the signal power.
    var middleMinCaptureOfSignal = 0.1
    /// A middle stretch must be at least this long (frames) after trimming.
    var middleMinFrames = 64
    /// Reference stretches with less than this fraction of the capture's energy are not candidates.
    var middleMinReferenceEnergy = 0.05
    /// The normalised correlation a middle stretch needs: it must be the reference, closely.
    var middleMinRho = 0.9
    /// Correlation lags (each side) refined to a fraction of a frame around the best one.
    var middleRefineLags = 40
    /// A middle stretch within this many frames of a neighbour's delay is that neighbour again.
    var middleMinDelayFromNeighbour = 2.0

    // MARK: leading replacement (Explainer.leadingReplacement)

    /// Below this many frames of reference under the first segment, there is nothing to judge.
    var leadingMinFrames = 128
    /// Block (frames) the probe's start is walked in.
    var leadingBlock = 32
    /// A block is too faint to judge below this fraction of the signal power…
    var leadingFaintOfSignal = 0.01
    /// …or below this many times its noise.
    var leadingFaintNoiseMultiple = 4.0
    /// The probe is missing in a block when the residual beyond the noise exceeds this
    /// fraction of the probe's energy there, plus this fraction of the noise (χ² with
    /// 32 degrees of freedom: ±25 %, at 3σ).
    var leadingMissingOfProbe = 0.5
    var leadingNoiseSpread = 0.75
    /// A replacement is reported from one block on, after at least two blocks walked.
    var leadingMinReplaced = 32
    var leadingMinWalked = 64
    /// Its exact end is searched from this many blocks before the walk stopped to this many frames after.
    var leadingEndSearchBlocksBack = 2
    var leadingEndSearchFrames = 64

    // MARK: edges (Explainer.refineEdges, jointEdges)

    /// Reference samples tried on each side of the split's estimate for each edge.
    var edgeCandidates = 3
    /// Capture frames (each side of an edge) an edge candidate is scored on.
    var edgeScoreFrames = 40
    /// Capture frames (each side of the split) a joint edge pair is scored on.
    var jointEdgeScoreFrames = 48

    // MARK: repeat or gap (Explainer.isRepeat)

    /// Inserted frames quieter than this many σ²…
    var repeatSilenceSigma2 = 4.0
    /// …or this fraction of the signal power are silence: a gap.
    var repeatSilenceOfSignal = 0.1
    /// The inserted frames are looked for this many times their length back (at least 2048 frames)…
    var repeatSearchLengths = 4
    var repeatSearchMinFrames = 2048
    /// …and a little ahead.
    var repeatSearchAhead = 16
    /// Normalised correlation at which the inserted frames are a copy of earlier audio.
    var repeatMinRho = 0.6

    // MARK: clicks (Explainer.scanResidual)

    /// Block (frames) the local noise is estimated in.
    var noiseBlock = 512
    /// The local noise is the median over this many blocks on each side.
    var noiseNeighbourBlocks = 4
    /// Noise floor: −60 dB of the segment's peak.
    var noiseFloorOfPeak = 0.001
    /// The segment's overall misfit (residual over signal) is at least −34 dB: model error
    /// grows with the signal, and is allowed for in proportion to the local signal power.
    var minFitRatio = 4e-4
    /// The local noise is at least this fraction of the segment's σ².
    var noiseOfSegmentSigma2 = 0.25
    /// Multi-scale energy test: a stretch of `frames` whose residual energy is `ratio` times
    /// the local noise is flagged. Single samples beyond 6.5σ (6.5² ≈ 42); 16 frames at 6×;
    /// 128 frames at 2.5×.
    var clickScales: [(frames: Int, ratio: Double)] = [(1, 42.0), (16, 6.0), (128, 2.5)]
    /// "Around" (frames each side) that a flagged stretch must stand out against: a misfit
    /// that builds up over a stretch (a resampler's images as a chirp climbs) is not a transient.
    var clickContrastFrames = 1024
    /// Silence where the probe plays (128-frame stretches, the probe above this many times
    /// the noise, the capture below this fraction of it) is a dropout however long it is.
    var dropoutFrames = 128
    var dropoutProbeNoiseMultiple = 10.0
    var dropoutCaptureOfProbe = 0.1
    /// Flagged stretches this close (frames) are one burst.
    var burstMergeFrames = 16
    /// A burst's exact extent: its samples beyond 4σ (4² = 16).
    var burstEdgeSigma2 = 16.0
    /// A burst of at least `minReplacementFrames` where the capture holds less than this
    /// fraction of the signal fell silent: a short replacement (gap + drop), placed by the
    /// split within `replacementMargin` frames around it.
    var replacementCaptureOfSignal = 0.3
    var minReplacementFrames = 2
    var replacementMargin = 64
    /// Bursts longer than this (frames) may be the path's own distortion rather than a click…
    var longBurstFrames = 32
    /// …as are those whose residual is a tone or a sweep: spectral flatness below this
    /// (a resampler's image as the probe crosses the path's Nyquist frequency). A transient,
    /// or garbage in a buffer, is broadband.
    var minBurstFlatness = 0.15
}
