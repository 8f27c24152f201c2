// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore
import Sweep

/// Writes a change of settings back in the user's own form: their command line with the
/// change applied (and its diff), a libvirt fragment, or the legacy variables an old QEMU reads.
public enum WriteBack {
    /// The id loopbench gives a backend it adds.
    static let newID = "snd0"

    /// The user's command line with `settings` applied (the full desired card-model settings).
    public static func commandLine(_ cl: QEMUCommandLine, mapping m: Mapping, settings: [String: String]) -> (QEMUCommandLine, [String]) {
        var out = cl
        var notes: [String] = []
        let keys = explicitKeys(mapping: m, settings: settings)
        let driver = settings["backend"] ?? "pa"
        if m.release < QEMUVersionRules.audiodev {
            // Too old for -audiodev: the variables it reads.
            out.env.removeAll { AudioSetup.isLegacyAudioVariable($0.name) }
            let (env, n) = legacyEnvironment(settings: settings, keys: keys)
            out.env = env + out.env
            return (out, notes + n)
        }
        var opts: [(String, String)] = audiodevOptions(settings: settings, keys: keys)
        if let b = m.backend, b.origin == .audiodev || b.origin == .audio, let i = cl.options.firstIndex(where: { $0.words.joined(separator: " ") == b.token }) {
            let (first, pairs) = QemuOpts.parse(cl.options[i].argument ?? "", implied: "driver")
            let changed = Set(opts.map(\.0))
            var kept = pairs.filter { !changed.contains($0.0) && !(QEMUOptions.audiodevKeys.contains($0.0) && !keys.contains($0.0)) }
            if b.origin == .audio { kept = kept.filter { $0.0 != "driver" } }
            if driver != first { kept = kept.filter { $0.0 == "id" || $0.0 == "model" } }
            out.options[i].argument = QemuOpts.join(driver, kept + opts)
            return (out, notes)
        }
        // The legacy or implicit form: move it onto -audiodev, keeping what the variables routed.
        if let b = m.backend, b.origin == .env {
            for o in b.options where ["server", "out.name", "in.name"].contains(o.key) { opts.insert((o.key, o.value), at: 0) }
            notes.append("the QEMU_AUDIO_* variables are replaced by -audiodev (deprecated since 4.0, removed in 8.2)")
        }
        out.env.removeAll { AudioSetup.isLegacyAudioVariable($0.name) }
        out.options.removeAll { $0.name == "soundhw" }
        var insertAt = out.options.count
        if let c = m.card, c.origin == .device, let i = out.options.firstIndex(where: { $0.words.joined(separator: " ") == c.token }) {
            out.options[i].argument = (out.options[i].argument ?? "") + ",audiodev=\(newID)"
            insertAt = out.options.firstIndex { ["intel-hda", "ich9-intel-hda"].contains(QemuOpts.split($0.argument ?? "").first ?? "") && $0.name == "device" } ?? i
        } else {
            let dev = CardModelSettings.Device(rawValue: settings["device"] ?? "hda") ?? .hda
            let words = QEMUOptions.deviceArguments(dev)
            for k in stride(from: 0, to: words.count, by: 2) { out.options.append(.init(flag: words[k], argument: words[k + 1])) }
            insertAt = out.options.count - words.count / 2
        }
        out.options.insert(.init(flag: "-audiodev", argument: QemuOpts.join(driver, [("id", newID)] + opts)), at: insertAt)
        return (out, notes)
    }

    static func micros(_ text: String, key: String) -> Int? {
        guard let us = try? TimeValue.microseconds(text, key: key) else { return nil }
        return Int(us.rounded())
    }

    /// The settings to write: what the user gave, plus what the fix changes.
    static func explicitKeys(mapping m: Mapping, settings: [String: String]) -> Set<String> {
        var keys = Set(m.settings.keys)
        for (k, v) in settings where m.settings[k] != v { keys.insert(k) }
        return keys.subtracting(["qemu", "device", "backend"])
    }

    static func audiodevOptions(settings: [String: String], keys: Set<String>) -> [(String, String)] {
        QEMUOptions.audiodevKeys.compactMap { k in
            guard keys.contains(k), var v = settings[k] else { return nil }
            if QEMUOptions.timeKeys.contains(k), let us = micros(v, key: k) { v = String(us) }
            return (k, v)
        }
    }

