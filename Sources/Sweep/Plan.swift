// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Loops
import Yams

/// One swept setting and the values it takes, in the order given.
public struct Axis: Codable, Sendable, Equatable {
    public var key: String
    public var values: [String]
    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }

    /// Parses `KEY=V1,V2,...` or `KEY=FROM:TO:STEP` (numbers; the end is included when the steps reach it).
    public static func parse(_ text: String) throws(LoopbenchError) -> Axis {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw .usage("--axis \(text): expected KEY=V1,V2,... or KEY=FROM:TO:STEP", subject: "axis")
        }
        let key = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let rest = String(text[text.index(after: eq)...])
        return Axis(key: key, values: try values(rest, key: key))
    }

    /// Expands a value list or a `FROM:TO:STEP` range.
    static func values(_ rest: String, key: String) throws(LoopbenchError) -> [String] {
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 3, !rest.contains(",") {
            guard let from = Double(parts[0]), let to = Double(parts[1]), let step = Double(parts[2]), from.isFinite, to.isFinite, step.isFinite else {
                throw .usage("--axis \(key)=\(rest): FROM:TO:STEP takes plain numbers (microseconds for times)", subject: key)
            }
            guard step > 0 else { throw .usage("--axis \(key)=\(rest): STEP must be greater than 0", subject: key) }
            guard to >= from else { throw .usage("--axis \(key)=\(rest): TO must not be below FROM", subject: key) }
            let count = Int(((to - from) / step + 1e-9).rounded(.down)) + 1
            guard count <= 1000 else { throw .usage("--axis \(key)=\(rest): \(count) values; at most 1000 per axis", subject: key) }
            return (0..<count).map { formatNumber(from + Double($0) * step) }
        }
        let vals = rest.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !vals.isEmpty, !vals.contains(where: \.isEmpty) else {
            throw .usage("--axis \(key)=\(rest): empty value; write KEY=V1,V2,...", subject: key)
        }
        guard Set(vals).count == vals.count else { throw .usage("--axis \(key)=\(rest): a value is repeated", subject: key) }
        return vals
    }

    /// A number as a setting is written: no trailing `.0`.
    public static func formatNumber(_ v: Double) -> String {
        let r = (v * 1e6).rounded() / 1e6
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        return String(r)
    }
}

