// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// Where a card-model setting is written when a QEMU command line is made from it.
public enum QEMUPlace: String, Sendable, Equatable {
    /// An `-audiodev` option of the same name (`timer-period`, `out.latency`, …).
    case audiodev
    /// The `-device` choice (``QEMUOptions/deviceArguments(_:)``).
    case device
    /// The `-audiodev` driver.
    case driver
    /// Which QEMU version's defaults apply (not an option).
    case version
    /// The model only: the host, the guest, the seed.
    case modelOnly = "model only"
}

/// A row of the card model's settings table: the setting, where QEMU takes it, and libvirt's
/// spelling where libvirt's domain XML has one (its `<audio>` element).
public struct CardModelSetting: Sendable {
    public let spec: SettingSpec<CardModelSettings>
    public let qemu: QEMUPlace
    /// libvirt's spelling (`<audio timerPeriod>`, `<output latency>`), or nil.
    public let libvirt: String?
    public var key: String { spec.key }
    public var doc: SettingDoc { spec.doc }
}

private func row(_ key: String, _ unit: String, _ defaultValue: String, _ qemu: QEMUPlace, libvirt: String? = nil, _ meaning: String,
                 parse: @escaping @Sendable (inout CardModelSettings, String, String) throws(LoopbenchError) -> Void,
                 effective: @escaping @Sendable (CardModelSettings) -> JSONValue?) -> CardModelSetting {
    CardModelSetting(spec: SettingSpec(key, unit: unit, default: defaultValue, meaning, parse: parse, effective: effective), qemu: qemu, libvirt: libvirt)
}

private func number(_ v: Int) -> JSONValue { .number(Double(v)) }
private func onOff(_ b: Bool) -> JSONValue { .string(b ? "on" : "off") }

