// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// QEMU's legacy audio variables as `-audiodev` options, exactly as `audio/audio_legacy.c`
/// (QEMU 4.0 to 8.1) converts them:
/// - `QEMU_AUDIO_TIMER_PERIOD` is in Hz: timer-period = 1000000 / N µs, integer division (0 = as fast as possible);
/// - `QEMU_AUDIO_DAC_`/`ADC_` + `FIXED_SETTINGS`, `FIXED_FREQ`, `FIXED_FMT`, `FIXED_CHANNELS`, `VOICES`;
/// - only for `QEMU_AUDIO_DRV=pa` (or no driver, when pa is the first default):
///   `QEMU_PA_SAMPLES` (samples of all channels, per direction at that direction's channels
///   and frequency, default 2 and 44100 Hz), `QEMU_PA_SERVER`, `QEMU_PA_SINK`, `QEMU_PA_SOURCE`;
/// - only for `alsa`: `QEMU_ALSA_DAC_`/`ADC_` + `TRY_POLL`, `DEV`, `PERIOD_SIZE`, `BUFFER_SIZE`
///   (frames unless `SIZE_IN_USEC=1`), and `QEMU_ALSA_THRESHOLD` (ms).
/// Frames become µs as `(frames × 1000000 + freq/2) / freq` in 32-bit arithmetic, which wraps
/// above 4294 frames: the value QEMU then uses is what this returns, with a note.
public enum LegacyEnvironment {
    /// QEMU's channel count when `QEMU_AUDIO_*_FIXED_CHANNELS` is not given.
    static let defaultChannels: UInt32 = 2
    /// QEMU's frequency when `QEMU_AUDIO_*_FIXED_FREQ` is not given.
    static let defaultFrequency: UInt32 = 44100

    public struct Result: Sendable {
        public var driver: String?
        public var driverToken: String?
        public var options: [BackendSpec.Option] = []
        public var unmapped: [Unmapped] = []
    }

    /// `frames_to_usecs` of audio_legacy.c, 32-bit wrap included.
    public static func framesToUsecs(_ frames: UInt32, frequency: UInt32) -> UInt32 {
        (frames &* 1_000_000 &+ frequency / 2) / max(1, frequency)
    }

    public static func convert(_ env: [(name: String, value: String)]) -> Result {
        var r = Result()
        var vars: [String: String] = [:]
        for (n, v) in env { vars[n] = v }
        let driver = vars["QEMU_AUDIO_DRV"]
        let handler = driver ?? "pa"  // with no driver, QEMU builds the default list, pa first
        func u32(_ s: String?) -> UInt32? { s.flatMap { UInt32($0.trimmingCharacters(in: .whitespaces)) } }
        func freq(_ dir: String) -> UInt32 { u32(vars["QEMU_AUDIO_\(dir)_FIXED_FREQ"]).flatMap { $0 > 0 ? $0 : nil } ?? defaultFrequency }
        func channels(_ dir: String) -> UInt32 { u32(vars["QEMU_AUDIO_\(dir)_FIXED_CHANNELS"]).flatMap { $0 > 0 ? $0 : nil } ?? defaultChannels }
        func usecs(frames: UInt32, _ dir: String, token: String) -> String {
            let us = framesToUsecs(frames, frequency: freq(dir))
            let exact = (Double(frames) * 1e6 / Double(freq(dir))).rounded()
            if Double(us) != exact { r.unmapped.append(Unmapped(token, .notModelled, "QEMU's 32-bit conversion wraps: it uses \(us) µs, not \(Int(exact)) µs (audio/audio_legacy.c frames_to_usecs)")) }
            return String(us)
        }
        for (n, v) in env {
            let token = "\(n)=\(v)"
            func add(_ key: String, _ value: String) { r.options.append(.init(key: key, value: value, token: token)) }
            func onlyFor(_ d: String) -> Bool {
                if handler == d { return true }
                r.unmapped.append(Unmapped(token, .ignored, "read only with QEMU_AUDIO_DRV=\(d); this setup uses \(handler)"))
                return false
            }
            switch n {
            case "QEMU_AUDIO_DRV": r.driver = v; r.driverToken = token
            case "QEMU_AUDIO_TIMER_PERIOD":
                guard let hz = u32(v) else { r.unmapped.append(Unmapped(token, .unknown, "not a whole number of Hz (QEMU exits on it)")); continue }
                add("timer-period", hz == 0 ? "0" : String(1_000_000 / hz))
            case "QEMU_PA_SAMPLES":
                guard onlyFor("pa") else { continue }
                guard let s = u32(v), s > 0 else { r.unmapped.append(Unmapped(token, .unknown, "not a sample count")); continue }
                add("out.buffer-length", usecs(frames: s / channels("DAC"), "DAC", token: token))
                add("in.buffer-length", usecs(frames: s / channels("ADC"), "ADC", token: token))
            case "QEMU_PA_SERVER": if onlyFor("pa") { add("server", v) }
            case "QEMU_PA_SINK": if onlyFor("pa") { add("out.name", v) }
            case "QEMU_PA_SOURCE": if onlyFor("pa") { add("in.name", v) }
            case "QEMU_ALSA_THRESHOLD": if onlyFor("alsa") { add("threshold", String((u32(v) ?? 0) &* 1000)) }
            case "QEMU_ALSA_DAC_SIZE_IN_USEC", "QEMU_ALSA_ADC_SIZE_IN_USEC": continue
            default:
                if n.hasPrefix("QEMU_ALSA_") && !onlyFor("alsa") { continue }
                if let (key, value) = directional(n, v, vars: vars, usecs: { usecs(frames: $0, $1, token: token) }) { add(key, value) }
                else { r.unmapped.append(Unmapped(token, .notModelled, "not read into the card model (audio/audio_legacy.c gives it no option the model simulates)")) }
            }
        }
        return r
    }

    /// `QEMU_AUDIO_DAC_*`/`ADC_*` and `QEMU_ALSA_DAC_*`/`ADC_*`.
    static func directional(_ n: String, _ v: String, vars: [String: String], usecs: (UInt32, String) -> String) -> (String, String)? {
        for (dir, p) in [("DAC", "out."), ("ADC", "in.")] {
            let bool = (UInt32(v) ?? 0) != 0 ? "on" : "off"  // get_bool: any non-zero number is true
            switch n {
            case "QEMU_AUDIO_\(dir)_FIXED_FREQ": return (p + "frequency", v)
            case "QEMU_AUDIO_\(dir)_FIXED_SETTINGS": return (p + "fixed-settings", bool)
            case "QEMU_AUDIO_\(dir)_FIXED_CHANNELS": return (p + "channels", v)
            case "QEMU_AUDIO_\(dir)_FIXED_FMT": return (p + "format", v.lowercased())
            case "QEMU_AUDIO_\(dir)_VOICES": return (p + "voices", v)
            case "QEMU_ALSA_\(dir)_TRY_POLL": return (p + "try-poll", bool)
            case "QEMU_ALSA_\(dir)_DEV": return (p + "dev", v)
            case "QEMU_ALSA_\(dir)_BUFFER_SIZE", "QEMU_ALSA_\(dir)_PERIOD_SIZE":
                guard let x = UInt32(v) else { return nil }
                let inUsec = (UInt32(vars["QEMU_ALSA_\(dir)_SIZE_IN_USEC"] ?? "0") ?? 0) != 0
                return (p + (n.hasSuffix("BUFFER_SIZE") ? "buffer-length" : "period-length"), inUsec ? String(x) : usecs(x, dir))
            default: continue
            }
        }
        return nil
    }
}
