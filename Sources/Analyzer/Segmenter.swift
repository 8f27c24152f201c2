// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// A stretch of the capture with one delay (plus the common drift).
struct Segment {
    /// Detrended delay: the delay is `level + drift · p` at reference position p.
    var level: Double
    var drift: Double
    /// Capture extent [captureStart, captureEnd).
    var captureStart: Int
    var captureEnd: Int
    /// Track points that belong here (indices into the point list).
    var points: [TrackPoint]
    /// Found between two tracked segments, shorter than a tracking window (its extent is exact).
    var short = false

    func delay(atRef p: Double) -> Double { level + drift * p }
    /// Reference position heard at capture frame t.
    func refPosition(atCapture t: Double) -> Double { (t - level) / (1 + drift) }
    func delay(atCapture t: Double) -> Double { t - refPosition(atCapture: t) }
}

/// Groups track points into segments of one delay and estimates the drift.
struct Segmenter {
    let points: [TrackPoint]

    struct Output {
        var segments: [Segment]
        var drift: Double
        var driftKnown: Bool
    }

    func segments() -> Output {
        let w = AnalyzerTuning.standard.trackingWindow
        // Points too uncertain to place a one-frame step are left out of the grouping.
        let strong = points.filter { $0.sigma < 0.12 }
        let usable = strong.count >= 2 ? strong : points

        // 1. Drift from consecutive pairs that show no step: weighted median of slopes.
        var slopes: [(Double, Double)] = []
        for k in 1..<max(1, usable.count) {
            let a = usable[k - 1], b = usable[k]
            let dp = b.pc - a.pc
            guard dp > 0, abs(b.d - a.d) < 3 else { continue }
            let s = (b.d - a.d) / dp
            let varS = (a.sigma * a.sigma + b.sigma * b.sigma) / (dp * dp)
            slopes.append((s, 1 / max(varS, 1e-18)))
        }
        var drift = weightedMedian(slopes) ?? 0
        if abs(drift) > 0.02 { drift = 0 }

        // 2. Runs of one detrended level.
        var runs: [[TrackPoint]] = []
        var levels: [Double] = []
        for pt in usable {
            let e = pt.d - drift * pt.pc
            if let lv = levels.last, abs(e - lv) < max(0.3, min(0.45, 5 * pt.sigma)) {
                runs[runs.count - 1].append(pt)
                let tail = runs[runs.count - 1].suffix(7).map { $0.d - drift * $0.pc }
                levels[levels.count - 1] = median(tail)
            } else {
                runs.append([pt])
                levels.append(e)
            }
        }
        // 2b. Short runs that match much worse than the rest are stray matches (an echo, a
        // similar stretch of the probe): leave them out.
        let typical = median(usable.map { abs($0.rho) })
        var r = 0
        while r < runs.count && runs.count > 1 {
            let mean = runs[r].map { abs($0.rho) }.reduce(0, +) / Double(runs[r].count)
            if runs[r].count <= 2 && mean < 0.8 * typical {
                runs.remove(at: r)
                levels.remove(at: r)
            } else {
                r += 1
            }
        }
        // 3. Windows straddling a small step give a level between their neighbours: drop them.
        var k = 1
        while k + 1 < runs.count {
            let lo = min(levels[k - 1], levels[k + 1]), hi = max(levels[k - 1], levels[k + 1])
            if (runs[k].count <= 2 && hi - lo >= 0.5 && hi - lo < 16 && levels[k] > lo - 1.5 && levels[k] < hi + 1.5)
                || (runs[k].count == 1 && hi - lo < 64 && levels[k] > lo - 32 && levels[k] < hi + 32) {
                runs.remove(at: k)
                levels.remove(at: k)
            } else {
                k += 1
            }
        }
        // 4. Merge neighbours whose levels agree.
        k = 1
        while k < runs.count {
            if abs(levels[k] - levels[k - 1]) < 0.5 {
                runs[k - 1] += runs[k]
                levels[k - 1] = median(runs[k - 1].map { $0.d - drift * $0.pc })
                runs.remove(at: k)
                levels.remove(at: k)
            } else {
                k += 1
            }
        }

        // 5. Joint fit: one slope, one intercept per run (weighted least squares).
        var sxy = 0.0, sxx = 0.0, nPairs = 0
        var spanRef = 0.0
        for run in runs where run.count >= 2 {
            let ws = run.map { 1 / ($0.sigma * $0.sigma) }
            let wsum = ws.reduce(0, +)
            let pm = zip(run, ws).map { $0.pc * $1 }.reduce(0, +) / wsum
            let dm = zip(run, ws).map { $0.d * $1 }.reduce(0, +) / wsum
            for (pt, wt) in zip(run, ws) {
                sxy += wt * (pt.pc - pm) * (pt.d - dm)
                sxx += wt * (pt.pc - pm) * (pt.pc - pm)
            }
            nPairs += run.count - 1
            spanRef += run.last!.pc - run.first!.pc
        }
        var driftKnown = false
        if sxx > 0, nPairs >= 2, spanRef >= Double(4 * w) {
            let fitted = sxy / sxx
            if abs(fitted - drift) < 0.001 || slopes.isEmpty { drift = fitted }
            driftKnown = true
        }
        var segs: [Segment] = []
        for run in runs {
            // Weighted mean of the detrended delays, over the points that agree with the
            // run's median (a window that straddles an edge can still sit in a run).
            let es = run.map { $0.d - drift * $0.pc }
            let med = median(es)
            var num = 0.0, den = 0.0
            for (pt, e) in zip(run, es) where abs(e - med) < max(0.05, 3 * pt.sigma) {
                num += e / (pt.sigma * pt.sigma)
                den += 1 / (pt.sigma * pt.sigma)
            }
            let level = den > 0 ? num / den : med
            segs.append(Segment(level: level, drift: drift, captureStart: run.first!.t, captureEnd: run.last!.t + w, points: run))
        }
        return Output(segments: segs, drift: drift, driftKnown: driftKnown)
    }
}

/// ``Stats/median(_:)``, with 0 for no values (the analyzer's noise and fit estimates treat
/// an empty list as no evidence).
@inline(__always) func median(_ xs: [Double]) -> Double { Stats.median(xs) ?? 0 }

func weightedMedian(_ xs: [(Double, Double)]) -> Double? {
    guard !xs.isEmpty else { return nil }
    let s = xs.sorted { $0.0 < $1.0 }
    let total = s.reduce(0) { $0 + $1.1 }
    var acc = 0.0
    for (v, wt) in s {
        acc += wt
        if acc >= total / 2 { return v }
    }
    return s.last!.0
}
