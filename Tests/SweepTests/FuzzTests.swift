// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Testing
import TestSupport

/// Seeded mutations of every file loopbench reads back (issue 11): `report.json`,
/// `journal.jsonl` and `plan.json`, sweep plans in YAML and JSON, and WAV headers. Each mutant is
/// handed to the command that reads it (`report`, `gate`, `sweep --resume`, `sweep --plan
/// --dry-run`, `analyze`) in a child process, which must end by exiting (never on a signal) with
/// a sysexits status: 0, the gate's verdict 1, 64, 65, 66, 69 or 75. A failure prints the seed
/// and the mutation, so the case can be replayed.
@Suite(.serialized) struct FuzzTests {
    /// The seed; `LOOPBENCH_FUZZ_SEED` replays or explores another.
    static let seed: UInt64 = ProcessInfo.processInfo.environment["LOOPBENCH_FUZZ_SEED"].flatMap { UInt64($0) } ?? 11
    nonisolated(unsafe) static var statuses: [Int32: Int] = [:]
    static let allowed: Set<Int32> = [0, 1, 64, 65, 66, 69, 75]

    /// One JSON mutation of a parsed document, described for the failure message.
    struct Mutator {
        var rng: SeededRandom

        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }

        /// A replacement value of another type or out of range.
        mutating func hostileValue() -> Any {
            let choices: [Any] = [NSNull(), -1, 0, 1, 99, 9_223_372_036_854_775_807, -9_223_372_036_854_775_807, 1e300, -1e300, 0.5,
                                  "", "x", "\u{1B}[31m", [Any](), [String: Any](), true, [1, 2, 3], ["key": "v"]]
            return choices[int(choices.count)]
        }

        /// Mutates the value at a random path of `doc`; returns what it did.
        mutating func mutate(_ doc: inout Any, depth: Int = 0) -> String {
            let stop = depth > 0 && int(4) == 0
            if var d = doc as? [String: Any], !d.isEmpty, !stop {
                let k = d.keys.sorted()[int(d.count)]
                switch int(6) {
                case 0:
                    d[k] = nil; doc = d; return "delete \(k)"
                case 1:
                    d[k] = hostileValue(); doc = d; return "replace \(k)"
                default:
                    var child = d[k]!
                    let what = mutate(&child, depth: depth + 1)
                    d[k] = child; doc = d; return "\(k).\(what)"
                }
            }
            if var a = doc as? [Any], !a.isEmpty, !stop {
                let i = int(a.count)
                switch int(6) {
                case 0: a.remove(at: i); doc = a; return "remove [\(i)]"
                case 1: a.append(a[i]); doc = a; return "duplicate [\(i)]"
                case 2: a = []; doc = a; return "empty []"
                default:
                    var child = a[i]
                    let what = mutate(&child, depth: depth + 1)
                    a[i] = child; doc = a; return "[\(i)].\(what)"
                }
            }
            doc = hostileValue()
            return "value → \(doc)"
        }

