// SPDX-License-Identifier: GPL-2.0-or-later
import AudioFile
import Foundation
import LoopbenchCore
import Stimulus

/// A live soak: plays the periodic probe through a loop chunk by chunk and analyses each chunk
/// as soon as it is captured, for as long as asked or until stopped.
///
/// Loops play a whole stimulus and hand back its capture (``AudioLoop/run(stimulus:)``), so a
/// soak is a run of chunks of whole periods (default 5 s) back to back: an event is known at
/// most one chunk after it was captured, and the moments between two chunks (the streams
/// being closed and opened again, tens of ms) are not listened to. On the card model
/// every chunk is a fresh run with the next seed, and the timeline is the simulated audio's.
public enum SoakRunner {
    public struct Options: Sendable {
        public var durationSeconds: Double
        public var chunkSeconds: Double = defaultChunkSeconds
        public var saveCapture: String?
        public var aroundSeconds: Double = 0
        public var clipDirectory: String?
        public var channel: Int?
        public init(durationSeconds: Double) { self.durationSeconds = durationSeconds }
    }

    /// Five seconds per chunk: an event is printed at most ~5 s after it happened, and the
    /// stream restart between chunks (tens of ms on PulseAudio) leaves ≥ 98 % of the time covered.
    public static let defaultChunkSeconds = 5.0

    /// A backend that fails three chunks in a row (~20 s) is gone, not hiccuping: the soak ends.
    public static let maxFailuresInARow = 3

    public struct Status: Sendable {
        public var elapsedS: Double
        public var runS: Double
        public var totalS: Double
        public var latencyMS: Double?
        public var minMS: Double?
        public var maxMS: Double?
        public var events: Int
    }

