// SPDX-License-Identifier: GPL-2.0-or-later
import AudioFile
import Foundation
import LoopbenchCore
import Stimulus

/// A live soak: plays the periodic probe through a loop and analyses it as it is captured, for
/// as long as asked or until stopped.
///
/// A loop that streams (``StreamingAudioLoop``: PulseAudio, ALSA, a real guest) is listened to
/// as one unbroken stream (``runStreamed``). Any other loop (the card model), or any loop with
/// `--chunk`, plays whole stimuli and hands back their capture (``AudioLoop/run(stimulus:)``),
/// so the soak is a run of chunks of whole periods (default 5 s) back to back: an event is
/// known at most one chunk after it was captured, and the moments between two chunks (the
/// streams being closed and opened again, tens of ms) are not listened to. On the card model
/// every chunk is a fresh run with the next seed, and the timeline is the simulated audio's.
public enum SoakRunner {
    public struct Options: Sendable {
        public var durationSeconds: Double
        public var chunkSeconds: Double = defaultChunkSeconds
        public var saveCapture: String?
        public var aroundSeconds: Double = 0
        public var clipDirectory: String?
        public var channel: Int?
        /// Listen to one unbroken stream on a loop that can stream (``StreamingAudioLoop``:
        /// PulseAudio, ALSA, a real guest) instead of chunks; off, or on any other loop, chunks
        /// are played.
        public var stream = true
        /// Play and analyse a deterministic loop's chunks two at a time on two cores
        /// (``runInPairs``); off, one after another (the results are the same).
        public var pairs = true
        /// On a deterministic loop, a capture stretch seen before bit for bit is answered from
        /// the analyzer's (and the probe locator's) earlier answer for it (``AnalysisMemo``);
        /// nil, or on any other loop, everything is measured (the results are the same).
        public var memo: AnalysisMemo? = AnalysisMemo()
        public init(durationSeconds: Double) { self.durationSeconds = durationSeconds }
    }

    /// Five seconds per chunk: an event is printed at most ~5 s after it happened, and the
    /// stream restart between chunks (tens of ms on PulseAudio) leaves ≥ 98 % of the time covered.
    public static let defaultChunkSeconds = 5.0

    /// A loop that costs `startupSeconds` before every run (a real guest's boot) plays chunks
    /// this many times as long: three quarters of the soak's time is then heard, and an event
    /// is printed at most about one chunk after it was captured.
    public static let chunksPerStartup = 3.0

