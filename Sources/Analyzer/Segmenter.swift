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
    /// Its level is the whole segment's correlation peak, not its windows' (they locked a
    /// period off: `RoundTripAnalysis.refineLockedLevels`).
    var refined = false
    /// Its level was fitted over its own frames once its steps were placed, its windows not
    /// placing it to half a frame (`Explainer.laterLevelsFromTheirFrames`): that fit's
    /// expected spread (frames, ``TrackPoint/spread(ref:from:to:rho:length:)``); nil otherwise.
    var fittedSigma: Double?

    func delay(atRef p: Double) -> Double { level + drift * p }
    /// The segment spanning the most capture frames (the first of equals), nil for none.
    static func longest(_ segments: [Segment]) -> Segment? {
        segments.max { ($0.captureEnd - $0.captureStart) < ($1.captureEnd - $1.captureStart) }
    }
    /// Reference position heard at capture frame t.
    func refPosition(atCapture t: Double) -> Double { (t - level) / (1 + drift) }
    func delay(atCapture t: Double) -> Double { t - refPosition(atCapture: t) }
}

/// Groups track points into segments of one delay and estimates the drift.
struct Segmenter {
    let points: [TrackPoint]
    /// The whole-signal correlation's peak, when it stands out; nil when unknown.
    var wholeSignal: WholeSignal? = nil

    /// The whole-signal correlation's peak lag, the reference's length and the stretch the
    /// points were tracked against (the drift already taken out of them).
    struct WholeSignal {
        var lag: Double
        var frames: Int
        var stretch: Double

        /// How far from the peak's lag (frames) a level may lie and still agree with it, as
        /// ``RoundTripAnalysis/segmentNear`` has it: ``AnalyzerTuning/globalAgreementFrames``
        /// plus what the whole drift (`drift` on top of the stretch) moves over the reference.
        func tolerance(drift: Double) -> Double {
            AnalyzerTuning.standard.globalAgreementFrames + (abs(stretch) + abs(drift)) * Double(frames)
        }
    }

    struct Output {
        var segments: [Segment]
        var drift: Double
        var driftKnown: Bool
        /// The drift's standard error from the joint fit, scaled by the fit's own scatter where
        /// that exceeds the windows' σ (infinite when unknown).
        var driftSE: Double = .infinity
        /// A drift the windows' slopes read but could not tell from none, taken as none for
        /// the segments (``Segmenter/unresolvedDrift(_:slopes:)``); 0 where there was none.
        var unresolvedDrift = 0.0
        /// No two windows without a step between them: no drift was read at all, and any up to
        /// ``AnalyzerTuning/unmeasuredDriftBound`` may be the truth.
        var driftUnmeasured = false

        /// Takes `other`'s segments and drift, measured against the same reference as these, and
        /// `totalDrift` with them (``adopt(drift:se:totalDrift:levels:)``'s total).
        mutating func replace(with other: Output, totalDrift: inout Double) {
            totalDrift = Self.total(totalDrift, from: drift, to: other.drift)
            self = other
        }

        /// The total drift `total`, taken with segment drift `to` where it was taken with `from`.
        static func total(_ total: Double, from: Double, to: Double) -> Double {
            (1 + total) * (1 + to) / (1 + from) - 1
        }

        /// Takes `d` (standard error `se`), measured against the same reference as the
        /// segments, as their drift, and `totalDrift` with it. Each segment's level is taken
        /// again from its windows with the new drift, or is `levels[k]` when given (the same
        /// segments measured against a better reference, one level each, in order); a refined
        /// one (its windows locked a period off) keeps its delay at its middle, where its
        /// whole-segment correlation put it.
        mutating func adopt(drift d: Double, se: Double, totalDrift: inout Double, levels: [Double]? = nil) {
            totalDrift = Self.total(totalDrift, from: drift, to: d)
            (drift, driftSE, unresolvedDrift, driftUnmeasured) = (d, se, 0, false)
            for k in segments.indices {
                let s = segments[k]
                if s.refined {
                    let mid = s.refPosition(atCapture: Double(s.captureStart + s.captureEnd) / 2)
                    segments[k].level = s.delay(atRef: mid) - d * mid
                } else {
                    segments[k].level = levels?[k] ?? Segmenter.level(of: s.points, drift: d)
                }
                segments[k].drift = d
            }
        }
    }

    let tuning = AnalyzerTuning.standard

