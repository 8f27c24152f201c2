// SPDX-License-Identifier: GPL-2.0-or-later
import Measure
import Foundation
import LoopbenchCore
import Loops
import Stimulus

/// `sweep --verify qemu`: the model's recommendation and its failing lower-latency neighbours
/// re-run on a real QEMU guest. The recommendation counts as verified only when every real
/// repeat is clean and its latency is within ``CalibrationReport/latencyToleranceMS`` of the prediction.
///
/// When the real guest crackles at the recommendation, the next points the model passes (in
/// its own order: median latency, then p95) are tried, up to `candidates` in all, and the
/// first that runs clean in every real repeat is the ``verifiedChoice``: the answer to "which
/// settings give no crackle at the lowest latency" that the real guest, not only the model, gives.
public struct SweepVerification: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        /// `recommendation`, `neighbour` (a failing lower-latency neighbour) or `candidate`
        /// (the model's next passing point, tried because the recommendation crackled).
        public var role: String
        public var label: String
        public var settings: [String: String]
        public var predictedPass: Bool
        public var predictedLatencyMS: Double?
        public var measured: CalibrationReport.Side
        /// The real guest says what the model said (clean where predicted clean, with the latency; failing where predicted failing).
        public var agrees: Bool
        public var failures: [String]
        /// The exact QEMU command line of the first real repeat, verbatim.
        public var commandLine: String?
        enum CodingKeys: String, CodingKey {
            case role, label, settings, measured, agrees, failures
            case commandLine = "command_line"
            case predictedPass = "predicted_pass", predictedLatencyMS = "predicted_latency_ms"
        }
    }

    /// The lowest-latency point the model passes that also ran clean in every real repeat.
    public struct Choice: Codable, Sendable, Equatable {
        public var label: String
        public var settings: [String: String]
        public var predictedLatencyMS: Double?
        public var measuredLatencyMS: Double?
        /// The `-audiodev`/`-device` arguments that give it (as the recommendation's).
        public var qemuArguments: String?
        enum CodingKeys: String, CodingKey {
            case label, settings
            case predictedLatencyMS = "predicted_latency_ms", measuredLatencyMS = "measured_latency_ms"
            case qemuArguments = "qemu_arguments"
        }
    }

    public var backend: String
    public var repeats: Int
    public var rows: [Row]
    public var verified: Bool
    public var text: String
    /// nil when no tried point ran clean on the real guest (or none was tried).
    public var verifiedChoice: Choice?

    enum CodingKeys: String, CodingKey {
        case backend, repeats, rows, verified, text
        case verifiedChoice = "verified_choice"
    }

    /// How many model-passing points `--verify` tries at most (the recommendation included), by default.
    public static let defaultCandidates = 3

    /// Runs the rows on `backend` (`qemu`), `repeats` times each.
    public static func run(report: SweepReport, plan: SweepPlan, backend: String, repeats: Int, candidates: Int = defaultCandidates,
                           progress: ProgressLine? = nil, stop: StopFlag = StopFlag()) throws(LoopbenchError) -> SweepVerification? {
        guard let rec = report.recommendation else { return nil }
        var targets: [(String, SweepReport.Point)] = [("recommendation", report.points[rec.index])]
        for n in rec.margin { targets.append(("neighbour", report.points[n.index])) }
        let fallbacks = Array(modelOrder(report).filter { $0.index != rec.index }.prefix(max(0, candidates - 1)))
        var rows: [Row] = []
        var done = 0
        var total = targets.count * repeats
        var runner = PointRunner(plan: plan, backend: backend, repeats: repeats, report: report)
        for (role, point) in targets {
            rows.append(try runner.run(role: role, point: point) { label in
                done += 1
                progress?.update(done: done, total: total, label: "verify on \(backend): \(label)")
            } stop: { stop.isSet })
        }
        var choice = rows[0].measured.pass ? Self.choice(rows[0], report: report) : nil
        if choice == nil {
            total += fallbacks.count * repeats
            for point in fallbacks {
                let row = try runner.run(role: "candidate", point: point) { label in
                    done += 1
                    progress?.update(done: done, total: total, label: "verify on \(backend): \(label)")
                } stop: { stop.isSet }
                rows.append(row)
                if row.measured.pass { choice = Self.choice(row, report: report); break }
            }
        }
        progress?.finish()
        let recRow = rows[0]
        let verified = recRow.agrees && recRow.measured.pass
        return SweepVerification(backend: backend, repeats: repeats, rows: rows, verified: verified,
                                 text: summaryText(rows: rows, verified: verified, choice: choice, repeats: repeats), verifiedChoice: choice)
    }

    /// The points the model passes, best first (the recommendation's own order).
    static func modelOrder(_ report: SweepReport) -> [SweepReport.Point] {
        report.points.filter { $0.summary.pass && $0.summary.latencyMS != nil }.sorted {
            ($0.summary.latencyMS!.median, $0.summary.latencyMS!.p95, $0.index) < ($1.summary.latencyMS!.median, $1.summary.latencyMS!.p95, $1.index)
        }
    }

    static func choice(_ row: Row, report: SweepReport) -> Choice {
        var all = report.fixed
        for (k, v) in row.settings { all[k] = v }
        let q = QEMUCommand.make(settings: all, effective: [:], explicitKeys: Set(all.keys))
        return Choice(label: row.label, settings: row.settings, predictedLatencyMS: row.predictedLatencyMS,
                      measuredLatencyMS: row.measured.latencyMedianMS, qemuArguments: q.commandLine)
    }

    static func summaryText(rows: [Row], verified: Bool, choice: Choice?, repeats: Int) -> String {
        let recRow = rows[0]
        var text = verified
            ? String(format: "verified on a real QEMU guest: %@ ran clean in %d of %d repeats at %.2f ms median (predicted %.2f ms)", recRow.label,
                     recRow.measured.trials, repeats, recRow.measured.latencyMedianMS ?? .nan, recRow.predictedLatencyMS ?? .nan)
            : "NOT verified on a real QEMU guest: \(recRow.label) measured " + CalibrationReport.cell(recRow.measured)
                + (recRow.predictedLatencyMS.map { String(format: " (predicted clean at %.2f ms)", $0) } ?? "")
        let cleanNeighbours = rows.filter { $0.role == "neighbour" && $0.measured.pass }
        if !cleanNeighbours.isEmpty {
            text += "; the real guest also ran " + cleanNeighbours.map { "\($0.label) clean" + ($0.measured.latencyMedianMS.map { String(format: " (%.2f ms)", $0) } ?? "") }.joined(separator: ", ")
                + ", which the model predicts to fail"
        }
        let tried = rows.filter { $0.role == "candidate" }
        if !recRow.measured.pass {
            if let choice, choice.label != recRow.label {
                text += String(format: ". The model's next candidates on the real guest: %@; use %@ (clean in every real repeat, %.2f ms median)",
                               tried.map { "\($0.label) \($0.measured.pass ? "clean" : "crackles")" }.joined(separator: ", "),
                               choice.label, choice.measuredLatencyMS ?? .nan)
            } else if !tried.isEmpty {
                text += ". The model's next \(tried.count) candidate\(tried.count == 1 ? "" : "s") crackled on the real guest too ("
                    + tried.map(\.label).joined(separator: ", ") + "): no point of this grid is verified; widen it toward larger buffers"
            }
        }
        return text
    }

    /// Lines for the Markdown summary.
    public func markdown() -> String {
        var out = "\n## Verification on a real QEMU guest (\(repeats) repeats per point)\n\n\(text)\n\n| role | point | predicted | measured | agrees |\n|---|---|---|---|---|\n"
        for r in rows {
            let pred = (r.predictedPass ? "clean" : "fails") + (r.predictedLatencyMS.map { String(format: ", %.2f ms", $0) } ?? "")
            out += "| \(r.role) | \(r.label) | \(pred) | \(CalibrationReport.cell(r.measured)) | \(r.agrees ? "yes" : "**no**") |\n"
        }
        return out
    }
}

