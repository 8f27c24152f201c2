// SPDX-License-Identifier: GPL-2.0-or-later

/// Every threshold of the analyzer (find, track, segment, path colouring, explain, clicks), with the reason for
/// its value. Powers are per frame (squared sample values); `σ²` is the residual variance
/// of an alignment (capture minus gain × aligned reference), `S` the aligned signal's power.
///
/// The values were set on synthetic captures (`CaptureSynth`) and the card model's
/// (`Tests/CardModelTests/AgreementTests.swift`); the golden test pins what they give.
/// Changing one changes measurements: run the analyzer tests and the agreement test, then
/// regenerate the golden file on purpose.
///
/// The sizes the inner loops are built on (tracking window, search radius, interpolator,
/// path filter length) are `static let` constants, so that the optimiser sees them as such;
/// the thresholds are properties of a value, ``standard``.
struct AnalyzerTuning: Sendable {
    static let standard = AnalyzerTuning()

    // MARK: find (RoundTripAnalysis)

    /// The whole-signal correlation looks at delays from −(reference/2) (a capture that starts
    /// inside the reference) to capture − reference/4 (at least a quarter of it captured).
    var findLagsBeforeDivisor = 2
    var findLagsTailDivisor = 4
    /// A stretch of a long recording correlates the reference this many reference lengths
    /// either side of the whole recording's peak (`RoundTripAnalysis.findLags`): a look-alike
    /// farther away is beyond what one reference's alignment can be confused with.
    var stretchFindReferences = 2
    /// The whole-signal correlation peak must stand this many times above the correlation's
    /// own noise (robust spread): below it there is no signal.
    var findZThreshold = 10.0
    /// …and its normalised correlation must reach this: a strong peak on a capture that
    /// matches the reference in 5 % of its energy is a coincidence.
    var findMinRho = 0.05
    /// Below this whole-signal normalised correlation, a fit with negative SNR is a chance alignment.
    var fragmentRho = 0.15
    /// …and at any, a fit with negative SNR whose residual is this many times the capture's
    /// quietest stretch (``Explainer/quietestCapturePower()``) is no measurement: noise leaves
    /// a residual about as loud as that stretch (256 frames of white noise hold their mean
    /// within 10 %; a pink floor's quietest block lies a few dB under it), 10 dB is not noise.
    var misfitOverFloor = 10.0
    /// The whole-signal correlation's peaks are summed over what this drift moves the delay
    /// over the reference (``RoundTripAnalysis/clusteredPeak``): the corpus's widest, 1000 ppm…
    var clusterDrift = 1000e-6
    /// …and where they sum to this many times what lies around the highest peak, tracking
    /// starts there instead: 1.5, so that two chance pairings of a click track's clicks
    /// (its highest peak one of the loud clicks paired with another) cannot outweigh three
    /// true ones. A click track drifting 300 ppm with a click dropped holds its true pairs in
    /// two clusters, the larger of four summing 1.82 times what lay around the highest peak.
    var clusterGain = 1.5
    /// The smeared peak (``RoundTripAnalysis/smearedPeak``) is looked for only over at least
    /// this many boxes of lags, half of them for its null: fewer cannot tell a smear from the
    /// correlation's own swings.
    var smearedPeakMinBoxes = 16
    /// The piecewise find (``RoundTripAnalysis/piecewisePeak``) correlates pieces this long
    /// (8192 frames, 0.17 s at 48 kHz): 1000 ppm slips one by 8 frames, the analyzer's own
    /// chirp train holds one or two chirps in it, each a sharp peak…
    var piecewiseFindFrames = 8192
    /// …one from each of this many sections of the reference…
    var piecewiseFindPieces = 5
    /// …for a reference at least this many pieces long (a shorter one has its smear found
    /// whole, ``RoundTripAnalysis/smearedPeak``)…
    var piecewiseFindMinPieces = 8
    /// …and at least this many must stand out (``findZThreshold``) and agree: two chance
    /// peaks 10× above the noise at delays one drift line apart do not happen…
    var piecewiseFindMinAgreeing = 2
    /// …within what the drift moves the delay between them, plus this (frames: a piece's
    /// own peak is read off its smear).
    var piecewiseFindSlack = 2.0
    /// The whole-signal peak's sign is contested where a lag of the other sign reaches this
    /// share of it within what ``clusterDrift`` moves the delay over the reference
    /// (``RoundTripAnalysis/polarityContested``): a drift-smeared peak is a sum of many
    /// stretches' lobes, and its highest can be negative by a hair.
    var contestedPolarityShare = 0.5
    /// The correlation's noise is estimated from every `findNoiseSubsample`-th lag, at least
    /// `findPeakExclusion` lags away from the peak, as median(|c|) / 0.6745 (the median of
    /// |x| for a normal x is 0.6745 σ).
    var findNoiseSubsample = 5
    var findPeakExclusion = 64
    var medianOfAbsoluteNormal = 0.6745
    /// Lags (each side of the whole-lag maximum) whose extrema are refined to find the lobe
    /// that holds the band-limited correlation's true peak: a signal near the Nyquist
    /// frequency at a half-sample delay has side lobes of the other sign one to three lags away
    /// that outweigh the main lobe's whole-lag samples.
    var findLobeSearch = 4
    /// A drift smaller than this (2 ppm) is not worth re-tracking against a stretched reference.
    var minDriftToRetrack = 2e-6

    // MARK: the tracking window and the interpolator

    /// Tracking window (frames): discontinuities closer together than this are not resolved
    /// one by one. 1024 frames (21 ms at 48 kHz): long enough to locate a window of the probe
    /// at 10 dB SNR, short enough to resolve artifacts a few tens of ms apart.
    static let trackingWindow = 1024
    /// The confidence reported when the correlation has no noise at all (a digital copy of a
    /// sparse reference): the schema wants a number, and 10⁹ is beyond any real peak-to-noise ratio.
    static let maxConfidence = 1e9
    /// How far (frames) a window's delay may move from its neighbour's and still be found:
    /// larger than the steps QEMU's artifacts make in practice (an HDA ring drop is 2048 frames).
    static let searchRadius = 4096
    /// The lowest normalised correlation a tracked window may have, whatever the whole-signal peak.
    var minWindowRho = 0.2
    /// A window must correlate at least this fraction of the whole-signal normalised correlation.
    var windowRhoOfGlobal = 0.4
    /// The band-limited interpolator for fractional delays (and for stretching the reference
    /// by the drift): a windowed sinc of ±32 taps tabulated at 1/1024 frame, exact to well
    /// below the 0.02-frame accuracy the tests ask for.
    static let interpolatorHalfWidth = 32
    static let interpolatorPhases = 1024
    /// A correlation's peak is refined between lags with a sinc of ±64 taps instead: the
    /// tracker's windows and a periodic reference's blocks. A window's correlation with the
    /// bare reference holds whatever the capture holds up to Nyquist (its noise, a doublet's
    /// energy), where the ±32-tap window's response already falls away, and the misfit moved
    /// the peak by thousandths of a frame in a way that followed what each window held:
    /// sweeps behind a 2 kHz low-pass read 0.6–0.95 ppm of a drift they did not have, now
    /// 0.06–0.5; a 44.1 kHz pulse train 0.0109 samples off clean, now 0.0055; noise with
    /// pauses 0.0094, now 0.0047. Only peaks are refined with it (a few candidates a window,
    /// one a period), so it costs little; the values of the reference between frames keep
    /// the shorter one.
    static let peakInterpolatorHalfWidth = 64

    // MARK: track (Tracker)

    /// A match below this share of the track's typical correlation (a running average) is
    /// weak: two weak windows in a row send the search wider (``Tracker/matchOrReacquire``),
    /// and after a window that matched nothing a weak match does not move the track (the
    /// window straddling a stall's end holds a few frames of probe, and its weak best match
    /// can lie anywhere in a span that covers both the paused and the run-on reference).
    var weakMatchOfTypical = 0.8
    /// A match the wider search finds outside the usual range is taken at this share of the
    /// typical correlation, and when it beats the usual search's by `reacquireRhoMargin`.
    var reacquireRhoOfTypical = 0.85
    var reacquireRhoMargin = 0.1

    /// At least 1/`minWindowOverlapDivisor` of a window must lie on the reference to be matched there.
    var minWindowOverlapDivisor = 8
    /// A capture window with less energy than this is silence: nothing to match.
    var silentWindowEnergy = 1e-20
    /// A capture window with no more than this many times the energy the capture holds where
    /// the reference is silent (``Tracker/noiseFloor(anchorDelay:)``) is noise too: the probe
    /// in it at least 6 dB under the noise. Hum is such noise, and a window of hum alone in a
    /// pause matched the low frequencies of noise with pauses at ρ 0.77, 16 089 frames from
    /// its delay, as a window that told delays apart: a false gap on a capture without damage
    /// (fuzz case 4912).
    var windowOverNoiseFloor = 1.25
    /// The noise floor is taken only where it lies under this share of the capture's median
    /// window energy (10 dB under): a floor near the typical window is the probe itself.
    var noiseFloorOfTypical = 0.1
    /// Reference stretches with less than this fraction of the reference's mean window energy
    /// (its fades, its silence) are not candidates: their normalised correlation is noise.
    var minReferenceWindowEnergy = 0.1
    /// …but a lag so left out within this many frames of a window's match that correlates
    /// better makes the match ambiguous (``Tracker/hiddenBetterLag(near:bestRho:corr:lo:capE:)``):
    /// the lags a candidate is refined over (`refineLags`), its lobe's neighbourhood.
    var gatedLagReach = 72
    /// A one-frame gap beside a drop or a repeat is the step's rounding on the stretched
    /// reference's grid (``RoundTripAnalysis/roundingGapsMerged(_:_:modelStretch:drift:sampleRate:)``)
    /// only where the drift stretches the step by at least this much of a frame. The gap is
    /// a residual of half a frame or more rounded up; under a quarter frame of stretch most
    /// of that half frame would be something else (the capture's own frame of silence, or
    /// levels far off), and the pair stays as explained.
    var roundingGapMinStretch = 0.25
    /// Candidate lags: local maxima of at least this fraction of the strongest (which must
    /// itself reach `candidateRhoOfFloor` of the floor), the `maxCandidates` strongest.
    var candidateRhoOfTop = 0.7
    var candidateRhoOfFloor = 0.8
    var maxCandidates = 6
    /// Correlation lags (each side) refined to a fraction of a frame around a candidate: the
    /// peak interpolator's reach (``peakInterpolatorHalfWidth``) and the frame either side it
    /// searches, with margin.
    var refineLags = 72
    /// A stretch's correlation (``StretchCorrelation``) is searched this many frames either
    /// side of its best whole lag for the highest lobe, at an eighth of a frame: content near
    /// Nyquist has lobes 2.2–3 frames apart, and the peak's lies within one of the best whole
    /// lag; within ``refineLags`` less the interpolator's reach.
    var stretchPeakReach = 4
    /// …a lobe being a local maximum with the correlation between it and the first peak
    /// below this share of that peak: content near Nyquist swings through zero between lobes,
    /// a broad correlation's ripple does not.
    var stretchLobeDip = 0.5
    /// The probe's last frames matched after the last segment are refused as ambiguous where
    /// another lobe of their correlation within this many frames of the peak
    /// (``StretchCorrelation/rivalRatio``)…
    var stretchRivalReach = 12
    /// …reaches this share of the peak's value: a lobe higher than the one the match chose.
    /// A linear sweep behind the 2 kHz low-pass at 8 kHz holds ~100 frames of 1.8–2.1 kHz
    /// after a 600-frame gap, lobes 4.2 frames apart: the match chose one two periods early
    /// (the gap read 601 frames long with a false 9-frame drop) with a lobe 1.03 times as high
    /// beside it. The grid's other trailing matches have their highest other lobe at 0.93
    /// of the peak or less (content near Nyquist, lobes 2.2 frames apart).
    var stretchRivalMax = 1.0
    /// A match away from the predicted delay must be better than the predicted one by this
    /// much in normalised correlation (`farJumpMargin` beyond `jumpDistance` frames): a similar
    /// stretch elsewhere in the probe should not pull the track off the true alignment.
    var jumpDistance = 2.0
    var nearJumpMargin = 0.02
    var farJumpMargin = 0.05
    /// Where (as fractions of the reference) the tracking looks for its anchor window, first
    /// within `anchorSearch` frames of the whole-signal delay, then within the search radius.
    var anchorFractions = [0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95, 0.4, 0.6, 0.25, 0.75]
    var anchorSearch = 64
    var wideAnchorFractions = [0.5, 0.3, 0.7, 0.1, 0.9]