        /// Bytes cut short, or a few bytes flipped.
        mutating func mangleBytes(_ data: Data, within: Int? = nil) -> (Data, String) {
            var d = data
            if int(2) == 0 {
                let n = int(d.count)
                return (d.prefix(n), "truncated to \(n) bytes")
            }
            let span = min(d.count, within ?? d.count)
            var what: [String] = []
            for _ in 0..<(1 + int(4)) {
                let i = int(span), b = UInt8(truncatingIfNeeded: rng.next())
                d[d.startIndex + i] = b
                what.append("byte \(i)=\(b)")
            }
            return (d, what.joined(separator: ", "))
        }
    }

    static func json(_ data: Data) -> Any? { try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) }
    static func data(_ obj: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: obj, options: [.fragmentsAllowed, .sortedKeys])) ?? Data("null".utf8)
    }

    /// Runs one case; records an issue when it ends on a signal or outside the allowed statuses.
    static func check(_ args: [String], _ what: String, count: inout Int) throws {
        count += 1
        let r = try CLI.run(args)
        statuses[r.signalled ? -r.status : r.status, default: 0] += 1
        #expect(!r.signalled && allowed.contains(r.status),
                "fuzz seed \(seed), \(what): \(args.prefix(2).joined(separator: " ")) \(r.signalled ? "ended on signal" : "exited") \(r.status): \(r.stderr.suffix(600))")
    }

    @Test("fuzz: mutated reports, journals, plans and WAV headers never trap, always answer a sysexits status")
    func fuzz() throws {
        var m = Mutator(rng: SeededRandom(seed: Self.seed))
        var cases = 0
        let root = TestPaths.temporaryDirectory("fuzz")
        let sweepArgs = ["--axis", "timer-period=2000,10000", "--repeats", "2", "--seconds", "0.3", "--jobs", "1", "--quiet"]
        let base = root + "/base"
        let made = try CLI.run(["sweep", "--out", base] + sweepArgs)
        try #require(made.status == 0, "\(made.stderr)")
        let report = try Data(contentsOf: URL(fileURLWithPath: base + "/report.json"))
        let journal = try String(contentsOfFile: base + "/journal.jsonl", encoding: .utf8)
        let planJSON = try Data(contentsOf: URL(fileURLWithPath: base + "/plan.json"))

        // report.json: re-rendered (`report`) and gated against the original (`gate`).
        for i in 0..<50 {
            let dir = root + "/report\(i)"
            try FileManager.default.copyItem(atPath: base, toPath: dir)
            var what: String
            var bytes: Data
            if i % 5 == 4 {
                (bytes, what) = m.mangleBytes(report)
            } else {
                var doc = Self.json(report)!
                what = m.mutate(&doc)
                if i % 3 == 0 { what += "; " + m.mutate(&doc) }
                bytes = Self.data(doc)
            }
            try bytes.write(to: URL(fileURLWithPath: dir + "/report.json"))
            try Self.check(["report", dir, "--quiet"], "report.json \(what)", count: &cases)
            try Self.check(["gate", "--baseline", base + "/report.json", "--current", dir + "/report.json", "--quiet"], "report.json \(what)", count: &cases)
        }

        // journal.jsonl and plan.json of a finished sweep: `sweep --resume` with the same options.
        let lines = journal.split(separator: "\n").map(String.init)
        for i in 0..<30 {
            let dir = root + "/journal\(i)"
            try FileManager.default.copyItem(atPath: base, toPath: dir)
            var what: String
            if i % 6 == 5 {
                var doc = Self.json(planJSON)!
                what = "plan.json " + m.mutate(&doc)
                try Self.data(doc).write(to: URL(fileURLWithPath: dir + "/plan.json"))
            } else if i % 4 == 3 {
                let (bytes, w) = m.mangleBytes(Data(journal.utf8))
                what = "journal " + w
                try bytes.write(to: URL(fileURLWithPath: dir + "/journal.jsonl"))
            } else {
                var ls = lines
                let k = m.int(ls.count)
                var doc = Self.json(Data(ls[k].utf8))!
                what = "journal line \(k + 1) " + m.mutate(&doc)
                ls[k] = String(decoding: Self.data(doc), as: UTF8.self)
                try (ls.joined(separator: "\n") + "\n").write(toFile: dir + "/journal.jsonl", atomically: true, encoding: .utf8)
            }
            try Self.check(["sweep", "--out", dir, "--resume"] + sweepArgs, what, count: &cases)
        }

        // Sweep plans, YAML and JSON: checked and sized (--dry-run: nothing is run).
        let planYAML = samplePlanYAML
        let planDoc = try JSONSerialization.jsonObject(with: Data("""
        {"backend": "sim", "repeats": 2, "seconds": 0.5, "seed": 3, "fixed": {"qemu": "7.2", "host.jitter": "2ms"},
         "axes": [{"key": "timer-period", "values": [2000, 5000]}, {"key": "out.latency", "values": "10000:30000:10000"}],
         "ties": {"in.latency": "out.latency"}}
        """.utf8))
        for i in 0..<60 {
            let dir = root + "/plan\(i)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let path: String
            let what: String
            if i % 2 == 0 {
                var doc: Any = planDoc
                what = "JSON plan " + m.mutate(&doc)
                path = dir + "/p.json"
                try Self.data(doc).write(to: URL(fileURLWithPath: path))
            } else {
                var text = Array(planYAML.utf8)
                let n = 1 + m.int(3)
                var w: [String] = []
                for _ in 0..<n {
                    let at = m.int(text.count)
                    let junk = Array([":", "-", "[", "{", "\"", "\n", " ", "99999999999", "-1", "&a", "*a", "!!binary", "\t", "1e400"][m.int(14)].utf8)
                    if m.int(2) == 0 { text.replaceSubrange(at..<min(text.count, at + junk.count), with: junk) } else { text.insert(contentsOf: junk, at: at) }
                    w.append("at \(at)")
                }
                what = "YAML plan edited " + w.joined(separator: ", ")
                path = dir + "/p.yaml"
                try Data(text).write(to: URL(fileURLWithPath: path))
            }
            try Self.check(["sweep", "--plan", path, "--out", dir + "/out", "--dry-run"], what, count: &cases)
        }

        // WAV headers: the capture's (and once in a while the reference's) first 64 bytes.
        let ref = root + "/ref.wav", cap = root + "/cap.wav"
        #expect(try CLI.run(["signal", "--out", ref, "--seconds", "0.5", "--format", "s16"]).status == 0)
        #expect(try CLI.run(["synth", "--reference", ref, "--out", cap, "--delay", "480", "--format", "s16"]).status == 0)
        let capData = try Data(contentsOf: URL(fileURLWithPath: cap))
        let refData = try Data(contentsOf: URL(fileURLWithPath: ref))
        for i in 0..<50 {
            let bad = root + "/wav\(i).wav"
            let asReference = i % 5 == 4
            let (bytes, w) = m.mangleBytes(asReference ? refData : capData, within: 64)
            try bytes.write(to: URL(fileURLWithPath: bad))
            let args = asReference ? ["analyze", "--reference", bad, "--capture", cap, "--quiet"] : ["analyze", "--reference", ref, "--capture", bad, "--quiet"]
            try Self.check(args, "\(asReference ? "reference" : "capture") WAV \(w)", count: &cases)
        }
        let histogram = Self.statuses.keys.sorted().map { "\($0): \(Self.statuses[$0]!)" }.joined(separator: ", ")
        print("fuzz (seed \(Self.seed)): \(cases) cases; exit statuses \(histogram)")
    }
}
