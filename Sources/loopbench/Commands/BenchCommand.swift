// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import AudioFile
import ArgumentParser
import Measure
import CardModel
import DSP
import Foundation
import LoopbenchCore
import Loops
import Stimulus
import Soak
import Sweep
import Synth

/// Speed, measured against a baseline run in the same process (never a timed assertion).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: the analyzer against a plain FFT cross-correlation, the card model, the default sweep.")

    enum Suite: String, ExpressibleByArgument, CaseIterable { case analyze, model, sweep, qemu, corpus, rooms, shortrefs, fuzz, soak, live, accuracy, all }

    @Argument(help: "analyze | model | sweep | qemu (a real guest: where a trial's time goes) | corpus (accuracy on other tools' signals) | rooms (other tools' signals through two rooms at five drifts, clean and with a drop) | shortrefs (other tools' signals 1135-2600 frames long, clean and with one step) | fuzz (the fuzz test's random cases over ranges of seeds, scored against their truth) | accuracy (the analyzer on its own probe: the README's accuracy table) | soak (long periodic captures; slow) | live (a live soak on pulse and alsa: CPU and how soon events print; needs a sound server) | all (all but qemu, corpus, rooms, shortrefs, fuzz, soak and live)") var suite: Suite = .all
    @Flag(name: .long, help: "corpus, rooms, shortrefs: print every case, not only the table.") var cases = false
    @Option(name: .long, help: "corpus, rooms, shortrefs: only the cases whose name contains this text (with --cases, their segments too).") var only: String?
    @Option(name: .customLong("soak-minutes"), help: "With soak: lengths of the offline captures compared, in minutes.") var soakMinutes: [Double] = [10, 60]
    @Option(name: .customLong("sim-minutes"), help: "With soak: length of the card-model soak run as `loopbench soak --backend sim` runs it, in minutes (the issue's target is for an hour).") var simMinutes: Double = 60
    @Option(name: .customLong("analyze-minutes"), help: "With analyze: lengths of the long recordings analysed in a child process, in minutes.") var analyzeMinutes: [Double] = [10, 60]
    @Option(name: .long, help: "With fuzz: ranges of seeds, from:to (to not included), each scored on its own.") var seeds: [SeedRange] = [SeedRange(argument: "300:2500")!, SeedRange(argument: "2500:5000")!]
    @Option(name: .long, help: "Repetitions of each timed run (the median is reported).") var repeats: Int = 3
    @Option(name: .customLong("live-seconds"), help: "With live: seconds streamed on each backend.") var liveSeconds: Double = 60

    func run() throws {
        try reportingErrors {
            if suite == .analyze || suite == .all { try analyzeBench() }
            if suite == .model || suite == .all { try modelBench() }
            if suite == .sweep || suite == .all { try sweepBench() }
            if suite == .qemu { try qemuBench() }
            if suite == .corpus { try corpusBench() }
            if suite == .rooms { try roomsBench() }
            if suite == .shortrefs { try shortRefsBench() }
            if suite == .fuzz { try fuzzBench() }
            if suite == .soak { try soakBench() }
            if suite == .live { try liveBench() }
            if suite == .accuracy { try accuracyBench() }
        }
    }

    /// One real QEMU trial (HDA, the tuned point): its wall time against the audio it plays,
    /// split into QEMU start + firmware + kernel (guest uptime when the player-recorder starts),
    /// the audio itself (guest clock), power-off, and the analysis. Needs QEMU and a PulseAudio
    /// server (scripts/pulse-loopback).
    func qemuBench() throws {
        let settings = ["device": "hda", "timer-period": "2000", "out.latency": "20000", "in.latency": "20000",
                        "out.frequency": "48000", "in.frequency": "48000", "guest.period": "20000", "guest.buffer": "80000"]
        let loop = try Loops.make(backend: "qemu", settings: settings)
        var rows: [(wall: Double, qemu: Double, boot: Double, audio: Double, played: Double)] = []
        for _ in 0..<max(1, repeats) {
            let t0 = ProgressLine.now()
            let r = try RoundTrip.measure(loop: loop, spec: Stimulus.Spec())
            let wall = ProgressLine.now() - t0
            guard let q = r.measurement.qemu else { continue }
            rows.append((wall, q.wallSeconds, q.guestBootSeconds ?? .nan, q.guestAudioSeconds ?? .nan, Double(r.stimulus.frames) / Double(r.stimulus.sampleRate)))
        }
        guard !rows.isEmpty else { return }
        func med(_ k: KeyPath<(wall: Double, qemu: Double, boot: Double, audio: Double, played: Double), Double>) -> Double {
            let v = rows.map { $0[keyPath: k] }.sorted()
            return v[v.count / 2]
        }
        let wall = med(\.wall), qemu = med(\.qemu), boot = med(\.boot), audio = med(\.audio), played = med(\.played)
        print(String(format: "qemu: one real trial (HDA, %.1f s probe): %.1f s wall = %.1f× the audio it plays (median of %d)", played, wall, wall / played, rows.count))
        print(String(format: "  QEMU process %.1f s: start, firmware and guest kernel to the player-recorder %.1f s (guest clock), audio %.1f s (guest clock: prefill, probe, tail, mixer set-up), power-off and the rest %.1f s",
                     qemu, boot, audio, max(0, qemu - boot - audio)))
        print(String(format: "  outside QEMU (image check, disks, analysis): %.2f s", max(0, wall - qemu)))
    }

    func median(_ f: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            let t0 = ProgressLine.now()
            try f()
            times.append(ProgressLine.now() - t0)
        }
        return times.sorted()[times.count / 2]
    }

    /// `analyze` on a 60 s stereo 48 kHz capture holding a 2 s reference, against the plain
    /// FFT cross-correlation of both capture channels with the reference: in memory (the
    /// analyzer alone), and from the files as `loopbench analyze` reads them (``FileAnalysis``);
    /// then `loopbench analyze` itself on long recordings, in a child process (its peak RSS).
    func analyzeBench() throws {
        let ref = Stimulus.mono(Stimulus.Spec())
        let reference = AudioBuffer(sampleRate: 48000, mono: ref)
        let dir = NSTemporaryDirectory() + "loopbench-bench-analyze-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SoundFile.write(reference, to: dir + "/ref.wav")
        // First, while this process is small: a child started by posix_spawn reports the peak
        // RSS of its parent's memory too (Linux keeps the larger high-water mark across exec).
        try analyzeLongBench(reference: ref, dir: dir)
        var s = CaptureSynth(reference: ref, delay: 24_000.37)
        s.snrDB = 20
        s.tail = 60 * 48000 - ref.count - 24_001
        let left = s.make().capture
        s.seed = 2
        s.gain = 0.5
        let right = s.make().capture
        let capture = AudioBuffer(sampleRate: 48000, channels: [left, right])
        _ = Correlation.crossCorrelate(signal: left, template: ref, lags: 0...(left.count - 1))   // plan the FFT once
        let base = median {
            for ch in capture.channels { _ = Correlation.crossCorrelate(signal: ch, template: ref, lags: (-ref.count / 2)...(ch.count - ref.count / 4)) }
        }
        var m: LoopMeasurement?
        let full = try median { m = try Analyzer.analyze(reference: reference, capture: capture) }
        say(String(format: "analyze: 60 s stereo capture, 2 s reference, in memory: %.3f s (%.0f× real time); plain FFT cross-correlation of both channels: %.3f s; ratio %.2f",
                     full, 60 / full, base, full / base))
        if let m { say("  result: \(m.verdict.rawValue), latency \(m.latency.map { String(format: "%.3f", $0.samples) } ?? "none") samples (true 24000.37), \(m.events.count) events") }
        try SoundFile.write(capture, to: dir + "/cap.wav", format: .s16)
        let fromFiles = try median { m = try FileAnalysis.analyze(referencePath: dir + "/ref.wav", capturePath: dir + "/cap.wav", options: .init()) }
        say(String(format: "analyze: the same from files (s16), as loopbench analyze reads them: %.3f s (%.0f× real time); ratio to the correlation %.2f",
                     fromFiles, 60 / fromFiles, fromFiles / base))
        if let m { say("  result: \(m.verdict.rawValue), latency \(m.latency.map { String(format: "%.3f", $0.samples) } ?? "none") samples (true 24000.37), \(m.events.count) events") }
        analyzeCommandBench(dir: dir)
        let peer = scipyPeerTimes(reference: dir + "/ref.wav", capture: dir + "/cap.wav")
        if let why = peer.why { say("analyze: the scipy peer was not run: \(why)") }
        for t in peer.times {
            say(String(format: "analyze: the scipy peer (%@: read both files, scipy.signal.correlate fft per channel, arg-max; peaks %@): %.3f s; loopbench from files takes %.2f× that (the issue's target: at most 1/3)",
                       t.dtype, t.peaks.map(String.init).joined(separator: ", "), t.seconds, fromFiles / t.seconds))
        }
    }

    /// The card model alone, and a whole measurement (model + analysis), in audio seconds per wall second.
    func modelBench() throws {
        let seconds = 60.0
        var simulated = 0.0
        var walls: [Double] = []
        for _ in 0..<max(1, repeats) {
            // Only the simulation is timed (the probe is synthesised before the clock starts).
            let r = CardModelBenchmark.run(seconds: seconds)
            simulated = r.simulatedSeconds
            walls.append(r.wallSeconds)
        }
        let alone = walls.sorted()[walls.count / 2]
        // The same with 48 kHz mixing (no resampling on either side), the setting the default sweep uses.
        var walls48: [Double] = []
        var simulated48 = 0.0
        let s48 = try CardModelSettings(settings: ["out.frequency": "48000", "in.frequency": "48000"])
        for _ in 0..<max(1, repeats) {
            let r = CardModelBenchmark.run(seconds: seconds, settings: s48)
            simulated48 = r.simulatedSeconds
            walls48.append(r.wallSeconds)
        }
        let alone48 = walls48.sorted()[walls48.count / 2]
        let loop = try Loops.make(backend: "sim", settings: [:])
        var spec = Stimulus.Spec()
        spec.seconds = 10
        var audio = 0.0
        let withAnalysis = try median { audio = try RoundTrip.measure(loop: loop, spec: spec).loop.capture.duration }
        print(String(format: "card model (defaults, 44.1 kHz mixing): %.0f s simulated in %.3f s: %.0f× real time (one core); with the analysis: %.1f s of audio in %.3f s: %.0f× real time",
                     simulated, alone, simulated / alone, audio, withAnalysis, audio / withAnalysis))
        print(String(format: "card model (out/in.frequency=48000): %.0f s simulated in %.3f s: %.0f× real time (one core)",
                     simulated48, alone48, simulated48 / alone48))
    }

    /// The default sweep, analysis included, on all cores.
    func sweepBench() throws {
        let r = try SweepBenchmark.run()
        print(String(format: "default sweep: %d trials, %.0f s of audio in %.1f s on %d jobs: %.1f audio s per wall s",
                     r.trials, r.audioSeconds, r.wallSeconds, r.jobs, r.audioSecondsPerWallSecond))
    }

    /// One family's row of the corpus tables: the worst latency error over the cases that
    /// should measure, false events, events found, the cases that answered `no-signal`, and
    /// the worst drift error, with drift and without (a drift read on a path that has none:
    /// coloured paths bias it).
    struct CorpusRow {
        var cases = 0, clean = 0, worstClean = 0.0, worstAll = 0.0, noLatency = 0, within = 0, found = 0, expected = 0
        var falseEvents = 0, falseCases = 0, worstDrift = 0.0, worstStill = 0.0, driftsRead = 0, driftsOverconfident = 0, latenciesOverconfident = 0

        /// The latency error within which a case counts as measured in the rooms table: the
        /// issue's target for every clean case.
        static let withinSamples = 0.05
        /// A drift read counts as overconfident when it is off by more than this (ppm, the
        /// issue's target for drift)…
        static let driftTargetPPM = 0.5
        /// …and by more than this many times the uncertainty the measurement states with it
        /// (one standard uncertainty: were the errors Gaussian, one in twenty would lie past twice it).
        /// A latency counts as overconfident alike: off by more than ``withinSamples`` and by
        /// more than this many times its stated uncertainty (none stated counts as none).
        static let overconfidenceFactor = 2.0

        mutating func add(_ c: Corpus.Case, _ s: Corpus.Score, statedUncertaintyPPM: Double?, statedLatencyUncertainty: Double?) {
            cases += 1
            if let e = s.latencyError {
                worstAll = max(worstAll, e)
                if e > Self.withinSamples, e > Self.overconfidenceFactor * (statedLatencyUncertainty ?? 0) { latenciesOverconfident += 1 }
                if e <= Self.withinSamples { within += 1 }
                if c.damage == .none, c.path == .direct, c.quirk == .none, c.driftPPM == 0 { clean += 1; worstClean = max(worstClean, e) }
            } else { noLatency += 1 }
            found += s.found
            expected += s.expected
            falseEvents += s.falseEvents
            if s.falseEvents > 0 { falseCases += 1 }
            if let d = s.driftError {
                if c.driftPPM != 0 { worstDrift = max(worstDrift, d) } else { worstStill = max(worstStill, d) }
                driftsRead += 1
                if d > Self.driftTargetPPM, d > Self.overconfidenceFactor * (statedUncertaintyPPM ?? 0) { driftsOverconfident += 1 }
            }
        }
    }

    /// Every case of `cases` analysed and scored, a line each with `--cases`, and the rows by family.
    func scoredRows(_ all: [Corpus.Case]) throws -> (rows: [Corpus.Family: CorpusRow], count: Int, seconds: Double) {
        var rows: [Corpus.Family: CorpusRow] = [:]
        let t0 = ProgressLine.now()
        var count = 0
        for c in all where only.map({ c.name.contains($0) }) ?? true {
            let b = Corpus.build(c)
            let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.sampleRate, mono: b.reference), capture: AudioBuffer(sampleRate: c.sampleRate, mono: b.capture))
            let s = Corpus.score(m, c, b)
            rows[c.family, default: CorpusRow()].add(c, s, statedUncertaintyPPM: m.driftUncertaintyPPM, statedLatencyUncertainty: m.latencyUncertaintySamples)
            count += 1
            if cases {
                let lat = (s.latencyError.map { String(format: "%.4f", $0) } ?? "none") + (m.latencyUncertaintySamples.map { String(format: " (±%.4f)", $0) } ?? "")
                if only != nil { print("    truth \(b.truth); segments " + (m.segments ?? []).map { "\($0.captureStart)..<\($0.captureEnd) @\(String(format: "%.3f", $0.delaySamples))" }.joined(separator: ", ")) }
                print("  \(c.name) seed=\(c.seed): \(m.verdict.rawValue) err \(lat) found \(s.found)/\(s.expected) false \(s.falseEvents)\(s.driftError.map { String(format: " drift err %.2f ppm", $0) } ?? "")\(m.driftUncertaintyPPM.map { String(format: " (±%.2f)", $0) } ?? "") \(EventMatch.describe(m.events))\(m.reason.map { " (\(only == nil && $0.count > 60 ? $0.prefix(59) + "…" : $0))" } ?? "")")
            }
        }
        return (rows, count, ProgressLine.now() - t0)
    }

    /// Accuracy on other people's signals (``Corpus/standardCases()``), per family (``CorpusRow``).
    func corpusBench() throws {
        let (rows, count, seconds) = try scoredRows(Corpus.standardCases())
        print(String(format: "corpus: %d cases in %.1f s", count, seconds))
        printTable(rows, first: "worst latency error, clean (samples) | worst latency error, all | no latency | events found") { r in
            String(format: "%.4f | %.3f | %d | %d/%d", r.worstClean, r.worstAll, r.noLatency, r.found, r.expected)
        }
    }

    /// Other people's signals through rooms at drifts (``Corpus/roomCases()``), per family:
    /// how many read their latency within ``CorpusRow/withinSamples``, how many were refused.
    func roomsBench() throws {
        let (rows, count, seconds) = try scoredRows(Corpus.roomCases())
        print(String(format: "rooms: %d cases in %.1f s", count, seconds))
        let total = rows.values.reduce(into: CorpusRow()) { t, r in
            t.cases += r.cases; t.within += r.within; t.noLatency += r.noLatency; t.found += r.found; t.expected += r.expected
            t.falseEvents += r.falseEvents; t.falseCases += r.falseCases
            t.worstAll = max(t.worstAll, r.worstAll); t.worstDrift = max(t.worstDrift, r.worstDrift); t.worstStill = max(t.worstStill, r.worstStill)
            t.driftsRead += r.driftsRead; t.driftsOverconfident += r.driftsOverconfident; t.latenciesOverconfident += r.latenciesOverconfident
        }
        printTable(rows, total: total, first: "latency within \(CorpusRow.withinSamples) samples | worst latency error | no latency | drops found") { r in
            String(format: "%d | %.3f | %d | %d/%d", r.within, r.worstAll, r.noLatency, r.found, r.expected)
        }
    }

    /// A Markdown table of `rows` by family (and `total`, when given, as "all"): `first` names
    /// the columns `cells` prints, then the false events and the drift errors every table has.
    func printTable(_ rows: [Corpus.Family: CorpusRow], total: CorpusRow? = nil, first: String, cells: (CorpusRow) -> String) {
        print("| family | cases | \(first) | false events (cases) | worst drift error (ppm) | worst drift read without drift (ppm) | drifts read: overconfident | latencies overconfident |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        let named = Corpus.Family.allCases.compactMap { f in rows[f].map { (f.rawValue, $0) } } + (total.map { [("all", $0)] } ?? [])
        for (name, r) in named {
            print("| \(name) | \(r.cases) | \(cells(r)) | " + String(format: "%d (%d) | %.2f | %.2f | %d: %d | %d |", r.falseEvents, r.falseCases, r.worstDrift, r.worstStill, r.driftsRead, r.driftsOverconfident, r.latenciesOverconfident))
        }
    }

    /// Offline soak analysis of periodic stereo captures of each length in a child process (peak
    /// RSS, CPU time), and a 2-minute card-model soak against the model alone on the same chunks.
    func soakBench() throws {
        let dir = NSTemporaryDirectory() + "loopbench-soak-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exe = Self.executable
        let ref = dir + "/probe.wav"
        try SoundFile.write(AudioBuffer(sampleRate: 48000, mono: PeriodicProbe.frames(PeriodicProbe().probes(), periodFrames: 48000, start: 0, count: 8 * 48000)), to: ref)
        for minutes in soakMinutes {
            let cap = dir + "/capture-\(minutes).wav"
            try SoakBenchmark.writeCapture(minutes: minutes, to: cap)
            FileHandle.standardError.write(Data("soak bench: analysing \(minutes) min (\(cap))\n".utf8))
            let r = SoakBenchmark.measureChild(exe, ["soak", "--analyze", cap, "--reference", ref, "--out", dir + "/out", "--quiet"])
            say(String(format: "soak offline: %g min stereo 48 kHz periodic capture: peak RSS %.0f MB, %.1f s CPU (%.1f× real time on one core), %.1f s wall, exit %d",
                         minutes, r.peakRSSMB, r.cpuSeconds, minutes * 60 / r.cpuSeconds, r.wallSeconds, r.status))
            try? FileManager.default.removeItem(atPath: cap)
        }
        // As a live soak analyses (every window), then as `loopbench soak --backend sim` runs
        // (windows seen before answered from the memo) for the issue's hour.
        for (seconds, memo) in [(120.0, false), (simMinutes * 60, true)] {
            let sim = try SoakBenchmark.sim(seconds: seconds, memo: memo) { c throws(LoopbenchError) in try Loops.make(backend: "sim", settings: ["seed": String(1 + c)]) }
            say(String(format: "soak sim%@: %.0f s of card model soaked in %.1f CPU s (%.0f× real time on one core), %.1f s wall (%.0f×; chunks two at a time on %d cores); the model alone on the same chunks %.2f CPU s (%.0f×); the analysis %.1f%% of one core per second of audio, %d events",
                         memo ? String(format: " (memo: %d answers reused, %d computed)", sim.memoHits, sim.memoMisses) : " (every window analysed, as live)",
                         sim.audioSeconds, sim.soakCPU, sim.audioSeconds / sim.soakCPU, sim.soakWall, sim.audioSeconds / sim.soakWall,
                         ProcessInfo.processInfo.activeProcessorCount, sim.modelCPU, sim.audioSeconds / sim.modelCPU,
                         100 * (sim.soakCPU - sim.modelCPU) / sim.audioSeconds, sim.events))
        }
    }

    /// This executable's path, for the benchmarks run in a child process.
    static var executable: String {
        CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
    }

    /// A result line written at once (a long benchmark's partial results survive an interruption).
    func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
}