    /// A window's delay spread from its own edges is `edgeSigmaScale`/(β·W) frames (β its RMS
    /// angular frequency): the errors measured on log sweeps from 20 Hz at 40 dB are 0.5 frame
    /// at 33 Hz and 0.1–0.15 at 50–80 Hz, 1–1.5× the formula. It is counted only from
    /// `edgeSigmaMin` frames on: below, it is far under the 0.12-frame grouping limit and
    /// leaves the weights of broadband windows (the probe's) as they were.
    var edgeSigmaScale = 1.5
    var edgeSigmaMin = 0.02

    /// A window is ambiguous when a match at another lag (beyond `jumpDistance`) comes within
    /// this many times the best match's own deficit (1 − ρ: noise and the path's misfit) of
    /// it: the two cannot be told apart. 4: a competitor one period away on a slow sweep at
    /// 40 dB trails by ~0.01 against a deficit of 5·10⁻⁵ (clear); at 10 dB the deficit is 0.05
    /// (ambiguous); a steady tone's or a pulse train's competitors trail by nothing.
    var ambiguityMargin = 4.0
    /// …but never more than this: at low SNR the deficit is large (0.3 at 0 dB) while a
    /// broadband window's competitors (noise, sidelobes) still trail by far more than 0.1.
    var ambiguityMaxGap = 0.1
    /// The deficit is never taken below this: the refined normalised correlation is itself
    /// only this exact. It divides by the reference's energy under the window interpolated
    /// linearly between whole lags, and a narrowband window high in the band (a linear
    /// sweep's top half) has an energy that swings at twice its frequency between lags:
    /// matches read up to 1.00075 there (15–17 kHz at 44.1 kHz), so a deficit read from them
    /// says nothing, and the competitor one period away (trailing by ~10⁻⁴) was taken as clear.
    /// 5·10⁻⁴ makes the gap at least 0.002: broadband windows' competitors (the probe's, a log
    /// sweep's, noise's) trail by 0.01 and more.
    var ambiguityMinDeficit = 3.5e-4
    /// How close (in normalised correlation) a competitor must come to a match of `rho` to be
    /// indistinguishable from it.
    func ambiguityGap(rho: Double) -> Double { min(ambiguityMargin * max(1 - rho, ambiguityMinDeficit), ambiguityMaxGap) }

    /// A periodic reference's whole-signal peak is ambiguous when its competitor trails it by
    /// less than this share (after both are refined between samples): such a competitor differs from
    /// the peak only in a sliver of the reference (a steady tone's fade, a long pulse train's
    /// first and last pulses), which a path's colouring or a fade can move by as much.
    /// 0.005: a 2–3 s pulse train at 25 ms (80–120 pulses, competitors 1/80–1/120 behind) is
    /// told; a 2 s steady tone (one period of 96 000 frames, 5·10⁻⁴ behind) is not.
    var globalAmbiguityMinGap = 0.005

    // MARK: mains hum (RoundTripAnalysis.removeHum)

    /// Mains fundamentals (Hz) whose harmonics are fitted to the residual at the whole-signal delay.
    static let mainsFrequencies = [50.0, 60.0]
    /// Harmonics fitted (a ground loop's hum is rich in the first few).
    static let humHarmonics = 8
    /// The residual is fitted on every 8th frame: the tones lie far below that rate's Nyquist.
    static let humDecimation = 8
    /// A harmonic is removed when its fitted amplitude stands this many times above the mean
    /// of the same fit at the neighbouring frequencies (the residual's own spectral density
    /// there, whatever its colour): the power ratio of a noise-only fit is χ² with 2 degrees
    /// of freedom over its mean, and 6² = 36 leaves a chance of e⁻¹⁸ per tone.
    var humDetectionSigmas = 6.0
    /// The screen before that fit: a harmonic this many times above its neighbours in the
    /// residual at the whole lag, whose floor the probe's half-frame misalignment raises
    /// (measured: hum at −20 dB stood 4.4–19× there, its fundamental 19×); a noise-only
    /// ratio reaches 3² with a chance of e⁻⁹ per tone.
    var humScreenSigmas = 3.0
    /// The residual is judged in blocks of this many frames: a block whose residual power is
    /// above this multiple of the median block's holds the reference at another delay (before
    /// or after a step), whose own low frequencies would hide the hum's lines; it is not fitted.
    static let humBlockFrames = 2048
    var humBlockMisfitMultiple = 4.0
    /// The hum is fitted again on the windows that matched at least this well (and told their
    /// delay apart): a window of the probe under −20 dB of hum matches at ρ ≈ 0.99, a window
    /// of other audio or of a stretch the tracker lost far below.
    var humRefitMinRho = 0.9
    /// Offsets (Hz) of those neighbours: a few bins of a 1 s capture away, clear of both
    /// mains series' harmonics.
    static let humNeighbourOffsets = [-9.0, -7.0, -5.0, -3.0, 3.0, 5.0, 7.0, 9.0]

    // MARK: a latency from the whole-signal correlation alone (RoundTripAnalysis.heardAtAnotherDelay)

    /// The reference is judged in at least this many blocks: a step anywhere in its middle
    /// half leaves a whole block on each side of it (a 1135-frame reference with a 378-frame
    /// gap after 567 frames read clean and 378 samples late, from the whole-signal peak of
    /// its louder half).
    var anotherDelayBlocksPerReference = 8
    /// …of at least this many frames (a block's own correlation must stand out of its noise)
    /// and at most a tracking window.
    var anotherDelayMinBlock = 128
    /// At most this many of the blocks not held at the whole-signal delay, the loudest
    /// first, are searched for elsewhere (each search correlates the block with the whole
    /// capture).
    var anotherDelayBlocksSearched = 4
    /// Of a searched block's correlation with the capture, this many of the highest peaks are
    /// judged by how well the capture holds the block there.
    var anotherDelayPeaksJudged = 8
    /// A block heard this many frames or more from the whole-signal delay is heard at
    /// another delay: its peak, refined between samples, is within a frame of the truth.
    var anotherDelayMinFrames = 2.0
    /// …and held there at least this share of the whole reference's normalised correlation on
    /// its line: the blocks a step moved were held at 0.94–1.12 of it. A speech block through
    /// a room, smeared at its place by the tail (0.39 of 0.81), was held at 0.57 by a like
    /// syllable 34 650 frames away; a block held that loosely elsewhere is no evidence.
    var anotherDelayHeldShare = 0.85
    /// …and the reference where it is held must not look like the block: a normalised
    /// correlation of the block with the reference that far on of this or more (a slow
    /// sweep's lowest cycles, a steady tone) means the capture there is what the delay says.
    var anotherDelayAliasRho = 0.5
    /// …nor lie within this many times 1/bandwidth of where the delay puts it (its
    /// correlation's envelope, over which a path that turns its phase moves its peak: a
    /// Hann-windowed 1024-frame block of a 21 Hz sweep spans ~730 frames a side, a speech
    /// block of 141 frames at 8 kHz a few tens).
    var anotherDelayEnvelopeSpan = 2.0
    /// …unless the capture where the delay puts the block holds this share of the energy it
    /// holds where the block is held, or less (−20 dB): a path passes what looks like the
    /// block as it passes the block, so there the delay puts the block where nothing was
    /// heard. Music-like, 1135 frames at 22.05 kHz with a 283-frame drop halfway, read clean
    /// 590 samples early, a phrase early (its first blocks over the silence before the
    /// capture's start, at 0.0002–0.002 of the energy where they were held at 0.99–1.00); the
    /// aliases of clean readings on `bench corpus` and `bench rooms` (sweeps' first cycles
    /// behind the resonant high-pass and through the room) lie at 0.09–0.72.
    var anotherDelayAliasEnergyShare = 0.01
    /// A clean reading's block is searched for elsewhere where its line holds it at less than
    /// this share of the whole's correlation: its windows may hold a quiet stretch loosely
    /// at the wrong delay (``RoundTripAnalysis/heardAtAnotherDelay``). A latency from the
    /// whole-signal peak alone keeps ``periodicBlockRhoOfGlobal``…
    var anotherDelayUnheldShare = 0.85
    /// …and counts as held elsewhere only where it is held there by at least this much more
    /// (normalised correlation) than at its place: blocks searched at up to 0.85 of the whole
    /// must be held elsewhere, not merely as well (that noise-with-pauses block: 0.47 at its
    /// place, 0.89 at its delay).
    var anotherDelayHeldMargin = 0.25

    // MARK: periodic references (RoundTripAnalysis.periodicMeasurement)

    /// A reference whose normalised autocorrelation (beyond its main lobe, within the
    /// tracker's search radius) reaches this repeats itself: a pulse train of N periods
    /// reaches (N−1)/N, a steady tone ~1. Speech (gliding pitch), music (changing notes),
    /// multitone bursts (new tones each burst) and sweeps stay far below.
    var periodicReferenceMinCorrelation = 0.9
    /// The capture holds a periodic reference at the whole-signal lag in a period-long block
    /// when the block's normalised correlation there reaches this fraction of the whole
    /// signal's: a block at another delay (after a gap, a drop, a repeat) correlates ~0 at the
    /// old lag, an aligned one as well as the whole (path colouring and noise act alike on both).
    var periodicBlockRhoOfGlobal = 0.5
    /// Blocks holding less than this fraction of the mean block's energy (the train's silent
    /// start and end) are not judged.
    var periodicBlockMinEnergy = 0.1
    /// A periodic reference's blocks start a quarter period before its first frame at this
    /// share of its peak magnitude: its first content lies inside a block, not on an edge.
    var periodicContentShare = 0.1
    /// Two consecutive blocks whose delays differ by more than this (frames, or six times
    /// their spread) lie across a step: drift moves a block by 1.2 frames at 1000 ppm and a
    /// 40 Hz train's period, and a block's own spread is a few hundredths of a frame.
    var periodicStepMin = 2.0
    /// Blocks next to the edge that are correlated with it, with the silent period beyond: with
    /// one, the edge's own delay leads one period off by 1 − √(1/2) = 0.29 of normalised
    /// correlation (two held pulses against one), k periods further by more. With two (0.18)
    /// a step at the train's second pulse put the second block at the first one's delay, and
    /// the edge a period off (a latency 1200 frames off).
    var periodicAnchorBlocks = 1
    /// The train's end is searched this many whole periods either side of the delay tracked to
    /// it from the start: a step is followed modulo the period, and the corpus's largest
    /// (480 frames at a 1200-frame period) is off by one period at most.
    var periodicEndReach = 2
    /// A block keeps the delay predicted from the block before (its peak within this many
    /// frames: drift moves a block by 1.2 frames at 1000 ppm) unless another lag's peak is
    /// higher than this share of it. A repeat's copy holds the block as well as the original
    /// does; a step leaves nothing at the old lag.
    var periodicPredictionReach = 3
    var periodicJumpShare = 0.8
    /// A step up between two blocks is a repeat when the capture holds the block before it at
    /// the new delay too, with at least this share of its own normalised correlation: a copy
    /// matches as well as the original (~1), the silence a gap inserts not at all (~0).
    var periodicRepeatShare = 0.5
    /// A period whose sound fills less than this share of it is sparse (a pulse: 5 frames of
    /// 1200): a step in the silence after it is placed where the first sound at the new delay
    /// is heard. A fuller one (a chirp repeated without a pause) leaves the step to the
    /// explanation's residual, which places it exactly.
    var periodicSparseShare = 0.5
    /// The explained latency of a periodic track must lie within this many frames of its
    /// first period's delay (a period's delay is good to hundredths of a frame; a merged
    /// segment's is a whole step off).
    var periodicLatencyAgreement = 1.0
    /// A period the tracking did not locate is missing (its sound replaced) when the capture
    /// holds it at its neighbours' delay with less than this share of the located periods'
    /// median normalised correlation: a replaced pulse leaves ~0 there, a period the path
    /// or noise only weakened keeps most of it.
    var periodicMissingShare = 0.3
    /// The best whole-period delay of an edge must reach this share of the blocks' median
    /// normalised correlation (a colouring lowers the edge's and the blocks' alike: 0.13 behind
    /// a 2 kHz low-pass) and lead the next by this share of its own correlation (under a third
    /// of the 0.29 above, for noise; a steady tone's fade, one period moved, loses ~0.01 and is
    /// refused).
    var periodicAnchorMinRho = 0.5
    var periodicAnchorMargin = 0.09
    /// A period-long block holds, below ``minWindowRho``, when its normalised correlation
    /// reaches this and its peak stands this many times above the median magnitude of its
    /// correlation over the period of lags searched (noise alone stands ~5×; a doublet behind
    /// a 2 kHz low-pass, at ρ 0.13, 120×).
    var periodicMinRho = 0.05
    var periodicBlockMinZ = 20.0
    /// A periodic reference's blocks are located again against the fitted path model when
    /// that raises their median normalised correlation by this factor: the colouring is then
    /// what kept them from matching (a 2 kHz low-pass: 0.13 against the bare doublet). A
    /// clipper's curve or a room changes it little, and the first location stands.
    var periodicRelocateGain = 2.0

