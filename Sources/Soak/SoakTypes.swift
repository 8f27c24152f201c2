// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// Something that went wrong during a soak, with its time.
///
/// `kind` is one of the measurement's event kinds (`gap`, `drop`, `repeat`, `click`) or one of
/// the soak's own:
/// - `missing-period`: a period's probe never came back (silence where it should be, or the
///   next period's probe in its place);
/// - `lost-sync`: the capture holds something that is not the probe (the analysis re-locks on
///   the next period it finds);
/// - `stuck`: the capture repeats a short stretch over and over (a ring buffer looping);
/// - `backend-error`: a live chunk the backend failed (a sound server that stopped answering);
///   its periods were not heard.
public struct SoakEvent: Codable, Sendable, Equatable {
    public var kind: String
    /// Seconds into the run (the run's audio timeline: see ``SoakReport/timeline``).
    public var timeS: Double
    /// The same time in frames of the run's timeline.
    public var runFrame: Int
    /// Wall-clock time (ISO 8601, UTC) when the audio was captured, for live runs.
    public var wallClock: String?
    public var sizeSamples: Int
    /// When the place is known only to within a stretch: a latency step found between two
    /// periods happened somewhere in the separator's silence, at most this many frames after `runFrame`.
    public var placeUncertaintySamples: Int?
    /// The round-trip latency in ms at that moment (the period's), when known.
    public var latencyMS: Double?
    /// The backend's own xrun count at that moment (the count of the chunk it fell in, for live runs).
    public var backendXruns: Int?
    /// Live runs: how long after the audio was captured the event was known (and printed), s.
    public var reportedAfterS: Double?
    /// The period it fell in.
    public var period: Int
    public var detail: String?

    public init(kind: String, runFrame: Int, sampleRate: Int, sizeSamples: Int, period: Int, latencyMS: Double?, detail: String? = nil) {
        self.kind = kind
        self.runFrame = runFrame
        self.timeS = Double(runFrame) / Double(sampleRate)
        self.sizeSamples = sizeSamples
        self.period = period
        self.latencyMS = latencyMS
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case timeS = "time_s"
        case runFrame = "run_frame"
        case wallClock = "wall_clock"
        case sizeSamples = "size_samples"
        case placeUncertaintySamples = "place_uncertainty_samples"
        case latencyMS = "latency_ms"
        case backendXruns = "backend_xruns"
        case reportedAfterS = "reported_after_s"
        case period, detail
    }

    /// The soak's own kinds, beyond the measurement's.
    public static let soakKinds = ["missing-period", "lost-sync", "stuck", "backend-error"]
}

/// One analysed period: the time series of a soak.
public struct PeriodPoint: Codable, Sendable, Equatable {
    public var period: Int
    /// Seconds into the run at which the period's probe was played.
    public var timeS: Double
    /// Round-trip latency at the probe's start, in ms; nil when the probe was not found.
    public var latencyMS: Double?
    /// `clean`, `crackle`, `missing-period`, `lost-sync` or `stuck`.
    public var verdict: String
    public var events: Int
    enum CodingKeys: String, CodingKey {
        case period
        case timeS = "time_s"
        case latencyMS = "latency_ms"
        case verdict, events
    }
}

/// What the machine was doing, sampled beside the audio.
public struct MachineSample: Codable, Sendable, Equatable {
    public var timeS: Double
    /// Busy share of all CPUs since the previous sample, 0…1 (`/proc/stat`).
    public var cpuLoad: Double?
    /// The worst lateness of the soak's own periodic wake-ups since the previous sample, ms.
    public var schedDelayMaxMS: Double?
    /// The backend's reported latency at that time (of the chunk that was running), ms.
    public var backendLatencyMS: Double?
    enum CodingKeys: String, CodingKey {
        case timeS = "time_s"
        case cpuLoad = "cpu_load"
        case schedDelayMaxMS = "sched_delay_max_ms"
        case backendLatencyMS = "backend_latency_ms"
    }
}
