// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// Turns segments into events: exact step positions and sizes, their kinds, and clicks.
///
/// ``explain(segments:drift:)`` runs these passes:
/// 1. ``absorbStraddlingWindows(_:)``: a lone window that straddles a step joins its neighbour;
/// 2. ``explainSteps(_:_:_:)``: for each pair of consecutive segments, the **split**
///    (``splitStep(a:fa:b:fb:r0:r1:)``, a dynamic programme over the per-frame residual of
///    both alignments) says where A ends and B starts; the **edges**
///    (``refineEdges(a:fa:b:fb:t1:t2:di:eventWorth:)``, ``jointEdges(a:fa:b:fb:t1:t2:di:eventWorth:)``)
///    place them on the reference's sample grid (through a room, the split is first placed
///    again on the stepped model, ``steppedSplit(a:fa:b:fb:r0:r1:foreign:)``: the old
///    stream's tail rings on after a step); two sizeable events at one boundary are
///    looked at again as two boundaries around a **middle segment** (``middleSegment(a:fa:b:fb:r0:r1:)``);
/// 3. ``scanSegments(_:_:_:_:)``: clicks and short replacements inside each segment (``scanResidual(_:_:_:_:)``);
/// 4. ``applyLeadingReplacement(_:_:pathOver:_:)``: the probe's first frames replaced before the first segment.
///
/// Every threshold is in ``AnalyzerTuning``; the method is described in `docs/analyzer.md`.
struct Explainer {
    let ref: [Float]
    let cap: [Float]
    let interp: SincInterpolator
    let fs: Int
    /// The capture's quantisation noise variance (Δ²/4 for a step Δ; 0 when it is not on a
    /// coarse grid): a residual of one step is the format's, not a click.
    var quantizationFloor = 0.0
    /// The model holds a fitted memoryless non-linearity (``StaticCurve``): the click scan
    /// leaves the model's loudest stretches to it.
    var curvedPath = false
    /// The model holds a room's reverberation tail (``ReverbTail``) this many frames long; 0
    /// when it does not. After a step the capture still holds the old stream's tail, which
    /// neither side's model has (``tailSpillAtStep``).
    var tailFrames = 0
    /// The reference alone (direct sound) where the model holds a tail: the step under the
    /// tail is placed on the stepped model (``steppedSplit(a:fa:b:fb:r0:r1:foreign:)``).
    var plain: [Float]?
    /// The model before the path's colouring and curve; nil when the model is not coloured.
    /// A short replacement is one only where the capture is silent against this too
    /// (``silentAgainstTheBareReference``).
    var bare: BareModel?

    /// The model before the path's colouring and curve (the reference stretched by the drift,
    /// with a room's tail where one is modelled), on the model's own frames, and the path's
    /// broadband power gain: the coloured model's energy over this one's, once for the whole
    /// reference.
    struct BareModel {
        let samples: [Float]
        let scale: Double
        /// Nil where the two are the same (no colouring) or the bare model is silent.
        init?(_ bare: [Float], coloured: [Float]) {
            guard bare != coloured else { return nil }
            let eb = bare.reduce(0.0) { $0 + Double($1) * Double($1) }, ec = coloured.reduce(0.0) { $0 + Double($1) * Double($1) }
            guard eb > 0 else { return nil }
            (samples, scale) = (bare, ec / eb)
        }
    }
    /// The model's tail was fitted on the capture read across its steps
    /// (``RoundTripAnalysis/steppedReverbTail``): it holds what the room made of them already.
    var tailAcrossSteps = false
    let roomResponse = RoomResponse()
    let tuning = AnalyzerTuning.standard
    /// The longest template made so far for each alignment.
    let templates = TemplateCache()
    /// Figures of the capture computed once, when first asked for.
    let memo = Memo()
    final class Memo {
        /// ``quietestCapturePower()``.
        var quietest: Double?
        /// ``referenceOnset()``.
        var onset: Int?
        /// ``ceiling``.
        var ceiling: (low: Float?, high: Float?)?
        /// ``modelPeak``.
        var modelPeak: Float?
    }

    /// The model's largest magnitude, found when first asked for (``curvedSampleNear(_:_:_:)``).
    var modelPeak: Float {
        if let known = memo.modelPeak { return known }
        let found = ref.reduce(Float(0)) { max($0, abs($1)) }
        memo.modelPeak = found
        return found
    }

    /// The capture's largest and smallest values where it is clipped there
    /// (``RoundTripAnalysis/captureCeiling(_:)``; nil on a side it is not), found when a burst
    /// first asks: a clean capture never does.
    var ceiling: (low: Float?, high: Float?) {
        if let known = memo.ceiling { return known }
        let found = RoundTripAnalysis.captureCeiling(cap)
        memo.ceiling = found
        return found
    }

    /// Templates kept by segment alignment (level and drift, bit for bit): the explainer asks
    /// for a segment's template again and again (its residual, its clicks, its edges), and every
    /// value of a template is the interpolator's value at that frame alone
    /// (``SincInterpolator/values(at:in:position:)``), so a slice of a longer one is the shorter
    /// one bit for bit.
    final class TemplateCache {
        struct Key: Hashable { var level: UInt64; var drift: UInt64 }
        var entries: [Key: (lo: Int, values: [Double])] = [:]
    }

    struct Result {
        var events: [Event] = []
        var snrDB: Double?
        /// The residual's mean power over the frames scanned, over the capture's quietest
        /// stretch (``quietestCapturePower()``; infinite where that is digital silence); only
        /// where the residual outweighs the signal (nil elsewhere).
        var residualOverFloor: Double?
        var firstGain: Double?
        /// A stretch the segments claim but do not explain (``unvouchedStretch(_:_:_:)``).
        var unvouched: Range<Int>?
        /// The probe's first frames at another delay than the first segment's, matching the
        /// reference as closely at two (``leadingSegment(_:_:replaced:)``): capture frames.
        var ambiguousLead: Range<Int>?
        /// The probe's last frames at another delay than the last segment's, whose match has a
        /// lobe beside it as high (``AnalyzerTuning/stretchRivalMax``): capture frames.
        var ambiguousTail: Range<Int>?
        /// The first step as explained, in whole frames (+ later): what the events at the
        /// first and second segments' boundary insert less what they drop; nil for one segment.
        var firstStep: Int?
    }