    /// The segments agree with the whole-signal correlation when one holding at least this
    /// share of the reference's energy lies within `globalAgreementFrames` of its peak: the
    /// peak sits where most of the reference is aligned (the whole-signal lag is whole frames,
    /// and several equal segments each hold a share).
    var globalAgreementEnergyShare = 0.1
    var globalAgreementFrames = 2.0
    /// …checked when at least this share of the windows is ambiguous: where windows tell
    /// delays apart, many short segments (dense underruns) legitimately leave the
    /// whole-signal peak to any one of them.
    var ambiguousShareToCheckGlobal = 0.5
    /// A chain of this many steps or more is refused when at least `chainAmbiguousShare` of
    /// the windows are ambiguous (``RoundTripAnalysis/refusalOfAChainOnAmbiguousWindows(_:ambiguousShare:)``):
    /// linear sweeps through a room at 300 ppm read 7–8 events at 0.97; music-like captures
    /// at 0.90–0.94 read their one drop exactly.
    var chainMinEvents = 3
    var chainAmbiguousShare = 0.9

    // MARK: a segment's level from the whole segment (RoundTripAnalysis.refineLockedLevels)

    /// The search reaches this many frames either side of the windows' level: four periods at
    /// 12 kHz (48 kHz), where a linear sweep's windows start to lock off, and more above. Eight
    /// (two periods) missed a 4 s sweep's top octave after a gap, whose windows (half as wide
    /// in frequency as a 2 s sweep's) locked nine frames off: a 240-frame gap read as 237, with
    /// a false 5-frame drop and 6-frame repeat.
    var levelSearchFrames = 16.0
    /// Grid step of that search (frames): ten points a period at 0.45 × the rate, so the grid
    /// lands on the true peak's lobe before it is refined between samples.
    var levelSearchStep = 0.25
    /// The level moves only by at least this much (frames): a lock is a whole period off
    /// (≥ 2.2 frames at 0.45 × the rate); below, the windows measure the level as well as the
    /// whole segment.
    var levelMinCorrection = 1.0
    /// …and only when the whole segment's misfit (1 − its normalised correlation) at the new
    /// level is at most this share of the misfit at the windows' level. A period-off lock
    /// leaves the misfit of a whole period's shift, the right level only the noise's (40× and
    /// more less on the corpus's linear sweeps); a segment whose correlation peak is merely
    /// broad (reverberant music, a sweep's lowest octaves through a resonant high-pass) gains
    /// a few per cent there, and its windows' level stands.
    var levelMisfitRatio = 0.5
    /// The capture before the first segment holds the reference at the whole-signal peak's
    /// delay when it correlates with it at least this well: it must be the reference,
    /// closely (as a middle segment must, ``middleMinRho``).
    var missedStartMinRho = 0.9
    /// … or at least this share of the first segment's own windows' median normalised
    /// correlation, where the path caps it lower: through a room's tail (mixed 2:1) the bare
    /// reference matches at 0.82 at best, and a white-noise capture whose first 3018 frames
    /// were at delay 0 before a 2976-frame repeat went unexamined at 0.82 (the latency read
    /// 2976 frames off, the repeat unreported).
    var missedStartRhoOfSegment = 0.9
    /// … and never less than this, whatever the segment's windows reach: a noisy track's
    /// windows (ρ 0.3) would otherwise put the bar where a stretch of noise meets the
    /// reference by chance, and refuse a capture that holds nothing before its first segment.
    var missedStartRhoFloor = 0.6
    /// The probe's first frames matched alone (``RoundTripAnalysis/leadAtAnotherDelay``): at
    /// most this many of them, two tracking windows, ending at the first segment's first
    /// window…
    var leadFrames = 2048
    /// …taken at another delay only where the reference played that much later is unlike
    /// them, its normalised correlation with them under this: a narrowband start matches
    /// wherever the reference plays about the same tone, and the path's phase picks the best.
    /// Through a room a faded log sweep's first 2048 frames (20–22 Hz at 48 kHz) matched 37
    /// frames from the true level (the fuzz test's case 110, read right with both its events),
    /// and a clean log sweep's (`bench rooms`, −20 ppm) 1262 frames from it, where the sweep
    /// is like them at 0.83; 1038's first frames matched 2045 frames before the rest, where
    /// the reference is silent (0.002)…
    var leadMaxSelfMatch = 0.5
    /// …and at least this many frames: a level's own lobe is no other delay…
    var leadMinStep = 2.0
    /// …where the capture holds them at the first segment's gain (either sign: a segment's
    /// polarity is read from its own frames), within this factor: the same probe through the
    /// same path. A faded log sweep behind the resonant high-pass (case 599, its latency read
    /// within the uncertainty it states) had its first 1232 frames matched at 0.86, 152
    /// frames early, at a fifth of the gain, and was refused without it. (Asked of the sign
    /// too, two captures read thousands of samples off, or with a false 20289-frame
    /// replacement, were no longer refused.)
    var leadGainRatio = 2.0
    /// The whole segment is judged on at least this many frames of reference…
    var levelRefineMinFrames = 2048
    /// …and at most this many (evenly spread): the correlation of 4096 frames spread over a
    /// sweep's segment tells its periods apart by far more than its noise, and costs little
    /// for every segment.
    var levelRefineMaxFrames = 4096

    // MARK: segment (Segmenter)

