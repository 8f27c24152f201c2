// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Loops

/// Turns a sweep's trial records into the report: per-point summaries, the recommendation,
/// the Pareto front.
public enum SweepAnalysis {
    public static func report(run: SweepRun, host: SweepReport.Host = .current(), created: Date = Date()) -> SweepReport {
        let plan = run.plan
        let byPoint = Dictionary(grouping: run.records, by: \.pointIndex)
        var points: [SweepReport.Point] = []
        for gp in plan.points {
            let recs = (byPoint[gp.index] ?? []).sorted { $0.repeatIndex < $1.repeatIndex }
            let trials = recs.compactMap { r in
                r.measurement.map { SweepReport.Trial(measurement: compact($0), info: .init(id: r.id, repeatIndex: r.repeatIndex, seed: r.seed, wallSeconds: r.wallSeconds)) }
            }
            let failures = recs.filter { $0.measurement == nil }.map { SweepReport.Failure(repeatIndex: $0.repeatIndex, seed: $0.seed, reason: $0.failure ?? "unknown") }
            let summary = summarize(trials: trials.map(\.measurement), failures: failures, repeats: plan.repeats, maxCrackles: plan.maxCrackles)
            points.append(.init(index: gp.index, coordinates: gp.coordinates, settings: gp.settings, summary: summary, trials: trials, failures: failures))
        }
        let iso = ISO8601DateFormatter()
        var report = SweepReport(
            created: iso.string(from: created), host: host, backend: plan.backend, axes: plan.axes, ties: plan.ties,
            fixed: plan.fixed, repeats: plan.repeats, seconds: plan.seconds, seed: plan.seed,
            criteria: ["max_crackles_per_trial": plan.maxCrackles],
            run: .init(trialsTotal: run.totalTrials, trialsDone: run.records.count,
                       trialsFailed: run.records.filter { $0.measurement == nil }.count,
                       interrupted: run.interrupted, wallSeconds: (run.wallSeconds * 1000).rounded() / 1000,
                       audioSeconds: (run.audioSeconds * 1000).rounded() / 1000),
            points: points, recommendation: nil, recommendationReason: nil, pareto: [],
            worstTrial: run.worst == nil ? nil : "worst-trial.json")
        finish(&report)
        return report
    }

    /// Most xruns the report keeps per trial from the card model's log (the journal keeps all).
    public static let truthArtifactLimit = 10

    /// Trims the card model's xrun log in a trial's `truth` to ``truthArtifactLimit`` entries,
    /// noting how many were left out (`artifacts_omitted`), so that reports stay small.
    static func compact(_ m: LoopMeasurement) -> LoopMeasurement {
        guard case .object(var t)? = m.truth, case .array(let arts)? = t["artifacts"], arts.count > truthArtifactLimit else { return m }
        var out = m
        t["artifacts"] = .array(Array(arts.prefix(truthArtifactLimit)))
        t["artifacts_omitted"] = .number(Double(arts.count - truthArtifactLimit))
        out.truth = .object(t)
        return out
    }

    /// Fills in the recommendation and the Pareto front from the points.
    public static func finish(_ report: inout SweepReport) {
        let (rec, why) = recommend(report)
        report.recommendation = rec
        report.recommendationReason = rec == nil ? why : nil
        report.pareto = pareto(report.points)
    }

