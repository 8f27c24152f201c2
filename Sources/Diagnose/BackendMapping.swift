// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore

extension SettingsMapper {
    /// The backend the chosen card plays through: its `audiodev=`, else the first `-audiodev`
    /// (before 8.2), else the legacy variables (before 8.2, with no `-audiodev`), else QEMU's or
    /// libvirt's default.
    static func pickBackend(_ s: AudioSetup, card: CardSpec, release: QEMURelease, into m: inout Mapping, subject: String) throws(LoopbenchError) -> BackendSpec {
        let explicit = s.backends.filter { $0.origin != .env }
        let envApplies = explicit.isEmpty && release < QEMUVersionRules.legacyEnvRemoved
        if !envApplies {
            for (n, v) in s.legacyEnv {
                m.unmapped.append(Unmapped("\(n)=\(v)", .ignored, "QEMU reads the QEMU_AUDIO_* variables only when no -audiodev (or libvirt <audio>) is given (docs/about/deprecated.rst)"))
            }
        }
        if let id = card.audiodev {
            guard let b = explicit.first(where: { $0.id == id }) else {
                throw .badData(subject, "\(card.token): audiodev=\(id) names no audio backend (no -audiodev or <audio> with id \(id)); QEMU refuses to start")
            }
            return b
        }
        if let b = explicit.first {
            m.notes.append("\(card.token) names no audiodev=: QEMU \(release) falls back to the first backend, \(b.token) (deprecated; an error from 8.2)")
            return b
        }
        if envApplies && !s.legacyEnv.isEmpty {
            let conv = LegacyEnvironment.convert(s.legacyEnv)
            m.unmapped += conv.unmapped
            return BackendSpec(driver: conv.driver ?? "pa", id: nil, options: conv.options, origin: .env, token: conv.driverToken ?? "(no QEMU_AUDIO_DRV: QEMU's default driver)")
        }
        if s.form == .libvirt {
            let drv = s.graphics == "spice" ? "spice" : "none"
            m.notes.append("no <audio> element: libvirt gives the card the '\(drv)' backend (\(s.graphics.map { "<graphics type='\($0)'>" } ?? "no graphics"); docs/formatdomain.rst, Audio backends)")
            return BackendSpec(driver: drv, id: nil, options: [], origin: .implicit, token: "(libvirt default for \(s.graphics ?? "no") graphics)")
        }
        m.notes.append("no backend given: QEMU uses its default driver, the first of its compiled-in list that opens (pa when a PulseAudio or PipeWire server answers); the model assumes pa")
        return BackendSpec(driver: "pa", id: nil, options: [], origin: .implicit, token: "(QEMU's default driver)")
    }

    /// Maps the driver; false when the model cannot run it (the status says why).
    static func mapDriver(_ b: BackendSpec, into m: inout Mapping) -> Bool {
        switch b.driver {
        case "none":
            m.status = .silentBackend
            m.statusText = "the audio backend is 'none': QEMU plays the guest's sound into nothing and records silence; the guest has a card but nothing reaches a speaker or comes back from a microphone"
            m.settings["backend"] = "none"
            m.rows.append(MappingRow(b.token, "backend", "none"))
            return false
        case "spice":
            m.status = .notModelled
            m.statusText = "the audio backend is 'spice': the sound goes to the SPICE client (virt-viewer, virt-manager's console) and is played wherever that client runs; no host sound server is involved, and the card model has no SPICE path"
            return false
        case let d where modelledDrivers.contains(d):
            m.settings["backend"] = d
            m.rows.append(MappingRow(b.token, "backend", d, b.origin == .implicit ? "assumed" : nil))
            return true
        default:
            m.status = .notModelled
            m.statusText = "the audio backend '\(b.driver)' is not one the card model simulates (pa, pipewire, alsa, jack, wav, none)"
            return false
        }
    }

    /// Maps one `-audiodev` option onto a card-model setting, or lists it as unmapped.
    static func mapOption(_ o: BackendSpec.Option, driver: String, into m: inout Mapping) {
        let dir = o.key.hasPrefix("in.") ? "in." : o.key.hasPrefix("out.") ? "out." : ""
        let base = String(o.key.dropFirst(dir.count))
        func set(_ key: String, _ value: String, _ note: String? = nil) {
            m.settings[key] = value
            m.rows.append(MappingRow(o.token, key, value, note))
        }
        switch (dir, base) {
        case ("", "timer-period"):
            if o.value == "0" { m.unmapped.append(Unmapped(o.token, .notModelled, "timer-period=0 (run the audio timer as fast as possible) is not modelled")) }
            else { set("timer-period", o.value) }
        case (_, "latency") where !dir.isEmpty && (driver == "pa" || driver == "pipewire"): set(o.key, o.value)
        case (_, "buffer-length") where !dir.isEmpty, (_, "frequency") where !dir.isEmpty, (_, "mixing-engine") where !dir.isEmpty: set(o.key, o.value)
        case (_, "period-length") where !dir.isEmpty && driver == "alsa": set(o.key, o.value)
        case ("out.", "try-poll") where driver == "alsa": set(o.key, o.value)
        case (_, "fixed-settings") where !dir.isEmpty:
            if ["off", "false", "no", "0"].contains(o.value.lowercased()) {
                set(dir + "frequency", m.settings["guest.rate"] ?? String(CardModelSettings().guestRate), "fixed-settings=off: the backend opens at the guest's rate, no resampling")
            } else { m.rows.append(MappingRow(o.token, "–", "–", "fixed-settings=on is QEMU's default")) }
        case (_, let b) where routing.contains(b):
            m.unmapped.append(Unmapped(o.token, .notModelled, "routing only (which server or device), no effect on timing"))
        case (_, let b) where formatOptions.contains(b):
            m.unmapped.append(Unmapped(o.token, .notModelled, "the model runs one stereo S16 voice; \(b) is not simulated"))
        default:
            m.unmapped.append(Unmapped(o.token, .unknown, "not a \(driver) option loopbench knows\(o.key.hasPrefix("libvirt:") || o.key.contains("libvirt:") ? " (libvirt attribute)" : "")"))
        }
    }
}

