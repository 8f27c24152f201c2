// SPDX-License-Identifier: GPL-2.0-or-later
import CALSA
import Foundation
import LoopbenchCore

/// One open ALSA PCM (playback or capture): the seam between loopbench and libasound.
/// Every libasound call of the backend is made through this type.
///
/// A PCM is used by one thread at a time (opened and configured by the caller, then handed to
/// its I/O thread, closed by the caller after that thread has finished).
final class ALSAPCM: @unchecked Sendable {
    let handle: OpaquePointer
    let device: String
    let isPlayback: Bool
    /// What the device granted.
    private(set) var bufferFrames = 0
    private(set) var periodFrames = 0
    private(set) var startThreshold = 0
    private var closed = false

    var label: String { "alsa device \(device) (\(isPlayback ? "playback" : "capture"))" }

    /// alsa-lib's text for `code`, with its own messages since the last error folded in.
    static func errorText(_ code: Int32) -> String { ALSAMessages.folded(String(cString: snd_strerror(code))) }

    /// Opens `device` (without blocking on a busy device) and switches it to blocking I/O.
    init(device: String, playback: Bool) throws(LoopbenchError) {
        self.device = device
        isPlayback = playback
        ALSAMessages.install()
        _ = ALSAMessages.take()
        var h: OpaquePointer?
        let r = snd_pcm_open(&h, device, playback ? SND_PCM_STREAM_PLAYBACK : SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK)
        let what = "alsa device \(device) (\(playback ? "playback" : "capture"))"
        guard r >= 0, let h else {
            switch -r {
            case ENOENT, ENODEV, ENXIO:
                let known = ALSAPCM.deviceNames()
                throw .unavailable(what, "no such PCM (\(ALSAPCM.errorText(r))); known PCMs: \(known.isEmpty ? "none" : known.prefix(12).joined(separator: ", "))")
            case EBUSY:
                throw .unavailable(what, "the device is busy (another program has it open); close it or pick another device")
            case ECONNREFUSED:
                throw .unavailable(what, "the sound server behind it refused the connection (\(ALSAPCM.errorText(r))); is PulseAudio running? (for tests: scripts/pulse-loopback start, then eval \"$(scripts/pulse-loopback env)\")")
            default:
                throw .unavailable(what, "cannot open: \(ALSAPCM.errorText(r))")
            }
        }
        handle = h
        snd_pcm_nonblock(h, 0)
    }

    deinit { close() }

    func close() {
        if closed { return }
        closed = true
        snd_pcm_close(handle)
    }