/// Runs one point of the grid on the real backend, `repeats` times, and compares it with the model.
struct PointRunner {
    let plan: SweepPlan
    let backend: String
    let repeats: Int
    let report: SweepReport

    mutating func run(role: String, point: SweepReport.Point, tick: (String) -> Void, stop: () -> Bool) throws(LoopbenchError) -> SweepVerification.Row {
        var settings = plan.fixed
        for (k, v) in point.settings { settings[k] = v }
        let loop = try Loops.make(backend: backend, settings: settings)
        let label = report.label(point.settings)
        var measured: [LoopMeasurement] = []
        var failures: [String] = []
        for r in 0..<repeats {
            if stop() { throw LoopbenchError(.interrupted, "verify", "interrupted during the verification") }
            var spec = Stimulus.Spec()
            spec.seconds = plan.seconds
            spec.seed = plan.seed + UInt64(r)
            do {
                measured.append(try RoundTrip.measure(loop: loop, spec: spec).measurement)
            } catch {
                if error.kind == .unavailable && measured.isEmpty && failures.isEmpty { throw error }
                failures.append(error.description)
            }
            tick(label)
        }
        let summary = SweepAnalysis.summarize(trials: measured, failures: failures.enumerated().map { .init(repeatIndex: $0.offset, seed: 0, reason: $0.element) },
                                              repeats: repeats, maxCrackles: plan.maxCrackles)
        let real = SweepReport.Point(index: point.index, coordinates: point.coordinates, settings: point.settings, summary: summary,
                                     trials: measured.enumerated().map { .init(measurement: $0.element, info: .init(id: "verify#\($0.offset)", repeatIndex: $0.offset, seed: 0, wallSeconds: 0)) },
                                     failures: [])
        let side = CalibrationReport.side(real)
        let predicted = point.summary.latencyMS?.median
        var agrees = side.pass == point.summary.pass
        if agrees && side.pass, let p = predicted, let m = side.latencyMedianMS { agrees = abs(p - m) <= CalibrationReport.latencyToleranceMS }
        return .init(role: role, label: label, settings: point.settings, predictedPass: point.summary.pass,
                     predictedLatencyMS: predicted, measured: side, agrees: agrees, failures: failures,
                     commandLine: measured.first?.qemu?.commandLine)
    }
}
