// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Stimulus

/// Everything a soak found so far, from one or more streams: the series, the events, the
/// chunks, the machine's samples and a few clips. It grows by a few hundred bytes per period
/// (and per event), never with the audio.
public final class SoakLog {
    public let probe: PeriodicProbe
    public let backend: String
    public let settings: [String: JSONValue]?
    public let timeline: String
    public let startedAt: Date
    public let referencePath: String?
    public var capturePath: String?
    public private(set) var series: [PeriodPoint] = []
    public private(set) var events: [SoakEvent] = []
    public var machine: [MachineSample] = []
    public var chunks: [SoakReport.Chunk] = []
    public private(set) var clips: [SoakReport.Clip] = []
    public var capturedFrames = 0
    public var captureChannels = 1
    public var channelUsed: Int?
    public var durationS = 0.0
    public var interrupted = false
    public var notes: [String] = []

    /// Waveform kept per minute with events (the first event's), ±50 ms: enough to see a gap or a
    /// click, small enough that an hour of clips stays under a few MB.
    public static let clipHalfSeconds = 0.05
    /// At most this many clips are kept (the report shows the worst minutes').
    public static let maxClips = 120
    /// Events beyond this many are counted but not kept one by one (a loop broken for an hour
    /// would otherwise fill memory with a million identical lines).
    public static let maxEventsKept = 100_000
    public private(set) var eventsNotKept = 0
    var clipMinutes = Set<Int>()

    public init(probe: PeriodicProbe, backend: String, settings: [String: JSONValue]?, timeline: String, referencePath: String? = nil, startedAt: Date = Date()) {
        self.probe = probe
        self.backend = backend
        self.settings = settings
        self.timeline = timeline
        self.referencePath = referencePath
        self.startedAt = startedAt
    }

    /// Adds one period's outcome; returns the events as kept (numbered by their index in `events`).
    @discardableResult
    public func add(_ o: SoakStream.Outcome) -> [(index: Int, event: SoakEvent)] {
        series.append(o.point)
        var out: [(Int, SoakEvent)] = []
        for e in o.events {
            if events.count >= Self.maxEventsKept { eventsNotKept += 1; continue }
            events.append(e)
            out.append((events.count - 1, e))
        }
        return out
    }

    /// Whether event `index` should get a waveform clip (the first of its minute, while room is left).
    /// Adds an event that belongs to no period's analysis (a chunk the backend failed); returns it.
    public func addEvent(_ e: SoakEvent) -> SoakEvent {
        if events.count >= Self.maxEventsKept { eventsNotKept += 1 } else { events.append(e) }
        return e
    }

    /// Adds what is known of event `index` only once its chunk is done.
    public func annotate(_ index: Int, wallClock: String?, backendXruns: Int?, reportedAfterS: Double?) {
        events[index].wallClock = wallClock
        events[index].backendXruns = backendXruns
        events[index].reportedAfterS = reportedAfterS
    }

    public func wantsClip(_ index: Int) -> Bool {
        let minute = Int(events[index].timeS / 60)
        guard clipMinutes.count < Self.maxClips, !clipMinutes.contains(minute) else { return false }
        clipMinutes.insert(minute)
        return true
    }

    public func addClip(_ clip: SoakReport.Clip) {
        if clips.count < Self.maxClips { clips.append(clip) }
    }

    public var latenciesMS: [Double] { series.compactMap(\.latencyMS) }

    /// The report of everything so far.
    public func report() -> SoakReport {
        let rate = probe.sampleRate
        let found = series.filter { $0.latencyMS != nil }
        var byKind: [String: Int] = [:]
        for e in events { byKind[e.kind, default: 0] += 1 }
        let total = events.count + eventsNotKept
        let lat = SoakReport.Percentiles(latenciesMS)
        let xruns = chunks.compactMap(\.backendXruns)
        let summary = SoakReport.Summary(
            backend: backend, timeline: timeline, startedAt: Self.iso(startedAt), durationS: durationS,
            coveredS: Double(series.count) * probe.periodSeconds, periodSeconds: probe.periodSeconds, separatorSeconds: probe.separatorSeconds,
            periods: series.count, periodsFound: found.count, eventsByKind: byKind,
            eventsPerMinute: durationS > 0 ? Double(total) / (durationS / 60) : 0, latencyMS: lat, interrupted: interrupted,
            backendXruns: xruns.isEmpty ? nil : xruns.reduce(0, +),
            maxSchedDelayMS: machine.compactMap(\.schedDelayMaxMS).max())
        let audio = events.compactMap { e -> Event? in
            guard let k = Event.Kind(rawValue: e.kind) else { return nil }
            return Event(kind: k, captureSample: e.runFrame, sizeSamples: e.sizeSamples, sampleRate: rate)
        }
        let medianMS = Stats.median(latenciesMS)
        var reasons: [String] = []
        let soakOnly = events.filter { Event.Kind(rawValue: $0.kind) == nil }
        if !soakOnly.isEmpty {
            reasons.append("\(soakOnly.count) period(s) without the probe (" + SoakEvent.soakKinds.compactMap { k in byKind[k].map { "\($0) \(k)" } }.joined(separator: ", ") + "); see soak.events")
        }
        if eventsNotKept > 0 { reasons.append("\(eventsNotKept) more events counted but not listed") }
        if interrupted { reasons.append("the soak was ended early (interrupted); this report covers the run up to then") }
        reasons += notes
        let verdict: LoopMeasurement.Verdict = found.isEmpty ? .noSignal : (total == 0 ? .clean : .crackle)
        if found.isEmpty { reasons.insert("no period's probe was found in the capture", at: 0) }
        var m = LoopMeasurement(
            source: .init(backend: backend, settings: settings), sampleRate: rate,
            reference: .init(path: referencePath, frames: probe.periodFrames, channels: 1, channelUsed: nil),
            capture: .init(path: capturePath, frames: capturedFrames, channels: captureChannels, channelUsed: channelUsed),
            verdict: verdict,
            latency: verdict == .noSignal ? nil : medianMS.map { .init(samples: $0 * Double(rate) / 1000, sampleRate: rate, confidence: nil) },
            driftPPM: nil, snrDB: nil, gainDB: nil, polarity: nil, segments: nil,
            events: verdict == .noSignal ? [] : audio, backendXruns: summary.backendXruns,
            reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
        m.backendReportedLatency = Stats.median(chunks.compactMap(\.reportedLatencyMS)).map { $0 * Double(rate) / 1000 }
        return SoakReport(measurement: m, soak: .init(summary: summary, series: series, events: events, machine: machine, chunks: chunks, clips: clips))
    }

    public static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }
}
