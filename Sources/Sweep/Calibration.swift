// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore

/// The card model checked against real QEMU guests: one grid swept on both, compared point by
/// point (latency, crackle or not, and the kind and size of the damage).
public struct CalibrationReport: Codable, Sendable, Equatable {
    public static let schemaID = "loopbench/calibration/v1"
    /// A clean point's model latency must be within this of the real median (the issue's target;
    /// about the real runs' own spread with QEMU's defaults, ±3–4 ms).
    public static let latencyToleranceMS = 5.0

    /// One side of a point: what the repeats gave.
    public struct Side: Codable, Sendable, Equatable {
        public var trials: Int
        /// Repeats that crackled or lost the signal.
        public var failing: Int
        public var pass: Bool
        public var latencyMedianMS: Double?
        public var latencyMinMS: Double?
        public var latencyMaxMS: Double?
        public var eventsByKind: [String: Int]
        /// The largest event's size in frames, and its kind.
        public var largestEvent: String?
        enum CodingKeys: String, CodingKey {
            case trials, failing, pass
            case latencyMedianMS = "latency_median_ms", latencyMinMS = "latency_min_ms", latencyMaxMS = "latency_max_ms"
            case eventsByKind = "events_by_kind", largestEvent = "largest_event"
        }
    }

    public struct Row: Codable, Sendable, Equatable {
        public var label: String
        public var settings: [String: String]
        public var model: Side
        public var real: Side
        /// model − real median, in ms, where both have a latency.
        public var latencyDeltaMS: Double?
        /// Crackle or not agrees (both pass or both fail).
        public var verdictAgrees: Bool
        /// At a point clean on both sides: the latency within ``latencyToleranceMS``.
        public var latencyWithinTolerance: Bool?
        enum CodingKeys: String, CodingKey {
            case label, settings, model, real
            case latencyDeltaMS = "latency_delta_ms", verdictAgrees = "verdict_agrees", latencyWithinTolerance = "latency_within_tolerance"
        }
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var points: Int
        public var verdictAgreements: Int
        public var cleanBoth: Int
        public var latencyWithinTolerance: Int
        public var worstLatencyDeltaMS: Double?
        public var misses: [String]
        enum CodingKeys: String, CodingKey {
            case points, misses
            case verdictAgreements = "verdict_agreements", cleanBoth = "clean_both"
            case latencyWithinTolerance = "latency_within_tolerance", worstLatencyDeltaMS = "worst_latency_delta_ms"
        }
    }

    public var schema = CalibrationReport.schemaID
    public var created: String
    public var modelFixed: [String: String]
    public var realFixed: [String: String]
    public var qemuVersion: String?
    public var rows: [Row]
    public var summary: Summary
    /// How late QEMU's audio timer ran in the real HDA runs (from `audio_timer_delayed`).
    public var timerLateness: TimerLatenessEvidence?

    enum CodingKeys: String, CodingKey {
        case schema, created, rows, summary
        case timerLateness = "timer_lateness"
        case modelFixed = "model_fixed", realFixed = "real_fixed", qemuVersion = "qemu_version"
    }

    /// Pairs the points of the two sweeps by their axis settings.
    public static func compare(model: SweepReport, real: SweepReport, created: Date = Date()) throws(LoopbenchError) -> CalibrationReport {
        let keys = real.axes.map(\.key)
        func key(_ s: [String: String]) -> String { keys.map { "\($0)=\(s[$0] ?? "")" }.joined(separator: " ") }
        var byKey: [String: SweepReport.Point] = [:]
        for p in model.points { byKey[key(p.settings)] = p }
        var rows: [Row] = []
        for rp in real.points {
            let k = key(rp.settings)
            guard let mp = byKey[k] else { throw .badData("calibration", "the model sweep has no point \(k); sweep both with the same grid") }
            let m = side(mp), r = side(rp)
            let delta = (m.latencyMedianMS != nil && r.latencyMedianMS != nil) ? ((m.latencyMedianMS! - r.latencyMedianMS!) * 1000).rounded() / 1000 : nil
            let within = (m.pass && r.pass) ? delta.map { abs($0) <= latencyToleranceMS } : nil
            rows.append(Row(label: k, settings: rp.settings, model: m, real: r, latencyDeltaMS: delta, verdictAgrees: m.pass == r.pass, latencyWithinTolerance: within))
        }
        var misses: [String] = []
        for row in rows {
            if !row.verdictAgrees {
                misses.append("\(row.label): model \(row.model.pass ? "clean" : "crackles (\(row.model.failing)/\(row.model.trials))"), real \(row.real.pass ? "clean" : "crackles (\(row.real.failing)/\(row.real.trials))")")
            } else if row.latencyWithinTolerance == false {
                misses.append(String(format: "%@: latency model %.1f ms vs real %.1f ms", row.label, row.model.latencyMedianMS ?? .nan, row.real.latencyMedianMS ?? .nan))
            }
        }
        let cleanBoth = rows.filter { $0.model.pass && $0.real.pass }
        let summary = Summary(points: rows.count, verdictAgreements: rows.filter(\.verdictAgrees).count, cleanBoth: cleanBoth.count,
                              latencyWithinTolerance: cleanBoth.filter { $0.latencyWithinTolerance == true }.count,
                              worstLatencyDeltaMS: cleanBoth.compactMap(\.latencyDeltaMS).max { abs($0) < abs($1) }, misses: misses)
        let version = real.points.lazy.flatMap(\.trials).compactMap { $0.measurement.qemu?.version }.first
        let traced = real.points.flatMap { p in
            p.trials.compactMap { t -> (timerPeriodUS: Int, qemu: QEMURun)? in
                guard let q = t.measurement.qemu, let tp = p.settings["timer-period"].flatMap({ Int($0) }) ?? real.fixed["timer-period"].flatMap({ Int($0) }) else { return nil }
                return (tp, q)
            }
        }
        return CalibrationReport(created: ISO8601DateFormatter().string(from: created), modelFixed: model.fixed, realFixed: real.fixed,
                                 qemuVersion: version, rows: rows, summary: summary, timerLateness: traced.isEmpty ? nil : TimerLatenessEvidence.from(traced))
    }

