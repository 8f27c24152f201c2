// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore

/// How the user's point stands up to a noisier host: the same settings at several levels of
/// QEMU main-loop jitter (the model's `host.jitter`, p99 of the audio timer's lateness).
public struct SensitivityPoint: Codable, Sendable, Equatable {
    public var hostJitterUS: Int
    public var pass: Bool
    public var cracklesPerMinute: Double
    public var medianMS: Double?
    enum CodingKeys: String, CodingKey {
        case hostJitterUS = "host_jitter_us", pass
        case cracklesPerMinute = "crackles_per_min"
        case medianMS = "latency_median_ms"
    }
}

/// A fix: the settings it changes and what the model predicts for it.
public struct FixOption: Codable, Sendable, Equatable {
    /// `lowest-latency`, `safest-margin`, `fewest-changes` (one option can be several).
    public var labels: [String]
    public var changes: [String: String]
    public var evaluation: Evaluation
    /// The same settings at the stressed host jitter (`FixSearch.stressFactor` × the base).
    public var stress: Evaluation?
    public var commandLineDiff: [String]?
    public var commandLine: String?
    public var libvirtXML: String?
    public var legacyEnv: String?
    public var writeBackNotes: [String]
    public var verification: Evaluation?
    enum CodingKeys: String, CodingKey {
        case labels, changes, evaluation, stress
        case commandLineDiff = "command_line_diff"
        case commandLine = "command_line"
        case libvirtXML = "libvirt_xml"
        case legacyEnv = "legacy_env"
        case writeBackNotes = "write_back_notes"
        case verification
    }
}

/// A targeted search around the user's point: each of the settings that move the edge, a step
/// down and a step or two up, alone and in pairs; not the whole default grid.
public enum FixSearch {
    /// Host-jitter multiples for the sensitivity table (×0.5 … ×4 of the base p99).
    public static let jitterFactors: [Double] = [0.5, 1, 2, 4]
    /// The "safest margin" option is the one that stays cleanest at this multiple of the base
    /// jitter: at 2× (about 2 ms p99 with the model's default, a busier host) points differ;
    /// at 4× many crackle.
    public static let stressFactor = 2.0
    /// At most this many passing candidates are stress-tested (each costs a full evaluation).
    public static let stressCandidates = 4
    /// The audio timer period is searched within these bounds (µs): below 1 ms QEMU's main loop
    /// spends most of its time in the timer; above 20 ms a tick alone exceeds typical buffers.
    static let timerRange = 1000...20000
    /// PulseAudio/PipeWire latencies searched (µs): below 2 ms a queue cannot hold one 1 ms HDA
    /// transfer plus a tick's lateness; above 200 ms no one calls it a fix for latency.
    static let latencyRange = 2000...200_000
    /// The default PulseAudio latency of QEMU 7.0 and later (µs), a candidate on its own.
    static let qemuDefaultLatency = 46440

    /// Change sets to try, around `base` (the user's settings).
    public static func candidates(_ base: [String: String]) -> [[String: String]] {
        guard let eff = try? CardModelSettings(settings: base) else { return [] }
        let t0 = eff.timerPeriodUS
        // The user's period, half and double it, and QEMU's usual steps (10000 µs is its default).
        let ts = unique([t0, t0 / 2, t0 * 2, 2000, 5000, 10000].filter { timerRange.contains($0) })
        var out: [[String: String]] = []
        switch eff.backend {
        case .pa, .pipewire:
            let l0 = eff.outLatencyUS
            let ls = unique([l0, l0 / 2, l0 * 3 / 2, l0 * 2, qemuDefaultLatency].filter { latencyRange.contains($0) })
            for t in ts { for l in ls where !(t == t0 && l == l0) {
                var c: [String: String] = [:]
                if t != t0 { c["timer-period"] = String(t) }
                if l != l0 { c["out.latency"] = String(l); c["in.latency"] = String(l) }
                out.append(withBuffers(c, eff: eff, t: t))
            } }
        case .alsa:
            for t in ts where t != t0 { out.append(withBuffers(["timer-period": String(t)], eff: eff, t: t)) }
            for p in unique([5805, eff.outPeriodLengthUS / 2].filter { $0 >= 1000 && $0 != eff.outPeriodLengthUS }) {
                out.append(["out.period-length": String(p)])
                if eff.qemu == .v7_2 { out.append(["out.period-length": String(p), "in.period-length": "5805", "in.buffer-length": "92880"]) }
            }
            for t in ts { out.append(withBuffers(["out.try-poll": "off", "timer-period": String(t)], eff: eff, t: t)) }
        default:
            for t in ts where t != t0 { out.append(withBuffers(["timer-period": String(t)], eff: eff, t: t)) }
        }
        if eff.outMixingEngine && eff.outFrequency != eff.guestRate {
            out.append(["out.frequency": String(eff.guestRate), "in.frequency": String(eff.guestRate)])
        }
        var seen = Set<String>()
        return out.filter { c in
            var s = base; for (k, v) in c { s[k] = v }
            guard (try? CardModelSettings(settings: s)) != nil else { return false }
            return seen.insert(c.keys.sorted().map { "\($0)=\(c[$0]!)" }.joined(separator: ",")).inserted
        }
    }

    /// Raises buffer lengths that a longer timer period would leave below one tick.
    static func withBuffers(_ c: [String: String], eff: CardModelSettings, t: Int) -> [String: String] {
        var c = c
        if eff.outBufferLengthUS < t { c["out.buffer-length"] = String(2 * t) }
        if eff.inBufferLengthUS < t { c["in.buffer-length"] = String(2 * t) }
        return c
    }

    static func unique(_ xs: [Int]) -> [Int] { var s = Set<Int>(); return xs.filter { s.insert($0).inserted } }

    /// Distinct QEMU options a change touches (`in.latency` and `out.latency` count once).
    public static func changeCount(_ c: [String: String]) -> Int {
        Set(c.keys.map { $0.hasPrefix("in.") ? String($0.dropFirst(3)) : $0.hasPrefix("out.") ? String($0.dropFirst(4)) : $0 }).count
    }
}
