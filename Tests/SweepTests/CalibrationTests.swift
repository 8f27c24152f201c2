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
