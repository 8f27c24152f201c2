// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Synchronization

/// The ALSA loop: libasound directly, a capture PCM and a playback PCM (by default both
/// `default`), each driven by its own blocking I/O `Thread`.
///
/// The capture thread starts first and reads period by period; the writer thread plays
/// `preroll` of silence (so the playback buffer is full and running), then the stimulus, then
/// silence until the capture is long enough. The capture returned starts at the frame the app
/// had read when the first stimulus frame was handed to `snd_pcm_writei` (interpolated within
/// the last capture period by the time since it arrived), so the analyzer's
/// latency is the app-to-app round trip. `-EPIPE` from either side and an XRUN state seen by
/// `snd_pcm_state` count as xruns (`backendXruns` from the stimulus on; those during the preroll
/// are given in the notes); `snd_pcm_delay` of both PCMs is sampled and reported.
public struct ALSALoop: AudioLoop {
    public static let settingDocs: [SettingDoc] = ALSASettings.table.map(\.doc)

    public let backend = "alsa"
    public var sampleRate: Int { settings.rate }
    public var channels: Int { settings.channels }
    let settings: ALSASettings

    public init(settings: [String: String]) throws(LoopbenchError) {
        self.settings = try ALSASettings(settings)
    }

    public var effectiveSettings: [String: JSONValue] {
        let s = settings
        var out = ALSASettings.table.effective(s)
        if let b = s.buffer.frames(rate: s.rate) { out["buffer_frames"] = .number(Double(b)) }
        if let p = s.period.frames(rate: s.rate) { out["period_frames"] = .number(Double(p)) }
        return out
    }

    /// The configured period, in frames.
    public var nominalPeriodFrames: Int { settings.period.frames(rate: settings.rate) ?? settings.rate / 100 }
    /// The configured buffer, in frames.
    public var configuredBufferFrames: Int? { settings.buffer.frames(rate: settings.rate) }

    public func run(stimulus: AudioBuffer) throws(LoopbenchError) -> LoopCapture {
        let s = settings
        guard stimulus.sampleRate == s.rate else {
            throw .usage("alsa: the stimulus is at \(stimulus.sampleRate) Hz but rate=\(s.rate)", subject: "rate")
        }
        guard stimulus.channelCount == s.channels else {
            throw .usage("alsa: the stimulus has \(stimulus.channelCount) channels but channels=\(s.channels)", subject: "channels")
        }
        let (cap, play, notes) = try openPCMs()
        // Set when an I/O thread is still inside libasound after the run: its PCMs are then
        // left open (and alive) for it, since closing them under it frees what it is using.
        var abandoned = false
        defer { Self.release(cap, play, abandoned: abandoned) }

        let tailFrames = 2 * (play.bufferFrames + cap.bufferFrames) + Int(s.tailMicros * Double(s.rate) / 1e6)
        let wantFrames = stimulus.frames + tailFrames
        let prerollFrames = s.prerollMicros.map { Int($0 * Double(s.rate) / 1e6) } ?? max(s.rate / 10, play.bufferFrames + s.rate / 20)
        let shared = ALSAShared()
        let capture = ALSACaptureThread(pcm: cap, settings: s, shared: shared, wantFrames: wantFrames)
        let writer = ALSAWriterThread(pcm: play, settings: s, shared: shared, source: BufferSource(interleaved: stimulus.interleaved()),
                                      stimulusFrames: stimulus.frames, prerollFrames: prerollFrames)
        let t0 = Date()
        let startNanos = Self.start(capture, writer)

        let audio = Double(wantFrames + prerollFrames) / Double(s.rate)
        let watch = ALSAWatchdog(settings: s, bufferFrames: max(play.bufferFrames, cap.bufferFrames), audioSeconds: audio)
        let (stalled, finished) = watch.run(capture: capture, writer: writer, shared: shared, startNanos: startNanos)
        abandoned = !finished
        if let st = stalled { throw watch.error(st, runSeconds: Date().timeIntervalSince(t0)) }
        guard !abandoned else {
            throw .unavailable("alsa device \(s.captureDevice)/\(s.playbackDevice)", String(format: "the run did not finish within %.0f s for %.1f s of audio (a stalled device or server?)", watch.limit, audio))
        }
        if let f = capture.failure ?? writer.failure {
            throw .unavailable(f.subject, "\(f.message) after \(String(format: "%.2f", Date().timeIntervalSince(t0))) s of the run")
        }
        play.drop()
        cap.drop()
        return assemble(capture, writer, play: play, cap: cap, wantFrames: wantFrames, notes: notes)
    }

