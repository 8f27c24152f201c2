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

    /// The documentation of every key, for `--list-settings` and error messages (from ``table``).
    public static var docs: [SettingDoc] { table.map(\.doc) }

    public static var keys: [String] { table.map(\.key) }

    /// Parses and validates `KEY=VALUE` settings: each through its row of ``table``, then the
    /// QEMU version's defaults for what was not given, then QEMU's consistency rules.
    public init(settings: [String: String]) throws(LoopbenchError) {
        let given = try Self.table.apply(settings, to: &self, loopName: "sim")
        applyVersionDefaults(given: given)
        try checkConsistency()
    }

    /// What each QEMU version itself uses for the backend's buffer and period lengths when the
    /// option is not given.
    mutating func applyVersionDefaults(given: Set<String>) {
        var outBuffer: Int?, inBuffer: Int?, outPeriod: Int?, inPeriod: Int?
        switch backend {
        case .alsa:
            outBuffer = qemu == .v7_2 ? 92879 : 92880
            inBuffer = qemu == .v7_2 ? 1_486_077 : 92880  // 7.2: ALSA's own choice (wake-ups every 0.74–1.49 s)
            outPeriod = qemu == .v7_2 ? 23219 : 5805
            inPeriod = qemu == .v7_2 ? 743_038 : 5805
        case .wav, .none:
            outBuffer = 1024 * 1_000_000 / outFrequency
            inBuffer = 1024 * 1_000_000 / inFrequency
        default:
            break
        }
        if let v = outBuffer, !given.contains("out.buffer-length") { outBufferLengthUS = v }
        if let v = inBuffer, !given.contains("in.buffer-length") { inBufferLengthUS = v }
        if let v = outPeriod, !given.contains("out.period-length") { outPeriodLengthUS = v }
        if let v = inPeriod, !given.contains("in.period-length") { inPeriodLengthUS = v }
    }

    /// QEMU's own rules between settings (what it refuses or warns about), and what
    /// mixing-engine=off implies.
    mutating func checkConsistency() throws(LoopbenchError) {
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

    mutating func parseStalls(_ text: String) throws(LoopbenchError) {
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

    /// The effective settings as they go into a report (every default filled in), from ``table``.
    public var effective: [String: JSONValue] { Self.table.effective(self) }

    /// `host.stalls` as the effective settings show it.
    var stallsText: String {
        if let at = stallAtUS { return "@\(at)us:\(stallLengthUS)us" }
        return stallRate > 0 ? "\(stallRate)/s:\(stallLengthUS)us" : "none"
    }
}
