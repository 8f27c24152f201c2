// SPDX-License-Identifier: GPL-2.0-or-later
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoopbenchCore

/// The content of `report.json` (`loopbench/sweep/v1`, see `schemas/sweep.schema.json`).
public struct SweepReport: Codable, Sendable, Equatable {
    public static let schemaID = "loopbench/sweep/v1"

    public struct Host: Codable, Sendable, Equatable {
        public var os: String
        public var kernel: String
        public var cpu: String
        public var cores: Int
        public var memoryGiB: Double
        enum CodingKeys: String, CodingKey {
            case os, kernel, cpu, cores
            case memoryGiB = "memory_gib"
        }

        /// Facts about this machine.
        public static func current() -> Host {
            var os = "unknown", cpu = "unknown"
            if let t = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8),
               let line = t.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") }) {
                os = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            if let t = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
               let line = t.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
               let colon = line.firstIndex(of: ":") {
                cpu = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            var u = utsname()
            uname(&u)
            let kernel = withUnsafePointer(to: &u.release) { $0.withMemoryRebound(to: CChar.self, capacity: 65) { String(cString: $0) } }
            return Host(os: os, kernel: kernel, cpu: cpu, cores: ProcessInfo.processInfo.activeProcessorCount,
                        memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10)
        }
    }

    public struct Run: Codable, Sendable, Equatable {
        public var trialsTotal: Int
        public var trialsDone: Int
        public var trialsFailed: Int
        public var interrupted: Bool
        /// Wall time of the last run (a resumed sweep counts only its own part).
        public var wallSeconds: Double
        /// Audio seconds played through the loop in the last run.
        public var audioSeconds: Double
        enum CodingKeys: String, CodingKey {
            case trialsTotal = "trials_total"
            case trialsDone = "trials_done"
            case trialsFailed = "trials_failed"
            case interrupted
            case wallSeconds = "wall_s"
            case audioSeconds = "audio_s"
        }
    }

    public struct Stats: Codable, Sendable, Equatable {
        public var median: Double
        public var p95: Double
        public var min: Double
        public var max: Double
        public var mean: Double
        public init?(_ xs: [Double]) {
            guard !xs.isEmpty else { return nil }
            let s = xs.sorted()
            func q(_ p: Double) -> Double {
                let pos = p * Double(s.count - 1)
                let lo = Int(pos.rounded(.down)), hi = Swift.min(s.count - 1, lo + 1)
                return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
            }
            median = q(0.5); p95 = q(0.95); min = s.first!; max = s.last!
            mean = s.reduce(0, +) / Double(s.count)
        }
    }

    public struct Summary: Codable, Sendable, Equatable {
        /// Trials measured (not counting failed ones) and trials that failed.
        public var trials: Int
        public var failed: Int
        /// True when every repeat was measured and has at most `max_crackles` crackles and a signal.
        public var pass: Bool
        public var verdicts: [String: Int]
        public var latencyMS: Stats?
        /// Standard deviation of the latency over the repeats.
        public var jitterMS: Double?
        /// Largest change of delay within one trial (max − min segment delay).
        public var delaySpreadMS: Double?
        /// The card model's own latency (median over the repeats), sim only.
        public var truthLatencyMS: Double?
        public var cracklesTotal: Int
        public var cracklesPerMinute: Double
        public var cracklesByKind: [String: Int]
        public var driftPPM: Double?
        public var backendXruns: Int?
        /// Mean time-weighted occupancy of each buffer on the path (card model).
        public var latencyBreakdownMS: [String: Double]?
        /// Why the point fails, in words from the model's log, the analyzer or the backend.
        public var why: [String]

        enum CodingKeys: String, CodingKey {
            case trials, failed, pass, verdicts
            case latencyMS = "latency_ms"
            case jitterMS = "jitter_ms"
            case delaySpreadMS = "delay_spread_ms"
            case truthLatencyMS = "truth_latency_ms"
            case cracklesTotal = "crackles_total"
            case cracklesPerMinute = "crackles_per_min"
            case cracklesByKind = "crackles_by_kind"
            case driftPPM = "drift_ppm"
            case backendXruns = "backend_xruns"
            case latencyBreakdownMS = "latency_breakdown_ms"
            case why
        }
    }

