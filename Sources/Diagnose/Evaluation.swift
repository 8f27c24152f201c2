// SPDX-License-Identifier: GPL-2.0-or-later
import Measure
import Foundation
import LoopbenchCore
import Loops
import Stimulus
import Sweep

/// One configuration run a few times (seeds) on a backend, summarised as a sweep point is.
public struct Evaluation: Codable, Sendable, Equatable {
    public var backend: String
    public var settings: [String: String]
    public var repeats: Int
    public var seconds: Double
    public var pass: Bool
    public var latencyMS: SweepReport.Stats?
    public var truthLatencyMS: Double?
    public var cracklesTotal: Int
    public var cracklesPerMinute: Double
    public var cracklesByKind: [String: Int]
    /// The model's reasons for the crackles (its own words), and failed or silent repeats.
    public var why: [String]
    public var latencyBreakdownMS: [String: Double]?
    public var verdicts: [String: Int]

    enum CodingKeys: String, CodingKey {
        case backend, settings, repeats, seconds, pass
        case latencyMS = "latency_ms"
        case truthLatencyMS = "truth_latency_ms"
        case cracklesTotal = "crackles_total"
        case cracklesPerMinute = "crackles_per_min"
        case cracklesByKind = "crackles_by_kind"
        case why
        case latencyBreakdownMS = "latency_breakdown_ms"
        case verdicts
    }

    public var medianMS: Double? { latencyMS?.median }
}

/// Runs configurations on a backend.
public struct Evaluator: Sendable {
    public var repeats: Int
    public var seconds: Double
    public var seed: UInt64
    public var progress: ProgressLine?
    public init(repeats: Int, seconds: Double, seed: UInt64, progress: ProgressLine?) {
        self.repeats = repeats; self.seconds = seconds; self.seed = seed; self.progress = progress
    }

    /// - Throws: only for a backend that is not there (69) or a setting it refuses (64);
    ///   a repeat that fails on its own is counted in the summary.
    public func run(_ settings: [String: String], backend: String = "sim", repeats n: Int? = nil, label: String = "") throws(LoopbenchError) -> Evaluation {
        let count = n ?? repeats
        var spec = Stimulus.Spec()
        spec.seconds = seconds
        var trials: [LoopMeasurement] = []
        var failures: [String] = []
        // A deterministic loop (the card model) repeats with a fresh seed; a real one varies on its own.
        let seeded = try Loops.capabilities(backend: backend).deterministic
        for i in 0..<count {
            var s = settings
            if seeded { s["seed"] = String(seed + UInt64(i)) }
            let loop = try Loops.make(backend: backend, settings: s)
            do {
                trials.append(try RoundTrip.measure(loop: loop, spec: spec).measurement)
            } catch {
                if error.kind == .unavailable || error.kind == .usage { throw error }
                failures.append("repeat \(i + 1) failed: \(error.description)")
            }
            progress?.update(done: i + 1, total: count, label: label)
        }
        let sum = SweepAnalysis.summarize(trials: trials, failures: [], repeats: trials.count, maxCrackles: 0)
        return Evaluation(backend: backend, settings: settings, repeats: count, seconds: seconds, pass: sum.pass && failures.isEmpty && !trials.isEmpty, latencyMS: sum.latencyMS,
                          truthLatencyMS: sum.truthLatencyMS, cracklesTotal: sum.cracklesTotal, cracklesPerMinute: sum.cracklesPerMinute,
                          cracklesByKind: sum.cracklesByKind, why: sum.why + failures, latencyBreakdownMS: sum.latencyBreakdownMS, verdicts: sum.verdicts)
    }
}
