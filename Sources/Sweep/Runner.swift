// SPDX-License-Identifier: GPL-2.0-or-later
#if canImport(Glibc)
import Glibc
#endif
import Measure
import Dispatch
import Foundation
import LoopbenchCore
import Loops
import Stimulus

/// A flag that asks a running sweep to stop after the trials in flight.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    public init() {}
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
    public func set() { lock.lock(); stopped = true; lock.unlock() }

    /// Sets the flag on the first SIGINT (the trials in flight finish, the report is written);
    /// a second SIGINT ends the process at once.
    public func installSIGINTHandler() {
        InterruptSignal.install { [weak self] _ in
            guard let self else { return }
            if self.isSet { _exit(130) }
            self.set()
            FileHandle.standardError.write(Data("\nloopbench: interrupted; finishing the trials in flight and writing the report (Ctrl-C again to quit at once)\n".utf8))
        }
    }
}

/// Everything a finished (or interrupted) sweep run knows.
public struct SweepRun: Sendable {
    public var plan: SweepPlan
    /// Every finished trial, this run's and the resumed ones, in grid order.
    public var records: [TrialRecord]
    public var totalTrials: Int
    public var interrupted: Bool
    /// Trials this run performed (not counting resumed ones).
    public var trialsRun: Int
    /// Audio seconds the trials of this run played through the loop.
    public var audioSeconds: Double
    public var wallSeconds: Double
    public var worst: WorstTrace?
    /// Why the sweep stopped early on its own (a sound server that died), if it did.
    public var stopReason: String? = nil
}

/// Runs a sweep: card-model trials in parallel over the cores, real-device trials one at a time;
/// every finished trial is appended to `journal.jsonl` in the output folder at once.
public enum SweepRunner {
    public struct Options: Sendable {
        public var outDir: String
        public var resume: Bool = false
        /// Parallel trials; nil = the number of cores for `sim`, 1 for real devices.
        public var jobs: Int? = nil
        public var progress: ProgressLine? = nil
        public var stop: StopFlag = StopFlag()
        public init(outDir: String, resume: Bool = false, jobs: Int? = nil, progress: ProgressLine? = nil, stop: StopFlag = StopFlag()) {
            self.outDir = outDir
            self.resume = resume
            self.jobs = jobs
            self.progress = progress
            self.stop = stop
        }
    }

    public static func journalPath(_ dir: String) -> String { dir + "/journal.jsonl" }
    public static func planPath(_ dir: String) -> String { dir + "/plan.json" }
    public static func worstPath(_ dir: String) -> String { dir + "/worst-trial.json" }

    /// The settings handed to the backend for one trial: fixed, then the point's, then the seed (deterministic loops).
    public static func loopSettings(plan: SweepPlan, trial: TrialSpec) -> [String: String] {
        var s = plan.fixed
        for (k, v) in trial.point.settings { s[k] = v }
        if plan.capabilities.deterministic { s["seed"] = String(trial.seed) }
        return s
    }

    /// Builds a trial's loop; `Loops.make` unless a caller supplies another (for example a QEMU guest harness).
    public typealias LoopFactory = @Sendable (_ backend: String, _ settings: [String: String]) throws(LoopbenchError) -> any AudioLoop