    /// The capture and playback PCMs, configured, and what they granted differently from what
    /// was asked; a PCM opened before a failure is closed again.
    func openPCMs() throws(LoopbenchError) -> (cap: ALSAPCM, play: ALSAPCM, notes: [String]) {
        let s = settings
        let cap = try ALSAPCM(device: s.captureDevice, playback: false)
        do throws(LoopbenchError) {
            var notes = try cap.configure(s)
            let play = try ALSAPCM(device: s.playbackDevice, playback: true)
            do throws(LoopbenchError) {
                notes += try play.configure(s)
                return (cap, play, notes)
            } catch { play.close(); throw error }
        } catch { cap.close(); throw error }
    }

    /// Closes both PCMs, or, when an I/O thread was abandoned inside libasound, leaves them
    /// open and alive for it.
    static func release(_ cap: ALSAPCM, _ play: ALSAPCM, abandoned: Bool) {
        for pcm in [cap, play] {
            if abandoned { _ = Unmanaged.passRetained(pcm) } else { pcm.close() }
        }
    }

    /// Starts the capture thread, then the writer (which waits for the capture's first period);
    /// the monotonic time they started at.
    static func start(_ capture: ALSACaptureThread, _ writer: ALSAWriterThread) -> UInt64 {
        let startNanos = DispatchTime.now().uptimeNanoseconds
        let ct = Thread { capture.main() }
        ct.name = "loopbench alsa capture"
        ct.start()
        let wt = Thread { writer.main() }
        wt.name = "loopbench alsa writer"
        wt.start()
        return startNanos
    }

    /// What both PCMs were granted, and their xruns (a run's notes and a stream's).
    static func pcmNotes(play: ALSAPCM, cap: ALSAPCM, writer: ALSAWriterThread, capture: ALSACaptureThread) -> [String] {
        var notes = ["granted: playback buffer \(play.bufferFrames) f, period \(play.periodFrames) f, start threshold \(play.startThreshold) f; capture buffer \(cap.bufferFrames) f, period \(cap.periodFrames) f"]
        if writer.xruns > 0 || capture.xruns > 0 { notes.append("xruns: \(writer.xruns) playback underrun(s), \(capture.xruns) capture overrun(s)") }
        return notes
    }

    /// The capture from the frame the stimulus started at, with what the PCMs reported.
    private func assemble(_ capture: ALSACaptureThread, _ writer: ALSAWriterThread, play: ALSAPCM, cap: ALSAPCM, wantFrames: Int, notes: [String]) -> LoopCapture {
        let s = settings
        var notes = notes
        let start = writer.captureOffset
        let end = min(capture.framesRead, start + wantFrames)
        let buffer = AudioBuffer(sampleRate: s.rate, interleaved: Array(capture.samples[(start * s.channels)..<(end * s.channels)]), channelCount: s.channels)
        var reported: Double?
        if let pd = Stats.median(writer.delays) {
            let cd = Stats.median(capture.delays)
            reported = pd + (cd ?? 0)
            notes.append(String(format: "snd_pcm_delay: playback %.0f frames (%.2f ms), capture %.0f frames (%.2f ms) (medians of %d and %d samples)",
                                pd, pd * 1000 / Double(s.rate), cd ?? 0, (cd ?? 0) * 1000 / Double(s.rate), writer.delays.count, capture.delays.count))
        }
        notes += Self.pcmNotes(play: play, cap: cap, writer: writer, capture: capture)
        let early = writer.xrunsBeforeStart + capture.xrunsBeforeStart
        if early > 0 {
            notes.append("\(early) of these came during the preroll, before the stimulus; backend_xruns counts the \(writer.xruns + capture.xruns - early) from the stimulus on")
        }
        if let n = s.writerStall?.note(first: writer.stalledAt, count: writer.stalls) { notes.append(n) }
        var got = LoopCapture(capture: buffer, backendXruns: writer.xruns + capture.xruns - early, reportedLatencyFrames: reported, notes: notes)
        got.xrunsBeforeProbe = early
        got.reportsCaptureOverruns = true  // snd_pcm_readi returns -EPIPE on a capture overrun
        return got
    }
}

/// The run's watchdog: a PCM that brings no period for twice the buffer time plus most of a
/// second has stalled (a sound server stopped behind the pulse plugin blocks inside alsa-lib,
/// past any snd_pcm_wait timeout). The intentional writer stall is allowed for.
struct ALSAWatchdog {
    let settings: ALSASettings
    let bufferSeconds: Double
    let audioSeconds: Double
    /// The whole run's limit: three times its audio plus 10 s.
    var limit: Double { audioSeconds * 3 + 10 }
    /// How long a side may bring nothing before it counts as stalled.
    let stallSeconds: Double

