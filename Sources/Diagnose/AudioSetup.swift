// SPDX-License-Identifier: GPL-2.0-or-later

/// A token of the user's setup that does not become a card-model setting, and why.
public struct Unmapped: Codable, Sendable, Equatable {
    public enum Why: String, Codable, Sendable {
        /// Not an audio option (`-m 8G`, `-device vfio-pci,…`).
        case notAudio = "not-audio"
        /// An audio option loopbench does not know.
        case unknown
        /// An audio option the card model does not simulate (routing, channel count, a card it lacks).
        case notModelled = "not-modelled"
        /// Given, but the user's QEMU does not read it (legacy variables beside `-audiodev`).
        case ignored
    }
    public var token: String
    public var why: Why
    public var detail: String
    public init(_ token: String, _ why: Why, _ detail: String) { self.token = token; self.why = why; self.detail = detail }
}

/// One audio backend as the user wrote it, in QEMU's `-audiodev` vocabulary.
public struct BackendSpec: Sendable, Equatable {
    public enum Origin: String, Sendable, Codable { case audiodev = "-audiodev", audio = "-audio", libvirt = "libvirt <audio>", env = "QEMU_AUDIO_DRV", implicit = "QEMU's default" }
    /// The QEMU driver name (`pa`, `pipewire`, `alsa`, `jack`, `none`, `spice`, `wav`, …).
    public var driver: String
    public var id: String?
    /// `-audiodev` option keys (`timer-period`, `out.latency`, …) with their values and the token each came from.
    public var options: [Option]
    public var origin: Origin
    public var token: String

    public struct Option: Sendable, Equatable {
        public var key: String
        public var value: String
        public var token: String
        public init(key: String, value: String, token: String) { self.key = key; self.value = value; self.token = token }
    }

    public init(driver: String, id: String?, options: [Option], origin: Origin, token: String) {
        self.driver = driver; self.id = id; self.options = options; self.origin = origin; self.token = token
    }
}

/// One sound device as the user wrote it, as the QEMU device it creates.
public struct CardSpec: Sendable, Equatable {
    public enum Origin: String, Sendable, Codable { case device = "-device", soundhw = "-soundhw", audio = "-audio", libvirt = "libvirt <sound>" }
    /// The QEMU device (`intel-hda`, `ich9-intel-hda`, `hda-duplex`, `hda-output`, `hda-micro`,
    /// `AC97`, `virtio-sound-pci`, …) or, for `-soundhw`, its name (`ac97`, `hda`).
    public var model: String
    public var audiodev: String?
    public var properties: [String: String]
    public var origin: Origin
    public var token: String
    public init(model: String, audiodev: String?, properties: [String: String], origin: Origin, token: String) {
        self.model = model; self.audiodev = audiodev; self.properties = properties; self.origin = origin; self.token = token
    }
}

/// Everything read from one input about audio, before it is mapped onto the card model.
public struct AudioSetup: Sendable, Equatable {
    public enum Form: String, Sendable, Codable {
        case commandLine = "command-line", process, libvirt, environment
    }
    public var form: Form
    public var machine: String?
    /// A release named by the input itself (none of the forms carries one today but a path like `/opt/qemu-8.2/…`).
    public var release: QEMURelease?
    public var backends: [BackendSpec] = []
    public var cards: [CardSpec] = []
    /// Legacy `QEMU_AUDIO_*` / `QEMU_PA_*` / `QEMU_ALSA_*` / … variables, in the order given.
    public var legacyEnv: [(name: String, value: String)] = []
    public var unmapped: [Unmapped] = []
    /// libvirt: the graphics type (`spice`, `vnc`), which picks the backend when no `<audio>` is given.
    public var graphics: String?

    public init(form: Form) { self.form = form }

    public static func == (a: AudioSetup, b: AudioSetup) -> Bool {
        a.form == b.form && a.machine == b.machine && a.release == b.release && a.backends == b.backends && a.cards == b.cards
            && a.legacyEnv.map { "\($0.name)=\($0.value)" } == b.legacyEnv.map { "\($0.name)=\($0.value)" } && a.unmapped == b.unmapped && a.graphics == b.graphics
    }

    /// The environment-variable prefixes QEMU's legacy audio configuration reads (audio/audio_legacy.c).
    public static let legacyPrefixes = ["QEMU_AUDIO_", "QEMU_PA_", "QEMU_ALSA_", "QEMU_SDL_", "QEMU_OSS_", "QEMU_COREAUDIO_", "QEMU_DSOUND_", "QEMU_WAV_"]
    public static func isLegacyAudioVariable(_ name: String) -> Bool { legacyPrefixes.contains { name.hasPrefix($0) } }
}
