// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import Loops
import LoopbenchCore
@testable import Soak
import Stimulus
import Synth
import Testing
import TestSupport

/// One run of a stream over a (planar) capture, fed in blocks.
struct StreamRun {
    var outcomes: [SoakStream.Outcome]
    var fastPeriods: Int
    var fastAttempts: Int
    /// For each outcome, the capture frames the stream had been given when it came out.
    var knownAt: [Int] = []
    var events: [SoakEvent] { outcomes.flatMap(\.events) }

    init(_ capture: [[Float]], fast: Bool, eager: Bool = false, block: Int = 48_000, runOffset: Int = 0, firstPeriod: Int = 0) {
        let probe = PeriodicProbe()
        let stream = SoakStream(probe: probe, probes: probe.probes(), runOffset: runOffset, firstPeriod: firstPeriod)
        stream.fastPath = fast
        stream.eager = eager
        var out: [SoakStream.Outcome] = []
        var i = 0
        let n = capture[0].count
        while i < n {
            let m = min(block, n - i)
            let got = stream.append(capture.map { Array($0[i..<(i + m)]) })
            out += got
            i += m
            knownAt += got.map { _ in i }
        }
        let last = stream.finish()
        out += last
        knownAt += last.map { _ in n }
        outcomes = out
        fastPeriods = stream.periodsFast
        fastAttempts = stream.fastAttempts
    }

    /// Event for event: kind, frame, size, place uncertainty and period (the detail's "%+.2f"
    /// of a separator step and the period's latency may differ in their last decimals).
    /// `tie`: a period not found is placed where its probe should be, the predicted latency
    /// rounded to a frame; at a latency of exactly x.5 frames (`SoakLossTests`' 700.5) the two
    /// paths' latencies, 1e-5 frames apart, round to neighbouring frames. Only those places
    /// may then differ, by one frame.
    static func sameEvents(_ a: [SoakEvent], _ b: [SoakEvent], tie: Bool = false) -> Bool {
        func key(_ e: SoakEvent) -> [String] { [e.kind, "\(e.sizeSamples)", "\(e.placeUncertaintySamples ?? -1)", "\(e.period)"] }
        guard a.map(key) == b.map(key) else { return false }
        let notFound: Set<String> = ["missing-period", "lost-sync", "stuck"]
        return zip(a, b).allSatisfy { x, y in x.runFrame == y.runFrame || (tie && notFound.contains(x.kind) && abs(x.runFrame - y.runFrame) == 1) }
    }

    /// The largest difference (frames) between two runs' latencies of the periods both found,
    /// after checking that both analysed the same periods with the same verdicts.
    static func compare(_ fast: StreamRun, _ full: StreamRun, _ what: String, tie: Bool = false) -> Double {
        #expect(sameEvents(fast.events, full.events, tie: tie), "\(what): fast \(SoakMatch.describe(fast.events)) against full \(SoakMatch.describe(full.events))")
        let a = fast.outcomes.map(\.point), b = full.outcomes.map(\.point)
        #expect(a.map(\.period) == b.map(\.period) && a.map(\.verdict) == b.map(\.verdict) && a.map(\.events) == b.map(\.events),
                "\(what): periods \(a.map { "\($0.period):\($0.verdict)" }) against \(b.map { "\($0.period):\($0.verdict)" })")
        var worst = 0.0
        for (p, q) in zip(a, b) {
            #expect((p.latencyMS == nil) == (q.latencyMS == nil), "\(what): period \(p.period) found by one path only")
            if let x = p.latencyMS, let y = q.latencyMS { worst = max(worst, abs(x - y) * 48) }
        }
        return worst
    }
}

@Suite("Soak: the clean-period fast path")
struct SoakFastPathTests {
    /// Clean periods' latencies from the fast path agree with the analyzer's to within this
    /// (frames) at 30 dB SNR: ~3× the largest difference measured on these captures (0.0017
    /// frames, with and without ±40 ppm of drift: `fastLatencyAgreesWithTheAnalyzerAndTheTruth`).
    static let analyzerAgreement = 0.005