    /// The variables QEMU before 8.2 reads (audio/audio_legacy.c), for the settings that have one.
    public static func legacyEnvironment(settings: [String: String], keys: Set<String>) -> ([(name: String, value: String)], [String]) {
        var env: [(String, String)] = [("QEMU_AUDIO_DRV", settings["backend"] ?? "pa")]
        var notes: [String] = []
        let us: (String) -> Int? = { k in settings[k].flatMap { micros($0, key: k) } }
        if keys.contains("timer-period"), let t = us("timer-period"), t > 0 {
            // QEMU divides: timer-period = 1000000 / N µs (audio/audio_legacy.c).
            let hz = max(1, Int((1e6 / Double(t)).rounded()))
            env.append(("QEMU_AUDIO_TIMER_PERIOD", String(hz)))
            if 1_000_000 / hz != t { notes.append("QEMU_AUDIO_TIMER_PERIOD is in Hz: \(hz) Hz gives timer-period=\(1_000_000 / hz) µs, not \(t)") }
        }
        for (k, v) in [("out.frequency", "QEMU_AUDIO_DAC_FIXED_FREQ"), ("in.frequency", "QEMU_AUDIO_ADC_FIXED_FREQ")] where keys.contains(k) { env.append((v, settings[k]!)) }
        let backend = settings["backend"] ?? "pa"
        if keys.contains("out.buffer-length") || keys.contains("in.buffer-length") {
            if backend == "pa", us("out.buffer-length") == us("in.buffer-length"), let b = us("out.buffer-length") {
                let freq = Double(settings["out.frequency"] ?? "44100") ?? 44100
                env.append(("QEMU_PA_SAMPLES", String(Int((Double(b) * freq / 1e6).rounded()) * Int(LegacyEnvironment.defaultChannels))))
            } else if backend == "alsa" {
                for (k, d) in [("out.buffer-length", "DAC"), ("in.buffer-length", "ADC")] where keys.contains(k) {
                    env.append(("QEMU_ALSA_\(d)_SIZE_IN_USEC", "1")); env.append(("QEMU_ALSA_\(d)_BUFFER_SIZE", String(us(k)!)))
                }
            } else { notes.append("different in/out buffer lengths have no legacy form (QEMU_PA_SAMPLES sets both)") }
        }
        for (k, d) in [("out.period-length", "DAC"), ("in.period-length", "ADC")] where keys.contains(k) && backend == "alsa" {
            if !env.contains(where: { $0.0 == "QEMU_ALSA_\(d)_SIZE_IN_USEC" }) { env.append(("QEMU_ALSA_\(d)_SIZE_IN_USEC", "1")) }
            env.append(("QEMU_ALSA_\(d)_PERIOD_SIZE", String(us(k)!)))
        }
        for k in ["out.latency", "in.latency", "out.mixing-engine", "in.mixing-engine"] where keys.contains(k) {
            notes.append("\(k) has no legacy variable: it needs -audiodev (QEMU 4.0 or later)")
        }
        return (env, notes)
    }

    /// A line diff of two command lines (one option per line): ` ` kept, `-` removed, `+` added.
    public static func diff(_ a: [String], _ b: [String]) -> [String] {
        let strip: (String) -> String = { $0.hasSuffix(" \\") ? String($0.dropLast(2)) : $0 }
        let x = a.map(strip), y = b.map(strip)
        var lcs = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [String] = []
        var i = 0, j = 0
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] { out.append("  " + x[i]); i += 1; j += 1 }
            else if j < y.count, i == x.count || lcs[i][j + 1] >= lcs[i + 1][j] { out.append("+ " + y[j]); j += 1 }
            else { out.append("- " + x[i]); i += 1 }
        }
        return out
    }

    /// The libvirt fragment for `settings`, keeping the user's model, codec, id and routing attributes.
    public static func libvirt(mapping m: Mapping, settings: [String: String], original: LibvirtAudio?) -> LibvirtAudioXML.Result {
        let keys = explicitKeys(mapping: m, settings: settings)
        let lv = original ?? LibvirtAudio()
        return LibvirtAudioXML.fragment(settings: settings, keys: keys, soundModel: lv.soundModel, codec: lv.codec, audioID: lv.audioID,
                                        keep: (lv.audioAttributes, lv.inputAttributes, lv.outputAttributes))
    }
}
