// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// QEMU's legacy audio variables as `-audiodev` options, the way `audio/audio_legacy.c` (QEMU 4.0
/// to 8.1) converts them: `QEMU_AUDIO_TIMER_PERIOD` is in Hz (timer-period = 10⁶/N µs),
/// `QEMU_PA_SAMPLES` counts samples of all channels and sets both buffer lengths, the ALSA sizes
/// are frames unless `QEMU_ALSA_*_SIZE_IN_USEC=1`.
public enum LegacyEnvironment {
    /// The channel count the legacy sample counts assume when `QEMU_AUDIO_*_CHANNELS` is not given (QEMU's default, 2).
    static let defaultChannels = 2
    /// The frequency frame counts are converted at when `QEMU_AUDIO_*_FREQ` is not given (QEMU's default, 44100 Hz).
    static let defaultFrequency = 44100

    public struct Result: Sendable {
        public var driver: String?
        public var driverToken: String?
        public var options: [BackendSpec.Option] = []
        public var unmapped: [Unmapped] = []
    }

    public static func convert(_ env: [(name: String, value: String)]) -> Result {
        var r = Result()
        var vars: [String: String] = [:]
        for (n, v) in env { vars[n] = v }
        func freq(_ dir: String) -> Int { vars["QEMU_AUDIO_\(dir)_FREQ"].flatMap { Int($0) } ?? defaultFrequency }
        func usec(frames: Int, _ dir: String) -> Int { Int((Double(frames) * 1e6 / Double(freq(dir))).rounded()) }
        for (n, v) in env {
            let token = "\(n)=\(v)"
            func add(_ key: String, _ value: String) { r.options.append(.init(key: key, value: value, token: token)) }
            switch n {
            case "QEMU_AUDIO_DRV": r.driver = v; r.driverToken = token
            case "QEMU_AUDIO_TIMER_PERIOD":
                guard let hz = Int(v), hz >= 0 else { r.unmapped.append(Unmapped(token, .unknown, "not a number of Hz")); continue }
                add("timer-period", hz == 0 ? "0" : String(Int((1e6 / Double(hz)).rounded())))
            case "QEMU_PA_SAMPLES":
                guard let s = Int(v), s > 0 else { r.unmapped.append(Unmapped(token, .unknown, "not a sample count")); continue }
                let frames = s / (vars["QEMU_AUDIO_DAC_CHANNELS"].flatMap { Int($0) } ?? defaultChannels)
                add("out.buffer-length", String(usec(frames: frames, "DAC")))
                add("in.buffer-length", String(usec(frames: frames, "ADC")))
            case "QEMU_PA_SERVER": add("server", v)
            case "QEMU_PA_SINK": add("out.name", v)
            case "QEMU_PA_SOURCE": add("in.name", v)
            case "QEMU_ALSA_THRESHOLD": add("threshold", String((Int(v) ?? 0) * 1000))
            case "QEMU_ALSA_DAC_SIZE_IN_USEC", "QEMU_ALSA_ADC_SIZE_IN_USEC": continue
            default:
                if let (key, value) = directional(n, v, vars: vars, usec: usec) { add(key, value) }
                else { r.unmapped.append(Unmapped(token, AudioSetup.isLegacyAudioVariable(n) ? .notModelled : .notAudio, "not read into the card model (audio/audio_legacy.c has no -audiodev option the model simulates for it)")) }
            }
        }
        return r
    }

    /// `QEMU_AUDIO_DAC_*`/`ADC_*` and `QEMU_ALSA_DAC_*`/`ADC_*`.
    static func directional(_ n: String, _ v: String, vars: [String: String], usec: (Int, String) -> Int) -> (String, String)? {
        for (dir, p) in [("DAC", "out."), ("ADC", "in.")] {
            let bool = v == "1" || v.lowercased() == "on" ? "on" : "off"
            switch n {
            case "QEMU_AUDIO_\(dir)_FREQ": return (p + "frequency", v)
            case "QEMU_AUDIO_\(dir)_FIXED_SETTINGS": return (p + "fixed-settings", bool)
            case "QEMU_AUDIO_\(dir)_CHANNELS": return (p + "channels", v)
            case "QEMU_AUDIO_\(dir)_FMT": return (p + "format", v.lowercased())
            case "QEMU_AUDIO_\(dir)_VOICES": return (p + "voices", v)
            case "QEMU_AUDIO_\(dir)_TRY_POLL", "QEMU_ALSA_\(dir)_TRY_POLL": return (p + "try-poll", bool)
            case "QEMU_ALSA_\(dir)_DEV": return (p + "dev", v)
            case "QEMU_ALSA_\(dir)_BUFFER_SIZE", "QEMU_ALSA_\(dir)_PERIOD_SIZE":
                guard let x = Int(v) else { return nil }
                let inUsec = vars["QEMU_ALSA_\(dir)_SIZE_IN_USEC"] == "1"
                return (p + (n.hasSuffix("BUFFER_SIZE") ? "buffer-length" : "period-length"), String(inUsec ? x : usec(x, dir)))
            default: continue
            }
        }
        return nil
    }
}
