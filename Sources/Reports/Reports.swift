// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Sweep

/// Writers for a sweep's report files: `report.json`, `report.csv`, `report.html`, `summary.md`.
/// Every file is written atomically.
public enum Reports {
    public static let jsonName = "report.json"
    public static let csvName = "report.csv"
    public static let htmlName = "report.html"
    public static let markdownName = "summary.md"

    /// Writes all four files into `dir`. `worst` is drawn in the HTML when given.
    public static func writeAll(_ report: SweepReport, worst: WorstTrace?, to dir: String) throws(LoopbenchError) {
        // Compact (one line, sorted keys): a sweep holds every trial's measurement and truth.
        var json = try JSONCoding.encode(report, pretty: false)
        json.append(0x0A)
        try AtomicFile.write(json, to: dir + "/" + jsonName)
        try render(report, worst: worst, to: dir)
    }

    /// Writes the CSV, HTML and Markdown from a report (what `loopbench report DIR` does).
    public static func render(_ report: SweepReport, worst: WorstTrace?, to dir: String) throws(LoopbenchError) {
        try AtomicFile.write(csv(report), to: dir + "/" + csvName)
        try AtomicFile.write(HTMLReport.render(report, worst: worst), to: dir + "/" + htmlName)
        try AtomicFile.write(markdown(report), to: dir + "/" + markdownName)
    }

    /// Re-renders the HTML, CSV and Markdown in `dir` from its `report.json` (and `worst-trial.json`).
    public static func rerender(dir: String) throws(LoopbenchError) -> SweepReport {
        let report = try SweepReport.load(path: dir + "/" + jsonName)
        var worst: WorstTrace? = nil
        if let w = report.worstTrial {
            // Only a plain file name beside the report is followed.
            let name = (w as NSString).lastPathComponent
            let p = dir + "/" + name
            if FileManager.default.fileExists(atPath: p) {
                let w = try JSONCoding.decode(WorstTrace.self, fromFile: p)
                try w.validate(path: p)
                worst = w
            }
        }
        try render(report, worst: worst, to: dir)
        return report
    }

    // MARK: CSV

    static func csvField(_ s: String) -> String {
        var t = s
        // A leading = + - @ would be a formula in a spreadsheet; numbers stay as they are.
        if let f = t.first, "=+-@".contains(f), Double(t) == nil { t = "'" + t }
        if t.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return t
    }

    static func num(_ x: Double?, _ digits: Int = 4) -> String {
        guard let x, x.isFinite else { return "" }
        return String(format: "%.\(digits)f", x)
    }

