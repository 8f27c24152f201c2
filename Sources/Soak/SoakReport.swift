// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// A soak's JSON: a measurement (`schemas/measurement.schema.json`, every member at the top
/// level, so any measurement reader reads it) with one extra member, `soak`, holding the run's
/// summary, its time series, its events with times and the machine's samples.
public struct SoakReport: Codable, Sendable, Equatable {
    public var measurement: LoopMeasurement
    public var soak: Soak

    public struct Soak: Codable, Sendable, Equatable {
        public var summary: Summary
        /// One point per period.
        public var series: [PeriodPoint]
        public var events: [SoakEvent]
        public var machine: [MachineSample]
        /// Stretches played and captured in one go (live runs are made of chunks).
        public var chunks: [Chunk]
        /// Short waveforms around the worst events, for the report.
        public var clips: [Clip]
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var backend: String
        /// `audio`: times count captured audio (offline files, the card model); `wall`: times
        /// count wall-clock seconds from the start of the run (real backends; the moments
        /// between chunks, when no audio was captured, are not covered).
        public var timeline: String
        public var startedAt: String
        public var durationS: Double
        /// Seconds of run time covered by analysed periods.
        public var coveredS: Double
        public var periodSeconds: Double
        public var separatorSeconds: Double
        public var periods: Int
        public var periodsFound: Int
        public var eventsByKind: [String: Int]
        public var eventsPerMinute: Double
        public var latencyMS: Percentiles?
        /// True when the run was ended early (Ctrl-C); the report holds everything up to then.
        public var interrupted: Bool
        public var backendXruns: Int?
        public var maxSchedDelayMS: Double?
        enum CodingKeys: String, CodingKey {
            case backend, timeline
            case startedAt = "started_at"
            case durationS = "duration_s"
            case coveredS = "covered_s"
            case periodSeconds = "period_s"
            case separatorSeconds = "separator_s"
            case periods
            case periodsFound = "periods_found"
            case eventsByKind = "events_by_kind"
            case eventsPerMinute = "events_per_minute"
            case latencyMS = "latency_ms"
            case interrupted
            case backendXruns = "backend_xruns"
            case maxSchedDelayMS = "max_sched_delay_ms"
        }
    }

    public struct Percentiles: Codable, Sendable, Equatable {
        public var min: Double, p50: Double, p95: Double, p99: Double, max: Double
        public init?(_ xs: [Double]) {
            guard !xs.isEmpty else { return nil }
            let s = xs.sorted()
            func q(_ p: Double) -> Double { s[Swift.min(s.count - 1, Int((p * Double(s.count - 1)).rounded()))] }
            min = s[0]; p50 = q(0.5); p95 = q(0.95); p99 = q(0.99); max = s[s.count - 1]
        }
    }

    public struct Chunk: Codable, Sendable, Equatable {
        public var startS: Double
        public var seconds: Double
        public var backendXruns: Int?
        public var reportedLatencyMS: Double?
        public var notes: [String]?
        /// Where the chunk's capture starts in the `--save-capture` file (chunks are written back to back, tails included).
        public var captureFileStart: Int?
        /// The card model's own log of the chunk's discontinuities (sim only), on the run's timeline:
        /// what the soak should have found.
        public var truthEvents: [Event]?
        /// A real guest's QEMU trace while the chunk's audio played (qemu, HDA only): every
        /// late tick of QEMU's audio timer (`audio_timer_delayed`) and every overrun of the
        /// HDA codec's ring (`hda_audio_overrun`), at its time on the run's timeline: what
        /// QEMU itself saw go wrong, beside what the soak heard. (`time_s` on the run's
        /// timeline, `capture_sample` in the chunk's own capture, or in the stream's for a
        /// stretch of one.)
        public var qemuTrace: [QEMURun.TraceEvent]?
        public init(startS: Double, seconds: Double, backendXruns: Int?, reportedLatencyMS: Double?, notes: [String]?,
                    captureFileStart: Int? = nil, truthEvents: [Event]? = nil) {
            self.captureFileStart = captureFileStart
            self.truthEvents = truthEvents
            self.startS = startS
            self.seconds = seconds
            self.backendXruns = backendXruns
            self.reportedLatencyMS = reportedLatencyMS
            self.notes = notes
        }
        enum CodingKeys: String, CodingKey {
            case startS = "start_s"
            case seconds
            case backendXruns = "backend_xruns"
            case reportedLatencyMS = "reported_latency_ms"
            case notes
            case captureFileStart = "capture_file_start"
            case truthEvents = "truth_events"
            case qemuTrace = "qemu_trace"
        }
    }

    /// A stretch of capture (the channel analysed) around an event.
    public struct Clip: Codable, Sendable, Equatable {
        public var event: Int
        public var startS: Double
        public var sampleRate: Int
        public var samples: [Float]
        enum CodingKeys: String, CodingKey {
            case event
            case startS = "start_s"
            case sampleRate = "sample_rate"
            case samples
        }
    }

    public init(measurement: LoopMeasurement, soak: Soak) {
        self.measurement = measurement
        self.soak = soak
    }

    enum SoakKey: String, CodingKey { case soak }

    public func encode(to encoder: any Encoder) throws {
        try measurement.encode(to: encoder)
        var c = encoder.container(keyedBy: SoakKey.self)
        try c.encode(soak, forKey: .soak)
    }

    public init(from decoder: any Decoder) throws {
        measurement = try LoopMeasurement(from: decoder)
        soak = try decoder.container(keyedBy: SoakKey.self).decode(Soak.self, forKey: .soak)
    }
}