    /// Windows whose delay spread is above this (frames) cannot place a one-frame step: left
    /// out of the grouping (when at least two others remain).
    var maxSigmaForGrouping = 0.12
    /// Consecutive windows further apart in delay than this (frames) show a step, not drift.
    var driftPairMaxStep = 3.0
    /// The precision-weighted median of the pair slopes is replaced by their plain median when
    /// the two differ by more than this (20 ppm, a tenth of what breaks the tracking of a
    /// 2 s sweep): the sharpest windows are then locked off the true delay, not precise.
    var driftMedianDisagreement = 20e-6
    /// A drift beyond 2 % is no clock drift: the estimate is dropped.
    var maxDrift = 0.02
    /// A window continues a run when its detrended delay is within `runToleranceSigmas`·σ of
    /// the run's level, clamped to `runToleranceMin`…`runToleranceMax` frames; the level is the
    /// median of the run's last `runLevelWindows` windows.
    var runToleranceSigmas = 5.0
    var runToleranceMin = 0.3
    var runToleranceMax = 0.45
    var runLevelWindows = 7
    /// Runs of at most this many windows that correlate below this fraction of the typical
    /// window are stray matches (an echo, a similar stretch of the probe).
    var strayRunMaxWindows = 2
    /// The windows of runs of at most this many windows between two longer runs a jump apart
    /// are matched again at the delays on either side (``Tracker/reconsideringShortRuns(_:)``):
    /// the look-alikes after a 17000-frame repeat held four…
    var reconsideredRunMaxWindows = 4
    /// …within this many frames of each delay (1000 ppm of drift moves it a frame a window)…
    var reconsiderSearch = 16
    /// …when the two longer runs lie at least this many frames apart in delay (a tracking
    /// window: more than any step the search's preference for the predicted delay could
    /// have followed wrongly by a lobe), and the window's own delay as far from the one tried.
    var reconsiderMinDistance = 1024
    var strayRunRhoRatio = 0.8
    /// Windows straddling a small step (`straddleStepMin`…`straddleStepMax` frames) give a level
    /// between their neighbours (within `straddleSlack`): runs of up to `straddleMaxWindows` such windows are dropped;
    /// a single window also between neighbours up to `straddleSingleStepMax` apart (within `straddleSingleSlack`).
    var straddleMaxWindows = 2
    var straddleStepMin = 0.5
    var straddleStepMax = 16.0
    var straddleSlack = 1.5
    var straddleSingleStepMax = 64.0
    var straddleSingleSlack = 32.0
    /// At least `wanderMinRuns` runs in a row of at most `wanderMaxWindows` windows each, each
    /// level within `wanderMaxStep` frames of the one before, are a wandering delay, not steps:
    /// a log sweep through a resonant high-pass near 100 Hz wanders 1445.8 → 1447.8 → 1450.8 →
    /// 1452.1 frames, window by window, and back to its true 1451.5; a discontinuity leaves
    /// the delay flat (one run) on both sides.
    var wanderMinRuns = 3
    var wanderMaxWindows = 2
    var wanderMaxStep = 4.0
    /// A wander ends where the delay settles: the run right after it (or right before it) of at
    /// most `wanderTailMaxWindows` windows, within `wanderTailMaxStep` frames of the longer run
    /// beyond it, is the wander's tail, not a step. Through the resonant high-pass a sweep's
    /// delay wanders 2039.3 → 2042.0 → 2044.6 frames, then four windows settle at 2045.1–2045.2
    /// before the delay eases back to its true 2044.4 over the next few (the group delay above
    /// the resonance): a run of their own, 0.74 frames off, read as a false 1-frame drop in
    /// every damaged log sweep through that path. A one-frame discontinuity leaves flat runs on
    /// both sides and no wander before them.
    var wanderTailMaxWindows = 6
    var wanderTailMaxStep = 1.5
    /// Left-out windows (imprecise or ambiguous) make a segment of their own only when at least
    /// `weakRunMinWindows` in a row agree within `weakRunTolerance` frames (twice the ±0.5-frame
    /// error of a sweep's lowest octaves) on a delay more than `weakRunMinStep` frames from both
    /// neighbours' (beyond that error and a period-locked window's wander within one run).
    var weakRunMinWindows = 3
    var weakRunTolerance = 1.0
    var weakRunMinStep = 32.0
    /// Neighbouring runs whose levels differ by less than this (frames) are one.
    var sameLevel = 0.5
    /// A run of one window at either end is dropped where the window just outside it
    /// contradicts it (``Segmenter/dropContradictedEdgeWindows(_:_:usable:drift:)``) only
    /// for a step under this (frames): the size of a step a window's bias can fake (a wander's
    /// tail read 0.93 from the next segment), well under the steps of discontinuities the
    /// corpus makes (a tracking window's half and more).
    var loneEdgeStepMax = 2.0
    /// A lone edge window the delay swings across (``Segmenter/dropSwingEdgeWindows``) is
    /// dropped only for a step of at least this (frames), one the explainer reports as an
    /// event; under it the window is merged with the run beside it anyway, and still places
    /// where the track starts: a log sweep behind the resonant high-pass (fuzz case 36, no
    /// damage) eased −1.79 → +0.40 → +0.04 frames, and without its lone +0.40 window the
    /// track began 4096 frames in and the capture was refused as not following the reference
    /// before it.
    var swingEdgeMinStep = 0.5
    /// The drift is known once the runs span at least this many windows of reference…
    var driftMinSpanWindows = 4
    /// …and the joint fit replaces the pairwise estimate when within this of it (or when there was none).
    var driftFitAgreement = 0.001
    /// The drift with the ambiguous windows on their runs' levels (``Segmenter/driftWithInheritingWindows(_:weak:drift:se:)``)
    /// replaces the first when within this many of the first's standard errors of it: the two
    /// measure one slope, and a larger difference says the added windows are pulled (a
    /// narrowband window's place moves with the path's group delay at its frequency).
    var inheritedDriftAgreementSE = 3.0
    /// …and when the windows of that fit scatter about it no more than their σ says (χ² per
    /// degree of freedom). Through a room the ambiguous windows on a level are pulled by the
    /// tail (music: 0.69 → 1.30 with them, and the drift −1.47 ppm where it had none); through
    /// the resonant high-pass they are not (0.06 → 0.25).
    var inheritedDriftMaxScatter = 1.0
    /// The drift's stated uncertainty (`drift_uncertainty_ppm`) is its fit's standard error, but
    /// never less than this. The fit sees only how the windows scatter about one line; what
    /// moves them all alike it cannot see: the drift's own smearing of each window, the
    /// reference stretched by an estimate and tracked again. Across the corpus, cases whose
    /// standard error reads 0.001–0.02 ppm (clean probes, 20–1000 ppm of drift) are 0.01–0.09
    /// ppm off, up to 22 of those errors; with this floor every corpus case lies within 3.8 of
    /// its uncertainty (`driftUncertaintyCoversTheError`).
    var driftUncertaintyFloorPPM = 0.1
    /// The latency's stated uncertainty is never less than this (samples): what moves every
    /// window alike their scatter cannot see. Hum, a DC offset or 8-bit steps under a pulse
    /// train's few windows read it 0.0046–0.0070 samples off where the scatter said
    /// 0.0011–0.0013 (the corpus's pulse trains with a gap in their first part); with 0.001
    /// (the own probe's worst at 20 dB, `bench accuracy`) they were 4.3–6.4 of it off, with
    /// this every corpus case outside the room lies within 3.5 (`latencyUncertaintyCoversTheError`).
    var latencyUncertaintyFloorSamples = 0.002
    /// Through a room, segments whose lines may tilt by more than this over the reference
    /// (frames, the drift's standard error times the reference's length) are refused
    /// (``RoundTripAnalysis/refusalOfLooseLinesThroughARoom(_:frames:)``): the two room cases
    /// that read 0.9 and 2.3 read their latency 0.34–0.45 samples off; the others read at
    /// most 0.4 (2 s at ±4.1 ppm).
    var roomLooseLineFrames = 0.5
    /// The stated uncertainty allows for windows that err alike (``Segmenter/correlatedResiduals(_:)``)
    /// once at least this many pairs of consecutive windows show it…
    var residualCorrelationMinPairs = 8
    /// …with their correlation taken as at most this (a factor of at most √19 ≈ 4.4).
    var residualCorrelationMax = 0.9
    /// A median absolute deviation times this is a normal distribution's standard deviation
    /// (1 / Φ⁻¹(3/4)).
    var madToSigma = 1.4826
    /// A segment's windows' scatter is taken from their median distance from its level
    /// (``WholeFrameSteps/robustScatter(_:)``) only over at least this many windows: the
    /// median of fewer says little about a spread (its own error is about a third of it at 8).
    var robustScatterMinWindows = 8
    /// A window takes part in its run's level when within max(`levelOutlierMin`, `levelOutlierSigmas`·σ) of the run's median.
    var levelOutlierMin = 0.05
    var levelOutlierSigmas = 3.0
    /// A drift the joint fit could not measure is taken as none where the windows' slopes
    /// read it within this many standard errors of none (``Segmenter/unresolvedDrift(_:slopes:)``):
    /// the usual 95 % bound; such a drift is a pair's slope and is no measurement.
    var unresolvedDriftSigmas = 2.0
    /// The widest drift the analyzer is built to measure (±1000 ppm, the fuzz corpus's and
    /// issue 12's range). Where no two windows read a drift (a capture a window or two long, or
    /// one where no two windows that tell delays apart lie on one delay),
    /// the latency at the reference's first frame is uncertain by the delay this drift moves
    /// from the windows' centre back to it: a 0.15 s white noise at 8 kHz drifting 384 ppm
    /// (fuzz case 95) read its mean delay, 0.21 samples past the start's, at ±0.008.
    var unmeasuredDriftBound = 1000e-6

    // MARK: the path's colouring (PathModel)

    /// Half-length of the path filter: 2·16 + 1 = 33 taps, enough for a resampler's or an
    /// anti-aliasing filter's colouring at 44.1–48 kHz.
    static let pathFilterHalfTaps = 16
    /// The filter is fitted on a segment of at least this many frames…
    var pathFitMinFrames = 4096
    /// …over at most this many frames around its middle (1 s at 48 kHz).
    var pathFitMaxFrames = 48000
    /// Stretches whose reference holds within this share of the loudest one's energy are as loud (`StaticCurve.loudestStretch`).
    var curveStretchTie = 0.05
    /// Ridge regularisation, relative to the reference's energy.
    var pathFitRidge = 1e-6
    /// The filter is used only when it cuts the residual of a plain gain by more than this factor.
    var pathFitMinImprovement = 2.0
    /// The drift measured against the coloured reference replaces the first one when its
    /// standard error is at most this share of the first one's (``RoundTripAnalysis/driftThroughColouring``):
    /// noise-like signals through the 2 kHz low-pass fell to 0.04–0.3 of it; sweeps mostly
    /// stayed at 0.7–1.0 (and read worse against the coloured reference), through the resonant
    /// high-pass rose to 2–5.
    var colouredDriftSEShare = 0.5
    /// The tracks against the path's colouring (``RoundTripAnalysis/zeroPhaseColouring`` and
    /// ``RoundTripAnalysis/driftThroughColouring``) are not run where the first track's drift
    /// has a standard error under this (ppm), a tenth of the floor the drift is stated with
    /// (``driftUncertaintyFloorPPM``): what they are for, halving a standard error the
    /// colouring inflated, changes no stated figure there, and they cost two tracks. The own
    /// probe through QEMU's default 44.1 kHz mixing (`bench model`, 10 s) reads 0.0006 ppm,
    /// and both tracks were refused (1.00 and 0.84 of it), but took 30 % of its analysis. Of
    /// the 343 such tracks in `bench corpus` and `bench fuzz` (seeds 300–4999), every one
    /// taken followed a first standard error of 0.18 ppm or more; the 14 under 0.05 ppm were
    /// all refused.
    var colouredRetrackMinDriftSEPPM = 0.01
    /// The zero-phase colouring's reach (frames either side): the 33-tap filter's magnitude
    /// has no phase to hold it, and its zero-phase twin rings longer; ±64 keeps its ringing.
    var zeroPhaseReach = 64

    // MARK: steep colouring (RoundTripAnalysis.trackedThroughSteepColouring)

    /// The path's response for tracking through a steep colouring is measured in frames of
    /// this many (2.9 Hz bins at 48 kHz): a resonance at 100 Hz with a Q of 2 is 50 Hz wide,
    /// and the response falls 80 dB a decade under it; 4096-frame frames (11.7 Hz) blurred it,
    /// and windows near it still read 14 frames off.
    var steepResponseFrame = 16384
    /// A response that ranges less than this (dB) over the reference's band is no steep
    /// colouring: the analyzer's own probe through the card model is flat.
    var steepColouringMinRangeDB = 20.0
    /// Each segment of the track through the response lies within this many frames of one the
    /// first track read.
    var steepLevelAgreement = 0.5
    /// …and one step it no longer reads is at least this many frames: one the explainer would
    /// report as an event (the resonance's read 1.2–7.4 frames).
    var steepMinEventStep = 0.5

    // MARK: the path's reverberation (ReverbTail)