    struct Fit {
        var gain: Double
        var sigma2: Double
        var signalPower: Double
        var peak: Double
    }

    // MARK: templates

    /// The reference as segment `s` predicts it at capture frames lo..<hi (unit gain).
    func template(_ s: Segment, _ lo: Int, _ hi: Int) -> [Double] {
        guard hi > lo else { return [] }
        let key = TemplateCache.Key(level: s.level.bitPattern, drift: s.drift.bitPattern)
        // (Beyond the reference's ends by more than the interpolator's reach the value is 0.)
        func compute(_ r: Range<Int>) -> [Double] {
            r.isEmpty ? [] : ref.withUnsafeBufferPointer { rb in interp.values(at: r, in: rb) { s.refPosition(atCapture: Double($0)) } }
        }
        guard let e = templates.entries[key] else {
            let values = compute(lo..<hi)
            templates.entries[key] = (lo, values)
            return values
        }
        let eHi = e.lo + e.values.count
        if e.lo <= lo, hi <= eHi { return Array(e.values[(lo - e.lo)..<(hi - e.lo)]) }
        guard lo <= eHi, e.lo <= hi else {
            // Apart from the kept stretch: computed alone; the longer is kept.
            let values = compute(lo..<hi)
            if e.values.count < values.count { templates.entries[key] = (lo, values) }
            return values
        }
        // Overlapping or touching: only the frames not kept are computed (each frame's value is
        // its own, so the pieces are the values the whole would have).
        let a = min(lo, e.lo), b = max(hi, eHi)
        let joined = compute(a..<e.lo) + e.values + compute(eHi..<b)
        templates.entries[key] = (a, joined)
        return Array(joined[(lo - a)..<(hi - a)])
    }

    /// Whether the capture after stretch `tail` (found after the last segment, `a`, by the
    /// trailing search) up to `r1` follows `a` again: `a`'s alignment leaves under
    /// ``AnalyzerTuning/trailingReturnShare`` of the residual the stretch's own leaves there,
    /// over at least ``AnalyzerTuning/middleMinFrames``. The probe's last frames at another
    /// delay stay there to its end; a short stretch `a` misfits and the capture then follows
    /// `a` again is `a`'s misfit, matched elsewhere by chance. (Speech behind the resonant
    /// high-pass, its capture cut off 405 frames after the last window: 75 frames the short
    /// path model misfit, where the 100 Hz resonance rings, matched the speech 765 frames
    /// earlier at 0.92, and a false 765-frame repeat was read, the 336 frames after them
    /// matching the segment before at 0.96.) Nor where `a`'s alignment explains the capture
    /// from the stretch's start to the reference's end on either line as well as the stretch's
    /// delay does (``AnalyzerTuning/trailingHeldShare``): `a` never stopped. A room's early
    /// reflection of the probe's last frames matches them there too (speech shorter than the
    /// room's tail, fuzz case 1907: 72 frames matched 221 frames later at 0.94, and the 495
    /// after them followed `a` at 0.70, just short of the share above; a false 221-frame
    /// repeat was read on an undamaged capture).
    func returnsToTheSegment(after tail: Segment, _ a: Segment, _ fa: Fit, until r1: Int) -> Bool {
        let lo = tail.captureEnd, hi = min(r1, cap.count, refSpan(tail).1)
        if hi > tail.captureStart, explains(a, fa, over: tail.captureStart..<hi, besides: tail, share: tuning.trailingHeldShare) { return true }
        return explains(a, fa, over: lo..<max(lo, hi), besides: tail, share: tuning.trailingReturnShare)
    }

    /// Whether `a`'s alignment (at its fit's gain) leaves under `share` of the residual that
    /// stretch `tail`'s delay leaves (at its least-squares gain) over capture frames `r`, at
    /// least ``AnalyzerTuning/middleMinFrames`` of them.
    func explains(_ a: Segment, _ fa: Fit, over r: Range<Int>, besides tail: Segment, share: Double) -> Bool {
        let lo = r.lowerBound, hi = r.upperBound
        guard hi - lo >= tuning.middleMinFrames else { return false }
        let ma = template(a, lo, hi), mt = template(tail, lo, hi)
        // `a`'s residual at its fit's gain; the stretch's at its least-squares gain there.
        var ea = 0.0, cc = 0.0, mm = 0.0, cm = 0.0
        for i in 0..<(hi - lo) {
            let c = Double(cap[lo + i]), e = c - fa.gain * ma[i]
            ea += e * e
            cc += c * c
            mm += mt[i] * mt[i]
            cm += c * mt[i]
        }
        let et = mm > 0 ? cc - cm * cm / mm : cc
        return ea < share * et
    }

    /// Capture frames where segment `s` has reference under it.
    func refSpan(_ s: Segment) -> (Int, Int) {
        let a = Int((s.level).rounded(.up))
        let b = Int((s.level + (1 + s.drift) * Double(ref.count)).rounded(.down))
        return (a, b)
    }

