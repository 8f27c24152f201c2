// SPDX-License-Identifier: GPL-2.0-or-later
//
// loopbench-guest: the player-recorder that runs inside loopbench's QEMU test guest.
//
// It reads a probe from a raw block device (`/dev/vda`), plays it on the emulated card while
// recording from the same card, and writes the recording and what ALSA granted to a second
// raw block device (`/dev/vdb`), where the host reads it after the guest powers off. No
// filesystem, no serial console: see docs/qemu-backend.md for the disk layout.
//
// Playback and capture are linked (`snd_pcm_link`), so one trigger starts both: capture frame
// j and playback frame j are the same instant, and the delay the host measures is the card's
// round trip, not process start-up. Playback begins with one buffer of silence (the prefill),
// which the host strips from the capture before analysis.
//
// Only Glibc and libasound: no Foundation, so the guest image stays small.
import CALSA
import Glibc

/// The size of the text header at the start of both disks.
let headerBytes = 4096
/// Recoveries from xruns before the run is given up (each one is reported).
let maxRecoveries = 64

struct Failure: Error { var message: String }

func alsaText(_ code: Int32) -> String { String(cString: snd_strerror(code)) }

func check(_ code: Int32, _ what: String) throws(Failure) {
    if code < 0 { throw Failure(message: "\(what): \(alsaText(code))") }
}

// MARK: - Raw disk I/O

func readAll(_ fd: Int32, count: Int, at offset: Int) throws(Failure) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { throw Failure(message: "probe disk: short read at byte \(offset + done)") }
        done += n
    }
    return out
}

func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws(Failure) {
    var done = 0
    while done < bytes.count {
        let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { throw Failure(message: "capture disk: write failed at byte \(offset + done) (errno \(errno))") }
        done += n
    }
}

/// `key=value` pairs of the probe header's first line.
func parseHeader(_ bytes: [UInt8]) throws(Failure) -> [String: String] {
    let text = String(decoding: bytes.prefix { $0 != 0 && $0 != 10 }, as: UTF8.self)
    let words = text.split(separator: " ")
    guard words.first == "loopbench-probe", words.count > 1, words[1] == "v1" else {
        throw Failure(message: "probe disk: no loopbench-probe v1 header")
    }
    var kv: [String: String] = [:]
    for w in words.dropFirst(2) {
        guard let eq = w.firstIndex(of: "=") else { continue }
        kv[String(w[..<eq])] = String(w[w.index(after: eq)...])
    }
    return kv
}

// MARK: - Mixer: every control to full and unmuted (the kernel's defaults are muted)

func openMixer(card: String) throws(Failure) {
    var m: OpaquePointer?
    try check(snd_mixer_open(&m, 0), "mixer open")
    guard let mixer = m else { throw Failure(message: "mixer open: no handle") }
    try check(snd_mixer_attach(mixer, card), "mixer attach \(card)")
    try check(snd_mixer_selem_register(mixer, nil, nil), "mixer register")
    try check(snd_mixer_load(mixer), "mixer load")
    var elem = snd_mixer_first_elem(mixer)
    while let e = elem {
        var lo = 0, hi = 0
        if snd_mixer_selem_has_playback_volume(e) != 0, snd_mixer_selem_get_playback_volume_range(e, &lo, &hi) == 0 {
            snd_mixer_selem_set_playback_volume_all(e, hi)
        }
        if snd_mixer_selem_has_playback_switch(e) != 0 { snd_mixer_selem_set_playback_switch_all(e, 1) }
        if snd_mixer_selem_has_capture_volume(e) != 0, snd_mixer_selem_get_capture_volume_range(e, &lo, &hi) == 0 {
            snd_mixer_selem_set_capture_volume_all(e, hi)
        }
        if snd_mixer_selem_has_capture_switch(e) != 0 { snd_mixer_selem_set_capture_switch_all(e, 1) }
        elem = snd_mixer_elem_next(e)
    }
    snd_mixer_close(mixer)
}

/// The mixer of `device`'s card to full; a failure is reported, not fatal.
func unmuteMixer(device: String, report: inout Report) {
    let card = device.hasPrefix("hw:") ? "hw:" + String(device.dropFirst(3).prefix { $0 != "," }) : "default"
    do throws(Failure) { try openMixer(card: card) } catch { report.lines.append("mixer_error=\(error.message.replacingSpaces())") }
}

