// SPDX-License-Identifier: GPL-2.0-or-later
import CPulse
import Foundation
import LoopbenchCore

/// The one seam between loopbench and libpulse: a `pa_threaded_mainloop`, its context and the
/// two streams of a full-duplex run. Every libpulse call of the backend is made here.
///
/// Threading: libpulse runs its own mainloop thread, which calls the C callbacks below with the
/// mainloop lock held. Every call made from Swift takes that lock (``locked(_:)``); the state of
/// this object is only touched under it, which is why it is `@unchecked Sendable`. Waits poll
/// with the lock released (a few ms) so that each one has a deadline and notices a dead server.
/// C callbacks cannot capture: they get `self` back from `userdata` (unretained; this object
/// outlives its streams, which are disconnected in ``close()`` before it goes away).
final class PulseSession: @unchecked Sendable {
    private let mainloop: OpaquePointer
    private let api: UnsafeMutablePointer<pa_mainloop_api>
    private let context: OpaquePointer
    private var running = false
    private var closed = false
    /// Who we talk to, for error messages: `pulse server unix:/tmp/x/native`.
    let serverLabel: String

    // Stream state, only under the lock.
    private var playback: OpaquePointer?
    private var record: OpaquePointer?
    private var format = PulseFormat.float32le
    private var frameBytes = 4
    private var channels = 1
    /// Interleaved capture, as it arrives from the record stream.
    private(set) var captured: [Float] = []
    private var pendingBytes: [UInt8] = []
    /// Frames wanted in `captured` before the read callback says it is done (0: no limit yet).
    private var captureGoal = 0
    private(set) var captureDone = false
    /// Underflows and overflows counted when the capture reached its goal: after it the
    /// writer stops and the playback stream drains, and the underflow that ends it (~one
    /// buffer later) is no xrun of the run.
    private(set) var xrunsAtCaptureDone: Int?
    private(set) var underflows = 0
    /// The capture frame (``capturedFrames``) at each of the first 64 underflow callbacks:
    /// where in the run the server reported it (late by the notification's trip).
    private(set) var underflowFrames: [Int] = []
    private(set) var overflows = 0
    private(set) var holes = 0
    private var recordLatencies: [Double] = []
    /// When the read callback last returned, and how many frames were captured then.
    private var lastReadTime = 0.0
    private var lastReadFrames = 0
    private var lastChunkFrames = 0
    private var lastRecordLatencySample = 0

    private static func now() -> Double { Date().timeIntervalSinceReferenceDate }

    /// Creates the mainloop and context and connects to `server` (nil: libpulse's default,
    /// i.e. `PULSE_SERVER` or the per-user socket). Never autospawns a daemon.
    init(server: String?, appName: String, timeoutMicros: Double) throws(LoopbenchError) {
        let label = "pulse server " + (server ?? ProcessInfo.processInfo.environment["PULSE_SERVER"] ?? "(default)")
        serverLabel = label
        guard let ml = pa_threaded_mainloop_new() else { throw .unavailable(label, "cannot create a PulseAudio mainloop (out of memory?)") }
        guard let a = pa_threaded_mainloop_get_api(ml), let ctx = pa_context_new(a, appName) else {
            pa_threaded_mainloop_free(ml)
            throw .unavailable(label, "cannot create a PulseAudio context")
        }
        mainloop = ml
        api = a
        context = ctx
        guard pa_threaded_mainloop_start(ml) >= 0 else {
            pa_context_unref(ctx)
            pa_threaded_mainloop_free(ml)
            throw .unavailable(label, "cannot start the PulseAudio mainloop thread")
        }
        running = true
        lock()
        // With no server, libpulse may fail inside pa_context_connect already (and returns < 0).
        if pa_context_connect(ctx, server, PA_CONTEXT_NOAUTOSPAWN, nil) < 0 {
            let why = String(cString: pa_strerror(pa_context_errno(ctx)))
            unlock()
            close()
            throw .unavailable(label, "cannot connect: \(why); is a PulseAudio daemon running there? (for tests: scripts/pulse-loopback start, then eval \"$(scripts/pulse-loopback env)\")")
        }
        let deadline = Self.now() + timeoutMicros / 1e6
        var state = pa_context_get_state(ctx)
        while state != PA_CONTEXT_READY && state != PA_CONTEXT_FAILED && state != PA_CONTEXT_TERMINATED && Self.now() < deadline {
            unlock(); usleep(2000); lock()
            state = pa_context_get_state(ctx)
        }
        if state != PA_CONTEXT_READY {
            let why = state == PA_CONTEXT_FAILED || state == PA_CONTEXT_TERMINATED
                ? String(cString: pa_strerror(pa_context_errno(ctx)))
                : "no answer within \(Int(timeoutMicros / 1000)) ms (a stalled daemon?)"
            unlock()
            close()
            throw .unavailable(label, "cannot connect: \(why); is a PulseAudio daemon running there? (for tests: scripts/pulse-loopback start, then eval \"$(scripts/pulse-loopback env)\")")
        }
        unlock()
    }