/// Options that do not exist in the user's QEMU release: QEMU would refuse them, so the
/// diagnosis stops with the release named (65).
enum VersionCheck {
    /// Every problem, in one line: the first names the token, the rest follow after "also".
    static func check(_ s: AudioSetup, release r: QEMURelease) throws(LoopbenchError) {
        var problems: [LoopbenchError] = []
        do { try cards(s, r) } catch { problems.append(error) }
        do { try backends(s, r) } catch { problems.append(error) }
        do { try variables(s, r) } catch { problems.append(error) }
        guard var first = problems.first else { return }
        for p in problems.dropFirst() { first.message += "; also \(p.description)" }
        throw first
    }

    static func cards(_ s: AudioSetup, _ r: QEMURelease) throws(LoopbenchError) {
        for c in s.cards {
            if c.origin == .soundhw && r >= QEMUVersionRules.soundhwRemoved {
                let dev = c.model == "hda" ? "-device intel-hda -device hda-duplex,audiodev=snd0" : "-device \(c.model == "ac97" ? "AC97" : c.model),audiodev=snd0"
                throw .badData(c.token, "removed in QEMU 7.1 (docs/about/removed-features.rst); QEMU \(r) refuses it: write -audiodev <driver>,id=snd0 \(dev)")
            }
            if c.model == "virtio-sound-pci" && r < QEMUVersionRules.virtioSound {
                throw .badData(c.token, "virtio-sound-pci exists from QEMU 8.2; QEMU \(r) has no such device")
            }
            if c.origin == .device && c.audiodev == nil && s.backends.contains(where: { $0.origin == .audiodev }) && r >= QEMUVersionRules.implicitAudiodevRemoved {
                throw .badData(c.token, "no audiodev=: from QEMU 8.2 a sound card no longer falls back to the first -audiodev (docs/about/removed-features.rst); QEMU \(r) needs audiodev=<id>")
            }
        }
    }

    static func backends(_ s: AudioSetup, _ r: QEMURelease) throws(LoopbenchError) {
        for b in s.backends {
            if b.origin == .audiodev && r < QEMUVersionRules.audiodev {
                throw .badData(b.token, "-audiodev exists from QEMU 4.0; QEMU \(r) reads only the QEMU_AUDIO_* variables")
            }
            if b.origin == .audio && r < QEMUVersionRules.audioShorthand {
                throw .badData(b.token, "-audio exists from QEMU 7.1; QEMU \(r) does not have it")
            }
            if b.driver == "pipewire" && r < QEMUVersionRules.pipewire { throw .badData(b.token, "the pipewire driver exists from QEMU 8.1; QEMU \(r) does not have it (use pa through pipewire-pulse)") }
            if b.driver == "jack" && r < QEMUVersionRules.jack { throw .badData(b.token, "the jack driver exists from QEMU 5.1; QEMU \(r) does not have it") }
            if r < QEMUVersionRules.mixingEngine, let o = b.options.first(where: { $0.key.hasSuffix("mixing-engine") }) {
                throw .badData(o.token, "mixing-engine exists from QEMU 4.2; QEMU \(r) does not have it")
            }
        }
    }

    static func variables(_ s: AudioSetup, _ r: QEMURelease) throws(LoopbenchError) {
        if r >= QEMUVersionRules.legacyEnvRemoved, let (n, v) = s.legacyEnv.first {
            let conv = LegacyEnvironment.convert(s.legacyEnv)
            let opts = conv.options.filter { !$0.key.contains("name") && $0.key != "server" }.map { "\($0.key)=\($0.value)" }
            let drv = conv.driver ?? "pa"
            throw .badData("\(n)=\(v)", "QEMU \(r) does not read the QEMU_AUDIO_* variables (removed in 8.2, docs/about/removed-features.rst); write -audiodev " + ([drv, "id=snd0"] + opts).joined(separator: ",") + " and audiodev=snd0 on the sound device")
        }
    }
}