// MARK: - PCM

struct Granted { var period = 0; var buffer = 0; var rate = 0 }

func configure(_ pcm: OpaquePointer, rate: Int, channels: Int, period: Int, buffer: Int, label: String) throws(Failure) -> Granted {
    var hwp: OpaquePointer?
    try check(snd_pcm_hw_params_malloc(&hwp), "\(label) hw_params")
    guard let hw = hwp else { throw Failure(message: "\(label): out of memory") }
    defer { snd_pcm_hw_params_free(hw) }
    try check(snd_pcm_hw_params_any(pcm, hw), "\(label) hw_params_any")
    try check(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED), "\(label) access")
    try check(snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE), "\(label) format S16_LE")
    try check(snd_pcm_hw_params_set_channels(pcm, hw, UInt32(channels)), "\(label) channels \(channels)")
    var r = UInt32(rate)
    var dir: Int32 = 0
    try check(snd_pcm_hw_params_set_rate_near(pcm, hw, &r, &dir), "\(label) rate \(rate)")
    if Int(r) != rate { throw Failure(message: "\(label): the card offers \(r) Hz, not \(rate) Hz") }
    var p = snd_pcm_uframes_t(period)
    try check(snd_pcm_hw_params_set_period_size_near(pcm, hw, &p, &dir), "\(label) period \(period)")
    var b = snd_pcm_uframes_t(buffer)
    try check(snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &b), "\(label) buffer \(buffer)")
    try check(snd_pcm_hw_params(pcm, hw), "\(label) hw_params")
    snd_pcm_hw_params_get_period_size(hw, &p, &dir)
    snd_pcm_hw_params_get_buffer_size(hw, &b)

    var swp: OpaquePointer?
    try check(snd_pcm_sw_params_malloc(&swp), "\(label) sw_params")
    guard let sw = swp else { throw Failure(message: "\(label): out of memory") }
    defer { snd_pcm_sw_params_free(sw) }
    try check(snd_pcm_sw_params_current(pcm, sw), "\(label) sw_params_current")
    var boundary: snd_pcm_uframes_t = 0
    snd_pcm_sw_params_get_boundary(sw, &boundary)
    // Start only on the explicit trigger, never on a fill level.
    try check(snd_pcm_sw_params_set_start_threshold(pcm, sw, boundary), "\(label) start_threshold")
    try check(snd_pcm_sw_params_set_avail_min(pcm, sw, p), "\(label) avail_min")
    try check(snd_pcm_sw_params(pcm, sw), "\(label) sw_params")
    return Granted(period: Int(p), buffer: Int(b), rate: Int(r))
}

// MARK: - The run

struct Report {
    var lines: [String] = []
    var xrunCount = 0
    var xruns: [String] = []

    /// The header's closing words: where the xruns were, and anything else noted.
    func words() -> String {
        (xruns.isEmpty ? "" : " xrun_at=" + xruns.joined(separator: ",")) + lines.map { " " + $0 }.joined()
    }
}