    /// Least-squares gain and residual variance of segment `s` over its extent (subsampled).
    func fit(_ s: Segment) -> Fit {
        let (ra, rb) = refSpan(s)
        let lo = max(s.captureStart, ra, 0), hi = min(s.captureEnd, rb, cap.count)
        guard hi - lo > tuning.minFitFrames else { return Fit(gain: 1, sigma2: 1e-12, signalPower: 0, peak: 0) }
        let step = max(1, (hi - lo) / tuning.maxFitSamples)
        var sxy = 0.0, sxx = 0.0
        let idx = Array(stride(from: lo, to: hi, by: step))
        // From the whole extent's template (each value that frame's alone): the residual and the
        // click scan read the same template next.
        let whole = template(s, lo, hi)
        let ms = idx.map { whole[$0 - lo] }
        for (t, m) in zip(idx, ms) {
            let c = Double(cap[t])
            sxy += c * m
            sxx += m * m
        }
        let g = sxx > 0 ? sxy / sxx : 0
        var r2: [Double] = []
        r2.reserveCapacity(idx.count)
        var peak = 0.0
        for (t, m) in zip(idx, ms) {
            let e = Double(cap[t]) - g * m
            r2.append(e * e)
            peak = max(peak, abs(g * m))
        }
        let sig = g * g * sxx / Double(max(1, idx.count))
        let sigma2 = max(median(r2) / tuning.medianOfSquaredNormal, sig * tuning.sigma2FloorOfSignal, tuning.sigma2FloorAbsolute)
        return Fit(gain: g, sigma2: sigma2, signalPower: sig, peak: peak)
    }

    // MARK: the split

    /// Best split of a region into [A…)[F…)[B…): A and B aligned with two segments, F foreign
    /// frames between them. Returns t1 (end of A), t2 (start of B), and the total cost.
    static func split(a: [Double], f: [Double], b: [Double], open: Double) -> (t1: Int, t2: Int, cost: Double) {
        let n = a.count
        let (pa, pf, pb) = prefixSums(a, f, b)
        var best = (t1: n, t2: n, cost: pa[n])
        var runMin = Double.infinity, runArg = 0
        for t2 in 0...n {
            let tailB = pb[n] - pb[t2]
            let direct = pa[t2] + tailB
            if direct < best.cost - 1e-12 { best = (t2, t2, direct) }
            if runMin.isFinite {
                let viaF = runMin + pf[t2] + open + tailB
                if viaF < best.cost - 1e-12 { best = (runArg, t2, viaF) }
            }
            let cand = pa[t2] - pf[t2]
            if cand < runMin { runMin = cand; runArg = t2 }
        }
        return best
    }

    /// Running sums of the three per-frame costs, for O(1) sums over any stretch.
    static func prefixSums(_ a: [Double], _ f: [Double], _ b: [Double]) -> ([Double], [Double], [Double]) {
        let n = a.count
        var pa = [Double](repeating: 0, count: n + 1), pf = pa, pb = pa
        for i in 0..<n {
            pa[i + 1] = pa[i] + a[i]
            pf[i + 1] = pf[i] + f[i]
            pb[i + 1] = pb[i] + b[i]
        }
        return (pa, pf, pb)
    }

    /// The best split with exactly `fixedForeign` foreign frames between A and B.
    static func split(a: [Double], f: [Double], b: [Double], open: Double, fixedForeign len: Int) -> (t1: Int, t2: Int, cost: Double) {
        let n = a.count
        guard len <= n else { return (n, n, .infinity) }
        let (pa, pf, pb) = prefixSums(a, f, b)
        var best = (t1: n - len, t2: n, cost: Double.infinity)
        for t1 in 0...(n - len) {
            let c = pa[t1] + (pf[t1 + len] - pf[t1]) + (len > 0 ? open : 0) + (pb[n] - pb[t1 + len])
            if c < best.cost { best = (t1, t1 + len, c) }
        }
        return best
    }

    // MARK: explain

    func explain(segments: inout [Segment], drift: Double) -> Result {
        let given = segments
        var (result, fits) = explainOnce(&segments)
        let refits = laterLevelsFromTheirFrames(segments, fits)
        guard !refits.isEmpty else { return result }
        // Explained again from the segments as given, with those levels: the steps beside them
        // were placed and sized from the windows' levels.
        var again = given
        for (t, level, sigma) in refits {
            guard let k = again.firstIndex(where: { $0.points.contains { $0.t == t } }) else { continue }
            again[k].level = level
            again[k].fittedSigma = sigma
        }
        segments = again
        (result, _) = explainOnce(&segments)
        return result
    }

    /// A segment after the first that rests only on windows that do not place it to half a
    /// frame (``AnalyzerTuning/refitLaterMinSigma``), at most
    /// ``AnalyzerTuning/refitMaxWindows`` of them, takes its level from its own frames once
    /// the steps beside it are placed, as the first does (``refitFirstLevel(_:_:)``): each
    /// such one as its first window's frame, its new level and the fit's expected spread
    /// (``TrackPoint/spread(ref:from:to:rho:length:)`` over its frames, at the fit's
    /// correlation). Its windows straddle its steps and size them by their own error: a
    /// 1135-frame log sweep at 22.05 kHz with 378 frames repeated halfway had the segment
    /// after the repeat on one window that held 566 of the probe's frames before it and 319
    /// after (ρ 0.51, σ a frame), 1.35 frames off, and the repeat read 380 frames long (379
    /// at 8 kHz, 0.53 off); from its frames, 3588.4006 where the truth is 3588.4, and 378.
    /// Not through a room, where a segment's frames hold the tail of the one before.
    func laterLevelsFromTheirFrames(_ segments: [Segment], _ fits: [Fit]) -> [(t: Int, level: Double, sigma: Double)] {
        guard tailFrames == 0 else { return [] }
        var out: [(t: Int, level: Double, sigma: Double)] = []
        for (s, f) in zip(segments, fits).dropFirst() where !s.short && !s.refined && !s.points.isEmpty && s.points.count <= tuning.refitMaxWindows {
            guard s.points.allSatisfy({ $0.sigma >= tuning.refitLaterMinSigma }) else { continue }
            let lo = max(0, s.captureStart, refSpan(s).0), hi = min(cap.count, s.captureEnd, refSpan(s).1)
            guard hi - lo >= tuning.middleMinFrames else { continue }
            guard let fit = stretchFit(lo, hi, drift: s.drift, sign: f.gain >= 0 ? 1 : -1) else { continue }
            var r = SincInterpolator.maximize(around: s.level) { fit.rho($0) }
            // The search spans a frame either side: a maximum at its edge lies beyond it.
            if abs(r.position - s.level) > SincInterpolator.maximizeReach - tuning.refitEdgeFrames {
                r = SincInterpolator.maximize(around: r.position) { fit.rho($0) }
            }
            let level = r.position
            guard level.isFinite, abs(level - s.level) <= tuning.refitLaterMaxMove, level != s.level else { continue }
            let p0 = Int(((Double(lo) - level) / (1 + s.drift)).rounded(.up))
            let sigma = TrackPoint.spread(ref: ref, from: max(0, p0), to: min(ref.count, p0 + hi - lo), rho: r.value, length: hi - lo)
            out.append((s.points[0].t, level, sigma))
        }
        return out
    }

