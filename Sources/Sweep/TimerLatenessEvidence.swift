// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// How late QEMU's audio timer really ran, read from real guests' traces.
///
/// QEMU 7.2's `audio_timer` (`audio/audio.c`) re-arms itself one period after the moment it
/// actually ran (`timer_last + period_ticks` with `timer_last = now`), so lateness does not
/// accumulate: the interval between two ticks is the period plus this tick's lateness L. When
/// the interval exceeds 1.5 periods it traces `audio_timer_delayed` with the interval in whole
/// milliseconds (truncated). Over a run of known length and period that gives the number of
/// ticks, and for every whole millisecond k the ticks with `period + L ≥ k` ms: the tail of
/// L's distribution, which is what the card model's `host.jitter` describes.
public struct TimerLatenessEvidence: Codable, Sendable, Equatable {
    /// One point of the tail: the fraction of ticks later than `lateMS`.
    public struct TailPoint: Codable, Sendable, Equatable {
        public var timerPeriodUS: Int
        public var lateMS: Double
        public var ticks: Int
        public var later: Int
        public var fraction: Double { ticks > 0 ? Double(later) / Double(ticks) : 0 }
        enum CodingKeys: String, CodingKey {
            case timerPeriodUS = "timer_period_us", lateMS = "late_ms", ticks, later
        }
    }

    public var runs: Int
    public var tail: [TailPoint]
    /// The card model's `host.jitter` (p99 of L, lognormal with median min(50 µs, p99/4)) that
    /// fits the tail best in log-probability, and the fit's rms error in natural-log units.
    public var fittedHostJitterUS: Int?
    public var fitRMSLog: Double?
    /// Ticks later than ``stallThresholdMS`` are main-loop stalls rather than jitter: how often
    /// they came (per second of audio, all runs together) and how long they lasted, as the model's
    /// `host.stalls` (`RATE/s:LENGTH`). A tick falls at a uniform place in a stall, so the stall
    /// is about its lateness plus half a period.
    public var stallsPerSecond: Double?
    public var stallLengthMS: Double?
    public var seconds: Double = 0

    /// Lateness that no lognormal body of a few ms explains.
    public static let stallThresholdMS = 10.0

    public var suggestedHostStalls: String? {
        guard let r = stallsPerSecond, let l = stallLengthMS, r > 0 else { return nil }
        return String(format: "%.2f/s:%.0fms", r, l)
    }

    enum CodingKeys: String, CodingKey {
        case runs, tail, seconds
        case fittedHostJitterUS = "fitted_host_jitter_us", fitRMSLog = "fit_rms_log"
        case stallsPerSecond = "stalls_per_second", stallLengthMS = "stall_length_ms"
    }

    /// Reads every real trial's trace. Only HDA runs count (their `hda_audio_running` events
    /// bound the window in which the timer ran).
    public static func from(_ measurements: [(timerPeriodUS: Int, qemu: QEMURun)]) -> TimerLatenessEvidence {
        var ticks: [Int: Int] = [:]
        var intervals: [Int: [Int]] = [:]
        var runs = 0
        var seconds = 0.0
        var stalls: [Double] = []
        for (tp, q) in measurements {
            let running = q.trace.filter { $0.name == "hda_audio_running" }
            guard let start = running.first(where: { $0.args.hasSuffix("run 1") })?.timeS,
                  let stop = running.last(where: { $0.args.hasSuffix("run 0") })?.timeS, stop > start else { continue }
            runs += 1
            seconds += stop - start
            ticks[tp, default: 0] += Int((stop - start) * 1e6 / Double(tp))
            for e in q.trace where e.name == "audio_timer_delayed" && e.timeS >= start && e.timeS <= stop {
                guard let ms = Int(e.args.split(separator: " ").dropFirst().first ?? "") else { continue }
                intervals[tp, default: []].append(ms)
                let late = Double(ms) - Double(tp) / 1000
                if late >= stallThresholdMS { stalls.append(late + Double(tp) / 2000) }
            }
        }
        var tail: [TailPoint] = []
        for tp in ticks.keys.sorted() {
            let n = ticks[tp]!, iv = intervals[tp] ?? []
            // Every delayed tick is later than half a period; a traced interval of k ms means period + L ≥ k ms.
            tail.append(TailPoint(timerPeriodUS: tp, lateMS: Double(tp) / 2000, ticks: n, later: iv.count))
            let tpMS = Double(tp) / 1000
            var k = Int((1.5 * tpMS).rounded(.down)) + 1
            while Double(k) - tpMS <= 50 {
                let c = iv.filter { $0 >= k }.count
                if c == 0 { break }
                if Double(k) - tpMS > Double(tp) / 2000 { tail.append(TailPoint(timerPeriodUS: tp, lateMS: Double(k) - tpMS, ticks: n, later: c)) }
                k += 1
            }
        }
        var e = TimerLatenessEvidence(runs: runs, tail: tail, fittedHostJitterUS: nil, fitRMSLog: nil)
        e.seconds = seconds
        if seconds > 0 {
            e.stallsPerSecond = (Double(stalls.count) / seconds * 100).rounded() / 100
            e.stallLengthMS = stalls.isEmpty ? nil : (stalls.reduce(0, +) / Double(stalls.count)).rounded()
        }
        (e.fittedHostJitterUS, e.fitRMSLog) = e.fit()
        return e
    }