    public static func summarize(trials: [LoopMeasurement], failures: [SweepReport.Failure], repeats: Int, maxCrackles: Int) -> SweepReport.Summary {
        var verdicts: [String: Int] = [:]
        for m in trials { verdicts[m.verdict.rawValue, default: 0] += 1 }
        let lat = trials.compactMap { $0.latency?.ms }
        let stats = SweepReport.Stats(lat).map(round3)
        var jitter: Double? = nil
        if lat.count >= 2 {
            let mean = lat.reduce(0, +) / Double(lat.count)
            jitter = r3((lat.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(lat.count - 1)).squareRoot())
        } else if lat.count == 1 { jitter = 0 }
        let spreads = trials.compactMap { m -> Double? in
            guard let segs = m.segments, !segs.isEmpty else { return nil }
            let d = segs.map(\.delaySamples)
            return (d.max()! - d.min()!) * 1000 / Double(m.sampleRate)
        }
        let truths = trials.compactMap { TruthLog.latencyMS($0) }
        let crackles = trials.reduce(0) { $0 + $1.crackles }
        let minutes = trials.reduce(0.0) { $0 + Double($1.reference.frames) / Double($1.sampleRate) } / 60
        var byKind: [String: Int] = [:]
        for m in trials { for e in m.events { byKind[e.kind.rawValue, default: 0] += 1 } }
        let drifts = trials.compactMap(\.driftPPM)
        let xr = trials.compactMap(\.backendXruns)
        var breakdown: [String: Double]? = nil
        let bds = trials.compactMap(\.latencyBreakdownMS)
        if !bds.isEmpty {
            var sum: [String: Double] = [:]
            for b in bds { for (k, v) in b { sum[k, default: 0] += v } }
            breakdown = sum.mapValues { r3($0 / Double(bds.count)) }
        }
        let pass = failures.isEmpty && trials.count >= repeats && trials.allSatisfy { $0.verdict != .noSignal && $0.crackles <= maxCrackles }
        return .init(
            trials: trials.count, failed: failures.count, pass: pass, verdicts: verdicts, latencyMS: stats, jitterMS: jitter,
            delaySpreadMS: spreads.max().map(r3), truthLatencyMS: SweepReport.Stats(truths).map { r3($0.median) },
            cracklesTotal: crackles, cracklesPerMinute: minutes > 0 ? r3(Double(crackles) / minutes) : 0,
            cracklesByKind: byKind, driftPPM: drifts.isEmpty ? nil : r3(drifts.reduce(0, +) / Double(drifts.count)),
            backendXruns: xr.isEmpty ? nil : xr.reduce(0, +), latencyBreakdownMS: breakdown,
            why: explain(trials: trials, failures: failures, repeats: repeats, maxCrackles: maxCrackles))
    }

    static func r3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
    static func round3(_ s: SweepReport.Stats) -> SweepReport.Stats {
        var t = s
        t.median = r3(s.median); t.p95 = r3(s.p95); t.min = r3(s.min); t.max = r3(s.max); t.mean = r3(s.mean)
        return t
    }

    /// Words for why a point fails: the model's reasons for its events (most frequent first),
    /// the analyzer's reason for a missing signal, and failed trials' errors.
    static func explain(trials: [LoopMeasurement], failures: [SweepReport.Failure], repeats: Int, maxCrackles: Int) -> [String] {
        var out: [String] = []
        let bad = trials.filter { $0.crackles > maxCrackles }
        if !bad.isEmpty {
            let kinds = Dictionary(grouping: bad.flatMap(\.events), by: \.kind.rawValue).mapValues(\.count)
            let kindText = kinds.keys.sorted().map { "\(kinds[$0]!) \($0)" }.joined(separator: ", ")
            out.append("\(bad.count) of \(trials.count) repeats crackled (\(kindText))")
            var reasons: [String: Int] = [:]
            var order: [String] = []
            for m in bad {
                var found = TruthLog.events(m).compactMap(\.reason).filter { !$0.isEmpty }
                // No reason attached to the events: fall back on the model's xrun log.
                if found.isEmpty { found = TruthLog.artifacts(m).map(\.reason) }
                for r in found {
                    if reasons[r] == nil { order.append(r) }
                    reasons[r, default: 0] += 1
                }
            }
            let top = order.enumerated().sorted { (reasons[$0.element]!, -$0.offset) > (reasons[$1.element]!, -$1.offset) }.prefix(3)
            for (_, r) in top { out.append(reasons[r]! > 1 ? "\(r) (×\(reasons[r]!))" : r) }
            if order.count > 3 { out.append("… and \(order.count - 3) other distinct model events") }
        }
        let silent = trials.filter { $0.verdict == .noSignal }
        if let first = silent.first {
            // The analyzer's own words come first in `reason`; the loop's notes follow after "; ".
            let why = first.reason.map { String($0.components(separatedBy: "; ").first ?? $0) }
            out.append("\(silent.count) of \(trials.count) repeats: no signal came back" + (why.map { " (\($0))" } ?? ""))
        }
        for f in failures { out.append("repeat \(f.repeatIndex + 1) failed: \(f.reason)") }
        if trials.count + failures.count < repeats { out.append("only \(trials.count + failures.count) of \(repeats) repeats ran (the sweep was interrupted)") }
        return out
    }