/// Plays `play` (interleaved S16, already holding the prefill and tail) and records
/// `captureFrames` frames; returns the frames recorded.
func duplex(playback pl: OpaquePointer, capture cap: OpaquePointer, linked: Bool, play: [Int16], captureFrames: Int,
            channels: Int, prefill: Int, rec: inout [Int16], report: inout Report) throws(Failure) -> Int {
    let playFrames = play.count / channels
    var wpos = 0, rpos = 0
    func write(_ frames: Int) -> Int {
        play.withUnsafeBufferPointer { Int(snd_pcm_writei(pl, $0.baseAddress! + wpos * channels, snd_pcm_uframes_t(frames))) }
    }
    func restart() throws(Failure) {
        snd_pcm_drop(pl)
        if !linked { snd_pcm_drop(cap) }
        try check(snd_pcm_prepare(pl), "prepare playback")
        if !linked || snd_pcm_state(cap) != SND_PCM_STATE_PREPARED { try check(snd_pcm_prepare(cap), "prepare capture") }
        let n = min(prefill, playFrames - wpos)
        if n > 0 {
            let w = write(n)
            if w > 0 { wpos += w }
        }
        try check(snd_pcm_start(pl), "start")
        if !linked { try check(snd_pcm_start(cap), "start capture") }
    }
    let w = write(prefill)
    if w < 0 { throw Failure(message: "prefill: \(alsaText(Int32(w)))") }
    wpos = w
    snd_pcm_nonblock(pl, 1)
    snd_pcm_nonblock(cap, 1)
    let npl = Int(snd_pcm_poll_descriptors_count(pl)), ncap = Int(snd_pcm_poll_descriptors_count(cap))
    var fds = [pollfd](repeating: pollfd(), count: npl + ncap)
    fds.withUnsafeMutableBufferPointer { b in
        _ = snd_pcm_poll_descriptors(pl, b.baseAddress!, UInt32(npl))
        _ = snd_pcm_poll_descriptors(cap, b.baseAddress! + npl, UInt32(ncap))
    }
    try check(snd_pcm_start(pl), "start")
    if !linked { try check(snd_pcm_start(cap), "start capture") }
    var recoveries = 0
    let playbackEvents = fds.prefix(npl).map(\.events)
    while rpos < captureFrames {
        // Once the whole playback is queued its descriptors would report room forever: stop
        // waiting on them, or the loop would spin through the capture's tail.
        for i in 0..<npl { fds[i].events = wpos < playFrames ? playbackEvents[i] : 0 }
        let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress!, nfds_t($0.count), 2000) }
        if ready == 0 {
            report.lines.append("timeout=poll capture_frame=\(rpos) written=\(wpos)")
            break
        }
        var xrun = ""
        // Playback is refilled as soon as there is room: the emulated card may pull well ahead.
        while wpos < playFrames {
            let a = Int(snd_pcm_avail_update(pl))
            if a < 0 || snd_pcm_state(pl) == SND_PCM_STATE_XRUN { xrun = "playback-underrun"; break }
            if a == 0 { break }
            let n = write(min(a, playFrames - wpos))
            if n == -Int(EAGAIN) { break }
            if n < 0 { xrun = "playback-underrun"; break }
            wpos += n
        }
        while xrun.isEmpty && rpos < captureFrames {
            let a = Int(snd_pcm_avail_update(cap))
            if a < 0 || snd_pcm_state(cap) == SND_PCM_STATE_XRUN { xrun = "capture-overrun"; break }
            if a == 0 { break }
            let want = min(a, captureFrames - rpos)
            let n = rec.withUnsafeMutableBufferPointer { Int(snd_pcm_readi(cap, $0.baseAddress! + rpos * channels, snd_pcm_uframes_t(want))) }
            if n == -Int(EAGAIN) { break }
            if n < 0 { xrun = "capture-overrun"; break }
            rpos += n
        }
        if !xrun.isEmpty {
            report.xrunCount += 1
            report.xruns.append("\(xrun)@\(rpos)/\(wpos)")
            recoveries += 1
            if recoveries > maxRecoveries || wpos >= playFrames || wpos >= captureFrames { break }
            // After the restart both streams start on one trigger again, with playback frame
            // `wpos`: the capture continues at the same index, so that capture frame j and
            // playback frame j stay the same instant. What could not be recorded is silence.
            if rpos < wpos {
                rec.withUnsafeMutableBufferPointer { b in for i in (rpos * channels)..<(wpos * channels) { b[i] = 0 } }
            }
            rpos = wpos
            try restart()
        }
    }
    snd_pcm_drop(pl)
    snd_pcm_drop(cap)
    return rpos
}

// MARK: - Play only (`signal --play --backend qemu`)

/// The host's stop line (a second serial port): raw and non-blocking, so that one byte, with
/// no newline, is seen at once. -1 when there is none (the probe then plays to its end).
func openStopLine(_ path: String?) -> Int32 {
    guard let path else { return -1 }
    let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
    if fd < 0 { return -1 }
    var t = termios()
    if tcgetattr(fd, &t) == 0 {
        cfmakeraw(&t)
        tcsetattr(fd, TCSANOW, &t)
    }
    return fd
}

/// Whether the host asked to stop: any byte on the stop line.
func stopAsked(_ fd: Int32) -> Bool {
    guard fd >= 0 else { return false }
    var b = [UInt8](repeating: 0, count: 16)
    return b.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 16) } > 0
}