    /// One explanation of `segments` (see ``explain(segments:drift:)``), with the fits of the
    /// segments it leaves.
    func explainOnce(_ segments: inout [Segment]) -> (Result, [Fit]) {
        var result = Result()
        guard !segments.isEmpty else { return (result, []) }
        absorbStraddlingWindows(&segments)
        var fits = segments.map { fit($0) }
        let boundaryFrames = explainSteps(&segments, &fits, &result.events, ambiguousLead: &result.ambiguousLead, ambiguousTail: &result.ambiguousTail, firstStep: &result.firstStep)
        refitFirstLevel(&segments, &fits)
        // The first segment starts where the reference starts; the last ends where it ends.
        segments[0].captureStart = max(0, refSpan(segments[0]).0)
        segments[segments.count - 1].captureEnd = min(cap.count, refSpan(segments[segments.count - 1]).1 + 1)
        result.firstGain = fits[0].gain
        let (sigE, resE, frames) = scanSegments(segments, fits, boundaryFrames, &result.events)
        applyLeadingReplacement(segments[0], fits[0], pathOver: Segment.longest(segments) ?? segments[0], &result.events)
        result.unvouched = unvouchedStretch(segments, fits, result.events)
        if resE > 0 && sigE > 0 { result.snrDB = 10 * log10(sigE / resE) }
        // Only where the residual outweighs the signal, the one place it is asked for: the scan
        // for the quietest block is a pass over the whole capture.
        if frames > 0, resE > sigE {
            let floor = quietestCapturePower()
            result.residualOverFloor = floor > 0 ? resE / Double(frames) / floor : .infinity
        }
        return (result, fits)
    }

    /// The first segment, where it rests on a window or two and a step follows it, takes its
    /// level from the frames it explains once that step is placed: a window that straddles it holds
    /// some of the other delay's frames. The analyzer's probe with a 200-frame drop at its
    /// frame 1200, at 20 dB SNR, made its first segment of one window holding 70 frames past
    /// the drop, and the latency read 0.28 samples early. The normalised correlation over its
    /// frames, from where the reference starts, is maximised within
    /// ``AnalyzerTuning/refitMaxMove`` of its level (``stretchLevel(_:_:near:drift:sign:)``).
    /// The latency still states no uncertainty there: the fit's own error, from its noise,
    /// says nothing of whether the segment is the probe's (fuzz cases whose first segment lay
    /// 970 or 9896 frames off would have stated ±0.002 and ±0.03). Only the first: the
    /// latency is its level, while a later segment's moves a step's size by a fraction of a
    /// frame, and its windows' residuals about it weigh the drift's error
    /// (`Segmenter.correlatedResiduals`; refitting them all changed three room captures'
    /// stated drift error, one to overconfident).
    func refitFirstLevel(_ segments: inout [Segment], _ fits: inout [Fit]) {
        guard segments.count > 1, let s = segments.first, s.points.count <= tuning.refitMaxWindows, !s.refined else { return }
        let lo = max(0, min(s.captureStart, refSpan(s).0)), hi = min(cap.count, s.captureEnd, refSpan(s).1)
        guard hi - lo >= tuning.middleMinFrames else { return }
        let level = stretchLevel(lo, hi, near: s.level, drift: s.drift, sign: fits[0].gain >= 0 ? 1 : -1)
        guard abs(level - s.level) <= tuning.refitMaxMove else { return }
        segments[0].level = level
        fits[0] = fit(segments[0])
    }

    /// A lone window that straddles a step matches halfway between the two delays, with a
    /// poorer correlation than the windows around it: it belongs to the neighbour whose
    /// delay it nearly has, not to a segment of its own.
    func absorbStraddlingWindows(_ segments: inout [Segment]) {
        var si = 0
        while si < segments.count && segments.count > 1 {
            let sg = segments[si]
            if sg.points.count == 1, !sg.short {
                let rho = abs(sg.points[0].rho)
                let cands = [si - 1, si + 1].filter { $0 >= 0 && $0 < segments.count && segments[$0].points.count >= 2 }
                if let j = cands.min(by: { abs(segments[$0].level - sg.level) < abs(segments[$1].level - sg.level) }),
                   abs(segments[j].level - sg.level) <= tuning.straddlingWindowMaxDelayDifference,
                   rho < tuning.straddlingWindowRhoRatio * median(segments[j].points.map { abs($0.rho) }) {
                    if j > si {
                        segments[j].captureStart = min(segments[j].captureStart, sg.captureStart)
                        segments[j].points.insert(contentsOf: sg.points, at: 0)
                    } else {
                        segments[j].captureEnd = max(segments[j].captureEnd, sg.captureEnd)
                        segments[j].points.append(contentsOf: sg.points)
                    }
                    segments.remove(at: si)
                    continue
                }
            }
            si += 1
        }
    }

