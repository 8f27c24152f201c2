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

    /// A live soak on a loop that streams (PulseAudio, ALSA, a real guest): one unbroken
    /// stream, analysed every ``LoopStreamTiming/deliverySeconds`` as it is captured, each event
    /// printed as soon as its period has been analysed. A stream the backend ends (a server that
    /// stopped answering) is a `backend-error` event, and a new stream goes on from the next
    /// period; three failures in a row with no period heard between them end the soak.
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
            let listener = StreamListener(session: session, periods: totalPeriods - session.donePeriods)
            let summary: LoopStreamSummary
            do throws(LoopbenchError) {
                summary = try loop.stream(source: listener.source, consumer: { listener.consume($0, shouldStop: shouldStop, onEvent: onEvent, onStatus: onStatus) })
            } catch {
                summary = LoopStreamSummary(capturedFrames: 0, backendXruns: nil, notes: [], failure: error)
            }
            listener.finish(summary, onEvent: onEvent)
            guard let failure = summary.failure ?? listener.writeError else { failuresInARow = 0; continue }
            if failure.kind == .io { return failure }
            failuresInARow = session.donePeriods > before ? 1 : failuresInARow + 1
            // The periods the stream did not get to are lost, and the next stream starts after them.
            let left = totalPeriods - session.donePeriods
            let lost = min(left, max(1, Int((ProgressLine.now() - tStart) / session.probe.periodSeconds) - (session.donePeriods - before)))
            guard lost > 0 else {
                // Every period was heard: the backend failed closing the stream, which costs nothing heard.
                session.log.notes.append("the stream failed after its last period: \(failure.description)")
                return nil
            }
            onEvent(session.failed(failure, periods: lost, started: tStart, wallStart: wallStart))
            if failuresInARow >= maxFailuresInARow { return failure }
        }
        if shouldStop() { session.log.interrupted = true }
        return nil
    }
}

/// One stream's listener: feeds each delivery to a ``SoakStream``, logs and prints what it
/// finds, saves the capture and the clips, and says when the soak has heard enough.
final class StreamListener {
    let session: SoakRunner.Session
    let stream: SoakStream
    let source: PeriodicSource
    let periods: Int
    /// When this stream's frame 0 was captured, once its stimulus started.
    var startedAt: Date?
    var frames = 0
    var xruns: Int?
    var latencyFrames: Double?
    var lastStatus = -Double.infinity
    var writeError: LoopbenchError?
    /// This stream's first stretch in the log, and the xrun count when its current one began.
    var firstStretch: Int?
    var stretchXrunsAtStart = 0
    var stretchFramesSoFar = 0
    /// The status line is redrawn at most this often (a delivery comes every 50 ms).
    static let statusInterval = 0.25
    /// Capture beyond the last period's end (its latency and separator included) after which a
    /// stream that never found the end is stopped anyway: 10 s.
    static let overrunSeconds = 10.0

    init(session: SoakRunner.Session, periods: Int) {
        self.session = session
        self.periods = periods
        source = PeriodicSource(probes: session.probes, periodFrames: session.probe.periodFrames, firstPeriod: session.donePeriods, periods: periods)
        // The run offset is only known once the stimulus starts: the stream is placed then.
        stream = session.makeStream(runOffset: 0)
        stream.periodLimit = periods
        stream.eager = true
    }

    var rate: Int { session.rate }
    var periodFrames: Int { session.probe.periodFrames }

    /// One delivery; false once the soak has heard its periods (or is stopped).
    func consume(_ block: LoopStreamBlock, shouldStop: () -> Bool, onEvent: (SoakEvent) -> Void, onStatus: (SoakRunner.Status) -> Void) -> Bool {
        guard let n = block.planar.first?.count, n > 0, let at = block.startedAt else { return !shouldStop() }
        if startedAt == nil {
            // The stream's place on the run's wall-clock timeline: when its stimulus started.
            startedAt = at
            stream.runOffset = Int((at.timeIntervalSince(session.wallT0) * Double(rate)).rounded())
        }
        xruns = block.backendXruns.map { (session.xruns ?? 0) + $0 } ?? xruns
        latencyFrames = block.reportedLatencyFrames ?? latencyFrames
        stretch(adding: n)
        do { try session.writer?.append(block.planar) } catch { writeError = error; return false }
        session.record(stream.append(block.planar), from: stream, startedAt: startedAt, onEvent: onEvent)
        do { try session.clips.write(stream.readyClips(), stream: stream) } catch { writeError = error; return false }
        frames += n
        status(onStatus)
        let heard = stream.next >= periods
        let overrun = frames > periods * periodFrames + Int(Self.overrunSeconds * Double(rate))
        return !heard && !overrun && !shouldStop()
    }