    /// The longest tail fitted (seconds): a room's or a reverb effect's tail to −60 dB is a few
    /// hundred ms; 300 ms holds a 200 ms tail with its noise-only lags to spare.
    var reverbTailSeconds = 0.3
    /// The cheap look first: the whole-signal correlation at the lags a tail would occupy,
    /// minus its mirror image before the peak (a reference's own autocorrelation is
    /// symmetric, so a path without a tail leaves both sides alike), must hold this share of
    /// the peak's square. A 2:1 room tail gives 0.4–40 (the corpus); a tail-less path ~0 ± (tail lags / frames).
    var reverbCausalExcess = 0.2
    /// …and the heavier side's energy must not sit in one echo's lobe (±`reverbEchoLobeLags`
    /// around its largest lag) for more than `reverbEchoLobeShare` of it: a repeat or a drop
    /// in the capture is one echo, a room's tail is spread over hundreds of lags.
    var reverbEchoLobeLags = 64
    var reverbEchoLobeShare = 0.5
    /// Through a room, how far before A's last window a step is looked for
    /// (``Explainer/steppedSplit(a:fa:b:fb:r0:r1:foreign:)``): windows of the old stream's
    /// tail after a step still match A (a multitone capture's burst cut by a drop, its tail
    /// matched at 0.96 a window later).
    var steppedSplitReachBack = 4 * 1024
    /// …and the longest region so placed (frames): the search costs region × tail, and a step
    /// whose windows lie further apart than this (0.68 s at 48 kHz) is left where the split put it.
    var steppedSplitMaxFrames = 32768
    /// …whose candidates are scored this many frames apart first, the region's sums carried
    /// a stride at a time by FFT, then frame by frame a stride either side of the best.
    var steppedSplitStride = 256
    /// Regularisation of the deconvolution, relative to the reference's mean power per bin:
    /// bins 40 dB below the mean (a sweep's ends, a band-limited signal's stop band) are not
    /// divided up into noise.
    var reverbRidge = 1e-4
    /// The tail (after shrinkage) must hold at least this energy relative to the direct tap
    /// (−20 dB): a weaker one changes no verdict.
    var reverbMinTailEnergy = 0.01
    /// …and no single tap may hold more than this share of it: a room's tail is diffuse, while
    /// a repeat or a drop in the capture looks like one echo at one lag.
    var reverbMaxTapShare = 0.05
    /// …unless that tap is no more than this times the mean energy of the taps within
    /// `reverbEchoLobeLags` of it, its own lobe (±`reverbTopTapLobe`) left out
    /// (``ReverbTail/topOverNeighbours``). A room's taps are noise under a decaying envelope:
    /// at 8 kHz a 200 ms tail spans 1600 lags, some 120 of them carrying its energy, and its
    /// largest tap holds over 5 % of it in a third of the corpus's rooms there, at 14–25 times
    /// its neighbours (a tap 40 times its mean is a 6.3σ draw); a repeat's or a drop's echo
    /// stands hundreds to thousands of times above them. Multitone bursts through the room at
    /// 8 kHz had their tail refused so, and read their first burst as a 2752-frame
    /// replacement. A tail let through so must pay in both halves of the reference as in one
    /// (``ReverbTail/pays``): a linear sweep drifting 770 ppm through a plain path, with three
    /// steps, smeared its echo to 35 times its neighbours, and paid 7.0 and 1.9.
    var reverbTopTapOverNeighbours = 40.0
    /// The lags either side of the largest tap that are its own lobe (the interpolator and a
    /// band-limited reference spread an echo over a few), left out of its neighbours.
    var reverbTopTapLobe = 2
    /// The tail is used only when it cuts the residual of the direct sound alone by this factor
    /// in one half of the reference (a 2:1 room tail: 14–2000×; a zero-phase resonant high-pass,
    /// whose ringing is symmetric and no tail, 2.2×)…
    var reverbMinImprovement = 4.0
    /// A tail fitted on the first segment alone says the windows were tracked in a room
    /// (where the whole capture's tail was refused, or where it was fitted and its model
    /// misses part of the room), and the latency's uncertainty takes in where the path's
    /// response places the direct sound (``RoundTripAnalysis/directSoundOffset``),
    /// when it cuts the residual by this in one half of the segment (and
    /// `reverbMinImprovementEverywhere` in both). Lower than `reverbMinImprovement`: this tail
    /// replaces nothing, it only says a room is there. 0.4 s of music through a 2:1 room
    /// under a pink floor paid 3.3× and 1.9× (fuzz case 249); the resonant high-pass's
    /// symmetric ringing pays 2.2×.
    var reverbSegmentTailImprovement = 3.0
    /// A tail is fitted again on the longest segment when it spans at least this (seconds of
    /// reference): shorter, and the tail's own length would be most of it.
    var reverbRefitMinSeconds = 0.75
    /// …and only when the segments lie at least this many frames apart (a drop, a repeat):
    /// a sweep's lowest octaves read a frame or two off through a room are no misalignment
    /// to take out of the fit, and the refit on the rest would fit them worse.
    var reverbRefitMinStep = 16.0
    /// Where a tail was heard and none fitted, a step shorter than this (frames) that is no
    /// whole number of frames is the path's, not a dropped or repeated frame
    /// (``RoundTripAnalysis/mergeDispersedSteps(_:)``): the false steps seen were 0.55–1.32
    /// frames; a real one of 2 frames or more is left to the whole-frame test it passes.
    var dispersionMaxStep = 2.0
    /// Segments without a drift must hold at least this share of the windows that tell delays
    /// apart (``RoundTripAnalysis/looseTrack``): without a drift they are flat lines, and
    /// where half the precise windows lie off them the capture drifts (two latencies 10.7
    /// and 18.9 samples off through a drifting room held 7 of 50 and 1 of 26)…
    var looseTrackMinShare = 0.5
    /// …segments with a drift at least this share: their line comes from their own windows.
    /// Speech through a room drifting 300 ppm with a drop held 6 of 53 and read 0.58 samples
    /// off with 2 false events, the fuzz test's case 13 (speech through a room, 8-bit, clipped)
    /// 5 of 37 and 2.8 frames off; the least among the corpus's cases, the 120 room cases and
    /// the fuzz test's read within 0.07 samples with 8 or more such windows is 0.19 (3 of 16;
    /// linear sweeps through a room hold 0 of 3, the rest ambiguous, and read within 0.01
    /// samples clean, 0.03–0.09 with a drop).
    var looseTrackMinShareWithDrift = 0.15
    /// …judged where there are at least this many such windows (a sweep through tanh clipping
    /// with a drop has 5 of 93, the rest ambiguous, and is measured within 0.02 samples).
    var looseTrackMinWindows = 8
    /// Segments that each rest on one window corroborate no delay when there are at least this
    /// many of them (``RoundTripAnalysis/uncorroboratedTrack``): a short reference holds one
    /// or two windows, and a step in it makes two segments of one window each.
    var uncorroboratedMinSegments = 3
    /// …two windows agree within this many frames, the drift between them taken out: half a
    /// frame, an error no two windows that matched the reference at one delay make (a faded
    /// log sweep's windows through a room lie within 0.15 of each other).
    var uncorroboratedAgreeFrames = 0.5
    /// …among this many windows either side (windows that agree lie next to each other; the
    /// check stays linear in the capture's length).
    var uncorroboratedNeighbours = 4
    /// A tail the whole capture refused, fitted on the run of segments at the longest one's
    /// level, is taken only when the windows against it match by at least this much more on
    /// average (|ρ|): through a room after a drop 0.72–0.84 → 0.88–0.98; a music-like capture
    /// drifting −1000 ppm without a room, whose smeared correlation looks like a tail,
    /// 0.99 → 0.83.
    var reverbLateTailRhoGain = 0.05
    /// Under a tail, a window matches "far below" its segment when its |ρ| trails the
    /// segment's median by this much (``RoundTripAnalysis/lostUnderTheTail``): after a drop
    /// a linear sweep's windows matched at 0.44–0.82 against 0.99 before it, the tail fitted
    /// at one delay being wrong in the band the sweep plays after the drop.
    var reverbLostRhoDeficit = 0.1
    /// …in a run of at least this many consecutive windows (as ``unvouchedMinWindows``).
    var reverbLostMinWindows = 4
    /// The run located as one block against the plain reference is taken only when the block
    /// matches it at least this well (normalised): the tail is a third of the energy through
    /// the corpus's room, so the direct sound alone matches at about 0.8.
    var reverbLostBlockRho = 0.5
    /// …and the lags near its best whose peaks reach this share of it are tried too: a linear
    /// sweep's top octave through the room matched a period (2.5–2.7 frames) off at 0.9–1.0
    /// of the true delay's.
    var reverbLostBlockRivals = 0.8
    /// The block must then match its stepped model at least this well: with the step in place
    /// direct sound and tail fit the capture after it to the noise (0.996–0.999 at 40 dB where
    /// the result held, in `bench rooms` and the corpus). The line before the step has no
    /// drift, and a drifting capture matches less: at −20 ppm 0.985–0.992 (log sweeps then
    /// read 0.25–0.40 samples off), at 300 ppm 0.971 (17.6 samples off, no drift read). At a
    /// lower SNR a step is refused rather than risked.
    var reverbSteppedBlockRho = 0.995
    /// The tail is fitted again where the direct sound lies (``RoundTripAnalysis/realignedReverbTail``)
    /// at most this many times (music converged in two: 0.45, then 0.003 frames moved)…
    var reverbRealignPasses = 3
    /// …while the direct sound lies more than this (frames) from where the tail was fitted:
    /// a hundredth of a frame is below what the windows tell through a room.
    var reverbRealignMin = 0.01
    /// …or while the drift a pass would fit the tail at (the track's, from
    /// ``reverbRealignDriftFrames``) lies this many frames over the reference from the drift
    /// the tail was fitted at. A tail
    /// fitted at one delay on a capture drifting 1.9 frames (−20 ppm over 2 s) holds the
    /// direct sound smeared over its lags, and the windows tracked against it read the drift
    /// shrunk toward the fit's: a log sweep −14.0 ppm at a stated ±0.28, its latency 0.53
    /// samples off. Each pass fits the tail again at the drift the last one read. On `bench
    /// rooms` (with the tail fitted at a drift from a frame), drifts read within 0.5 ppm: 51
    /// of 84 with no refit, 53 at 0.5 frames, 53 at
    /// 0.25, 58 at 0.1, 58 at 0.05 (and those off by more than twice their stated uncertainty
    /// 21, 22, 19, 14, 15); at 0.02 a false event came back. Five passes instead of three
    /// did no better (multitone's wandered).
    var reverbRefitDriftFrames = 0.05
    /// Those passes fit the tail at the windows' drift where it moves the capture at least
    /// this many frames over the reference (elsewhere a tail is fitted at a drift from a
    /// frame, ``reverbDriftSmearFrames``). Captures without drift read at most 1.3 ppm of it
    /// through the rooms, 0.12 frames over 2 s, and stay fitted at one delay; at 3 ppm
    /// (0.29 frames) the windows against a one-delay tail read the drift 0.4–1.5 ppm short.
    /// On `bench rooms`: drifts within 0.5 ppm 58 of 84 at a frame, 61 at 0.2 (overconfident
    /// 15, 11; latencies within 0.05 samples 69, 71); at 0.1 a 3 ppm log sweep read a false
    /// click and multitone without drift 1.65 ppm.
    var reverbRealignDriftFrames = 0.2
    /// …and where it stands out of its own standard error by this many: a drift within two of
    /// them cannot be told from none, and a tail fitted at it is stretched by the windows'
    /// scatter. Fitted so, each pass's windows read more drift on top of it: a log sweep from
    /// 20 Hz through a room, truncated, its segment six windows long after the sweep's first
    /// octaves (fuzz case 1566, no drift), read 36 ppm at ±27, then 50, 55 and 58 ppm over
    /// three passes, and its latency, carried back from the windows' centre, 0.70 samples off
    /// at a stated ±0.30.
    var reverbRealignDriftMinSEs = 2.0
    /// Where the tail stays fitted at one delay (the windows read too little drift to fit it
    /// at theirs), their drift is shrunk toward none by an amount their scatter does not
    /// show, and its stated uncertainty takes this share of the drift read in quadrature.
    /// Measured, the truth lay 0.26–0.95 of the drift read beyond it: at 3 ppm through the
    /// rooms (`bench rooms`) a log and a linear sweep read 1.69 and 1.54 ppm at ±0.10 (1.31
    /// and 1.46 off), music and speech 0.26–0.39 of theirs; at −20 ppm a log sweep −14.0 (0.43).
    var oneDelayTailDriftShrink = 0.5
    /// A pass is taken only when the longest segment's level moves with the tail, by at least
    /// this share of the offset (music: 0.44 of 0.45 frames; multitone clean 0.14 of 0.11).
    var reverbRealignFollowed = 0.5
    /// The tail is fitted again on the capture stretched by the drift when the track reads a
    /// drift that moves the capture by at least this many frames over the reference
    /// (``RoundTripAnalysis/stretchedReverbTail``): less, and a tail fitted at one delay is
    /// smeared by less than a frame, well inside the path filter's ±16 lags.
    var reverbDriftSmearFrames = 1.0
    /// Where a tail fitted at one delay is refused, the direct sound's place in chunks of the
    /// reference, which says whether to search for a stretch, is looked for within this many
    /// lags of the whole-signal delay: 2 s at ±1000 ppm lie within ±48 frames of it.
    var reverbDriftReach = 64
    /// Where the tail was fitted on a stretched capture, the windows' drift must agree with the
    /// stretch within this (ppm), or the capture is refused (``RoundTripAnalysis/trackLostTheStretch``).
    /// On 120 room cases with 3–1000 ppm of drift, the two agreed within 0.1–15 ppm where the
    /// result held, and lay 46–127 ppm apart (or the windows read none) where the track broke
    /// and read 1–18 samples off with false events. The search's own estimate can be the one
    /// that is off (a speech-like capture at 300 ppm: 352): then a good track is refused too.
    var reverbStretchAgreementPPM = 20.0
    /// The direct sound's place is read in chunks of this many seconds (``RoomDrift``): a
    /// quarter second places it to a few thousandths of a frame in speech, music and noise
    /// through the corpus's room at the true delay, and 1.25 s already hold five…
    var roomDriftChunkSeconds = 0.25
    /// …from at least this many chunks (their line's uncertainty is widened by √(ν/(ν − 2))
    /// for ν = n − 2 degrees of freedom, which needs 5 or more)…
    var roomDriftMinChunks = 5
    /// …and at most this many, spread over the stretch: each costs a deconvolution of a chunk
    /// and a tail.
    var roomDriftMaxChunks = 16
    /// …and by this in both: a room acts on all of the signal, while the first stretch of a
    /// sweep misaligned by a drop looks like an echo of that stretch alone.
    var reverbMinImprovementEverywhere = 1.25