    public static func run(plan: SweepPlan, options: Options, makeLoop: @escaping LoopFactory = { b, s throws(LoopbenchError) in try Loops.make(backend: b, settings: s) }) throws(LoopbenchError) -> SweepRun {
        try plan.validate()
        let dir = options.outDir
        let jp = journalPath(dir), pp = planPath(dir)
        var (done, worst) = try options.resume ? resumable(plan: plan, dir: dir) : startAfresh(dir: dir)
        try AtomicFile.write(try JSONCoding.encode(plan), to: pp)

        let all = plan.trials
        let validIDs = Set(all.map(\.id))
        done = done.filter { validIDs.contains($0.key) }
        let todo = all.filter { done[$0.id] == nil }

        // A bad key or value is the user's mistake: report it before running anything.
        if let first = todo.first ?? all.first {
            _ = try makeLoop(plan.backend, loopSettings(plan: plan, trial: first))
        }

        let journal = try Journal(path: jp)
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let jobs = plan.capabilities.parallelSafe ? max(1, min(options.jobs ?? cores, 64)) : 1
        let state = RunState(todo: todo, alreadyDone: done.count, total: all.count, worst: worst)
        let start = ProgressLine.now()
        options.progress?.update(done: done.count, total: all.count, label: "starting", force: true)

        let group = DispatchGroup()
        for _ in 0..<min(jobs, max(1, todo.count)) {
            group.enter()
            let t = Thread {
                worker(plan: plan, state: state, journal: journal, options: options, makeLoop: makeLoop)
                group.leave()
            }
            t.stackSize = 8 << 20
            t.start()
        }
        group.wait()
        options.progress?.finish()
        if let e = state.fatal { throw e }

        var merged = done
        for r in state.finished { merged[r.id] = r }
        let records = all.compactMap { merged[$0.id] }
        if let w = state.worst, state.worstChanged {
            try AtomicFile.write(try JSONCoding.encode(w, pretty: false), to: worstPath(dir))
        }
        return SweepRun(
            plan: plan, records: records, totalTrials: all.count,
            interrupted: options.stop.isSet && records.count < all.count,
            trialsRun: state.finished.count, audioSeconds: state.audioSeconds,
            wallSeconds: ProgressLine.now() - start, worst: state.worst, stopReason: state.stopReason)
    }

    /// `--resume`: the trials the journal already holds, matched to this plan's trials by their
    /// settings, repeat and seed (never by position), and the worst trial kept so far. A plan or
    /// journal that differs from this plan is refused; a cut last line is removed.
    static func resumable(plan: SweepPlan, dir: String) throws(LoopbenchError) -> ([String: TrialRecord], WorstTrace?) {
        let jp = journalPath(dir), pp = planPath(dir)
        var done: [String: TrialRecord] = [:]
        var worst: WorstTrace? = nil
        let hasPlan = FileManager.default.fileExists(atPath: pp)
        if hasPlan {
            let old = try SweepPlan.load(path: pp)
            if let diff = old.difference(from: plan) {
                throw .usage("--resume: the plan differs from the one this sweep was started with (\(diff)); use the same plan, or a new --out", subject: pp)
            }
        }
        let journal = try Journal.scan(path: jp)
        // Every record must be a trial of this plan, with the very settings this plan would
        // give it: matched on settings, repeat and seed, never on position.
        let byID = Dictionary(plan.trials.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, r) in journal.records.enumerated() {
            guard let spec = byID[r.id] else {
                throw .usage("--resume: journal record \(i + 1) (\(r.id)) is no trial of this plan; the plan differs from the journal's; use the same plan, or a new --out", subject: jp)
            }
            if let diff = r.difference(from: spec, plan: plan) {
                throw .usage("--resume: journal record \(i + 1) differs from this plan's trial: \(diff); use the same plan, or a new --out", subject: jp)
            }
            guard hasPlan || r.fullSettings != nil else {
                throw .badData(jp, "record \(i + 1) carries no full settings (an older journal) and \(pp) is missing: its trials cannot be matched to this plan")
            }
            var matched = r
            matched.pointIndex = spec.point.index
            if r.status == "ok" { done[r.id] = matched }
        }
        if let torn = try Journal.repairTail(path: jp, contents: journal) {
            FileHandle.standardError.write(Data("loopbench: \(jp): the last line was cut (\(torn) bytes, a write that never finished); removed it before appending\n".utf8))
        }
        if FileManager.default.fileExists(atPath: worstPath(dir)), let w = try? JSONCoding.decode(WorstTrace.self, fromFile: worstPath(dir)), (try? w.validate(path: worstPath(dir))) != nil {
            worst = w
        }
        return (done, worst)
    }

    /// A new sweep in `dir`: the old journal and worst trial are removed.
    static func startAfresh(dir: String) throws(LoopbenchError) -> ([String: TrialRecord], WorstTrace?) {
        let jp = journalPath(dir)
        for p in [jp, worstPath(dir)] where FileManager.default.fileExists(atPath: p) {
            do { try FileManager.default.removeItem(atPath: p) }
            catch { throw .io(p, "cannot remove the old file: \(error.localizedDescription)") }
        }
        return ([:], nil)
    }

