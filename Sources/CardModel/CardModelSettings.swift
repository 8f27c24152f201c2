// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// Every setting of the card model, named after the QEMU option it stands for, with the
/// version defaults filled in. Built from `KEY=VALUE` strings by ``init(settings:)``.
public struct CardModelSettings: Sendable, Equatable, Codable {
    public enum Device: String, Sendable, Codable, CaseIterable {
        case hda
        case hdaNoTimer = "hda-notimer"
        case ac97
        case virtioSnd = "virtio-snd"
    }

    public enum Backend: String, Sendable, Codable, CaseIterable {
        case pa, pipewire, alsa, jack, wav, none
    }

    public enum QEMUVersion: String, Sendable, Codable, CaseIterable {
        case v7_2 = "7.2"
        case v8_0 = "8.0"
        case v10_0 = "10.0"
    }

    public enum Grants: String, Sendable, Codable, CaseIterable {
        /// PulseAudio sends write requests only once at least minreq is missing (what the server does).
        case quantised
        /// Every missing frame is granted at once (an idealisation: the server grants in minreq steps).
        case continuous
    }

    public var device: Device = .hda
    public var backend: Backend = .pa
    public var qemu: QEMUVersion = .v7_2
    public var timerPeriodUS: Int = 10000
    public var outLatencyUS: Int = 46440
    public var inLatencyUS: Int = 46440
    public var outBufferLengthUS: Int = 46440
    public var inBufferLengthUS: Int = 46440
    public var outPeriodLengthUS: Int = 0
    public var inPeriodLengthUS: Int = 0
    public var outFrequency: Int = 44100
    public var inFrequency: Int = 44100
    public var outMixingEngine: Bool = true
    public var inMixingEngine: Bool = true
    public var outTryPoll: Bool = true
    public var guestRate: Int = 48000
    public var guestPeriodUS: Int = 10000
    public var guestBufferUS: Int = 40000
    public var guestJitterUS: Int = 1000
    /// Measured, not guessed: QEMU 7.2's own `audio_timer_delayed` trace over 90 real HDA runs
    /// on a quiet 2-core host fits a p99 of 1.05 ms (docs/card-model.md, "Host jitter").
    public var hostJitterUS: Int = 1050
    public var hostRunCostUS: Int = 20
    /// Stalls per second (Poisson) and their length; or one stall at `stallAtUS`.
    public var stallRate: Double = 0
    public var stallLengthUS: Int = 0
    public var stallAtUS: Int? = nil
    public var hostPPM: Double = 0
    public var jackPeriod: Int = 512
    public var paGrants: Grants = .quantised
    public var seed: UInt64 = 1

    public init() {}