    func segments() -> Output {
        // Points too uncertain to place a one-frame step are left out of the grouping.
        // So are windows that cannot tell delays apart: steps are declared only from windows
        // that can, and the ambiguous ones between them inherit their delay.
        let strong = points.filter { $0.sigma < tuning.maxSigmaForGrouping && !$0.ambiguous }
        // (Where nearly every window is ambiguous, as through a path the model cannot follow,
        // the precise ones still group: the old rule.)
        let precise = points.filter { $0.sigma < tuning.maxSigmaForGrouping }
        let usable = strong.count >= 2 ? strong : precise.count >= 2 ? precise : points
        let (pairwise, slopes) = pairwiseDrift(usable)
        var drift = pairwise
        var (runs, levels) = runsOfOneLevel(usable, drift: drift)
        dropStrayRuns(&runs, &levels, usable: usable)
        dropWanders(&runs, &levels)
        dropStraddlingWindows(&runs, &levels)
        dropLoneWindows(&runs, &levels)
        dropContradictedEdgeWindows(&runs, &levels, usable: usable, drift: drift)
        dropRampEdgeWindows(&runs, &levels, usable: usable, drift: drift)
        dropSwingEdgeWindows(&runs, &levels, usable: usable, drift: drift)
        mergeAgreeingRuns(&runs, &levels, drift: drift)
        let fit = jointDriftFit(runs, drift: &drift, hadSlopes: !slopes.isEmpty)
        var (driftKnown, driftSE) = (fit.known, fit.se)
        let unresolved = driftKnown ? 0 : unresolvedDrift(drift, slopes: slopes)
        if unresolved != 0 { drift = 0 }
        if usable.count < points.count {
            let used = Set(usable.map(\.t))
            let weak = points.filter { !used.contains($0.t) }
            if driftKnown, let better = driftWithInheritingWindows(runs, weak: weak, drift: drift, se: driftSE) {
                (drift, driftSE) = better
            }
            addConsistentWeakRuns(&runs, &levels, weak: weak, drift: drift)
        }
        return Output(segments: runs.map { segment($0, drift: drift) }, drift: drift, driftKnown: driftKnown, driftSE: driftSE, unresolvedDrift: unresolved,
                      driftUnmeasured: !driftKnown && slopes.isEmpty)
    }

    /// 5a. A drift the joint fit could not measure (``jointDriftFit(_:drift:hadSlopes:)``: too
    /// few windows, or too short a span) is only the slopes of a pair or two. Where it lies
    /// within ``AnalyzerTuning/unresolvedDriftSigmas`` standard errors of none (the slopes'
    /// combined, from the windows' σ) it is no measurement of a drift: the segments are taken
    /// at none, and the value comes back (nonzero) for the latency's uncertainty to allow for.
    /// Applied, a pair of a 2600-frame log sweep's windows, one of them its first 20–100 Hz
    /// (σ 1 frame), read −146 ppm at a standard error of 976 where the capture had none, and
    /// carried the level back along it 0.20 samples late; two clean 1800-frame sweeps read
    /// 0.08 early and a 2600-frame one at 8 kHz with a repeat 0.10 late. 0 where the drift
    /// stands out of its error, or there is none.
    func unresolvedDrift(_ drift: Double, slopes: [(Double, Double)]) -> Double {
        let weight = slopes.map(\.1).reduce(0, +)
        guard drift != 0, weight > 0, abs(drift) < tuning.unresolvedDriftSigmas / weight.squareRoot() else { return 0 }
        return drift
    }

    /// 1. Drift from consecutive pairs that show no step: the weighted median of their slopes
    /// (and the slopes, weighted by their precision).
    func pairwiseDrift(_ usable: [TrackPoint]) -> (Double, [(Double, Double)]) {
        var slopes: [(Double, Double)] = []
        for k in 1..<max(1, usable.count) {
            let a = usable[k - 1], b = usable[k]
            let dp = b.pc - a.pc
            guard dp > 0, abs(b.d - a.d) < tuning.driftPairMaxStep else { continue }
            let s = (b.d - a.d) / dp
            let varS = (a.sigma * a.sigma + b.sigma * b.sigma) / (dp * dp)
            slopes.append((s, 1 / max(varS, 1e-18)))
        }
        var drift = weightedMedian(slopes) ?? 0
        // The weights trust the sharpest windows most; on a drifting sweep those are the top
        // octave's, whose matches a stretched chirp pulls off the true delay. When they
        // disagree with the plain median of all pairs, the majority is believed.
        let plain = median(slopes.map(\.0))
        if abs(plain - drift) > tuning.driftMedianDisagreement { drift = plain }
        if abs(drift) > tuning.maxDrift { drift = 0 }
        return (drift, slopes)
    }