    /// One trial: a measurement object (the measurement schema) with a `trial` member naming it.
    public struct Trial: Codable, Sendable, Equatable {
        public struct Info: Codable, Sendable, Equatable {
            public var id: String
            public var repeatIndex: Int
            public var seed: UInt64
            public var wallSeconds: Double
            enum CodingKeys: String, CodingKey {
                case id
                case repeatIndex = "repeat"
                case seed
                case wallSeconds = "wall_s"
            }
        }
        public var measurement: LoopMeasurement
        public var info: Info
        enum Extra: String, CodingKey { case trial }
        public init(measurement: LoopMeasurement, info: Info) {
            self.measurement = measurement
            self.info = info
        }
        public init(from decoder: any Decoder) throws {
            measurement = try LoopMeasurement(from: decoder)
            info = try decoder.container(keyedBy: Extra.self).decode(Info.self, forKey: .trial)
        }
        public func encode(to encoder: any Encoder) throws {
            try measurement.encode(to: encoder)
            var c = encoder.container(keyedBy: Extra.self)
            try c.encode(info, forKey: .trial)
        }
    }

    public struct Failure: Codable, Sendable, Equatable {
        public var repeatIndex: Int
        public var seed: UInt64
        public var reason: String
        enum CodingKeys: String, CodingKey {
            case repeatIndex = "repeat"
            case seed, reason
        }
    }

    public struct Point: Codable, Sendable, Equatable {
        public var index: Int
        /// Position on each axis (indices into `axes[i].values`).
        public var coordinates: [Int]
        /// The settings that vary: each axis and each tied key.
        public var settings: [String: String]
        public var summary: Summary
        public var trials: [Trial]
        public var failures: [Failure]
    }

    public struct Neighbour: Codable, Sendable, Equatable {
        public var index: Int
        public var settings: [String: String]
        public var latencyMS: Double?
        public var why: String
        enum CodingKeys: String, CodingKey {
            case index, settings
            case latencyMS = "latency_ms"
            case why
        }
    }

    public struct Recommendation: Codable, Sendable, Equatable {
        public var index: Int
        public var settings: [String: String]
        public var latencyMS: Double
        public var latencyP95MS: Double
        public var latencyMaxMS: Double
        /// The QEMU command-line fragment (card model and QEMU).
        public var commandLine: String?
        /// The legacy environment-variable form (QEMU < 8.2), when one exists.
        public var legacyEnv: String?
        /// Why there is no legacy form, or what it cannot express.
        public var legacyNote: String?
        /// For host backends: the buffer attributes or hw params to use.
        public var hostSettings: String?
        /// The libvirt `<sound>` + `<audio>` form of the command line (card model and QEMU), for
        /// `virsh edit`; what libvirt cannot express is said in XML comments above it.
        public var libvirtXML: String? = nil
        /// Failing neighbours toward lower latency: how close the edge is.
        public var margin: [Neighbour]
        public var text: String
        enum CodingKeys: String, CodingKey {
            case index, settings
            case latencyMS = "latency_ms"
            case latencyP95MS = "latency_p95_ms"
            case latencyMaxMS = "latency_max_ms"
            case commandLine = "command_line"
            case legacyEnv = "legacy_env"
            case legacyNote = "legacy_note"
            case hostSettings = "host_settings"
            case libvirtXML = "libvirt_xml"
            case margin, text
        }
    }

    public struct ParetoEntry: Codable, Sendable, Equatable {
        public var index: Int
        public var settings: [String: String]
        public var latencyMS: Double
        public var cracklesPerMinute: Double
        enum CodingKeys: String, CodingKey {
            case index, settings
            case latencyMS = "latency_ms"
            case cracklesPerMinute = "crackles_per_min"
        }
    }

    public var schema: String = SweepReport.schemaID
    public var tool: LoopMeasurement.Tool = .init()
    /// When the report was written (UTC, ISO 8601).
    public var created: String
    public var host: Host
    public var backend: String
    public var axes: [Axis]
    public var ties: [String: String]
    public var fixed: [String: String]
    public var repeats: Int
    public var seconds: Double
    public var seed: UInt64
    public var criteria: [String: Int]
    public var run: Run
    public var points: [Point]
    public var recommendation: Recommendation?
    /// Why there is no recommendation (null when there is one).
    public var recommendationReason: String?
    public var pareto: [ParetoEntry]
    /// The side file with the worst trial's decimated capture and residual, if any.
    public var worstTrial: String?
    /// `sweep --verify qemu`: the recommendation and its failing neighbours re-run on a real guest.
    public var verification: SweepVerification?

    enum CodingKeys: String, CodingKey {
        case schema, tool, created, host, backend, axes, ties, fixed, repeats, seconds, seed, criteria, run, points, recommendation
        case recommendationReason = "recommendation_reason"
        case pareto
        case worstTrial = "worst_trial"
        case verification
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(tool, forKey: .tool)
        try c.encode(created, forKey: .created)
        try c.encode(host, forKey: .host)
        try c.encode(backend, forKey: .backend)
        try c.encode(axes, forKey: .axes)
        try c.encode(ties, forKey: .ties)
        try c.encode(fixed, forKey: .fixed)
        try c.encode(repeats, forKey: .repeats)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(seed, forKey: .seed)
        try c.encode(criteria, forKey: .criteria)
        try c.encode(run, forKey: .run)
        try c.encode(points, forKey: .points)
        try c.encode(recommendation, forKey: .recommendation)
        try c.encode(recommendationReason, forKey: .recommendationReason)
        try c.encode(pareto, forKey: .pareto)
        try c.encode(worstTrial, forKey: .worstTrial)
        try c.encodeIfPresent(verification, forKey: .verification)
    }

