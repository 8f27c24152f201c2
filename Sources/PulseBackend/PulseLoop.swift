// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The PulseAudio loop: plays the stimulus to a sink and records a source (by default the
/// sink's monitor when the sink is a null sink) in one process, on one timeline.
///
/// libpulse's asynchronous API runs on a `pa_threaded_mainloop` (wrapped in ``PulseSession``);
/// the record stream is drained by its read callback, the playback stream is fed by a dedicated
/// writer `Thread` that blocks (polling with the mainloop lock released) until the stream takes
/// more. It plays `preroll` of silence first, so the stimulus enters a running stream with a full
/// buffer, as in a real duplex application. The capture returned starts at the capture frame the app had received when the first
/// stimulus frame was handed to the playback stream (interpolated within the last record
/// fragment by the time since it arrived), so the analyzer's latency is the
/// app-to-app round trip (playback buffer + sink + source + record buffer). `backendXruns`
/// counts the underflow and overflow callbacks from the stimulus on (the window the analyzer
/// sees); those during the preroll are given in the notes.
public struct PulseLoop: AudioLoop {
    public static let settingDocs: [SettingDoc] = PulseSettings.table.map(\.doc)

    public let backend = "pulse"
    public var sampleRate: Int { settings.rate }
    public var channels: Int { settings.channels }
    let settings: PulseSettings
    /// A pause between the writer stopping and the run reading what the server reported: a
    /// loaded machine's scheduling, made certain for the tests (0 outside them).
    var readDelayMicros: UInt32 = 0

    public init(settings: [String: String]) throws(LoopbenchError) {
        self.settings = try PulseSettings(settings)
    }

    public var effectiveSettings: [String: JSONValue] {
        let s = settings
        var out = PulseSettings.table.effective(s)
        if let f = s.tlength.frames(rate: s.rate) { out["tlength_frames"] = .number(Double(f)) }
        if let f = s.fragsize.frames(rate: s.rate) { out["fragsize_frames"] = .number(Double(f)) }
        // Derived, for comparisons: the period reported latencies are held against.
        out["period_frames"] = .number(Double(nominalPeriodFrames))
        return out
    }

    /// The period loopbench compares latencies against: `minreq` if set, else a quarter of
    /// `tlength` (PulseAudio's default minreq), else 10 ms.
    public var nominalPeriodFrames: Int {
        if let m = settings.minreq.frames(rate: settings.rate), m > 0 { return m }
        if let t = settings.tlength.frames(rate: settings.rate), t > 0 { return max(1, t / 4) }
        return settings.rate / 100
    }

    /// The configured buffer (tlength + fragsize), in frames, when both are set.
    public var configuredBufferFrames: Int? {
        guard let t = settings.tlength.frames(rate: settings.rate) else { return nil }
        return t + (settings.fragsize.frames(rate: settings.rate) ?? 0)
    }

    public func run(stimulus: AudioBuffer) throws(LoopbenchError) -> LoopCapture {
        let s = settings
        guard stimulus.sampleRate == s.rate else {
            throw .usage("pulse: the stimulus is at \(stimulus.sampleRate) Hz but rate=\(s.rate)", subject: "rate")
        }
        guard stimulus.channelCount == s.channels else {
            throw .usage("pulse: the stimulus has \(stimulus.channelCount) channels but channels=\(s.channels)", subject: "channels")
        }
        let o = try open()
        defer { o.session.close() }
        let wantFrames = stimulus.frames + 2 * o.bufferFrames + Int(s.tailMicros * Double(s.rate) / 1e6)
        let writer = PulseWriter(session: o.session, source: BufferSource(interleaved: stimulus.interleaved()), stimulusFrames: stimulus.frames,
                                 channels: s.channels, stall: s.writerStall, wantFrames: wantFrames, prerollFrames: o.prerollFrames, rate: s.rate)
        // A server that brings no captured audio for twice the buffer time plus most of a second
        // has stalled (stopped, or hung): the writer gives up then, not at the overall limit.
        writer.stallSeconds = o.stallSeconds
        try play(writer, wantFrames: wantFrames, subject: o.subject)
        if let f = writer.failure {
            throw .unavailable("\(o.subject) / source \(o.sourceName)", "\(f) after \(String(format: "%.2f", Date().timeIntervalSince(o.t0))) s of the run")
        }
        if readDelayMicros > 0 { usleep(readDelayMicros) }
        return capture(o.session, writer, o.granted, wantFrames: wantFrames, notes: o.notes)
    }