/// Writes `block` (interleaved) in full, blocking; an underrun is counted, the stream prepared
/// and started again with this block.
func writeBlock(_ pl: OpaquePointer, _ block: [Int16], channels: Int, report: inout Report) throws(Failure) {
    var at = 0
    let frames = block.count / channels
    while at < frames {
        let n = block.withUnsafeBufferPointer { Int(snd_pcm_writei(pl, $0.baseAddress! + at * channels, snd_pcm_uframes_t(frames - at))) }
        if n == -Int(EPIPE) || n == -Int(ESTRPIPE) {
            report.xrunCount += 1
            report.xruns.append("playback-underrun@\(at)")
            if report.xrunCount > maxRecoveries { throw Failure(message: "playback: more than \(maxRecoveries) underruns") }
            try check(snd_pcm_prepare(pl), "prepare playback")
            continue
        }
        if n < 0 { throw Failure(message: "playback: \(alsaText(Int32(n)))") }
        at += n
        if snd_pcm_state(pl) == SND_PCM_STATE_PREPARED { try check(snd_pcm_start(pl), "start") }
    }
}

/// A sine of `hz` at peak `amp`, faded in over `fade` frames; the phase wraps at 2π.
struct Sine {
    let w: Double, amp: Double, fade: Int
    var phase = 0.0, frame = 0
    mutating func next(_ frames: Int, channels: Int, fadeOut: Bool) -> [Int16] {
        var out = [Int16](repeating: 0, count: frames * channels)
        for i in 0..<frames {
            var v = amp * sin(phase)
            phase += w
            if phase >= 2 * Double.pi { phase -= 2 * Double.pi }
            if frame + i < fade { v *= Double(frame + i) / Double(fade) }
            if fadeOut { v *= Double(frames - i) / Double(frames) }
            let s = Int16(clamping: Int((v * 32767).rounded()))
            for c in 0..<channels { out[i * channels + c] = s }
        }
        frame += frames
        return out
    }
}

/// Plays the probe once, or (`tone=HZ amp=A`) a sine until the host asks to stop on
/// `stop=PATH`; a tone then fades out and plays to its end. Returns the report's header line.
func playOnly(_ kv: [String: String], probe: [Int16], rate: Int, channels: Int, period: Int, buffer: Int, device: String,
              report: inout Report) throws(Failure) -> String {
    var plh: OpaquePointer?
    try check(snd_pcm_open(&plh, device, SND_PCM_STREAM_PLAYBACK, 0), "open playback \(device)")
    guard let pl = plh else { throw Failure(message: "open: no handle") }
    let g = try configure(pl, rate: rate, channels: channels, period: period, buffer: buffer, label: "playback")
    let stopFD = openStopLine(kv["stop"])
    let hz = kv["tone"].flatMap { Double($0) }, amp = kv["amp"].flatMap { Double($0) } ?? 0.5
    // 10 ms fades: long enough to start and stop a tone without a click (as the host's tone).
    var sine = hz.map { Sine(w: 2 * Double.pi * $0 / Double(rate), amp: amp, fade: rate / 100) }
    try check(snd_pcm_prepare(pl), "prepare")
    // One buffer of silence, then the explicit start (``writeBlock``: the start threshold is never reached).
    try writeBlock(pl, [Int16](repeating: 0, count: g.buffer * channels), channels: channels, report: &report)
    if stopFD >= 0 { _ = "playing\n".withCString { write(stopFD, $0, 8) } }
    var played = 0, interrupted = false
    while true {
        if stopAsked(stopFD) { interrupted = true }
        if var s = sine {
            let block = s.next(interrupted ? rate / 100 : g.period, channels: channels, fadeOut: interrupted)
            sine = s
            try writeBlock(pl, block, channels: channels, report: &report)
            played += block.count / channels
            if interrupted { break }
        } else {
            let n = min(g.period, probe.count / channels - played)
            if n <= 0 || interrupted { break }
            try writeBlock(pl, Array(probe[(played * channels)..<((played + n) * channels)]), channels: channels, report: &report)
            played += n
        }
    }
    if interrupted && sine == nil { snd_pcm_drop(pl) } else { snd_pcm_drain(pl) }
    snd_pcm_close(pl)
    var header = "loopbench-capture v1 status=ok mode=play rate=\(rate) channels=\(channels) frames=0 played=\(played)"
    header += " interrupted=\(interrupted ? 1 : 0) period=\(g.period) buffer=\(g.buffer) xruns=\(report.xrunCount)"
    return header + report.words()
}

