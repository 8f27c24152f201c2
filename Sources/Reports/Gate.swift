// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Soak
import Sweep

/// The regression gate: compares a current measurement (or sweep report) with a baseline,
/// value by value, point by point.
public enum Gate {
    public struct Options: Sendable {
        /// Latency may grow by this many ms without counting as a regression…
        public var latencyToleranceMS: Double = 1.0
        /// …or by this percentage of the baseline, whichever is larger.
        public var latencyTolerancePct: Double = 0
        /// A trial may have this many crackles (or the baseline's count, if larger).
        public var maxCrackles: Int = 0
        public init(latencyToleranceMS: Double = 1.0, latencyTolerancePct: Double = 0, maxCrackles: Int = 0) {
            self.latencyToleranceMS = latencyToleranceMS
            self.latencyTolerancePct = latencyTolerancePct
            self.maxCrackles = maxCrackles
        }
    }

    public enum Verdict: String, Sendable { case ok, better, regressed = "REGRESSED" }

    public struct Row: Sendable, Equatable {
        public var metric: String
        public var baseline: String
        public var current: String
        public var allowed: String
        public var verdict: Verdict
    }

    /// One compared unit (a point of a sweep, or the one measurement): a JUnit testcase.
    public struct Case: Sendable {
        public var name: String
        public var rows: [Row]
        public var regressed: Bool { rows.contains { $0.verdict == .regressed } }
    }

    public struct Result: Sendable {
        /// `measurement` or `sweep`.
        public var kind: String
        public var cases: [Case]
        public var notes: [String]
        public var regressed: Bool { cases.contains { $0.regressed } }
    }