    /// How far a window's detrended delay may lie from a run's level and continue it:
    /// ``AnalyzerTuning/runToleranceSigmas`` of its σ, within the tuning's bounds.
    func runTolerance(_ pt: TrackPoint) -> Double {
        max(tuning.runToleranceMin, min(tuning.runToleranceMax, tuning.runToleranceSigmas * pt.sigma))
    }

    /// 2. Runs of consecutive windows at one detrended level, and each run's level.
    func runsOfOneLevel(_ usable: [TrackPoint], drift: Double) -> ([[TrackPoint]], [Double]) {
        var runs: [[TrackPoint]] = []
        var levels: [Double] = []
        for pt in usable {
            let e = pt.d - drift * pt.pc
            if let lv = levels.last, abs(e - lv) < runTolerance(pt) {
                runs[runs.count - 1].append(pt)
                let tail = runs[runs.count - 1].suffix(tuning.runLevelWindows).map { $0.d - drift * $0.pc }
                levels[levels.count - 1] = median(tail)
            } else {
                runs.append([pt])
                levels.append(e)
            }
        }
        return (runs, levels)
    }

    /// 2b. Short runs that match much worse than the rest are stray matches (an echo, a
    /// similar stretch of the probe): leave them out. The rest is the windows outside the
    /// run that tell delays apart (the median of all where there are none): with few
    /// windows a stray one pulls the median of all toward itself. A 2600-frame
    /// noise with pauses at 22.05 kHz, clean, holds two windows: the one before its first
    /// burst, holding the band-limited burst's faint pre-ringing, matched the burst's fade-in
    /// at 0.67 against the other's 0.99, passed against the median of both (0.8 × 0.83), and
    /// read a 349-frame repeat with the latency 349 samples early.
    func dropStrayRuns(_ runs: inout [[TrackPoint]], _ levels: inout [Double], usable: [TrackPoint]) {
        var r = 0
        while r < runs.count && runs.count > 1 {
            if runs[r].count <= tuning.strayRunMaxWindows && Self.meanRho(runs[r]) < tuning.strayRunRhoRatio * typicalRho(outside: runs[r], of: usable) {
                runs.remove(at: r)
                levels.remove(at: r)
            } else {
                r += 1
            }
        }
    }

    /// The median |ρ| of the windows of `usable` outside `run` that tell delays apart (of all
    /// of `usable` where there are none).
    func typicalRho(outside run: [TrackPoint], of usable: [TrackPoint]) -> Double {
        let own = Set(run.map(\.t))
        let others = usable.filter { !own.contains($0.t) && !$0.ambiguous }.map { abs($0.rho) }
        return others.isEmpty ? median(usable.map { abs($0.rho) }) : median(others)
    }

    /// The mean |ρ| of a run's windows.
    static func meanRho(_ run: [TrackPoint]) -> Double { run.map { abs($0.rho) }.reduce(0, +) / Double(max(1, run.count)) }

    /// Removes each run between two others for which `drop(runs, levels, k)` holds, judged
    /// against the neighbours it has at that moment (a removed run's place is taken by the next).
    func dropInteriorRuns(_ runs: inout [[TrackPoint]], _ levels: inout [Double], where drop: ([[TrackPoint]], [Double], Int) -> Bool) {
        var k = 1
        while k + 1 < runs.count {
            if drop(runs, levels, k) {
                runs.remove(at: k)
                levels.remove(at: k)
            } else {
                k += 1
            }
        }
    }

    /// 3. Windows straddling a small step give a level between their neighbours: drop them.
    func dropStraddlingWindows(_ runs: inout [[TrackPoint]], _ levels: inout [Double]) {
        dropInteriorRuns(&runs, &levels) { runs, levels, k in
            let lo = min(levels[k - 1], levels[k + 1]), hi = max(levels[k - 1], levels[k + 1])
            return (runs[k].count <= tuning.straddleMaxWindows && hi - lo >= tuning.straddleStepMin && hi - lo < tuning.straddleStepMax
                    && levels[k] > lo - tuning.straddleSlack && levels[k] < hi + tuning.straddleSlack)
                || (runs[k].count == 1 && hi - lo < tuning.straddleSingleStepMax
                    && levels[k] > lo - tuning.straddleSingleSlack && levels[k] < hi + tuning.straddleSingleSlack)
        }
    }

