// SPDX-License-Identifier: GPL-2.0-or-later
#if canImport(Glibc)
import Glibc
#endif
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LoopbenchCore
import Testing
import TestSupport
@testable import Reports
@testable import Sweep

/// Validates a sweep report against `schemas/sweep.schema.json` (its `$ref`s to the measurement
/// schema resolved by ``SchemaCheck``).
func validateSweepSchema(_ path: String) -> String? { SchemaCheck.validate(jsonPath: path, schema: "sweep.schema.json") }

/// The small grid the end-to-end tests sweep on the real card model: the timer and the PA
/// latency around the crackle boundary, on a host with main-loop jitter.
let smallGrid = ["--axis", "timer-period=2000,10000", "--axis", "out.latency=10000,30000", "--tie", "in.latency=out.latency",
                 "--set", "host.jitter=2ms", "--set", "out.frequency=48000", "--set", "in.frequency=48000", "--repeats", "2", "--seconds", "0.6"]

/// Every report trial with its varying parts (wall time) removed, for comparing two runs.
func comparable(_ r: SweepReport) -> [[LoopMeasurement]] { r.points.map { $0.trials.map(\.measurement) } }

@Suite(.serialized) struct EndToEndTests {
    @Test func smallSimSweepWritesEveryFile() throws {
        let dir = TestPaths.temporaryDirectory("sweep-e2e")
        // A hostile value on one axis: the card model refuses it (that point's trials fail with
        // the reason), and it must come out escaped in the HTML and quoted in the CSV.
        let hostile = "<script>alert(\"x\")</script>"
        let out = try CLI.run(["sweep", "--out", dir, "--quiet", "--axis", "timer-period=2000,10000",
                               "--axis", "out.latency=10000,30000,\(hostile)", "--tie", "in.latency=out.latency",
                               "--set", "host.jitter=2ms", "--set", "out.frequency=48000", "--set", "in.frequency=48000",
                               "--repeats", "2", "--seconds", "1"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.isEmpty, "--quiet prints nothing")
        for f in ["report.json", "report.csv", "report.html", "summary.md", "journal.jsonl", "plan.json", "worst-trial.json"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f) missing")
        }
        let json = dir + "/report.json"
        #expect(validateSweepSchema(json) == nil, "\(validateSweepSchema(json) ?? "")")
        #expect(SchemaCheck.validate(jsonPath: json, schema: "measurement.schema.json",
                                     each: "[t for p in doc['points'] for t in p['trials']]") == nil)
        let r = try SweepReport.load(path: json)
        #expect(r.points.count == 6)
        #expect(r.run.trialsTotal == 12 && r.run.trialsDone == 12)
        // The hostile points failed, with the card model's reason.
        let bad = r.points.filter { $0.settings["out.latency"] == hostile }
        #expect(bad.count == 2 && bad.allSatisfy { !$0.summary.pass && $0.failures.count == 2 && $0.trials.isEmpty })
        #expect(r.run.trialsFailed == 4)
        #expect(bad[0].failures[0].reason.contains("out.latency"))
        // Every measured trial came through the real analyzer, with the model's truth beside it.
        let measured = r.points.flatMap(\.trials)
        #expect(measured.count == 8)
        #expect(measured.allSatisfy { $0.measurement.verdict != .noSignal && $0.measurement.truth != nil && $0.measurement.latencyBreakdownMS != nil })
        // The recommendation is a passing point, written as a QEMU command line.
        if let rec = r.recommendation {
            #expect(r.points[rec.index].summary.pass)
            #expect(rec.commandLine?.hasPrefix("-audiodev pa,id=snd0,timer-period=") == true)
            #expect(rec.commandLine?.hasSuffix("-device intel-hda -device hda-duplex,audiodev=snd0") == true)
        } else {
            Issue.record("no recommendation: \(r.recommendationReason ?? "")")
        }

        // CSV: a header and one row per trial (failed ones included), the hostile value quoted.
        let csv = try String(contentsOfFile: dir + "/report.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.count == 1 + 12)
        #expect(rows[0].hasPrefix("point,timer-period,out.latency,in.latency,repeat,seed,status,verdict,latency_ms"))
        // Each trial's latency with its stated uncertainty, a small positive number of samples
        // (the card model's truth is checked against the latency itself elsewhere).
        let header = rows[0].split(separator: ",").map(String.init)
        let ui = try #require(header.firstIndex(of: "latency_uncertainty_samples"), "\(header)")
        #expect(header.contains("drift_uncertainty_ppm"), "\(header)")
        let stated = rows.dropFirst().compactMap { Double($0.split(separator: ",", omittingEmptySubsequences: false)[ui]) }
        #expect(!stated.isEmpty && stated.allSatisfy { $0 > 0 && $0 < 1 }, "\(stated)")
        #expect(csv.contains("\"<script>alert(\"\"x\"\")</script>\""))

        // HTML: self-contained, its figures present, nothing from the input unescaped.
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(!html.contains("<script"), "unescaped input in the HTML")
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
        #expect(!html.contains("http://") && !html.contains("https://"), "the page must not reach the network")
        for label in ["median latency (ms)", "crackles per minute", "latency against timer-period", "latency against out.latency",
                      "Pareto front", "worst trial waveform, residual and delay"] {
            #expect(html.contains("aria-label=\"\(label)\""), "figure \(label) missing")
        }
        #expect(html.components(separatedBy: "<svg").count - 1 >= 6)
        #expect(html.contains("Recommendation:") || html.contains("No recommendation"))

        let md = try String(contentsOfFile: dir + "/summary.md", encoding: .utf8)
        #expect(md.contains("| timer-period | out.latency |"))

        // `loopbench report DIR` re-renders the same files from report.json.
        try FileManager.default.removeItem(atPath: dir + "/report.html")
        try FileManager.default.removeItem(atPath: dir + "/report.csv")
        let rr = try CLI.run(["report", dir])
        #expect(rr.status == 0, "\(rr.stderr)")
        #expect(try String(contentsOfFile: dir + "/report.html", encoding: .utf8) == html)
        #expect(try String(contentsOfFile: dir + "/report.csv", encoding: .utf8) == csv)
        let missing = try CLI.run(["report", dir + "/nope"])
        #expect(missing.status == 66 && missing.stderr.contains("report.json"))
    }

    @Test func interruptedSweepResumesToTheSameResult() throws {
        // The reference: one uninterrupted run.
        let full = TestPaths.temporaryDirectory("sweep-full")
        let a = try CLI.run(["sweep", "--out", full, "--quiet"] + smallGrid)
        #expect(a.status == 0, "\(a.stderr)")

        // The same sweep, interrupted with SIGINT once a few trials are in the journal.
        let dir = TestPaths.temporaryDirectory("sweep-int")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.executable)
        p.arguments = ["sweep", "--out", dir, "--quiet", "--jobs", "1"] + smallGrid
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let journal = dir + "/journal.jsonl"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let lines = (try? String(contentsOfFile: journal, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 3 || !p.isRunning { break }
            usleep(20_000)
        }
        #expect(p.isRunning, "the sweep finished before it could be interrupted")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 75, "\(stderr)")
        #expect(stderr.contains("--resume"))
        let partial = try SweepReport.load(path: dir + "/report.json")
        #expect(partial.run.interrupted && partial.run.trialsDone < 8 && partial.run.trialsDone >= 3)
        #expect(validateSweepSchema(dir + "/report.json") == nil)
        let done = try Journal.read(path: journal).count
        #expect(done == partial.run.trialsDone)

        // Resume: only the rest is run, and the result equals the uninterrupted sweep.
        let b = try CLI.run(["sweep", "--out", dir, "--resume"] + smallGrid)
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stdout.contains("(\(8 - done) run now)"), "\(b.stdout)")
        let resumed = try SweepReport.load(path: dir + "/report.json")
        let reference = try SweepReport.load(path: full + "/report.json")
        #expect(!resumed.run.interrupted && resumed.run.trialsDone == 8)
        #expect(comparable(resumed) == comparable(reference))
        #expect(resumed.points.map(\.summary) == reference.points.map(\.summary))
        #expect(resumed.recommendation == reference.recommendation)
        #expect(resumed.pareto == reference.pareto)
        #expect(try Journal.read(path: journal).count == 8)
        let worstA = try JSONCoding.decode(WorstTrace.self, fromFile: full + "/worst-trial.json")
        let worstB = try JSONCoding.decode(WorstTrace.self, fromFile: dir + "/worst-trial.json")
        #expect(worstA == worstB)

        // Resuming with different fixed settings is refused rather than mixed in.
        let c = try CLI.run(["sweep", "--out", dir, "--resume", "--quiet"] + smallGrid + ["--set", "host.jitter=5ms"])
        #expect(c.status == 64 && c.stderr.contains("--resume"))
    }

    @Test func gateOnARealRegressionAndOnNone() throws {
        let base = TestPaths.temporaryDirectory("gate-base")
        let same = TestPaths.temporaryDirectory("gate-same")
        let worse = TestPaths.temporaryDirectory("gate-worse")
        let grid = ["--axis", "timer-period=2000,5000", "--axis", "out.latency=20000,40000", "--tie", "in.latency=out.latency",
                    "--set", "out.frequency=48000", "--set", "in.frequency=48000", "--repeats", "1", "--seconds", "0.6", "--quiet"]
        #expect(try CLI.run(["sweep", "--out", base] + grid).status == 0)
        #expect(try CLI.run(["sweep", "--out", same] + grid).status == 0)
        // The same grid on a host that stalls: the card model drops audio.
        #expect(try CLI.run(["sweep", "--out", worse] + grid + ["--set", "host.stalls=4/s:40ms"]).status == 0)

        let junitOK = base + "/ok.xml"
        let ok = try CLI.run(["gate", "--baseline", base + "/report.json", "--current", same + "/report.json", "--junit", junitOK])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("gate: PASS"))
        #expect(ok.stdout.contains("latency median") && ok.stdout.contains("crackles"))
        let xmlOK = try String(contentsOfFile: junitOK, encoding: .utf8)
        #expect(xmlOK.components(separatedBy: "<testcase ").count - 1 == 4)
        #expect(xmlOK.contains("failures=\"0\"") && !xmlOK.contains("<failure"))

        let junitBad = base + "/bad.xml"
        let bad = try CLI.run(["gate", "--baseline", base + "/report.json", "--current", worse + "/report.json", "--junit", junitBad])
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stdout.contains("REGRESSED") && bad.stdout.contains("gate: FAIL"))
        #expect(bad.stdout.contains("note: fixed settings differ: host.stalls"))
        let xmlBad = try String(contentsOfFile: junitBad, encoding: .utf8)
        #expect(xmlBad.components(separatedBy: "<testcase ").count - 1 == 4)
        #expect(xmlBad.contains("<failure message=\"regressed: "))
        let parsed = try XMLDocument(xmlString: xmlBad)
        #expect(parsed.rootElement()?.name == "testsuites")

        // Two single measurements: a worse timer setting regresses, the same one does not.
        let m1 = base + "/m1.json", m2 = base + "/m2.json", m3 = base + "/m3.json"
        for (path, tp) in [(m1, "2000"), (m2, "2000"), (m3, "20000")] {
            let r = try CLI.run(["measure", "--backend", "sim", "--set", "timer-period=\(tp)", "--seconds", "0.6", "--json", path, "--quiet", "--fail-on", "none"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(try CLI.run(["gate", "--baseline", m1, "--current", m2]).status == 0)
        let reg = try CLI.run(["gate", "--baseline", m1, "--current", m3, "--latency-tolerance-ms", "2"])
        #expect(reg.status == 1, "\(reg.stdout)")
        #expect(reg.stdout.contains("note: settings differ: timer-period"))

        // Mismatched inputs are an error (65), never a pass.
        let mixed = try CLI.run(["gate", "--baseline", m1, "--current", base + "/report.json"])
        #expect(mixed.status == 65 && mixed.stderr.contains("does not match"))
        let other = TestPaths.temporaryDirectory("gate-other")
        #expect(try CLI.run(["sweep", "--out", other, "--axis", "timer-period=10000", "--axis", "out.latency=20000",
                             "--tie", "in.latency=out.latency", "--repeats", "1", "--seconds", "0.3", "--quiet"]).status == 0)
        let grid2 = try CLI.run(["gate", "--baseline", base + "/report.json", "--current", other + "/report.json"])
        #expect(grid2.status == 65 && grid2.stderr.contains("only in the baseline"))
        let nofile = try CLI.run(["gate", "--baseline", base + "/nope.json", "--current", m1])
        #expect(nofile.status == 66)
    }
}