    /// A connected session with both streams open and the capture running.
    struct Opened {
        let session: PulseSession
        let sourceName: String
        let granted: PulseSession.Granted
        let notes: [String]
        let t0: Date
        /// The granted playback and record buffers, in frames.
        let bufferFrames: Int
        let prerollFrames: Int
        /// No captured audio for this long: the server has stalled.
        let stallSeconds: Double
        let subject: String
    }

    /// Connects, finds the devices, opens both streams and waits for the first captured audio.
    func open() throws(LoopbenchError) -> Opened {
        let s = settings
        let session = try PulseSession(server: s.server, appName: "loopbench", timeoutMicros: s.connectTimeoutMicros)
        do {
            var notes: [String] = []
            let (sink, sourceName) = try devices(session, notes: &notes)
            let granted = try session.openStreams(settings: s, sink: sink.name, source: sourceName, timeoutMicros: s.connectTimeoutMicros)
            notes += grantNotes(granted)
            let t0 = Date()
            try waitForFirstCapture(session, source: sourceName, notes: &notes)
            let fb = s.frameBytes
            let bufferFrames = Int(granted.playback.tlength == UInt32.max ? 0 : granted.playback.tlength) / fb
                + Int(granted.record.fragsize == UInt32.max ? 0 : granted.record.fragsize) / fb
            let prerollFrames = s.prerollMicros.map { Int($0 * Double(s.rate) / 1e6) } ?? max(s.rate / 10, bufferFrames + s.rate / 20)
            return Opened(session: session, sourceName: sourceName, granted: granted, notes: notes, t0: t0, bufferFrames: bufferFrames,
                          prerollFrames: prerollFrames, stallSeconds: 2 * Double(bufferFrames) / Double(s.rate) + 0.75,
                          subject: "\(session.serverLabel) sink \(sink.name)")
        } catch {
            session.close()
            throw error
        }
    }

    /// The sink asked for, and the source to record: the one asked for, else the sink's monitor
    /// for a null sink, else the server's default source (with a note).
    private func devices(_ session: PulseSession, notes: inout [String]) throws(LoopbenchError) -> (PulseSession.DeviceInfo, String) {
        let s = settings
        guard let sink = try session.sinkInfo(s.sink ?? "@DEFAULT_SINK@") else {
            let all = (try? session.deviceNames(sinks: true)) ?? []
            throw .unavailable("\(session.serverLabel) sink \(s.sink ?? "default")",
                               s.sink == nil ? "the server has no default sink; sinks: \(all.isEmpty ? "none" : all.joined(separator: ", "))"
                                             : "no such sink; the server has: \(all.isEmpty ? "none" : all.joined(separator: ", "))")
        }
        if let want = s.source {
            guard let src = try session.sourceInfo(want) else {
                let all = (try? session.deviceNames(sinks: false)) ?? []
                throw .unavailable("\(session.serverLabel) source \(want)", "no such source; the server has: \(all.isEmpty ? "none" : all.joined(separator: ", "))")
            }
            return (sink, src.name)
        }
        if sink.driver.contains("null-sink"), let mon = sink.monitorSource { return (sink, mon) }
        guard let src = try session.sourceInfo("@DEFAULT_SOURCE@") else {
            throw .unavailable("\(session.serverLabel) source default", "the server has no default source and sink \(sink.name) is not a null sink; set source=NAME")
        }
        notes.append("sink \(sink.name) is not a null sink (driver \(sink.driver)): recording the default source \(src.name)")
        return (sink, src.name)
    }