    static func schemaOf(_ path: String) throws(LoopbenchError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingInput(path, "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingInput(path, "cannot read the file") }
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: data) } catch { throw .badData(path, "not valid JSON") }
        guard let o = obj as? [String: Any], let s = o["schema"] as? String else {
            throw .badData(path, "no \"schema\" member: not a loopbench measurement or sweep report")
        }
        guard s == LoopMeasurement.schemaID || s == SweepReport.schemaID else {
            throw .badData(path, "schema \"\(s)\" is not one the gate compares (\(LoopMeasurement.schemaID) or \(SweepReport.schemaID))")
        }
        return s
    }

    /// Compares two files of the same schema.
    ///
    /// - Throws: `badData` (exit 65) for mismatched inputs: different schemas, or points present on one side only.
    public static func compare(baseline: String, current: String, options: Options = Options()) throws(LoopbenchError) -> Result {
        let sb = try schemaOf(baseline), sc = try schemaOf(current)
        guard sb == sc else {
            throw .badData(current, "schema \(sc) does not match the baseline's \(sb) (\(baseline)): compare a measurement with a measurement, a sweep with a sweep")
        }
        if sb == LoopMeasurement.schemaID {
            let b = try JSONCoding.decode(LoopMeasurement.self, fromFile: baseline)
            let c = try JSONCoding.decode(LoopMeasurement.self, fromFile: current)
            var notes: [String] = []
            if b.source?.backend != c.source?.backend { notes.append("backends differ: baseline \(b.source?.backend ?? "file"), current \(c.source?.backend ?? "file")") }
            if let bs = b.source?.settings, let cs = c.source?.settings, bs != cs {
                let keys = Set(bs.keys).union(cs.keys).filter { bs[$0] != cs[$0] }.sorted()
                notes.append("settings differ: " + keys.map { "\($0) \(bs[$0]?.description ?? "–") → \(cs[$0]?.description ?? "–")" }.joined(separator: ", "))
            }
            if let soak = try soakCase(baseline: baseline, current: current, options) { return Result(kind: "soak", cases: [soak], notes: notes) }
            return Result(kind: "measurement", cases: [Case(name: "measurement", rows: rows(b, c, options))], notes: notes)
        }
        let b = try SweepReport.load(path: baseline)
        let c = try SweepReport.load(path: current)
        func key(_ s: [String: String]) -> String { s.keys.sorted().map { "\($0)=\(s[$0]!)" }.joined(separator: " ") }
        let cm = Dictionary(c.points.map { (key($0.settings), $0) }, uniquingKeysWith: { a, _ in a })
        let bm = Dictionary(b.points.map { (key($0.settings), $0) }, uniquingKeysWith: { a, _ in a })
        let onlyB = b.points.map { key($0.settings) }.filter { cm[$0] == nil }
        let onlyC = c.points.map { key($0.settings) }.filter { bm[$0] == nil }
        if !onlyB.isEmpty || !onlyC.isEmpty {
            var why: [String] = []
            if !onlyB.isEmpty { why.append("\(onlyB.count) point(s) only in the baseline (e.g. \(onlyB.prefix(2).joined(separator: "; ")))") }
            if !onlyC.isEmpty { why.append("\(onlyC.count) point(s) only in the current report (e.g. \(onlyC.prefix(2).joined(separator: "; ")))") }
            throw .badData(current, "the sweeps do not cover the same grid as \(baseline): " + why.joined(separator: ", "))
        }
        var notes: [String] = []
        if b.backend != c.backend { notes.append("backends differ: baseline \(b.backend), current \(c.backend)") }
        if b.fixed != c.fixed {
            let keys = Set(b.fixed.keys).union(c.fixed.keys).filter { b.fixed[$0] != c.fixed[$0] }.sorted()
            notes.append("fixed settings differ: " + keys.map { "\($0) \(b.fixed[$0] ?? "–") → \(c.fixed[$0] ?? "–")" }.joined(separator: ", "))
        }
        if b.repeats != c.repeats { notes.append("repeats differ: \(b.repeats) → \(c.repeats)") }
        var cases: [Case] = []
        for bp in b.points {
            let cp = cm[key(bp.settings)]!
            cases.append(Case(name: b.label(bp.settings), rows: rows(bp.summary, cp.summary, options)))
        }
        return Result(kind: "sweep", cases: cases, notes: notes)
    }

    /// Two soaks (measurements with a `soak` member) are compared on their latency percentiles
    /// and their event rate (events per minute; `--max-crackles` is then a rate); nil when
    /// neither is a soak.
    static func soakCase(baseline: String, current: String, _ o: Options) throws(LoopbenchError) -> Case? {
        let b = try? JSONCoding.decode(SoakReport.self, fromFile: baseline)
        let c = try? JSONCoding.decode(SoakReport.self, fromFile: current)
        guard b != nil || c != nil else { return nil }
        guard let b, let c else {
            throw .badData(b == nil ? baseline : current, "is not a soak report while \(b == nil ? current : baseline) is: compare a soak with a soak")
        }
        let lb = b.soak.summary.latencyMS, lc = c.soak.summary.latencyMS
        var rows = [latencyRow("latency p50", lb?.p50, lc?.p50, o), latencyRow("latency p95", lb?.p95, lc?.p95, o), latencyRow("latency p99", lb?.p99, lc?.p99, o)]
        let rb = b.soak.summary.eventsPerMinute, rc = c.soak.summary.eventsPerMinute
        let allowed = max(rb, Double(o.maxCrackles))
        rows.append(Row(metric: "events per minute", baseline: String(format: "%.3f", rb), current: String(format: "%.3f", rc),
                        allowed: String(format: "≤ %.3f", allowed), verdict: rc > allowed ? .regressed : (rc < rb ? .better : .ok)))
        let missB = b.soak.summary.periods - b.soak.summary.periodsFound, missC = c.soak.summary.periods - c.soak.summary.periodsFound
        rows.append(Row(metric: "periods without the probe", baseline: "\(missB) of \(b.soak.summary.periods)", current: "\(missC) of \(c.soak.summary.periods)",
                        allowed: "any", verdict: .ok))
        return Case(name: "soak", rows: rows)
    }

    static func ms(_ x: Double?) -> String { x.map { String(format: "%.3f ms", $0) } ?? "no signal" }

    static func latencyRow(_ metric: String, _ b: Double?, _ c: Double?, _ o: Options) -> Row {
        guard let b else {
            return Row(metric: metric, baseline: "no signal", current: ms(c), allowed: "–", verdict: c == nil ? .ok : .better)
        }
        let tol = max(o.latencyToleranceMS, abs(b) * o.latencyTolerancePct / 100)
        let allowed = String(format: "≤ %.3f ms", b + tol)
        guard let c else { return Row(metric: metric, baseline: ms(b), current: "no signal", allowed: allowed, verdict: .regressed) }
        let v: Verdict = c > b + tol ? .regressed : (c < b - tol ? .better : .ok)
        return Row(metric: metric, baseline: ms(b), current: ms(c), allowed: allowed, verdict: v)
    }

    static func crackleRow(_ metric: String, _ b: Int, _ c: Int, _ o: Options) -> Row {
        let allowed = max(b, o.maxCrackles)
        return Row(metric: metric, baseline: String(b), current: String(c), allowed: "≤ \(allowed)",
                   verdict: c > allowed ? .regressed : (c < b ? .better : .ok))
    }

    static func rows(_ b: LoopMeasurement, _ c: LoopMeasurement, _ o: Options) -> [Row] {
        var r = [latencyRow("latency", b.latency?.ms, c.latency?.ms, o), crackleRow("crackles", b.crackles, c.crackles, o)]
        let vb = b.verdict.rawValue, vc = c.verdict.rawValue
        r.append(Row(metric: "verdict", baseline: vb, current: vc, allowed: b.verdict == .noSignal ? "any" : "not no-signal",
                     verdict: b.verdict != .noSignal && c.verdict == .noSignal ? .regressed : .ok))
        if let xb = b.backendXruns, let xc = c.backendXruns {
            r.append(Row(metric: "backend xruns", baseline: String(xb), current: String(xc), allowed: "≤ \(xb)", verdict: xc > xb ? .regressed : (xc < xb ? .better : .ok)))
        }
        return r
    }

    static func rows(_ b: SweepReport.Summary, _ c: SweepReport.Summary, _ o: Options) -> [Row] {
        var r = [latencyRow("latency median", b.latencyMS?.median, c.latencyMS?.median, o),
                 latencyRow("latency p95", b.latencyMS?.p95, c.latencyMS?.p95, o),
                 crackleRow("crackles (all repeats)", b.cracklesTotal, c.cracklesTotal, o)]
        r.append(Row(metric: "passes", baseline: b.pass ? "yes" : "no", current: c.pass ? "yes" : "no", allowed: b.pass ? "yes" : "any",
                     verdict: b.pass && !c.pass ? .regressed : (!b.pass && c.pass ? .better : .ok)))
        r.append(Row(metric: "failed trials", baseline: String(b.failed), current: String(c.failed), allowed: "≤ \(b.failed)",
                     verdict: c.failed > b.failed ? .regressed : (c.failed < b.failed ? .better : .ok)))
        return r
    }

    /// Every compared value with its verdict, as an aligned text table.
    public static func table(_ r: Result) -> String {
        let header = ["point", "metric", "baseline", "current", "allowed", "verdict"]
        var rows: [[String]] = []
        for c in r.cases { for row in c.rows { rows.append([c.name, row.metric, row.baseline, row.current, row.allowed, row.verdict.rawValue]) } }
        var w = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { w[i] = max(w[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $0.element + String(repeating: " ", count: w[$0.offset] - $0.element.count) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        var out = [line(header), w.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        let bad = r.cases.filter(\.regressed)
        out.append("")
        out += r.notes.map { "note: \($0)" }
        out.append(bad.isEmpty ? "gate: PASS — \(r.cases.count) \(r.kind == "sweep" ? "points" : "measurement") compared, nothing regressed"
                               : "gate: FAIL — \(bad.count) of \(r.cases.count) \(r.kind == "sweep" ? "points" : "measurement") regressed: " + bad.prefix(5).map(\.name).joined(separator: "; ") + (bad.count > 5 ? "; …" : ""))
        return out.joined(separator: "\n")
    }

    /// Escaped for XML text and attributes. XML 1.0 has no way to write most control
    /// characters, not even as references: they are written as the text `\u{1B}`.
    static func xml(_ s: String) -> String {
        var out = ""
        for u in HTMLReport.escape(s).unicodeScalars {
            let v = u.value
            if (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0xFFFE || v == 0xFFFF {
                out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// JUnit XML: one testcase per point (or one for a measurement), failed when it regressed.
    public static func junit(_ r: Result, baseline: String, current: String) -> String {
        let failures = r.cases.filter(\.regressed).count
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<testsuites name=\"loopbench gate\" tests=\"\(r.cases.count)\" failures=\"\(failures)\">\n"
        s += "  <testsuite name=\"loopbench.gate.\(r.kind)\" tests=\"\(r.cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n"
        s += "    <properties><property name=\"baseline\" value=\"\(xml(baseline))\"/><property name=\"current\" value=\"\(xml(current))\"/></properties>\n"
        for c in r.cases {
            s += "    <testcase classname=\"loopbench.gate.\(r.kind)\" name=\"\(xml(c.name))\">\n"
            let detail = c.rows.map { "\($0.metric): baseline \($0.baseline), current \($0.current), allowed \($0.allowed): \($0.verdict.rawValue)" }.joined(separator: "\n")
            if c.regressed {
                let bad = c.rows.filter { $0.verdict == .regressed }.map { "\($0.metric) \($0.baseline) → \($0.current) (allowed \($0.allowed))" }.joined(separator: "; ")
                s += "      <failure message=\"\(xml("regressed: " + bad))\" type=\"regression\">\(xml(detail))</failure>\n"
            } else {
                s += "      <system-out>\(xml(detail))</system-out>\n"
            }
            s += "    </testcase>\n"
        }
        if !r.notes.isEmpty { s += "    <system-out>\(xml(r.notes.joined(separator: "\n")))</system-out>\n" }
        s += "  </testsuite>\n</testsuites>\n"
        return s
    }
}