    // MARK: whole-frame steps (WholeFrameSteps)

    /// The first segment is tied to a later one across whole-frame steps only when its level's
    /// standard error is at least this (frames): a fifth of the issue's 0.05, below which the
    /// tie would gain nothing the target sees.
    var wholeFrameMinSE = 0.01
    /// …and the later one is measured at least this many times better (a log sweep's 20–80 Hz
    /// before a gap: 0.13 frames, against 10⁻⁴ after it). A stated standard error understates
    /// what a coloured floor or path does to a level: music under a pink floor read the
    /// segment after its gap 0.008 frames off at a stated 0.002, and tied to it (7× better
    /// stated) its first segment went from 0.002 to 0.007 off; through a room both are
    /// within 3× and biased alike.
    var wholeFrameSEGain = 8.0
    /// …and the step they measure lies within this many joint standard errors of whole frames.
    var wholeFrameSigmas = 3.0
    /// …and the drift moves a whole step of one clock by at most this much of the other's
    /// frames (480 frames at 20 ppm: 0.0096).
    var wholeFrameDriftFrames = 0.01
    /// A first segment with no standard error of its own is tied to the next across the step
    /// the explainer sized (``WholeFrameSteps/tiedToExplainedStep(_:step:totalDrift:)``) only
    /// where that segment's level is measured to this (frames): a fifth of the issue's 0.05.
    var explainedStepMaxSE = 0.025
    /// …and the tie moves the first's level by less than this (frames): further, its own
    /// reading and the explained step disagree by a whole frame, and neither is believed
    /// over the other.
    var explainedStepMaxMove = 0.75
    /// Two well-measured segments whose step lies further than this from whole frames (and
    /// beyond their joint error) show a stream that steps by fractions
    /// (``WholeFrameSteps/fractionalSteps(_:)``): the issue's 0.05, what a path's bias may
    /// move a level by and a reading still be right.
    var fractionalStepMinFrames = 0.05

    // MARK: the path's memoryless non-linearity (StaticCurve)

    /// Degree of the fitted curve (all powers 1…7, odd and even: symmetric and one-sided
    /// clipping): enough for a tanh driven to 4× full scale to leave a residual ~30 dB down.
    /// At most 8: the powers are interpolated as the lanes of one `SIMD8<Float>`
    /// (``StaticCurve/powersAtLine(_:peak:_:_:_:shift:interp:)``).
    static let staticCurveDegree = 7
    /// Points on each side of 0 at which the curve's running extreme is taken
    /// (``StaticCurve/monotonic(_:)``): a 7th-degree polynomial turns at most 6 times,
    /// and between points a step of 1/256 of the span holds its value to far under the
    /// capture's noise.
    static let staticCurveEnvelopePoints = 256
    /// The delay at which a curve explains a capture best is searched to this width (frames):
    /// a thousandth of a sample, ten times finer than the issue's 0.01 (``StaticCurve/delayShift``).
    static let curveDelayTolerance = 0.001
    /// The curve is used only when it cuts the residual of the gain (or of the colouring
    /// filter) by more than this factor: a linear path's fit gains nothing.
    var staticCurveMinImprovement = 2.0
    /// …and is fitted only where the plain gain and offset leave at least this share of the
    /// capture's energy over the stretch unexplained (−50 dB; ``StaticCurve/plainGainMisfit``):
    /// under it there is no misfit for a curve to take. Of 2924 fits in `bench fuzz` (seeds
    /// 300–4999) 222 curves were taken, the least where the gain had left 9.2e-5 (the next
    /// 1.4e-4); of 273 in `bench corpus` 14, the least at 2.4e-4; none of the 37 fits under
    /// 1e-5 took one. The default sweep's card-model captures leave 1.0e-6 (the least the fit
    /// reads: its ridge shrinks the gain by a millionth) and never took one, and their fits,
    /// seven powers of the reference interpolated each, were 9 % of the sweep's CPU.
    var staticCurveMinGainMisfit = 1e-5
    /// Where the reference on a segment's line is under this share of its peak (−60 dB), the
    /// capture holds only noise (``StaticCurve/delayShift``'s measure of it): a pulse train is
    /// mostly such silence.
    var curveQuietOfPeak = 1e-3
    /// …taken only from at least this many such frames (a tracking window's worth).
    var curveMinQuietFrames = 1024
    /// A curve that halves the misfit beyond the noise counts only where the gain's misfit
    /// beyond it stands this many standard deviations of the noise's sum (σ²·√(2n) for white
    /// noise over n frames) above none: not a draw of the noise.
    var curveMisfitNoiseSigmas = 4.0
    /// The curve is fitted on a segment of at least this many frames: its 7 coefficients and
    /// offset need far fewer than the path filter's 33 (``pathFitMinFrames``, which it shared
    /// until session 46). Segments are whole windows long, and clipped captures in segments
    /// of 2048–4096 frames (music and noise with pauses cut off, white noise and a log sweep
    /// at 8 kHz, through tanh clipping) fitted no curve: their clipped peaks read as 1–3 false
    /// clicks, or hid a replacement by silence. On a plain path the fit over 2048 frames of
    /// `bench shortrefs` cuts the gain's residual by under 0.1 % (once the offset is fitted,
    /// ``StaticCurve/leastSquares(_:_:over:)``).
    var staticCurveMinFrames = 1024
    /// Blocks (frames) in which the fitted curve's misfit is judged (``StaticCurve/blocksExplained``):
    /// 5–6 ms at 44.1–48 kHz, so a step's few hundred frames past the segment's window-grained
    /// edge fill a block or two.
    var staticCurveBlock = 256
    /// A block whose residual under the first fitted curve is over this share of its power
    /// (the capture's and the curve's) is left out of the second fit: a block at another
    /// delay, or replaced by silence, leaves about all of it, and a clipped one a few per
    /// cent. Silent blocks, whose residual is their noise, are left out too, which costs the
    /// fit nothing.
    var staticCurveBlockMisfit = 0.25
    /// The blocks the curve is fitted on hold at least this many frames where the reference
    /// (at the line) is at ``staticCurveSoundingShare`` of its peak or more: 7 coefficients
    /// read off a handful of pulses' values (a sparse reference of 1–5 pulses through the
    /// clipper, outside the corpus's conditions) bend anywhere between them, and one such
    /// capture read a latency 2369 frames off through them. Any of the corpus's signals
    /// holds thousands.
    var staticCurveMinSounding = 256
    /// …a tenth of the reference's peak (−20 dB).
    var staticCurveSoundingShare = 0.1
    /// Through a fitted curve, a burst where the model is at this fraction of its peak or
    /// more is left to the curve: a polynomial of degree 7 misfits a hard clip's flat top
    /// (tanh at 4× drive is within 1 % of its ceiling from 0.6 of the peak on) by up to 40
    /// times the local noise there, over a few frames. Measured on the corpus: every false
    /// click through clipping sat at 0.81–1.0 of the peak. (A real click on a clipped peak
    /// is not told from the clip.)
    var curvedPathClickFreeOfPeak = 0.8
    /// A clipped peak is no click where no curve was fitted only where the path compresses
    /// the model's loud samples on the whole (``Explainer/compresses(_:_:besides:s2:)``): the
    /// capture short of the model toward zero by this share of the local noise's σ on average
    /// over them (a linear path's residual there averages none, ±σ/√n)…
    var compressionMinPullSigma = 1.0
    /// …and that mean this many times its own σ/√n from none (chance alone: 3e-5).
    var compressionMinZ = 4.0
    /// …or within this many frames of such a frame: a clipped passage's one sample where the
    /// reference dips (noise with pauses behind the clipper: the model at 0.49 of its peak
    /// between samples at 0.87 and 0.98, the capture flat at its ceiling) is the clip's too.
    var curvedPathClickReach = 2

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
    /// A large step to the probe's last segment is declared only where that segment holds
    /// the capture (``Explainer/lastSegmentHeard(_:_:)``); otherwise its frames stay the
    /// segment's before it, and the coverage check judges them. Through a room, multitone's
    /// last burst (stationary: 8 tones over 0.15 s) matched 806, 3149 and −1646 frames off,
    /// three to five windows agreeing: three false events (`bench rooms`). Their models left
    /// 3.6, 0.75 and 0.77 of the power they explained, and they explained their first frames
    /// only 2.43, 1.63 and 1.30 times better than the segment before would. Either test alone
    /// also rejects real last segments: music's through the same room leave 0.76–0.79 (but
    /// better the segment before 3.9 times); a fuzz case's real last segment bettered an
    /// ambiguous first window's continuation only 1.89 times (but left 0.0004); multitone's
    /// real ones bettered it 2.47 times or more (and left at most 0.16). Both weak is none.
    var lastSegmentMaxResidualOfSignal = 0.6
    var lastSegmentMinGainOverA = 2.5
    /// …judged only after a step this large (frames): after a smaller one the segment before
    /// is a few frames off over the last one's frames and, in noise, explains them nearly as
    /// well (a one-frame gap at 10 dB SNR, `bench accuracy`: 1.22; a fuzz case's 8-frame
    /// step 1.18, where a model leaving 5.3 of its power was still the true delay).
    var lastSegmentJudgedFromFrames = 16
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
    /// A first segment resting on at most this many windows takes its level from its own
    /// frames once the steps are placed (`Explainer.refitFirstLevel`); more windows measure
    /// it as well, and one straddling a step is outweighed.
    var refitMaxWindows = 2
    /// …moving it by at most this many frames: the window's error, not a lock a period off
    /// (`RoundTripAnalysis.refineLockedLevels` handles those).
    var refitMaxMove = 1.0
    /// A later segment takes its level from its own frames only where none of its windows
    /// places it to better than this (frames: σ; `Explainer.laterLevelsFromTheirFrames`):
    /// half a frame, past which the step it makes cannot be sized to the frame.
    var refitLaterMinSigma = 0.5
    /// …searched a second time around the first search's best where that lies within this
    /// of its reach (``SincInterpolator/maximizeReach``, a frame; this is the search's grid
    /// step, 1/8 frame), and moved by at most this
    /// (frames): a window that holds a third of its frames from the other side of a step
    /// reads 1.35 frames off, and its σ says a frame.
    var refitEdgeFrames = 0.125
    var refitLaterMaxMove = 2.0
    /// A middle stretch must be at least this long (frames) after trimming.
    var middleMinFrames = 64
    /// A stretch after the last segment at another delay is not the probe's last frames
    /// where the segment before it leaves under this share of the residual the stretch's own
    /// delay leaves after it (``Explainer/returnsToTheSegment(after:_:_:until:)``): half,
    /// so silence after the probe (both leave its noise) keeps the stretch.
    var trailingReturnShare = 0.5
    /// …nor where, from the stretch's start to the reference's end, the segment before it
    /// leaves less residual than the stretch's delay (this share of it): the segment there
    /// never stopped, and the stretch is its echo or its misfit matched elsewhere.
    var trailingHeldShare = 1.0
    /// A segment between two others whose reference frames' mean square is below this share of
    /// the whole reference's (−30 dB) explains silence with silence and is no segment
    /// (``RoundTripAnalysis/silenceOnSilence(_:_:tuning:)``): the one a real guest's overrun made
    /// held −57 dB; a segment holding one pulse of a click track, or the quietest stretch of
    /// speech or music the corpus plays, holds far more.
    var silentSegmentOfReference = 1e-3
    /// Reference stretches with less than this fraction of the capture's energy are not candidates.
    var middleMinReferenceEnergy = 0.05
    /// The normalised correlation a middle stretch needs: it must be the reference, closely.
    var middleMinRho = 0.9
    /// The match of the probe's first frames before the first segment (a lead) is ambiguous
    /// when another peak comes within this many times its deficit (1 − ρ) of it
    /// (`Explainer.ambiguousMatch`). Half the tracker's ``ambiguityMargin``: a lead has
    /// already passed more (the walk found those frames replaced, the first segment misfits
    /// them, ``middleMinRho``). The probe's first 300 frames, mostly its fade-in, matched at
    /// 0.9986 with the competitor one period off at 0.9952 (2.4× the deficit; it is right);
    /// a 20 Hz sweep behind the resonant high-pass at 3 dB, at 0.9963 against 0.9944, 1955
    /// frames away (0.5×; it was wrong).
    var middleAmbiguityMargin = 2.0
    /// A middle stretch within this many frames of a neighbour's delay is that neighbour again.
    var middleMinDelayFromNeighbour = 2.0

