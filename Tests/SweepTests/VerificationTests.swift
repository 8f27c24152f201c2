// SPDX-License-Identifier: GPL-2.0-or-later
import Measure
import Foundation
import LoopbenchCore
import Loops
import Stimulus
import Testing
import TestSupport
@testable import Sweep

/// `sweep --verify`: when the "real" loop crackles at the model's recommendation, the model's
/// next passing points are tried in its own order, and the first that runs clean is the choice.
/// The "real" loop here is the card model with one 12 ms main-loop stall that the sweep's model
/// did not have, so the ground truth of every point is the model's own artifact log.
@Suite("Sweep verification")
struct VerificationTests {
    static let stall = "@0.6s:12ms"

    static func plan() -> SweepPlan {
        var p = SweepPlan()
        p.backend = "sim"
        p.axes = [Axis(key: "out.latency", values: ["10000", "20000", "46440"])]
        p.ties = ["in.latency": "out.latency"]
        p.fixed = ["timer-period": "2000", "host.jitter": "0", "guest.jitter": "0", "out.frequency": "48000", "in.frequency": "48000"]
        p.repeats = 1
        p.seconds = 1.5
        p.seed = 1
        return p
    }

    /// Whether the card model logged any artifact (its truth), for these settings and this seed.
    static func truthCrackles(_ settings: [String: String], seed: UInt64, seconds: Double) throws -> Bool {
        let loop = try Loops.make(backend: "sim", settings: settings)
        var spec = Stimulus.Spec()
        spec.seconds = seconds
        spec.seed = seed
        let m = try RoundTrip.measure(loop: loop, spec: spec).measurement
        guard case .object(let truth)? = m.truth, case .array(let artifacts)? = truth["artifacts"] else {
            Issue.record("no truth in the card model's measurement")
            return false
        }
        return !artifacts.isEmpty
    }

    @Test("a recommendation that crackles on the real loop is replaced by the first candidate that runs clean, in the model's order")
    func walksDownTheModelsCandidates() throws {
        let plan = Self.plan()
        let dir = TestPaths.temporaryDirectory("verify")
        let run = try SweepRunner.run(plan: plan, options: .init(outDir: dir, jobs: 1))
        let report = SweepAnalysis.report(run: run)
        let rec = try #require(report.recommendation)

        var real = plan
        real.fixed["host.stalls"] = Self.stall
        let v = try #require(try SweepVerification.run(report: report, plan: real, backend: "sim", repeats: 1, candidates: 3))

        // Ground truth, point by point, in the model's order.
        let order = SweepVerification.modelOrder(report)
        #expect(order.first?.index == rec.index)
        var truth: [(label: String, crackles: Bool)] = []
        for p in order {
            var s = real.fixed
            for (k, val) in p.settings { s[k] = val }
            truth.append((report.label(p.settings), try Self.truthCrackles(s, seed: real.seed, seconds: real.seconds)))
        }
        // The stall breaks the recommendation (the smallest buffers), so the walk must happen.
        #expect(truth.first?.crackles == true, "\(truth)")
        #expect(!v.verified)
        let expected = truth.prefix(3).first { !$0.crackles }
        #expect(expected != nil && expected?.label != truth.first?.label, "the grid is made so that a larger buffer survives the stall: \(truth)")
        #expect(v.verifiedChoice?.label == expected?.label, "truth \(truth), rows \(v.rows.map { ($0.role, $0.label, $0.measured.pass) })")
        // Every candidate tried before the choice crackled, and they were tried in the model's order.
        let candidates = v.rows.filter { $0.role == "candidate" }
        #expect(candidates.map(\.label) == Array(truth.dropFirst().prefix(candidates.count).map(\.label)))
        for c in candidates.dropLast() { #expect(!c.measured.pass) }
        if let choice = v.verifiedChoice {
            #expect(v.text.contains("use \(choice.label)"))
            #expect(choice.qemuArguments?.contains("-audiodev") == true)
            let tried = try #require(v.rows.first { $0.label == choice.label })
            #expect(choice.measuredLatencyMS == tried.measured.latencyMedianMS)
        }

        // The report with its verification is valid against schemas/sweep.schema.json.
        var withVerification = report
        withVerification.verification = v
        let json = dir + "/verified-report.json"
        try AtomicFile.write(try JSONCoding.encode(withVerification, pretty: true), to: json)
        #expect(validateSweepSchema(json) == nil, "\(validateSweepSchema(json) ?? "")")

        // With one candidate allowed, nothing past the recommendation is tried.
        let one = try #require(try SweepVerification.run(report: report, plan: real, backend: "sim", repeats: 1, candidates: 1))
        #expect(one.rows.allSatisfy { $0.role != "candidate" })
        #expect(one.verifiedChoice == nil)

        // The same loop as the model's: verified, and the choice is the recommendation itself.
        let same = try #require(try SweepVerification.run(report: report, plan: plan, backend: "sim", repeats: 1, candidates: 3))
        #expect(same.verified)
        #expect(same.verifiedChoice?.label == report.label(rec.settings))
        #expect(same.rows.allSatisfy { $0.role != "candidate" })
    }
}