    deinit { close() }

    func lock() { pa_threaded_mainloop_lock(mainloop) }
    func unlock() { pa_threaded_mainloop_unlock(mainloop) }
    func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Disconnects the streams and the context and stops the mainloop thread. Idempotent.
    /// Never call it from a libpulse callback (it joins the mainloop thread).
    func close() {
        if closed { return }
        closed = true
        if running {
            lock()
            for s in [playback, record] {
                guard let s else { continue }
                pa_stream_set_read_callback(s, nil, nil)
                pa_stream_set_underflow_callback(s, nil, nil)
                pa_stream_set_overflow_callback(s, nil, nil)
                if pa_stream_get_state(s) == PA_STREAM_READY { pa_stream_disconnect(s) }
                pa_stream_unref(s)
            }
            playback = nil
            record = nil
            pa_context_disconnect(context)
            unlock()
            pa_threaded_mainloop_stop(mainloop)
            running = false
        }
        pa_context_unref(context)
        pa_threaded_mainloop_free(mainloop)
    }

    // MARK: - Health (lock held)

    /// Why the connection or a stream is gone, or nil while all is well. Lock held.
    func failure() -> String? {
        let cs = pa_context_get_state(context)
        if cs != PA_CONTEXT_READY {
            return "the connection to the server was lost (\(String(cString: pa_strerror(pa_context_errno(context)))))"
        }
        for (what, s) in [("playback", playback), ("record", record)] {
            guard let s else { continue }
            let st = pa_stream_get_state(s)
            if st == PA_STREAM_FAILED || st == PA_STREAM_TERMINATED {
                return "the \(what) stream failed (\(String(cString: pa_strerror(pa_context_errno(context)))))"
            }
        }
        return nil
    }

    /// Waits (lock held on entry and exit) until `done()` is true, the deadline passes or the
    /// server goes away. Returns nil when done, else the reason.
    func wait(until deadline: Double, what: String, _ done: () -> Bool) -> String? {
        while !done() {
            if let f = failure() { return f }
            if Self.now() >= deadline { return "timed out waiting for \(what)" }
            unlock(); usleep(2000); lock()
        }
        return nil
    }

    // MARK: - Introspection

    struct DeviceInfo: Sendable {
        var name: String
        var driver: String
        var monitorOf: String?
        var monitorSource: String?
    }

    private final class InfoBox {
        var done = false
        var found: [DeviceInfo] = []
    }

    /// Looks up a sink by name (`@DEFAULT_SINK@` for the default); nil when there is none.
    func sinkInfo(_ name: String) throws(LoopbenchError) -> DeviceInfo? {
        try query(what: "sink \(name)") { box in
            pa_context_get_sink_info_by_name(context, name, { _, info, eol, ud in
                let box = Unmanaged<InfoBox>.fromOpaque(ud!).takeUnretainedValue()
                if eol != 0 { box.done = true; return }
                guard let i = info?.pointee else { return }
                box.found.append(DeviceInfo(name: String(cString: i.name), driver: i.driver.map { String(cString: $0) } ?? "",
                                            monitorOf: nil, monitorSource: i.monitor_source_name.map { String(cString: $0) }))
            }, box)
        }.first
    }

    /// Looks up a source by name (`@DEFAULT_SOURCE@` for the default); nil when there is none.
    func sourceInfo(_ name: String) throws(LoopbenchError) -> DeviceInfo? {
        try query(what: "source \(name)") { box in
            pa_context_get_source_info_by_name(context, name, { _, info, eol, ud in
                let box = Unmanaged<InfoBox>.fromOpaque(ud!).takeUnretainedValue()
                if eol != 0 { box.done = true; return }
                guard let i = info?.pointee else { return }
                box.found.append(DeviceInfo(name: String(cString: i.name), driver: i.driver.map { String(cString: $0) } ?? "",
                                            monitorOf: i.monitor_of_sink_name.map { String(cString: $0) }, monitorSource: nil))
            }, box)
        }.first
    }