    static func side(_ p: SweepReport.Point) -> Side {
        let s = p.summary
        let ms = p.trials.map(\.measurement)
        let failing = ms.filter { $0.verdict != .clean }.count + s.failed
        let largest = ms.flatMap(\.events).max { $0.sizeSamples < $1.sizeSamples }.map { "\($0.kind.rawValue) \($0.sizeSamples)" }
        return Side(trials: s.trials, failing: failing, pass: s.pass, latencyMedianMS: s.latencyMS?.median, latencyMinMS: s.latencyMS?.min,
                    latencyMaxMS: s.latencyMS?.max, eventsByKind: s.cracklesByKind, largestEvent: largest)
    }

    /// The table as Markdown, with the agreement figures first.
    public func markdown() -> String {
        var out = "# Card model against real QEMU\n\n"
        out += "QEMU \(qemuVersion ?? "?"), created \(created). Model fixed settings: \(modelFixed.keys.sorted().map { "\($0)=\(modelFixed[$0]!)" }.joined(separator: ", ")).\n\n"
        let s = summary
        out += "- crackle-or-not agrees at **\(s.verdictAgreements) of \(s.points)** points (\(Self.percent(s.verdictAgreements, s.points)))\n"
        out += "- latency within ±\(Int(Self.latencyToleranceMS)) ms of the real median at **\(s.latencyWithinTolerance) of \(s.cleanBoth)** points clean on both sides"
        out += s.worstLatencyDeltaMS.map { String(format: " (worst %+.1f ms)", $0) } ?? ""
        out += "\n\n| point | model | real | Δ ms | agree |\n|---|---|---|---|---|\n"
        for r in rows {
            out += "| \(r.label) | \(Self.cell(r.model)) | \(Self.cell(r.real)) | \(r.latencyDeltaMS.map { String(format: "%+.1f", $0) } ?? "–") | \(r.verdictAgrees ? (r.latencyWithinTolerance == false ? "latency off" : "yes") : "**no**") |\n"
        }
        if !s.misses.isEmpty {
            out += "\n## Points that miss\n\n" + s.misses.map { "- \($0)\n" }.joined()
        }
        if let t = timerLateness {
            let current = modelFixed["host.jitter"].flatMap { try? TimeValue.microseconds($0, key: "host.jitter") }.map { Int($0) } ?? Self.modelDefaultHostJitterUS
            out += t.markdown(currentHostJitterUS: current)
        }
        return out
    }

    public static func cell(_ s: Side) -> String {
        let lat = s.latencyMedianMS.map { m in
            String(format: "%.1f ms", m) + ((s.latencyMinMS != nil && s.latencyMaxMS != nil && s.trials > 1) ? String(format: " (%.1f–%.1f)", s.latencyMinMS!, s.latencyMaxMS!) : "")
        } ?? "no latency"
        if s.pass { return "clean, \(lat)" }
        let kinds = s.eventsByKind.keys.sorted().map { "\(s.eventsByKind[$0]!) \($0)" }.joined(separator: ", ")
        return "crackle \(s.failing)/\(s.trials), \(lat)" + (kinds.isEmpty ? "" : "; \(kinds)") + (s.largestEvent.map { "; largest \($0)" } ?? "")
    }

    /// The card model's `host.jitter` default, for the lateness table when the grid does not set it.
    static var modelDefaultHostJitterUS: Int { CardModelSettings().hostJitterUS }

    static func percent(_ a: Int, _ b: Int) -> String { b == 0 ? "–" : String(format: "%.0f %%", 100 * Double(a) / Double(b)) }
}
