// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Testing
@testable import Sweep

@Suite("Calibration")
struct CalibrationTests {
    /// QEMU re-arms its audio timer from the moment it ran, so every traced interval is the
    /// period plus that tick's lateness: 2 ms ticks for 2 s are 1000 ticks; intervals of
    /// 3, 3, 5 and 12 ms are 4 ticks later than 1 ms, 2 later than 3 ms, 1 later than 10 ms.
    @Test func timerLatenessTailFromTheTrace() {
        func ev(_ n: String, _ a: String, _ t: Double) -> QEMURun.TraceEvent { .init(name: n, args: a, timeS: t) }
        let trace = [ev("hda_audio_running", "st dac, nr 5, run 1", 0), ev("audio_timer_delayed", "interval 3 ms", 0.5),
                     ev("audio_timer_delayed", "interval 3 ms", 0.7), ev("audio_timer_delayed", "interval 5 ms", 1.0),
                     ev("audio_timer_delayed", "interval 12 ms", 1.5), ev("audio_timer_delayed", "interval 40 ms", 2.5),
                     ev("hda_audio_running", "st dac, nr 5, run 0", 2.0)]
        let run = QEMURun(version: "7.2.22", argv: [], commandLine: "", environment: [:], guest: .init(), trace: trace, wallSeconds: 10)
        let e = TimerLatenessEvidence.from([(2000, run)])
        #expect(e.runs == 1)
        let byLate = Dictionary(uniqueKeysWithValues: e.tail.map { ($0.lateMS, $0) })
        #expect(byLate[1.0]?.ticks == 1000 && byLate[1.0]?.later == 4)   // the 40 ms one is after the stream stopped
        #expect(byLate[3.0]?.later == 2)
        #expect(byLate[10.0]?.later == 1)
        #expect(byLate[11.0] == nil)
        // The 10 ms late tick is a stall: one in 2 s, about its lateness plus half a period long.
        #expect(e.suggestedHostStalls == "0.50/s:11ms")
        // The model's survival function is the lognormal's: half of the ticks later than the median, 1 % later than the p99.
        #expect(abs(TimerLatenessEvidence.modelSurvival(lateMS: 0.05, p99US: 2000) - 0.5) < 1e-9)
        #expect(abs(TimerLatenessEvidence.modelSurvival(lateMS: 2.0, p99US: 2000) - 0.01) < 1e-4)
    }

    /// A tail drawn from the model's own lognormal is fitted back to its p99.
    @Test func fitRecoversTheModelsJitter() {
        let tail = [0.5, 1.0, 2.0, 4.0, 8.0].map { x in
            TimerLatenessEvidence.TailPoint(timerPeriodUS: 1000, lateMS: x, ticks: 10_000_000,
                                            later: Int((TimerLatenessEvidence.modelSurvival(lateMS: x, p99US: 1500) * 1e7).rounded()))
        }
        let e = TimerLatenessEvidence(runs: 1, tail: tail, fittedHostJitterUS: nil, fitRMSLog: nil)
        let (fitted, rms) = e.fit()
        #expect(fitted == 1500)
        #expect((rms ?? 1) < 0.01)
    }
}

@Suite("Calibration table")
struct CalibrationTableTests {
    static func measurement(latencyMS: Double?, events: [Event] = []) -> LoopMeasurement {
        LoopMeasurement(source: nil, sampleRate: 48000, reference: .init(path: nil, frames: 96000, channels: 1, channelUsed: nil),
                        capture: .init(path: nil, frames: 130000, channels: 2, channelUsed: 0),
                        verdict: latencyMS == nil ? .noSignal : (events.isEmpty ? .clean : .crackle),
                        latency: latencyMS.map { .init(samples: $0 * 48, sampleRate: 48000, confidence: 100) },
                        driftPPM: 0, snrDB: 80, gainDB: 0, polarity: 1, segments: nil, events: events)
    }

    static func report(backend: String, _ points: [(String, [LoopMeasurement])]) -> SweepReport {
        let pts = points.enumerated().map { i, p in
            SweepReport.Point(index: i, coordinates: [i], settings: ["timer-period": p.0], summary: SweepAnalysis.summarize(trials: p.1, failures: [], repeats: p.1.count, maxCrackles: 0),
                              trials: p.1.enumerated().map { .init(measurement: $0.element, info: .init(id: "t\($0.offset)", repeatIndex: $0.offset, seed: 1, wallSeconds: 1)) },
                              failures: [])
        }
        return SweepReport(created: "x", host: .current(), backend: backend, axes: [Axis(key: "timer-period", values: points.map(\.0))], ties: [:], fixed: [:],
                           repeats: 3, seconds: 2, seed: 1, criteria: ["max_crackles_per_trial": 0],
                           run: .init(trialsTotal: 0, trialsDone: 0, trialsFailed: 0, interrupted: false, wallSeconds: 1, audioSeconds: 1),
                           points: pts, recommendation: nil, recommendationReason: nil, pareto: [], worstTrial: nil)
    }

    /// Points pair by their axis settings; a clean point agrees when the latency is within 5 ms;
    /// a verdict that differs is a miss, and so is a latency off by more than 5 ms.
    @Test func pointsPairAndMissesAreNamed() throws {
        let drop = Event(kind: .drop, captureSample: 1000, sizeSamples: 2048, sampleRate: 48000)
        let model = Self.report(backend: "sim", [("2000", [Self.measurement(latencyMS: 25.5)] ), ("5000", [Self.measurement(latencyMS: 20)]),
                                                 ("20000", [Self.measurement(latencyMS: 60, events: [drop])])])
        let real = Self.report(backend: "qemu", [("2000", [Self.measurement(latencyMS: 25.0), Self.measurement(latencyMS: 24.4)]),
                                                 ("5000", [Self.measurement(latencyMS: 27)]), ("20000", [Self.measurement(latencyMS: 64, events: [drop])])])
        let c = try CalibrationReport.compare(model: model, real: real)
        #expect(c.summary.points == 3 && c.summary.verdictAgreements == 3 && c.summary.cleanBoth == 2 && c.summary.latencyWithinTolerance == 1)
        #expect(c.rows[0].latencyDeltaMS == 0.8 && c.rows[0].latencyWithinTolerance == true)
        #expect(c.rows[1].latencyWithinTolerance == false && c.summary.misses == ["timer-period=5000: latency model 20.0 ms vs real 27.0 ms"])
        #expect(c.rows[2].real.largestEvent == "drop 2048" && c.rows[2].latencyWithinTolerance == nil)
        #expect(c.markdown().contains("| timer-period=20000 | crackle 1/1, 60.0 ms; 1 drop; largest drop 2048 |"))
        // A grid the model did not sweep is bad data, not a silent half table.
        let other = Self.report(backend: "qemu", [("1000", [Self.measurement(latencyMS: 12)])])
        #expect(throws: LoopbenchError.self) { try CalibrationReport.compare(model: model, real: other) }
    }
}