    /// The documentation of every key, for `--list-settings` and error messages.
    public static let docs: [SettingDoc] = [
        SettingDoc(key: "device", unit: "name", defaultValue: "hda", meaning: "-device: hda (intel-hda + hda-duplex), hda-notimer (hda-duplex,use-timer=off), ac97 (AC97), virtio-snd (virtio-sound-pci, QEMU 8.2+)"),
        SettingDoc(key: "backend", unit: "name", defaultValue: "pa", meaning: "-audiodev driver: pa, pipewire (8.1+), alsa, jack, wav, none"),
        SettingDoc(key: "qemu", unit: "version", defaultValue: "7.2", meaning: "QEMU version whose defaults apply: 7.2 (Debian bookworm), 8.0, 10.0"),
        SettingDoc(key: "timer-period", unit: "µs", defaultValue: "10000", meaning: "-audiodev timer-period: the audio timer (audio_run) period, 100..1000000"),
        SettingDoc(key: "out.latency", unit: "µs", defaultValue: "46440", meaning: "pa/pipewire out.latency: PA tlength (minreq = min(latency/4, 0.75·timer-period), prebuf = tlength+1 frame-minreq); PipeWire ring highwater"),
        SettingDoc(key: "in.latency", unit: "µs", defaultValue: "46440", meaning: "pa in.latency: record maxlength = max(in.latency, 3·timer-period); fragsize = 1.5·timer-period"),
        SettingDoc(key: "out.buffer-length", unit: "µs", defaultValue: "backend", meaning: "out.buffer-length: mixeng playback buffer (pa/pipewire 46440; alsa ring 92879 on 7.2, 92880 on 8.0+); must be ≥ timer-period"),
        SettingDoc(key: "in.buffer-length", unit: "µs", defaultValue: "backend", meaning: "in.buffer-length: mixeng capture buffer (pa/pipewire 46440; alsa capture ring: ALSA's choice on 7.2, 92880 on 8.0+); must be ≥ timer-period"),
        SettingDoc(key: "out.period-length", unit: "µs", defaultValue: "backend", meaning: "alsa out.period-length: 23219 on 7.2, 5805 on 8.0+; drives audio_run in poll mode"),
        SettingDoc(key: "in.period-length", unit: "µs", defaultValue: "backend", meaning: "alsa in.period-length: ALSA's choice on 7.2, 5805 on 8.0+"),
        SettingDoc(key: "out.frequency", unit: "Hz", defaultValue: "44100", meaning: "out.frequency: mixeng/backend playback rate (resampled from guest.rate)"),
        SettingDoc(key: "in.frequency", unit: "Hz", defaultValue: "44100", meaning: "in.frequency: mixeng/backend capture rate; the host loop needs it equal to out.frequency"),
        SettingDoc(key: "out.mixing-engine", unit: "on|off", defaultValue: "on", meaning: "out.mixing-engine (off also means fixed-settings=off: the backend runs at guest.rate, no resampling)"),
        SettingDoc(key: "in.mixing-engine", unit: "on|off", defaultValue: "on", meaning: "in.mixing-engine"),
        SettingDoc(key: "out.try-poll", unit: "on|off", defaultValue: "on", meaning: "alsa out.try-poll: ALSA fd events drive audio_run instead of the audio timer"),
        SettingDoc(key: "guest.rate", unit: "Hz", defaultValue: "48000", meaning: "guest stream rate (HDA: 16-bit stereo, 8000..96000); the stimulus rate"),
        SettingDoc(key: "guest.period", unit: "µs", defaultValue: "10000", meaning: "guest ALSA period: how often the guest writer/reader wakes"),
        SettingDoc(key: "guest.buffer", unit: "µs", defaultValue: "40000", meaning: "guest DMA ring (ALSA buffer); the guest prefills one buffer of silence before the probe"),
        SettingDoc(key: "guest.jitter", unit: "µs", defaultValue: "1000", meaning: "p99 of the guest's wake-up lateness (lognormal)"),
        SettingDoc(key: "host.jitter", unit: "µs", defaultValue: "1050", meaning: "p99 of QEMU main-loop lateness for timers (lognormal, median min(50 µs, p99/4)); 0 = none; the default is fitted to QEMU's own trace on a quiet host (`loopbench calibrate host` measures yours)"),
        SettingDoc(key: "host.run-cost", unit: "µs", defaultValue: "20", meaning: "time one audio_run takes (the timer is re-armed after it)"),
        SettingDoc(key: "host.stalls", unit: "rate:len", defaultValue: "none", meaning: "main-loop stalls: RATE/s:LENGTH (Poisson, e.g. 0.5/s:30ms) or @TIME:LENGTH (one stall, e.g. @1s:30ms)"),
        SettingDoc(key: "host.ppm", unit: "ppm", defaultValue: "0", meaning: "host sound-card clock offset against QEMU_CLOCK_VIRTUAL (+ = the card runs fast), -1000..1000"),
        SettingDoc(key: "jack.period", unit: "frames", defaultValue: "512", meaning: "JACK server period (QEMU uses at least 512)"),
        SettingDoc(key: "pa.grants", unit: "mode", defaultValue: "quantised", meaning: "PA write requests: quantised (≥ minreq, as the server does) or continuous (idealised)"),
        SettingDoc(key: "seed", unit: "integer", defaultValue: "1", meaning: "seed of every random draw (jitter, stalls, phases): same seed, same capture bit for bit"),
    ]