    // MARK: leading replacement (Explainer.leadingReplacement)

    /// Below this many frames of reference under the first segment, there is nothing to judge.
    var leadingMinFrames = 128
    /// A segment's level this close to a whole frame (frames) is on it, where a frame is
    /// chosen from it: well inside the 0.02 frames the accuracy tests hold the delay to.
    var onWholeFrame = 0.01
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
    /// …unless the capture there follows the probe at a lower level (normalised correlation
    /// with it of at least this share of what it reaches where the segment was tracked): a
    /// path that attenuates the probe's start (a high-pass under a sweep from 20 Hz) has not
    /// replaced it. Silence or other audio in a 32-frame block correlates at ±0.18 (1σ), so
    /// 0.8 is 4.4σ from it where the capture follows at 1.
    var leadingFollowsRho = 0.8
    /// …and never below this: 3σ from what silence or other audio gives in a block (an
    /// undamaged sparse reference through the 2 kHz low-pass, followed at 0.44 where
    /// tracked, took a block at 0.44 for the probe and refused itself over the lead search).
    var leadingFollowsMinRho = 0.55
    /// A block that follows the probe (or misses none of it) ends the walk only where the
    /// capture follows it over this many frames from there too, at ``leadingFollowsRho`` of
    /// the normalised correlation it reaches over the segment's first tracked window (noise
    /// through a resonance near 100 Hz follows its probe at 0.7): a 32-frame block is under a
    /// cycle of the chirp train's first kilohertz, and the probe 200 frames on (a drop in its
    /// first 25 ms, 1.4 against 1.7 kHz) matched it block by block at a phase that happened
    /// to agree. 256 frames hold a full turn of that phase.
    var leadingConfirmFrames = 256
    /// …judged over at least this many blocks loud enough to judge (else the block's own
    /// verdict stands).
    var leadingConfirmMinBlocks = 2
    /// A replacement ends abruptly: over the `leadingResumeFrames` after its end the capture
    /// follows the probe within this factor of the segment's gain (0.5–2×). A probe that
    /// fades in (a high-pass under a sweep's first octaves) or swells (a linear sweep rising
    /// into a resonance near 100 Hz, 2.5×) was coloured, not replaced.
    var leadingResumeGainRatio = 0.5
    var leadingResumeFrames = 128
    /// A stretch the walk claims replaced is not where the capture, taken over it (or over
    /// the blocks before the first found missing), holds this share or more of the probe as
    /// the capture holds it over the first tracked window
    /// (``Explainer/heardShare(from:template:_:fit:)``, a share of what the probe under the
    /// fit's noise would reach, there and over the window alike: a path the model misfits
    /// holds both lower): the probe there is heard, each block too faint to judge alone. A
    /// replaced stretch holds about none (a drop in the own probe's first 25 ms: 0.23, the
    /// chirp train 200 frames on matching some of it). The walk's false claims within the
    /// corpus's conditions on fuzz seeds 0–2499 held 0.7–1.0 (noise with pauses behind the
    /// resonant high-pass under a pink floor, multitone bursts behind it, a linear sweep
    /// through a room).
    var leadingHeardOfTracked = 0.5
    /// Sound before the first segment's reference begins is looked at from this many frames
    /// before its level (a band-limited probe's first frames at a fractional delay, or a
    /// linear-phase path's pre-ringing, reach a few frames earlier)…
    var preProbeGuardFrames = 16
    /// …and before its level plus the reference's onset: its first frame departing from its
    /// first by more than this share of its largest departure (−60 dB, as the fuzz test's
    /// truth counts a leading silence).
    var onsetOfPeak = 1e-3
    /// A block there holds sound above this many times its noise (χ² with 32 degrees of
    /// freedom: one block of white noise in 1500 passes, one search of 128 blocks in 12; two
    /// blocks are asked for; a pink floor's blocks are not 32 independent draws and pass far
    /// more often, so a span found is only searched, never taken as an event) and above
    /// ``leadingFaintOfSignal`` of the signal. Half the walk's
    /// ``leadingFaintNoiseMultiple``: at 20 dB the probe's first 200 frames, most of them
    /// its fade-in, held one block above that…
    var preProbeNoiseMultiple = 2.0
    /// …and is searched for the probe's start when such blocks hold at least this many
    /// frames, the least a middle segment is matched on.
    var preProbeMinFrames = 64
    /// Sound before the probe that matches the reference as closely at two delays refuses
    /// the reading (``Explainer/leadingSegment(_:_:replaced:claimed:)``) where it holds at
    /// least this share of the signal's power: then it is no floor but the probe at another
    /// delay, whichever of the two. A pink floor 30 dB under the signal (the corpus's quirk)
    /// matched speech and noise with pauses as closely at two delays; speech-like and
    /// multitone references of 2600 frames at 22.05 kHz, their first copy before an
    /// 866-frame repeat heard at 0.3 and 2.1 times the signal's power, read clean, 866
    /// samples late. 10 dB under the signal, 20 dB over that floor.
    var preProbeAmbiguousOfSignal = 0.1
    /// Such loud sound is matched to the reference at ``middleMinRho``, or at the median
    /// correlation of the first segment's own windows less this, whichever is lower: where
    /// the path colours the signal more than the model follows (a short reference behind the
    /// 2 kHz low-pass at 8 kHz, fitted at gain 0.75 with a residual of a quarter of the
    /// signal), the probe's first copy before a repeat matched at 0.85, as its own windows
    /// do, nearly, and the reading was clean, the repeat's size late.
    var loudLeadRhoBelowOwn = 0.05
    /// A reading clean at one delay is refused where loud sound before the reference's onset
    /// on its line matches the reference at an earlier delay at this or more
    /// (``RoundTripAnalysis/heldThroughout(_:_:plain:cap:find:totalDrift:)``): nothing of
    /// the probe is heard before its onset through a causal path, the sound holds a tenth of
    /// the signal's power (no floor), and a match that explains a quarter of its power is the
    /// probe at another delay rather than other audio. The first copy before an 866-frame
    /// repeat in noise with pauses 2600 frames long at 22.05 kHz behind the 2 kHz low-pass,
    /// 187 frames of a burst's fade-in, matched at 0.69 (the line's own blocks at 0.85, the
    /// plain reference against the coloured capture), and the reading was clean, 866 samples
    /// late. At 0.3 no other case of `bench corpus`, `bench rooms`, `bench shortrefs` or the
    /// fuzz test changes.
    var heardBeforeCleanMinRho = 0.5
    /// A latency that puts the probe's first frame before the capture's, read across a
    /// replacement of its first sound (``RoundTripAnalysis/unanchoredLead(_:plain:)``), is
    /// refused where the reference frames on its line before the replacement hold under this
    /// share of its energy (−20 dB: nothing of the probe is heard there to anchor the line;
    /// speech whose onset a drop removed held 0.07 % of it).
    var unanchoredLeadHeardShare = 0.01
    /// …and where loud sound after the reference's last sound on its line matches the
    /// reference at a later delay at this or more
    /// (``RoundTripAnalysis/heardAfterTheEnd(_:_:level:drift:minRho:)``), for the same reasons:
    /// a path's ringing after the end (a filter's, a room's diffuse tail) is the reference's
    /// last frames smeared over many delays, not matched at one.
    var heardAfterCleanMinRho = 0.5
    /// A crackle reading's last segment of at most this many windows, with the capture's sound
    /// after its end matched at a later delay, is a look-alike the track took, and the reading
    /// is refused (``RoundTripAnalysis/followedToTheEnd(_:_:plain:cap:totalDrift:)``): one or
    /// two windows at a jump are what a phrase the music plays again gives; a stretch the
    /// probe really stepped to holds more of them (3 to 12 in the captures that step again
    /// near their end, fuzz seeds 0–2499).
    var lookAlikeSegmentMaxWindows = 2
    /// …judged only where that sound holds this many cycles of its content or more (twice as
    /// many sign changes): a resonance's ringing after the end is a fraction of a cycle
    /// (noise with pauses behind the resonant high-pass near 100 Hz, 128 frames at 48 kHz:
    /// under one), a smooth shape that some stretch of the reference's low band follows at 0.8
    /// at any delay. Four cycles hold a match that a shape alone does not make.
    var heardAfterMinCycles = 4
    /// A cycle counts where the sound swings past this share of its RMS either side of its
    /// mean: the floor's own wiggles round a crossing are smaller.
    var heardAfterSwingOfRMS = 0.5
    /// A replacement is reported from one block on, after at least two blocks walked.
    var leadingMinReplaced = 32
    var leadingMinWalked = 64
    /// Its exact end is searched from this many blocks before the walk stopped to this many frames after.
    var leadingEndSearchBlocksBack = 2
    var leadingEndSearchFrames = 64

    // MARK: edges (Explainer.refineEdges, jointEdges)

    /// Reference samples tried on each side of the split's estimate for each edge. Three
    /// until session 55: where the reference's samples just inside an edge are faint (white
    /// noise's ~0.1 of its RMS for three frames), the cost is flat over them, its least lay
    /// inside the window, and the true edge one frame past it was never tried (faint noise
    /// with two replacements, fuzz case 141, read them 3 and 6 frames short; fuzz seeds
    /// 0–2499: events read exactly 625 → 631 with six).
    var edgeCandidates = 6
    /// …and through a room the model holds, still three: there the edge's cost holds the
    /// tail's misfit as much as the edge, and six a side placed drops through the room 3–9
    /// frames further from their truth (`bench rooms`, a replacement 6 → 9 frames short in
    /// fuzz case 787).
    var edgeCandidatesUnderATail = 3
    /// How far from the split's estimate an edge is followed while its best candidate is the
    /// last tried (``Explainer/edgeCosts(around:_:)``): past it the cut nears the end of the
    /// ``edgeScoreFrames`` it is scored on. Faint noise behind the 2 kHz low-pass under hum
    /// (fuzz case 182) read an 854-frame replacement as 843, its split 11 frames short; 12
    /// frames of reach found 2375's edge a frame away, and 24 found 182's too; 36 read
    /// no other case differently.
    var edgeMaxReach = 24
    /// Capture frames (each side of an edge) an edge candidate is scored on.
    var edgeScoreFrames = 40
    /// Capture frames (each side of the split) a joint edge pair is scored on.
    var jointEdgeScoreFrames = 48

    // MARK: repeat or gap (Explainer.isRepeat)

