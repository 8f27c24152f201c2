// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Measure
import Foundation
import LoopbenchCore
import Loops
import Reports
import Stimulus
import Sweep

/// `loopbench calibrate`: the card model against real QEMU guests, and this host's timer lateness.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Check the card model against real QEMU guests on one grid (grid), or measure this host's timer lateness for host.jitter (host).",
        subcommands: [CalibrateGridCommand.self, CalibrateHostCommand.self],
        defaultSubcommand: CalibrateGridCommand.self)
}

struct CalibrateGridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "Sweep one plan on the card model (OUT/model) and on a real QEMU guest (OUT/real), and write the table of predicted against measured (OUT/calibration.md and .json).",
        discussion: "The plan's backend is ignored: its axes, ties, fixed settings, repeats and seconds are used for both. Each real trial is a fresh boot (about 10–15 s). --resume continues both sweeps.")

    @Option(name: .long, help: "The grid: a sweep plan file (.yaml, .yml or .json).") var plan: String
    @Option(name: .long, help: "Output folder.") var out: String = "Reports/calibration"
    @Option(name: .customLong("model-set"), help: "A setting for the model side only, KEY=VALUE (e.g. host.jitter=500us).") var modelSettings: [String] = []
    @Flag(name: .long, help: "Continue interrupted sweeps in OUT/model and OUT/real.") var resume = false
    @Flag(name: .customLong("model-only"), help: "Re-run the model side only and compare with the real sweep already in OUT/real.") var modelOnly = false
    @Flag(name: .customLong("feed-lateness"), help: "Also run the model with the audio-timer lateness QEMU traced at each timer period (OUT/model-fed, OUT/calibration-fed.md).") var feedLateness = false
    @Flag(name: .long, help: "No progress; errors only.") var quiet = false

    func run() throws {
        try reportingErrors {
            let base = try SweepPlan.load(path: plan)
            try base.validate()
            var model = base
            model.backend = "sim"
            for (k, v) in try SettingsParser.parse(modelSettings) { model.fixed[k] = v }
            var real = base
            real.backend = "qemu"
            // The model side takes seconds: it runs afresh unless asked to resume.
            if !resume { try? FileManager.default.removeItem(atPath: out + "/model") }
            let modelReport = try sweep(model, into: out + "/model", resume: resume)
            let realReport: SweepReport
            if modelOnly {
                realReport = try SweepReport.load(path: out + "/real/report.json")
            } else {
                realReport = try sweep(real, into: out + "/real", resume: resume)
            }
            let c = try CalibrationReport.compare(model: modelReport, real: realReport)
            var fed: CalibrationReport?
            if feedLateness, let evidence = c.timerLateness {
                if !resume { try? FileManager.default.removeItem(atPath: out + "/model-fed") }
                let fedReport = try sweep(model, into: out + "/model-fed", resume: resume) { backend, settings throws(LoopbenchError) in
                    var s = settings
                    if let tp = s["timer-period"].flatMap({ Int($0) }), let extra = evidence.modelSettings(timerPeriodUS: tp) {
                        for (k, v) in extra { s[k] = v }
                    }
                    return try Loops.make(backend: backend, settings: s)
                }
                fed = try CalibrationReport.compare(model: fedReport, real: realReport)
                try write(fed!, to: out + "/calibration-fed", title: "Card model fed QEMU's measured timer lateness, against real QEMU")
            }
            var text = c.markdown()
            if let fed {
                text += "\n## The model fed QEMU's measured lateness\n\nWith `host.jitter` and `host.stalls` set at every point to what QEMU traced at that timer period (table above), "
                    + "crackle-or-not agrees at **\(fed.summary.verdictAgreements) of \(fed.summary.points)** points and the latency is within ±5 ms at **\(fed.summary.latencyWithinTolerance) of \(fed.summary.cleanBoth)** clean points; "
                    + "the full table is [calibration-fed.md](calibration-fed.md).\n"
            }
            var data = try JSONCoding.encode(c)
            data.append(0x0A)
            try AtomicFile.write(data, to: out + "/calibration.json")
            try AtomicFile.write(text, to: out + "/calibration.md")
            if !quiet {
                print("calibration: crackle-or-not agrees at \(c.summary.verdictAgreements) of \(c.summary.points) points; latency within ±5 ms at \(c.summary.latencyWithinTolerance) of \(c.summary.cleanBoth) clean points")
                print("report: \(out)/calibration.md (also calibration.json, model/ and real/ sweep reports)")
            }
        }
    }

    func write(_ c: CalibrationReport, to base: String, title: String) throws(LoopbenchError) {
        var data = try JSONCoding.encode(c)
        data.append(0x0A)
        try AtomicFile.write(data, to: base + ".json")
        try AtomicFile.write(c.markdown().replacingOccurrences(of: "# Card model against real QEMU", with: "# " + title), to: base + ".md")
    }

    /// Runs (or continues) one sweep and writes its reports.
    func sweep(_ p: SweepPlan, into dir: String, resume: Bool,
               makeLoop: @escaping SweepRunner.LoopFactory = { b, s throws(LoopbenchError) in try Loops.make(backend: b, settings: s) }) throws(LoopbenchError) -> SweepReport {
        let lock = try FolderLock.acquire(dir: dir)
        defer { withExtendedLifetime(lock) {} }
        let stop = StopFlag()
        stop.installSIGINTHandler()
        let run = try SweepRunner.run(plan: p, options: .init(outDir: dir, resume: resume, jobs: nil, progress: ProgressLine(quiet: quiet), stop: stop), makeLoop: makeLoop)
        let report = SweepAnalysis.report(run: run)
        try Reports.writeAll(report, worst: run.worst, to: dir)
        if run.interrupted {
            throw LoopbenchError(.interrupted, dir, "interrupted after \(run.records.count) of \(run.totalTrials) trials; continue with --resume")
        }
        return report
    }
}