    /// Names of every sink (or source), for error messages.
    func deviceNames(sinks: Bool) throws(LoopbenchError) -> [String] {
        try query(what: sinks ? "the sink list" : "the source list") { box in
            if sinks {
                return pa_context_get_sink_info_list(context, { _, info, eol, ud in
                    let box = Unmanaged<InfoBox>.fromOpaque(ud!).takeUnretainedValue()
                    if eol != 0 { box.done = true; return }
                    if let i = info?.pointee { box.found.append(DeviceInfo(name: String(cString: i.name), driver: "")) }
                }, box)
            }
            return pa_context_get_source_info_list(context, { _, info, eol, ud in
                let box = Unmanaged<InfoBox>.fromOpaque(ud!).takeUnretainedValue()
                if eol != 0 { box.done = true; return }
                if let i = info?.pointee { box.found.append(DeviceInfo(name: String(cString: i.name), driver: "")) }
            }, box)
        }.map(\.name)
    }

    private func query(what: String, _ start: (UnsafeMutableRawPointer) -> OpaquePointer?) throws(LoopbenchError) -> [DeviceInfo] {
        let box = InfoBox()
        let ud = Unmanaged.passUnretained(box).toOpaque()
        lock()
        defer { unlock() }
        guard let op = start(ud) else {
            throw .unavailable(serverLabel, "cannot ask for \(what): \(String(cString: pa_strerror(pa_context_errno(context))))")
        }
        let r = wait(until: Self.now() + 5, what: what) { box.done || pa_operation_get_state(op) != PA_OPERATION_RUNNING }
        if r != nil { pa_operation_cancel(op) }
        pa_operation_unref(op)
        withExtendedLifetime(box) {}
        if let r { throw .unavailable(serverLabel, "asking for \(what): \(r)") }
        return box.found
    }

    // MARK: - Streams

    struct Granted: Sendable {
        var playback: pa_buffer_attr
        var record: pa_buffer_attr
        var sinkName: String
        var sourceName: String
    }

    /// Creates and connects the record stream (first) and the playback stream, and waits until
    /// both are ready. The record stream starts delivering at once; the playback stream starts
    /// with the first write (prebuf).
    func openStreams(settings p: PulseSettings, sink: String, source: String, timeoutMicros: Double) throws(LoopbenchError) -> Granted {
        format = p.format
        channels = p.channels
        frameBytes = p.frameBytes
        var spec = pa_sample_spec(format: p.format.pa, rate: UInt32(p.rate), channels: UInt8(p.channels))
        var flagBits = PA_STREAM_INTERPOLATE_TIMING.rawValue | PA_STREAM_AUTO_TIMING_UPDATE.rawValue | PA_STREAM_DONT_MOVE.rawValue
        if p.adjustLatency { flagBits |= PA_STREAM_ADJUST_LATENCY.rawValue }
        if p.earlyRequests { flagBits |= PA_STREAM_EARLY_REQUESTS.rawValue }
        let flags = pa_stream_flags_t(rawValue: flagBits)
        let fb = p.frameBytes
        var playAttr = pa_buffer_attr(maxlength: p.maxlength.bytes(rate: p.rate, frameBytes: fb), tlength: p.tlength.bytes(rate: p.rate, frameBytes: fb),
                                      prebuf: p.prebuf.bytes(rate: p.rate, frameBytes: fb), minreq: p.minreq.bytes(rate: p.rate, frameBytes: fb),
                                      fragsize: UInt32.max)
        var recAttr = pa_buffer_attr(maxlength: p.maxlength.bytes(rate: p.rate, frameBytes: fb), tlength: UInt32.max, prebuf: UInt32.max,
                                     minreq: UInt32.max, fragsize: p.fragsize.bytes(rate: p.rate, frameBytes: fb))
        let ud = Unmanaged.passUnretained(self).toOpaque()
        lock()
        defer { unlock() }
        guard pa_sample_spec_valid(&spec) != 0 else {
            throw .usage("pulse: \(p.format.rawValue) \(p.channels) ch \(p.rate) Hz is not a valid PulseAudio sample spec", subject: "format")
        }
        guard let rec = pa_stream_new(context, "loopbench capture", &spec, nil),
              let play = pa_stream_new(context, "loopbench playback", &spec, nil) else {
            throw .unavailable(serverLabel, "cannot create streams: \(String(cString: pa_strerror(pa_context_errno(context))))")
        }
        record = rec
        playback = play
        pa_stream_set_read_callback(rec, { s, _, ud in
            Unmanaged<PulseSession>.fromOpaque(ud!).takeUnretainedValue().readAvailable(s!)
        }, ud)
        pa_stream_set_overflow_callback(rec, { _, ud in
            Unmanaged<PulseSession>.fromOpaque(ud!).takeUnretainedValue().overflows += 1
        }, ud)
        pa_stream_set_underflow_callback(play, { _, ud in
            let session = Unmanaged<PulseSession>.fromOpaque(ud!).takeUnretainedValue()
            session.underflows += 1
            if session.underflowFrames.count < 64 { session.underflowFrames.append(session.capturedFrames) }
        }, ud)
        if pa_stream_connect_record(rec, source, &recAttr, flags) < 0 {
            throw .unavailable(serverLabel, "cannot record from source \(source): \(String(cString: pa_strerror(pa_context_errno(context))))")
        }
        if let r = wait(until: Self.now() + timeoutMicros / 1e6, what: "the record stream on \(source)", { pa_stream_get_state(rec) == PA_STREAM_READY }) {
            throw .unavailable(serverLabel, "record stream on source \(source): \(r)")
        }
        if pa_stream_connect_playback(play, sink, &playAttr, flags, nil, nil) < 0 {
            throw .unavailable(serverLabel, "cannot play to sink \(sink): \(String(cString: pa_strerror(pa_context_errno(context))))")
        }
        if let r = wait(until: Self.now() + timeoutMicros / 1e6, what: "the playback stream on \(sink)", { pa_stream_get_state(play) == PA_STREAM_READY }) {
            throw .unavailable(serverLabel, "playback stream on sink \(sink): \(r)")
        }
        let pa = pa_stream_get_buffer_attr(play)?.pointee ?? playAttr
        let ra = pa_stream_get_buffer_attr(rec)?.pointee ?? recAttr
        let sinkName = pa_stream_get_device_name(play).map { String(cString: $0) } ?? sink
        let sourceName = pa_stream_get_device_name(rec).map { String(cString: $0) } ?? source
        return Granted(playback: pa, record: ra, sinkName: sinkName, sourceName: sourceName)
    }