    static func label(_ t: TrialSpec, plan: SweepPlan) -> String {
        plan.pointKeys.filter { plan.ties[$0] == nil }.compactMap { k in t.point.settings[k].map { "\(k)=\($0)" } }.joined(separator: " ") + " r\(t.repeatIndex + 1)/\(plan.repeats)"
    }

    static func worker(plan: SweepPlan, state: RunState, journal: Journal, options: Options, makeLoop: LoopFactory) {
        var spec = Stimulus.Spec()
        spec.seconds = plan.seconds
        while !options.stop.isSet, let trial = state.next() {
            let t0 = ProgressLine.now()
            var measurement: LoopMeasurement? = nil
            var failure: String? = nil
            var result: RoundTrip.Result? = nil
            do {
                let loop = try makeLoop(plan.backend, loopSettings(plan: plan, trial: trial))
                let r = try RoundTrip.measure(loop: loop, spec: spec)
                measurement = r.measurement
                result = r
            } catch {
                failure = error.description
                if !plan.capabilities.deterministic && error.kind == .unavailable {
                    // The sound server or device went away: every further trial would fail the
                    // same way. Stop cleanly; what finished is on disk, and --resume re-runs this
                    // trial once the server is back.
                    state.noteStop("\(plan.backend) became unavailable: \(error.description)")
                    options.stop.set()
                }
            }
            let record = TrialRecord(spec: trial, plan: plan, measurement: measurement, failure: failure, wallSeconds: ProgressLine.now() - t0)
            do { try journal.append(record) } catch { state.fail(error); options.stop.set(); return }
            var trace: WorstTrace? = nil
            if let m = measurement, let r = result, state.wouldBeWorst(m) {
                trace = WorstTrace.make(record: record, reference: r.stimulus.channels[0],
                                        capture: r.loop.capture.channels[m.capture.channelUsed ?? 0], measurement: m)
            }
            let audio = result.map { $0.loop.capture.duration } ?? 0
            let (d, total) = state.finish(record, trace: trace, audioSeconds: audio)
            options.progress?.update(done: d, total: total, label: label(trial, plan: plan))
        }
    }
}

/// Shared state of the workers.
final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: [TrialSpec]
    private var cursor = 0
    private(set) var finished: [TrialRecord] = []
    private(set) var worst: WorstTrace?
    private var worstBadness: (Int, Int, Double)?
    private(set) var worstChanged = false
    private(set) var audioSeconds = 0.0
    private(set) var fatal: LoopbenchError?
    private(set) var stopReason: String?
    func noteStop(_ reason: String) { lock.lock(); if stopReason == nil { stopReason = reason }; lock.unlock() }
    let alreadyDone: Int
    let total: Int

    init(todo: [TrialSpec], alreadyDone: Int, total: Int, worst: WorstTrace?) {
        queue = todo
        self.alreadyDone = alreadyDone
        self.total = total
        self.worst = worst
        if let w = worst { worstBadness = (w.crackles, w.verdict == "no-signal" ? 1 : 0, w.latencyMS ?? 0) }
    }

    func next() -> TrialSpec? {
        lock.lock(); defer { lock.unlock() }
        guard cursor < queue.count else { return nil }
        cursor += 1
        return queue[cursor - 1]
    }

    func wouldBeWorst(_ m: LoopMeasurement) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard let w = worstBadness else { return true }
        return WorstTrace.badness(m) >= w
    }

    func finish(_ r: TrialRecord, trace: WorstTrace?, audioSeconds a: Double) -> (Int, Int) {
        lock.lock(); defer { lock.unlock() }
        finished.append(r)
        audioSeconds += a
        if let trace, let m = r.measurement {
            let b = WorstTrace.badness(m)
            // Ties go to the earlier trial in grid order, so that parallel runs give the same report.
            if worstBadness == nil || b > worstBadness! || (b == worstBadness! && (r.pointIndex, r.repeatIndex) < (worst!.pointIndex, worst!.repeatIndex)) {
                worst = trace
                worstBadness = b
                worstChanged = true
            }
        }
        return (alreadyDone + finished.count, total)
    }

    func fail(_ e: LoopbenchError) {
        lock.lock(); defer { lock.unlock() }
        if fatal == nil { fatal = e }
    }
}