struct CalibrateHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Measure how late QEMU's audio timer runs on this machine (what the model's host.jitter and host.stalls stand for); run it under the load your VM sees.",
        discussion: """
        With --qemu (the measurement to feed the model): boots real guests at --timer-period and reads QEMU's own \
        audio_timer_delayed trace, as `calibrate grid` does. Without it: how late a plain thread's periodic wake-ups \
        are, the operating system's floor; on this project's test machine QEMU's audio timer ran about ten times \
        later than that floor (docs/qemu-backend.md), so the floor alone makes the model optimistic.
        """)

    @Option(name: .customLong("timer-period"), help: "Wake-up period in µs (QEMU's audio timer-period).") var periodUS: Int = 2000
    @Option(name: .long, help: "How long to measure per run, in seconds.") var seconds: Double = 5
    @Flag(name: .long, help: "Measure QEMU's own audio timer in real guests (needs QEMU and a PulseAudio server).") var qemu = false
    @Option(name: .long, help: "Real guests to boot with --qemu.") var runs: Int = 3
    @Option(name: .long, help: "Write the result JSON to this path, or - for stdout.") var json: String?

    func run() throws {
        try reportingErrors {
            guard (100...1_000_000).contains(periodUS) else { throw LoopbenchError.usage("--timer-period \(periodUS): must be 100..1000000 µs", subject: "timer-period") }
            guard seconds >= 0.5 && seconds <= 600 else { throw LoopbenchError.usage("--seconds \(seconds): must be 0.5..600", subject: "seconds") }
            guard (1...100).contains(runs) else { throw LoopbenchError.usage("--runs \(runs): must be 1..100", subject: "runs") }
            if qemu { try measureQEMU(); return }
            let r = HostTimerLateness.measure(periodUS: periodUS, seconds: seconds)
            if let json { try emitJSON(try JSONCoding.encode(r), to: json) }
            if json != "-" {
                print(String(format: "thread wake-ups every %d µs, %d samples: lateness p50 %.0f µs, p90 %.0f, p99 %.0f, p99.9 %.0f, max %.0f µs",
                             r.periodUS, r.wakeups, r.p50US, r.p90US, r.p99US, r.p999US, r.maxUS))
                print("this is the operating system's floor; QEMU's audio timer runs later (its main loop is shared): for the model's host.jitter use `calibrate host --qemu`")
            }
        }
    }

    /// Boots `runs` HDA guests at this timer period and reads the lateness from QEMU's trace.
    func measureQEMU() throws {
        let settings = ["device": "hda", "timer-period": String(periodUS), "out.frequency": "48000", "in.frequency": "48000",
                        "guest.period": "20000", "guest.buffer": "80000"]
        let loop = try Loops.make(backend: "qemu", settings: settings)
        var traced: [(timerPeriodUS: Int, qemu: QEMURun)] = []
        let progress = ProgressLine(quiet: json == "-")
        for i in 0..<runs {
            var spec = Stimulus.Spec()
            spec.seconds = seconds
            let r = try RoundTrip.measure(loop: loop, spec: spec)
            if let q = r.measurement.qemu { traced.append((periodUS, q)) }
            progress.update(done: i + 1, total: runs, label: "real guests at timer-period=\(periodUS)")
        }
        progress.finish()
        let e = TimerLatenessEvidence.from(traced)
        if let json { try emitJSON(try JSONCoding.encode(e), to: json) }
        if json != "-" {
            let ticks = e.tail.first?.ticks ?? 0, late = e.tail.first?.later ?? 0
            print(String(format: "QEMU's audio timer at %d µs, %d runs, %d ticks: %d later than half a period (%.2g)", periodUS, e.runs, ticks, late, ticks > 0 ? Double(late) / Double(ticks) : 0))
            print("for the card model: " + ["host.jitter=" + (e.fittedHostJitterUS.map { "\($0)us" } ?? "(too few late ticks to fit)"),
                                            "host.stalls=" + (e.suggestedHostStalls ?? "none")].joined(separator: " "))
        }
    }
}
