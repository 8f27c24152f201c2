// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore

/// Writes card-model settings as the QEMU command line that gives them, and as the legacy
/// `QEMU_AUDIO_*` / `QEMU_PA_*` environment (QEMU < 8.2, no `-audiodev`) where one exists.
/// See QEMU's `qemu-options.hx` (the `-audiodev` options) and `audio/audio_legacy.c` (the legacy
/// `QEMU_*` variables, in the versions that still read them).
public enum QEMUCommand {
    public struct Result: Sendable, Equatable {
        public var commandLine: String
        public var legacyEnv: String?
        public var legacyNote: String?
    }

    static func value(_ key: String, _ settings: [String: String], _ effective: [String: JSONValue]) -> String? {
        settings[key] ?? effective[key].map(\.description)
    }

    /// A time setting in plain microseconds, as QEMU writes it.
    static func micros(_ text: String, key: String) -> Int? {
        guard let us = try? TimeValue.microseconds(text, key: key) else { return nil }
        return Int(us.rounded())
    }

    /// - Parameters:
    ///   - settings: the point's settings (fixed and swept).
    ///   - effective: the loop's effective settings (every default filled in).
    ///   - explicitKeys: the keys the sweep set or swept; only these go on the command line.
    public static func make(settings: [String: String], effective: [String: JSONValue], explicitKeys: Set<String>) -> Result {
        let backend = value("backend", settings, effective) ?? "pa"
        let device = value("device", settings, effective) ?? "hda"
        let qemu = value("qemu", settings, effective) ?? "7.2"
        var opts: [String] = []
        var values: [String: String] = [:]
        for k in QEMUOptions.audiodevKeys where explicitKeys.contains(k) {
            guard var v = value(k, settings, effective) else { continue }
            if QEMUOptions.timeKeys.contains(k), let us = micros(v, key: k) { v = String(us) }
            values[k] = v
            opts.append("\(k)=\(v)")
        }
        let audiodev = "-audiodev " + ([backend, "id=snd0"] + opts).joined(separator: ",")
        let dev = QEMUOptions.deviceArguments(CardModelSettings.Device(rawValue: device) ?? .hda).joined(separator: " ")
        let cmd = audiodev + " " + dev

        // Legacy environment: QEMU 4.0 to 8.1 honour it when no -audiodev is given.
        let parts = qemu.split(separator: ".").compactMap { Int($0) }
        let version = (parts.first ?? 0) * 100 + (parts.count > 1 ? parts[1] : 0)
        if version >= 802 {
            return Result(commandLine: cmd, legacyEnv: nil, legacyNote: "QEMU \(qemu) has no legacy QEMU_AUDIO_* variables (removed in 8.2); use -audiodev")
        }
        if device == "virtio-snd" {
            return Result(commandLine: cmd, legacyEnv: nil, legacyNote: "virtio-sound needs QEMU 8.2 or later, which has no legacy variables")
        }
        let freq = Int(values["out.frequency"] ?? value("out.frequency", settings, effective) ?? "44100") ?? 44100
        let legacy = legacyEnvironment(backend: backend, values: values, frequency: freq)
        if !legacy.missing.isEmpty {
            let missing = legacy.missing
            return Result(commandLine: cmd, legacyEnv: nil,
                          legacyNote: "no legacy environment form: \(missing.joined(separator: ", ")) \(missing.count == 1 ? "has" : "have") no QEMU_* variable; use -audiodev")
        }
        return Result(commandLine: cmd, legacyEnv: legacy.env.joined(separator: " ") + " qemu-system-x86_64 … " + legacyDevice(device),
                      legacyNote: legacy.notes.isEmpty ? nil : legacy.notes.joined(separator: "; "))
    }

    /// The `-device` arguments of the legacy form (QEMU before 8.2, with `QEMU_AUDIO_*`).
    static func legacyDevice(_ device: String) -> String {
        switch device {
        case "hda-notimer": "-device intel-hda -device hda-duplex,use-timer=off"
        case "ac97": "-device AC97"
        case "virtio-snd": "-device virtio-sound-pci"
        default: "-device intel-hda -device hda-duplex"
        }
    }