    /// 3b. One window at a delay far from its neighbours' (beyond ``AnalyzerTuning/straddleSingleStepMax``),
    /// which agree with each other (within ``AnalyzerTuning/straddleSlack``), and matched more
    /// loosely than either neighbour run: a stray match, not a step there and back within a
    /// window (through a 2 kHz low-pass, pink noise's last window before a pause matched 141
    /// frames off at ρ 0.78 between runs at 0.84, and read as a false 70-frame drop).
    func dropLoneWindows(_ runs: inout [[TrackPoint]], _ levels: inout [Double]) {
        dropInteriorRuns(&runs, &levels) { runs, levels, k in
            runs[k].count == 1 && abs(levels[k - 1] - levels[k + 1]) <= tuning.straddleSlack
                && abs(levels[k] - levels[k - 1]) > tuning.straddleSingleStepMax
                && Self.meanRho(runs[k]) < min(Self.meanRho(runs[k - 1]), Self.meanRho(runs[k + 1]))
        }
    }

    /// 3c. A run of one window at either end, a step of under
    /// ``AnalyzerTuning/loneEdgeStepMax`` frames from the run beside it, where the window just
    /// outside it (one left out of the grouping as too imprecise, and not ambiguous) lies on
    /// that run's level and not on its own (each within the tolerance a run is continued
    /// by, ``runsOfOneLevel(_:drift:)``): the step rests on one window that its own neighbour
    /// contradicts, the tail of a wander, not a segment. A log sweep behind the low-pass under
    /// mains hum at −822 ppm (the fuzz test's case 204) wandered ±10 frames through its lowest
    /// octaves at a stated σ of 0.2–0.5; of the wander's last windows one passed the grouping
    /// at σ 0.119, 0.93 frames from the segment after it, with the window before it 0.30 from
    /// that segment and 1.23 from it: a false 1-frame drop, the latency 0.89 samples late at a
    /// stated ±0.12.
    func dropContradictedEdgeWindows(_ runs: inout [[TrackPoint]], _ levels: inout [Double], usable: [TrackPoint], drift: Double) {
        dropLoneEdgeRuns(&runs, &levels, usable: usable) { levels, k, n, _, out in
            let e = out.d - drift * out.pc
            return abs(e - levels[n]) < runTolerance(out) && abs(e - levels[k]) >= runTolerance(out)
        }
    }

    /// 2c. A delay that wanders a few frames from window to window, through several short
    /// runs in a row, is the path's doing (a resonance biasing a sweep's narrowband windows as
    /// the sweep passes it), not a chain of discontinuities, each of which would leave the
    /// delay flat on both sides: drop those runs, and their windows inherit their neighbours'
    /// delay. (Every run a wander: kept, for the checks after segmentation to judge.)
    func dropWanders(_ runs: inout [[TrackPoint]], _ levels: inout [Double]) {
        var k = 0
        while k < runs.count {
            var end = k
            while end < runs.count, runs[end].count <= tuning.wanderMaxWindows,
                  end == k || abs(levels[end] - levels[end - 1]) <= tuning.wanderMaxStep { end += 1 }
            if end - k >= tuning.wanderMinRuns, end - k < runs.count {
                // The wander's tail joins the run beyond it (its level stays that run's).
                if isWanderTail(runs, levels, end, beyond: end + 1) {
                    runs[end + 1] = runs[end] + runs[end + 1]
                    runs.remove(at: end)
                    levels.remove(at: end)
                }
                if isWanderTail(runs, levels, k - 1, beyond: k - 2) {
                    runs[k - 2] += runs[k - 1]
                    runs.remove(at: k - 1)
                    levels.remove(at: k - 1)
                    k -= 1
                    end -= 1
                }
                runs.removeSubrange(k..<end)
                levels.removeSubrange(k..<end)
            } else {
                k = max(k + 1, end)
            }
        }
    }

    /// Whether run `r`, next to a wander, is its tail: short, and close to the longer run
    /// `beyond` it on the other side (``AnalyzerTuning/wanderTailMaxWindows``).
    func isWanderTail(_ runs: [[TrackPoint]], _ levels: [Double], _ r: Int, beyond b: Int) -> Bool {
        guard runs.indices.contains(r), runs.indices.contains(b) else { return false }
        return runs[r].count <= tuning.wanderTailMaxWindows && runs[b].count > runs[r].count
            && abs(levels[r] - levels[b]) <= tuning.wanderTailMaxStep
    }