    /// Walks the boundaries between consecutive segments, merging those that are no step and
    /// explaining the others as events (appended to `events`). Leaves the explained segments
    /// and their fits, and returns the capture frames where steps begin and end.
    func explainSteps(_ segments: inout [Segment], _ fits: inout [Fit], _ events: inout [Event], ambiguousLead: inout Range<Int>?, ambiguousTail: inout Range<Int>?, firstStep: inout Int?) -> Set<Int> {
        let w = AnalyzerTuning.trackingWindow
        // Only where the probe's first frames would otherwise read as replaced, or where sound
        // comes before the probe can have begun: a sweep's narrowband start behind the resonant
        // high-pass, or a room's build-up, matches the reference a few frames to a few thousand
        // off as closely, and six clean corpus and room captures read false steps there
        // (latencies 5–1431 frames off).
        let claimed = leadingReplacement(segments[0], fits[0]).map { $0.start..<($0.start + $0.size) }
        if let r = claimed ?? soundBeforeProbe(segments[0], fits[0]) {
            let found = leadingSegment(segments[0], fits[0], replaced: r, claimed: claimed != nil)
            if let lead = found.lead {
                segments.insert(lead, at: 0)
                fits.insert(fit(lead), at: 0)
            }
            ambiguousLead = found.ambiguous
        }
        var out: [Segment] = [segments[0]]
        var outFits: [Fit] = [fits[0]]
        var lastBoundary = 0
        var boundaryFrames = Set<Int>()
        var k = 0
        var searched = Set<String>()   // pairs already searched for a middle (at most maxMiddleSearches)
        var trailingSearched = false
        var gaps: [GapEdge] = []
        var firstEvents: Range<Int>?   // the events explaining the first boundary
        while true {
            if k + 1 >= segments.count {
                // The probe's last frames at yet another delay, after the last tracked segment.
                guard !trailingSearched else { break }
                trailingSearched = true
                let a = out[out.count - 1]
                guard !a.short else { break }
                let r0 = max(a.points.last!.t, lastBoundary, 0)
                let r1 = min(cap.count, refSpan(a).1 + 1)
                let found = middleMatch(a: a, fa: outFits[outFits.count - 1], b: nil, fb: nil, r0: r0, r1: r1)
                ambiguousTail = found.ambiguous
                guard let tail = found.segment, !returnsToTheSegment(after: tail, a, outFits[outFits.count - 1], until: r1) else { break }
                segments.append(tail)
                fits.append(fit(tail))
            }
            k += 1
            var a = out[out.count - 1]
            let fa = outFits[outFits.count - 1]
            var b = segments[k]
            let fb = fits[k]
            let r0 = max(a.points.last!.t, lastBoundary, 0)
            let r1 = min(cap.count, b.points.first!.t + w, b.short ? b.captureEnd : Int.max)
            guard r1 > r0 else {
                a.captureEnd = b.captureEnd
                a.points += b.points
                out[out.count - 1] = a
                continue
            }
            let step = splitStep(a: a, fa: fa, b: b, fb: fb, r0: r0, r1: r1)
            if !step.bFits && k + 1 < segments.count {
                continue
            }
            var t1 = step.t1, t2 = step.t2
            let di = step.di
            if (di == 0 && t2 == t1) || step.savings < tuning.minStepSavingsSigma2 * step.sigma2 {
                // No discontinuity after all: one segment, whose level is that of all its
                // windows (the first run alone may be a few imprecise windows), unless one of
                // the two took its level from its whole extent because its windows locked a
                // period off (merged back to its windows' level, a linear sweep's segment after
                // a gap fell 6 frames off again, and the rest of it read as a 3-frame repeat).
                out[out.count - 1] = Self.merged(a, b)
                continue
            }
            // A step to the probe's last segment is declared only where that segment holds
            // the capture; otherwise its frames stay the segment's before it.
            if k + 1 == segments.count, !lastSegmentHeard(fb, step) {
                continue
            }
            // Through a room, where the step lies under the old stream's tail.
            if tailFrames > 0, !tailAcrossSteps,
               let s = steppedSplit(a: a, fa: fa, b: b, fb: fb, r0: max(r0 - tuning.steppedSplitReachBack, lastBoundary, a.captureStart, 0),
                                    r1: r1, foreign: [t2 - t1, 0, max(0, di)]) {
                (t1, t2) = s
            }
            // Place the edges on the reference's own sample grid: A plays up to kCut − 1, B
            // from kStart, each as the band-limited signal that stops (starts) exactly there.
            // This fits the frames a fractional delay smears across an edge, and tells a
            // one-frame repeat from a one-frame gap by what the path made of it.
            let edges = t2 - t1 > tuning.jointEdgesMaxForeign
                ? refineEdges(a: a, fa: fa, b: b, fb: fb, t1: t1, t2: t2, di: di, eventWorth: step.eventWorth)
                : jointEdges(a: a, fa: fa, b: b, fb: fb, t1: t1, t2: t2, di: di, eventWorth: step.eventWorth)
            let tA = Double(edges.kCut) * (1 + a.drift) + a.level
            let tB = Double(edges.kStart) * (1 + b.drift) + b.level
            let gap = max(0, Int((tB - tA).rounded()))
            let dup = max(0, edges.kCut - edges.kStart)
            let missing = max(0, edges.kStart - edges.kCut)
            // (Both ranges are built only when both are non-empty: a gap alone, or a drop, is never a replacement.)
            if gap > 0, missing > 0, abs(gap - missing) <= 1,
               pathExplainsReplacement(edges.kCut..<(edges.kCut + missing), heard: Int(tA.rounded())..<(Int(tA.rounded()) + gap), a, b) {
                // What the path makes of the "replaced" frames is there: no replacement.
                out[out.count - 1] = Self.merged(a, b)
                continue
            }
            // Two sizeable events at one boundary may be two boundaries: a stretch shorter than
            // a tracking window between them, at a third delay (QEMU's drop-then-underrun
            // pairs, two PA underruns 10 ms apart). Look for it once per pair (a bounded number
            // of searches); when it is there, it becomes a segment of its own and both
            // boundaries are explained one by one, each of which may hold another such stretch.
            let sizeable = [gap, missing, dup].filter { $0 >= tuning.sizeableEventFrames }.count
            let pairKey = "\(a.points.last!.t):\(b.points.first!.t):\(a.level)"
            if sizeable >= 2, searched.count < tuning.maxMiddleSearches, !searched.contains(pairKey),
               let mid = middleSegment(a: a, fa: fa, b: b, fb: fb, r0: r0, r1: r1)
                   ?? resumedSegment(a: a, fa: fa, b: b, fb: fb, foreign: Int(tA.rounded())..<(Int(tA.rounded()) + gap)) {
                searched.insert(pairKey)
                segments.insert(mid, at: k)
                fits.insert(fit(mid), at: k)
                k -= 1
                continue
            }
            // The reference's first sample can sit a fraction of a frame before the capture's
            // first frame: an event there is at frame 0, never at −1.
            let at = min(max(0, Int(tA.rounded())), max(0, cap.count - 1))
            let eventsBefore = events.count
            if let g = silenceBeforeRepeat(at: at, gap: gap, missing: missing, dup: dup, a: a, fa: fa, sigma2: step.sigma2, after: max(lastBoundary, a.captureStart)) {
                events.append(Event(kind: .gap, captureSample: g.lowerBound, sizeSamples: g.count, sampleRate: fs))
                t1 = g.lowerBound
            } else if let net = tailSpillAtStep(gap: gap, missing: missing, dup: dup) {
                events.append(Event(kind: net > 0 ? .gap : .drop, captureSample: at, sizeSamples: abs(net), sampleRate: fs))
            } else {
                if gap > 0 {
                    let kind: Event.Kind = gap >= tuning.minRepeatTestFrames && isRepeat(t1: at, t2: at + gap, seg: a, fit: fa, sigma2: step.sigma2) ? .repeat : .gap
                    events.append(Event(kind: kind, captureSample: at, sizeSamples: gap, sampleRate: fs))
                    gaps.append(GapEdge(event: events.count - 1, tA: tA, kStart: edges.kStart, segment: out.count))
                }
                if missing > 0 { events.append(Event(kind: .drop, captureSample: at, sizeSamples: missing, sampleRate: fs)) }
                if dup > 0 { events.append(Event(kind: .repeat, captureSample: at + gap, sizeSamples: dup, sampleRate: fs)) }
            }
            if out.count == 1 { firstEvents = eventsBefore..<events.count }
            a.captureEnd = t1
            b.captureStart = t2
            boundaryFrames.insert(t1)
            boundaryFrames.insert(t2)
            out[out.count - 1] = a
            out.append(b)
            outFits.append(fb)
            lastBoundary = t2
        }
        for g in gaps { sizeGap(&events, g, after: out[g.segment]) }
        firstStep = firstEvents.map { r in
            events[r].reduce(0) { $0 + ($1.kind == .drop ? -$1.sizeSamples : $1.kind == .click ? 0 : $1.sizeSamples) }
        }
        segments = out
        fits = outFits
        return boundaryFrames
    }

