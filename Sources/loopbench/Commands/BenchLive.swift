// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Loops
import Soak
import Stimulus

extension BenchCommand {
    /// A live soak on each streaming backend (PulseAudio, ALSA through its pulse plugin): one
    /// unbroken stream of `--live-seconds`, the writer stalled 100 ms every 5 s so that there
    /// are events to print. Reports the process's CPU time per second of audio (the whole soak:
    /// analysis, I/O threads, the machine sampler) and how long after its audio was captured
    /// each event was printed (`reported_after_s`). Needs a sound server (scripts/pulse-loopback).
    func liveBench() throws {
        for backend in ["pulse", "alsa"] {
            let settings = ["writer-stall": "2.7s:100ms:5s"]
            let probe = PeriodicProbe(periodSeconds: SoakRunner.streamPeriodSeconds)
            let cpu0 = SoakBenchmark.cpuNow(), t0 = ProgressLine.now()
            let r = try SoakRunner.run(makeLoop: { _ throws(LoopbenchError) in try Loops.make(backend: backend, settings: settings) },
                                       probe: probe, options: .init(durationSeconds: liveSeconds),
                                       shouldStop: { false }, onEvent: { _ in }, onStatus: { _ in })
            let cpu = SoakBenchmark.cpuNow() - cpu0, wall = ProgressLine.now() - t0
            if let f = r.failure { throw f }
            let after = r.report.soak.events.compactMap(\.reportedAfterS).sorted()
            let s = r.report.soak.summary
            say(String(format: "soak live %@: %.0f s streamed (%d of %d periods found), %.1f CPU s = %.1f%% of one core; %d events printed %@ after their audio was captured (median %@, max %@), %d xruns; load average %@",
                       backend, wall, s.periodsFound, s.periods, cpu, 100 * cpu / wall, after.count,
                       after.isEmpty ? "-" : String(format: "%.2f–%.2f s", after.first!, after.last!),
                       Stats.median(after).map { String(format: "%.2f s", $0) } ?? "-", after.last.map { String(format: "%.2f s", $0) } ?? "-",
                       s.backendXruns ?? -1, Self.loadAverage))
        }
    }

    /// The 1-minute load average, for the record (a shared machine slows everything).
    static var loadAverage: String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).map { String($0.split(separator: " ").first ?? "?") } ?? "?"
    }
}