extension CardModelSettings {
    /// Every setting of the card model, declared once. `--list-settings`, parsing
    /// (``init(settings:)``), the effective settings of every report (``effective``), the
    /// `-audiodev` options of a QEMU command line (``QEMUOptions``) and `docs/settings.md` are
    /// derived from it. The order is the order of `--list-settings` and of QEMU's options.
    public static let settingsTable: [CardModelSetting] = [
        row("device", "name", "hda", .device, libvirt: "<sound model>",
            "-device: hda (intel-hda + hda-duplex), hda-notimer (hda-duplex,use-timer=off), ac97 (AC97), virtio-snd (virtio-sound-pci, QEMU 8.2+)",
            parse: { s, v, k throws(LoopbenchError) in s.device = try SettingValue.choice(v, k, Device.self) },
            effective: { .string($0.device.rawValue) }),
        row("backend", "name", "pa", .driver, libvirt: "<audio type>",
            "-audiodev driver: pa, pipewire (8.1+), alsa, jack, wav, none",
            parse: { s, v, k throws(LoopbenchError) in s.backend = try SettingValue.choice(v, k, Backend.self) },
            effective: { .string($0.backend.rawValue) }),
        row("qemu", "version", "7.2", .version,
            "QEMU version whose defaults apply: 7.2 (Debian bookworm), 8.0, 10.0",
            parse: { s, v, k throws(LoopbenchError) in s.qemu = try SettingValue.choice(v, k, QEMUVersion.self) },
            effective: { .string($0.qemu.rawValue) }),
        row("timer-period", "µs", "10000", .audiodev, libvirt: "<audio timerPeriod>",
            "-audiodev timer-period: the audio timer (audio_run) period, 100..1000000",
            parse: { s, v, k throws(LoopbenchError) in s.timerPeriodUS = try SettingValue.time(v, k, 100...1_000_000) },
            effective: { number($0.timerPeriodUS) }),
        row("out.latency", "µs", "46440", .audiodev, libvirt: "<output latency> (pulseaudio)",
            "pa/pipewire out.latency: PA tlength (minreq = min(latency/4, 0.75·timer-period), prebuf = tlength+1 frame-minreq); PipeWire ring highwater",
            parse: { s, v, k throws(LoopbenchError) in s.outLatencyUS = try SettingValue.time(v, k, 500...2_000_000) },
            effective: { $0.backend == .pa || $0.backend == .pipewire ? number($0.outLatencyUS) : nil }),
        row("in.latency", "µs", "46440", .audiodev, libvirt: "<input latency> (pulseaudio)",
            "pa in.latency: record maxlength = max(in.latency, 3·timer-period); fragsize = 1.5·timer-period",
            parse: { s, v, k throws(LoopbenchError) in s.inLatencyUS = try SettingValue.time(v, k, 500...2_000_000) },
            effective: { $0.backend == .pa || $0.backend == .pipewire ? number($0.inLatencyUS) : nil }),
        row("out.buffer-length", "µs", "backend", .audiodev, libvirt: "<output bufferLength>",
            "out.buffer-length: mixeng playback buffer (pa/pipewire 46440; alsa ring 92879 on 7.2, 92880 on 8.0+); must be ≥ timer-period",
            parse: { s, v, k throws(LoopbenchError) in s.outBufferLengthUS = try SettingValue.time(v, k, 1000...2_000_000) },
            effective: { number($0.outBufferLengthUS) }),
        row("in.buffer-length", "µs", "backend", .audiodev, libvirt: "<input bufferLength>",
            "in.buffer-length: mixeng capture buffer (pa/pipewire 46440; alsa capture ring: ALSA's choice on 7.2, 92880 on 8.0+); must be ≥ timer-period",
            parse: { s, v, k throws(LoopbenchError) in s.inBufferLengthUS = try SettingValue.time(v, k, 1000...2_000_000) },
            effective: { number($0.inBufferLengthUS) }),
        row("out.period-length", "µs", "backend", .audiodev,
            "alsa out.period-length: 23219 on 7.2, 5805 on 8.0+; drives audio_run in poll mode",
            parse: { s, v, k throws(LoopbenchError) in s.outPeriodLengthUS = try SettingValue.time(v, k, 500...1_000_000) },
            effective: { $0.backend == .alsa ? number($0.outPeriodLengthUS) : nil }),
        row("in.period-length", "µs", "backend", .audiodev,
            "alsa in.period-length: ALSA's choice on 7.2, 5805 on 8.0+",
            parse: { s, v, k throws(LoopbenchError) in s.inPeriodLengthUS = try SettingValue.time(v, k, 500...1_000_000) },
            effective: { $0.backend == .alsa ? number($0.inPeriodLengthUS) : nil }),
        row("out.frequency", "Hz", "44100", .audiodev, libvirt: "<output><settings frequency>",
            "out.frequency: mixeng/backend playback rate (resampled from guest.rate)",
            parse: { s, v, k throws(LoopbenchError) in s.outFrequency = try SettingValue.int(v, k, 8000...192_000) },
            effective: { number($0.outFrequency) }),
        row("in.frequency", "Hz", "44100", .audiodev, libvirt: "<input><settings frequency>",
            "in.frequency: mixeng/backend capture rate; the host loop needs it equal to out.frequency",
            parse: { s, v, k throws(LoopbenchError) in s.inFrequency = try SettingValue.int(v, k, 8000...192_000) },
            effective: { number($0.inFrequency) }),
        row("out.mixing-engine", "on|off", "on", .audiodev, libvirt: "<output mixingEngine>",
            "out.mixing-engine (off also means fixed-settings=off: the backend runs at guest.rate, no resampling)",
            parse: { s, v, k throws(LoopbenchError) in s.outMixingEngine = try SettingValue.flag(v, k) },
            effective: { onOff($0.outMixingEngine) }),
        row("in.mixing-engine", "on|off", "on", .audiodev, libvirt: "<input mixingEngine>",
            "in.mixing-engine",
            parse: { s, v, k throws(LoopbenchError) in s.inMixingEngine = try SettingValue.flag(v, k) },
            effective: { onOff($0.inMixingEngine) }),
        row("out.try-poll", "on|off", "on", .audiodev,
            "alsa out.try-poll: ALSA fd events drive audio_run instead of the audio timer",
            parse: { s, v, k throws(LoopbenchError) in s.outTryPoll = try SettingValue.flag(v, k) },
            effective: { $0.backend == .alsa ? onOff($0.outTryPoll) : nil }),
        row("guest.rate", "Hz", "48000", .modelOnly,
            "guest stream rate (HDA: 16-bit stereo, 8000..96000); the stimulus rate",
            parse: { s, v, k throws(LoopbenchError) in s.guestRate = try SettingValue.int(v, k, 8000...96000) },
            effective: { number($0.guestRate) }),
        row("guest.period", "µs", "10000", .modelOnly,
            "guest ALSA period: how often the guest writer/reader wakes",
            parse: { s, v, k throws(LoopbenchError) in s.guestPeriodUS = try SettingValue.time(v, k, 500...500_000) },
            effective: { number($0.guestPeriodUS) }),
        row("guest.buffer", "µs", "40000", .modelOnly,
            "guest DMA ring (ALSA buffer); the guest prefills one buffer of silence before the probe",
            parse: { s, v, k throws(LoopbenchError) in s.guestBufferUS = try SettingValue.time(v, k, 1000...2_000_000) },
            effective: { number($0.guestBufferUS) }),
        row("guest.jitter", "µs", "1000", .modelOnly,
            "p99 of the guest's wake-up lateness (lognormal)",
            parse: { s, v, k throws(LoopbenchError) in s.guestJitterUS = try SettingValue.time(v, k, 0...100_000) },
            effective: { number($0.guestJitterUS) }),
        row("host.jitter", "µs", "1050", .modelOnly,
            "p99 of QEMU main-loop lateness for timers (lognormal, median min(50 µs, p99/4)); 0 = none; the default is fitted to QEMU's own trace on a quiet host (`loopbench calibrate host` measures yours)",
            parse: { s, v, k throws(LoopbenchError) in s.hostJitterUS = try SettingValue.time(v, k, 0...200_000) },
            effective: { number($0.hostJitterUS) }),
        row("host.run-cost", "µs", "20", .modelOnly,
            "time one audio_run takes (the timer is re-armed after it)",
            parse: { s, v, k throws(LoopbenchError) in s.hostRunCostUS = try SettingValue.time(v, k, 0...50_000) },
            effective: { number($0.hostRunCostUS) }),
        row("host.stalls", "rate:len", "none", .modelOnly,
            "main-loop stalls: RATE/s:LENGTH (Poisson, e.g. 0.5/s:30ms) or @TIME:LENGTH (one stall, e.g. @1s:30ms)",
            parse: { s, v, _ throws(LoopbenchError) in if v.lowercased() != "none" && v != "0" { try s.parseStalls(v) } },
            effective: { .string($0.stallsText) }),
        row("host.ppm", "ppm", "0", .modelOnly,
            "host sound-card clock offset against QEMU_CLOCK_VIRTUAL (+ = the card runs fast), -1000..1000",
            parse: { s, v, k throws(LoopbenchError) in
                guard let x = Double(v), x.isFinite, abs(x) <= 1000 else { throw .usage("\(k)=\(v): must be a number between -1000 and 1000", subject: k) }
                s.hostPPM = x
            },
            effective: { .number($0.hostPPM) }),
        row("jack.period", "frames", "512", .modelOnly,
            "JACK server period (QEMU uses at least 512)",
            parse: { s, v, k throws(LoopbenchError) in s.jackPeriod = try SettingValue.int(v, k, 16...8192) },
            effective: { $0.backend == .jack ? number($0.jackPeriod) : nil }),
        row("pa.grants", "mode", "quantised", .modelOnly,
            "PA write requests: quantised (≥ minreq, as the server does) or continuous (idealised)",
            parse: { s, v, k throws(LoopbenchError) in s.paGrants = try SettingValue.choice(v, k, Grants.self) },
            effective: { $0.backend == .pa ? .string($0.paGrants.rawValue) : nil }),
        row("seed", "integer", "1", .modelOnly,
            "seed of every random draw (jitter, stalls, phases): same seed, same capture bit for bit",
            parse: { s, v, k throws(LoopbenchError) in
                guard let x = UInt64(v) else { throw .usage("\(k)=\(v): must be a non-negative integer", subject: k) }
                s.seed = x
            },
            effective: { .number(Double($0.seed)) }),
    ]

    /// The table's parsing and reporting columns.
    static let table: [SettingSpec<CardModelSettings>] = settingsTable.map(\.spec)
}