    /// Inserted frames quieter than this many σ²…
    var repeatSilenceSigma2 = 4.0
    /// …or this fraction of the signal power are silence: a gap.
    var repeatSilenceOfSignal = 0.1
    /// A pure repeat after such silence is a gap ending at it where the segment before puts
    /// this many times the capture's energy there (``Explainer/silenceBeforeRepeat``; the
    /// grid's gaps read as repeats: 130–200 times): where it puts little more, the reference
    /// is quiet there too, and the silence says nothing of the step.
    var repeatSilenceLoudness = 10.0
    /// The capture's noise is bounded by its quietest block this long (frames): 256 frames of
    /// noise hold their mean within about 10 % (χ² with 256 degrees of freedom), so the
    /// quietest of a few hundred is at most a third under it, inside the 4× above.
    var quietBlock = 256
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
    /// A burst the click tests flag must also be flagged in the residual whitened
    /// (``Explainer/whitened(_:)``) by a predictor of this order: two poles follow a pink
    /// floor's slope over the band where it outweighs white noise (a 1/f spectrum is not a
    /// single pole), and leave a click two frames of response at most. Measured on a −30 dB
    /// pink floor over 40 dB white noise: no 16- or 128-frame stretch flagged by chance in
    /// 10 s of the whitened residual (73 and 139 in the residual itself; order 1 leaves one).
    static let whiteningOrder = 2
    /// …when the predictor takes out at least this share of the residual's power (prediction
    /// gain, power in over power out): a white residual's gain, from the block medians, is
    /// well under 1.01 and its bursts are judged as before; a pink floor 3 dB below the white
    /// noise gives 1.11 and already flags a 128-frame stretch by chance once in 2 s. The card
    /// model's residuals reach gains of 2–80: the check only removes bursts, and none of
    /// their events goes (the goldens are unchanged).
    var whiteningMinPredictionGain = 1.05
    /// The local noise is the median over this many blocks on each side.
    var noiseNeighbourBlocks = 4
    /// Captures on the grid of one of these PCM formats (bits) have a quantisation floor: a
    /// residual of one step (Δ, variance up to Δ²/4 where the signal pauses and the capture
    /// rounds to 0 or ±Δ) is the format's, not a click.
    static let coarsePCMBits = [8, 10, 12]
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
    /// A replacement's silence that comes within this many frames of the stretch it was split
    /// in (``Explainer/classifyBurst``) may go on past it, and the stretch is searched again,
    /// longer on that side. The split lands a frame or a few in from the edge where the frames
    /// there hold the tail of a room or a path's ringing: faint noise through the room with
    /// 2949 frames replaced (fuzz case 518) split one frame in, and read 2097 of them;
    /// faint noise behind the 2 kHz low-pass (2113) read 335 frames of 1590.
    var replacementGrowthSlack = 16
    /// A run of `noiseBlock`s where the capture holds less than `dropoutCaptureOfProbe` of the
    /// model is a dropout, left out of the local noise (``Explainer/heardBlocks(_:_:path:)``),
    /// only between blocks whose residual is below this share of the model's power, a block
    /// clear of the run on either side: the model explains what leads into the silence and
    /// out of it (noise at 10 dB SNR leaves 0.1).
    var dropoutEdgeMisfit = 0.3
    /// Where no block fell silent at the segment's fitted gain, the blocks are judged again at
    /// their median gain (``Explainer/medianBlockGain(_:over:)``) only when that is more than
    /// this many times the fitted one: a dropout of a fifth of the segment's energy or more.
    /// Where the two agree the first judgement stands, and the second would cost a residual
    /// over the whole segment. White noise with 41 % of its frames replaced by silence (fuzz
    /// case 2285) fitted 0.49 for 1.0: a heard block's residual was then 1.08 of the model's,
    /// over ``dropoutEdgeMisfit``, no block beside the silence was explained, and it read clean.
    var dropoutGainPull = 1.25
    /// Blocks where the capture fell silent under the probe have the capture's own power for
    /// their noise (``Explainer/localNoise(_:_:heard:)``) only in runs of at least this many
    /// (1024 frames): a lone one is as often a single pulse replaced, whose interpolated
    /// tails, against the capture's silence, read as 95 frames replaced beside its 2.
    var silentRunBlocks = 2
    /// Blocks whose model holds less than this share of the loudest block's power have no
    /// gain of their own worth counting (a pulse train's silence between pulses).
    var blockGainMinShare = 0.1
    /// Flagged stretches this close (frames) are one burst.
    var burstMergeFrames = 16
    /// A capture's ceiling: its largest (or smallest) value, held by at least this many
    /// frames (``RoundTripAnalysis/captureCeiling(_:)``). Where the model asks for more there,
    /// with the same sign, the capture clipped (``Explainer/clippedAtFullScale(_:model:)``):
    /// white noise whose peaks reach 1.33, on 8-bit PCM, read two false 1-frame clicks where
    /// its capture held −1.0 and 0.992 for −1.29 and 1.16. A capture that is not clipped
    /// reaches its extreme once (a float capture's noise at 1.3 dB SNR, past 1.8, read a
    /// repeat's place as clipping with a bare 0.99 bar).
    var ceilingMinFrames = 3
    /// A burst's exact extent: its samples beyond 4σ (4² = 16).
    var burstEdgeSigma2 = 16.0
    /// A burst is predicted through the path's measured response from the model's frames
    /// under it and this many either side: the interpolator's reach
    /// (``AnalyzerTuning/interpolatorHalfWidth`` taps a side) and more.
    var responseBurstMargin = 64
    /// A burst of at least `minReplacementFrames` where the capture holds less than this
    /// fraction of the signal fell silent: a short replacement (gap + drop), placed by the
    /// split within `replacementMargin` frames around it.
    var replacementCaptureOfSignal = 0.3
    /// …where the probe plays at no less than this fraction of the segment's mean power: a
    /// quieter stretch of the model is where the path's colouring is not followed (a steep
    /// 2 kHz low-pass's stopband, which the short path model passes at −14 dB), and silence
    /// there is the path's. Measured on the corpus: true replacements 0.6–1.5, that one 0.04.
    var replacementMinSignalOfMean = 0.1
    var minReplacementFrames = 2
    var replacementMargin = 64
    /// A replacement the split places within this many frames of a run of one exact value in
    /// the capture (digital silence) is that run (``Explainer/digitalSilence(_:_:)``): the
    /// split can read a frame or two the model does not explain as part of the silence.
    var digitalSilenceReach = 4
    /// Bursts longer than this (frames) whose residual is weaker than the signal under them
    /// are the path's own distortion (a resampler's images) rather than a click.
    var longBurstFrames = 32
    /// Bursts of any length whose residual is a tone or a sweep are not clicks: spectral
    /// flatness below this (a resampler's image as the probe crosses the path's Nyquist
    /// frequency; a room's misfit as a linear sweep passes a resonance, 0.014–0.12). A
    /// transient, or garbage in a buffer, is broadband.
    var minBurstFlatness = 0.15
    /// Through a room, a run of quiet blocks heard only further out than two blocks
    /// (``Explainer/heardBlocks``) is a dropout only where the probe over it is this flat or
    /// flatter (white noise's periodogram, about 0.56): a broadband probe falls silent
    /// there only by a dropout, while a narrowband one (a log sweep's lowest band) may be
    /// stopped by the path, which its response over the segment cannot resolve there.
    var farHeardMinFlatness = 0.3
    /// …judged from this many frames on: white noise of 13 frames or more reads a flatness
    /// under 0.15 less than once in a thousand (Hann-windowed periodogram, 20 000 draws; at 8
    /// frames once in a hundred), an impulse about 0.8. Shorter bursts are judged with the
    /// residual around them (``flatnessContextFrames``). (Until session 22, only bursts over ``longBurstFrames`` were judged: a
    /// linear sweep through a room read false clicks of 13–32 frames, flatness 0.014–0.12.)
    var flatnessMinFrames = 13
    /// …and a shorter burst is judged on this many frames around it (+1): a one-frame crest of
    /// a room's tonal misfit read 0.009–0.022 (linear sweeps through the second room), a click
    /// on white noise is an impulse in it.
    var flatnessContextFrames = 32
    /// A burst whose residual keeps less than this share of its energy below the top of the
    /// band (``Explainer/lowBandShare(_:around:)``) is the interpolator's misfit above ~0.9 ×
    /// Nyquist, not a click: that misfit alone gives ≤ 0.05, a broadband click ~1, and a
    /// flagged burst (≥ 6× the local noise) of misfit plus white noise stays below ~0.2.
    var nyquistMisfitMaxLowShare = 0.25
    /// …measured over at least this many frames around the burst (a one-frame burst included).
    var nyquistMisfitFrames = 16

    // MARK: stretches nothing vouches for (Explainer.unvouchedStretch)

    /// A segment claims the capture from its first window to where its reference ends; a
    /// stretch of it that no tracked window matched (the track lost the probe there) is
    /// explained only if the segment's alignment fits it. At least this many tracking windows
    /// in a row (85 ms) must go unmatched: a window or two missed in noise or in a pause is
    /// the tracker's ordinary loss, and the click scan looks at it.
    var unvouchedMinWindows = 4
    /// …and there the residual must exceed this share of the aligned signal's energy: a
    /// silent stall leaves 1 (the whole signal missing), audio from another place about 2; a
    /// path's colouring that the model lacks leaves less (0.5 was reached by a resonant
    /// 100 Hz high-pass on multitone bursts, which the track could not match either).
    var unvouchedResidualShare = 0.9
    /// …and this many times the residual share of the windows the track did match (a
    /// capture at 0 dB has a residual as large as the signal everywhere: that is its noise,
    /// not a stretch the segment fails to explain).
    var unvouchedOverVouched = 4.0
    /// …or, where that is more, the vouched share plus this: audio uncorrelated with the
    /// alignment, as loud as it, leaves the vouched share plus 2 (its own power and the
    /// alignment's), and four times a share over 0.5 asks more than that. Through a room,
    /// multitone's last burst (a segment at 0.64) left 1.85–2.75 where no window matched it,
    /// under a bar of 2.56, and its verdict went out on the rest.
    var unvouchedUncorrelatedExcess = 1.5
    /// Tracked blocks next to an unvouched run that must misfit too for the misfit to be the
    /// path's (``Explainer/misfitCrossesTrack(_:_:base:)``): two, so that one block a step
    /// leaves partly fitted does not count.
    var unvouchedCrossingBlocks = 2
    /// …where the aligned signal carries at least this share of the segment's mean power (a
    /// pause in the reference leaves a stretch with nothing to explain).
    var unvouchedMinSignalShare = 0.1
    /// A verdict names the stretches where the probe played but no window matched and no
    /// event lies (``RoundTripAnalysis/unheardStretches``) when they run at least this many
    /// tracking windows (as ``unvouchedMinWindows``: a window or two missed is the tracker's
    /// ordinary loss)…
    var unheardMinWindows = 4
    /// …counting the windows where the bare reference carries at least this share of its mean
    /// power (a pause plays nothing to hear).
    var unheardMinSignalShare = 0.1
    /// Inside a longer unvouched run that fits well at first (windows that could not tell
    /// delays apart, on the right one), a stretch of misfit is a segment's own only when it
    /// starts (and ends, unless the segment does) abruptly: one of the two blocks before it
    /// had a residual at most this share of the base. A misfit that builds up block by block
    /// (a delay a period off at a rising frequency) is the path's; a drop under windows that
    /// matched at several delays (a linear sweep's top half through a clipper) goes from a
    /// residual of 0.09 of the signal to 1.45 from one block to the next.
    var unvouchedAbruptShare = 0.25
    /// …and the capture there holds at least this share of the aligned signal's energy: other
    /// audio (the probe at another delay after a drop: about 1), not the silence of a stopband
    /// the probe ran into (a sweep behind a 2 kHz low-pass leaves ~0 there, as abruptly).
    var unvouchedHeardShare = 0.5
}