/// Play-only's report: on the console and, with no audio, on the capture disk.
func finishPlayOnly(_ header: String, capturePath: String, channels: Int) throws(Failure) -> Int32 {
    print("loopbench-guest: " + header)
    try writeCapture(capturePath, header: header, samples: [], frames: 0, channels: channels)
    return 0
}

// MARK: - Stream (`soak --backend qemu`)

/// Bytes of a stream block's text header, before its audio.
let blockHeaderBytes = 512

/// The capture disk, written block by block while the stream runs.
struct BlockWriter {
    let fd: Int32
    let channels: Int
    let blockFrames: Int
    let slots: Int
    /// Frames of silence before the cycle: capture frame `prefill` is the probe's frame 0.
    let prefill: Int
    var seq = 0
    var buf: [Int16] = []

    /// Appends captured frames (interleaved); writes every block that fills.
    mutating func append(_ samples: UnsafeBufferPointer<Int16>, firstFrame: Int, xruns: Int) throws(Failure) {
        buf.append(contentsOf: samples)
        while buf.count >= blockFrames * channels {
            try write(Array(buf.prefix(blockFrames * channels)), first: firstFrame + samples.count / channels - buf.count / channels, xruns: xruns)
            buf.removeFirst(blockFrames * channels)
        }
    }

    /// Block `seq` into slot `seq mod slots`: its audio, synced, then its header, synced, so a
    /// header the host reads vouches for the audio before it.
    mutating func write(_ block: [Int16], first: Int, xruns: Int) throws(Failure) {
        let base = headerBytes + (seq % slots) * (blockHeaderBytes + blockFrames * channels * 2)
        let le = block.map { $0.littleEndian }
        let a = le.withUnsafeBytes { b in Result { () throws(Failure) in try writeAll(fd, b, at: base + blockHeaderBytes) } }
        try a.get()
        fdatasync(fd)
        var head = [UInt8](repeating: 0, count: blockHeaderBytes)
        let text = Array("loopbench-block v1 seq=\(seq) first=\(first) frames=\(blockFrames) prefill=\(prefill) xruns=\(xruns)\n".utf8)
        head.replaceSubrange(0..<text.count, with: text)
        let h = head.withUnsafeBytes { b in Result { () throws(Failure) in try writeAll(fd, b, at: base) } }
        try h.get()
        fdatasync(fd)
        seq += 1
    }
}

/// The linked playback and capture of a stream: playback frame `wpos` of an endless timeline
/// (one buffer of silence, then `cycle` over and over), capture frame `rpos`, the same instant
/// for the same index.
struct DuplexStream {
    let pl: OpaquePointer, cap: OpaquePointer
    let linked: Bool
    let cycle: [Int16]
    let channels: Int, period: Int, buffer: Int, prefill: Int
    var wpos = 0, rpos = 0
    var rec: [Int16]

    init(pl: OpaquePointer, cap: OpaquePointer, linked: Bool, cycle: [Int16], channels: Int, period: Int, buffer: Int, prefill: Int) {
        (self.pl, self.cap, self.linked, self.cycle) = (pl, cap, linked, cycle)
        (self.channels, self.period, self.buffer, self.prefill) = (channels, period, buffer, prefill)
        rec = [Int16](repeating: 0, count: buffer * channels)
    }

    /// Playback frames `wpos ..< wpos + n` of the timeline.
    func frames(_ n: Int) -> [Int16] {
        var b = [Int16](repeating: 0, count: n * channels)
        let cycleFrames = cycle.count / channels
        for i in 0..<n where wpos + i >= prefill {
            let k = (wpos + i - prefill) % cycleFrames
            for c in 0..<channels { b[i * channels + c] = cycle[k * channels + c] }
        }
        return b
    }

    func write(_ n: Int) -> Int {
        let b = frames(n)
        return b.withUnsafeBufferPointer { Int(snd_pcm_writei(pl, $0.baseAddress!, snd_pcm_uframes_t(n))) }
    }

    /// One buffer from `wpos` on, then one trigger for both.
    mutating func start() throws(Failure) {
        let w = write(buffer)
        if w > 0 { wpos += w }
        try check(snd_pcm_start(pl), "start")
        if !linked { try check(snd_pcm_start(cap), "start capture") }
    }

