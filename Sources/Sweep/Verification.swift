// SPDX-License-Identifier: GPL-2.0-or-later
import Bench
import Foundation
import LoopbenchCore
import Loops
import Stimulus

/// `sweep --verify qemu`: the model's recommendation and its failing lower-latency neighbours
/// re-run on a real QEMU guest. The recommendation counts as verified only when every real
/// repeat is clean and its latency is within ``CalibrationReport/latencyToleranceMS`` of the prediction.
public struct SweepVerification: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        /// `recommendation` or `neighbour`.
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

    public var backend: String
    public var repeats: Int
    public var rows: [Row]
    public var verified: Bool
    public var text: String

    /// Runs the rows on `backend` (`qemu`), `repeats` times each.
    public static func run(report: SweepReport, plan: SweepPlan, backend: String, repeats: Int,
                           progress: ProgressLine? = nil, stop: StopFlag = StopFlag()) throws(LoopbenchError) -> SweepVerification? {
        guard let rec = report.recommendation else { return nil }
        var targets: [(String, SweepReport.Point)] = [("recommendation", report.points[rec.index])]
        for n in rec.margin { targets.append(("neighbour", report.points[n.index])) }
        var rows: [Row] = []
        var done = 0
        let total = targets.count * repeats
        for (role, point) in targets {
            var settings = plan.fixed
            for (k, v) in point.settings { settings[k] = v }
            let loop = try Loops.make(backend: backend, settings: settings)
            var measured: [LoopMeasurement] = []
            var failures: [String] = []
            for r in 0..<repeats {
                if stop.isSet { throw LoopbenchError(.interrupted, "verify", "interrupted during the verification") }
                var spec = Stimulus.Spec()
                spec.seconds = plan.seconds
                spec.seed = plan.seed + UInt64(r)
                do {
                    measured.append(try RoundTrip.measure(loop: loop, spec: spec).measurement)
                } catch {
                    if error.kind == .unavailable && measured.isEmpty && failures.isEmpty { throw error }
                    failures.append(error.description)
                }
                done += 1
                progress?.update(done: done, total: total, label: "verify on \(backend): \(report.label(point.settings))")
            }
            let summary = SweepAnalysis.summarize(trials: measured, failures: failures.enumerated().map { .init(repeatIndex: $0.offset, seed: 0, reason: $0.element) },
                                                  repeats: repeats, maxCrackles: plan.maxCrackles)
            let fake = SweepReport.Point(index: point.index, coordinates: point.coordinates, settings: point.settings, summary: summary,
                                         trials: measured.enumerated().map { .init(measurement: $0.element, info: .init(id: "verify#\($0.offset)", repeatIndex: $0.offset, seed: 0, wallSeconds: 0)) },
                                         failures: [])
            let side = CalibrationReport.side(fake)
            let predicted = point.summary.latencyMS?.median
            var agrees = side.pass == point.summary.pass
            if agrees && side.pass, let p = predicted, let m = side.latencyMedianMS { agrees = abs(p - m) <= CalibrationReport.latencyToleranceMS }
            rows.append(Row(role: role, label: report.label(point.settings), settings: point.settings, predictedPass: point.summary.pass,
                            predictedLatencyMS: predicted, measured: side, agrees: agrees, failures: failures,
                            commandLine: measured.first?.qemu?.commandLine))
        }
        progress?.finish()
        let recRow = rows[0]
        let verified = recRow.agrees && recRow.measured.pass
        var text = verified
            ? String(format: "verified on a real QEMU guest: %@ ran clean in %d of %d repeats at %.2f ms median (predicted %.2f ms)", recRow.label,
                     recRow.measured.trials, repeats, recRow.measured.latencyMedianMS ?? .nan, recRow.predictedLatencyMS ?? .nan)
            : "NOT verified on a real QEMU guest: \(recRow.label) measured " + CalibrationReport.cell(recRow.measured)
                + (recRow.predictedLatencyMS.map { String(format: " (predicted clean at %.2f ms)", $0) } ?? "")
        let cleanNeighbours = rows.dropFirst().filter { $0.measured.pass }
        if !cleanNeighbours.isEmpty {
            text += "; the real guest also ran " + cleanNeighbours.map { "\($0.label) clean" + ($0.measured.latencyMedianMS.map { String(format: " (%.2f ms)", $0) } ?? "") }.joined(separator: ", ")
                + ", which the model predicts to fail"
        }
        return SweepVerification(backend: backend, repeats: repeats, rows: rows, verified: verified, text: text)
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
