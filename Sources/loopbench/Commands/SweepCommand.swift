// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Foundation
import LoopbenchCore
import Reports
import Sweep

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Measure a grid of settings, several seeds per point, and report the lowest-latency settings that never crackle.",
        discussion: """
        With no arguments, runs the embedded default on the QEMU card model (QEMU 7.2, HDA, pa: \
        timer-period × out.latency with in.latency tied to it, mixeng at 48 kHz, 2 ms main-loop jitter, 4 seeds per point) into Reports/latest/.
        Axes: --axis timer-period=2000,5000,10000 or --axis out.latency=10000:50000:10000 (FROM:TO:STEP).
        Finished trials are appended to OUT/journal.jsonl at once; --resume continues an interrupted sweep.
        """)

    @Option(name: .long, help: "sim (QEMU card model) | pulse | alsa | qemu (a real QEMU guest, one boot per trial)") var backend: String?
    @Option(name: .customLong("axis"), help: "A swept setting: KEY=V1,V2,... or KEY=FROM:TO:STEP (repeatable).") var axes: [String] = []
    @Option(name: .customLong("set"), help: "A fixed setting KEY=VALUE (repeatable).") var settings: [String] = []
    @Option(name: .customLong("tie"), help: "KEY=AXIS: KEY takes the value of the swept AXIS at every point (e.g. in.latency=out.latency).") var ties: [String] = []
    @Option(name: .long, help: "Trials per point, each with its own seed (default 3).") var repeats: Int?
    @Option(name: .long, help: "Probe length per trial in seconds (default 2).") var seconds: Double?
    @Option(name: .long, help: "The first seed; repeat r uses seed+r (default 1).") var seed: UInt64?
    @Option(name: .customLong("max-crackles"), help: "Pass criterion: at most this many crackles in every repeat (default 0).") var maxCrackles: Int?
    @Option(name: .long, help: "Output folder.") var out: String = "Reports/latest"
    @Flag(name: .long, help: "Continue the sweep in --out, skipping the trials its journal already holds.") var resume = false
    @Option(name: .long, help: "A plan file (.yaml, .yml or .json) with axes, ties, fixed, repeats, seconds, seed, backend.") var plan: String?
    @Option(name: .long, help: "Parallel trials for sim (default: the number of cores); real devices always run one at a time.") var jobs: Int?
    @Option(name: .long, help: "Re-run the recommendation and its failing lower-latency neighbours on a real backend: qemu. When the real guest crackles at the recommendation, the model's next passing points are tried until one runs clean (see --verify-candidates).") var verify: String?
    @Option(name: .customLong("verify-repeats"), help: "Real repeats per verified point (default 3).") var verifyRepeats: Int = 3
    @Option(name: .customLong("verify-candidates"), help: "Model-passing points tried on the real guest at most, the recommendation included (default \(SweepVerification.defaultCandidates)).") var verifyCandidates: Int = SweepVerification.defaultCandidates
    @Flag(name: .long, help: "No progress bar and no summary; errors only.") var quiet = false
    @Flag(name: .customLong("dry-run"), help: "Check the plan, print the trial count and the time estimate, and stop.") var dryRun = false
    @Flag(name: .long, help: "Run a sweep above the size limit (\(SweepCommand.trialLimit) trials or an estimated hour).") var yes = false

    /// Sweeps above this many trials, or above an estimated hour, need --yes.
    static let trialLimit = 2000

    /// A rough wall-time estimate: the card model runs about 25 audio seconds per wall second
    /// per job (README, "Performance"); a real device plays each probe in real time, plus about
    /// a second of connecting, preroll and tail.
    /// Seconds of probe the card model plays and the analyzer measures per second on one job:
    /// `loopbench bench sweep` ran 448 s of audio in 1.8–1.9 s on 2 jobs (~120 per job) on the
    /// 2-core development machine in December 2026; 100 leaves room for a slower one.
    static let modelSecondsPerSecondPerJob = 100.0

    static func estimateSeconds(_ p: SweepPlan, jobs: Int) -> Double {
        let trials = Double(p.trials.count)
        if p.capabilities.parallelSafe { return trials * (p.seconds + 0.5) / (modelSecondsPerSecondPerJob * Double(max(1, jobs))) }
        // A real guest boots for every trial: 15–17 s for a 2 s probe under TCG on this machine (`loopbench bench qemu`).
        if p.backend == "qemu" { return trials * (p.seconds + 14) }
        return trials * (p.seconds + 1)
    }

    static func duration(_ s: Double) -> String {
        s < 10 ? String(format: "%.1f s", s) : s < 90 ? String(format: "%.0f s", s) : s < 5400 ? String(format: "%.0f min", s / 60) : String(format: "%.1f h", s / 3600)
    }

    func makePlan() throws(LoopbenchError) -> SweepPlan {
        var p: SweepPlan
        if let plan {
            p = try SweepPlan.load(path: plan)
            if let backend { p.backend = backend }
        } else if axes.isEmpty && (backend ?? "sim") == "sim" {
            p = SweepPlan.default
        } else {
            p = SweepPlan()
            p.backend = backend ?? "sim"
            p.fixed = [:]
        }
        if !axes.isEmpty {
            var list: [Axis] = []
            for a in axes { list.append(try Axis.parse(a)) }
            if plan == nil { p.axes = list; p.ties = [:] } else { p.axes += list }
        }
        guard !p.axes.isEmpty else {
            throw .usage("sweep: no axes; give --axis KEY=V1,V2,... or --plan FILE (the built-in default is for --backend sim)", subject: "axis")
        }
        for t in ties {
            guard let eq = t.firstIndex(of: "="), eq != t.startIndex else { throw .usage("--tie \(t): expected KEY=AXIS", subject: "tie") }
            p.ties[String(t[..<eq])] = String(t[t.index(after: eq)...])
        }
        for (k, v) in try SettingsParser.parse(settings) {
            p.fixed[k] = v
            p.ties[k] = nil
        }
        if let repeats { p.repeats = repeats }
        if let seconds { p.seconds = seconds }
        if let seed { p.seed = seed }
        if let maxCrackles { p.maxCrackles = maxCrackles }
        try p.validate()
        return p
    }

    func run() throws {
        try reportingErrors {
            let p = try makePlan()
            if let verify {
                guard verify == "qemu" else { throw LoopbenchError.usage("--verify \(verify): the model's advice is verified on a real QEMU guest: --verify qemu", subject: "verify") }
                guard p.capabilities.deterministic && p.capabilities.qemuSettings else { throw LoopbenchError.usage("--verify qemu checks the card model's recommendation; the sweep's backend is \(p.backend)", subject: "verify") }
                guard (1...100).contains(verifyRepeats) else { throw LoopbenchError.usage("--verify-repeats \(verifyRepeats): must be 1..100", subject: "verify-repeats") }
                guard (1...20).contains(verifyCandidates) else { throw LoopbenchError.usage("--verify-candidates \(verifyCandidates): must be 1..20", subject: "verify-candidates") }
            }
            let trials = p.points.count * p.repeats
            let jobs = p.capabilities.parallelSafe ? max(1, min(self.jobs ?? ProcessInfo.processInfo.activeProcessorCount, 64)) : 1
            let estimate = SweepCommand.estimateSeconds(p, jobs: jobs)
            let size = "\(p.points.count) point\(p.points.count == 1 ? "" : "s") × \(p.repeats) repeat\(p.repeats == 1 ? "" : "s") = \(trials) trials, about \(SweepCommand.duration(estimate)) (estimate)"
            if dryRun { print("sweep: \(size); nothing run (--dry-run)"); return }
            if !yes && (trials > SweepCommand.trialLimit || estimate > 3600) {
                throw LoopbenchError.usage("sweep: \(size): above the limit of \(SweepCommand.trialLimit) trials or an hour; give --yes to run it anyway, or fewer axis values or repeats", subject: "sweep")
            }
            if !quiet { print("sweep: \(size)"); fflush(nil) }
            let lock = try FolderLock.acquire(dir: out)
            defer { withExtendedLifetime(lock) {} }
            let stop = StopFlag()
            stop.installSIGINTHandler()
            let progress = ProgressLine(quiet: quiet)
            let result = try SweepRunner.run(plan: p, options: .init(outDir: out, resume: resume, jobs: jobs, progress: progress, stop: stop))
            var report = SweepAnalysis.report(run: result)
            if let verify, !result.interrupted {
                report.verification = try SweepVerification.run(report: report, plan: p, backend: verify, repeats: verifyRepeats, candidates: verifyCandidates,
                                                                progress: ProgressLine(quiet: quiet), stop: stop)
            }
            if let w = result.worst {
                try AtomicFile.write(try JSONCoding.encode(w, pretty: false), to: SweepRunner.worstPath(out))
            }
            try Reports.writeAll(report, worst: result.worst, to: out)
            if !quiet {
                print(SweepCommand.summaryText(report, dir: out, run: result))
            }
            if !result.records.isEmpty, result.records.allSatisfy({ $0.measurement == nil }) {
                let why = result.records.first?.failure ?? "unknown"
                throw LoopbenchError(.unavailable, out, "every trial failed (the report lists them); the first: \(why)")
            }
            if result.interrupted {
                throw LoopbenchError(result.stopReason == nil ? .interrupted : .unavailable, out, (result.stopReason.map { "stopped: \($0); " } ?? "") + "interrupted after \(result.records.count) of \(result.totalTrials) trials; the report covers what finished; continue with the same command and --resume")
            }
        }
    }

    static func summaryText(_ r: SweepReport, dir: String, run: SweepRun) -> String {
        var lines: [String] = []
        let rate = run.wallSeconds > 0 ? run.audioSeconds / run.wallSeconds : 0
        lines.append("sweep: \(r.run.trialsDone) of \(r.run.trialsTotal) trials (\(run.trialsRun) run now) in \(String(format: "%.1f", run.wallSeconds)) s, "
                     + String(format: "%.0f× real time", rate) + (r.run.trialsFailed > 0 ? ", \(r.run.trialsFailed) failed" : ""))
        if let rec = r.recommendation {
            lines.append("recommendation: \(rec.text)")
            if let c = rec.commandLine { lines.append("  \(c)") }
            if let e = rec.legacyEnv { lines.append("  legacy: \(e)") }
            if let h = rec.hostSettings { lines.append("  \(h)") }
            if let v = r.verification { lines.append(v.text) }
        } else {
            lines.append("no recommendation: \(r.recommendationReason ?? "")")
        }
        lines.append("report: \(dir)/report.html (also report.json, report.csv, summary.md)")
        return lines.joined(separator: "\n")
    }
}