    public static var keys: [String] { docs.map(\.key) }

    /// Parses and validates `KEY=VALUE` settings.
    public init(settings: [String: String]) throws(LoopbenchError) {
        let known = Set(Self.keys)
        for key in settings.keys.sorted() where !known.contains(key) {
            throw .usage("\(key)=\(settings[key] ?? ""): unknown sim setting; use one of \(Self.keys.joined(separator: ", "))", subject: key)
        }
        func get(_ k: String) -> String? { settings[k].map { $0.trimmingCharacters(in: .whitespaces) } }
        func time(_ k: String, _ range: ClosedRange<Int>) throws(LoopbenchError) -> Int? {
            guard let v = get(k) else { return nil }
            let us = try TimeValue.microseconds(v, key: k)
            let r = Int(us.rounded())
            guard range.contains(r) else {
                throw .usage("\(k)=\(v): must be between \(range.lowerBound) and \(range.upperBound) µs", subject: k)
            }
            return r
        }
        func int(_ k: String, _ range: ClosedRange<Int>) throws(LoopbenchError) -> Int? {
            guard let v = get(k) else { return nil }
            guard let i = Int(v), range.contains(i) else {
                throw .usage("\(k)=\(v): must be an integer between \(range.lowerBound) and \(range.upperBound)", subject: k)
            }
            return i
        }
        func flag(_ k: String) throws(LoopbenchError) -> Bool? {
            guard let v = get(k)?.lowercased() else { return nil }
            switch v {
            case "on", "true", "yes", "1": return true
            case "off", "false", "no", "0": return false
            default: throw .usage("\(k)=\(v): must be on or off", subject: k)
            }
        }
        func choice<E: RawRepresentable & CaseIterable>(_ k: String, _: E.Type) throws(LoopbenchError) -> E? where E.RawValue == String {
            guard let v = get(k) else { return nil }
            guard let e = E(rawValue: v.lowercased()) else {
                throw .usage("\(k)=\(v): must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))", subject: k)
            }
            return e
        }

        if let d = try choice("device", Device.self) { device = d }
        if let b = try choice("backend", Backend.self) { backend = b }
        if let q = try choice("qemu", QEMUVersion.self) { qemu = q }
        if let t = try time("timer-period", 100...1_000_000) { timerPeriodUS = t }
        if let t = try time("out.latency", 500...2_000_000) { outLatencyUS = t }
        if let t = try time("in.latency", 500...2_000_000) { inLatencyUS = t }
        if let f = try int("out.frequency", 8000...192_000) { outFrequency = f }
        if let f = try int("in.frequency", 8000...192_000) { inFrequency = f }
        if let m = try flag("out.mixing-engine") { outMixingEngine = m }
        if let m = try flag("in.mixing-engine") { inMixingEngine = m }
        if let p = try flag("out.try-poll") { outTryPoll = p }
        if let r = try int("guest.rate", 8000...96000) { guestRate = r }
        if let t = try time("guest.period", 500...500_000) { guestPeriodUS = t }
        if let t = try time("guest.buffer", 1000...2_000_000) { guestBufferUS = t }
        if let t = try time("guest.jitter", 0...100_000) { guestJitterUS = t }
        if let t = try time("host.jitter", 0...200_000) { hostJitterUS = t }
        if let t = try time("host.run-cost", 0...50_000) { hostRunCostUS = t }
        if let j = try int("jack.period", 16...8192) { jackPeriod = j }
        if let g = try choice("pa.grants", Grants.self) { paGrants = g }
        if let s = get("seed") {
            guard let v = UInt64(s) else { throw .usage("seed=\(s): must be a non-negative integer", subject: "seed") }
            seed = v
        }
        if let p = get("host.ppm") {
            guard let v = Double(p), v.isFinite, abs(v) <= 1000 else {
                throw .usage("host.ppm=\(p): must be a number between -1000 and 1000", subject: "host.ppm")
            }
            hostPPM = v
        }
        if let s = get("host.stalls"), s.lowercased() != "none", s != "0" {
            try parseStalls(s)
        }

        // Version and backend defaults: what each QEMU version itself uses when the option is not given.
        switch backend {
        case .alsa:
            outBufferLengthUS = qemu == .v7_2 ? 92879 : 92880
            inBufferLengthUS = qemu == .v7_2 ? 1_486_077 : 92880  // 7.2: ALSA's own choice (wake-ups every 0.74–1.49 s)
            outPeriodLengthUS = qemu == .v7_2 ? 23219 : 5805
            inPeriodLengthUS = qemu == .v7_2 ? 743_038 : 5805
        case .wav, .none:
            outBufferLengthUS = 1024 * 1_000_000 / outFrequency
            inBufferLengthUS = 1024 * 1_000_000 / inFrequency
        default:
            break
        }
        if let t = try time("out.buffer-length", 1000...2_000_000) { outBufferLengthUS = t }
        if let t = try time("in.buffer-length", 1000...2_000_000) { inBufferLengthUS = t }
        if let t = try time("out.period-length", 500...1_000_000) { outPeriodLengthUS = t }
        if let t = try time("in.period-length", 500...1_000_000) { inPeriodLengthUS = t }

        // Consistency, as QEMU enforces or warns.
        if backend != .alsa || !outTryPoll {
            if outBufferLengthUS < timerPeriodUS {
                throw .usage("out.buffer-length=\(outBufferLengthUS): below timer-period=\(timerPeriodUS) µs the mixing engine cannot carry one tick of audio (QEMU warns); use \(timerPeriodUS)..2000000 µs", subject: "out.buffer-length")
            }
            if inBufferLengthUS < timerPeriodUS {
                throw .usage("in.buffer-length=\(inBufferLengthUS): below timer-period=\(timerPeriodUS) µs the mixing engine cannot carry one tick of audio (QEMU warns); use \(timerPeriodUS)..2000000 µs", subject: "in.buffer-length")
            }
        }
        if backend == .alsa && outPeriodLengthUS * 2 > outBufferLengthUS {
            throw .usage("out.period-length=\(outPeriodLengthUS): must be at most half of out.buffer-length=\(outBufferLengthUS) µs", subject: "out.period-length")
        }
        if guestBufferUS < 2 * guestPeriodUS {
            throw .usage("guest.buffer=\(guestBufferUS): must hold at least two guest periods (guest.period=\(guestPeriodUS) µs)", subject: "guest.buffer")
        }
        if !outMixingEngine || !inMixingEngine {
            // mixing-engine=off needs fixed-settings=off: the backend opens at the guest format.
            if !outMixingEngine { outFrequency = guestRate }
            if !inMixingEngine { inFrequency = guestRate }
        }
        if outFrequency != inFrequency && [.pa, .pipewire, .jack, .alsa].contains(backend) && outMixingEngine != inMixingEngine {
            let off = outMixingEngine ? "in" : "out", on = outMixingEngine ? "out" : "in"
            throw .usage("\(off).mixing-engine=off: that side then runs at guest.rate=\(guestRate) Hz, but the host loop (sink monitor → source) runs at one rate and \(on).frequency=\(outMixingEngine ? outFrequency : inFrequency); set \(on).mixing-engine=off too, or \(on).frequency=\(guestRate)", subject: "\(off).mixing-engine")
        }
        if outFrequency != inFrequency && [.pa, .pipewire, .jack, .alsa].contains(backend) {
            throw .usage("in.frequency=\(inFrequency): the host loop (sink monitor → source) runs at one rate; set in.frequency equal to out.frequency=\(outFrequency)", subject: "in.frequency")
        }
        if backend == .pipewire && qemu != .v10_0 {
            throw .usage("backend=pipewire: the PipeWire backend exists from QEMU 8.1; use qemu=10.0", subject: "backend")
        }
        if device == .virtioSnd && qemu != .v10_0 {
            throw .usage("device=virtio-snd: virtio-sound exists from QEMU 8.2; use qemu=10.0", subject: "device")
        }
        if guestRate > 96000 && (device == .hda || device == .hdaNoTimer) {
            throw .usage("guest.rate=\(guestRate): the HDA codec offers 8000..96000 Hz", subject: "guest.rate")
        }
        if device == .ac97 && guestRate > 48000 {
            throw .usage("guest.rate=\(guestRate): AC'97 runs at most 48000 Hz", subject: "guest.rate")
        }
    }