    /// The lowest-latency point (median) that passes every repeat, with its failing neighbours
    /// toward lower latency as the margin.
    public static func recommend(_ report: SweepReport) -> (SweepReport.Recommendation?, String) {
        let passing = report.points.filter { $0.summary.pass && $0.summary.latencyMS != nil }
        guard let best = passing.min(by: { ($0.summary.latencyMS!.median, $0.summary.latencyMS!.p95, $0.index) < ($1.summary.latencyMS!.median, $1.summary.latencyMS!.p95, $1.index) }) else {
            let n = report.points.count
            if report.run.interrupted { return (nil, "no point passed every repeat before the sweep was interrupted (\(report.run.trialsDone) of \(report.run.trialsTotal) trials done)") }
            return (nil, "none of the \(n) points passed every repeat (criterion: at most \(report.criteria["max_crackles_per_trial"] ?? 0) crackles per trial, with a signal); widen the grid toward larger buffers")
        }
        let lat = best.summary.latencyMS!
        var margin: [SweepReport.Neighbour] = []
        for p in report.points where p.index != best.index && !p.summary.pass {
            let diff = zip(p.coordinates, best.coordinates).map { abs($0 - $1) }
            guard diff.reduce(0, +) == 1 else { continue }
            let axis = diff.firstIndex(of: 1)!
            let lower = p.coordinates[axis] < best.coordinates[axis]
            let fasterLatency = p.summary.latencyMS.map { $0.median < lat.median } ?? false
            guard lower || fasterLatency else { continue }
            let why = p.summary.why.prefix(2).joined(separator: "; ")
            margin.append(.init(index: p.index, settings: p.settings, latencyMS: p.summary.latencyMS?.median, why: why.isEmpty ? "fails" : why))
        }
        var settingsAll = report.fixed
        for (k, v) in best.settings { settingsAll[k] = v }
        let effective = best.trials.first?.measurement.source?.settings ?? [:]
        let explicitKeys = Set(report.fixed.keys).union(best.settings.keys)
        var rec = SweepReport.Recommendation(
            index: best.index, settings: best.settings, latencyMS: lat.median, latencyP95MS: lat.p95, latencyMaxMS: lat.max,
            commandLine: nil, legacyEnv: nil, legacyNote: nil, hostSettings: nil, margin: margin, text: "")
        if (try? Loops.capabilities(backend: report.backend))?.qemuSettings == true {
            let q = QEMUCommand.make(settings: settingsAll, effective: effective, explicitKeys: explicitKeys)
            rec.commandLine = q.commandLine
            rec.legacyEnv = q.legacyEnv
            rec.legacyNote = q.legacyNote
            var all = settingsAll
            for (k, v) in effective where all[k] == nil { all[k] = v.description }
            let lv = LibvirtAudioXML.fragment(settings: all, keys: explicitKeys)
            rec.libvirtXML = lv.notes.map { "<!-- \($0.replacingOccurrences(of: "--", with: "- -")) -->\n" }.joined() + lv.xml
        } else {
            rec.hostSettings = HostCommand.describe(backend: report.backend, settings: settingsAll, effective: effective)
        }
        var text = String(format: "%@: round trip %.2f ms median (p95 %.2f ms, max %.2f ms), no failing repeat out of %d.",
                          report.label(best.settings), lat.median, lat.p95, lat.max, best.summary.trials)
        if margin.isEmpty {
            text += " Its lower-latency neighbours on the grid pass too or do not exist: the edge was not reached in this grid."
        } else {
            text += " Margin: " + margin.map { n in
                "\(report.label(n.settings))" + (n.latencyMS.map { String(format: " (%.2f ms)", $0) } ?? "") + " fails"
            }.joined(separator: "; ") + "."
        }
        rec.text = text
        return (rec, "")
    }

    /// Points not dominated in (median latency, crackles per minute), by latency.
    public static func pareto(_ points: [SweepReport.Point]) -> [SweepReport.ParetoEntry] {
        let c = points.compactMap { p -> SweepReport.ParetoEntry? in
            guard let l = p.summary.latencyMS?.median else { return nil }
            return .init(index: p.index, settings: p.settings, latencyMS: l, cracklesPerMinute: p.summary.cracklesPerMinute)
        }
        let front = c.filter { a in
            !c.contains { b in
                b.index != a.index && b.latencyMS <= a.latencyMS && b.cracklesPerMinute <= a.cracklesPerMinute
                    && (b.latencyMS < a.latencyMS || b.cracklesPerMinute < a.cracklesPerMinute)
            }
        }
        return front.sorted { ($0.latencyMS, $0.index) < ($1.latencyMS, $1.index) }
    }
}
