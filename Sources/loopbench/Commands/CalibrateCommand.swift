// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Foundation
import LoopbenchCore
import Reports
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
    @Flag(name: .long, help: "No progress; errors only.") var quiet = false

    func run() throws {
        try reportingErrors {
            var base = try SweepPlan.load(path: plan)
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
            var data = try JSONCoding.encode(c)
            data.append(0x0A)
            try AtomicFile.write(data, to: out + "/calibration.json")
            try AtomicFile.write(c.markdown(), to: out + "/calibration.md")
            if !quiet {
                print("calibration: crackle-or-not agrees at \(c.summary.verdictAgreements) of \(c.summary.points) points; latency within ±5 ms at \(c.summary.latencyWithinTolerance) of \(c.summary.cleanBoth) clean points")
                print("report: \(out)/calibration.md (also calibration.json, model/ and real/ sweep reports)")
            }
        }
    }

    /// Runs (or continues) one sweep and writes its reports.
    func sweep(_ p: SweepPlan, into dir: String, resume: Bool) throws(LoopbenchError) -> SweepReport {
        let stop = StopFlag()
        stop.installSIGINTHandler()
        let run = try SweepRunner.run(plan: p, options: .init(outDir: dir, resume: resume, jobs: nil, progress: ProgressLine(quiet: quiet), stop: stop))
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
        abstract: "Measure how late this machine wakes a periodic timer (what the model's host.jitter stands for); run it under the load your VM sees.")

    @Option(name: .customLong("timer-period"), help: "Wake-up period in µs (QEMU's audio timer-period).") var periodUS: Int = 10000
    @Option(name: .long, help: "How long to measure, in seconds.") var seconds: Double = 10
    @Option(name: .long, help: "Write the result JSON to this path, or - for stdout.") var json: String?

    func run() throws {
        try reportingErrors {
            guard (100...1_000_000).contains(periodUS) else { throw LoopbenchError.usage("--timer-period \(periodUS): must be 100..1000000 µs", subject: "timer-period") }
            guard seconds >= 0.5 && seconds <= 3600 else { throw LoopbenchError.usage("--seconds \(seconds): must be 0.5..3600", subject: "seconds") }
            let r = HostTimerLateness.measure(periodUS: periodUS, seconds: seconds)
            if let json { try emitJSON(try JSONCoding.encode(r), to: json) }
            if json != "-" {
                print(String(format: "timer wake-ups every %d µs, %d samples: lateness p50 %.0f µs, p90 %.0f, p99 %.0f, p99.9 %.0f, max %.0f µs",
                             r.periodUS, r.wakeups, r.p50US, r.p90US, r.p99US, r.p999US, r.maxUS))
                print("for the card model: --set host.jitter=\(r.suggestedHostJitterUS)us (its p99)")
            }
        }
    }
}