    /// A step read as a pure repeat (`dup` frames, nothing inserted or missing) whose `dup`
    /// capture frames before it are silent where segment `a` holds the reference there: a
    /// gap of `dup` frames that ends at the step (the frames, or nil). Both segments' fits
    /// are poor where each holds the step's silence beside it (a single window, half silent):
    /// then the split prices the gap's silent frames above `a`'s misfit over them. A
    /// 2600-frame linear sweep at 22.05 kHz with an 866-frame gap halfway read an 866-frame
    /// repeat at the gap's end, its first segment fitted at gain 0.40 and σ² three times the
    /// signal's power. The silence test is ``isSilent(energy:frames:fit:sigma2:)``, as for
    /// ``isRepeat(t1:t2:seg:fit:sigma2:)``; `a` must
    /// put ``AnalyzerTuning/repeatSilenceLoudness`` times the capture's energy there.
    func silenceBeforeRepeat(at: Int, gap: Int, missing: Int, dup: Int, a: Segment, fa: Fit, sigma2: Double, after: Int) -> Range<Int>? {
        guard gap == 0, missing == 0, dup >= tuning.minRepeatTestFrames, at - dup >= max(0, after), at <= cap.count else { return nil }
        let ce = captureEnergy((at - dup)..<at)
        guard isSilent(energy: ce, frames: dup, fit: fa, sigma2: sigma2) else { return nil }
        let me = template(a, at - dup, at).reduce(0.0) { $0 + fa.gain * fa.gain * $1 * $1 }
        guard me >= tuning.repeatSilenceLoudness * ce else { return nil }
        return (at - dup)..<at
    }

    /// Through a room, a step read as a replacement (frames missing and foreign frames in
    /// their place) whose foreign stretch is shorter than the tail is the step alone: after a
    /// step the capture holds the old stream's tail for as long as the tail lasts, which
    /// neither side's model (direct sound + tail at one delay) has, and a short stretch of it
    /// reads as inserted audio. The net step (frames: a gap when positive, a drop when
    /// negative), or nil where the rule does not apply: no tail, a repeat, no step (a
    /// replacement that keeps the delay is heard as one, whatever the path), or a foreign
    /// stretch longer than the tail. Through two rooms (`bench rooms`) music-like signals read
    /// a 480-frame drop as a drop of 586 and a gap of 106 at one frame, multitone bursts as
    /// 4255 and 3775.
    func tailSpillAtStep(gap: Int, missing: Int, dup: Int) -> Int? {
        guard tailFrames > 0, dup == 0, gap > 0, missing > 0, gap <= tailFrames, abs(gap - missing) > 1 else { return nil }
        return gap - missing
    }

