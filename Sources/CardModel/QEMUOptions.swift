// SPDX-License-Identifier: GPL-2.0-or-later

/// How the model's settings are written on a QEMU command line: one list for the recommendation
/// a sweep prints (`Sweep.QEMUCommand`) and for the real guest the QEMU backend boots.
public enum QEMUOptions {
    /// `-audiodev` options the card model knows, in the order QEMU's documentation lists them.
    public static let audiodevKeys = [
        "timer-period",
        "out.latency", "in.latency",
        "out.buffer-length", "in.buffer-length",
        "out.period-length", "in.period-length",
        "out.frequency", "in.frequency",
        "out.mixing-engine", "in.mixing-engine",
        "out.fixed-settings", "in.fixed-settings",
        "out.try-poll", "in.try-poll",
    ]
    /// The options QEMU takes in plain microseconds.
    public static let timeKeys: Set<String> = ["timer-period", "out.latency", "in.latency", "out.buffer-length", "in.buffer-length", "out.period-length", "in.period-length"]

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