    /// 3d. A run of one window at either end, a step of under ``AnalyzerTuning/loneEdgeStepMax``
    /// frames from the run beside it, where the delay runs on the same way on both sides of
    /// it: the window just outside it (left out of the grouping as too imprecise, and not
    /// ambiguous) lies beyond it, away from the run beside it, and that run's window nearest
    /// it lies off the run's level toward it (each by more than the tolerance a run is
    /// continued by, ``runTolerance(_:)``). A ramp through three windows is the path's delay
    /// easing through a resonance; a step leaves the delay flat on the far side. A 20 Hz log
    /// sweep behind the resonant high-pass at 48 kHz (fuzz case 937) eased 204.27 → 203.34 →
    /// 202.79 → 202.58 → … → 202.33 frames: the lone 203.34 read as a false 1-frame drop, and
    /// the latency, tied to the later level across it, a whole sample late at ±0.009.
    func dropRampEdgeWindows(_ runs: inout [[TrackPoint]], _ levels: inout [Double], usable: [TrackPoint], drift: Double) {
        dropLoneEdgeRuns(&runs, &levels, usable: usable) { levels, k, n, inner, out in
            let side = levels[k] > levels[n] ? 1.0 : -1.0
            return side * (out.d - drift * out.pc - levels[k]) > runTolerance(out) && side * (inner.d - drift * inner.pc - levels[n]) > runTolerance(inner)
        }
    }

    /// 3e. A run of one window at either end, a step of under ``AnalyzerTuning/loneEdgeStepMax``
    /// frames from the run beside it, where the window just outside it (left out of the
    /// grouping as too imprecise, and not ambiguous) lies beyond that run's level on the far
    /// side, by more than the tolerance a run is continued by (``runTolerance(_:)``): the
    /// delay swings across the level, where a step would leave it on the lone window's side.
    /// The windows' σ understate how a low band's noise moves them: a log sweep from 20 Hz
    /// under a pink floor at 22.05 kHz (fuzz case 3865, no damage) read its first windows
    /// −2.02, +0.78, −0.70, +0.17, −0.25 frames from the delay at σ 0.20–0.06; the −0.70 passed
    /// the grouping at σ 0.115 and made a first segment: a false 1-frame repeat, and the
    /// latency 0.52 samples early at a stated ±0.18. Only a step the explainer would report
    /// (``AnalyzerTuning/swingEdgeMinStep``): a smaller one is merged there, and the lone
    /// window still places the segment's start.
    func dropSwingEdgeWindows(_ runs: inout [[TrackPoint]], _ levels: inout [Double], usable: [TrackPoint], drift: Double) {
        dropLoneEdgeRuns(&runs, &levels, usable: usable) { levels, k, n, _, out in
            let side = levels[k] > levels[n] ? 1.0 : -1.0
            return abs(levels[k] - levels[n]) >= tuning.swingEdgeMinStep && side * (out.d - drift * out.pc - levels[n]) < -runTolerance(out)
        }
    }

    /// Drops a run of one window at either end, under ``AnalyzerTuning/loneEdgeStepMax`` frames
    /// from run `n` beside it, where `drop(levels, k, n, inner, out)` holds: `inner` is run
    /// `n`'s window nearest it, `out` the window just outside it, which the grouping left out
    /// (imprecise, not ambiguous); kept where there is no such window.
    func dropLoneEdgeRuns(_ runs: inout [[TrackPoint]], _ levels: inout [Double], usable: [TrackPoint],
                          where drop: (_ levels: [Double], _ k: Int, _ n: Int, _ inner: TrackPoint, _ out: TrackPoint) -> Bool) {
        let used = Set(usable.map(\.t))
        func lone(_ k: Int, beside n: Int, inner: TrackPoint?, outer: (TrackPoint) -> Bool, nearest: ([TrackPoint]) -> TrackPoint?) -> Bool {
            guard runs.count > 1, runs[k].count == 1, abs(levels[k] - levels[n]) < tuning.loneEdgeStepMax, let inner,
                  let out = nearest(points.filter(outer)), !used.contains(out.t), !out.ambiguous, out.sigma.isFinite else { return false }
            return drop(levels, k, n, inner, out)
        }
        if runs.count > 1, let first = runs.first?.first,
           lone(0, beside: 1, inner: runs[1].first, outer: { $0.t < first.t }, nearest: { $0.max { $0.t < $1.t } }) {
            runs.removeFirst()
            levels.removeFirst()
        }
        if runs.count > 1, let last = runs.last?.first,
           lone(runs.count - 1, beside: runs.count - 2, inner: runs[runs.count - 2].last, outer: { $0.t > last.t }, nearest: { $0.min { $0.t < $1.t } }) {
            runs.removeLast()
            levels.removeLast()
        }
    }