    init(settings: ALSASettings, bufferFrames: Int, audioSeconds: Double) {
        self.settings = settings
        self.audioSeconds = audioSeconds
        bufferSeconds = Double(bufferFrames) / Double(settings.rate)
        stallSeconds = min(settings.timeoutMicros / 1e6, 2 * bufferSeconds + 0.75)
    }

    /// Watches until the capture has what it needs or a side stalls, then stops both threads.
    /// Returns the stall, if any, and whether both threads ended (a thread stuck inside
    /// alsa-lib does not, and keeps its PCM).
    func run(capture: ALSACaptureThread, writer: ALSAWriterThread, shared: ALSAShared, startNanos: UInt64) -> (stalled: (side: String, seconds: Double)?, finished: Bool) {
        var stalled: (side: String, seconds: Double)? = nil
        var capOK = false
        while !capOK && stalled == nil {
            capOK = capture.finished.wait(timeout: .now() + 0.02) == .success
            if capOK { break }
            stalled = check(shared, startNanos: startNanos, runLimit: limit)
        }
        return stop(capture: capture, writer: writer, shared: shared, stalled: stalled, captureEnded: capOK)
    }

    /// A side that brought nothing for too long (or the whole run past `runLimit`), if any.
    func check(_ shared: ALSAShared, startNanos: UInt64, runLimit: Double) -> (side: String, seconds: Double)? {
        let writerAllowance = stallSeconds + (settings.writerStall?.lengthMicros ?? 0) / 1e6
        let now = DispatchTime.now().uptimeNanoseconds
        let capIdle = ALSAShared.seconds(from: max(startNanos, shared.lastReadNanos.load(ordering: .relaxed)), to: now)
        let wrIdle = ALSAShared.seconds(from: max(startNanos, shared.lastWriteNanos.load(ordering: .relaxed)), to: now)
        if capIdle > stallSeconds { return ("capture", capIdle) }
        if wrIdle > writerAllowance && !shared.writerDone.load(ordering: .relaxed) { return ("playback", wrIdle) }
        if ALSAShared.seconds(from: startNanos, to: now) > runLimit { return ("run", runLimit) }
        return nil
    }

    /// Stops both threads; whether both ended (one stuck inside alsa-lib does not).
    func stop(capture: ALSACaptureThread, writer: ALSAWriterThread, shared: ALSAShared, stalled: (side: String, seconds: Double)?,
              captureEnded: Bool) -> (stalled: (side: String, seconds: Double)?, finished: Bool) {
        var capOK = captureEnded
        shared.stop.store(true, ordering: .relaxed)
        // A thread that is merely between calls ends within a period; one stuck inside alsa-lib does not.
        let grace: Double = stalled == nil ? 5 + settings.timeoutMicros / 1e6 : 0.1
        let wrOK = writer.finished.wait(timeout: .now() + grace) == .success
        // (A run's capture has ended by itself unless a side stalled; a stream's is stopped here
        // and ends within a period, as the writer does.)
        if !capOK { capOK = capture.finished.wait(timeout: .now() + (stalled == nil ? grace : 0.02)) == .success }
        return (stalled, capOK && wrOK)
    }

    /// The error for a stall, naming the device and the sound server behind it.
    func error(_ st: (side: String, seconds: Double), runSeconds: Double) -> LoopbenchError {
        let s = settings
        let server = ProcessInfo.processInfo.environment["PULSE_SERVER"].map { " (PulseAudio at \($0) behind the pulse plugin?)" } ?? ""
        return .unavailable("alsa device \(st.side == "playback" ? s.playbackDevice : s.captureDevice)",
                            st.side == "run" ? String(format: "the run did not finish within %.0f s for %.1f s of audio (a stalled device or sound server%@)", limit, audioSeconds, server)
                                             : String(format: "the %@ stalled: no audio for %.2f s (buffer %.0f ms) after %.2f s of the run; the device or the sound server behind it%@ stopped responding",
                                                      st.side, st.seconds, bufferSeconds * 1000, runSeconds, server))
    }
}

