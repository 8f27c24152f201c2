// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import LoopbenchCore

/// The analyzer: finds a reference in a capture and tells the truth about the path.
///
/// It is a pure function of (reference, capture, options): the same input gives the
/// same ``LoopMeasurement``, byte for byte once encoded.
public enum Analyzer {
    /// Length of the tracking windows (frames): discontinuities closer together than this are not resolved one by one.
    public static let trackingWindow = AnalyzerTuning.standard.trackingWindow

    /// What to analyse and how.
    public struct Options: Sendable {
        /// The capture channel to use; nil picks the one where the reference is strongest.
        public var channel: Int?
        /// File paths, recorded in the report.
        public var referencePath: String?
        public var capturePath: String?
        /// Where the capture came from.
        public var source: LoopMeasurement.Source?

        public init(channel: Int? = nil, referencePath: String? = nil, capturePath: String? = nil, source: LoopMeasurement.Source? = nil) {
            self.channel = channel
            self.referencePath = referencePath
            self.capturePath = capturePath
            self.source = source
        }
    }

    /// Analyses `capture` against `reference`.
    ///
    /// - Throws: `badData` when the two cannot be compared (different rates, a capture
    ///   shorter than the reference), `usage` for a channel out of range.
    public static func analyze(reference: AudioBuffer, capture: AudioBuffer, options: Options = Options()) throws(LoopbenchError) -> LoopMeasurement {
        try RoundTripAnalysis(reference: reference, capture: capture, options: options).run()
    }
}
