// SPDX-License-Identifier: GPL-2.0-or-later

/// One round-trip measurement: a reference and its capture, analysed.
///
/// Encodes to the JSON of `schemas/measurement.schema.json` (`loopbench/measurement/v1`).
/// Times in the capture are counted in capture frames from the capture's first frame.
public struct LoopMeasurement: Codable, Sendable, Equatable {
    public static let schemaID = "loopbench/measurement/v1"

    public enum Verdict: String, Codable, Sendable {
        case clean
        case crackle
        case noSignal = "no-signal"
    }

    public struct Tool: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public init(name: String = "loopbench", version: String = LoopbenchVersion.current) {
            self.name = name
            self.version = version
        }
    }

    /// Where the capture came from, and with which settings.
    public struct Source: Codable, Sendable, Equatable {
        /// One of `file`, `sim`, `pulse`, `alsa`, `pipewire`, `jack`, `qemu`.
        public var backend: String
        public var settings: [String: JSONValue]?
        public init(backend: String, settings: [String: JSONValue]? = nil) {
            self.backend = backend
            self.settings = settings
        }
    }

    public struct Stream: Codable, Sendable, Equatable {
        public var path: String?
        public var frames: Int
        public var channels: Int
        public var channelUsed: Int?
        public init(path: String?, frames: Int, channels: Int, channelUsed: Int?) {
            self.path = path
            self.frames = frames
            self.channels = channels
            self.channelUsed = channelUsed
        }
        enum CodingKeys: String, CodingKey {
            case path, frames, channels
            case channelUsed = "channel_used"
        }
    }

    public struct Latency: Codable, Sendable, Equatable {
        public var samples: Double
        public var ms: Double
        public var confidence: Double?
        public init(samples: Double, sampleRate: Int, confidence: Double?) {
            self.samples = samples
            self.ms = samples * 1000 / Double(sampleRate)
            self.confidence = confidence
        }
    }

    public struct Segment: Codable, Sendable, Equatable {
        public var captureStart: Int
        public var captureEnd: Int
        public var delaySamples: Double
        public init(captureStart: Int, captureEnd: Int, delaySamples: Double) {
            self.captureStart = captureStart
            self.captureEnd = captureEnd
            self.delaySamples = delaySamples
        }
        enum CodingKeys: String, CodingKey {
            case captureStart = "capture_start"
            case captureEnd = "capture_end"
            case delaySamples = "delay_samples"
        }
    }

    public var schema: String = LoopMeasurement.schemaID
    public var tool: Tool = Tool()
    public var source: Source?
    public var sampleRate: Int
    public var reference: Stream
    public var capture: Stream
    public var verdict: Verdict
    /// Round-trip delay at the reference's start; nil when the verdict is `no-signal`.
    public var latency: Latency?
    /// Positive when the capture clock runs slow (the delay grows over time).
    public var driftPPM: Double?
    public var snrDB: Double?
    public var gainDB: Double?
    /// 1, -1, or nil when unknown.
    public var polarity: Int?
    public var segments: [Segment]?
    public var events: [Event]
    public var crackles: Int
    public var backendXruns: Int?

    // Extensions beyond the contract (the schema allows extra members).

    /// Why the verdict is what it is, in words, when it is not obvious (for example why no signal was found).
    public var reason: String?
    /// The standard uncertainty of `driftPPM`, in ppm (`drift_uncertainty_ppm`): the drift fit's
    /// standard error (from the tracked windows' own spread, scaled up where they scatter more
    /// than their noise says), and never less than a floor the fit cannot see
    /// (``Analyzer``'s `driftUncertaintyFloorPPM`). Present only with a drift.
    public var driftUncertaintyPPM: Double?
    /// The standard uncertainty of `latency.samples`, in samples (`latency_uncertainty_samples`).
    /// See ``Analyzer``'s `latencyUncertainty` for what it holds. Present only with a latency,
    /// and only where the windows the latency is read from can state one.
    public var latencyUncertaintySamples: Double?
    /// Latency the audio API itself reported for the loop, in frames, when it reports one.
    public var backendReportedLatency: Double?
    /// The card model's ground truth, for `sim` runs.
    public var truth: JSONValue?
    /// Where the latency lives, buffer by buffer (card model), in milliseconds.
    public var latencyBreakdownMS: [String: Double]?
    /// A real QEMU guest's run: command line, the guest's ALSA report, QEMU's trace (`qemu` runs only).
    public var qemu: QEMURun?
    /// The whole run in one line: the latency that held for most of the probe, its range, at
    /// the start and at the end (set by `measure` and `analyze`; see ``Headline``).
    public var headline: Headline?
    /// The backend's xruns set against the discontinuities heard (see ``XrunAccount``).
    public var xrunAccount: XrunAccount?
    /// Every channel checked, with channel-map faults (see ``ChannelCheck``).
    public var channelCheck: ChannelCheck?

    public init(
        source: Source?, sampleRate: Int, reference: Stream, capture: Stream, verdict: Verdict,
        latency: Latency?, driftPPM: Double?, snrDB: Double?, gainDB: Double?, polarity: Int?,
        segments: [Segment]?, events: [Event], backendXruns: Int? = nil, reason: String? = nil
    ) {
        self.source = source
        self.sampleRate = sampleRate
        self.reference = reference
        self.capture = capture
        self.verdict = verdict
        self.latency = latency
        self.driftPPM = driftPPM
        self.snrDB = snrDB
        self.gainDB = gainDB
        self.polarity = polarity
        self.segments = segments
        self.events = events
        self.crackles = events.count
        self.backendXruns = backendXruns
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case schema, tool, source
        case sampleRate = "sample_rate"
        case reference, capture, verdict, latency
        case driftPPM = "drift_ppm"
        case snrDB = "snr_db"
        case gainDB = "gain_db"
        case polarity, segments, events, crackles
        case backendXruns = "backend_xruns"
        case reason
        case driftUncertaintyPPM = "drift_uncertainty_ppm"
        case latencyUncertaintySamples = "latency_uncertainty_samples"
        case backendReportedLatency = "backend_reported_latency_samples"
        case truth
        case latencyBreakdownMS = "latency_breakdown_ms"
        case qemu, headline
        case xrunAccount = "xrun_account"
        case channelCheck = "channel_check"
    }

    /// Encodes every member the contract requires, writing `null` rather than omitting one.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(tool, forKey: .tool)
        try c.encodeIfPresent(source, forKey: .source)
        try c.encode(sampleRate, forKey: .sampleRate)
        try c.encode(reference, forKey: .reference)
        try c.encode(capture, forKey: .capture)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(latency, forKey: .latency)
        try c.encode(driftPPM.map(JSONNumber.init), forKey: .driftPPM)
        try c.encode(snrDB.map(JSONNumber.init), forKey: .snrDB)
        try c.encode(gainDB.map(JSONNumber.init), forKey: .gainDB)
        try c.encode(polarity, forKey: .polarity)
        try c.encodeIfPresent(segments, forKey: .segments)
        try c.encode(events, forKey: .events)
        try c.encode(crackles, forKey: .crackles)
        try c.encode(backendXruns, forKey: .backendXruns)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(driftUncertaintyPPM.map(JSONNumber.init), forKey: .driftUncertaintyPPM)
        try c.encodeIfPresent(latencyUncertaintySamples.map(JSONNumber.init), forKey: .latencyUncertaintySamples)
        try c.encodeIfPresent(backendReportedLatency, forKey: .backendReportedLatency)
        try c.encodeIfPresent(truth, forKey: .truth)
        try c.encodeIfPresent(latencyBreakdownMS, forKey: .latencyBreakdownMS)
        try c.encodeIfPresent(qemu, forKey: .qemu)
        try c.encodeIfPresent(headline, forKey: .headline)
        try c.encodeIfPresent(xrunAccount, forKey: .xrunAccount)
        try c.encodeIfPresent(channelCheck, forKey: .channelCheck)
    }
}