    /// Tops the playback up; an xrun's name, or "".
    mutating func fill() -> String {
        while true {
            let a = Int(snd_pcm_avail_update(pl))
            if a < 0 || snd_pcm_state(pl) == SND_PCM_STATE_XRUN { return "playback-underrun" }
            if a == 0 { return "" }
            let n = write(min(a, period))
            if n == -Int(EAGAIN) { return "" }
            if n < 0 { return "playback-underrun" }
            wpos += n
        }
    }

    /// Reads what the capture holds into `out`; an xrun's name, or "".
    mutating func drain(into out: inout BlockWriter, xruns: Int) throws(Failure) -> String {
        while true {
            let a = Int(snd_pcm_avail_update(cap))
            if a < 0 || snd_pcm_state(cap) == SND_PCM_STATE_XRUN { return "capture-overrun" }
            if a == 0 { return "" }
            let n = rec.withUnsafeMutableBufferPointer { Int(snd_pcm_readi(cap, $0.baseAddress!, snd_pcm_uframes_t(min(a, buffer)))) }
            if n == -Int(EAGAIN) { return "" }
            if n < 0 { return "capture-overrun" }
            try rec.withUnsafeBufferPointer { b throws(Failure) in try out.append(UnsafeBufferPointer(rebasing: b[0..<(n * channels)]), firstFrame: rpos, xruns: xruns) }
            rpos += n
        }
    }

    /// After an xrun both streams start again on one trigger at playback frame `wpos`; what the
    /// capture could not record until then is silence, so frame j stays playback frame j.
    mutating func recover(into out: inout BlockWriter, xruns: Int) throws(Failure) {
        if rpos < wpos {
            let gap = [Int16](repeating: 0, count: (wpos - rpos) * channels)
            try gap.withUnsafeBufferPointer { b throws(Failure) in try out.append(b, firstFrame: rpos, xruns: xruns) }
        }
        rpos = max(rpos, wpos)
        wpos = rpos
        snd_pcm_drop(pl)
        if !linked { snd_pcm_drop(cap) }
        try check(snd_pcm_prepare(pl), "prepare playback")
        if !linked || snd_pcm_state(cap) != SND_PCM_STATE_PREPARED { try check(snd_pcm_prepare(cap), "prepare capture") }
        try start()
    }

    /// Both PCMs' poll descriptors.
    func pollDescriptors() -> [pollfd] {
        let npl = Int(snd_pcm_poll_descriptors_count(pl)), ncap = Int(snd_pcm_poll_descriptors_count(cap))
        var fds = [pollfd](repeating: pollfd(), count: npl + ncap)
        fds.withUnsafeMutableBufferPointer { b in
            _ = snd_pcm_poll_descriptors(pl, b.baseAddress!, UInt32(npl))
            _ = snd_pcm_poll_descriptors(cap, b.baseAddress! + npl, UInt32(ncap))
        }
        return fds
    }
}