    /// 4. Merge neighbours whose levels agree.
    func mergeAgreeingRuns(_ runs: inout [[TrackPoint]], _ levels: inout [Double], drift: Double) {
        var k = 1
        while k < runs.count {
            if abs(levels[k] - levels[k - 1]) < tuning.sameLevel {
                runs[k - 1] += runs[k]
                levels[k - 1] = median(runs[k - 1].map { $0.d - drift * $0.pc })
                runs.remove(at: k)
                levels.remove(at: k)
            } else {
                k += 1
            }
        }
    }

    /// 4b. The windows left out (imprecise or ambiguous) inherit their neighbours' delay,
    /// unless several in a row agree on a delay clearly apart from both neighbours': a
    /// sweep's lowest octaves before a drop there are imprecise (±0.5 frame) but all at one
    /// delay, 480 frames from the next segment's. Such a run is a segment of its own;
    /// windows locked one period off wander from window to window and make none. Every such
    /// run between two segments counts, not only the longest: through tanh clipping a linear
    /// sweep's windows are ambiguous from 2.4 kHz up, so one stretch held the 65 windows
    /// before a drop in its top part (at the segment's delay: they inherit it) and the 22
    /// after it, 486 frames apart, which were left unheard (`no-signal`).
    func addConsistentWeakRuns(_ runs: inout [[TrackPoint]], _ levels: inout [Double], weak: [TrackPoint], drift: Double) {
        let typical = median(runs.flatMap { $0 }.map { abs($0.rho) })
        var inserts: [(index: Int, run: [TrackPoint], level: Double)] = []
        for g in 0...runs.count {
            let tLo = g == 0 ? Int.min : runs[g - 1].last!.t
            let tHi = g == runs.count ? Int.max : runs[g].first!.t
            let stretch = weak.filter { $0.t > tLo && $0.t < tHi }
            let neighbours = [g > 0 ? levels[g - 1] : nil, g < runs.count ? levels[g] : nil].compactMap { $0 }
            var found: [(run: [TrackPoint], level: Double)] = []
            for run in consistentRuns(stretch, drift: drift) {
                // …and match as well as the windows that make the other segments (not noise
                // before the reference arrives that happens to resemble its slow start).
                let lv = Segmenter.level(of: run, drift: drift)
                guard (run.count >= tuning.weakRunMinWindows && median(run.map { abs($0.rho) }) >= tuning.strayRunRhoRatio * typical)
                      || vouchedByTheWholeSignal(run, level: lv, levels: levels, typical: typical, drift: drift) else { continue }
                guard neighbours.allSatisfy({ abs($0 - lv) > tuning.weakRunMinStep }) else { continue }
                // Of neighbouring runs no step apart (imprecise windows scatter across the
                // tolerance), the longest speaks for the stretch, as it did alone before.
                if let last = found.last, abs(last.level - lv) <= tuning.weakRunMinStep {
                    if run.count > last.run.count { found[found.count - 1] = (run, lv) }
                } else {
                    found.append((run, lv))
                }
            }
            inserts += found.map { (g, $0.run, $0.level) }
        }
        for ins in inserts.reversed() {
            runs.insert(ins.run, at: ins.index)
            levels.insert(ins.level, at: ins.index)
        }
    }

    /// Whether a run of left-out windows too short to be a segment on its own is one anyway:
    /// it lies at the whole-signal correlation's peak (``wholeSignal``) where no run does, and
    /// one of its windows tells delays apart and matches as well as the runs' windows. A log
    /// sweep from 20 Hz at 8 kHz behind the resonant high-pass, with a 1392-frame gap 0.3 s in:
    /// before the gap only the resonance is loud, two windows long, the one that tells delays
    /// apart spread 0.13 frames (above ``AnalyzerTuning/maxSigmaForGrouping``) at ρ 0.93; the
    /// whole-signal peak lay with them, yet the capture was called clean at the delay after
    /// the gap, 1393 frames from the truth (the fuzz test's case 270).
    func vouchedByTheWholeSignal(_ run: [TrackPoint], level: Double, levels: [Double], typical: Double, drift: Double) -> Bool {
        guard let w = wholeSignal else { return false }
        let tolerance = w.tolerance(drift: drift)
        guard abs(level - w.lag) <= tolerance,
              levels.allSatisfy({ abs($0 - w.lag) > tolerance }) else { return false }
        return run.contains { !$0.ambiguous && abs($0.rho) >= tuning.strayRunRhoRatio * typical }
    }