    /// Creates and connects a playback stream alone (`signal --play`) and waits until it is
    /// ready. Returns the granted buffer attributes.
    func openPlayback(settings p: PulseSettings, sink: String, timeoutMicros: Double) throws(LoopbenchError) -> pa_buffer_attr {
        format = p.format
        channels = p.channels
        frameBytes = p.frameBytes
        var spec = pa_sample_spec(format: p.format.pa, rate: UInt32(p.rate), channels: UInt8(p.channels))
        let fb = p.frameBytes
        var attr = pa_buffer_attr(maxlength: p.maxlength.bytes(rate: p.rate, frameBytes: fb), tlength: p.tlength.bytes(rate: p.rate, frameBytes: fb),
                                  prebuf: p.prebuf.bytes(rate: p.rate, frameBytes: fb), minreq: p.minreq.bytes(rate: p.rate, frameBytes: fb),
                                  fragsize: UInt32.max)
        let flags = pa_stream_flags_t(rawValue: PA_STREAM_INTERPOLATE_TIMING.rawValue | PA_STREAM_AUTO_TIMING_UPDATE.rawValue
                                      | (p.adjustLatency ? PA_STREAM_ADJUST_LATENCY.rawValue : 0))
        lock()
        defer { unlock() }
        guard pa_sample_spec_valid(&spec) != 0 else {
            throw .usage("pulse: \(p.format.rawValue) \(p.channels) ch \(p.rate) Hz is not a valid PulseAudio sample spec", subject: "format")
        }
        guard let play = pa_stream_new(context, "loopbench play", &spec, nil) else {
            throw .unavailable(serverLabel, "cannot create a stream: \(String(cString: pa_strerror(pa_context_errno(context))))")
        }
        playback = play
        if pa_stream_connect_playback(play, sink, &attr, flags, nil, nil) < 0 {
            throw .unavailable(serverLabel, "cannot play to sink \(sink): \(String(cString: pa_strerror(pa_context_errno(context))))")
        }
        if let r = wait(until: Self.now() + timeoutMicros / 1e6, what: "the playback stream on \(sink)", { pa_stream_get_state(play) == PA_STREAM_READY }) {
            throw .unavailable(serverLabel, "playback stream on sink \(sink): \(r)")
        }
        return pa_stream_get_buffer_attr(play)?.pointee ?? attr
    }

    /// Sets how many captured frames end the capture. Lock held.
    func setCaptureGoal(_ frames: Int) {
        captureGoal = frames
        captured.reserveCapacity(frames * channels + 65536)
        if capturedFrames >= captureGoal { markCaptureDone() }
    }

    /// The capture has reached its goal: the xruns so far are the run's. Lock held.
    private func markCaptureDone() {
        if !captureDone { xrunsAtCaptureDone = underflows + overflows }
        captureDone = true
    }

