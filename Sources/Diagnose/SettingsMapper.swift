// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore

/// One line of the mapping: which of the user's tokens became which card-model setting.
public struct MappingRow: Codable, Sendable, Equatable {
    public var token: String
    public var setting: String
    public var value: String
    public var note: String?
    public init(_ token: String, _ setting: String, _ value: String, _ note: String? = nil) {
        self.token = token; self.setting = setting; self.value = value; self.note = note
    }
}

/// The user's setup on the card model: its settings, how each was found, and what was left out.
public struct Mapping: Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// The card model can run it.
        case modelled
        /// No sound device at all.
        case noAudio = "no-audio"
        /// A backend with no sound (`none`): the guest plays into nothing.
        case silentBackend = "silent-backend"
        /// A card or backend the model does not simulate.
        case notModelled = "not-modelled"
    }
    public var status: Status
    public var statusText: String
    public var release: QEMURelease
    public var releaseSource: String
    /// Card-model settings (`device`, `backend`, `qemu`, `timer-period`, …) as `--set` would take them.
    public var settings: [String: String]
    public var rows: [MappingRow]
    public var unmapped: [Unmapped]
    public var notes: [String]
    /// The backend and card the settings came from (for writing back).
    public var backend: BackendSpec?
    public var card: CardSpec?
}

public enum SettingsMapper {
    /// Options that only route audio (a server, a device name): no effect on timing.
    static let routing: Set<String> = ["server", "name", "stream-name", "dev", "server-name", "client-name", "connect-ports", "exact-name", "start-server", "runtime-dir", "path"]
    /// Options the model does not simulate: it runs stereo S16 with one voice.
    static let formatOptions: Set<String> = ["channels", "format", "voices", "buffer-count", "threshold", "try-mmap", "exclusive", "dsp-policy", "driver"]
    /// Drivers the card model simulates (CardModelSettings.Backend).
    static let modelledDrivers: Set<String> = ["pa", "pipewire", "alsa", "jack", "wav", "none"]

    /// - Parameters:
    ///   - release: the user's QEMU, and where that was learnt.
    ///   - subject: the input named in errors.
    /// - Throws: `badData` (65) for a setup that QEMU of that release would refuse, naming the release.
    public static func map(_ setup: AudioSetup, release given: QEMURelease?, releaseSource: String, subject: String) throws(LoopbenchError) -> Mapping {
        let (release, source) = try resolveRelease(setup, given: given, source: releaseSource, subject: subject)
        try VersionCheck.check(setup, release: release)
        var m = Mapping(status: .modelled, statusText: "", release: release, releaseSource: source, settings: [:], rows: [], unmapped: setup.unmapped, notes: [])
        m.settings["qemu"] = QEMUVersionRules.modelVersion(for: release)
        m.rows.append(MappingRow("QEMU \(release) (\(source))", "qemu", m.settings["qemu"]!, m.settings["qemu"] == release.series ? nil : "the model's nearest version: its defaults and code paths stand in for \(release)"))
        if let machine = setup.machine { m.rows.append(MappingRow("machine \(machine)", "–", "–", "read for the version check; the machine type has no audio timing of its own")) }
        guard let card = pickCard(setup, into: &m) else { return m }
        m.card = card
        let backend = try pickBackend(setup, card: card, release: release, into: &m, subject: subject)
        m.backend = backend
        guard mapDriver(backend, into: &m) else { return m }
        for o in backend.options { mapOption(o, driver: backend.driver, into: &m) }
        return m
    }

    static func resolveRelease(_ s: AudioSetup, given: QEMURelease?, source: String, subject: String) throws(LoopbenchError) -> (QEMURelease, String) {
        let machineRelease = s.machine.flatMap { QEMURelease(machineType: $0) }
        if let r = given ?? s.release {
            if let mr = machineRelease, QEMURelease(r.major, r.minor) < mr {
                throw .badData(subject, "machine type \(s.machine!) is from QEMU \(mr); QEMU \(r) (\(source)) does not have it")
            }
            return (r, source)
        }
        if let mr = machineRelease { return (mr, "machine type \(s.machine!): the oldest QEMU that has it; give --qemu-version for yours") }
        throw .usage("no QEMU version: give --qemu-version (QEMU is not installed here, and the input names none)", subject: "--qemu-version")
    }

    /// The sound device the model runs: the first it simulates.
    static func pickCard(_ s: AudioSetup, into m: inout Mapping) -> CardSpec? {
        let controllers: Set<String> = ["intel-hda", "ich9-intel-hda"]
        var chosen: CardSpec? = nil
        for c in s.cards {
            if controllers.contains(c.model) { m.rows.append(MappingRow(c.token, "–", "–", "the HDA controller; the codec on it is the sound device")); continue }
            if chosen == nil, let dev = modelDevice(c) {
                chosen = c
                m.settings["device"] = dev
                m.rows.append(MappingRow(c.token, "device", dev, deviceNote(c)))
            } else {
                m.unmapped.append(Unmapped(c.token, .notModelled, chosen == nil ? "the card model has no \(c.model)" : "a second sound device: the model runs one card (\(chosen!.model))"))
            }
        }
        if chosen == nil {
            if s.cards.isEmpty || s.cards.allSatisfy({ controllers.contains($0.model) }) {
                m.status = .noAudio
                m.statusText = s.cards.isEmpty ? "no sound device: this guest has no audio at all" : "an HDA controller with no codec (hda-duplex, hda-output, hda-micro) on it: the guest has no audio"
            } else {
                m.status = .notModelled
                m.statusText = "the sound device (\(s.cards.map(\.model).joined(separator: ", "))) is not one the card model simulates (HDA, AC'97, virtio-sound)"
            }
        }
        return chosen
    }

    static func modelDevice(_ c: CardSpec) -> String? {
        switch c.model.lowercased() {
        case "hda-duplex", "hda-micro", "hda-output", "hda": return c.properties["use-timer"] == "off" ? "hda-notimer" : "hda"
        case "ac97": return c.origin == .device && c.model != "AC97" ? nil : "ac97"  // -device takes only "AC97" since 7.1
        case "virtio-sound-pci", "virtio": return "virtio-snd"
        default: return nil
        }
    }

    static func deviceNote(_ c: CardSpec) -> String? {
        switch c.model {
        case "hda-output": return "hda-output has no input: a real guest cannot record; the model's round trip uses hda-duplex's capture side"
        case "hda-micro": return "hda-micro moves audio exactly as hda-duplex does"
        default: return c.origin == .soundhw ? "-soundhw \(c.model) creates the same device as -device" : nil
        }
    }
}