/// A finite number for JSON: NaN and infinities become `null` instead of failing the encoder.
struct JSONNumber: Encodable {
    var value: Double
    init(_ value: Double) { self.value = value }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if value.isFinite { try c.encode(value) } else { try c.encodeNil() }
    }
}

/// A discontinuity in the capture.
///
/// - `gap`: `size` frames were inserted (silence or noise); the delay grows by `size`.
/// - `drop`: `size` frames of the reference are missing; the delay shrinks by `size`.
/// - `repeat`: `size` frames were inserted that copy earlier audio.
/// - `click`: a transient with no change of delay; `size` is its length.
/// Where audio was replaced (silence standing where the signal should be), a `gap` and a
/// `drop` are reported at the same capture frame.
public struct Event: Codable, Sendable, Equatable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case gap, drop, `repeat`, click
    }
    public var kind: Kind
    public var captureSample: Int
    public var timeS: Double
    public var sizeSamples: Int

    public init(kind: Kind, captureSample: Int, sizeSamples: Int, sampleRate: Int) {
        self.kind = kind
        self.captureSample = captureSample
        self.sizeSamples = sizeSamples
        self.timeS = Double(captureSample) / Double(sampleRate)
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case captureSample = "capture_sample"
        case timeS = "time_s"
        case sizeSamples = "size_samples"
    }
}