    /// The stretches of consecutive windows within ``AnalyzerTuning/weakRunTolerance`` of
    /// their running median, in order.
    func consistentRuns(_ pts: [TrackPoint], drift: Double) -> [[TrackPoint]] {
        var all: [[TrackPoint]] = [], cur: [TrackPoint] = []
        for pt in pts {
            let e = pt.d - drift * pt.pc
            if !cur.isEmpty, abs(e - median(cur.map { $0.d - drift * $0.pc })) > tuning.weakRunTolerance {
                all.append(cur)
                cur = []
            }
            cur.append(pt)
        }
        if !cur.isEmpty { all.append(cur) }
        return all
    }

    /// 5. Joint fit: one slope, one intercept per run (weighted least squares). Replaces the
    /// pairwise `drift` when it agrees with it (or when there were no pairwise slopes);
    /// returns whether the drift is known (the runs span enough of the reference) and the
    /// fitted slope's standard error: from the windows' σ, scaled by the fit's χ² per degree of
    /// freedom where the windows scatter more than their σ says (through a coloured path they
    /// do, by up to tenfold).
    func jointDriftFit(_ runs: [[TrackPoint]], drift: inout Double, hadSlopes: Bool) -> (known: Bool, se: Double, scatter: Double) {
        var sxy = 0.0, sxx = 0.0, nPairs = 0
        var spanRef = 0.0
        var centred: [(x: Double, y: Double, w: Double)] = []
        for run in runs where run.count >= 2 {
            let ws = run.map { 1 / ($0.sigma * $0.sigma) }
            let wsum = ws.reduce(0, +)
            let pm = zip(run, ws).map { $0.pc * $1 }.reduce(0, +) / wsum
            let dm = zip(run, ws).map { $0.d * $1 }.reduce(0, +) / wsum
            for (pt, wt) in zip(run, ws) {
                sxy += wt * (pt.pc - pm) * (pt.d - dm)
                sxx += wt * (pt.pc - pm) * (pt.pc - pm)
                centred.append((pt.pc - pm, pt.d - dm, wt))
            }
            nPairs += run.count - 1
            spanRef += run.last!.pc - run.first!.pc
        }
        guard sxx > 0, nPairs >= 2, spanRef >= Double(tuning.driftMinSpanWindows * AnalyzerTuning.trackingWindow) else { return (false, .infinity, .infinity) }
        let fitted = sxy / sxx
        if abs(fitted - drift) < tuning.driftFitAgreement || !hadSlopes { drift = fitted }
        // χ² per degree of freedom of the fit (one intercept per run, one slope).
        var chi2 = 0.0
        for c in centred { let r = c.y - fitted * c.x; chi2 += c.w * r * r }
        let scatter = nPairs > 1 ? chi2 / Double(nPairs - 1) : 1
        return (true, (max(1, scatter) / sxx).squareRoot(), scatter)
    }

    /// How much the drift's standard error understates its spread when neighbouring windows
    /// err alike: √((1 + ρ)/(1 − ρ)), ρ the correlation of consecutive windows' residuals
    /// about their segment's line (normalised by their σ), for ρ > 0; 1 otherwise, and for
    /// fewer than ``AnalyzerTuning/residualCorrelationMinPairs`` pairs. The joint fit takes its
    /// windows as independent; a path that biases each window by what it holds (multitone
    /// bursts through a room: −0.3 frames for every window of one burst, +0.02 for the next)
    /// makes whole stretches err alike, and the fit's standard error read 0.24 ppm where the
    /// drift was 0.82 off.
    static func correlatedResiduals(_ segments: [Segment]) -> Double {
        let tuning = AnalyzerTuning.standard
        var lagged = 0.0, squares = 0.0, pairs = 0
        for s in segments {
            let pts = s.points.filter { $0.sigma < 1 }
            let r = pts.map { ($0.d - s.delay(atRef: $0.pc)) / $0.sigma }
            for v in r { squares += v * v }
            for k in pts.indices.dropFirst() where pts[k].t - pts[k - 1].t == AnalyzerTuning.trackingWindow {
                lagged += r[k] * r[k - 1]
                pairs += 1
            }
        }
        guard pairs >= tuning.residualCorrelationMinPairs, squares > 0 else { return 1 }
        let rho = min(tuning.residualCorrelationMax, lagged / squares)
        return rho > 0 ? ((1 + rho) / (1 - rho)).squareRoot() : 1
    }

