// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Diagnose
import Foundation
import LoopbenchCore
import Testing
import TestSupport

/// The explanation and the fixes against the card model's own truth: the model is deterministic
/// for a seed, so every number the diagnosis states can be run again and must come out the same.
@Suite(.serialized) struct DiagnoserTests {
    static let evaluator = Evaluator(repeats: 2, seconds: 2, seed: 1, progress: nil)

    func diagnose(_ t: String, version: String, search: Bool = true) throws -> Diagnosis {
        let (s, cl) = try CommandLineReader.read(text: t, subject: "t")
        var o = DiagnoseOptions(evaluator: Self.evaluator)
        o.release = QEMURelease(version)
        o.search = search
        return try Diagnoser.run(DiagnoseInput(setup: s, commandLine: cl, subject: "t"), options: o)
    }

    @Test func shortPulseQueueCracklesForTheModelsReasonAndIsFixed() throws {
        let d = try diagnose("qemu-system-x86_64 -audiodev pa,id=a,out.latency=10000,in.latency=10000 -device intel-hda -device hda-duplex,audiodev=a", version: "7.2")
        #expect(d.status == "crackles")
        let cur = try #require(d.current)
        #expect(!cur.pass && cur.cracklesTotal > 0)
        // The model's own words for why, as its truth log states them.
        #expect(cur.why.contains { $0.contains("PulseAudio playback queue ran dry") })
        #expect(cur.settings == d.settings)
        // Sensitivity: one row per jitter level, the base level being the current evaluation.
        let base = CardModelSettings().hostJitterUS
        #expect(d.sensitivity.map(\.hostJitterUS) == FixSearch.jitterFactors.map { Int(Double(base) * $0) })
        #expect(d.sensitivity[1].cracklesPerMinute == cur.cracklesPerMinute)
        #expect(!d.options.isEmpty && d.options.count <= 3)
        let labels = Set(d.options.flatMap(\.labels))
        #expect(labels == ["lowest-latency", "fewest-changes", "safest-margin"])
        for o in d.options {
            // Each fix is the user's settings with its changes, clean in every repeat, and the
            // same when run again (nothing made up).
            #expect(o.evaluation.settings == d.settings.merging(o.changes) { $1 })
            #expect(o.evaluation.pass && o.evaluation.cracklesTotal == 0)
            #expect(try Self.evaluator.run(o.evaluation.settings) == o.evaluation)
            let diff = try #require(o.commandLineDiff)
            #expect(diff.filter { $0.hasPrefix("+ -audiodev pa,id=a,") }.count == 1)
        }
        let lowest = try #require(d.options.first { $0.labels.contains("lowest-latency") })
        for o in d.options { #expect(lowest.evaluation.medianMS! <= o.evaluation.medianMS!) }
        let fewest = try #require(d.options.first { $0.labels.contains("fewest-changes") })
        for o in d.options { #expect(FixSearch.changeCount(fewest.changes) <= FixSearch.changeCount(o.changes)) }
    }

    @Test func silentBackendIsNotMeasuredButOffersAServer() throws {
        let d = try diagnose("qemu -audiodev none,id=n -device AC97,audiodev=n", version: "7.2")
        #expect(d.status == "silent-backend" && d.current == nil && d.sensitivity.isEmpty)
        #expect(!d.options.isEmpty)
        for o in d.options { #expect(o.changes["backend"] == "pa" && o.evaluation.pass) }
    }

    @Test func explainOnlySkipsTheSearch() throws {
        let d = try diagnose("qemu -audiodev pa,id=a -device AC97,audiodev=a", version: "8.0", search: false)
        #expect(d.options.isEmpty && d.search == nil && d.current != nil)
        #expect(d.settings["qemu"] == "8.0")
    }
}

/// `--verify qemu` on a real guest (`LOOPBENCH_TEST_QEMU=1`, with `scripts/pulse-loopback` running).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LOOPBENCH_TEST_QEMU"] == "1"))
struct DiagnoseVerifyTests {
    @Test func userPointRunsOnARealGuest() throws {
        let t = "qemu-system-x86_64 -audiodev pa,id=a,timer-period=5000,out.latency=30000,in.latency=30000 -device intel-hda -device hda-duplex,audiodev=a"
        let (s, cl) = try CommandLineReader.read(text: t, subject: "t")
        var o = DiagnoseOptions(evaluator: Evaluator(repeats: 1, seconds: 2, seed: 1, progress: nil))
        o.release = QEMURelease("7.2")
        o.search = false
        o.verify = "qemu"
        let d = try Diagnoser.run(DiagnoseInput(setup: s, commandLine: cl, subject: "t"), options: o)
        let v = try #require(d.verification)
        #expect(v.backend == "qemu" && v.repeats == 1)
        #expect(v.settings == d.settings)
        // A real round trip came back: positive, and of the size a 30 ms queue gives (not a made-up 0).
        let lat = try #require(v.medianMS)
        #expect(lat > 5 && lat < 200)
        #expect(d.notes.contains { $0.hasPrefix("verified on the installed QEMU") })
    }
}