/// Plays `cycle` (interleaved S16) over and over after one buffer of silence while recording
/// from the same card, and writes the capture to the capture disk as it comes (``BlockWriter``:
/// `block` frames a block, `slots` slots, then around again), until the host writes a byte to
/// `stop=PATH`. Capture frame j and playback frame j are the same instant, as in a run; the
/// blocks count capture frames from the stream's start, the prefill included. An xrun restarts
/// both streams at the playback frame reached; the capture's missing frames are silence.
func stream(_ kv: [String: String], cycle: [Int16], rate: Int, channels: Int, period: Int, buffer: Int, device: String,
            capturePath: String, report: inout Report) throws(Failure) -> String {
    guard let blockFrames = kv["block"].flatMap({ Int($0) }), let slots = kv["slots"].flatMap({ Int($0) }), blockFrames > 0, slots > 0 else {
        throw Failure(message: "probe header: stream needs block= and slots=")
    }
    var plh: OpaquePointer?, caph: OpaquePointer?
    try check(snd_pcm_open(&plh, device, SND_PCM_STREAM_PLAYBACK, 0), "open playback \(device)")
    try check(snd_pcm_open(&caph, device, SND_PCM_STREAM_CAPTURE, 0), "open capture \(device)")
    guard let pl = plh, let cap = caph else { throw Failure(message: "open: no handle") }
    let gp = try configure(pl, rate: rate, channels: channels, period: period, buffer: buffer, label: "playback")
    _ = try configure(cap, rate: rate, channels: channels, period: period, buffer: buffer, label: "capture")
    let linked = snd_pcm_link(cap, pl) == 0
    try check(snd_pcm_prepare(pl), "prepare")
    let fd = open(capturePath, O_WRONLY)
    if fd < 0 { throw Failure(message: "cannot open \(capturePath) (errno \(errno))") }
    defer { close(fd) }
    let stopFD = openStopLine(kv["stop"])
    var io = DuplexStream(pl: pl, cap: cap, linked: linked, cycle: cycle, channels: channels, period: gp.period, buffer: gp.buffer, prefill: gp.buffer)
    var out = BlockWriter(fd: fd, channels: channels, blockFrames: blockFrames, slots: slots, prefill: gp.buffer)
    try io.start()
    snd_pcm_nonblock(pl, 1)
    snd_pcm_nonblock(cap, 1)
    if stopFD >= 0 { _ = "playing\n".withCString { Glibc.write(stopFD, $0, 8) } }
    var fds = io.pollDescriptors()
    while !stopAsked(stopFD) {
        if fds.withUnsafeMutableBufferPointer({ poll($0.baseAddress!, nfds_t($0.count), 2000) }) == 0 {
            report.lines.append("timeout=poll capture_frame=\(io.rpos) written=\(io.wpos)")
            break
        }
        var xrun = io.fill()
        if xrun.isEmpty { xrun = try io.drain(into: &out, xruns: report.xrunCount) }
        if xrun.isEmpty { continue }
        report.xrunCount += 1
        if report.xruns.count < maxRecoveries { report.xruns.append("\(xrun)@\(io.rpos)/\(io.wpos)") }
        try io.recover(into: &out, xruns: report.xrunCount)
    }
    snd_pcm_drop(pl)
    snd_pcm_drop(cap)
    snd_pcm_close(pl)
    snd_pcm_close(cap)
    var header = "loopbench-capture v1 status=ok mode=stream rate=\(rate) channels=\(channels) frames=0 blocks=\(out.seq)"
    header += " prefill=\(gp.buffer) linked=\(linked ? 1 : 0) period=\(gp.period) buffer=\(gp.buffer) xruns=\(report.xrunCount)"
    return header + report.words()
}

/// Seconds since the guest booted (its own clock), or -1.
func uptime() -> Double {
    let fd = open("/proc/uptime", O_RDONLY)
    if fd < 0 { return -1 }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 64)
    let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 63) }
    if n <= 0 { return -1 }
    let text = String(decoding: buf.prefix(n).prefix { $0 != 32 }, as: UTF8.self)
    return Double(text) ?? -1
}

