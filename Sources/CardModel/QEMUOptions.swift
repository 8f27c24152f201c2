// SPDX-License-Identifier: GPL-2.0-or-later

/// How the model's settings are written on a QEMU command line: one list for the recommendation
/// a sweep prints (`Sweep.QEMUCommand`) and for the real guest the QEMU backend boots.
public enum QEMUOptions {
    /// `-audiodev` options the card model knows, in the order QEMU's documentation lists them
    /// (the settings table's rows whose place is `-audiodev`).
    public static let audiodevKeys: [String] = CardModelSettings.settingsTable.filter { $0.qemu == .audiodev }.map(\.key)
    /// The options QEMU takes in plain microseconds.
    public static let timeKeys: Set<String> = Set(CardModelSettings.settingsTable.filter { $0.qemu == .audiodev && $0.doc.unit == "µs" }.map(\.key))

    /// The `-device` arguments of a sound device bound to audiodev `snd0`.
    public static func deviceArguments(_ device: CardModelSettings.Device) -> [String] {
        switch device {
        case .hda: ["-device", "intel-hda", "-device", "hda-duplex,audiodev=snd0"]
        case .hdaNoTimer: ["-device", "intel-hda", "-device", "hda-duplex,audiodev=snd0,use-timer=off"]
        case .ac97: ["-device", "AC97,audiodev=snd0"]
        case .virtioSnd: ["-device", "virtio-sound-pci,audiodev=snd0"]
        }
    }
}