    /// The chunk a soak on a loop of `capabilities` plays when none is asked for:
    /// ``defaultChunkSeconds``, or ``chunksPerStartup`` times a run's startup (30 s on QEMU).
    public static func defaultChunkSeconds(for capabilities: LoopCapabilities) -> Double {
        max(defaultChunkSeconds, chunksPerStartup * capabilities.startupSeconds)
    }

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
        let session = try Session(first: first, probe: probe, options: options)
        let chunkPeriods = max(1, Int((options.chunkSeconds / probe.periodSeconds).rounded()))
        let totalPeriods = max(1, Int((options.durationSeconds / probe.periodSeconds).rounded(.up)))
        if options.stream, let streaming = first as? any StreamingAudioLoop {
            let failure = runStreamed(streaming, makeLoop: makeLoop, session: session, totalPeriods: totalPeriods,
                                      shouldStop: shouldStop, onEvent: onEvent, onStatus: onStatus)
            return (try session.finish(failure), failure)
        }
        if options.pairs, first.capabilities.deterministic, first.capabilities.parallelSafe, ProcessInfo.processInfo.activeProcessorCount >= 2 {
            let failure = try runInPairs(first: first, makeLoop: makeLoop, session: session, chunkPeriods: chunkPeriods, totalPeriods: totalPeriods,
                                         shouldStop: shouldStop, onEvent: onEvent, onStatus: onStatus)
            return (try session.finish(failure), failure)
        }
        var failure: LoopbenchError?
        var c = 0, failuresInARow = 0
        while session.donePeriods < totalPeriods {
            if shouldStop() { session.log.interrupted = true; break }
            let n = min(chunkPeriods, totalPeriods - session.donePeriods)
            let loop: any AudioLoop
            do { loop = c == 0 ? first : try makeLoop(c) } catch { failure = error; break }
            let mono = PeriodicProbe.frames(session.probes, periodFrames: probe.periodFrames, start: session.donePeriods * probe.periodFrames, count: n * probe.periodFrames)
            let tStart = ProgressLine.now(), wallStart = Date()
            c += 1
            do {
                let got = try loop.run(stimulus: AudioBuffer(sampleRate: probe.sampleRate, channels: Array(repeating: mono, count: loop.channels)))
                failuresInARow = 0
                try session.analyse(got, periods: n, started: tStart, wallStart: wallStart, onEvent: onEvent)
            } catch where error.kind != .io {
                // A sound server that stops answering for a moment is what a soak hunts: an
                // event with its time, and the soak goes on with the next chunk. Only a backend
                // failing chunk after chunk ends it.
                failuresInARow += 1
                onEvent(session.failed(error, periods: n, started: tStart, wallStart: wallStart))
                if failuresInARow >= Self.maxFailuresInARow { failure = error; break }
                continue
            }
            onStatus(session.status)
        }
        return (try session.finish(failure), failure)
    }

    /// One chunk of a deterministic loop, played and analysed on a thread of its own: it touches
    /// only its own loop and result, and of the session only what never changes
    /// (``Session/analysed(_:firstPeriod:runOffset:state:)``).
    final class PairJob: @unchecked Sendable {
        let loop: any AudioLoop
        let session: Session
        let firstPeriod: Int, periods: Int
        let state: Session.StreamState
        var result: Result<(LoopCapture, SoakStream, [SoakStream.Outcome]), LoopbenchError>?

        init(loop: any AudioLoop, session: Session, firstPeriod: Int, periods: Int, state: Session.StreamState) {
            (self.loop, self.session, self.firstPeriod, self.periods, self.state) = (loop, session, firstPeriod, periods, state)
        }

        func run() {
            let p = session.probe
            let mono = PeriodicProbe.frames(session.probes, periodFrames: p.periodFrames, start: firstPeriod * p.periodFrames, count: periods * p.periodFrames)
            do {
                let got = try loop.run(stimulus: AudioBuffer(sampleRate: p.sampleRate, channels: Array(repeating: mono, count: loop.channels)))
                let (stream, outcomes) = session.analysed(got, firstPeriod: firstPeriod, runOffset: firstPeriod * p.periodFrames, state: state)
                result = .success((got, stream, outcomes))
            } catch {
                result = .failure(error)
            }
        }
    }

    /// The chunks of a deterministic loop (the card model, on the audio timeline) two at a time,
    /// each pair played and analysed on two threads, then logged in order: twice as fast on two
    /// cores, with the same results as one after another. Both start from the state the chunks
    /// before left (``Session/StreamState``); when the first leaves another, the second's
    /// capture is analysed again from that one.
    static func runInPairs(first: any AudioLoop, makeLoop: (Int) throws(LoopbenchError) -> any AudioLoop, session: Session,
                           chunkPeriods: Int, totalPeriods: Int, shouldStop: () -> Bool, onEvent: (SoakEvent) -> Void,
                           onStatus: (Status) -> Void) throws(LoopbenchError) -> LoopbenchError? {
        var c = 0, failuresInARow = 0
        let P = session.probe.periodFrames
        while session.donePeriods < totalPeriods {
            if shouldStop() { session.log.interrupted = true; break }
            let state = session.streamState
            var jobs: [PairJob] = []
            var start = session.donePeriods
            while jobs.count < 2 && start < totalPeriods {
                let n = min(chunkPeriods, totalPeriods - start)
                let loop: any AudioLoop
                do { loop = c == 0 ? first : try makeLoop(c) } catch { return error }
                jobs.append(PairJob(loop: loop, session: session, firstPeriod: start, periods: n, state: state))
                c += 1
                start += n
            }
            let group = DispatchGroup()
            for job in jobs {
                group.enter()
                let t = Thread {
                    job.run()
                    group.leave()
                }
                t.stackSize = 8 << 20
                t.start()
            }
            group.wait()
            for job in jobs {
                switch job.result {
                case .success(let (got, stream0, outcomes0)):
                    failuresInARow = 0
                    var (stream, outcomes) = (stream0, outcomes0)
                    if session.streamState != job.state {
                        (stream, outcomes) = session.analysed(got, firstPeriod: job.firstPeriod, runOffset: job.firstPeriod * P, state: session.streamState)
                    }
                    try session.record(got, stream, outcomes, periods: job.periods, runOffset: job.firstPeriod * P, wallStart: Date(), onEvent: onEvent)
                case .failure(let error) where error.kind != .io:
                    // As one after another: the chunk is a `backend-error` event; three in a row end the soak.
                    failuresInARow += 1
                    onEvent(session.failed(error, periods: job.periods, started: ProgressLine.now(), wallStart: Date()))
                    if failuresInARow >= Self.maxFailuresInARow { return error }
                case .failure(let error):
                    throw error
                case nil:
                    return LoopbenchError(.internalError, "soak", "a chunk's thread ended without a result")
                }
                onStatus(session.status)
            }
        }
        return nil
    }

    /// What a live soak carries from chunk to chunk.
    final class Session {
        let log: SoakLog
        let probe: PeriodicProbe
        let probes: [[Float]]
        let options: Options
        let audioTimeline: Bool
        let t0 = ProgressLine.now()
        /// `t0` on the wall clock: a stream says when its audio started as a date.
        let wallT0 = Date()
        let sampler: MachineSampler?
        let writer: SoundFile.Writer?
        let clips: ClipKeeper
        var donePeriods = 0, audioFrames = 0
        var xruns: Int?
        /// The fast path's refusals in a row, carried from chunk to chunk (``SoakStream/fastRefusedInARow``).
        var fastRefusedInARow = 0
        /// The analyzer's answers for windows seen before, on a deterministic loop (``AnalysisMemo``).
        let memo: AnalysisMemo?

        init(first: any AudioLoop, probe: PeriodicProbe, options: Options) throws(LoopbenchError) {
            self.probe = probe
            self.options = options
            probes = probe.probes()
            // A deterministic loop (the card model) runs in simulated time, not on the wall clock.
            audioTimeline = first.capabilities.deterministic
            memo = first.capabilities.deterministic ? options.memo : nil
            log = SoakLog(probe: probe, backend: first.backend, settings: first.effectiveSettings, timeline: audioTimeline ? "audio" : "wall")
            log.captureChannels = first.channels
            log.capturePath = options.saveCapture
            writer = try options.saveCapture.map { p throws(LoopbenchError) in try SoundFile.Writer(path: p, sampleRate: probe.sampleRate, channels: first.channels) }
            clips = ClipKeeper(log: log, sampleRate: probe.sampleRate, directory: options.clipDirectory, aroundSeconds: options.aroundSeconds)
            sampler = audioTimeline ? nil : MachineSampler(t0: t0)
            sampler?.start()
        }

        var rate: Int { probe.sampleRate }

        /// Where a chunk started on the run's timeline: the probe's schedule on the card model
        /// (chunk after chunk, without the capture tails), wall-clock time otherwise.
        func runOffset(started: Double) -> Int {
            audioTimeline ? donePeriods * probe.periodFrames : Int(((started - t0) * Double(rate)).rounded())
        }

        /// What a chunk's analysis starts from and carries to the next: the channel to use and
        /// the fast path's refusals in a row, counted only up to ``SoakStream/fastGiveUp`` (no
        /// count above it behaves differently), so that two chunks that leave it alike compare equal.
        struct StreamState: Equatable {
            var channel: Int?
            var fastRefusedInARow: Int
        }

        var streamState: StreamState {
            StreamState(channel: options.channel ?? log.channelUsed, fastRefusedInARow: min(fastRefusedInARow, SoakStream.fastGiveUp))
        }

        /// Analyses one chunk's capture and logs what it found.
        func analyse(_ got: LoopCapture, periods n: Int, started run: Double, wallStart runWall: Date, onEvent: (SoakEvent) -> Void) throws(LoopbenchError) {
            // A loop whose audio starts well after `run` was called (a guest boots first) says when.
            let late = max(0, got.audioStartedAt?.timeIntervalSince(runWall) ?? 0)
            let started = run + late, wallStart = runWall.addingTimeInterval(late)
            let runOffset = runOffset(started: started)
            let (stream, outcomes) = analysed(got, firstPeriod: donePeriods, runOffset: runOffset, state: streamState)
            try record(got, stream, outcomes, periods: n, runOffset: runOffset, wallStart: wallStart, onEvent: onEvent)
        }

        /// A chunk's capture analysed from `state`, its periods numbered from `firstPeriod` and
        /// its frame 0 at `runOffset`: the stream and its outcomes. Reads nothing of the
        /// session that changes, so the next chunk of a deterministic loop can be analysed
        /// while this one is (``SoakRunner/runInPairs``).
        func analysed(_ got: LoopCapture, firstPeriod: Int, runOffset: Int, state: StreamState) -> (SoakStream, [SoakStream.Outcome]) {
            let stream = makeStream(runOffset: runOffset, firstPeriod: firstPeriod, state: state)
            let outcomes = stream.append(got.capture.channels) + stream.finish()
            return (stream, outcomes)
        }

        /// A stream for the periods from ``donePeriods`` on, its frame 0 at `runOffset`.
        func makeStream(runOffset: Int) -> SoakStream { makeStream(runOffset: runOffset, firstPeriod: donePeriods, state: streamState) }

        func makeStream(runOffset: Int, firstPeriod: Int, state: StreamState) -> SoakStream {
            let stream = SoakStream(probe: probe, probes: probes, runOffset: runOffset, firstPeriod: firstPeriod,
                                    channel: state.channel, historySeconds: max(2, options.aroundSeconds + 1))
            stream.fastRefusedInARow = state.fastRefusedInARow
            memo?.use(probes: probes)
            stream.memo = memo
            return stream
        }

        /// Logs an analysed chunk: its note, its events (printed), its clips and its audio.
        func record(_ got: LoopCapture, _ stream: SoakStream, _ outcomes: [SoakStream.Outcome], periods n: Int, runOffset: Int, wallStart: Date,
                    onEvent: (SoakEvent) -> Void) throws(LoopbenchError) {
            if let x = got.backendXruns { xruns = (xruns ?? 0) + x }
            log.chunks.append(SoakReport.Chunk(startS: Double(runOffset) / Double(rate), seconds: Double(got.capture.frames) / Double(rate),
                                               backendXruns: got.backendXruns, reportedLatencyMS: got.reportedLatencyFrames.map { $0 * 1000 / Double(rate) },
                                               notes: got.notes.isEmpty ? nil : got.notes, captureFileStart: writer == nil ? nil : audioFrames,
                                               truthEvents: SoakRunner.truthEvents(got.truth, runOffset: runOffset, sampleRate: rate)))
            if let trace = got.qemu?.trace {
                log.chunks[log.chunks.count - 1].qemuTrace = SoakRunner.witnesses(trace, frames: got.capture.frames, runOffset: runOffset, sampleRate: rate)
            }
            fastRefusedInARow = stream.fastRefusedInARow
            record(outcomes, from: stream, startedAt: audioTimeline ? nil : wallStart, onEvent: onEvent)
            try clips.write(stream.readyClips(final: true), stream: stream)
            log.channelUsed = stream.channelUsed ?? log.channelUsed
            try writer?.append(got.capture.channels)
            audioFrames += got.capture.frames
            log.capturedFrames = audioFrames
            advance(n)
        }

        /// Logs what a stream's periods gave: each event kept is stamped with its wall-clock time
        /// (its audio's, from `startedAt`, the wall time of the stream's frame 0; on the card
        /// model's audio timeline, when it was found) and how long after its audio it was
        /// found, then printed; clips around it are asked for.
        func record(_ outcomes: [SoakStream.Outcome], from stream: SoakStream, startedAt: Date?, onEvent: (SoakEvent) -> Void) {
            let now = Date()
            for o in outcomes {
                let kept = log.add(o)
                for (i, e) in kept {
                    let at = startedAt?.addingTimeInterval(Double(e.runFrame - stream.runOffset) / Double(rate))
                    log.annotate(i, wallClock: SoakLog.iso(at ?? now), backendXruns: xruns, reportedAfterS: at.map { now.timeIntervalSince($0) })
                    onEvent(log.events[i])
                }
                clips.request(kept, from: stream)
            }
        }

        /// A chunk the backend failed: a `backend-error` event; its periods are not heard.
        func failed(_ error: LoopbenchError, periods n: Int, started: Double, wallStart: Date) -> SoakEvent {
            var e = SoakEvent(kind: "backend-error", runFrame: runOffset(started: started), sampleRate: rate, sizeSamples: n * probe.periodFrames,
                              period: donePeriods, latencyMS: log.series.last?.latencyMS,
                              detail: "chunk of periods \(donePeriods)–\(donePeriods + n - 1) lost: \(error.description)")
            e.wallClock = SoakLog.iso(wallStart)
            e.backendXruns = xruns
            advance(n)
            return log.addEvent(e)
        }

        /// The status line's figures now.
        var status: Status {
            let lat = log.latenciesMS
            return Status(elapsedS: ProgressLine.now() - t0, runS: log.durationS, totalS: options.durationSeconds,
                          latencyMS: log.series.last?.latencyMS, minMS: lat.min(), maxMS: lat.max(), events: log.events.count)
        }

        func advance(_ n: Int) {
            donePeriods += n
            log.durationS = audioTimeline ? Double(donePeriods * probe.periodFrames) / Double(rate) : ProgressLine.now() - t0
        }

        /// Stops the sampler, closes the capture file, and gives the report.
        func finish(_ failure: LoopbenchError?) throws(LoopbenchError) -> SoakReport {
            if let failure { log.notes.append("the soak stopped early: \(failure.description)") }
            log.machine = SoakRunner.attachBackendLatency(sampler?.finish() ?? [], chunks: log.chunks)
            try writer?.finish()
            return log.report()
        }
    }

    /// The card model's truth events, moved onto the run's timeline.
    public static func truthEvents(_ truth: JSONValue?, runOffset: Int, sampleRate: Int) -> [Event]? {
        struct Truth: Decodable { var events: [Event] }
        guard let truth, let data = try? JSONCoding.encode(truth, pretty: false),
              let t = try? JSONDecoder().decode(Truth.self, from: data) else { return nil }
        return t.events.map { Event(kind: $0.kind, captureSample: $0.captureSample + runOffset, sizeSamples: $0.sizeSamples, sampleRate: sampleRate) }
    }

    /// The trace events that witness lateness (``SoakReport/Chunk/qemuTrace``).
    static let qemuWitnesses: Set<String> = ["audio_timer_delayed", "hda_audio_overrun"]

    /// QEMU's witnesses of lateness traced while a capture of `frames` played, on the run's
    /// timeline (the capture's frame 0 at `runOffset`); events the trace could not place on the
    /// capture (AC'97 has no stream start in the trace) are left out.
    static func witnesses(_ trace: [QEMURun.TraceEvent], frames: Int, runOffset: Int, sampleRate: Int) -> [QEMURun.TraceEvent] {
        trace.compactMap { e in
            guard qemuWitnesses.contains(e.name), let at = e.captureSample, at >= 0, at < frames else { return nil }
            return QEMURun.TraceEvent(name: e.name, args: e.args, timeS: Double(runOffset + at) / Double(sampleRate), captureSample: at)
        }
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