func run() throws(Failure) -> Int32 {
    let startUptime = uptime()
    let args = CommandLine.arguments
    let probePath = args.count > 1 ? args[1] : "/dev/vda"
    let capturePath = args.count > 2 ? args[2] : "/dev/vdb"
    let inFD = open(probePath, O_RDONLY)
    if inFD < 0 { throw Failure(message: "cannot open \(probePath) (errno \(errno))") }
    let kv = try parseHeader(try readAll(inFD, count: headerBytes, at: 0))
    func int(_ k: String) throws(Failure) -> Int {
        guard let v = kv[k].flatMap({ Int($0) }), v >= 0 else { throw Failure(message: "probe header: missing or bad \(k)") }
        return v
    }
    let rate = try int("rate"), channels = try int("channels"), frames = try int("frames")
    let period = try int("period"), buffer = try int("buffer"), tail = try int("tail")
    let device = kv["device"] ?? "hw:0,0"
    guard channels >= 1 && channels <= 8, frames > 0, frames <= 48000 * 600, period > 0, buffer >= 2 * period else {
        throw Failure(message: "probe header: values out of range")
    }
    let raw = try readAll(inFD, count: frames * channels * 2, at: headerBytes)
    close(inFD)

    var report = Report()
    if kv["mixer"] != "0" { unmuteMixer(device: device, report: &report) }
    let samples = raw.withUnsafeBytes { src in (0..<(frames * channels)).map { Int16(littleEndian: src.load(fromByteOffset: 2 * $0, as: Int16.self)) } }
    if kv["mode"] == "play" {
        let header = try playOnly(kv, probe: samples, rate: rate, channels: channels, period: period, buffer: buffer, device: device, report: &report)
        return try finishPlayOnly(header + " uptime_start=\(startUptime) uptime_end=\(uptime())", capturePath: capturePath, channels: channels)
    }
    if kv["mode"] == "stream" {
        let header = try stream(kv, cycle: samples, rate: rate, channels: channels, period: period, buffer: buffer, device: device,
                                capturePath: capturePath, report: &report)
        print("loopbench-guest: " + header)
        try writeCapture(capturePath, header: header + " uptime_start=\(startUptime) uptime_end=\(uptime())", samples: [], frames: 0, channels: channels)
        return 0
    }
    var plh: OpaquePointer?, caph: OpaquePointer?
    try check(snd_pcm_open(&plh, device, SND_PCM_STREAM_PLAYBACK, 0), "open playback \(device)")
    try check(snd_pcm_open(&caph, device, SND_PCM_STREAM_CAPTURE, 0), "open capture \(device)")
    guard let pl = plh, let cap = caph else { throw Failure(message: "open: no handle") }
    let gp = try configure(pl, rate: rate, channels: channels, period: period, buffer: buffer, label: "playback")
    let gc = try configure(cap, rate: rate, channels: channels, period: period, buffer: buffer, label: "capture")
    let linked = snd_pcm_link(cap, pl) == 0
    try check(snd_pcm_prepare(pl), "prepare")

    // Playback: one buffer of silence, the probe, the tail, and two buffers more, so that the
    // linked capture is never stopped by a playback underrun at the very end.
    let prefill = gp.buffer
    let captureFrames = prefill + frames + tail
    var play = [Int16](repeating: 0, count: (captureFrames + 2 * gp.buffer) * channels)
    play.replaceSubrange((prefill * channels)..<((prefill + frames) * channels), with: samples)
    var rec = [Int16](repeating: 0, count: captureFrames * channels)
    let got = try duplex(playback: pl, capture: cap, linked: linked, play: play, captureFrames: captureFrames,
                         channels: channels, prefill: prefill, rec: &rec, report: &report)
    snd_pcm_close(pl)
    snd_pcm_close(cap)
    let endUptime = uptime()

    var header = "loopbench-capture v1 status=ok rate=\(rate) channels=\(channels) frames=\(got) expected=\(captureFrames)"
    header += " prefill=\(prefill) linked=\(linked ? 1 : 0) period=\(gp.period) buffer=\(gp.buffer)"
    header += " capture_period=\(gc.period) capture_buffer=\(gc.buffer) xruns=\(report.xrunCount)"
    header += " uptime_start=\(startUptime) uptime_end=\(endUptime)" + report.words()
    print("loopbench-guest: " + header)
    try writeCapture(capturePath, header: header, samples: rec, frames: got, channels: channels)
    return 0
}

func writeCapture(_ path: String, header: String, samples: [Int16], frames: Int, channels: Int) throws(Failure) {
    let fd = open(path, O_WRONLY)
    if fd < 0 { throw Failure(message: "cannot open \(path) (errno \(errno))") }
    var head = [UInt8](repeating: 0, count: headerBytes)
    let text = Array((header + "\n").utf8.prefix(headerBytes - 1))
    head.replaceSubrange(0..<text.count, with: text)
    let le = samples.prefix(frames * channels).map { $0.littleEndian }
    let headErr = head.withUnsafeBytes { b in Result { () throws(Failure) in try writeAll(fd, b, at: 0) } }
    let bodyErr = le.withUnsafeBytes { b in Result { () throws(Failure) in try writeAll(fd, b, at: headerBytes) } }
    try headErr.get()
    try bodyErr.get()
    fsync(fd)
    close(fd)
}

func writeFailure(_ message: String) {
    let path = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "/dev/vdb"
    let line = "loopbench-capture v1 status=error message=" + message.replacingSpaces()
    print("loopbench-guest: " + line)
    do throws(Failure) { try writeCapture(path, header: line, samples: [], frames: 0, channels: 1) } catch {}
}

extension String {
    /// Header values are space-separated words: spaces inside a value become underscores.
    func replacingSpaces() -> String { String(map { $0 == " " || $0 == "\n" ? "_" : $0 }) }
}

do throws(Failure) {
    exit(try run())
} catch {
    writeFailure(error.message)
    exit(1)
}
