// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Stimulus

/// The periodic probe as an endless stream source: period `firstPeriod` on from frame 0, and
/// silence after `periods` of them (so the last period ends in its separator's silence).
struct PeriodicSource: LoopStreamSource {
    let probes: [[Float]]
    let periodFrames: Int
    let firstPeriod: Int
    let periods: Int

    /// The probes take turns: the stream repeats after `distinct` periods.
    var cycleFrames: Int? { probes.count * periodFrames }

    func frames(start: Int, count: Int, channels: Int) -> [Float] {
        let n = max(0, min(count, periods * periodFrames - start))
        let mono = n > 0 ? PeriodicProbe.frames(probes, periodFrames: periodFrames, start: firstPeriod * periodFrames + start, count: n) : []
        var out = [Float](repeating: 0, count: count * channels)
        for (i, x) in mono.enumerated() {
            for c in 0..<channels { out[i * channels + c] = x }
        }
        return out
    }
}

extension SoakRunner {
    /// A stream's capture is logged as stretches this long (``SoakReport/Chunk``, one each): the
    /// backend's xruns and reported latency then, and where it lies in a `--save-capture` file.
    public static let streamStretchSeconds = 5.0

    /// The probe's period on a live stream when none is asked for: half a second (a 0.4 s
    /// chirp train and the usual 0.1 s separator). A period is analysed once its probe and the
    /// window's margin are in (``SoakStream/eager``), so an event is known at most a probe plus
    /// ~85 ms of capture after it happened: ~0.5 s here, ~1 s at the 1 s period of files and
    /// the card model, which is too late for the one second a live soak promises once the
    /// record fragment, the 50 ms delivery and the analysis are added.
    public static let streamPeriodSeconds = 0.5

    /// A live soak on a loop that streams (PulseAudio, ALSA): one unbroken stream, analysed
    /// every ``LoopStreamTiming/deliverySeconds`` as it is captured, each event printed as soon
    /// as its period has been analysed. A stream the backend ends (a server that stopped
    /// answering) is a `backend-error` event, and a new stream goes on from the next period;
    /// three failures in a row with no period heard between them end the soak.
    static func runStreamed(_ first: any StreamingAudioLoop, makeLoop: (Int) throws(LoopbenchError) -> any AudioLoop,
                            session: Session, totalPeriods: Int, shouldStop: () -> Bool,
                            onEvent: (SoakEvent) -> Void, onStatus: (Status) -> Void) -> LoopbenchError? {
        var c = 0, failuresInARow = 0
        while session.donePeriods < totalPeriods && !shouldStop() {
            let loop: any StreamingAudioLoop
            do {
                guard let l = c == 0 ? first : try makeLoop(c) as? any StreamingAudioLoop else { return .unavailable(first.backend, "the backend stopped streaming") }
                loop = l
            } catch { return error }
            c += 1
            let before = session.donePeriods
            let tStart = ProgressLine.now(), wallStart = Date()
            let (summary, writeError) = withoutActuallyEscaping(shouldStop) { stop in
                withoutActuallyEscaping(onEvent) { event in
                    withoutActuallyEscaping(onStatus) { status in
                        listen(loop, session: session, periods: totalPeriods - session.donePeriods, shouldStop: stop, onEvent: event, onStatus: status)
                    }
                }
            }
            guard let failure = summary.failure ?? writeError else { failuresInARow = 0; continue }
            if failure.kind == .io { return failure }
            failuresInARow = session.donePeriods > before ? 1 : failuresInARow + 1
            // The periods the stream did not get to are lost, and the next stream starts after them.
            let lost = max(1, Int((ProgressLine.now() - tStart) / session.probe.periodSeconds) - (session.donePeriods - before))
            onEvent(session.failed(failure, periods: min(lost, totalPeriods - session.donePeriods), started: tStart, wallStart: wallStart))
            if failuresInARow >= maxFailuresInARow { return failure }
        }
        if shouldStop() { session.log.interrupted = true }
        return nil
    }

