// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// Turns segments into events: exact step positions and sizes, their kinds, and clicks.
struct Explainer {
    let ref: [Float]
    let cap: [Float]
    let interp: SincInterpolator
    let fs: Int
    /// Spectral flatness below which a long residual burst is the path's own image, not a click.
    static let minBurstFlatness = 0.15

    struct Result {
        var events: [Event] = []
        var snrDB: Double?
        var firstGain: Double?
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
        return ref.withUnsafeBufferPointer { rb in
            (lo..<hi).map { t in
                let p = s.refPosition(atCapture: Double(t))
                if p < -Double(interp.halfWidth) || p > Double(ref.count + interp.halfWidth) { return 0 }
                return interp.value(at: p, in: rb)
            }
        }
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
        guard hi - lo > 16 else { return Fit(gain: 1, sigma2: 1e-12, signalPower: 0, peak: 0) }
        let step = max(1, (hi - lo) / 40000)
        var sxy = 0.0, sxx = 0.0
        var idx: [Int] = []
        var ms: [Double] = []
        ref.withUnsafeBufferPointer { rb in
            var t = lo
            while t < hi {
                let m = interp.value(at: s.refPosition(atCapture: Double(t)), in: rb)
                let c = Double(cap[t])
                sxy += c * m
                sxx += m * m
                idx.append(t)
                ms.append(m)
                t += step
            }
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
        let sigma2 = max(median(r2) / 0.455, sig * 1e-9, 1e-14)
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
        var result = Result()
        let w = RoundTripAnalysis.window
        guard !segments.isEmpty else { return result }
        // A lone window that straddles a step matches halfway between the two delays, with a
        // poorer correlation than the windows around it: it belongs to the neighbour whose
        // delay it nearly has, not to a segment of its own.
        var si = 0
        while si < segments.count && segments.count > 1 {
            let sg = segments[si]
            if sg.points.count == 1, !sg.short {
                let rho = abs(sg.points[0].rho)
                let cands = [si - 1, si + 1].filter { $0 >= 0 && $0 < segments.count && segments[$0].points.count >= 2 }
                if let j = cands.min(by: { abs(segments[$0].level - sg.level) < abs(segments[$1].level - sg.level) }),
                   abs(segments[j].level - sg.level) <= 2,
                   rho < 0.95 * median(segments[j].points.map { abs($0.rho) }) {
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
        var fits = segments.map { fit($0) }

        var out: [Segment] = [segments[0]]
        var outFits: [Fit] = [fits[0]]
        var lastBoundary = 0
        var boundaryFrames = Set<Int>()
        var k = 0
        var searched = Set<String>()   // pairs already searched for a middle (at most 64 searches)
        var trailingSearched = false
        while true {
            if k + 1 >= segments.count {
                // The probe's last frames at yet another delay, after the last tracked segment.
                guard !trailingSearched else { break }
                trailingSearched = true
                let a = out[out.count - 1]
                guard !a.short else { break }
                let r0 = max(a.points.last!.t, lastBoundary, 0)
                let r1 = min(cap.count, refSpan(a).1 + 1)
                guard let tail = middleSegment(a: a, fa: outFits[outFits.count - 1], b: nil, fb: nil, r0: r0, r1: r1) else { break }
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
            let sigma2 = max(min(max(fa.sigma2, fb.sigma2), 100 * min(fa.sigma2, fb.sigma2)), 1e-4 * max(fa.signalPower, fb.signalPower))
            // Foreign frames must fit clearly better than either alignment: 2σ² each.
            let cfRaw = cf
            for i in 0..<cf.count { cf[i] += 2 * sigma2 }
            let open = 10 * sigma2
            var sp = Explainer.split(a: ca, f: cf, b: cb, open: open)
            let delta = b.level - a.level
            let di = Int(delta.rounded())
            // Occam: the simplest explanation of the step (Δ foreign frames, or Δ repeated
            // frames, or a pure drop) wins unless the free split is better by more than one
            // event's worth. Between the two single-event explanations the raw fit decides.
            var pure = Explainer.split(a: ca, f: cfRaw, b: cb, open: 0, fixedForeign: 0)
            var pureCost = pure.cost
            if di > 0 {
                let gap = Explainer.split(a: ca, f: cfRaw, b: cb, open: 0, fixedForeign: di)
                if gap.cost < pure.cost {
                    pure = gap
                    pureCost = gap.cost + open + 2 * sigma2 * Double(di)
                }
            }
            // A discontinuity through a band-limited path smears over a few frames, which fit
            // neither alignment: a second event must explain more than four frames of signal.
            let eventWorth = max(25 * sigma2, 4 * max(fa.signalPower, fb.signalPower))
            if pureCost <= sp.cost + eventWorth { sp = (pure.t1, pure.t2, pureCost) }
            let t1 = r0 + sp.t1, t2 = r0 + sp.t2
            let savings = ca.reduce(0, +) - sp.cost
            // B must really fit where it is said to start, about as well as A fits: a stray
            // window match (an echo, a similar stretch elsewhere) does not.
            let floorA = max(fa.sigma2, 1e-4 * fa.signalPower)
            let tailB = cb[(t2 - r0)...]
            let meanB = tailB.reduce(0, +) / Double(max(1, tailB.count))
            let tailA = ca[(t2 - r0)...]
            let meanA = tailA.reduce(0, +) / Double(max(1, tailA.count))
            // …or, where the path itself is hard to follow (a probe above the path's Nyquist
            // frequency), at least explain the capture there five times better than A does.
            let bFits = tailB.count < 32 || meanB <= max(4 * max(floorA, min(fb.sigma2, 0.05 * fb.signalPower)), 0.1 * fb.signalPower)
                || (meanB <= 0.2 * meanA && meanB <= 0.3 * fb.signalPower)
                || b.points.count >= 3   // three windows agreeing on a delay are not a stray match
            if !bFits && k + 1 < segments.count {
                continue
            }
            if (di == 0 && t2 == t1) || savings < 25 * sigma2 {
                // No discontinuity after all: one segment.
                a.captureEnd = b.captureEnd
                a.points += b.points
                out[out.count - 1] = a
                continue
            }
            // Place the edges on the reference's own sample grid: A plays up to kCut − 1, B
            // from kStart, each as the band-limited signal that stops (starts) exactly there.
            // This fits the frames a fractional delay smears across an edge, and tells a
            // one-frame repeat from a one-frame gap by what the path made of it.
            let edges = t2 - t1 > 96
                ? refineEdges(a: a, fa: fa, b: b, fb: fb, t1: t1, t2: t2, di: di, eventWorth: eventWorth)
                : jointEdges(a: a, fa: fa, b: b, fb: fb, t1: t1, t2: t2, di: di, eventWorth: eventWorth)
            let tA = Double(edges.kCut) * (1 + a.drift) + a.level
            let tB = Double(edges.kStart) * (1 + b.drift) + b.level
            let gap = max(0, Int((tB - tA).rounded()))
            let dup = max(0, edges.kCut - edges.kStart)
            let missing = max(0, edges.kStart - edges.kCut)
            // Two sizeable events at one boundary may be two boundaries: a stretch shorter than
            // a tracking window between them, at a third delay (QEMU's drop-then-underrun
            // pairs, two PA underruns 10 ms apart). Look for it once per pair (64 searches at
            // most); when it is there, it becomes a segment of its own and both boundaries are
            // explained one by one, each of which may hold another such stretch.
            let sizeable = [gap, missing, dup].filter { $0 >= 16 }.count
            let pairKey = "\(a.points.last!.t):\(b.points.first!.t):\(a.level)"
            if sizeable >= 2, searched.count < 64, !searched.contains(pairKey),
               let mid = middleSegment(a: a, fa: fa, b: b, fb: fb, r0: r0, r1: r1) {
                searched.insert(pairKey)
                segments.insert(mid, at: k)
                fits.insert(fit(mid), at: k)
                k -= 1
                continue
            }
            let at = Int(tA.rounded())
            var events: [Event] = []
            if gap > 0 {
                let kind: Event.Kind = gap >= 8 && isRepeat(t1: at, t2: at + gap, seg: a, fit: fa, sigma2: sigma2) ? .repeat : .gap
                events.append(Event(kind: kind, captureSample: at, sizeSamples: gap, sampleRate: fs))
            }
            if missing > 0 { events.append(Event(kind: .drop, captureSample: at, sizeSamples: missing, sampleRate: fs)) }
            if dup > 0 { events.append(Event(kind: .repeat, captureSample: at + gap, sizeSamples: dup, sampleRate: fs)) }
            result.events += events
            a.captureEnd = t1
            b.captureStart = t2
            boundaryFrames.insert(t1)
            boundaryFrames.insert(t2)
            out[out.count - 1] = a
            out.append(b)
            outFits.append(fb)
            lastBoundary = t2
        }
        segments = out
        fits = outFits
        // The first segment starts where the reference starts; the last ends where it ends.
        segments[0].captureStart = max(0, refSpan(segments[0]).0)
        segments[segments.count - 1].captureEnd = min(cap.count, refSpan(segments[segments.count - 1]).1 + 1)
        result.firstGain = fits[0].gain

        // Clicks and short replacements inside segments.
        var sigE = 0.0, resE = 0.0
        for (s, f) in zip(segments, fits) {
            let (ra, rb) = refSpan(s)
            var lo = max(s.captureStart, ra, 0), hi = min(s.captureEnd, rb, cap.count)
            if boundaryFrames.contains(s.captureStart) { lo += 32 }
            if boundaryFrames.contains(s.captureEnd) { hi -= 32 }
            guard hi - lo > 64 else { continue }
            let scan = scanResidual(s, f, lo, hi)
            result.events += scan.events
            sigE += scan.signalEnergy
            resE += scan.residualEnergy
        }
        if let lead = leadingReplacement(segments[0], fits[0]) {
            // One explanation of the probe's first frames: this one, not the scan's pieces of it.
            result.events.removeAll { ($0.kind == .gap || $0.kind == .drop || $0.kind == .click) && $0.captureSample < lead.start + lead.size + 32 }
            result.events.append(Event(kind: .gap, captureSample: lead.start, sizeSamples: lead.size, sampleRate: fs))
            result.events.append(Event(kind: .drop, captureSample: lead.start, sizeSamples: lead.size, sampleRate: fs))
        }
        if resE > 0 && sigE > 0 { result.snrDB = 10 * log10(sigE / resE) }
        return result
    }

    /// A stretch between segments `a` and `b` (capture frames r0..<r1) that neither explains
    /// but that the reference explains at a third delay: found by correlating the stretch
    /// where both misfit with the reference around both delays. Nil unless the match is close
    /// (normalised correlation ≥ 0.9) and at least 64 frames long.
    /// With `b` nil, the stretch is looked for after `a`, the last segment (the probe's last
    /// frames at another delay).
    func middleSegment(a: Segment, fa: Fit, b: Segment?, fb: Fit?, r0: Int, r1: Int) -> Segment? {
        guard r1 - r0 > 128 else { return nil }
        let ma = template(a, r0, r1)
        let mb = b.map { template($0, r0, r1) } ?? [Double](repeating: 0, count: r1 - r0)
        let fb = fb ?? fa
        let n = r1 - r0
        var both = [Bool](repeating: false, count: n)
        let sig = max(fa.signalPower, fb.signalPower)
        let floor2 = max(fa.sigma2, fb.sigma2, 1e-4 * sig)
        // Frames where neither alignment fits (smoothed over 32 frames) but the capture holds signal.
        var pa = [Double](repeating: 0, count: n + 1), pb = pa, pc = pa
        for i in 0..<n {
            let c = Double(cap[r0 + i])
            let ea = c - fa.gain * ma[i], eb = c - fb.gain * mb[i]
            pa[i + 1] = pa[i] + ea * ea
            pb[i + 1] = pb[i] + eb * eb
            pc[i + 1] = pc[i] + c * c
        }
        for i in 0..<n {
            let lo = max(0, i - 16), hi = min(n, i + 16)
            let len = Double(hi - lo)
            let ea = (pa[hi] - pa[lo]) / len, eb = (pb[hi] - pb[lo]) / len, ec = (pc[hi] - pc[lo]) / len
            both[i] = ea > max(8 * floor2, 0.2 * ec) && (b == nil || eb > max(8 * floor2, 0.2 * ec)) && ec > 0.1 * sig
        }
        var best = (0, 0)
        var i = 0
        while i < n {
            guard both[i] else { i += 1; continue }
            var j = i
            while j < n && both[j] { j += 1 }
            if j - i > best.1 - best.0 { best = (i, j) }
            i = j
        }
        // Trim the smoothing's reach at both ends; the boundaries are placed exactly later.
        let s0 = r0 + best.0 + 16, s1 = r0 + best.1 - 16
        guard s1 - s0 >= 64 else { return nil }
        // Correlate that stretch with the reference over delays around both neighbours.
        let bLevel = b?.level ?? a.level
        let dLo = Int(min(a.level, bLevel).rounded(.down)) - RoundTripAnalysis.searchRadius
        let dHi = Int(max(a.level, bLevel).rounded(.up)) + RoundTripAnalysis.searchRadius
        let len = s1 - s0
        let pLo = s0 - dHi, pHi = s0 - dLo   // reference start positions of the stretch
        var seg = [Float](repeating: 0, count: pHi - pLo + len)
        for q in 0..<seg.count where pLo + q >= 0 && pLo + q < ref.count { seg[q] = ref[pLo + q] }
        let corr: [Double] = cap.withUnsafeBufferPointer { cp in
            seg.withUnsafeBufferPointer { sp in
                Correlation.crossCorrelate(signal: sp, template: UnsafeBufferPointer(rebasing: cp[s0..<s1]), lags: 0...(pHi - pLo))
            }
        }
        var capE = 0.0
        for t in s0..<s1 { capE += Double(cap[t]) * Double(cap[t]) }
        var refPre = [Double](repeating: 0, count: seg.count + 1)
        for q in 0..<seg.count { refPre[q + 1] = refPre[q] + Double(seg[q]) * Double(seg[q]) }
        var bestK = -1, bestRho = 0.0
        let sign: Double = fa.gain >= 0 ? 1 : -1
        for kk in 0..<corr.count {
            let e = refPre[kk + len] - refPre[kk]
            guard e > 0.05 * capE else { continue }
            let r = sign * corr[kk] / (e * capE).squareRoot()
            if r > bestRho { bestRho = r; bestK = kk }
        }
        guard bestK >= 0, bestRho >= 0.9 else { return nil }
        let lo = max(0, bestK - 40), hi = min(corr.count, bestK + 41)
        let local = Array(corr[lo..<hi])
        let r = SincInterpolator.maximize(around: Double(bestK - lo)) { x in sign * interp.value(at: x, in: local) }
        let p = Double(pLo) + Double(lo) + r.position   // reference position heard at s0
        let level = Double(s0) - p * (1 + a.drift)
        // Not one of the neighbours again.
        guard abs(level - a.level) > 2, abs(level - bLevel) > 2 || b == nil else { return nil }
        let point = TrackPoint(t: s0, p: p, rho: bestRho, sigma: 1)
        return Segment(level: level, drift: a.drift, captureStart: s0, captureEnd: s1, points: [point], short: true)
    }

    /// The probe's first frames replaced (by silence, or by audio that is not the probe) before
    /// the first segment's audio begins: QEMU replays a stale ring or a queue of old silence
    /// over the start of playback. The replacement is taken to start where the reference does:
    /// inside its fade-in the reference is too faint for the capture to tell either way.
    /// Returns the capture frame and the length, or nil when the probe starts intact.
    func leadingReplacement(_ s: Segment, _ f: Fit) -> (start: Int, size: Int)? {
        let (ra, rb) = refSpan(s)
        let start = max(0, ra)
        let limit = min(cap.count, s.captureEnd, rb)
        guard limit - start > 128, f.signalPower > 0 else { return nil }
        let m = template(s, start, limit)
        let blk = 32
        var t = 0
        var replaced = 0
        // Walk 32-frame blocks while the probe is missing (residual, beyond the noise, at least
        // half the probe's energy there) or too faint to judge.
        while t + blk <= m.count {
            var me = 0.0, re = 0.0
            for i in t..<(t + blk) {
                let g = f.gain * m[i]
                let e = Double(cap[start + i]) - g
                me += g * g
                re += e * e
            }
            let noise = Double(blk) * f.sigma2
            if me < max(0.01 * f.signalPower * Double(blk), 4 * noise) { t += blk; continue }
            // Beyond the noise and its spread (χ² with 32 degrees of freedom: ±25 %, 3σ).
            if re - noise > 0.5 * me + 0.75 * noise { replaced += blk; t += blk; continue }
            break
        }
        guard replaced >= 32, t >= 64 else { return nil }
        // The exact end: the probe-aligned fit takes over from the replacement.
        let n = min(m.count, t + 64)
        var pr = [Double](repeating: 0, count: n + 1), pc = pr
        for i in 0..<n {
            let c = Double(cap[start + i])
            let e = c - f.gain * m[i]
            pr[i + 1] = pr[i] + e * e
            pc[i + 1] = pc[i] + c * c + 2 * f.sigma2
        }
        var best = (t2: t, cost: Double.infinity)
        for t2 in max(1, t - 2 * blk)...n {
            let cost = pc[t2] + (pr[n] - pr[t2])
            if cost < best.cost { best = (t2, cost) }
        }
        return (start, best.t2)
    }

    /// The last reference sample A plays (`kCut` is the first it does not) and the first one B
    /// plays, each chosen within ±2 of the split so that the band-limited signal that stops
    /// (starts) exactly there fits the capture around the edge best.
    func refineEdges(a: Segment, fa: Fit, b: Segment, fb: Fit, t1: Int, t2: Int, di: Int, eventWorth: Double) -> (kCut: Int, kStart: Int) {
        ref.withUnsafeBufferPointer { rb in
            let kA0 = Int(a.refPosition(atCapture: Double(t1)).rounded())
            var costA: [(Int, Double)] = []
            for k in (kA0 - 3)...(kA0 + 3) {
                var cost = 0.0
                for t in max(0, t1 - 40)..<min(t2, t1 + 40, cap.count) {
                    let e = Double(cap[t]) - fa.gain * interp.value(at: a.refPosition(atCapture: Double(t)), in: rb, valid: 0..<max(0, k))
                    cost += e * e
                }
                costA.append((k, cost))
            }
            let kB0 = Int(b.refPosition(atCapture: Double(t2)).rounded())
            var costB: [(Int, Double)] = []
            for k in (kB0 - 3)...(kB0 + 3) {
                var cost = 0.0
                for t in max(t1, t2 - 40)..<min(t2 + 40, cap.count) {
                    let e = Double(cap[t]) - fb.gain * interp.value(at: b.refPosition(atCapture: Double(t)), in: rb, valid: max(0, k)..<ref.count)
                    cost += e * e
                }
                costB.append((k, cost))
            }
            // The edges are scored apart, then paired: an explanation with one event more
            // (a drop beside the gap, a repeat after it) must be worth it.
            var best = (kA0, kB0, Double.infinity)
            for (ka, ca) in costA {
                for (kb, cb) in costB where kb >= ka - di {
                    let count = (kb - ka + di > 0 ? 1 : 0) + (kb != ka ? 1 : 0)
                    let score = ca + cb + Double(max(0, count - 1)) * eventWorth
                    if score < best.2 { best = (ka, kb, score) }
                }
            }
            return (best.0, best.1)
        }
    }

    /// Both edges at once, for a short event: every (kCut, kStart) near the split, scored by
    /// how well A-until-kCut plus B-from-kStart (band-limited, silence between) fits the
    /// capture around it. Each event beyond the first costs `eventWorth`.
    func jointEdges(a: Segment, fa: Fit, b: Segment, fb: Fit, t1: Int, t2: Int, di: Int, eventWorth: Double) -> (kCut: Int, kStart: Int) {
        ref.withUnsafeBufferPointer { rb in
            let lo = max(0, t1 - 48), hi = min(cap.count, t2 + 48)
            guard hi > lo else { return (0, 0) }
            let kA0 = Int(a.refPosition(atCapture: Double(t1)).rounded())
            let pa = (lo..<hi).map { a.refPosition(atCapture: Double($0)) }
            let pb = (lo..<hi).map { b.refPosition(atCapture: Double($0)) }
            let insert = max(0, di)
            var best = (kA0, kA0 - di, Double.infinity)
            for kCut in (kA0 - 3)...(kA0 + 3) {
                // B starts no earlier than A stops (the gap, kStart − kCut + Δ frames, is never
                // negative): from a pure repeat or pure drop (kStart = kCut − Δ) up to a pure
                // gap, and a little beyond for a replaced stretch.
                let kLo = kCut - di
                let kHi = kLo + insert + (t2 - t1) + 1
                let aPart = (0..<(hi - lo)).map { fa.gain * interp.value(at: pa[$0], in: rb, valid: 0..<max(0, kCut)) }
                for kStart in kLo...kHi {
                    var cost = 0.0
                    for i in 0..<(hi - lo) {
                        let e = Double(cap[lo + i]) - aPart[i] - fb.gain * interp.value(at: pb[i], in: rb, valid: max(0, kStart)..<ref.count)
                        cost += e * e
                    }
                    let tA = Double(kCut) * (1 + a.drift) + a.level
                    let tB = Double(kStart) * (1 + b.drift) + b.level
                    let gap = Int((tB - tA).rounded()) > 0
                    let count = (gap ? 1 : 0) + (kCut != kStart ? 1 : 0)
                    let score = cost + Double(max(0, count - 1)) * eventWorth
                    if score < best.2 { best = (kCut, kStart, score) }
                }
            }
            return (best.0, best.1)
        }
    }

    /// Whether the foreign frames [t1, t2) copy earlier audio (rather than silence or noise).
    func isRepeat(t1: Int, t2: Int, seg: Segment, fit: Fit, sigma2: Double) -> Bool {
        let len = t2 - t1
        guard len >= 8 else { return false }
        var ce = 0.0
        for t in t1..<t2 { ce += Double(cap[t]) * Double(cap[t]) }
        // Near-silent (at most noise): a gap.
        if ce < Double(len) * max(4 * sigma2, 0.1 * fit.signalPower) { return false }
        // Look for the inserted frames in the reference, before where A would have continued.
        let pHere = Int(seg.refPosition(atCapture: Double(t1)).rounded())
        let lo = max(0, pHere - 4 * max(len, 2048)), hi = min(ref.count - len, pHere + 16)
        guard hi > lo else { return false }
        let stretch = Array(ref[lo..<(hi + len)])
        let piece = Array(cap[t1..<t2])
        let corr = Correlation.crossCorrelate(signal: stretch, template: piece, lags: 0...(hi - lo))
        var pre = [Double](repeating: 0, count: stretch.count + 1)
        for i in 0..<stretch.count { pre[i + 1] = pre[i] + Double(stretch[i]) * Double(stretch[i]) }
        var best = 0.0
        for k in 0..<corr.count {
            let e = pre[k + len] - pre[k]
            guard e > 0 else { continue }
            best = max(best, abs(corr[k]) / (e * ce).squareRoot())
        }
        return best >= 0.6
    }

    struct Scan {
        var events: [Event] = []
        var signalEnergy = 0.0
        var residualEnergy = 0.0
    }

    /// Scans the residual of segment `s` over [lo, hi) for transients and short dropouts.
    func scanResidual(_ s: Segment, _ f: Fit, _ lo: Int, _ hi: Int) -> Scan {
        var scan = Scan()
        let n = hi - lo
        let m = template(s, lo, hi)
        var e = [Double](repeating: 0, count: n)
        for i in 0..<n { e[i] = Double(cap[lo + i]) - f.gain * m[i] }
        // Local noise: robust per 512-block variance, smoothed by a median over ±4 blocks.
        let block = 512
        let nb = (n + block - 1) / block
        var bvar = [Double](repeating: 0, count: nb), bmean = bvar, tpow = bvar
        for b in 0..<nb {
            let a = b * block, z = min(n, a + block)
            let sq = (a..<z).map { e[$0] * e[$0] }
            bvar[b] = median(sq) / 0.455
            bmean[b] = sq.reduce(0, +) / Double(max(1, sq.count))
            tpow[b] = (a..<z).reduce(0.0) { $0 + f.gain * f.gain * m[$1] * m[$1] } / Double(max(1, z - a))
        }
        let floor2 = pow(0.001 * max(f.peak, 1e-9), 2)
        // How well the model fits this segment overall (residual over signal, per block, median):
        // a stationary misfit (a path the model cannot follow exactly) is not a transient.
        let ratios = (0..<nb).compactMap { tpow[$0] > 0 ? bmean[$0] / tpow[$0] : nil }
        let fitRatio = max(4e-4, ratios.isEmpty ? 0 : median(ratios))
        var sig2 = [Double](repeating: 0, count: nb)
        for b in 0..<nb {
            // The larger of a median-based and a mean-based estimate: the first resists the
            // bursts being looked for, the second does not underestimate heavy-tailed residuals.
            let nbh = max(0, b - 4)...min(nb - 1, b + 4)
            // Model error (a hair of delay or gain error, interpolation) grows with the signal
            // itself: allow for it in proportion to the local signal power (at least -34 dB).
            let local = tpow[max(0, b - 1)...min(nb - 1, b + 1)].max() ?? 0
            sig2[b] = max(median(Array(bvar[nbh])), median(Array(bmean[nbh])), floor2, f.sigma2 * 0.25, fitRatio * local)
        }
        var pe = [Double](repeating: 0, count: n + 1), pcap = pe, pmod = pe
        for i in 0..<n {
            pe[i + 1] = pe[i] + e[i] * e[i]
            let c = Double(cap[lo + i]), g = f.gain * m[i]
            pcap[i + 1] = pcap[i] + c * c
            pmod[i + 1] = pmod[i] + g * g
        }
        // Multi-scale energy test: single samples beyond 6.5σ, or stretches of 16 / 128 frames
        // whose residual energy is 6× / 2.5× the local noise.
        var flagged: [(Int, Int)] = []
        // "Around" looks only where the reference plays: past its ends the residual is
        // trivially zero, which would make the path's own misfit stand out there.
        var mLo = 0, mHi = n
        while mLo < n && m[mLo] == 0 { mLo += 1 }
        while mHi > mLo && m[mHi - 1] == 0 { mHi -= 1 }
        for (len, thr) in [(1, 42.0), (16, 6.0), (128, 2.5)] {
            let hop = max(1, len / 2)
            var i = 0
            while i + len <= n {
                let s2 = sig2[min(nb - 1, (i + len / 2) / block)]
                // …and stand out against the residual right around it: a misfit that builds
                // up over a stretch (a resampler's images as a chirp climbs) is not a transient.
                let l0 = min(i, max(mLo, i - 1024)), r1 = max(i + len, min(mHi, i + len + 1024))
                let around = (pe[i] - pe[l0]) + (pe[r1] - pe[i + len])
                let aroundMean = around / Double(max(1, (i - l0) + (r1 - i - len)))
                if pe[i + len] - pe[i] > thr * Double(len) * max(s2, aroundMean) { flagged.append((i, i + len)) }
                // Silence where the probe plays is a dropout however long it is: the local
                // contrast, meant for images that build up, does not apply to it.
                else if len == 128 {
                    let mE = pmod[i + len] - pmod[i]
                    if mE > 10 * Double(len) * s2 && pcap[i + len] - pcap[i] < 0.1 * mE { flagged.append((i, i + len)) }
                }
                i += hop
            }
        }
        flagged.sort { $0.0 < $1.0 }
        var bursts: [(Int, Int)] = []
        for fl in flagged {
            if let last = bursts.last, fl.0 <= last.1 + 16 {
                bursts[bursts.count - 1].1 = max(last.1, fl.1)
            } else {
                bursts.append(fl)
            }
        }
        var excluded = 0.0
        for (b0, b1) in bursts {
            // Exact extent: the samples beyond 4σ inside the burst.
            let s2 = sig2[min(nb - 1, ((b0 + b1) / 2) / block)]
            var first = -1, last = -1
            for i in b0..<b1 where e[i] * e[i] > 16 * s2 {
                if first < 0 { first = i }
                last = i
            }
            if first < 0 { first = b0; last = b1 - 1 }
            var ce = 0.0, me = 0.0
            for i in first...last {
                ce += Double(cap[lo + i]) * Double(cap[lo + i])
                me += f.gain * f.gain * m[i] * m[i]
            }
            for i in b0..<b1 { excluded += e[i] * e[i] }
            if last - first + 1 >= 2, me > 0, ce < 0.3 * me {
                // The capture fell silent where the signal should be: audio replaced by silence.
                let r0 = max(0, first - 64), r1 = min(n, last + 65)
                var ca = [Double](), cf = [Double]()
                for i in r0..<r1 {
                    ca.append(e[i] * e[i])
                    let c = Double(cap[lo + i])
                    cf.append(c * c)
                }
                let sp = Explainer.split(a: ca, f: cf, b: ca, open: 10 * s2)
                let g = sp.t2 - sp.t1
                if g > 0 {
                    scan.events.append(Event(kind: .gap, captureSample: lo + r0 + sp.t1, sizeSamples: g, sampleRate: fs))
                    scan.events.append(Event(kind: .drop, captureSample: lo + r0 + sp.t1, sizeSamples: g, sampleRate: fs))
                    continue
                }
            }
            if last - first + 1 > 32 {
                // A long burst that is neither silence nor louder than the signal under it
                // is the path's own distortion (a resampler's images), not a transient.
                var re = 0.0
                for i in first...last { re += e[i] * e[i] }
                if re < me { continue }
                // …and one whose residual is a tone or a sweep (a resampler's image as the
                // probe crosses the path's Nyquist frequency) is not one either: a transient,
                // or garbage in a buffer, is broadband.
                if Spectrum.flatness(Array(e[first...last])) < Self.minBurstFlatness { continue }
            }
            scan.events.append(Event(kind: .click, captureSample: lo + first, sizeSamples: last - first + 1, sampleRate: fs))
        }
        var se = 0.0
        for i in 0..<n { se += f.gain * f.gain * m[i] * m[i] }
        scan.signalEnergy = se
        scan.residualEnergy = max(0, pe[n] - excluded)
        return scan
    }
}