    /// A note for every buffer size the server granted differently from the one asked for.
    private func grantNotes(_ granted: PulseSession.Granted) -> [String] {
        let s = settings
        var notes: [String] = []
        for (key, asked, got) in [("tlength", s.tlength, granted.playback.tlength), ("minreq", s.minreq, granted.playback.minreq),
                                  ("prebuf", s.prebuf, granted.playback.prebuf), ("fragsize", s.fragsize, granted.record.fragsize),
                                  ("maxlength", s.maxlength, granted.playback.maxlength)] {
            guard let want = asked.frames(rate: s.rate), got != UInt32.max else { continue }
            let g = Int(got) / s.frameBytes
            if g != want {
                notes.append(String(format: "%@: asked %d frames (%.2f ms), server granted %d frames (%.2f ms)",
                                    key, want, Double(want) * 1000 / Double(s.rate), g, Double(g) * 1000 / Double(s.rate)))
            }
        }
        return notes
    }

    /// Waits for the first capture data (a null sink that rendered far ahead stalls the first
    /// stream for up to 2 s: see scripts/pulse-loopback's keeper).
    private func waitForFirstCapture(_ session: PulseSession, source: String, notes: inout [String]) throws(LoopbenchError) {
        let t0 = Date()
        let timeout = max(4.0, settings.connectTimeoutMicros / 1e6)
        let failed: String? = session.locked {
            session.wait(until: Date().timeIntervalSinceReferenceDate + timeout, what: "the first captured audio from \(source)") {
                session.capturedFrames > 0
            }
        }
        if let failed { throw .unavailable("\(session.serverLabel) source \(source)", failed) }
        let ms = Date().timeIntervalSince(t0) * 1000
        if ms > 250 { notes.append(String(format: "first capture data after %.0f ms (first-stream stall?)", ms)) }
    }

    /// Runs the writer on its own thread until it has played everything and the capture holds
    /// `wantFrames`; a run that takes three times its audio plus 10 s is abandoned.
    private func play(_ writer: PulseWriter, wantFrames: Int, subject: String) throws(LoopbenchError) {
        let thread = Thread { writer.main() }
        thread.name = "loopbench pulse writer"
        thread.stackSize = 1 << 20
        thread.start()
        let audioSeconds = Double(wantFrames) / Double(settings.rate)
        if writer.finished.wait(timeout: .now() + audioSeconds * 3 + 10) == .timedOut {
            writer.cancel()
            _ = writer.finished.wait(timeout: .now() + 5)
            throw .unavailable(subject, String(format: "the run did not finish within %.0f s for %.1f s of audio (a stalled server?)", audioSeconds * 3 + 10, audioSeconds))
        }
    }

    /// What the server granted both streams, and what the record stream lost (a run's notes and a stream's).
    func streamNotes(_ granted: PulseSession.Granted, overflows: Int, holes: Int) -> [String] {
        let fb = UInt32(settings.frameBytes)
        var notes = ["granted: tlength \(granted.playback.tlength / fb) f, minreq \(granted.playback.minreq / fb) f, "
                     + "prebuf \(granted.playback.prebuf / fb) f, fragsize \(granted.record.fragsize / fb) f; sink \(granted.sinkName), source \(granted.sourceName)"]
        if overflows > 0 || holes > 0 { notes.append("record stream: \(overflows) overflow(s), \(holes) hole(s)") }
        return notes
    }