    /// The fast path's limits come from the analyzer's (`Analyzer.clickScan`): each stricter than
    /// the analyzer's, and the values its tests and benchmarks were measured with.
    @Test("the fast path's click limits are the analyzer's, made stricter")
    func limitsAreTheAnalyzers() {
        let mine = CleanPeriod.scales, theirs = Analyzer.clickScan.scales
        #expect(mine.map(\.frames) == theirs.map(\.frames))
        #expect(zip(mine, theirs).allSatisfy { $0.ratio < $1.ratio })
        #expect(mine.map(\.ratio) == [36, 5, 2])
        #expect(CleanPeriod.block == Analyzer.clickScan.noiseBlock)
        #expect(CleanPeriod.peakFloor2 < Analyzer.clickScan.noiseFloorOfPeak * Analyzer.clickScan.noiseFloorOfPeak)
        #expect(CleanPeriod.signalFloor < Analyzer.clickScan.minFitRatio)
        #expect(CleanPeriod.interp.halfWidth == Analyzer.interpolator.halfWidth)
    }
    /// …and with the synthetic truth to within this (frames): ~3× the largest error measured
    /// (0.00083 frames; the analyzer's own is up to 0.0022 on the same periods).
    static let truthAgreement = 0.0025

    /// The injected-events capture of `SoakStreamTests`, the clean one, the 700.5-frame ones of
    /// `SoakLossTests` (a silent period, unrelated audio, a stuck loop) and the command-line
    /// test's 2222.25-frame capture: what two ways of analysing a stream are compared on.
    static func comparisonCaptures() -> [(name: String, capture: [Float])] {
        var captures: [(name: String, capture: [Float])] = []
        captures.append(("injected", PeriodicCapture(periods: 40, edits: { p in [
            .gap(at: 3 * p + 14_400, frames: 480), .drop(at: 7 * p + 24_000, frames: 100), .repeat(at: 12 * p + 9600, frames: 64),
            .replace(at: 18 * p + 19_200, gap: 1668, missing: 2150), .gap(at: 22 * p + 45_600, frames: 200),
            .drop(at: 27 * p + 45_600, frames: p), .drop(at: 31 * p + 44_000, frames: 3000),
        ] }, clicks: [35 * 48000 + 21_600 + 1234]).capture))
        captures.append(("clean", PeriodicCapture(periods: 12, edits: { _ in [] }).capture))
        captures.append(("cli", PeriodicCapture(periods: 20, delay: 2222.25, edits: { _ in [
            .gap(at: 4 * 48000 + 20_000, frames: 700), .drop(at: 11 * 48000 + 30_000, frames: 1500), .gap(at: 15 * 48000 + 45_000, frames: 96),
        ] }).capture))
        captures.append(("silent period", SoakLossTests.damaged(4) { _ in 0 }))
        var rng = SeededRandom(seed: 3)
        captures.append(("unrelated audio", SoakLossTests.damaged(6) { _ in Float(0.2 * rng.gaussian()) }))
        let clean = PeriodicCapture(periods: 10, delay: 700.5, edits: { _ in [] }).capture
        let ring = Array(clean[(3 * 48000 + 10_000)..<(3 * 48000 + 11_024)])
        captures.append(("stuck", SoakLossTests.damaged(4) { ring[$0 % 1024] }))
        return captures
    }

    /// On ``comparisonCaptures()``, the fast path on and off give the same events, frame for
    /// frame, and the same periods with the same verdicts.
    @Test func fastPathFindsExactlyTheEventsTheAnalyzerFinds() throws {
        let captures = Self.comparisonCaptures()
        var fastTotal = 0
        for (name, c) in captures {
            for block in [4800, 48_000] {
                let fast = StreamRun([c], fast: true, block: block), full = StreamRun([c], fast: false, block: block)
                #expect(full.fastPeriods == 0)
                fastTotal += fast.fastPeriods
                let tie = name == "silent period" || name == "unrelated audio" || name == "stuck"
                let worst = StreamRun.compare(fast, full, "\(name), block \(block)", tie: tie)
                #expect(worst <= Self.analyzerAgreement, "\(name), block \(block): latencies differ by up to \(worst) frames")
            }
        }
        // The comparison is not between two runs of the analyzer: most periods took the fast path.
        print("fast path: \(fastTotal) periods")
        #expect(fastTotal >= 100, "only \(fastTotal) periods took the fast path (126 when written)")
    }