    /// PCM names ALSA knows (from the device hints), for error messages.
    static func deviceNames() -> [String] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) >= 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var names: [String] = []
        var i = 0
        while let hint = hints[i] {
            if let n = snd_device_name_get_hint(hint, "NAME") {
                names.append(String(cString: n))
                free(n)
            }
            i += 1
        }
        return names
    }

    /// Configures the hardware and software parameters. Refusals the device makes (format,
    /// channels, rate, sizes out of range) throw a usage error that says what it offers instead;
    /// sizes it rounds (`set_*_near`) are returned as notes.
    func configure(_ s: ALSASettings) throws(LoopbenchError) -> [String] {
        var notes: [String] = []
        var hwp: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&hwp) >= 0, let hw = hwp else { throw .unavailable(label, "out of memory") }
        defer { snd_pcm_hw_params_free(hw) }
        var r = snd_pcm_hw_params_any(handle, hw)
        guard r >= 0 else { throw .unavailable(label, "cannot read its hardware parameters: \(Self.errorText(r))") }

        r = snd_pcm_hw_params_set_access(handle, hw, SND_PCM_ACCESS_RW_INTERLEAVED)
        guard r >= 0 else { throw .unavailable(label, "does not offer interleaved read/write access: \(Self.errorText(r))") }

        if snd_pcm_hw_params_set_format(handle, hw, s.format.alsa) < 0 {
            let offered = ALSAFormat.allCases.filter { snd_pcm_hw_params_test_format(handle, hw, $0.alsa) == 0 }.map(\.rawValue)
            throw .usage("\(label): refuses format \(s.format.rawValue); it offers \(offered.isEmpty ? "none loopbench can use" : offered.joined(separator: ", "))", subject: "format")
        }
        if snd_pcm_hw_params_set_channels(handle, hw, UInt32(s.channels)) < 0 {
            var lo: UInt32 = 0, hi: UInt32 = 0
            snd_pcm_hw_params_get_channels_min(hw, &lo)
            snd_pcm_hw_params_get_channels_max(hw, &hi)
            throw .usage("\(label): refuses \(s.channels) channels; it offers \(lo)–\(hi)", subject: "channels")
        }
        snd_pcm_hw_params_set_rate_resample(handle, hw, 0)
        var rate = UInt32(s.rate)
        var dir: Int32 = 0
        if snd_pcm_hw_params_set_rate_near(handle, hw, &rate, &dir) < 0 || rate != UInt32(s.rate) {
            throw .usage("\(label): refuses rate \(s.rate) Hz; the nearest it offers is \(rate) Hz", subject: "rate")
        }

        var bmin: snd_pcm_uframes_t = 0, bmax: snd_pcm_uframes_t = 0, pmin: snd_pcm_uframes_t = 0, pmax: snd_pcm_uframes_t = 0
        snd_pcm_hw_params_get_buffer_size_min(hw, &bmin)
        snd_pcm_hw_params_get_buffer_size_max(hw, &bmax)
        snd_pcm_hw_params_get_period_size_min(hw, &pmin, &dir)
        snd_pcm_hw_params_get_period_size_max(hw, &pmax, &dir)
        let wantBuf = s.buffer.frames(rate: s.rate) ?? 0
        let wantPer = s.period.frames(rate: s.rate) ?? 0
        guard wantBuf >= Int(bmin) && UInt(wantBuf) <= bmax else {
            throw .usage("\(label): refuses buffer=\(s.buffer.text) (\(wantBuf) frames); it offers \(bmin)–\(bmax) frames", subject: "buffer")
        }
        guard wantPer >= Int(pmin) && UInt(wantPer) <= pmax else {
            throw .usage("\(label): refuses period=\(s.period.text) (\(wantPer) frames); it offers \(pmin)–\(pmax) frames", subject: "period")
        }
        var buf = snd_pcm_uframes_t(wantBuf)
        r = snd_pcm_hw_params_set_buffer_size_near(handle, hw, &buf)
        guard r >= 0 else { throw .usage("\(label): refuses buffer=\(s.buffer.text) (\(wantBuf) frames): \(Self.errorText(r)); it offers \(bmin)–\(bmax) frames", subject: "buffer") }
        var per = snd_pcm_uframes_t(wantPer)
        r = snd_pcm_hw_params_set_period_size_near(handle, hw, &per, &dir)
        guard r >= 0 else {
            var lo: snd_pcm_uframes_t = 0, hi: snd_pcm_uframes_t = 0
            snd_pcm_hw_params_get_period_size_min(hw, &lo, &dir)
            snd_pcm_hw_params_get_period_size_max(hw, &hi, &dir)
            throw .usage("\(label): refuses period=\(s.period.text) (\(wantPer) frames) with a \(buf)-frame buffer: \(Self.errorText(r)); it offers \(lo)–\(hi) frames", subject: "period")
        }
        r = snd_pcm_hw_params(handle, hw)
        guard r >= 0 else { throw .usage("\(label): refuses the parameter set (\(s.format.rawValue), \(s.channels) ch, \(s.rate) Hz, buffer \(buf), period \(per)): \(Self.errorText(r))", subject: "buffer") }
        snd_pcm_hw_params_get_buffer_size(hw, &buf)
        snd_pcm_hw_params_get_period_size(hw, &per, &dir)
        bufferFrames = Int(buf)
        periodFrames = Int(per)
        let side = isPlayback ? "playback" : "capture"
        if bufferFrames != wantBuf { notes.append("\(side) buffer: asked \(wantBuf) frames, \(device) granted \(bufferFrames) (set_buffer_size_near)") }
        if periodFrames != wantPer { notes.append("\(side) period: asked \(wantPer) frames, \(device) granted \(periodFrames) (set_period_size_near)") }

        try configureSoftware(s, notes: &notes)
        return notes
    }

    /// The software parameters: the playback start threshold (auto: buffer − period), wake-ups
    /// once a period; then the PCM is prepared.
    private func configureSoftware(_ s: ALSASettings, notes: inout [String]) throws(LoopbenchError) {
        var swp: OpaquePointer?
        guard snd_pcm_sw_params_malloc(&swp) >= 0, let sw = swp else { throw .unavailable(label, "out of memory") }
        defer { snd_pcm_sw_params_free(sw) }
        snd_pcm_sw_params_current(handle, sw)
        if isPlayback {
            let want = s.startThreshold.frames(rate: s.rate) ?? (bufferFrames - periodFrames)
            startThreshold = max(1, min(want, bufferFrames))
            if let asked = s.startThreshold.frames(rate: s.rate), asked > bufferFrames {
                notes.append("start-threshold: asked \(asked) frames, more than the \(bufferFrames)-frame buffer; using \(startThreshold)")
            }
        } else {
            startThreshold = 1
        }
        var r = snd_pcm_sw_params_set_start_threshold(handle, sw, snd_pcm_uframes_t(startThreshold))
        guard r >= 0 else { throw .usage("\(label): refuses start-threshold \(startThreshold): \(Self.errorText(r))", subject: "start-threshold") }
        snd_pcm_sw_params_set_avail_min(handle, sw, snd_pcm_uframes_t(periodFrames))
        r = snd_pcm_sw_params(handle, sw)
        guard r >= 0 else { throw .usage("\(label): refuses the software parameters: \(Self.errorText(r))", subject: "start-threshold") }
        r = snd_pcm_prepare(handle)
        guard r >= 0 else { throw .unavailable(label, "cannot prepare: \(Self.errorText(r))") }
    }

    func start() throws(ALSAError) { try ALSAError.check(snd_pcm_start(handle), "snd_pcm_start") }
    func prepare() throws(ALSAError) { try ALSAError.check(snd_pcm_prepare(handle), "snd_pcm_prepare") }
    func drop() { snd_pcm_drop(handle) }
    /// Blocks until what was queued has played.
    func drain() { snd_pcm_drain(handle) }
    func isXrunState() -> Bool { snd_pcm_state(handle) == SND_PCM_STATE_XRUN }
    func isRunning() -> Bool { snd_pcm_state(handle) == SND_PCM_STATE_RUNNING }

    /// Waits until the PCM can take or give `avail_min` frames: true when it can, false when
    /// `milliseconds` passed first.
    func wait(milliseconds: Int32) throws(ALSAError) -> Bool {
        let r = snd_pcm_wait(handle, milliseconds)
        try ALSAError.check(r, "snd_pcm_wait")
        return r > 0
    }
    /// Frames that can be written or read now.
    func avail() throws(ALSAError) -> Int { try ALSAError.check(snd_pcm_avail_update(handle), "snd_pcm_avail_update") }
    /// `snd_pcm_delay`, or nil on error.
    func delay() -> Int? {
        var d: snd_pcm_sframes_t = 0
        return snd_pcm_delay(handle, &d) >= 0 ? d : nil
    }

    /// Writes up to `frames` interleaved frames; returns how many the PCM took.
    func writei(_ p: UnsafeRawPointer, frames: Int) throws(ALSAError) -> Int {
        try ALSAError.check(snd_pcm_writei(handle, p, snd_pcm_uframes_t(frames)), "snd_pcm_writei")
    }
    /// Reads up to `frames` interleaved frames; returns how many it gave.
    func readi(_ p: UnsafeMutableRawPointer, frames: Int) throws(ALSAError) -> Int {
        try ALSAError.check(snd_pcm_readi(handle, p, snd_pcm_uframes_t(frames)), "snd_pcm_readi")
    }
}

/// A libasound I/O call that failed, typed, so that the I/O threads tell the cases apart
/// without decoding negative codes: an xrun to recover from, "not yet", or a real failure.
struct ALSAError: Error, Sendable, CustomStringConvertible {
    /// The libasound function that failed.
    let function: String
    /// Its negative error code.
    let code: Int32

    /// An underrun or overrun (`-EPIPE`) or a suspended device (`-ESTRPIPE`): `prepare()`
    /// recovers from both (alsa-lib's pcm.h, snd_pcm_recover).
    var isXrun: Bool { code == -EPIPE || code == -ESTRPIPE }
    /// Nothing to read or no room to write yet (`-EAGAIN`).
    var isWouldBlock: Bool { code == -EAGAIN }
    /// "snd_pcm_readi: Broken pipe", with alsa-lib's own messages folded in.
    var description: String { "\(function): \(ALSAPCM.errorText(code))" }

    @discardableResult
    static func check<T: BinaryInteger>(_ result: T, _ function: String) throws(ALSAError) -> Int {
        guard result >= 0 else { throw ALSAError(function: function, code: Int32(clamping: result)) }
        return Int(result)
    }
}