/// What the two I/O threads share.
final class ALSAShared: Sendable {
    /// Seconds from `start` to `end` (monotonic ns), 0 when `start` is later: another thread
    /// can store a time stamp after this one read the clock, and an unsigned difference would
    /// then wrap to 584 years (a false "stalled for 18446744073 s").
    static func seconds(from start: UInt64, to end: UInt64) -> Double {
        end > start ? Double(end - start) / 1e9 : 0
    }

    /// Frames the capture thread has read so far.
    let framesRead = Atomic<Int>(0)
    /// Capture frame at which the stimulus started (-1 until the writer hands over frame 0).
    let captureOffset = Atomic<Int>(-1)
    /// Monotonic time (ns) when the last read returned, and the period it brought.
    let lastReadNanos = Atomic<UInt64>(0)
    let lastChunkFrames = Atomic<Int>(0)
    /// Monotonic time (ns) when the last write returned.
    let lastWriteNanos = Atomic<UInt64>(0)
    /// Set when the writer has returned.
    let writerDone = Atomic<Bool>(false)
    /// Set when the capture holds enough frames (or the run is abandoned).
    let stop = Atomic<Bool>(false)
}

/// The capture loop. Its fields are read by the caller after `finished` is signalled.
final class ALSACaptureThread: @unchecked Sendable {
    let pcm: ALSAPCM
    let s: ALSASettings
    let shared: ALSAShared
    /// Capture frames wanted from the stimulus' start; nil: no end (a stream, whose frames are
    /// handed over through ``take()`` instead of kept in `samples`).
    let wantFrames: Int?
    let finished = DispatchSemaphore(value: 0)
    private(set) var samples: [Float] = []
    /// A stream's frames not yet taken.
    private let handoff = Mutex<(first: Int, samples: [Float])>((0, []))
    /// The last `snd_pcm_delay` sampled (frames).
    private(set) var lastDelay: Double? {
        get { lastDelayBox.load(ordering: .relaxed) < 0 ? nil : Double(lastDelayBox.load(ordering: .relaxed)) }
        set { lastDelayBox.store(newValue.map { Int($0) } ?? -1, ordering: .relaxed) }
    }
    private let lastDelayBox = Atomic<Int>(-1)
    private(set) var framesRead = 0
    /// Overruns; atomic, as a stream reads it while the capture runs.
    private let xrunCount = Atomic<Int>(0)
    var xruns: Int { xrunCount.load(ordering: .relaxed) }
    private(set) var delays: [Double] = []
    private(set) var failure: LoopbenchError?
    /// Overruns before the stimulus started (before the writer handed over its first frame).
    private(set) var xrunsBeforeStart = 0
    private var sawStart = false

    init(pcm: ALSAPCM, settings: ALSASettings, shared: ALSAShared, wantFrames: Int?) {
        self.pcm = pcm
        self.s = settings
        self.shared = shared
        self.wantFrames = wantFrames
    }