    /// One row per trial (failed ones too), one column per axis and per metric.
    public static func csv(_ r: SweepReport) -> String {
        let keys = r.axes.map(\.key) + r.ties.keys.sorted()
        var bufKeys = Set<String>()
        for p in r.points { for t in p.trials { for k in (t.measurement.latencyBreakdownMS ?? [:]).keys { bufKeys.insert(k) } } }
        let bufs = bufKeys.sorted()
        let kinds = Event.Kind.allCases.map(\.rawValue)
        var header = ["point"] + keys + ["repeat", "seed", "status", "verdict", "latency_ms", "latency_samples", "latency_confidence",
                                          "latency_uncertainty_samples", "truth_latency_ms", "drift_ppm", "drift_uncertainty_ppm", "snr_db", "gain_db", "crackles"]
        header += kinds.map { "\($0)s" }
        header += ["backend_xruns", "point_pass"] + bufs.map { "buffer_\($0)_ms" } + ["wall_s", "failure"]
        var lines = [header.map(csvField).joined(separator: ",")]
        for p in r.points {
            var rows: [(Int, [String])] = []
            for t in p.trials {
                let m = t.measurement
                var row = [String(p.index)] + keys.map { p.settings[$0] ?? "" }
                row += [String(t.info.repeatIndex), String(t.info.seed), "ok", m.verdict.rawValue, num(m.latency?.ms), num(m.latency?.samples),
                        num(m.latency?.confidence, 2), num(m.latencyUncertaintySamples, 4), num(TruthLog.latencyMS(m)), num(m.driftPPM, 3),
                        num(m.driftUncertaintyPPM, 3), num(m.snrDB, 2), num(m.gainDB, 3), String(m.crackles)]
                row += kinds.map { k in String(m.events.filter { $0.kind.rawValue == k }.count) }
                row += [m.backendXruns.map(String.init) ?? "", p.summary.pass ? "true" : "false"]
                row += bufs.map { num(m.latencyBreakdownMS?[$0], 3) }
                row += [num(t.info.wallSeconds, 3), ""]
                rows.append((t.info.repeatIndex, row))
            }
            for f in p.failures {
                var row = [String(p.index)] + keys.map { p.settings[$0] ?? "" }
                row += [String(f.repeatIndex), String(f.seed), "failed", "", "", "", "", "", "", "", "", "", "", ""]
                row += kinds.map { _ in "" }
                row += ["", p.summary.pass ? "true" : "false"] + bufs.map { _ in "" } + ["", f.reason]
                rows.append((f.repeatIndex, row))
            }
            for (_, row) in rows.sorted(by: { $0.0 < $1.0 }) { lines.append(row.map(csvField).joined(separator: ",")) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Markdown

    static func mdCell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// The same facts in a few lines, for a CI log or a bug report.
    public static func markdown(_ r: SweepReport) -> String {
        var out: [String] = []
        out.append("# loopbench sweep: \(r.backend)" + (r.fixed.isEmpty ? "" : " (" + r.fixed.keys.sorted().map { "\($0)=\(r.fixed[$0]!)" }.joined(separator: ", ") + ")"))
        out.append("")
        out.append("\(r.run.trialsDone) of \(r.run.trialsTotal) trials (\(r.points.count) points × \(r.repeats) repeats, \(Axis.formatNumber(r.seconds)) s probe)"
                   + (r.run.trialsFailed > 0 ? ", \(r.run.trialsFailed) failed" : "") + (r.run.interrupted ? ", **interrupted**" : "")
                   + ". Pass: at most \(r.criteria["max_crackles_per_trial"] ?? 0) crackles in every repeat. loopbench \(r.tool.version), \(r.created).")
        out.append("")
        if let rec = r.recommendation {
            out.append("**Recommendation:** \(rec.text)")
            out.append("")
            if let c = rec.commandLine { out.append("```\n\(c)\n```") }
            if let x = rec.libvirtXML { out.append("libvirt form (`virsh edit`):\n```xml\n\(x)```") }
            if let e = rec.legacyEnv { out.append("Legacy environment (QEMU < 8.2, no `-audiodev`):\n```\n\(e)\n```") }
            if let n = rec.legacyNote { out.append("Note: \(n)") }
            if let h = rec.hostSettings { out.append(h) }
            if let bd = r.points[rec.index].summary.latencyBreakdownMS, !bd.isEmpty {
                let items = bd.filter { $0.value >= 0.05 && !$0.key.lowercased().hasPrefix("round trip") }.sorted { $0.value > $1.value }
                out.append("Where the latency lives (mean buffer occupancy): " + items.map { String(format: "%@ %.1f ms", $0.key, $0.value) }.joined(separator: ", "))
            }
        } else {
            out.append("**No recommendation:** \(r.recommendationReason ?? "no point passed")")
        }
        out.append("")
        let keys = r.axes.map(\.key)
        out.append("| " + (keys + ["latency median ms", "p95 ms", "crackles/min", "pass", "why"]).map(mdCell).joined(separator: " | ") + " |")
        out.append("|" + String(repeating: "---|", count: keys.count + 5))
        for p in r.points {
            let s = p.summary
            let cells = keys.map { p.settings[$0] ?? "" } + [num(s.latencyMS?.median, 2), num(s.latencyMS?.p95, 2), num(s.cracklesPerMinute, 1),
                                                             s.pass ? "yes" : "**no**", s.why.prefix(2).joined(separator: "; ")]
            out.append("| " + cells.map(mdCell).joined(separator: " | ") + " |")
        }
        out.append("")
        if let v = r.verification { out.append(v.markdown()) }
        return out.joined(separator: "\n")
    }
}

