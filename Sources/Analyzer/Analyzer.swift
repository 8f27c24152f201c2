// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import LoopbenchCore

/// The analyzer: finds a reference in a capture and tells the truth about the path.
///
/// It is a pure function of (reference, capture, options): the same input gives the
/// same ``LoopMeasurement``, byte for byte once encoded.
public enum Analyzer {
    /// Length of the tracking windows (frames): discontinuities closer together than this are not resolved one by one.
    public static let trackingWindow = AnalyzerTuning.trackingWindow

    /// What to analyse and how.
    public struct Options: Sendable {
        /// The capture channel to use; nil picks the one where the reference is strongest.
        public var channel: Int?
        /// File paths, recorded in the report.
        public var referencePath: String?
        public var capturePath: String?
        /// Where the capture came from.
        public var source: LoopMeasurement.Source?

        /// Set when the capture is a stretch of a longer recording (``WholeCapture/offset``
        /// onward): the stretch is judged with the whole recording's statistics, and every
        /// frame and delay of the result is on the whole recording's timeline.
        public var wholeCapture: WholeCapture?

        public init(channel: Int? = nil, referencePath: String? = nil, capturePath: String? = nil, source: LoopMeasurement.Source? = nil, wholeCapture: WholeCapture? = nil) {
            self.channel = channel
            self.referencePath = referencePath
            self.capturePath = capturePath
            self.source = source
            self.wholeCapture = wholeCapture
        }
    }

    /// Analyses `capture` against `reference`.
    ///
    /// - Throws: `badData` when the two cannot be compared (different rates, a capture
    ///   shorter than the reference), `usage` for a channel out of range.
    public static func analyze(reference: AudioBuffer, capture: AudioBuffer, options: Options = Options()) throws(LoopbenchError) -> LoopMeasurement {
        try RoundTripAnalysis(reference: reference, capture: capture, options: options).run()
    }

    /// The analyzer's band-limited interpolator (``AnalyzerTuning/interpolatorHalfWidth`` taps
    /// either side, ``AnalyzerTuning/interpolatorPhases`` phases), for code that must refine
    /// and align as the analyzer does (the soak's clean-period fast path).
    public static var interpolator: SincInterpolator {
        SincInterpolator(halfWidth: AnalyzerTuning.interpolatorHalfWidth, phases: AnalyzerTuning.interpolatorPhases)
    }

    /// What the click scan judges a residual against (``AnalyzerTuning``): code that must never
    /// call clean what the analyzer would flag (the soak's fast path) derives its limits from these.
    public struct ClickScanLimits: Sendable {
        /// A stretch of `frames` whose residual energy is `ratio` times the local noise is flagged.
        public let scales: [(frames: Int, ratio: Double)]
        /// Block (frames) the local noise is estimated in.
        public let noiseBlock: Int
        /// The local noise's floor relative to the segment's peak (amplitude).
        public let noiseFloorOfPeak: Double
        /// The local noise's floor relative to the local signal power.
        public let minFitRatio: Double
    }

    public static let clickScan: ClickScanLimits = {
        let t = AnalyzerTuning.standard
        return ClickScanLimits(scales: t.clickScales, noiseBlock: t.noiseBlock, noiseFloorOfPeak: t.noiseFloorOfPeak, minFitRatio: t.minFitRatio)
    }()

    /// Whether a reference and a capture of these shapes can be compared, before either is read
    /// whole: the errors ``analyze(reference:capture:options:)`` would throw for them.
    public static func checkComparable(referenceRate: Int, referenceFrames: Int, captureRate: Int, captureFrames: Int, captureChannels: Int, options: Options) throws(LoopbenchError) {
        try RoundTripAnalysis.checkShapes(referenceRate: referenceRate, referenceFrames: referenceFrames, captureRate: captureRate,
                                          captureFrames: captureFrames, captureChannels: captureChannels, options: options)
    }
}

extension LoopMeasurement {
    /// The measurement of a stretch moved onto the whole recording's timeline: every frame and
    /// delay later by the stretch's offset, the capture as long as the whole recording.
    func placed(in whole: WholeCapture) -> LoopMeasurement {
        var m = self
        let d = whole.offset
        m.capture.frames = whole.frames
        if let l = m.latency { m.latency = .init(samples: l.samples + Double(d), sampleRate: sampleRate, confidence: l.confidence) }
        m.segments = m.segments?.map { .init(captureStart: $0.captureStart + d, captureEnd: $0.captureEnd + d, delaySamples: $0.delaySamples + Double(d)) }
        m.events = m.events.map { Event(kind: $0.kind, captureSample: $0.captureSample + d, sizeSamples: $0.sizeSamples, sampleRate: sampleRate) }
        return m
    }
}