    /// One stream, from the session's next period on: what it ended with, and a failure to
    /// write the capture or a clip.
    private static func listen(_ loop: any StreamingAudioLoop, session: Session, periods: Int, shouldStop: @escaping () -> Bool,
                               onEvent: @escaping (SoakEvent) -> Void, onStatus: @escaping (Status) -> Void) -> (LoopStreamSummary, LoopbenchError?) {
        let listener = StreamListener(session: session, periods: periods, shouldStop: shouldStop, onEvent: onEvent, onStatus: onStatus)
        let summary: LoopStreamSummary
        do throws(LoopbenchError) {
            summary = try loop.stream(source: listener.source, consumer: { listener.consume($0) })
        } catch {
            summary = LoopStreamSummary(capturedFrames: 0, backendXruns: nil, notes: [], failure: error)
        }
        listener.finish(notes: summary.notes)
        listener.place(trace: summary.qemuTrace)
        return (summary, listener.writeError)
    }
}

/// One stream's listener: feeds each delivery to a ``SoakStream``, logs and prints what it
/// finds, saves the capture and the clips, and says when the soak has heard enough.
final class StreamListener {
    let session: SoakRunner.Session
    let stream: SoakStream
    let source: PeriodicSource
    let periods: Int
    let shouldStop: () -> Bool
    let onEvent: (SoakEvent) -> Void
    let onStatus: (SoakRunner.Status) -> Void
    var startedAt: Date?
    /// The run's timeline frame of this stream's frame 0, once the stimulus started.
    var runOffset = 0
    var frames = 0
    var xruns: Int?
    var latencyFrames: Double?
    var lastStatus = -Double.infinity
    var writeError: LoopbenchError?
    /// This stream's first stretch in the log.
    var firstStretch: Int?
    /// The status line is redrawn at most this often (a delivery comes every 50 ms).
    static let statusInterval = 0.25
    /// Capture beyond the last period's end (its latency and separator included) after which a
    /// stream that never found the end is stopped anyway: 10 s.
    static let overrunSeconds = 10.0

    init(session: SoakRunner.Session, periods: Int, shouldStop: @escaping () -> Bool,
         onEvent: @escaping (SoakEvent) -> Void, onStatus: @escaping (SoakRunner.Status) -> Void) {
        self.session = session
        self.periods = periods
        self.shouldStop = shouldStop
        self.onEvent = onEvent
        self.onStatus = onStatus
        let p = session.probe
        source = PeriodicSource(probes: session.probes, periodFrames: p.periodFrames, firstPeriod: session.donePeriods, periods: periods)
        // The run offset is only known once the stimulus starts: the stream is placed then.
        stream = SoakStream(probe: p, probes: session.probes, runOffset: 0, firstPeriod: session.donePeriods,
                            channel: session.options.channel ?? session.log.channelUsed, historySeconds: max(2, session.options.aroundSeconds + 1))
        stream.fastRefusedInARow = session.fastRefusedInARow
        stream.periodLimit = periods
        stream.eager = true
    }

    var rate: Int { session.rate }
    var periodFrames: Int { session.probe.periodFrames }

    /// One delivery; false once the soak has heard its periods (or is stopped).
    func consume(_ block: LoopStreamBlock) -> Bool {
        guard let n = block.planar.first?.count, n > 0, let at = block.startedAt else { return !shouldStop() }
        if startedAt == nil { place(at) }
        xruns = block.backendXruns.map { (session.xruns ?? 0) + $0 } ?? xruns
        latencyFrames = block.reportedLatencyFrames ?? latencyFrames
        stretch(adding: n)
        do { try session.writer?.append(block.planar) } catch { writeError = error; return false }
        handle(stream.append(block.planar))
        frames += n
        status()
        let heard = stream.next >= periods
        let overrun = frames > periods * periodFrames + Int(Self.overrunSeconds * Double(rate))
        return !heard && !overrun && !shouldStop()
    }

    /// Places the stream on the run's wall-clock timeline at the time its stimulus started.
    func place(_ at: Date) {
        startedAt = at
        runOffset = Int((at.timeIntervalSince(session.wallT0) * Double(rate)).rounded())
        stream.runOffset = runOffset
    }

