// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// A QEMU release, `major.minor[.micro]`.
public struct QEMURelease: Comparable, Sendable, Codable, CustomStringConvertible, Hashable {
    public var major: Int
    public var minor: Int
    public var micro: Int

    public init(_ major: Int, _ minor: Int, _ micro: Int = 0) { self.major = major; self.minor = minor; self.micro = micro }

    /// Parses `7.2`, `7.2.8`, `v8.2.0`, `10.0.50`; nil for anything else.
    public init?(_ text: String) {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("v") { t.removeFirst() }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }) else { return nil }
        major = Int(parts[0])!; minor = Int(parts[1])!; micro = parts.count == 3 ? Int(parts[2])! : 0
    }

    /// The release a versioned machine type was introduced with (`pc-q35-4.0` → 4.0), nil for
    /// an alias (`q35`, `pc`). A QEMU offers the machine types of its own and earlier releases.
    public init?(machineType: String) {
        let name = machineType.split(separator: ",").first.map(String.init) ?? machineType
        guard let dash = name.lastIndex(of: "-") else { return nil }
        self.init(String(name[name.index(after: dash)...]))
        if micro != 0 { return nil }
    }

    public var description: String { micro == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(micro)" }
    public var series: String { "\(major).\(minor)" }

    public static func < (a: QEMURelease, b: QEMURelease) -> Bool { (a.major, a.minor, a.micro) < (b.major, b.minor, b.micro) }
}

/// Which QEMU release accepts which audio syntax. Each date is QEMU's own record:
/// `docs/about/removed-features.rst` and `docs/about/deprecated.rst` (qemu/qemu), and the
/// `Since:` lines of `qapi/audio.json`.
public enum QEMUVersionRules {
    /// `-audiodev` and its `in.`/`out.` options, `timer-period` in µs (qapi/audio.json "Since: 4.0";
    /// deprecated.rst: the `QEMU_AUDIO_` variables deprecated "since 4.0" in its favour).
    public static let audiodev = QEMURelease(4, 0)
    /// `in.`/`out.mixing-engine` (qapi/audio.json: "default on, since 4.2").
    public static let mixingEngine = QEMURelease(4, 2)
    /// The `jack` driver (qapi/audio.json AudiodevJackOptions "Since: 5.1").
    public static let jack = QEMURelease(5, 1)
    /// `-soundhw` removed (removed-features.rst "Creating sound card devices using -soundhw (removed in 7.1)").
    public static let soundhwRemoved = QEMURelease(7, 1)
    /// The `-audio` shorthand, named as the replacement of `-soundhw` in that same entry.
    public static let audioShorthand = QEMURelease(7, 1)
    /// The `pipewire` driver (qapi/audio.json AudiodevPipewireOptions "Since: 8.1").
    public static let pipewire = QEMURelease(8, 1)
    /// `virtio-sound-pci` (hw/audio/virtio-snd.c, first released in 8.2).
    public static let virtioSound = QEMURelease(8, 2)
    /// `QEMU_AUDIO_` variables removed (removed-features.rst "QEMU_AUDIO_ environment variables and
    /// -audio-help (removed in 8.2)"); before that they were honoured only when no `-audiodev` was given.
    public static let legacyEnvRemoved = QEMURelease(8, 2)
    /// A sound card without `audiodev=` no longer falls back to the first `-audiodev`
    /// (removed-features.rst "Using -audiodev to define the default audio backend (removed in 8.2)").
    public static let implicitAudiodevRemoved = QEMURelease(8, 2)

    /// The card model's version whose defaults and code paths stand closest to `release`: the
    /// model knows 7.2, 8.0 and 10.0 (`CardModelSettings.QEMUVersion`); 8.1 and later run as 10.0
    /// (no change to the HDA or mixing-engine timing between them, docs/card-model.md).
    public static func modelVersion(for release: QEMURelease) -> String {
        if release < QEMURelease(8, 0) { return "7.2" }
        if release < QEMURelease(8, 1) { return "8.0" }
        return "10.0"
    }
}