    /// Frames captured since the record stream opened (those handed over by ``takeCaptured(from:)`` included).
    var capturedFrames: Int { takenFrames + captured.count / channels }
    /// Frames dropped from the front of `captured` by ``takeCaptured(from:)``.
    private var takenFrames = 0

    /// A stream's delivery: the interleaved frames captured from frame `from` (counted from the
    /// record stream's start) on; everything held so far is then forgotten, so a stream's memory
    /// stays one delivery's worth. Lock held.
    func takeCaptured(from: Int) -> ArraySlice<Float> {
        let a = min(captured.count, max(0, from - takenFrames) * channels)
        let out = captured[a...]
        takenFrames += captured.count / channels
        captured.removeAll(keepingCapacity: true)
        return out
    }

    /// The last record-stream latency sampled, in µs. Lock held.
    var lastRecordLatency: Double? { recordLatencies.last }

    /// Where "now" lies on the capture timeline, in frames: the frames received so far plus
    /// the time since the last fragment arrived (at most one fragment), so the alignment is not
    /// quantised to the record stream's fragments. Lock held.
    func captureClockFrames(rate: Int) -> Int {
        let since = max(0, Self.now() - lastReadTime) * Double(rate)
        return lastReadFrames + min(Int(since.rounded()), lastChunkFrames)
    }

    /// Read callback (mainloop thread, lock held): drains the record stream into `captured`.
    private func readAvailable(_ s: OpaquePointer) {
        while pa_stream_readable_size(s) > 0 {
            var data: UnsafeRawPointer?
            var n = 0
            if pa_stream_peek(s, &data, &n) < 0 || n == 0 { break }
            if let data {
                if pendingBytes.isEmpty && n % frameBytes == 0 {
                    format.decode(data, count: n / format.bytesPerSample, appendTo: &captured)
                } else {
                    pendingBytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n))
                    let whole = pendingBytes.count / frameBytes * frameBytes
                    pendingBytes.withUnsafeBytes { format.decode($0.baseAddress!, count: whole / format.bytesPerSample, appendTo: &captured) }
                    pendingBytes.removeFirst(whole)
                }
            } else {
                // A hole in the record stream: the server has no data for these bytes.
                holes += 1
                captured.append(contentsOf: repeatElement(0, count: n / format.bytesPerSample))
            }
            pa_stream_drop(s)
        }
        let frames = capturedFrames
        if frames > lastReadFrames {
            lastChunkFrames = frames - lastReadFrames
            lastReadFrames = frames
            lastReadTime = Self.now()
        }
        if capturedFrames - lastRecordLatencySample >= 2400 || lastRecordLatencySample == 0 {
            lastRecordLatencySample = max(1, capturedFrames)
            if let l = latencyMicros(s) { recordLatencies.append(l) }
        }
        if captureGoal > 0 && capturedFrames >= captureGoal { markCaptureDone() }
    }

    /// `pa_stream_get_latency` in µs (signed), or nil while libpulse has no timing data. Lock held.
    private func latencyMicros(_ s: OpaquePointer) -> Double? {
        var usec: pa_usec_t = 0
        var negative: Int32 = 0
        guard pa_stream_get_latency(s, &usec, &negative) >= 0 else { return nil }
        return negative != 0 ? -Double(usec) : Double(usec)
    }

    /// The playback stream's reported latency now, in µs. Lock held.
    func playbackLatencyMicros() -> Double? { playback.flatMap { latencyMicros($0) } }
    /// Every record-stream latency sampled so far, in µs. Lock held.
    var recordLatencySamples: [Double] { recordLatencies }

    /// Bytes the playback stream takes now. Lock held.
    func writableFrames() -> Int {
        guard let playback else { return 0 }
        let n = pa_stream_writable_size(playback)
        return n == Int.max || n == -1 ? 0 : n / frameBytes
    }

    /// Writes interleaved float frames to the playback stream (converted to the stream's
    /// format). Lock held. Returns nil on success, else the reason.
    func write(_ samples: UnsafeBufferPointer<Float>) -> String? {
        guard let playback else { return "no playback stream" }
        let bytes = samples.count * format.bytesPerSample
        let buf = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 8)
        defer { buf.deallocate() }
        format.encode(samples, into: buf)
        if pa_stream_write(playback, buf, bytes, nil, 0, PA_SEEK_RELATIVE) < 0 {
            return "pa_stream_write: \(String(cString: pa_strerror(pa_context_errno(context))))"
        }
        return nil
    }
}