    func main() {
        ALSAMessages.install()
        defer { shared.stop.store(true, ordering: .relaxed); finished.signal() }
        let ch = s.channels
        let per = max(1, pcm.periodFrames)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: per * s.frameBytes, alignment: 8)
        defer { raw.deallocate() }
        if let wantFrames { samples.reserveCapacity((wantFrames + s.rate) * ch) }
        let timeoutMS = Int32(s.timeoutMicros / 1000)
        do throws(ALSAError) { try pcm.start() } catch {
            failure = LoopbenchError.unavailable(pcm.label, "cannot start capture: \(ALSAPCM.errorText(error.code))")
            return
        }
        var lastDelaySample = 0
        while !shared.stop.load(ordering: .relaxed) {
            let off = shared.captureOffset.load(ordering: .relaxed)
            if off >= 0 && !sawStart { sawStart = true; xrunsBeforeStart = xruns }
            if off >= 0, let wantFrames, framesRead >= off + wantFrames { return }
            var n: Int
            do throws(ALSAError) {
                guard try pcm.wait(milliseconds: timeoutMS) else {
                    failure = LoopbenchError.unavailable(pcm.label, "no capture data for \(timeoutMS) ms (a stalled sound server?)")
                    return
                }
                n = try pcm.readi(raw, frames: per)
            } catch {
                if error.isWouldBlock { continue }
                if error.isXrun, restartAfterOverrun() { continue }
                if failure == nil { failure = LoopbenchError.unavailable(pcm.label, "the device failed mid-run: \(error)") }
                return
            }
            // Frames read, but the PCM stopped in an overrun after them: keep them, restart.
            if pcm.isXrunState() && !restartAfterOverrun() { return }
            n = min(n, per)
            keep(raw, frames: n)
            framesRead += n
            shared.lastChunkFrames.store(n, ordering: .relaxed)
            shared.lastReadNanos.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            shared.framesRead.store(framesRead, ordering: .releasing)
            if framesRead - lastDelaySample >= s.rate / 50, let d = pcm.delay() {
                lastDelaySample = framesRead
                lastDelay = Double(d)
                if wantFrames != nil { delays.append(Double(d)) }
            }
        }
    }

    /// Decodes `frames` read frames into `samples`, or a stream's hand-off.
    private func keep(_ raw: UnsafeMutableRawPointer, frames n: Int) {
        let count = n * s.channels
        func decode(into buf: inout [Float]) {
            let base = buf.count
            buf.append(contentsOf: repeatElement(0, count: count))
            buf.withUnsafeMutableBufferPointer { s.format.decode(raw, count: count, into: $0.baseAddress! + base) }
        }
        guard wantFrames == nil else { decode(into: &samples); return }
        handoff.withLock { h in
            if h.samples.isEmpty { h.first = framesRead }
            decode(into: &h.samples)
        }
    }

    /// A stream's frames captured since the last call (interleaved), and the capture frame of the first.
    func take() -> (first: Int, samples: [Float]) {
        handoff.withLock { h in
            let out = h
            h.samples.removeAll(keepingCapacity: true)
            return out
        }
    }

    /// Counts an overrun and restarts the capture; false (with the failure set) when it cannot.
    private func restartAfterOverrun() -> Bool {
        xrunCount.add(1, ordering: .relaxed)
        do throws(ALSAError) {
            try? pcm.prepare()
            try pcm.start()
            return true
        } catch {
            failure = LoopbenchError.unavailable(pcm.label, "cannot restart capture after an overrun: \(ALSAPCM.errorText(error.code))")
            return false
        }
    }
}

/// The writer loop. Its fields are read by the caller after `finished` is signalled.
final class ALSAWriterThread: @unchecked Sendable {
    let pcm: ALSAPCM
    let s: ALSASettings
    let shared: ALSAShared
    let source: any LoopStreamSource
    /// Stimulus frames to play, then silence; nil: the source without end (a stream).
    let stimulusFrames: Int?
    let prerollFrames: Int
    let finished = DispatchSemaphore(value: 0)
    private(set) var captureOffset = 0
    /// When stimulus frame 0 was handed over (the capture's frame 0).
    private(set) var startedAt: Date?
    /// Underruns; atomic, as a stream reads it while the writer runs.
    private let xrunCount = Atomic<Int>(0)
    var xruns: Int { xrunCount.load(ordering: .relaxed) }
    private(set) var delays: [Double] = []
    private let lastDelayBox = Atomic<Int>(-1)
    /// The last `snd_pcm_delay` sampled (frames).
    var lastDelay: Double? { lastDelayBox.load(ordering: .relaxed) < 0 ? nil : Double(lastDelayBox.load(ordering: .relaxed)) }
    /// The stimulus frame where the first injected stall started, and how many there were.
    private(set) var stalledAt: Int?
    private(set) var stalls = 0
    private(set) var failure: LoopbenchError?
    /// Underruns before the stimulus started (during the preroll).
    private(set) var xrunsBeforeStart = 0

    init(pcm: ALSAPCM, settings: ALSASettings, shared: ALSAShared, source: any LoopStreamSource, stimulusFrames: Int?, prerollFrames: Int) {
        self.prerollFrames = prerollFrames
        self.pcm = pcm
        self.s = settings
        self.shared = shared
        self.source = source
        self.stimulusFrames = stimulusFrames
    }