    private mutating func parseStalls(_ text: String) throws(LoopbenchError) {
        let bad = LoopbenchError.usage("host.stalls=\(text): write RATE/s:LENGTH (0.5/s:30ms) or @TIME:LENGTH (@1s:30ms); rate 0..100 per second, length 0..10 s", subject: "host.stalls")
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw bad }
        let len = try TimeValue.microseconds(parts[1], key: "host.stalls")
        guard len <= 10_000_000 else { throw bad }
        stallLengthUS = Int(len.rounded())
        if parts[0].hasPrefix("@") {
            let at = try TimeValue.microseconds(String(parts[0].dropFirst()), key: "host.stalls")
            stallAtUS = Int(at.rounded())
        } else {
            var r = parts[0].lowercased()
            if r.hasSuffix("/s") { r.removeLast(2) }
            guard let rate = Double(r), rate.isFinite, rate >= 0, rate <= 100 else { throw bad }
            stallRate = rate
        }
    }

    /// The effective settings as they go into a report (every default filled in).
    public var effective: [String: JSONValue] {
        var d: [String: JSONValue] = [
            "device": .string(device.rawValue), "backend": .string(backend.rawValue), "qemu": .string(qemu.rawValue),
            "timer-period": .number(Double(timerPeriodUS)),
            "out.buffer-length": .number(Double(outBufferLengthUS)), "in.buffer-length": .number(Double(inBufferLengthUS)),
            "out.frequency": .number(Double(outFrequency)), "in.frequency": .number(Double(inFrequency)),
            "out.mixing-engine": .string(outMixingEngine ? "on" : "off"), "in.mixing-engine": .string(inMixingEngine ? "on" : "off"),
            "guest.rate": .number(Double(guestRate)), "guest.period": .number(Double(guestPeriodUS)),
            "guest.buffer": .number(Double(guestBufferUS)), "guest.jitter": .number(Double(guestJitterUS)),
            "host.jitter": .number(Double(hostJitterUS)), "host.run-cost": .number(Double(hostRunCostUS)),
            "host.ppm": .number(hostPPM), "seed": .number(Double(seed)),
        ]
        if backend == .pa || backend == .pipewire {
            d["out.latency"] = .number(Double(outLatencyUS))
            d["in.latency"] = .number(Double(inLatencyUS))
        }
        if backend == .pa { d["pa.grants"] = .string(paGrants.rawValue) }
        if backend == .alsa {
            d["out.period-length"] = .number(Double(outPeriodLengthUS))
            d["in.period-length"] = .number(Double(inPeriodLengthUS))
            d["out.try-poll"] = .string(outTryPoll ? "on" : "off")
        }
        if backend == .jack { d["jack.period"] = .number(Double(jackPeriod)) }
        if let at = stallAtUS {
            d["host.stalls"] = .string("@\(at)us:\(stallLengthUS)us")
        } else if stallRate > 0 {
            d["host.stalls"] = .string("\(stallRate)/s:\(stallLengthUS)us")
        } else {
            d["host.stalls"] = .string("none")
        }
        return d
    }
}