    /// The point label used everywhere: `timer-period=5000 out.latency=20000` (axes only; tied keys follow).
    public func label(_ settings: [String: String]) -> String {
        axes.map { "\($0.key)=\(settings[$0.key] ?? "?")" }.joined(separator: " ")
    }

    /// Reads `report.json`, checking its schema and its own invariants (``validate(path:)``).
    public static func load(path: String) throws(LoopbenchError) -> SweepReport {
        let r = try JSONCoding.decode(SweepReport.self, fromFile: path)
        guard r.schema == schemaID else { throw .badData(path, "schema is \"\(r.schema)\", expected \"\(schemaID)\"") }
        try r.validate(path: path)
        return r
    }

    /// Checks what the schema cannot say and the renderers rely on: at least one axis, each with
    /// distinct values; one point per grid position, in grid order, with coordinates inside the
    /// axes and settings that agree with them; indices of the recommendation, its margin and the
    /// Pareto front that name a point; counts that are not negative. The error names the field.
    public func validate(path: String) throws(LoopbenchError) {
        func bad(_ field: String, _ why: String) -> LoopbenchError { .badData(path, "\(field): \(why)") }
        guard !axes.isEmpty else { throw bad("axes", "no axes") }
        var keys = Set<String>()
        for (i, a) in axes.enumerated() {
            guard !a.key.isEmpty, keys.insert(a.key).inserted else { throw bad("axes[\(i)].key", "empty or repeated") }
            guard !a.values.isEmpty else { throw bad("axes[\(i)].values", "no values") }
            guard Set(a.values).count == a.values.count else { throw bad("axes[\(i)].values", "a value is repeated") }
        }
        guard repeats >= 1 else { throw bad("repeats", "must be at least 1") }
        guard seconds > 0 else { throw bad("seconds", "must be greater than 0") }
        // The grid size is a product of counts that each fit in memory; multiply without overflow.
        var gridSize = 1
        for a in axes {
            let (m, o) = gridSize.multipliedReportingOverflow(by: a.values.count)
            guard !o, m <= 10_000_000 else { throw bad("axes", "the grid is too large") }
            gridSize = m
        }
        guard !points.isEmpty else { throw bad("points", "no points") }
        guard points.count == gridSize else { throw bad("points", "\(points.count) points for a grid of \(gridSize)") }
        for (i, p) in points.enumerated() {
            guard p.index == i else { throw bad("points[\(i)].index", "is \(p.index), expected \(i)") }
            guard p.coordinates.count == axes.count else { throw bad("points[\(i)].coordinates", "\(p.coordinates.count) coordinates for \(axes.count) axes") }
            for (a, c) in p.coordinates.enumerated() {
                guard c >= 0 && c < axes[a].values.count else { throw bad("points[\(i)].coordinates[\(a)]", "\(c) is outside axis \(axes[a].key) (\(axes[a].values.count) values)") }
                guard p.settings[axes[a].key] == axes[a].values[c] else { throw bad("points[\(i)].settings", "\(axes[a].key) does not match the point's coordinates") }
            }
            let s = p.summary
            guard s.trials >= 0, s.failed >= 0, s.cracklesTotal >= 0, s.cracklesPerMinute >= 0, s.cracklesByKind.values.allSatisfy({ $0 >= 0 }) else {
                throw bad("points[\(i)].summary", "a count is negative")
            }
            for (j, t) in p.trials.enumerated() {
                guard t.measurement.sampleRate > 0 else { throw bad("points[\(i)].trials[\(j)].sample_rate", "must be greater than 0") }
                guard t.info.repeatIndex >= 0 else { throw bad("points[\(i)].trials[\(j)].trial.repeat", "cannot be negative") }
            }
        }
        func checkIndex(_ index: Int, _ field: String) throws(LoopbenchError) {
            guard index >= 0 && index < points.count else { throw bad(field, "\(index) names no point (there are \(points.count))") }
        }
        if let rec = recommendation {
            try checkIndex(rec.index, "recommendation.index")
            for (j, n) in rec.margin.enumerated() { try checkIndex(n.index, "recommendation.margin[\(j)].index") }
        }
        for (j, e) in pareto.enumerated() { try checkIndex(e.index, "pareto[\(j)].index") }
    }
}