    /// Runs the soak. `makeLoop(c)` builds the loop of chunk `c` (the card model takes a new
    /// seed per chunk). A chunk the backend fails (a server that stopped answering) is a
    /// `backend-error` event and the soak goes on; three in a row end it, and the report so far
    /// comes back with the failure.
    public static func run(makeLoop: (Int) throws(LoopbenchError) -> any AudioLoop, probe spec: PeriodicProbe, options: Options,
                           shouldStop: () -> Bool, onEvent: (SoakEvent) -> Void, onStatus: (Status) -> Void)
        throws(LoopbenchError) -> (report: SoakReport, failure: LoopbenchError?) {
        let first = try makeLoop(0)
        var probe = spec
        probe.spec.sampleRate = first.sampleRate
        try probe.validate()
        let probes = probe.probes()
        let rate = probe.sampleRate, P = probe.periodFrames
        let audioTimeline = first.backend == "sim"
        let chunkPeriods = max(1, Int((options.chunkSeconds / probe.periodSeconds).rounded()))
        let totalPeriods = max(1, Int((options.durationSeconds / probe.periodSeconds).rounded(.up)))
        let log = SoakLog(probe: probe, backend: first.backend, settings: first.effectiveSettings, timeline: audioTimeline ? "audio" : "wall")
        log.captureChannels = first.channels
        let t0 = ProgressLine.now()
        let sampler = audioTimeline ? nil : MachineSampler(t0: t0)
        sampler?.start()
        let writer = try options.saveCapture.map { p throws(LoopbenchError) in try SoundFile.Writer(path: p, sampleRate: rate, channels: first.channels) }
        if let p = options.saveCapture { log.capturePath = p }
        let clips = ClipKeeper(log: log, sampleRate: rate, directory: options.clipDirectory, aroundSeconds: options.aroundSeconds)
        var failure: LoopbenchError?
        var audioFrames = 0, xruns: Int? = nil
        var donePeriods = 0, c = 0, failuresInARow = 0
        while donePeriods < totalPeriods {
            if shouldStop() { log.interrupted = true; break }
            let n = min(chunkPeriods, totalPeriods - donePeriods)
            let loop: any AudioLoop
            do { loop = c == 0 ? first : try makeLoop(c) } catch { failure = error; break }
            let mono = PeriodicProbe.frames(probes, periodFrames: P, start: donePeriods * P, count: n * P)
            let tStart = ProgressLine.now(), wallStart = Date()
            let got: LoopCapture
            do {
                got = try loop.run(stimulus: AudioBuffer(sampleRate: rate, channels: Array(repeating: mono, count: loop.channels)))
                failuresInARow = 0
            } catch {
                // A sound server that stops answering for a moment is what a soak hunts: an
                // event with its time, and the soak goes on with the next chunk. Only a backend
                // failing chunk after chunk ends it.
                failuresInARow += 1
                let at = audioTimeline ? donePeriods * P : Int(((tStart - t0) * Double(rate)).rounded())
                var e = SoakEvent(kind: "backend-error", runFrame: at, sampleRate: rate, sizeSamples: n * P, period: donePeriods,
                                  latencyMS: log.series.last?.latencyMS, detail: "chunk of periods \(donePeriods)–\(donePeriods + n - 1) lost: \(error.description)")
                e.wallClock = SoakLog.iso(wallStart)
                e.backendXruns = xruns
                onEvent(log.addEvent(e))
                if failuresInARow >= Self.maxFailuresInARow { failure = error; break }
                donePeriods += n
                c += 1
                log.durationS = audioTimeline ? Double(donePeriods * P) / Double(rate) : ProgressLine.now() - t0
                continue
            }
            // The card model's timeline is the probe's schedule (chunk after chunk, without the capture tails).
            let runOffset = audioTimeline ? donePeriods * P : Int(((tStart - t0) * Double(rate)).rounded())
            if let x = got.backendXruns { xruns = (xruns ?? 0) + x }
            let reported: Double? = got.reportedLatencyFrames.map { $0 * 1000 / Double(rate) }
            let chunkRecord = SoakReport.Chunk(startS: Double(runOffset) / Double(rate), seconds: Double(got.capture.frames) / Double(rate),
                                               backendXruns: got.backendXruns, reportedLatencyMS: reported, notes: got.notes.isEmpty ? nil : got.notes,
                                               captureFileStart: writer == nil ? nil : audioFrames,
                                               truthEvents: truthEvents(got.truth, runOffset: runOffset, sampleRate: rate))
            log.chunks.append(chunkRecord)
            let stream = SoakStream(probe: probe, probes: probes, runOffset: runOffset, firstPeriod: donePeriods,
                                    channel: options.channel ?? log.channelUsed, historySeconds: max(2, options.aroundSeconds + 1))
            let outcomes = stream.append(got.capture.channels) + stream.finish()
            let analysed = Date()
            for o in outcomes {
                let kept = log.add(o)
                for (i, e) in kept {
                    let at = audioTimeline ? analysed : wallStart.addingTimeInterval(Double(e.runFrame - runOffset) / Double(rate))
                    log.annotate(i, wallClock: SoakLog.iso(at), backendXruns: xruns, reportedAfterS: audioTimeline ? nil : analysed.timeIntervalSince(at))
                    onEvent(log.events[i])
                }
                clips.request(kept, from: stream)
            }
            try clips.write(stream.readyClips(final: true), stream: stream)
            log.channelUsed = stream.channelUsed ?? log.channelUsed
            try writer?.append(got.capture.channels)
            audioFrames += got.capture.frames
            log.capturedFrames = audioFrames
            donePeriods += n
            c += 1
            log.durationS = audioTimeline ? Double(donePeriods * P) / Double(rate) : ProgressLine.now() - t0
            let lat = log.latenciesMS
            onStatus(Status(elapsedS: ProgressLine.now() - t0, runS: log.durationS, totalS: options.durationSeconds,
                            latencyMS: log.series.last?.latencyMS, minMS: lat.min(), maxMS: lat.max(), events: log.events.count))
        }
        if let failure { log.notes.append("the soak stopped early: \(failure.description)") }
        log.machine = attachBackendLatency(sampler?.finish() ?? [], chunks: log.chunks)
        try writer?.finish()
        return (log.report(), failure)
    }

    /// The card model's truth events, moved onto the run's timeline.
    public static func truthEvents(_ truth: JSONValue?, runOffset: Int, sampleRate: Int) -> [Event]? {
        struct Truth: Decodable { var events: [Event] }
        guard let truth, let data = try? JSONCoding.encode(truth, pretty: false),
              let t = try? JSONDecoder().decode(Truth.self, from: data) else { return nil }
        return t.events.map { Event(kind: $0.kind, captureSample: $0.captureSample + runOffset, sizeSamples: $0.sizeSamples, sampleRate: sampleRate) }
    }

    /// The backend's reported latency of the chunk each machine sample fell in.
    static func attachBackendLatency(_ samples: [MachineSample], chunks: [SoakReport.Chunk]) -> [MachineSample] {
        samples.map { s in
            var s = s
            s.backendLatencyMS = chunks.last { $0.startS <= s.timeS && s.timeS <= $0.startS + $0.seconds }?.reportedLatencyMS
            return s
        }
    }
}
