// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import Foundation
import LoopbenchCore
import Stimulus
import Synth

/// `loopbench bench accuracy`: the README's accuracy table, measured on ``AccuracyCases`` (the
/// cases `Tests/AnalyzerTests` asserts on), so that the table is printed, never typed.
extension BenchCommand {
    func accuracyBench() throws {
        let probe = Stimulus.mono(Stimulus.Spec())
        func analyze(_ cap: [Float], _ ref: [Float] = probe) throws -> LoopMeasurement {
            try Analyzer.analyze(reference: AudioBuffer(sampleRate: 48000, mono: ref), capture: AudioBuffer(sampleRate: 48000, mono: cap))
        }
        let t0 = ProgressLine.now()
        var rows: [(String, String)] = []
        for snr in [40.0, 20, 0] {
            var errs: [Double] = [], stated: [Double?] = []
            var events = 0
            for s in AccuracyCases.fractionalDelays(reference: probe, snr: snr) {
                let m = try analyze(s.make().capture)
                errs.append(abs((m.latency?.samples ?? .infinity) - s.delay))
                stated.append(m.latencyUncertaintySamples)
                events += m.events.count
            }
            rows.append(("latency, 8 fractional delays at \(Int(snr)) dB", Self.errorText(errs) + Self.coverageText(errs, stated) + ", \(events) events"))
        }
        var spec20 = Stimulus.Spec()
        spec20.seconds = 20
        let ref20 = Stimulus.mono(spec20)
        var errs: [Double] = []
        var events = 0
        for s in AccuracyCases.tenMinutesClean(reference20s: ref20) {
            let m = try analyze(s.make().capture, ref20)
            errs.append(abs((m.latency?.samples ?? .infinity) - s.delay))
            events += m.events.count
        }
        rows.append(("10 minutes of clean captures at 20 dB (30 × 20 s)", Self.errorText(errs) + ", \(events) events"))
        rows.append(try driftRow(probe, analyze))
        rows.append(contentsOf: try discontinuityRows(probe, analyze))
        rows.append(try clickRow(probe, analyze))
        var ess = Stimulus.Spec(kind: .ess)
        ess.seconds = 2
        let quiet = try AccuracyCases.noSignal(otherSweep: Stimulus.mono(ess)).filter { c in
            let m = try analyze(c.capture)
            return m.verdict == .noSignal && m.latency == nil && m.events.isEmpty
        }
        rows.append(("silence, unrelated noise, an unrelated sweep, a muted capture", "\(quiet.count)/4 `no-signal`, latency null, no events"))
        print(String(format: "accuracy: the analyzer on its own probe, %.1f s", ProgressLine.now() - t0))
        print("| what | result |")
        print("| --- | --- |")
        for (what, result) in rows { print("| \(what) | \(result) |") }
    }

    /// ", stated ±0.0020–0.0031, every error within 0.8 of its own" (an error with no
    /// uncertainty stated counts as infinitely many of it).
    static func coverageText(_ errs: [Double], _ stated: [Double?]) -> String {
        let us = stated.compactMap { $0 }
        let worst = zip(errs, stated).map { e, u in u.map { e / $0 } ?? .infinity }.max() ?? .nan
        return String(format: ", stated ±%.4f–%.4f, every error within %.1f of its own", us.min() ?? .nan, us.max() ?? .nan, worst)
    }

    /// "worst 0.0021 samples (rms 0.0007)".
    static func errorText(_ errs: [Double]) -> String {
        let rms = (errs.map { $0 * $0 }.reduce(0, +) / Double(max(1, errs.count))).squareRoot()
        return String(format: "worst error %.4f samples (rms %.4f)", errs.max() ?? .nan, rms)
    }

    private func driftRow(_ probe: [Float], _ analyze: ([Float], [Float]) throws -> LoopMeasurement) throws -> (String, String) {
        var driftErr = 0.0, latErr = 0.0, events = 0
        for ppm in AccuracyCases.drifts {
            let s = AccuracyCases.drift(reference: probe, ppm: ppm)
            let m = try analyze(s.make().capture, probe)
            driftErr = max(driftErr, abs((m.driftPPM ?? .infinity) - ppm))
            latErr = max(latErr, abs((m.latency?.samples ?? .infinity) - s.delay))
            events += m.events.count
        }
        return ("drift ±100 / ±500 ppm, 2 s, 30 dB", String(format: "drift within %.3f ppm; latency at the start within %.4f samples; %d events", driftErr, latErr, events))
    }

    private func discontinuityRows(_ probe: [Float], _ analyze: ([Float], [Float]) throws -> LoopMeasurement) throws -> [(String, String)] {
        var rows: [(String, String)] = []
        for (snr, seed) in AccuracyCases.discontinuitySeeds {
            var exact = 0, stepOnly = 0, total = 0
            for kind in AccuracyCases.Discontinuity.allCases {
                for s in AccuracyCases.discontinuities(reference: probe, kind: kind, snr: snr, seed: seed) {
                    let (cap, truth) = s.make()
                    let m = try analyze(cap, probe)
                    total += 1
                    if EventMatch.mismatch(found: m.events, truth: truth) == nil { exact += 1; continue }
                    // The step alone: one event in place with the size, a gap and a repeat confused.
                    if m.events.count == 1, let e = m.events.first, let t = truth.first, abs(e.captureSample - t.captureSample) <= 48,
                       abs(e.sizeSamples - t.size) <= 1, Set([e.kind, t.kind]).isSubset(of: [.gap, .repeat]) { stepOnly += 1 }
                }
            }
            let sizes = AccuracyCases.discontinuitySizes
            rows.append(("gaps, drops, repeats of \(sizes.first!)–\(sizes.last!) frames at \(Int(snr)) dB",
                         "\(exact)/\(total) exact (kind, place within 1 ms, size)" + (stepOnly > 0 ? "; \(stepOnly) more with the step exact and gap/repeat confused" : "")))
        }
        return rows
    }

    private func clickRow(_ probe: [Float], _ analyze: ([Float], [Float]) throws -> LoopMeasurement) throws -> (String, String) {
        var exact = 0
        var errs: [Double] = []
        for seed in UInt64(1)...4 {
            let s = AccuracyCases.click(reference: probe, seed: seed)
            let (cap, truth) = s.make()
            let m = try analyze(cap, probe)
            if EventMatch.mismatch(found: m.events, truth: truth) == nil { exact += 1 }
            errs.append(abs((m.latency?.samples ?? .infinity) - s.delay))
        }
        return ("single-sample clicks at 10 dB (amplitude 2× the probe's peak)", "\(exact)/4 exact; latency " + Self.errorText(errs))
    }
}