    /// The `QEMU_AUDIO_*`/`QEMU_PA_*`/`QEMU_ALSA_*` variables for `values` (the names QEMU's
    /// audio/audio_legacy.c reads), the settings that have none, and notes on rounding.
    static func legacyEnvironment(backend: String, values: [String: String], frequency freq: Int) -> (env: [String], missing: [String], notes: [String]) {
        var env = ["QEMU_AUDIO_DRV=\(backend)"]
        var missing: [String] = []
        var notes: [String] = []
        if let t = values["timer-period"], let us = Int(t) {
            if us == 0 {
                env.append("QEMU_AUDIO_TIMER_PERIOD=0")
            } else {
                let hz = max(1, Int((1_000_000.0 / Double(us)).rounded()))
                env.append("QEMU_AUDIO_TIMER_PERIOD=\(hz)")
                if 1_000_000 / hz != us { notes.append("QEMU_AUDIO_TIMER_PERIOD is in Hz: \(hz) Hz gives timer-period=\(1_000_000 / hz), not \(us)") }
            }
        }
        for k in ["out.latency", "in.latency"] where values[k] != nil {
            if backend == "pa" { missing.append(k) }
        }
        if let f = values["out.frequency"] { env.append("QEMU_AUDIO_DAC_FIXED_FREQ=\(f)") }
        if let f = values["in.frequency"] { env.append("QEMU_AUDIO_ADC_FIXED_FREQ=\(f)") }
        let ob = values["out.buffer-length"], ib = values["in.buffer-length"]
        if ob != nil || ib != nil {
            switch backend {
            case "pa":
                if ob == ib, let us = Int(ob!) {
                    let samples = Int((Double(us) * Double(freq) * 2 / 1e6).rounded())
                    env.append("QEMU_PA_SAMPLES=\(samples)")
                } else {
                    missing.append("out.buffer-length≠in.buffer-length (QEMU_PA_SAMPLES sets both)")
                }
            case "alsa":
                env.append("QEMU_ALSA_DAC_SIZE_IN_USEC=1")
                env.append("QEMU_ALSA_ADC_SIZE_IN_USEC=1")
                if let ob { env.append("QEMU_ALSA_DAC_BUFFER_SIZE=\(ob)") }
                if let ib { env.append("QEMU_ALSA_ADC_BUFFER_SIZE=\(ib)") }
            default:
                missing.append("buffer-length for \(backend)")
            }
        }
        for (k, v) in [("out.period-length", "DAC"), ("in.period-length", "ADC")] {
            guard let p = values[k] else { continue }
            if backend == "alsa" {
                if !env.contains("QEMU_ALSA_\(v)_SIZE_IN_USEC=1") { env.append("QEMU_ALSA_\(v)_SIZE_IN_USEC=1") }
                env.append("QEMU_ALSA_\(v)_PERIOD_SIZE=\(p)")
            } else { missing.append(k) }
        }
        for k in ["out.mixing-engine", "in.mixing-engine", "out.try-poll", "in.try-poll"] where values[k] != nil {
            if k.hasSuffix("try-poll") && backend == "alsa" {
                env.append("QEMU_ALSA_\(k.hasPrefix("out") ? "DAC" : "ADC")_TRY_POLL=\(values[k]!)")
            } else { missing.append(k) }
        }
        for (k, v) in [("out.fixed-settings", "DAC"), ("in.fixed-settings", "ADC")] where values[k] != nil {
            env.append("QEMU_AUDIO_\(v)_FIXED_SETTINGS=\(values[k]! == "on" || values[k]! == "true" ? 1 : 0)")
        }
        return (env, missing, notes)
    }
}

/// For host backends: the settings to use, written as the audio API names them.
public enum HostCommand {
    public static func describe(backend: String, settings: [String: String], effective: [String: JSONValue]) -> String {
        func v(_ k: String) -> String? { settings[k] ?? effective[k].map(\.description) }
        let keys = settings.keys.filter { $0 != "seed" }.sorted()
        let repro = "reproduce with: loopbench measure --backend \(backend) " + keys.map { "--set \($0)=\(settings[$0]!)" }.joined(separator: " ")
        switch backend {
        case "pulse":
            let attrs = ["tlength", "minreq", "prebuf", "maxlength", "fragsize"].map { "\($0)=\(v($0) ?? "auto")" }.joined(separator: ", ")
            var flags = (v("adjust-latency") ?? "yes") == "yes" ? "PA_STREAM_ADJUST_LATENCY" : "no PA_STREAM_ADJUST_LATENCY"
            if v("early-requests") == "yes" { flags += " | PA_STREAM_EARLY_REQUESTS" }
            return "pa_buffer_attr { \(attrs) } with \(flags), rate \(v("rate") ?? "48000") Hz (times in µs unless given with a unit; auto = (uint32_t)-1, the server's choice); \(repro)"
        case "alsa":
            return "snd_pcm_hw_params: buffer_size_near=\(v("buffer") ?? "?"), period_size_near=\(v("period") ?? "?"), rate \(v("rate") ?? "48000") Hz; "
                + "snd_pcm_sw_params: start_threshold=\(v("start-threshold") ?? "auto") (times in µs unless given in frames with f); \(repro)"
        default:
            return "\(backend) settings: " + keys.map { "\($0)=\(settings[$0]!)" }.joined(separator: " ") + "; \(repro)"
        }
    }
}