    /// 5b. The drift again, with the left-out windows that sit on a run's level. A window is
    /// ambiguous when a match a period away comes close: that is a doubt about which lobe it
    /// matched, not about where in the lobe. One on its run's detrended level (within the run
    /// tolerance) matched the run's lobe, and its place in it is as precise as its σ says.
    /// Music through the resonant high-pass near 100 Hz left 4 of its windows unambiguous,
    /// and a drop split them 3 + 1: the drift from those read 1.66 ppm (standard error 3.4)
    /// where the capture had none; with the 83 others on their levels, 0.11 (0.75). Taken only when
    /// it is better determined than the first (a smaller standard error), the windows, the
    /// added ones with them, scatter no more than their σ says (χ² per degree of freedom at
    /// most ``AnalyzerTuning/inheritedDriftMaxScatter``), and it agrees with the first within
    /// ``AnalyzerTuning/inheritedDriftAgreementSE`` of its standard error. The runs, and so
    /// the segments' extents, stay as they were.
    func driftWithInheritingWindows(_ runs: [[TrackPoint]], weak: [TrackPoint], drift: Double, se: Double) -> (drift: Double, se: Double)? {
        guard !runs.isEmpty, runs.allSatisfy({ !$0.isEmpty }), !weak.isEmpty, se.isFinite else { return nil }
        let levels = runs.map { Segmenter.level(of: $0, drift: drift) }
        var extended = runs
        var added = 0
        for w in weak {
            // The runs around the window: the one it lies in, or the two it lies between.
            let after = runs.firstIndex { $0.first!.t > w.t } ?? runs.count
            let candidates = after > 0 && runs[after - 1].last!.t >= w.t ? [after - 1] : [after - 1, after].filter { runs.indices.contains($0) }
            let e = w.d - drift * w.pc
            let tol = runTolerance(w)
            let on = candidates.filter { abs(e - levels[$0]) < tol }
            guard on.count == 1 else { continue }
            extended[on[0]].append(w)
            added += 1
        }
        guard added > 0 else { return nil }
        var again = drift
        let (known, seAgain, scatter) = jointDriftFit(extended.map { $0.sorted { $0.t < $1.t } }, drift: &again, hadSlopes: false)
        guard known, seAgain < se, scatter <= tuning.inheritedDriftMaxScatter,
              abs(again - drift) <= tuning.inheritedDriftAgreementSE * se else { return nil }
        return (again, seAgain)
    }

    /// 6. A run as a segment: its level is the weighted mean of the detrended delays, over
    /// the points that agree with the run's median (a window that straddles an edge can
    /// still sit in a run).
    func segment(_ run: [TrackPoint], drift: Double) -> Segment {
        Segment(level: Segmenter.level(of: run, drift: drift), drift: drift, captureStart: run.first!.t, captureEnd: run.last!.t + AnalyzerTuning.trackingWindow, points: run)
    }

    /// The level of a run: the precision-weighted mean of its detrended delays, over the
    /// points that agree with the run's median (``agreeing(_:drift:)``).
    static func level(of run: [TrackPoint], drift: Double) -> Double {
        var num = 0.0, den = 0.0
        for pt in agreeing(run, drift: drift) {
            num += (pt.d - drift * pt.pc) / (pt.sigma * pt.sigma)
            den += 1 / (pt.sigma * pt.sigma)
        }
        return den > 0 ? num / den : median(run.map { $0.d - drift * $0.pc })
    }

    /// The points of a run whose detrended delay agrees with the run's median (within
    /// ``AnalyzerTuning/levelOutlierSigmas`` of their σ, or ``AnalyzerTuning/levelOutlierMin``):
    /// those its level is the mean of. A window that straddles an edge, or locked a period
    /// off, is left out.
    static func agreeing(_ run: [TrackPoint], drift: Double) -> [TrackPoint] {
        let tuning = AnalyzerTuning.standard
        // Two windows have their midpoint for a median: the precise one of a pair, σ apart
        // from it by half their difference, was left out and the other kept. A clean
        // 2600-frame log sweep's first window (its 20–100 Hz, σ 1 frame) and second (σ 0.006)
        // read 0.15 apart, and the level was the first's: 0.15 samples late. Two that agree
        // within their combined σ both count.
        if run.count == 2 {
            let (a, b) = (run[0], run[1])
            let apart = abs(a.d - drift * a.pc - (b.d - drift * b.pc))
            if apart < max(tuning.levelOutlierMin, tuning.levelOutlierSigmas * (a.sigma * a.sigma + b.sigma * b.sigma).squareRoot()) { return run }
        }
        let med = median(run.map { $0.d - drift * $0.pc })
        return run.filter { abs($0.d - drift * $0.pc - med) < max(tuning.levelOutlierMin, tuning.levelOutlierSigmas * $0.sigma) }
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
