// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LoopbenchCore
import Testing
import TestSupport

/// The defects of issue 11 that a hostile user found with bad input: each case runs the built
/// executable in a child process and asserts its exit status (never a signal) and its one
/// stderr line naming the file or setting.
@Suite("CLI: hostile input", .serialized)
struct HostileInputTests {
    let dir = TestPaths.temporaryDirectory("loopbench-hostile")

    /// A finished one-axis sweep folder (two points, one repeat, short probes).
    static let sweepFolder: String = {
        let d = TestPaths.temporaryDirectory("loopbench-hostile-sweep")
        let r = try? CLI.run(["sweep", "--quiet", "--out", d, "--axis", "timer-period=2000,10000", "--repeats", "1", "--seconds", "0.3"])
        precondition(r?.status == 0, "the fixture sweep failed: \(r?.stderr ?? "")")
        return d
    }()

    /// A copy of the fixture sweep with its report.json edited by `edit`.
    func mutatedReport(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let d = dir + "/" + name
        try? FileManager.default.removeItem(atPath: d)
        try FileManager.default.copyItem(atPath: Self.sweepFolder, toPath: d)
        let p = d + "/report.json"
        var doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: p))) as! [String: Any]
        edit(&doc)
        try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: p))
        return d
    }

    @Test("report and gate on an inconsistent report.json: 65 naming the field, no trap (item 1)")
    func inconsistentReports() throws {
        func points(_ doc: [String: Any]) -> [[String: Any]] { doc["points"] as! [[String: Any]] }
        let cases: [(String, String, (inout [String: Any]) -> Void)] = [
            ("empty-points", "points", { $0["points"] = [Any]() }),
            ("no-axes", "axes", { $0["axes"] = [Any]() }),
            ("axis-without-values", "axes[0].values", { d in
                var a = d["axes"] as! [[String: Any]]; a[0]["values"] = [String](); d["axes"] = a
            }),
            ("coordinate-out-of-range", "points[1].coordinates[0]", { d in
                var p = points(d); p[1]["coordinates"] = [7]; d["points"] = p
            }),
            ("coordinates-empty", "points[0].coordinates", { d in
                var p = points(d); p[0]["coordinates"] = [Int](); d["points"] = p
            }),
            ("recommendation-out-of-range", "recommendation.index", { d in
                d["recommendation"] = ["index": 99, "settings": [String: String](), "latency_ms": 1, "latency_p95_ms": 1, "latency_max_ms": 1,
                                       "margin": [Any](), "text": "x"]
            }),
            ("pareto-out-of-range", "pareto[0].index", { d in
                d["pareto"] = [["index": -3, "settings": [String: String](), "latency_ms": 1, "crackles_per_min": 0]]
            }),
        ]
        for (name, field, edit) in cases {
            let d = try mutatedReport(name, edit)
            let r = try CLI.run(["report", d])
            #expect(r.isRefusal(65, mentioning: field), "report \(name): status \(r.status) signalled \(r.signalled): \(r.stderr)")
            let g = try CLI.run(["gate", "--baseline", d + "/report.json", "--current", d + "/report.json"])
            #expect(g.isRefusal(65, mentioning: field), "gate \(name): status \(g.status) signalled \(g.signalled): \(g.stderr)")
        }
        // The untouched report still renders.
        #expect(try CLI.run(["report", Self.sweepFolder, "--quiet"]).status == 0)
    }

    @Test("bench fuzz --seeds takes from:to, from ≥ 0, to > from, at most 100 000 seeds: anything else is 64 naming seeds; two seeds are scored")
    func benchFuzzSeeds() throws {
        for bad in ["5:3", "-1:4", "1:2:3", "a:b", "3", ":", "0:100001", "0:99999999999999999999"] {
            let r = try CLI.run(["bench", "fuzz", "--seeds", bad])
            #expect(r.isRefusal(64, mentioning: "seeds"), "\(bad): status \(r.status) signalled \(r.signalled): \(r.stderr)")
        }
        let ok = try CLI.run(["bench", "fuzz", "--seeds", "4:6"])
        #expect(ok.status == 0 && ok.stdout.contains("fuzz: 2 seeds") && ok.stdout.contains("| 4–5 |"), "\(ok.stderr)")
    }

    @Test("synth range-checks every option before allocating (item 2)")
    func synthRanges() throws {
        let ref = dir + "/ref.wav"
        #expect(try CLI.run(["signal", "--out", ref, "--seconds", "1"]).status == 0)
        let cases: [([String], String)] = [
            (["--gap", "100:999999999999"], "edits"),
            (["--snr=-1000"], "snr"),
            (["--snr", "nan"], "snr"),
            (["--drift-ppm", "1e9"], "drift-ppm"),
            (["--gain", "inf"], "gain"),
            (["--delay", "1e12"], "delay"),
            (["--drop", "47000:5000"], "edits"),
            (["--replace", "100:10:99999"], "edits"),
            (["--drop", "100:500", "--gap", "200:10"], "edits"),
            (["--click", "99999999:0.5"], "click"),
            (["--click", "100:inf"], "click"),
            (["--repeat", "10:20"], "repeat"),
        ]
        for (args, subject) in cases {
            let out = dir + "/c.wav"
            var full = ["synth", "--reference", ref, "--out", out]
            if !args.contains(where: { $0 == "--delay" }) { full += ["--delay", "10"] }
            let r = try CLI.run(full + args)
            #expect(r.isRefusal(64, mentioning: subject), "\(args): status \(r.status) signalled \(r.signalled): \(r.stderr)")
        }
        // In range: accepted.
        let ok = try CLI.run(["synth", "--reference", ref, "--out", dir + "/ok.wav", "--delay", "10", "--snr", "20", "--drift-ppm", "50", "--gap", "1000:100"])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test("truncated WAV audio is 65: data chunk longer than the file, or cut mid-sample (item 11)")
    func truncatedAudio() throws {
        let ref = dir + "/r24.wav"
        #expect(try CLI.run(["signal", "--out", ref, "--seconds", "1", "--format", "s24"]).status == 0)
        let full = try Data(contentsOf: URL(fileURLWithPath: ref))
        let at = full.range(of: Data("data".utf8))!.lowerBound
        let size = full[(at + 4)..<(at + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let quarter = dir + "/quarter.wav", midSample = dir + "/mid.wav", fixedOdd = dir + "/odd.wav"
        // The data chunk claims four times the bytes present.
        try full.prefix(at + 8 + size / 4).write(to: URL(fileURLWithPath: quarter))
        // Cut mid-sample (the header still claims the full size).
        try full.prefix(at + 8 + size - 2).write(to: URL(fileURLWithPath: midSample))
        // Cut mid-sample with the header's size fixed up to match.
        var odd = Data(full.prefix(at + 8 + size - 2))
        let n = size - 2
        for i in 0..<4 { odd[at + 4 + i] = UInt8((n >> (8 * i)) & 0xff) }
        try odd.write(to: URL(fileURLWithPath: fixedOdd))
        for f in [quarter, midSample, fixedOdd] {
            let r = try CLI.run(["analyze", "--reference", ref, "--capture", f])
            #expect(r.isRefusal(65, mentioning: "truncated"), "\(f): status \(r.status): \(r.stderr)")
        }
        #expect(try CLI.run(["analyze", "--reference", ref, "--capture", ref]).status == 0)
    }

    /// A recording longer than the stretch analysed around its reference is read block by block
    /// (FileAnalysis): bad audio deep inside it, or a header promising more than the file holds,
    /// is still 65 naming the file, and a good one still measures.
    @Test("long recordings read block by block: NaN deep inside and truncation are 65")
    func longRecordingsHostile() throws {
        let ref = dir + "/short-ref.wav", long = dir + "/long.wav"
        #expect(try CLI.run(["signal", "--out", ref, "--seconds", "0.3", "--format", "f32"]).status == 0)
        #expect(try CLI.run(["synth", "--reference", ref, "--out", long, "--delay", "1000.5", "--snr", "30"]).status == 0)
        // Pad the capture to 30 s (over the ~21.3 s stretch around a 0.3 s reference) with a tone.
        let seconds = 30.0
        #expect(try CLI.run(["signal", "--out", dir + "/pad.wav", "--seconds", "\(seconds)", "--format", "f32", "--kind", "noise", "--level=-40"]).status == 0)
        var pad = try Data(contentsOf: URL(fileURLWithPath: dir + "/pad.wav"))
        let cap = try Data(contentsOf: URL(fileURLWithPath: long))
        let padData = pad.range(of: Data("data".utf8))!.lowerBound + 8, capData = cap.range(of: Data("data".utf8))!.lowerBound + 8
        let capBytes = cap.count - capData
        // The synthesized capture laid over the start of the noise (both mono f32).
        pad.replaceSubrange(padData..<(padData + capBytes), with: cap[capData...])
        try pad.write(to: URL(fileURLWithPath: long))
        let good = try CLI.run(["analyze", "--reference", ref, "--capture", long, "--json", "-", "--quiet"])
        #expect(good.status == 0, "\(good.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any]
        let samples = (json?["latency"] as? [String: Any])?["samples"] as? Double
        #expect(abs((samples ?? 0) - 1000.5) < 0.01, "latency \(String(describing: samples))")
        var nan = pad
        let deep = padData + 4 * Int(25 * 48000)
        nan.replaceSubrange(deep..<(deep + 4), with: [0x00, 0x00, 0xC0, 0x7F])
        try nan.write(to: URL(fileURLWithPath: dir + "/nan.wav"))
        let r = try CLI.run(["analyze", "--reference", ref, "--capture", dir + "/nan.wav"])
        #expect(r.isRefusal(65, mentioning: "nan.wav"), "status \(r.status): \(r.stderr)")
        // The data chunk claims twice the bytes present.
        let total = pad.count - padData
        var cut = Data(pad.prefix(padData + total / 2))
        cut.replaceSubrange((padData - 4)..<padData, with: withUnsafeBytes(of: UInt32(total).littleEndian) { Data($0) })
        try cut.write(to: URL(fileURLWithPath: dir + "/cut.wav"))
        let t = try CLI.run(["analyze", "--reference", ref, "--capture", dir + "/cut.wav"])
        #expect(t.isRefusal(65, mentioning: "cut.wav"), "status \(t.status): \(t.stderr)")
    }

    @Test("signal chooses the container from the extension, or refuses (item 12)")
    func signalExtensions() throws {
        for bad in ["x.mp3", "x", "x.txt"] {
            let r = try CLI.run(["signal", "--out", dir + "/" + bad, "--seconds", "0.2"])
            #expect(r.isRefusal(64, mentioning: bad), "\(bad): \(r.status): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/" + bad))
        }
        let ogg = dir + "/x.ogg"
        #expect(try CLI.run(["signal", "--out", ogg, "--seconds", "0.2"]).status == 0)
        let head = try Data(contentsOf: URL(fileURLWithPath: ogg)).prefix(4)
        #expect(head == Data("OggS".utf8), "not an Ogg file")
    }

    @Test("setting mistakes are 64 naming the setting the user gave (item 12)")
    func settingMistakes() throws {
        // 1e12 µs does not fit pa_buffer_attr's 32 bits; it used to wrap to "auto".
        let t = try CLI.run(["measure", "--backend", "pulse", "--set", "tlength=1e12"])
        #expect(t.isRefusal(64, mentioning: "tlength"), "\(t.status): \(t.stderr)")
        let huge = try CLI.run(["measure", "--backend", "pulse", "--set", "tlength=1e300s"])
        #expect(huge.isRefusal(64, mentioning: "tlength"), "\(huge.status): \(huge.stderr)")
        // A maxlength below tlength is the setting's mistake (it was answered as 69).
        let m = try CLI.run(["measure", "--backend", "pulse", "--set", "maxlength=1f"])
        #expect(m.isRefusal(64, mentioning: "maxlength"), "\(m.status): \(m.stderr)")
        // in.mixing-engine=off alone: the message names it, not in.frequency (never set).
        let e = try CLI.run(["measure", "--backend", "sim", "--set", "in.mixing-engine=off", "--seconds", "0.3"])
        #expect(e.isRefusal(64, mentioning: "in.mixing-engine"), "\(e.status): \(e.stderr)")
        #expect(e.stderr.hasPrefix("loopbench: in.mixing-engine:") && !e.stderr.contains("in.frequency="), "\(e.stderr)")
        #expect(try CLI.run(["measure", "--backend", "sim", "--set", "in.mixing-engine=off", "--set", "out.mixing-engine=off", "--seconds", "0.3", "--quiet"]).status == 0)
    }

    @Test("a control character in a setting value leaves the JUnit file well-formed XML (item 12)")
    func junitControlCharacters() throws {
        let d = dir + "/ctl"
        let r = try CLI.run(["sweep", "--quiet", "--out", d, "--axis", "timer-period=2000,\u{1B}[31m\u{07}", "--repeats", "1", "--seconds", "0.3"])
        #expect(r.status == 0, "\(r.stderr)")
        let junit = d + "/gate.xml"
        let g = try CLI.run(["gate", "--baseline", d + "/report.json", "--current", d + "/report.json", "--junit", junit])
        #expect(g.status == 0, "\(g.stderr)")
        let text = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(text.contains("\\u{1B}[31m\\u{7}"))
        let doc = try XMLDocument(xmlString: text)
        #expect(doc.rootElement()?.name == "testsuites")
    }

    /// The model's first-segment latency against what `measure` reports, for 8 kHz mixing.
    func narrowMixingLatency(_ extra: [String], name: String) throws -> (measured: Double?, truth: Double?, reason: String) {
        let json = dir + "/narrow-\(name).json"
        let r = try CLI.run(["measure", "--backend", "sim", "--seconds", "2", "--set", "out.frequency=8000", "--set", "in.frequency=8000",
                             "--json", json, "--quiet", "--fail-on", "none"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        let latency = (doc["latency"] as? [String: Any])?["ms"] as? Double
        let truth = (doc["truth"] as? [String: Any])?["latency_ms"] as? Double
        return (latency, truth, "\(doc["reason"] ?? "")")
    }

    // The 96 kHz guest loses a whole HDA ring every ~100 ms here, so its capture steps by 2048
    // frames ten times a second: the test pins the host lateness (2 ms p99) it was written for,
    // so that it keeps testing the narrow-band probe and not a new random draw.
    @Test("8 kHz mixing behind a 48 kHz guest: the probe fits the narrow band, the latency is the model's 75 ms (item 9)")
    func narrowMixingRate() throws {
        for (name, extra) in [("48k", ["--set", "host.jitter=2ms"]), ("96k", ["--set", "guest.rate=96000", "--set", "host.jitter=2ms"])] {
            let (latency, truth, reason) = try narrowMixingLatency(extra, name: name)
            #expect(truth != nil && latency != nil, "\(name): no latency: \(reason)")
            if let latency, let truth { #expect(abs(latency - truth) < 0.5, "\(name): measured \(latency) ms, the model's truth \(truth) ms") }
        }
    }

    // Found when the model's default host.jitter became the measured 1.05 ms: with these draws
    // the ring drops come ten times a second and the analyzer used to report 229.21 ms, a delay
    // no segment of the model's truth has (75 ms, then 2048-frame steps). Since the issue-12
    // work it answers no-signal ("matches only in fragments"). Either the truth or no latency.
    @Test("8 kHz mixing, 96 kHz guest, default host lateness: the latency is the truth's or none")
    func narrowMixingRateDefaultJitter() throws {
        let (latency, truth, reason) = try narrowMixingLatency(["--set", "guest.rate=96000"], name: "96k-default")
        let t = try #require(truth)
        if let latency {
            #expect(abs(latency - t) < 0.5, "measured \(latency) ms, the model's truth \(t) ms")
        } else {
            // Since session 32 (the probe's first frames judged over 256 frames) the same draws
            // are refused for the stretch the segments claim but do not explain; since session
            // 53, for the probe's first frames, matched alone, lying elsewhere than the first
            // segment's line (its first window is 0.83 s in).
            #expect(reason.contains("fragments") || reason.contains("no correlation peak") || reason.contains("does not follow the reference")
                    || reason.contains("match the reference far better at delay"), "no latency, and no reason why: \(reason)")
        }
    }
}
