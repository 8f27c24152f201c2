// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// The card model's ground truth for one run, taken from its own log. It lives here, with the
/// measurement it travels in (`truth`), so that the sweep, the reports and the tests read it as a
/// typed value (``LoopMeasurement/cardModelTruth``) instead of guessing at JSON keys.
///
/// `events` has exactly the measurement's event fields, so it compares one to one with
/// the analyzer; `event_reasons` says, in the same order, why each happened.
public struct CardModelTruth: Codable, Sendable, Equatable {
    public struct Artifact: Codable, Sendable, Equatable {
        public var kind: String
        public var place: String
        public var timeS: Double
        public var frames: Int
        public var reason: String
        enum CodingKeys: String, CodingKey {
            case kind, place, frames, reason
            case timeS = "time_s"
        }
        public init(kind: String, place: String, timeS: Double, frames: Int, reason: String) {
            (self.kind, self.place, self.timeS, self.frames, self.reason) = (kind, place, timeS, frames, reason)
        }
    }

    public struct PulseAttributes: Codable, Sendable, Equatable {
        public var tlength: Int
        public var minreq: Int
        public var prebuf: Int
        public var maxlength: Int
        public var fragsize: Int
        public var sinkBlock: Int
        public var staleCapture: Int
        public init(tlength: Int, minreq: Int, prebuf: Int, maxlength: Int, fragsize: Int, sinkBlock: Int, staleCapture: Int) {
            (self.tlength, self.minreq, self.prebuf, self.maxlength) = (tlength, minreq, prebuf, maxlength)
            (self.fragsize, self.sinkBlock, self.staleCapture) = (fragsize, sinkBlock, staleCapture)
        }
        enum CodingKeys: String, CodingKey {
            case tlength, minreq, prebuf, maxlength, fragsize
            case sinkBlock = "sink_block"
            case staleCapture = "stale_capture"
        }
    }

    /// True round trip at the reference start, in capture frames (nil when no signal came back).
    public var latencySamples: Double?
    public var latencyMS: Double?
    public var events: [Event]
    public var eventReasons: [String]
    public var segments: [LoopMeasurement.Segment]
    /// Every xrun the model logged, including those outside the probe.
    public var artifacts: [Artifact]
    public var xrunsByPlace: [String: Int]
    /// Time-weighted occupancy of each buffer, in ms.
    public var occupancyMS: [String: Double]
    /// Mean time a frame spends between the guest's playback DMA and the host sink (HDA ring + mixeng + backend queue).
    public var playbackQEMUSideMS: Double
    public var hdaCorrections: [String: Int]
    /// Times (s) of the ±1/−4 ms playback corrections after the start-up ramp (first 200).
    public var outCorrectionTimesS: [Double]
    public var pulse: PulseAttributes?
    /// Range of the HDA playback ring fill right after each audio tick, once the start-up ramp is over (ms).
    public var hdaOutFillAfterTickMS: [Double]?
    public var simulatedSeconds: Double

    public init(latencySamples: Double?, latencyMS: Double?, events: [Event], eventReasons: [String], segments: [LoopMeasurement.Segment],
                artifacts: [Artifact], xrunsByPlace: [String: Int], occupancyMS: [String: Double], playbackQEMUSideMS: Double,
                hdaCorrections: [String: Int], outCorrectionTimesS: [Double], pulse: PulseAttributes?, hdaOutFillAfterTickMS: [Double]?,
                simulatedSeconds: Double) {
        self.latencySamples = latencySamples
        self.latencyMS = latencyMS
        self.events = events
        self.eventReasons = eventReasons
        self.segments = segments
        self.artifacts = artifacts
        self.xrunsByPlace = xrunsByPlace
        self.occupancyMS = occupancyMS
        self.playbackQEMUSideMS = playbackQEMUSideMS
        self.hdaCorrections = hdaCorrections
        self.outCorrectionTimesS = outCorrectionTimesS
        self.pulse = pulse
        self.hdaOutFillAfterTickMS = hdaOutFillAfterTickMS
        self.simulatedSeconds = simulatedSeconds
    }

    enum CodingKeys: String, CodingKey {
        case events, segments, artifacts, pulse
        case latencySamples = "latency_samples"
        case latencyMS = "latency_ms"
        case eventReasons = "event_reasons"
        case xrunsByPlace = "xruns_by_place"
        case occupancyMS = "occupancy_ms"
        case playbackQEMUSideMS = "playback_qemu_side_ms"
        case hdaCorrections = "hda_corrections"
        case outCorrectionTimesS = "out_correction_times_s"
        case simulatedSeconds = "simulated_seconds"
        case hdaOutFillAfterTickMS = "hda_out_fill_after_tick_ms"
    }

    /// The truth as a JSON value for ``LoopCapture/truth`` (``JSONValueEncoder``: what its JSON
    /// text reads back as, without the text).
    public var jsonValue: JSONValue { (try? JSONValueEncoder.encode(self)) ?? .null }
}

extension LoopMeasurement {
    /// The card model's ground truth of a sim measurement, typed; nil for other backends or a
    /// `truth` member that is not the model's.
    public var cardModelTruth: CardModelTruth? {
        guard let truth, case .object = truth, let data = try? JSONCoding.encode(truth, pretty: false) else { return nil }
        return try? JSONDecoder().decode(CardModelTruth.self, from: data)
    }
}