    /// The capture from the frame the stimulus started at, with what the server reported.
    private func capture(_ session: PulseSession, _ writer: PulseWriter, _ granted: PulseSession.Granted, wantFrames: Int, notes: [String]) -> LoopCapture {
        let s = settings
        var notes = notes
        let (captured, underflows, overflows, holes, recLat, atDone, underflowFrames) = session.locked {
            (session.captured, session.underflows, session.overflows, session.holes, session.recordLatencySamples, session.xrunsAtCaptureDone,
             session.underflowFrames)
        }
        let start = writer.captureOffset
        let end = min(captured.count / s.channels, start + wantFrames)
        let capture = AudioBuffer(sampleRate: s.rate, interleaved: Array(captured[(start * s.channels)..<(end * s.channels)]), channelCount: s.channels)

        var reported: Double?
        if let p = Stats.median(writer.playbackLatencies) {
            let recMedian = Stats.median(recLat)
            reported = (p + (recMedian ?? 0)) * Double(s.rate) / 1e6
            notes.append(String(format: "pulse reports playback latency %.2f ms, record latency %.2f ms (medians of %d and %d samples)",
                                p / 1000, (recMedian ?? 0) / 1000, writer.playbackLatencies.count, recLat.count))
        }
        notes += streamNotes(granted, overflows: overflows, holes: holes)
        // Counted up to the capture's end: the playback stream's drain after it underflows once
        // the writer stops (a clean 1.4 s round trip counted one in CI, where the caller read
        // the count more than a buffer after the writer stopped).
        let xruns = atDone ?? (underflows + overflows)
        if writer.xrunsBeforeStart > 0 {
            notes.append("\(writer.xrunsBeforeStart) of \(xruns) underflow/overflow callback(s) came during the preroll, before the stimulus; backend_xruns counts the \(xruns - writer.xrunsBeforeStart) from the stimulus on")
        }
        if let n = s.writerStall?.note(first: writer.stalledAt, count: writer.stalls) { notes.append(n) }
        var got = LoopCapture(capture: capture, backendXruns: xruns - writer.xrunsBeforeStart, reportedLatencyFrames: reported, notes: notes)
        got.xrunsBeforeProbe = writer.xrunsBeforeStart
        // The counted underflows placed where the capture was when each was reported (the
        // record stream raises no overflows, so the counts are the underflows'), when every
        // one of them was kept (the session keeps the first 64).
        let counted = underflowFrames.indices.filter { $0 >= writer.xrunsBeforeStart && $0 < xruns }
        if overflows == 0, counted.count == xruns - writer.xrunsBeforeStart {
            got.reportedXruns = counted.map { ReportedXrun(what: "PA playback underflow", captureFrame: max(0, underflowFrames[$0] - start), frames: nil) }
        }
        // pa_stream's overflow callback is for playback streams only: a record stream that
        // loses data says nothing.
        got.reportsCaptureOverruns = false
        return got
    }
}

/// The writer thread's state. Its fields are written by the writer thread and read by the
/// caller only after `finished` is signalled (or under the session lock).
final class PulseWriter: @unchecked Sendable {
    let session: PulseSession
    let source: any LoopStreamSource
    /// Stimulus frames to play, then silence; nil: the source without end (a stream).
    let stimulusFrames: Int?
    let channels: Int
    let stall: WriterStall?
    /// Capture frames wanted from the stimulus' start; nil: no end (a stream).
    let wantFrames: Int?
    let prerollFrames: Int
    let rate: Int
    let finished = DispatchSemaphore(value: 0)
    private(set) var failure: String?
    /// Whether the stimulus has started; `captureOffset` is then set. Under the session lock.
    private(set) var started = false
    private(set) var captureOffset = 0
    /// When stimulus frame 0 was handed to the stream (the capture's frame 0).
    private(set) var startedAt: Date?
    /// Reported playback latencies (µs) of a run; a stream keeps only the last.
    private(set) var playbackLatencies: [Double] = []
    private(set) var lastPlaybackLatency: Double?
    /// The stimulus frame where the first stall started, and how many stalls there were.
    private(set) var stalledAt: Int?
    private(set) var stalls = 0
    /// Underflows + overflows seen before the stimulus started (during the preroll).
    private(set) var xrunsBeforeStart = 0
    private var cancelled = false
    /// Seconds without new captured audio after which the server counts as stalled.
    var stallSeconds = Double.infinity

    init(session: PulseSession, source: any LoopStreamSource, stimulusFrames: Int?, channels: Int, stall: WriterStall?,
         wantFrames: Int?, prerollFrames: Int, rate: Int) {
        self.prerollFrames = prerollFrames
        self.rate = rate
        self.session = session
        self.source = source
        self.stimulusFrames = stimulusFrames
        self.channels = channels
        self.stall = stall
        self.wantFrames = wantFrames
    }

    func cancel() { session.locked { cancelled = true } }