/// What a sweep measures: the backend, the grid, the fixed settings and the repeats.
/// A sweep plan. It is written as JSON (`plan.json` in a sweep's folder) and read back, like a
/// user's plan file, by one reader: ``load(path:)``.
public struct SweepPlan: Encodable, Sendable, Equatable {
    public var backend: String = "sim"
    /// The swept settings; the grid is their cartesian product, the first axis varying slowest.
    public var axes: [Axis] = []
    /// Settings that follow an axis: `in.latency` → `out.latency` gives `in.latency` the same value.
    public var ties: [String: String] = [:]
    /// Settings held fixed at every point (`--set`).
    public var fixed: [String: String] = [:]
    /// Trials per point; each repeat gets its own seed (`seed` + repeat index).
    public var repeats: Int = 3
    /// Length of the probe in seconds.
    public var seconds: Double = 2
    /// The first seed; repeat r uses `seed + r`.
    public var seed: UInt64 = 1
    /// Pass criterion: at most this many crackles in every repeat.
    public var maxCrackles: Int = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case backend, axes, ties, fixed, repeats, seconds, seed
        case maxCrackles = "max_crackles"
    }

    /// The embedded default: QEMU 7.2, HDA, `pa`, `timer-period` × `out.latency` (with `in.latency`
    /// tied to it) over the crackle boundary, with a busy host (main-loop jitter and short stalls)
    /// so that tight settings fail; four seeds per point, 3 s probes (28 points, 112 trials).
    /// What the plan's backend may be assumed to do (nothing, for an unknown name: `validate` refuses those).
    public var capabilities: LoopCapabilities { (try? Loops.capabilities(backend: backend)) ?? .realDevice }

    public static var `default`: SweepPlan {
        var p = SweepPlan()
        p.backend = "sim"
        p.axes = [
            Axis(key: "timer-period", values: ["1000", "2000", "5000", "10000"]),
            Axis(key: "out.latency", values: ["5000", "10000", "15000", "20000", "25000", "30000", "46440"]),
        ]
        p.ties = ["in.latency": "out.latency"]
        // The guest plays 48 kHz; mixeng at 48 kHz too (`out.frequency`/`in.frequency`) keeps
        // QEMU's 44.1 kHz resampler out of the loop (docs/card-model.md), so crackles are timing
        // only. The host's lateness is the model's default, measured on real QEMU guests.
        p.fixed = ["qemu": "7.2", "device": "hda", "backend": "pa",
                   "out.frequency": "48000", "in.frequency": "48000"]
        p.repeats = 4
        p.seconds = 3
        p.seed = 1
        return p
    }

    /// The first way `other` would give different trials than this plan, in words (nil when
    /// it gives the same): backend, probe length, repeats, seed, axes, ties or fixed settings.
    /// The pass criterion (`max_crackles`) may differ: it changes the verdicts, not the trials.
    public func difference(from other: SweepPlan) -> String? {
        func list(_ m: [String: String]) -> String { m.keys.sorted().map { "\($0)=\(m[$0]!)" }.joined(separator: ",") }
        func axesText(_ a: [Axis]) -> String { a.map { "\($0.key)=\($0.values.joined(separator: ","))" }.joined(separator: " ") }
        if backend != other.backend { return "backend \(backend) → \(other.backend)" }
        if seconds != other.seconds { return "seconds \(Axis.formatNumber(seconds)) → \(Axis.formatNumber(other.seconds))" }
        if repeats != other.repeats { return "repeats \(repeats) → \(other.repeats)" }
        if seed != other.seed { return "seed \(seed) → \(other.seed)" }
        if axes != other.axes { return "axes \(axesText(axes)) → \(axesText(other.axes))" }
        if ties != other.ties { return "ties \(list(ties)) → \(list(other.ties))" }
        if fixed != other.fixed {
            let k = Set(fixed.keys).union(other.fixed.keys).sorted().first { fixed[$0] != other.fixed[$0] }!
            return "--set \(k) \(fixed[k] ?? "unset") → \(other.fixed[k] ?? "unset")"
        }
        return nil
    }

    /// Checks the plan's shape (the backend checks the values themselves when a trial starts).
    public func validate() throws(LoopbenchError) {
        guard repeats >= 1 && repeats <= 1000 else { throw .usage("--repeats \(repeats): must be between 1 and 1000", subject: "repeats") }
        guard seconds > 0.05 && seconds <= 3600 else { throw .usage("--seconds \(seconds): must be between 0.05 and 3600", subject: "seconds") }
        guard maxCrackles >= 0 else { throw .usage("--max-crackles \(maxCrackles): cannot be negative", subject: "max-crackles") }
        var seen = Set<String>()
        for a in axes {
            guard !a.key.isEmpty else { throw .usage("--axis: empty key", subject: "axis") }
            guard !a.values.isEmpty else { throw .usage("--axis \(a.key): no values", subject: a.key) }
            if let dup = a.values.first(where: { v in a.values.filter { $0 == v }.count > 1 }) {
                throw .usage("--axis \(a.key): the value \(dup) is given twice", subject: a.key)
            }
            guard seen.insert(a.key).inserted else { throw .usage("--axis \(a.key): the key is swept twice", subject: a.key) }
            guard fixed[a.key] == nil else { throw .usage("--axis \(a.key) and --set \(a.key): a setting is either swept or fixed", subject: a.key) }
            if a.key == "seed" { throw .usage("--axis seed: seeds come from --repeats (repeat r uses seed+r); set the first with --set seed=N", subject: "seed") }
        }
        for (k, target) in ties {
            guard seen.contains(target) else { throw .usage("--tie \(k)=\(target): \(target) is not a swept axis", subject: k) }
            guard !seen.contains(k), fixed[k] == nil else { throw .usage("--tie \(k)=\(target): \(k) is already swept or fixed", subject: k) }
        }
        let n = axes.reduce(1) { $0 * $1.values.count }
        guard n * repeats <= 100_000 else { throw .usage("the grid has \(n) points × \(repeats) repeats; at most 100000 trials", subject: "axis") }
    }

    /// The grid points, the first axis varying slowest.
    public var points: [GridPoint] {
        var out: [GridPoint] = []
        var idx = [Int](repeating: 0, count: axes.count)
        let total = axes.reduce(1) { $0 * $1.values.count }
        for i in 0..<total {
            var s: [String: String] = [:]
            for (a, ax) in axes.enumerated() { s[ax.key] = ax.values[idx[a]] }
            for (k, target) in ties { if let v = s[target] { s[k] = v } }
            out.append(GridPoint(index: i, coordinates: idx, settings: s))
            var a = axes.count - 1
            while a >= 0 {
                idx[a] += 1
                if idx[a] < axes[a].values.count { break }
                idx[a] = 0
                a -= 1
            }
        }
        return out
    }

    /// Every trial of the sweep, point by point, repeat by repeat.
    public var trials: [TrialSpec] {
        points.flatMap { p in
            (0..<repeats).map { r in TrialSpec(point: p, repeatIndex: r, seed: seed &+ UInt64(r)) }
        }
    }

    /// The keys that vary from point to point (axes, then tied keys), in display order.
    public var pointKeys: [String] { axes.map(\.key) + ties.keys.sorted() }

    /// Loads a plan from a `.json`, `.yaml` or `.yml` file. Axes may be written as a map
    /// (`timer-period: [2000, 5000]` or `out.latency: "10000:50000:10000"`) or a list of `{key, values}`.
    public static func load(path: String) throws(LoopbenchError) -> SweepPlan {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingInput(path, "no such plan file") }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .missingInput(path, "cannot read the plan file")
        }
        let any: Any
        do {
            if path.hasSuffix(".json") {
                any = try JSONSerialization.jsonObject(with: data)
            } else if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
                guard let y = try Yams.load(yaml: text) else { throw LoopbenchError.badData(path, "the plan file is empty") }
                any = y
            } else {
                throw LoopbenchError.usage("--plan \(path): the plan file must end in .json, .yaml or .yml", subject: path)
            }
        } catch let e as LoopbenchError {
            throw e
        } catch {
            throw .badData(path, "not valid \(path.hasSuffix(".json") ? "JSON" : "YAML"): \(error)")
        }
        return try fromObject(any, path: path)
    }

    static func scalar(_ v: Any) -> String? {
        switch v {
        case let s as String: return s
        case let u as UInt64 where u > UInt64(Int.max): return String(u)  // a seed above Int.max, exactly
        case let i as Int: return String(i)
        case let d as Double: return Axis.formatNumber(d)
        case let b as Bool: return b ? "on" : "off"
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }

    static func fromObject(_ any: Any, path: String) throws(LoopbenchError) -> SweepPlan {
        guard let obj = any as? [String: Any] else { throw .badData(path, "a plan is a map with axes, fixed, ties, repeats, seconds, seed, backend") }
        let known: Set<String> = ["backend", "axes", "ties", "fixed", "set", "repeats", "seconds", "seed", "max_crackles", "max-crackles"]
        if let bad = obj.keys.sorted().first(where: { !known.contains($0) }) {
            throw .badData(path, "unknown plan member \"\(bad)\"; known: \(known.sorted().joined(separator: ", "))")
        }
        var p = SweepPlan()
        p.axes = []
        if let b = obj["backend"] { guard let s = scalar(b) else { throw .badData(path, "backend: expected a name") }; p.backend = s }
        func int(_ k: String) throws(LoopbenchError) -> Int? {
            guard let v = obj[k] else { return nil }
            guard let s = scalar(v), let i = Int(s) else { throw .badData(path, "\(k): expected a whole number") }
            return i
        }
        if let r = try int("repeats") { p.repeats = r }
        if let m = try int("max_crackles") { p.maxCrackles = m }
        if let m = try int("max-crackles") { p.maxCrackles = m }
        if let s = obj["seed"] {
            guard let t = scalar(s), let v = UInt64(t) else { throw .badData(path, "seed: expected a whole number ≥ 0") }
            p.seed = v
        }
        if let s = obj["seconds"] {
            guard let t = scalar(s), let v = Double(t) else { throw .badData(path, "seconds: expected a number") }
            p.seconds = v
        }
        for k in ["fixed", "set"] {
            guard let f = obj[k] else { continue }
            guard let m = f as? [String: Any] else { throw .badData(path, "\(k): expected a map of KEY: VALUE") }
            for (key, v) in m {
                guard let s = scalar(v) else { throw .badData(path, "\(k).\(key): expected a single value") }
                p.fixed[key] = s
            }
        }
        if let t = obj["ties"] {
            guard let m = t as? [String: Any] else { throw .badData(path, "ties: expected a map of KEY: AXIS") }
            for (key, v) in m {
                guard let s = scalar(v) else { throw .badData(path, "ties.\(key): expected an axis name") }
                p.ties[key] = s
            }
        }
        if let a = obj["axes"] {
            if let list = a as? [[String: Any]] {
                for item in list {
                    guard let key = item["key"].flatMap(scalar) else { throw .badData(path, "axes: each item needs a key") }
                    if let bad = item.keys.sorted().first(where: { $0 != "key" && $0 != "values" }) {
                        throw .badData(path, "axes.\(key): unknown member \"\(bad)\"; an axis has key and values")
                    }
                    p.axes.append(Axis(key: key, values: try axisValues(item["values"], key: key, path: path)))
                }
            } else if let map = a as? [String: Any] {
                // A map loses the order in JSON; sort by key for a stable grid.
                for key in map.keys.sorted() {
                    p.axes.append(Axis(key: key, values: try axisValues(map[key], key: key, path: path)))
                }
            } else {
                throw .badData(path, "axes: expected a map KEY: [values] or a list of {key, values}")
            }
        }
        return p
    }

    static func axisValues(_ v: Any?, key: String, path: String) throws(LoopbenchError) -> [String] {
        if let list = v as? [Any] {
            let vals = list.compactMap(scalar)
            guard vals.count == list.count, !vals.isEmpty else { throw .badData(path, "axes.\(key): expected a list of values") }
            guard Set(vals).count == vals.count else { throw .badData(path, "axes.\(key): a value is given twice") }
            return vals
        }
        if let s = v.flatMap(scalar) {
            do { return try Axis.values(s, key: key) } catch { throw .badData(path, "axes.\(key): \(error.message)") }
        }
        throw .badData(path, "axes.\(key): expected a list of values or FROM:TO:STEP")
    }
}

/// One grid point: its position on each axis and its settings (axes and tied keys).
public struct GridPoint: Sendable, Equatable {
    public var index: Int
    public var coordinates: [Int]
    public var settings: [String: String]
}

/// One trial: a grid point, a repeat and its seed.
public struct TrialSpec: Sendable, Equatable {
    public var point: GridPoint
    public var repeatIndex: Int
    public var seed: UInt64

    /// The trial's identity, used by `--resume`: the point's settings, the repeat and the seed.
    public var id: String { TrialSpec.identity(settings: point.settings, repeatIndex: repeatIndex, seed: seed) }

    public static func identity(settings: [String: String], repeatIndex: Int, seed: UInt64) -> String {
        settings.keys.sorted().map { "\($0)=\(settings[$0]!)" }.joined(separator: ",") + "#r\(repeatIndex)#s\(seed)"
    }
}