    /// Logs a new ``SoakReport/Chunk`` each ``SoakRunner/streamStretchSeconds`` of capture: a
    /// delivery that would take the current stretch past that length starts the next one.
    /// (Counted in the stretch itself: the run's frames modulo the length missed the boundary
    /// whenever deliveries tiled it exactly, and a 20 s stream was then logged as 1–3 stretches.)
    func stretch(adding n: Int) {
        let stretchFrames = Int(SoakRunner.streamStretchSeconds * Double(rate))
        if frames == 0 || stretchFramesSoFar + n > stretchFrames {
            stretchFramesSoFar = 0
            if firstStretch == nil { firstStretch = session.log.chunks.count }
            session.log.chunks.append(SoakReport.Chunk(startS: Double(stream.runOffset + frames) / Double(rate), seconds: 0, backendXruns: 0,
                                                       reportedLatencyMS: nil, notes: nil,
                                                       captureFileStart: session.writer == nil ? nil : session.audioFrames + frames))
            stretchXrunsAtStart = xruns ?? 0
        }
        stretchFramesSoFar += n
        let i = session.log.chunks.count - 1
        session.log.chunks[i].seconds += Double(n) / Double(rate)
        session.log.chunks[i].backendXruns = (xruns ?? 0) - stretchXrunsAtStart
        session.log.chunks[i].reportedLatencyMS = latencyFrames.map { $0 * 1000 / Double(rate) }
    }

    func status(_ onStatus: (SoakRunner.Status) -> Void) {
        let t = ProgressLine.now()
        guard t - lastStatus >= Self.statusInterval else { return }
        lastStatus = t
        let lat = session.log.latenciesMS
        onStatus(SoakRunner.Status(elapsedS: t - session.t0, runS: t - session.t0, totalS: session.options.durationSeconds,
                                   latencyMS: session.log.series.last?.latencyMS, minMS: lat.min(), maxMS: lat.max(), events: session.log.events.count))
    }

    /// After the stream: the periods left in the capture, the clips, the backend's notes and a
    /// guest's trace in the stretches, the counts moved on.
    func finish(_ summary: LoopStreamSummary, onEvent: (SoakEvent) -> Void) {
        session.record(stream.finish(), from: stream, startedAt: startedAt, onEvent: onEvent)
        do { try session.clips.write(stream.readyClips(final: true), stream: stream) } catch { writeError = error }
        if let first = firstStretch {
            // The backend's notes on the stream (what it granted, its xruns) go with its first stretch.
            if !summary.notes.isEmpty {
                session.log.chunks[first].notes = ["one unbroken stream from here (its chunks are \(Int(SoakRunner.streamStretchSeconds)) s stretches of it)"] + summary.notes
            }
            place(trace: summary.qemuTrace, from: first)
        }
        session.log.channelUsed = stream.channelUsed ?? session.log.channelUsed
        session.fastRefusedInARow = stream.fastRefusedInARow
        session.xruns = xruns ?? session.xruns
        session.audioFrames += frames
        session.log.capturedFrames = session.audioFrames
        session.advance(stream.next)
    }

    /// A real guest's witnesses of lateness while the stream was heard, each into the stretch
    /// (from `first` on) it fell in.
    func place(trace: [QEMURun.TraceEvent]?, from first: Int) {
        guard let trace else { return }
        for e in SoakRunner.witnesses(trace, frames: frames, runOffset: stream.runOffset, sampleRate: rate) {
            guard let i = session.log.chunks.indices.last(where: { $0 >= first && session.log.chunks[$0].startS <= e.timeS }) else { continue }
            session.log.chunks[i].qemuTrace = (session.log.chunks[i].qemuTrace ?? []) + [e]
        }
    }
}