    /// The card model with a main-loop stall per 5 s chunk (the chunks of `SimSoakTests`) and a
    /// 20 s run with stalls at random (Poisson, one per 4 s): the same events either way, and
    /// the model's injected stalls among them. (No card-model period takes the fast path yet:
    /// its 44.1 kHz linear resampler leaves a residual only ~12 dB below the probe, which the
    /// analyzer's colouring filter models and the fast path does not; this keeps it so.)
    @Test func cardModelSoaksWithStallsGiveTheSameEventsEitherWay() throws {
        let probe = PeriodicProbe()
        let probes = probe.probes()
        var fastTotal = 0, periods = 0, attempts = 0
        let runs: [(chunk: Int, seconds: Int, settings: [String: String])] =
            [0, 1, 2, 3, 4, 5, 10, 15].map { ($0, 5, SimSoakTests.settings.merging(["seed": String(1 + $0)]) { $1 }) }
            + [(0, 20, ["host.stalls": "0.25/s:40ms", "seed": "5"]), (0, 20, ["host.stalls": "0.25/s:20ms", "host.jitter": "2ms", "seed": "9"])]
        for r in runs {
            let loop = try Loops.make(backend: "sim", settings: r.settings)
            let mono = PeriodicProbe.frames(probes, periodFrames: 48000, start: r.chunk * 5 * 48000, count: r.seconds * 48000)
            let got = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: mono))
            let offset = r.chunk * 5 * 48000
            let fast = StreamRun(got.capture.channels, fast: true, runOffset: offset, firstPeriod: r.chunk * 5)
            let full = StreamRun(got.capture.channels, fast: false, runOffset: offset, firstPeriod: r.chunk * 5)
            let what = "sim \(r.settings) chunk \(r.chunk)"
            let worst = StreamRun.compare(fast, full, what)
            #expect(worst <= Self.analyzerAgreement, "\(what): latencies differ by up to \(worst) frames")
            fastTotal += fast.fastPeriods
            periods += fast.outcomes.count
            attempts += fast.fastAttempts
            // Refused three times in a row and found clean each time, the fast path is tried
            // again only at periods 32, 64, … or after a period with events (a refusal the
            // analyzer agreed with starts the count afresh): a 20 s run offers it at most three
            // periods per such start, plus period 0 of the retries.
            if r.seconds == 20 && fast.fastPeriods == 0 {
                let starts = 1 + full.outcomes.filter { $0.point.events > 0 }.count
                #expect(fast.fastAttempts <= SoakStream.fastGiveUp * starts + 1, "\(what): \(fast.fastAttempts) attempts, \(starts) starts")
                #expect(fast.fastAttempts < fast.outcomes.count / 2, "\(what): \(fast.fastAttempts) attempts in \(fast.outcomes.count) periods")
            }
            // The model's own log: every discontinuity it logged for a stall inside a probe is found.
            let truth = try #require(SoakRunner.truthEvents(got.truth, runOffset: offset, sampleRate: 48000))
            #expect(!truth.isEmpty, "\(what): the model logged nothing")
        }
        print("card model: \(fastTotal) of \(periods) periods took the fast path (\(attempts) offered)")
    }

    /// Clean captures at 30 dB SNR, without and with drift (±40 ppm) and at fractional delays:
    /// every period after the first takes the fast path, and its latency agrees with the
    /// analyzer's and with the truth.
    @Test func fastLatencyAgreesWithTheAnalyzerAndTheTruth() throws {
        let probe = PeriodicProbe()
        let reference = PeriodicProbe.frames(probe.probes(), periodFrames: 48000, start: 0, count: 16 * 48000)
        var worstAnalyzer = 0.0, worstTruth = 0.0, analyzerTruth = 0.0
        for (delay, ppm) in [(1234.37, 0.0), (3000.81, 0.0), (1500.5, 40.0), (2017.13, -40.0)] {
            var s = CaptureSynth(reference: reference, delay: delay)
            s.snrDB = 30
            s.driftPPM = ppm
            s.seed = 11
            let capture = s.make().capture
            let fast = StreamRun([capture], fast: true), full = StreamRun([capture], fast: false)
            let what = "delay \(delay), \(ppm) ppm"
            worstAnalyzer = max(worstAnalyzer, StreamRun.compare(fast, full, what))
            #expect(fast.events.isEmpty && full.events.isEmpty, "\(what): \(SoakMatch.describe(fast.events))")
            // All but the first (found by a search, analysed in full).
            #expect(fast.fastPeriods == 15, "\(what): \(fast.fastPeriods) of 16 periods took the fast path")
            for (o, a) in zip(fast.outcomes, full.outcomes) where o.fast {
                // The truth: probe k starts at delay + k·P·(1 + drift); the latency is read `pad`
                // (1920 frames) before it, on the same drifting line.
                let k = Double(o.point.period)
                let truth = delay + (k * 48000 - 1920) * (1 + ppm * 1e-6) + 1920 - k * 48000
                let lat = try #require(o.point.latencyMS) * 48
                worstTruth = max(worstTruth, abs(lat - truth))
                analyzerTruth = max(analyzerTruth, abs(try #require(a.point.latencyMS) * 48 - truth))
            }
        }
        print("fast path against the analyzer: \(worstAnalyzer) frames; against the truth: \(worstTruth) frames; the analyzer against the truth: \(analyzerTruth) frames")
        #expect(worstAnalyzer <= Self.analyzerAgreement)
        #expect(worstTruth <= Self.truthAgreement)
    }

    /// A single click (full scale, and one of 0.1: nine times the noise's σ), a 3-frame gap and
    /// a 5-frame drop inside probes: those periods go to the analyzer (not the fast
    /// path), the events are found exactly, and the clean periods around them stay fast.
    @Test func aPeriodWithAClickOrAShortGapIsNotTakenByTheFastPath() throws {
        let probe = PeriodicProbe()
        let p = 48000, delay = 1234.37
        var s = CaptureSynth(reference: PeriodicProbe.frames(probe.probes(), periodFrames: p, start: 0, count: 24 * p), delay: delay)
        s.snrDB = 30
        s.edits = [.gap(at: 9 * p + 20_000, frames: 3), .drop(at: 15 * p + 30_000, frames: 5)]
        s.clicks = [.init(frame: 5 * p + 10_000 + 1234, amplitude: 1.0), .init(frame: 19 * p + 30_000 + 1234, amplitude: 0.1)]
        let (capture, truth) = s.make()
        let run = StreamRun([capture], fast: true, block: 4800)
        let full = StreamRun([capture], fast: false, block: 4800)
        _ = StreamRun.compare(run, full, "clicks and gaps")
        let expected = SoakMatch.expected(truth, periodFrames: p)
        #expect(expected.count == 4)
        #expect(SoakMatch.mismatch(found: run.events, expected: expected, tolerance: 2) == nil,
                "\(SoakMatch.mismatch(found: run.events, expected: expected, tolerance: 2) ?? "")")
        let damaged: Set<Int> = [5, 9, 15, 19]
        for o in run.outcomes where damaged.contains(o.point.period) || o.point.events > 0 {
            #expect(!o.fast && o.point.verdict == "crackle", "period \(o.point.period): \(o.point.verdict), fast \(o.fast)")
        }
        // Every clean period took the fast path but the first (found by a search) and those
        // right after a damaged one.
        #expect(run.fastPeriods == 24 - 1 - 4 - 4, "\(run.fastPeriods) periods fast")
    }

    /// A digital loop (no noise at all: the separators are exact zeros, only the analyzer's
    /// floors stand for the noise) at half level, and an inverted one at 60 dB SNR, each with a
    /// 1-frame gap and a click of 0.05: the same events either way, the damaged periods sent to
    /// the analyzer, the clean ones fast. (On the noiseless loop a click of 0.02 is below the
    /// analyzer's floor, −34 dB of the local signal power: neither path reports it.)
    @Test func noiselessAndInvertedLoopsGiveTheSameEventsEitherWay() throws {
        let probe = PeriodicProbe()
        let p = 48000
        for (snr, gain, delay, click) in [(nil, Float(0.5), 777.25, Float(0.05)), (60.0, Float(-1), 1900.6, Float(0.05))] as [(Double?, Float, Double, Float)] {
            var s = CaptureSynth(reference: PeriodicProbe.frames(probe.probes(), periodFrames: p, start: 0, count: 16 * p), delay: delay)
            s.snrDB = snr
            s.gain = gain
            s.edits = [.gap(at: 9 * p + 30_000, frames: 1)]
            s.clicks = [.init(frame: 6 * p + 20_000 + Int(delay), amplitude: click)]
            let (capture, truth) = s.make()
            let what = "snr \(snr.map { "\($0)" } ?? "none"), gain \(gain)"
            let fast = StreamRun([capture], fast: true), full = StreamRun([capture], fast: false)
            let worst = StreamRun.compare(fast, full, what)
            #expect(worst <= Self.analyzerAgreement, "\(what): latencies differ by up to \(worst) frames")
            let expected = SoakMatch.expected(truth, periodFrames: p)
            #expect(SoakMatch.mismatch(found: fast.events, expected: expected, tolerance: 2) == nil,
                    "\(what): \(SoakMatch.mismatch(found: fast.events, expected: expected, tolerance: 2) ?? "")")
            for o in fast.outcomes where o.point.period == 6 || o.point.period == 9 { #expect(!o.fast, "\(what): period \(o.point.period) took the fast path") }
            // All but the first and the two damaged periods and the two after them.
            #expect(fast.fastPeriods == 16 - 1 - 2 - 2, "\(what): \(fast.fastPeriods) periods fast")
        }
    }

    /// Clicks from well below to well above the analyzer's single-frame threshold (6.5σ of the
    /// noise, σ ≈ 0.011 here at 30 dB), one every other period at a random place in the probe
    /// or in the separator's edge the window holds, on six captures: whichever the analyzer
    /// reports (some, not all: both are checked), the fast path reports too.
    @Test func clicksAroundTheAnalyzersThresholdGiveTheSameEventsEitherWay() throws {
        let probe = PeriodicProbe()
        let p = 48000
        var reported = 0, clicks = 0, refusedUnreported = 0
        for (seed, delay) in [(UInt64(21), 1234.37), (22, 2500.9), (23, 640.0), (24, 1811.5), (25, 3333.33), (26, 999.01)] {
            var s = CaptureSynth(reference: PeriodicProbe.frames(probe.probes(), periodFrames: p, start: 0, count: 20 * p), delay: delay)
            s.snrDB = 30
            s.seed = seed
            var rng = SeededRandom(seed: seed + 100)
            s.clicks = stride(from: 2, to: 20, by: 2).enumerated().map { i, k in
                // From 2σ to 11σ; places from 1500 frames before the probe to its end.
                let at = k * p + Int(delay) - 1500 + Int(rng.uniform() * Double(43_200 + 1500))
                return .init(frame: at, amplitude: Float(0.022 + 0.012 * Double(i)) * (rng.uniform() < 0.5 ? -1 : 1))
            }
            clicks += s.clicks.count
            let capture = s.make().capture
            let fast = StreamRun([capture], fast: true), full = StreamRun([capture], fast: false)
            _ = StreamRun.compare(fast, full, "seed \(seed)")
            reported += full.events.filter { $0.kind == "click" }.count
            // Clicked periods the analyzer found clean that the fast path still refused: its margin (or not offered: after a period with events).
            let clicked = Set(s.clicks.map { ($0.frame - Int(delay) + 1500) / p })
            refusedUnreported += fast.outcomes.filter { clicked.contains($0.point.period) && $0.point.events == 0 && !$0.fast }.count
            #expect(fast.fastPeriods >= 5, "seed \(seed): \(fast.fastPeriods) periods fast")
        }
        print("clicks around the threshold: \(reported) of \(clicks) reported by the analyzer; of the others, \(refusedUnreported) went to the analyzer all the same")
        #expect(reported > 0 && reported < clicks, "\(reported) of \(clicks): the clicks do not straddle the threshold")
    }
}