    /// P(L > x) under the model's lognormal for `host.jitter` = `p99US`.
    public static func modelSurvival(lateMS x: Double, p99US: Double) -> Double {
        let p99 = p99US / 1000, median = min(0.05, p99 / 4)
        let sigma = log(p99 / median) / 2.3263
        return 0.5 * erfc(log(x / median) / sigma / 2.0.squareRoot())
    }

    /// The p99 in 50 µs steps from 100 µs to 20 ms that fits the points with at least 3 late
    /// ticks below the stall threshold (the lognormal body; stalls are counted apart).
    func fit() -> (Int?, Double?) {
        let pts = tail.filter { $0.later >= 3 && $0.lateMS < Self.stallThresholdMS }
        guard pts.count >= 2 else { return (nil, nil) }
        var best: (Int, Double)?
        for p99 in stride(from: 100, through: 20_000, by: 50) {
            let err = pts.map { p -> Double in
                let d = log(p.fraction) - log(max(1e-12, Self.modelSurvival(lateMS: p.lateMS, p99US: Double(p99))))
                return d * d
            }.reduce(0, +) / Double(pts.count)
            if best == nil || err < best!.1 { best = (p99, err) }
        }
        return (best!.0, best!.1.squareRoot())
    }

    /// The tail as a Markdown table, measured against the model at its current and fitted `host.jitter`.
    public func markdown(currentHostJitterUS: Int) -> String {
        var out = "\n## QEMU's audio timer lateness, from its own trace\n\n"
        out += "\(runs) real HDA runs. A tick is late by L when the interval to the previous one is the period plus L; QEMU traces `audio_timer_delayed` when L exceeds half a period.\n\n"
        let fitted = fittedHostJitterUS.map { "model at host.jitter=\($0)us (fitted)" } ?? "fitted"
        out += "| timer-period µs | L > ms | ticks | later | measured | model at host.jitter=\(currentHostJitterUS)us | \(fitted) |\n|---|---|---|---|---|---|---|\n"
        for p in tail where p.later >= 1 {
            let cur = Self.modelSurvival(lateMS: p.lateMS, p99US: Double(currentHostJitterUS))
            let fit = fittedHostJitterUS.map { String(format: "%.2g", Self.modelSurvival(lateMS: p.lateMS, p99US: Double($0))) } ?? "–"
            out += String(format: "| %d | %.1f | %d | %d | %.2g | %.2g | %@ |\n", p.timerPeriodUS, p.lateMS, p.ticks, p.later, p.fraction, cur, fit)
        }
        if let f = fittedHostJitterUS, let r = fitRMSLog {
            out += String(format: "\nBest fit of the model's lognormal to lateness below %.0f ms: host.jitter = %d µs (rms error %.2f in ln P over the points with at least 3 late ticks).", Self.stallThresholdMS, f, r)
        }
        if let st = suggestedHostStalls {
            out += String(format: " Ticks %.0f ms or more late, taken as main-loop stalls: host.stalls = %@ (%.0f s of audio).", Self.stallThresholdMS, st, seconds)
        }
        out += "\n"
        return out
    }
}