    /// A gap (or repeat of silence) as explained at a boundary: its event, where A stops
    /// (capture frame `tA`) and where B starts (reference frame `kStart`), and B's index among
    /// the explained segments.
    struct GapEdge {
        var event: Int
        var tA: Double
        var kStart: Int
        var segment: Int
    }

    /// The gap sized from the final level of the segment after it (`after`). That segment can
    /// still merge with the next one once the gap is explained, taking the level of both runs
    /// of windows: the segmenter can leave a few imprecise windows after a step as a segment
    /// of their own, a fraction of a frame from the rest. A log sweep's gap under a pink floor
    /// was sized from the 5 windows after it, 0.47 frames late, as 241 frames (B − A = 240.81);
    /// from all 72 windows after it, 240.34.
    func sizeGap(_ events: inout [Event], _ g: GapEdge, after b: Segment) {
        let gap = Int((Double(g.kStart) * (1 + b.drift) + b.level - g.tA).rounded())
        guard gap > 0, events.indices.contains(g.event), gap != events[g.event].sizeSamples else { return }
        let e = events[g.event]
        events[g.event] = Event(kind: e.kind, captureSample: e.captureSample, sizeSamples: gap, sampleRate: fs)
    }

    /// Where a step between segments `a` and `b` lies in capture frames `r0..<r1`, and whether
    /// it is one.
    struct StepSplit {
        /// A plays up to `t1` (exclusive), foreign frames fill `t1..<t2`, B plays from `t2`.
        var t1: Int
        var t2: Int
        /// The delay change B − A, rounded.
        var di: Int
        /// The residual variance the step is judged with.
        var sigma2: Double
        /// What one more event must explain to be believed.
        var eventWorth: Double
        /// How much the split explains better than A throughout.
        var savings: Double
        /// Whether B really fits where it is said to start.
        var bFits: Bool
        /// A's mean residual over B's frames in the region, over B's own.
        var aOverB: Double
    }

    /// Whether the probe's last segment `fb` (reached by `step`) holds the capture: false only
    /// where the step is large (``AnalyzerTuning/lastSegmentJudgedFromFrames``) and both
    /// tests of it are weak: its model leaves more than
    /// ``AnalyzerTuning/lastSegmentMaxResidualOfSignal`` of the power it explains, and it
    /// explains its first frames less than ``AnalyzerTuning/lastSegmentMinGainOverA`` times
    /// better than the segment before it would.
    func lastSegmentHeard(_ fb: Fit, _ step: StepSplit) -> Bool {
        abs(step.di) < tuning.lastSegmentJudgedFromFrames
            || fb.sigma2 <= tuning.lastSegmentMaxResidualOfSignal * fb.signalPower
            || step.aOverB >= tuning.lastSegmentMinGainOverA
    }

    /// The split: per-frame costs of A, of B and of foreign frames over `r0..<r1`, the
    /// cheapest A-foreign-B split (``split(a:f:b:open:)``), and the simplest explanation
    /// instead when it is nearly as good.
    func splitStep(a: Segment, fa: Fit, b: Segment, fb: Fit, r0: Int, r1: Int) -> StepSplit {
        let ma = template(a, r0, r1), mb = template(b, r0, r1)
        var ca = [Double](repeating: 0, count: r1 - r0), cb = ca, cf = ca
        for i in 0..<(r1 - r0) {
            let c = Double(cap[r0 + i])
            let ea = c - fa.gain * ma[i], eb = c - fb.gain * mb[i]
            ca[i] = ea * ea
            cb[i] = eb * eb
            cf[i] = c * c
        }
        // Residual variance, floored at -40 dB of the signal: below that, a misfit is a
        // modelling detail (interpolation, a hair of delay error), not a discontinuity.
        // (A segment's own estimate is inflated when most of its extent is the silence or
        // the foreign frames of the step next to it — a short segment at the probe's end —
        // so one that is a hundred times the other's is not trusted.)
        let sigma2 = max(min(max(fa.sigma2, fb.sigma2), tuning.sigma2TrustRatio * min(fa.sigma2, fb.sigma2)),
                         tuning.stepSigma2FloorOfSignal * max(fa.signalPower, fb.signalPower))
        // Foreign frames must fit clearly better than either alignment.
        let cfRaw = cf
        for i in 0..<cf.count { cf[i] += tuning.foreignFrameCost * sigma2 }
        let open = tuning.foreignStretchOpenCost * sigma2
        var sp = Explainer.split(a: ca, f: cf, b: cb, open: open)
        let delta = b.level - a.level
        let di = Int(delta.rounded())
        // Occam: the simplest explanation of the step (Δ foreign frames, or Δ repeated
        // frames, or a pure drop) wins unless the free split is better by more than one
        // event's worth. Between the two single-event explanations the raw fit decides.
        var pure = Explainer.split(a: ca, f: cfRaw, b: cb, open: 0, fixedForeign: 0)
        var pureCost = pure.cost
        var gapOverNone = false
        if di > 0 {
            let gap = Explainer.split(a: ca, f: cfRaw, b: cb, open: 0, fixedForeign: di)
            if gap.cost < pure.cost {
                pure = gap
                pureCost = gap.cost + open + tuning.foreignFrameCost * sigma2 * Double(di)
                gapOverNone = true
            }
        }
        // A discontinuity through a band-limited path smears over a few frames, which fit
        // neither alignment: a second event must explain more than a few frames of signal.
        let eventWorth = max(tuning.eventWorthSigma2 * sigma2, tuning.eventWorthSignalFrames * max(fa.signalPower, fb.signalPower))
        // A free split without foreign frames is the other single-event explanation (the
        // step as Δ repeated frames), which the raw fit has already judged against the gap.
        if pureCost <= sp.cost + eventWorth {
            sp = (pure.t1, pure.t2, pureCost)
        } else if gapOverNone, sp.t1 == sp.t2 {
            sp = (pure.t1, pure.t2, sp.cost)   // its savings are no less than the free split's
        }
        let t1 = r0 + sp.t1, t2 = r0 + sp.t2
        let savings = ca.reduce(0, +) - sp.cost
        // B must really fit where it is said to start, about as well as A fits: a stray
        // window match (an echo, a similar stretch elsewhere) does not.
        let floorA = max(fa.sigma2, tuning.stepSigma2FloorOfSignal * fa.signalPower)
        let tailB = cb[(t2 - r0)...]
        let meanB = tailB.reduce(0, +) / Double(max(1, tailB.count))
        let tailA = ca[(t2 - r0)...]
        let meanA = tailA.reduce(0, +) / Double(max(1, tailA.count))
        // …or, where the path itself is hard to follow (a probe above the path's Nyquist
        // frequency), at least explain the capture there five times better than A does.
        let bFits = tailB.count < tuning.minFramesToJudgeB
            || meanB <= max(tuning.bFitFloorMultiple * max(floorA, min(fb.sigma2, tuning.bFitSignalFraction * fb.signalPower)), tuning.bFitMaxOfSignal * fb.signalPower)
            || (meanB <= tuning.bFitBetterThanA * meanA && meanB <= tuning.bFitHardPathMaxOfSignal * fb.signalPower)
            || b.points.count >= tuning.bFitMinWindows   // windows agreeing on a delay are not a stray match
        return StepSplit(t1: t1, t2: t2, di: di, sigma2: sigma2, eventWorth: eventWorth, savings: savings, bFits: bFits,
                         aOverB: meanB > 0 ? meanA / meanB : .infinity)
    }