    func main() {
        ALSAMessages.install()
        defer { shared.writerDone.store(true, ordering: .relaxed); finished.signal() }
        let ch = s.channels
        let per = max(1, pcm.periodFrames)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: per * s.frameBytes, alignment: 8)
        defer { raw.deallocate() }
        waitForCapture()
        var prerolled = 0, written = 0
        var started = false
        var lastDelayAt = 0
        while !shared.stop.load(ordering: .relaxed) {
            if started { stallIfDue(written: written) } else if prerolled >= prerollFrames { stallAtStartIfDue() }
            guard var chunk = available(per) else { return }
            if chunk == 0 { continue }
            let frames: [Float]
            let inStimulus = prerolled >= prerollFrames && stimulusFrames.map { written < $0 } ?? true
            if prerolled < prerollFrames {
                chunk = min(chunk, prerollFrames - prerolled)
                frames = [Float](repeating: 0, count: chunk * ch)
            } else if inStimulus {
                if started, let at = s.writerStall?.startFrame(stalls, rate: s.rate), at > written { chunk = min(chunk, at - written) }
                if let n = stimulusFrames { chunk = min(chunk, n - written) }
                frames = source.frames(start: written, count: chunk, channels: ch)
            } else {
                frames = [Float](repeating: 0, count: chunk * ch)
            }
            frames.withUnsafeBufferPointer { s.format.encode($0, into: raw) }
            if inStimulus && !started {
                markStimulusStart()
                started = true
            }
            do throws(ALSAError) {
                chunk = try pcm.writei(raw, frames: chunk)
            } catch {
                // An underrun: the chunk was not taken; write it again, as an application would.
                if error.isXrun, recoverFromUnderrun() { continue }
                if failure == nil { failure = LoopbenchError.unavailable(pcm.label, "the device failed mid-run: \(error)") }
                return
            }
            shared.lastWriteNanos.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            if prerolled < prerollFrames { prerolled += chunk } else if inStimulus { written += chunk }
            if started && written - lastDelayAt >= s.rate / 50 && pcm.isRunning(), let d = pcm.delay() {
                lastDelayAt = written
                lastDelayBox.store(d, ordering: .relaxed)
                if stimulusFrames != nil { delays.append(Double(d)) }
            }
        }
    }

    /// Frames the playback takes now (at most a period), once it has room; nil (with the
    /// failure set) when the device failed.
    private func available(_ per: Int) -> Int? {
        do throws(ALSAError) {
            guard try pcm.wait(milliseconds: Int32(s.timeoutMicros / 1000)) else {
                failure = LoopbenchError.unavailable(pcm.label, "the device took no data for \(Int(s.timeoutMicros / 1000)) ms (a stalled sound server?)")
                return nil
            }
            return min(try pcm.avail(), per)
        } catch {
            if error.isXrun, recoverFromUnderrun() { return 0 }
            if failure == nil { failure = LoopbenchError.unavailable(pcm.label, "the device failed mid-run: \(ALSAPCM.errorText(error.code))") }
            return nil
        }
    }

    /// Lets the capture run first (its first period), so both share a timeline from the start.
    private func waitForCapture() {
        let t0 = Date()
        while shared.framesRead.load(ordering: .relaxed) == 0 && !shared.stop.load(ordering: .relaxed) {
            if Date().timeIntervalSince(t0) * 1e6 > s.timeoutMicros * 2 { break }
            usleep(500)
        }
    }

    /// The injected writer stall (`writer-stall`) when the next one is due at stimulus frame
    /// `written` (once, or over and over with an EVERY).
    private func stallIfDue(written: Int) {
        guard let stall = s.writerStall, let at = stall.startFrame(stalls, rate: s.rate), written >= at,
              stimulusFrames.map({ written < $0 }) ?? true else { return }
        if stalledAt == nil { stalledAt = written }
        stalls += 1
        usleep(useconds_t(stall.lengthMicros))
    }

    /// A stall at frame 0 comes right after the preroll, before the stimulus starts.
    private func stallAtStartIfDue() {
        guard stalls == 0, let stall = s.writerStall, stall.startFrame(0, rate: s.rate) == 0 else { return }
        stalledAt = 0
        stalls = 1
        usleep(useconds_t(stall.lengthMicros))
    }

    /// The alignment point: the frames the app had read when it handed over stimulus frame 0,
    /// interpolated within the last capture period by the time since it arrived, so the
    /// alignment is not quantised to capture periods.
    private func markStimulusStart() {
        let read = shared.framesRead.load(ordering: .acquiring)
        let since = ALSAShared.seconds(from: shared.lastReadNanos.load(ordering: .relaxed), to: DispatchTime.now().uptimeNanoseconds)
        captureOffset = read + min(Int((since * Double(s.rate)).rounded()), shared.lastChunkFrames.load(ordering: .relaxed))
        startedAt = Date()
        xrunsBeforeStart = xruns
        shared.captureOffset.store(captureOffset, ordering: .releasing)
    }

    /// Counts an underrun and prepares the PCM again; false (with the failure set) when it cannot.
    private func recoverFromUnderrun() -> Bool {
        xrunCount.add(1, ordering: .relaxed)
        do throws(ALSAError) {
            try pcm.prepare()
            return true
        } catch {
            failure = LoopbenchError.unavailable(pcm.label, "cannot recover from an underrun: \(ALSAPCM.errorText(error.code))")
            return false
        }
    }
}
