// SPDX-License-Identifier: GPL-2.0-or-later
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoopbenchCore
import Testing
import TestSupport
@testable import Reports
@testable import Sweep

/// Issue 11, "nothing lost, nothing mixed": resume matches trials on their settings, refuses a
/// plan that differs, repairs a torn journal, locks its folder; the atomic writer leaves
/// devices, FIFOs and symlinks what they are; oversized or duplicated grids are refused.
@Suite(.serialized) struct ResumeSafetyTests {
    /// Every trial in the report sits under a point with its own settings.
    static func trialsMatchTheirPoints(_ r: SweepReport) -> Bool {
        r.points.allSatisfy { p in
            p.trials.allSatisfy { t in
                t.info.id.hasPrefix(p.settings.keys.sorted().map { "\($0)=\(p.settings[$0]!)" }.joined(separator: ",") + "#")
            }
        }
    }

    static func lines(_ path: String) -> Int {
        (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").count ?? 0
    }

    @Test("nothing mixed: interrupt a sweep, edit the plan, resume: refused, journal untouched")
    func editedPlanIsRefused() throws {
        let dir = TestPaths.temporaryDirectory("resume-edited")
        let plan = dir + "/plan.yaml"
        let yaml = """
        backend: sim
        repeats: 2
        seconds: 0.6
        fixed: {host.jitter: 2ms, out.frequency: 48000, in.frequency: 48000}
        axes:
          - {key: timer-period, values: [2000, 5000, 10000]}
        """
        try yaml.write(toFile: plan, atomically: true, encoding: .utf8)
        let journal = dir + "/out/journal.jsonl"
        let first = try CLI.run(["sweep", "--plan", plan, "--out", dir + "/out", "--jobs", "1", "--quiet"],
                                interruptWhen: { Self.lines(journal) >= 2 })
        #expect(first.status == 75, "the sweep was not interrupted: \(first.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: journal))
        let done = Self.lines(journal)
        #expect(done >= 2 && done < 6)

        // Each edit is a different plan: refused with 64 naming the difference, journal untouched.
        let edits: [(String, String)] = [
            (yaml.replacingOccurrences(of: "[2000, 5000, 10000]", with: "[1000, 2000, 5000, 10000]"), "timer-period"),
            (yaml.replacingOccurrences(of: "seconds: 0.6", with: "seconds: 3"), "seconds"),
            (yaml.replacingOccurrences(of: "host.jitter: 2ms", with: "host.jitter: 5ms"), "host.jitter"),
            (yaml.replacingOccurrences(of: "repeats: 2", with: "repeats: 3"), "repeats"),
        ]
        for (text, what) in edits {
            try text.write(toFile: plan, atomically: true, encoding: .utf8)
            let r = try CLI.run(["sweep", "--plan", plan, "--out", dir + "/out", "--resume", "--quiet"])
            #expect(r.isRefusal(64, mentioning: what), "\(what): status \(r.status): \(r.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == before)
        }
        // Without plan.json the journal's own records speak: a different probe length or fixed
        // setting is still refused, record by record.
        try FileManager.default.removeItem(atPath: dir + "/out/plan.json")
        for (text, what) in edits.prefix(3).dropFirst() {
            try text.write(toFile: plan, atomically: true, encoding: .utf8)
            let r = try CLI.run(["sweep", "--plan", plan, "--out", dir + "/out", "--resume", "--quiet"])
            #expect(r.isRefusal(64, mentioning: what), "\(what) without plan.json: status \(r.status): \(r.stderr)")
        }
        // With the grid grown (no plan.json to compare), the journal's trials are matched on
        // their settings, never on their position: every trial lands under its own point.
        try edits[0].0.write(toFile: plan, atomically: true, encoding: .utf8)
        let grown = try CLI.run(["sweep", "--plan", plan, "--out", dir + "/out", "--resume", "--quiet"])
        #expect(grown.status == 0, "\(grown.stderr)")
        let report = try SweepReport.load(path: dir + "/out/report.json")
        #expect(report.points.count == 4 && report.run.trialsDone == 8)
        #expect(Self.trialsMatchTheirPoints(report))
        #expect(report.points.allSatisfy { $0.trials.count == 2 })
    }

    @Test("journal records carry the backend, the probe length, every setting and the seed")
    func recordsCarryFullSettings() throws {
        var p = SweepPlan()
        p.axes = [Axis(key: "timer-period", values: ["2000", "5000"])]
        p.fixed = ["host.jitter": "2ms"]
        p.ties = ["x": "timer-period"]
        p.seconds = 1.5
        p.repeats = 2
        let spec = p.trials[3]
        let r = TrialRecord(spec: spec, plan: p, measurement: nil, failure: "x", wallSeconds: 0)
        let json = String(decoding: try JSONCoding.encode(r, pretty: false), as: UTF8.self)
        #expect(json.contains("\"full_settings\":{\"host.jitter\":\"2ms\",\"timer-period\":\"5000\",\"x\":\"5000\"}"))
        #expect(json.contains("\"backend\":\"sim\"") && json.contains("\"seconds\":1.5") && json.contains("\"seed\":2"))
        var q = p
        q.fixed["host.jitter"] = "5ms"
        #expect(r.difference(from: spec, plan: q)?.contains("host.jitter") == true)
        #expect(r.difference(from: spec, plan: p) == nil)
    }

    @Test("a torn last journal line is cut before appending, and said on stderr")
    func tornJournalLine() throws {
        let dir = TestPaths.temporaryDirectory("resume-torn")
        let args = ["sweep", "--out", dir, "--axis", "timer-period=2000,10000", "--repeats", "2", "--seconds", "0.3", "--quiet"]
        #expect(try CLI.run(args).status == 0)
        let journal = dir + "/journal.jsonl"
        let full = try Data(contentsOf: URL(fileURLWithPath: journal))
        // The power went out in the middle of writing the last record.
        try full.prefix(full.count - 100).write(to: URL(fileURLWithPath: journal))
        let r = try CLI.run(args + ["--resume"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("journal.jsonl: the last line was cut"))
        #expect(try Journal.read(path: journal).count == 4)
        // And the next resume reads the repaired file without complaint.
        let again = try CLI.run(args + ["--resume"])
        #expect(again.status == 0 && again.stderr.isEmpty, "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal)).last == 0x0A)
    }

    @Test("a second sweep into a locked folder is refused with 75 naming the holder's pid")
    func folderLock() throws {
        let dir = TestPaths.temporaryDirectory("sweep-lock")
        var lock: FolderLock? = try FolderLock.acquire(dir: dir)
        let args = ["sweep", "--out", dir, "--axis", "timer-period=2000", "--repeats", "1", "--seconds", "0.3", "--quiet"]
        let r = try CLI.run(args)
        #expect(r.isRefusal(75, mentioning: "another sweep is writing here, pid \(getpid())"), "\(r.status): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/journal.jsonl"))
        #expect(lock != nil)
        lock = nil
        // Released: the next sweep runs.
        let ok = try CLI.run(args)
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test("grid size: count and estimate printed, oversized refused without --yes, duplicates and unknown axis members refused")
    func gridSize() throws {
        let dir = TestPaths.temporaryDirectory("sweep-size")
        let small = try CLI.run(["sweep", "--out", dir, "--axis", "timer-period=2000,10000", "--repeats", "1", "--seconds", "0.3"])
        #expect(small.status == 0)
        #expect(small.stdout.hasPrefix("sweep: 2 points × 1 repeat = 2 trials, about "), "\(small.stdout)")
        let big = try CLI.run(["sweep", "--out", dir + "/big", "--axis", "timer-period=1000:100000:1000", "--axis", "out.latency=1000:100000:1000", "--repeats", "3"])
        #expect(big.isRefusal(64, mentioning: "--yes"), "\(big.stderr)")
        #expect(big.stderr.contains("10000 points × 3 repeats = 30000 trials"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/big/journal.jsonl"))
        let planDir = TestPaths.temporaryDirectory("sweep-plans")
        let cases: [(String, String, String)] = [
            ("dup.yaml", "axes:\n  timer-period: [2000, 2000.0]\n", "given twice"),
            ("dup.json", #"{"axes": [{"key": "timer-period", "values": ["5000", "5000"]}]}"#, "given twice"),
            ("member.yaml", "axes:\n  - {key: timer-period, values: [2000], step: 5}\n", "unknown member \"step\""),
            ("member.json", #"{"axes": [{"key": "timer-period", "valeus": [2000]}]}"#, "valeus"),
        ]
        for (name, text, what) in cases {
            try text.write(toFile: planDir + "/" + name, atomically: true, encoding: .utf8)
            let r = try CLI.run(["sweep", "--plan", planDir + "/" + name, "--out", planDir + "/o", "--quiet"])
            #expect(r.isRefusal(65, mentioning: what), "\(name): \(r.status): \(r.stderr)")
        }
    }

    @Test("the atomic writer replaces regular files only: devices, FIFOs and stdout are written through, symlinks followed")
    func atomicWriterTargets() throws {
        let dir = TestPaths.temporaryDirectory("atomic")
        // A symlink: its target is replaced, the link stays.
        try "old".write(toFile: dir + "/target.json", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.json", withDestinationPath: "target.json")
        try AtomicFile.write("new", to: dir + "/link.json")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.json") == "target.json")
        #expect(try String(contentsOfFile: dir + "/target.json", encoding: .utf8) == "new")
        // A FIFO with a reader: the reader gets the data, the FIFO stays a FIFO.
        let fifo = dir + "/fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        nonisolated(unsafe) var got = Data()
        let reader = Thread {
            let fd = open(fifo, O_RDONLY)
            var buf = [UInt8](repeating: 0, count: 4096)
            while fd >= 0 {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                got.append(contentsOf: buf[0..<n])
            }
            close(fd)
        }
        reader.start()
        try AtomicFile.write("through the pipe", to: fifo)
        while !reader.isFinished { usleep(1000) }
        #expect(String(decoding: got, as: UTF8.self) == "through the pipe")
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO)
        // A device: /dev/null takes it and stays a device; /dev/full fails with the reason.
        try AtomicFile.write("x", to: "/dev/null")
        #expect(stat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
        #expect(throws: LoopbenchError.self) { try AtomicFile.write("x", to: "/dev/full") }
        #expect(stat("/dev/full", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
        // /dev/stdout: the process's own standard output, never a temporary file in /dev.
        let viaStdout = try CLI.run(["measure", "--backend", "sim", "--seconds", "0.3", "--json", "/dev/stdout", "--quiet"])
        #expect(viaStdout.status == 0, "\(viaStdout.stderr)")
        #expect(viaStdout.stdout.contains("\"schema\" : \"loopbench/measurement/v1\""))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "/dev").filter { $0.hasPrefix(".stdout") }.isEmpty)
    }
}