    /// `a` and `b` as one segment (no discontinuity between them): `a`'s extent run on to
    /// `b`'s end, both their windows, and the level of all of them; a short segment keeps its
    /// exact level, and one refined from its whole extent (``Segment/refined``, `a`'s first)
    /// keeps that level.
    static func merged(_ a: Segment, _ b: Segment) -> Segment {
        var m = a
        m.captureEnd = b.captureEnd
        m.points += b.points
        if a.short || a.refined { return m }
        m.fittedSigma = nil   // the level is taken again, from the windows of both
        if b.refined {
            m.level = b.level
            m.refined = true
        } else {
            m.level = Segmenter.level(of: m.points, drift: m.drift)
        }
        return m
    }

    /// Whether the path explains what the capture holds at frames `heard` (capture frames),
    /// which the split read as model frames `span` replaced by silence between segments `a`
    /// and `b`: the capture there holds at least ``AnalyzerTuning/replacementCaptureOfSignal``
    /// of what the path makes of those model frames (``PathResponse``, measured over the
    /// longer of the two segments), as the click scan asks of its replacements inside a
    /// segment. Through a steep 2 kHz low-pass the short path model still passes −14 dB of a
    /// multitone burst's 6 kHz tone, so the burst's low tones alone, as the path passed them,
    /// read as the burst replaced by silence: a false 9529-frame drop and gap at one frame.
    func pathExplainsReplacement(_ span: Range<Int>, heard: Range<Int>, _ a: Segment, _ b: Segment) -> Bool {
        let longer = (a.captureEnd - a.captureStart) >= (b.captureEnd - b.captureStart) ? a : b
        let lo = max(0, heard.lowerBound), hi = min(cap.count, heard.upperBound)
        guard hi > lo, let path = PathResponse(ref: ref, cap: cap, segment: longer) else { return false }
        var e = 0.0
        for t in lo..<hi { e += Double(cap[t]) * Double(cap[t]) }
        return (path.heardShare(captured: e, frames: hi - lo, of: ref, span) ?? 0) >= tuning.replacementCaptureOfSignal
    }

    /// Clicks and short replacements inside each segment, away from the steps at its ends.
    /// Returns the signal and residual energy scanned (for the SNR), and the frames scanned.
    func scanSegments(_ segments: [Segment], _ fits: [Fit], _ boundaryFrames: Set<Int>, _ events: inout [Event]) -> (Double, Double, Int) {
        var sigE = 0.0, resE = 0.0, frames = 0
        for (s, f) in zip(segments, fits) {
            let (ra, rb) = refSpan(s)
            var lo = max(s.captureStart, ra, 0), hi = min(s.captureEnd, rb, cap.count)
            if boundaryFrames.contains(s.captureStart) { lo += tuning.stepMarginFrames }
            if boundaryFrames.contains(s.captureEnd) { hi -= tuning.stepMarginFrames }
            guard hi - lo > tuning.minScanFrames else { continue }
            let scan = scanResidual(s, f, lo, hi)
            events += scan.events
            sigE += scan.signalEnergy
            resE += scan.residualEnergy
            frames += hi - lo
        }
        return (sigE, resE, frames)
    }

    /// One explanation of the probe's first frames: the leading replacement, when there is
    /// one and the path, measured over segment `longest`, does not make it as quiet
    /// (``quietWhereThePathMayStop(_:_:probe:pathOver:)``), instead of the scan's pieces of it.
    func applyLeadingReplacement(_ first: Segment, _ fit: Fit, pathOver longest: Segment, _ events: inout [Event]) {
        guard let lead = leadingReplacement(first, fit, pathOver: longest) else { return }
        events.removeAll { ($0.kind == .gap || $0.kind == .drop || $0.kind == .click) && $0.captureSample < lead.start + lead.size + tuning.leadingReplacementMargin }
        events.append(Event(kind: .gap, captureSample: lead.start, sizeSamples: lead.size, sampleRate: fs))
        events.append(Event(kind: .drop, captureSample: lead.start, sizeSamples: lead.size, sampleRate: fs))
    }
}