    /// Logs a new ``SoakReport/Chunk`` each ``SoakRunner/streamStretchSeconds`` of capture.
    func stretch(adding n: Int) {
        let stretchFrames = Int(SoakRunner.streamStretchSeconds * Double(rate))
        if frames % stretchFrames + n > stretchFrames || frames == 0 {
            if firstStretch == nil { firstStretch = session.log.chunks.count }
            session.log.chunks.append(SoakReport.Chunk(startS: Double(runOffset + frames) / Double(rate), seconds: 0, backendXruns: 0,
                                                       reportedLatencyMS: latencyFrames.map { $0 * 1000 / Double(rate) }, notes: nil,
                                                       captureFileStart: session.writer == nil ? nil : session.audioFrames + frames))
            session.stretchXrunsAtStart = xruns ?? 0
        }
        let i = session.log.chunks.count - 1
        session.log.chunks[i].seconds += Double(n) / Double(rate)
        session.log.chunks[i].backendXruns = (xruns ?? 0) - session.stretchXrunsAtStart
        session.log.chunks[i].reportedLatencyMS = latencyFrames.map { $0 * 1000 / Double(rate) }
    }

    func handle(_ outcomes: [SoakStream.Outcome]) {
        let now = Date()
        for o in outcomes {
            let kept = session.log.add(o)
            for (i, e) in kept {
                let at = (startedAt ?? now).addingTimeInterval(Double(e.runFrame - runOffset) / Double(rate))
                session.log.annotate(i, wallClock: SoakLog.iso(at), backendXruns: xruns, reportedAfterS: now.timeIntervalSince(at))
                onEvent(session.log.events[i])
            }
            session.clips.request(kept, from: stream)
        }
        do { try session.clips.write(stream.readyClips(), stream: stream) } catch { writeError = error }
    }

    func status() {
        let t = ProgressLine.now()
        guard t - lastStatus >= Self.statusInterval else { return }
        lastStatus = t
        let lat = session.log.latenciesMS
        onStatus(SoakRunner.Status(elapsedS: t - session.t0, runS: t - session.t0, totalS: session.options.durationSeconds,
                                   latencyMS: session.log.series.last?.latencyMS, minMS: lat.min(), maxMS: lat.max(), events: session.log.events.count))
    }

    /// A real guest's witnesses of lateness (``SoakRunner/qemuWitnesses``) while the stream
    /// was heard, each into the stretch it fell in, on the run's timeline.
    func place(trace: [QEMURun.TraceEvent]?) {
        guard let trace, let first = firstStretch else { return }
        for e in trace where SoakRunner.qemuWitnesses.contains(e.name) {
            guard let at = e.captureSample, at >= 0, at < frames else { continue }
            let t = Double(runOffset + at) / Double(rate)
            guard let i = session.log.chunks.indices.last(where: { $0 >= first && session.log.chunks[$0].startS <= t }) else { continue }
            session.log.chunks[i].qemuTrace = (session.log.chunks[i].qemuTrace ?? []) + [QEMURun.TraceEvent(name: e.name, args: e.args, timeS: t, captureSample: at)]
        }
    }

    /// After the stream: the periods left in the capture, the clips, the counts moved on.
    func finish(notes: [String]) {
        handle(stream.finish())
        // The backend's notes on the stream (what it granted, its xruns) go with its first stretch.
        if let first = firstStretch, first < session.log.chunks.count, !notes.isEmpty {
            session.log.chunks[first].notes = ["one unbroken stream from here (its chunks are \(Int(SoakRunner.streamStretchSeconds)) s stretches of it)"] + notes
        }
        do { try session.clips.write(stream.readyClips(final: true), stream: stream) } catch { writeError = error }
        session.log.channelUsed = stream.channelUsed ?? session.log.channelUsed
        session.log.notes += notes
        session.fastRefusedInARow = stream.fastRefusedInARow
        session.xruns = xruns ?? session.xruns
        session.audioFrames += frames
        session.log.capturedFrames = session.audioFrames
        session.advance(stream.next)
    }
}