    /// Runs until the capture holds `wantFrames` (never, for a stream), a failure, or `cancel()`.
    /// The session lock is held except while waiting, so the caller reads under it.
    func main() {
        defer { finished.signal() }
        var written = 0, prerolled = 0
        session.lock()
        defer { session.unlock() }
        var lastCaptured = session.capturedFrames
        var lastProgress = DispatchTime.now().uptimeNanoseconds
        while !cancelled {
            if let f = session.failure() { failure = f; return }
            if started && session.captureDone { return }
            let now = DispatchTime.now().uptimeNanoseconds
            if session.capturedFrames != lastCaptured {
                lastCaptured = session.capturedFrames
                lastProgress = now
            } else if Double(now &- lastProgress) / 1e9 > stallSeconds {
                failure = String(format: "the server stalled: no captured audio for %.2f s (buffer %.0f ms); it stopped responding", Double(now &- lastProgress) / 1e9, (stallSeconds - 0.75) / 2 * 1000)
                return
            }
            let n = session.writableFrames()
            if n == 0 {
                session.unlock(); usleep(1000); session.lock()
                continue
            }
            if prerolled < prerollFrames {
                // Silence first, so the stream is in steady state (buffer full, playing) when
                // the stimulus starts: the latency measured is that of a running duplex stream.
                let chunk = min(n, prerollFrames - prerolled, 4096)
                if let r = writeSilence(chunk) { failure = r; return }
                prerolled += chunk
                continue
            }
            if stallIfDue(written: written) { continue }
            let chunk = min(n, framesBeforeNextStall(written: written))
            if !started { markStart() }
            let (wrote, r) = writeStimulus(from: written, count: chunk)
            if let r { failure = r; return }
            written += wrote
        }
        if wantFrames != nil { failure = "cancelled" }
    }

    /// The alignment point: the capture frame the app had received when it handed over frame 0.
    private func markStart() {
        captureOffset = session.captureClockFrames(rate: rate)
        startedAt = Date()
        xrunsBeforeStart = session.underflows + session.overflows
        if let wantFrames { session.setCaptureGoal(captureOffset + wantFrames) }
        started = true
    }

    /// Pauses on purpose (with the lock released, so the server keeps running) when stall
    /// number `stalls` is due at stimulus frame `written`.
    private func stallIfDue(written: Int) -> Bool {
        guard let st = stall, let at = st.startFrame(stalls, rate: rate), written >= at,
              stimulusFrames.map({ written < $0 }) ?? true else { return false }
        if stalledAt == nil { stalledAt = written }
        stalls += 1
        session.unlock(); usleep(useconds_t(st.lengthMicros)); session.lock()
        return true
    }

    private func framesBeforeNextStall(written: Int) -> Int {
        guard let at = stall?.startFrame(stalls, rate: rate), at > written else { return Int.max }
        return at - written
    }

    /// Writes up to `count` frames of the stimulus (then silence, after a run's stimulus) from
    /// frame `from`: how many it wrote, or why it could not.
    private func writeStimulus(from: Int, count: Int) -> (Int, String?) {
        let stimulusLeft = stimulusFrames.map { max(0, $0 - from) } ?? count
        if stimulusLeft == 0 {
            let n = min(count, 4096)
            return (n, writeSilence(n))
        }
        let n = min(count, stimulusLeft, Self.maxWriteFrames)
        let frames = source.frames(start: from, count: n, channels: channels)
        let r: String? = frames.withUnsafeBufferPointer { session.write($0) }
        if r == nil, from + n > 4800, let l = session.playbackLatencyMicros(), l > 0 {
            lastPlaybackLatency = l
            if wantFrames != nil { playbackLatencies.append(l) }
        }
        return (n, r)
    }

    /// At most 1.4 s at 48 kHz per write: a stream whose server takes more at once is fed in turns.
    static let maxWriteFrames = 1 << 16

    private func writeSilence(_ frames: Int) -> String? {
        let silence = [Float](repeating: 0, count: frames * channels)
        return silence.withUnsafeBufferPointer { session.write($0) }
    }
}
