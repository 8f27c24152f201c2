// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

/// The path's memoryless non-linearity (clipping, a soft limiter, an overdriven converter),
/// as a polynomial in the reference fitted by least squares.
///
/// A clipped capture misfits the bare reference at every peak, and the misfit would look
/// like clicks. A curve y = Σ aₖ xᵏ (k = 1…``AnalyzerTuning/staticCurveDegree``) fitted on
/// the longest segment and applied to the reference sample by sample (before the fractional
/// delay, as the path applies it) makes the residual honest again. It is used only when it
/// explains the capture clearly better than a gain does.
enum StaticCurve {
    /// Where the curve is fitted (capture frames): the ``AnalyzerTuning/pathFitMaxFrames``
    /// of the segment where the capture is loudest, the one nearest the middle among those
    /// within ``AnalyzerTuning/curveStretchTie`` of the loudest. A curve is fitted on the
    /// amplitudes it sees: a speech-like segment's middle second fell in its quiet passages,
    /// no curve stood out there, and the clipped peaks elsewhere read as clicks. (A sweep is
    /// about as loud everywhere: its middle, as before. The capture, not the model: a path
    /// model fitted on a sweep's middle octaves swings wildly at its top.)
    static func loudestStretch(_ cap: [Float], _ a: Int, _ b: Int) -> (Int, Int) {
        let tuning = AnalyzerTuning.standard
        let len = tuning.pathFitMaxFrames
        guard b - a > len else { return (a, b) }
        let middle = (a + b) / 2 - len / 2
        // Energies of len/10-frame blocks (eight lanes at a time), and each stretch's as ten of them.
        let block = len / 10
        func energy(from lo: Int, count: Int) -> Double {
            cap.withUnsafeBufferPointer { c in
                var acc = SIMD8<Float>(repeating: 0)
                var i = lo
                while i + 8 <= lo + count {
                    let v = SIMD8<Float>(c[(i)..<(i + 8)])
                    acc += v * v
                    i += 8
                }
                var tail: Float = 0
                while i < lo + count { tail += c[i] * c[i]; i += 1 }
                return Double(acc.sum() + tail)
            }
        }
        let blocks = (0..<((b - a) / block)).map { energy(from: a + $0 * block, count: block) }
        var candidates: [(start: Int, energy: Double)] = [(middle, energy(from: middle, count: len))]
        if blocks.count >= 10 {
            for k in 0...(blocks.count - 10) { candidates.append((a + k * block, blocks[k..<(k + 10)].reduce(0, +))) }
        }
        let loudest = candidates.map(\.energy).max() ?? 0
        let best = candidates.filter { $0.energy >= (1 - tuning.curveStretchTie) * loudest }.min { abs($0.start - middle) < abs($1.start - middle) }?.start ?? middle
        return (best, best + len)
    }

    /// The reference through the fitted curve (normalised to unit gain), or nil when a plain
    /// gain fits as well.
    static func fit(ref: [Float], cap: [Float], segment s: Segment, interp: SincInterpolator) -> [Float]? {
        let tuning = AnalyzerTuning.standard
        let deg = AnalyzerTuning.staticCurveDegree
        let a = max(s.captureStart, Int(s.level.rounded(.up)), 0)
        let b = min(s.captureEnd, Int(s.level + (1 + s.drift) * Double(ref.count)), cap.count)
        guard b - a >= tuning.staticCurveMinFrames else { return nil }
        let (lo, hi) = loudestStretch(cap, a, b)
        var peak: Float = 0
        for v in ref { peak = max(peak, abs(v)) }
        guard peak > 0 else { return nil }
        // The curve is fitted on the reference at unit peak (well-conditioned powers), each
        // power interpolated at the segment's line on its own: the path's curve acts on the
        // reference's samples before its fractional delay, as the fitted one is applied.
        // (Powers of the interpolated reference differ from that where the reference is
        // broadband: tanh-clipped white noise at 24 dB left 5.8 % of the capture's power
        // where the curve explains all but its noise, under the bar a curve must clear, and
        // read three false clicks at its peaks.)
        let c = (lo..<hi).map { Double(cap[$0]) }
        guard plainGainMisfit(unitAtLine(ref, peak: peak, lo, hi, s, interp: interp), c) >= tuning.staticCurveMinGainMisfit else { return nil }
        let x = powersAtLine(ref, peak: peak, lo, hi, s, interp: interp)
        guard let first = leastSquares(x, c, over: [0..<c.count]) else { return nil }
        // Fitted again without the blocks it leaves unexplained (``blocksExplained``).
        let kept = blocksExplained(x, c, first.h, offset: first.offset)
        // A curve is read off the amplitudes the reference plays: a few pulses (a sparse
        // reference through the clipper) fit 7 coefficients through a handful of values.
        let sounding = kept.reduce(0) { n, r in r.reduce(n) { abs(x[0][$1]) >= tuning.staticCurveSoundingShare ? $0 + 1 : $0 } }
        guard sounding >= tuning.staticCurveMinSounding else { return nil }
        let whole = kept.count == 1 && kept[0] == 0..<c.count
        guard let f = whole ? first : leastSquares(x, c, over: kept),
              f.resCurve > 0, f.resGain > tuning.staticCurveMinImprovement * f.resCurve else { return nil }
        let h = f.h
        // Held flat past the values the fit saw: a polynomial's value there is a guess, and
        // the clipper the curve stands for is flat. (Noise with pauses through tanh clipping,
        // fitted where the reference reached 0.65–0.74 of its peak, asked 2.6 times the
        // clipped capture at the peak elsewhere, and read it as a 5-frame replacement.)
        var seenLo = 0.0, seenHi = 0.0
        for range in kept { for i in range { seenLo = min(seenLo, x[0][i]); seenHi = max(seenHi, x[0][i]) } }
        // Applied to the reference itself, normalised so that its slope at 0 is the gain's,
        // and made monotonic (``monotonic(_:)``).
        let curve = monotonic({ [seenLo, seenHi] (x: Double) -> Double in
            let v = min(max(x, seenLo), seenHi)
            var y = 0.0, xk = 1.0
            for k in 0..<deg { xk *= v; y += h[k] * xk }
            return y / h[0]
        })
        return ref.map { Float(curve(Double($0 / peak)) * Double(peak)) }
    }

    /// The least-squares curve y ≈ Σ hₖ·xₖ + b over `frames` of `c` (`x`: a row per power),
    /// with its residual and that of the best plain gain and offset over the same frames; nil
    /// where either cannot be fitted. The offset takes what the
    /// reference's and the capture's separate means leave between them: noise with pauses,
    /// its mean removed, holds a constant in its pauses that the capture's, removed over
    /// other frames, does not, and 7 coefficients without an offset read it as a curve
    /// (`bench shortrefs`: 2.8 % of a plain path's capture, cut 2.4 times by even powers).
    static func leastSquares(_ x: [[Double]], _ c: [Double], over frames: [Range<Int>]) -> (h: [Double], offset: Double, resCurve: Double, resGain: Double)? {
        let tuning = AnalyzerTuning.standard
        let deg = AnalyzerTuning.staticCurveDegree, n = deg + 1
        var r = [Double](repeating: 0, count: n * n), p = [Double](repeating: 0, count: n)
        var cc = 0.0
        for range in frames {
            for i in range {
                cc += c[i] * c[i]
                for j in 0..<deg {
                    p[j] += c[i] * x[j][i]
                    for k in j..<deg { r[j * n + k] += x[j][i] * x[k][i] }
                    r[j * n + deg] += x[j][i]
                }
                p[deg] += c[i]
                r[deg * n + deg] += 1
            }
        }
        guard r[0] > 0, cc > 0 else { return nil }
        for j in 0..<n { for k in 0..<j { r[j * n + k] = r[k * n + j] } }
        let ridge = tuning.pathFitRidge * r[0]
        for j in 0..<deg { r[j * n + j] += ridge }
        guard let h = PathModel.solve(r, p, n: n), h[0] != 0 else { return nil }
        var hp = 0.0
        for j in 0..<n { hp += h[j] * p[j] }
        guard let resGain = gainResidual(cc: cc, p0: p[0], pd: p[deg], r00: r[0], r0d: r[deg], rdd: r[deg * n + deg]) else { return nil }
        return (Array(h[0..<deg]), h[deg], cc - hp, resGain)
    }

    /// The residual of the plain gain and offset: [r₀₀ r₀d; r₀d r_dd]·[g b] = [p₀ p_d], with
    /// `r00` already holding the ridge; nil where the system is singular. The one formula
    /// ``leastSquares(_:_:over:)`` and the gate before it (``plainGainMisfit(_:_:)``) read.
    static func gainResidual(cc: Double, p0: Double, pd: Double, r00: Double, r0d: Double, rdd: Double) -> Double? {
        let det = r00 * rdd - r0d * r0d
        guard det > 0 else { return nil }
        let g = (p0 * rdd - pd * r0d) / det, b = (r00 * pd - r0d * p0) / det
        return cc - g * p0 - b * pd
    }

    /// The runs of ``AnalyzerTuning/staticCurveBlock``-frame blocks of `c` where curve `h`
    /// leaves a residual of at most ``AnalyzerTuning/staticCurveBlockMisfit`` of the block's
    /// power (the capture's and the curve's). The longest segment's frames are window-grained:
    /// they can run a few hundred frames past a step, where the capture is the reference at
    /// another delay, or over a replacement by silence inside it, and a curve fitted there
    /// misfits everywhere (tanh-clipped multitone with 263 frames past a repeat, noise with
    /// pauses around a 1127-frame replacement: the curve cut the gain's residual 1.3–1.95
    /// times, not 2, and the clipped peaks read 1–6 false clicks). Such a block's residual is
    /// about its whole power; a clipped block's under the curve, a few per cent of it.
    static func blocksExplained(_ x: [[Double]], _ c: [Double], _ h: [Double], offset: Double) -> [Range<Int>] {
        let tuning = AnalyzerTuning.standard
        let block = tuning.staticCurveBlock
        var kept: [Range<Int>] = []
        var b0 = 0
        while b0 < c.count {
            let b1 = min(c.count, b0 + block)
            var res = 0.0, power = 0.0
            for i in b0..<b1 {
                var y = offset
                for k in h.indices { y += h[k] * x[k][i] }
                res += (c[i] - y) * (c[i] - y)
                power += c[i] * c[i] + y * y
            }
            if res <= tuning.staticCurveBlockMisfit * power {
                if let last = kept.last, last.upperBound == b0 { kept[kept.count - 1] = last.lowerBound..<b1 } else { kept.append(b0..<b1) }
            }
            b0 = b1
        }
        return kept
    }

    /// `curve` (slope 1 at 0) made what a path's memoryless non-linearity is, non-decreasing:
    /// its running maximum from 0 up to the reference's peak (1), and its running minimum from
    /// 0 down to −1. A polynomial fitted on a stretch's values can bend back near its rare
    /// loudest ones and past them: white noise's loudest samples (1.5 times the fitted
    /// stretch's, or its own loudest once it sat in it) read, through tanh clipping, a tenth
    /// of the clipped capture there, and a false click at each. (Until session 46 a reference
    /// of a few pulses, outside the corpus's conditions, fitted the polynomial through four
    /// values, and the envelope took its overshoot between them; it now fits none,
    /// ``AnalyzerTuning/staticCurveMinSounding``.)
    static func monotonic(_ curve: @escaping (Double) -> Double) -> (Double) -> Double {
        let k = AnalyzerTuning.staticCurveEnvelopePoints
        // The running extreme at k + 1 points from 0 to ±1.
        func envelope(_ edge: Double, _ pick: (Double, Double) -> Double) -> [Double] {
            var out = [curve(0)]
            for i in 1...k { out.append(pick(out[i - 1], curve(edge * Double(i) / Double(k)))) }
            return out
        }
        let up = envelope(1, max), down = envelope(-1, min)
        return { x in
            let i = min(k, Int(abs(x) * Double(k)))
            return x >= 0 ? max(up[i], curve(x)) : min(down[i], curve(x))
        }
    }

    /// The reference over its peak interpolated at capture frames `lo..<hi` on segment `s`'s
    /// line: bit for bit the first row ``powersAtLine(_:peak:_:_:_:shift:interp:)`` makes.
    static func unitAtLine(_ ref: [Float], peak: Float, _ lo: Int, _ hi: Int, _ s: Segment, interp: SincInterpolator) -> [Double] {
        let (q0, q1) = readSpan(ref.count, lo, hi, s, shift: 0)
        guard q1 > q0 else { return Array(repeating: 0, count: hi - lo) }
        let unit = ref[q0..<q1].map { $0 / peak }
        return unit.withUnsafeBufferPointer { ub in interp.values(at: lo..<hi, in: ub) { s.refPosition(atCapture: Double($0)) - Double(q0) } }
    }

    /// The share of `c`'s energy that the plain gain and offset on `x` leave unexplained, as
    /// ``leastSquares(_:_:over:)`` reads its gain's residual, bit for bit: the same sums in the
    /// same order, its ridge on the gain included (which shrinks the gain by a millionth, and
    /// so leaves about 10⁻⁶ of the energy however well the gain fits); 0 where there is
    /// nothing to fit.
    static func plainGainMisfit(_ x: [Double], _ c: [Double]) -> Double {
        var cc = 0.0, p0 = 0.0, pd = 0.0, r00 = 0.0, r0d = 0.0
        for i in c.indices {
            cc += c[i] * c[i]
            p0 += c[i] * x[i]
            r00 += x[i] * x[i]
            r0d += x[i]
            pd += c[i]
        }
        guard r00 > 0, cc > 0 else { return 0 }
        r00 += AnalyzerTuning.standard.pathFitRidge * r00
        return (gainResidual(cc: cc, p0: p0, pd: pd, r00: r00, r0d: r0d, rdd: Double(c.count)) ?? 0) / cc
    }

    /// The reference frames (of `count`) the interpolator reads for capture frames `lo..<hi`
    /// on segment `s`'s line moved `shift` frames later: its first and its end.
    static func readSpan(_ count: Int, _ lo: Int, _ hi: Int, _ s: Segment, shift: Double) -> (Int, Int) {
        let reach = AnalyzerTuning.interpolatorHalfWidth + 1
        return (max(0, Int((s.refPosition(atCapture: Double(lo)) - shift).rounded(.down)) - reach),
                min(count, Int((s.refPosition(atCapture: Double(hi)) - shift).rounded(.up)) + reach))
    }

    /// The powers 1…``AnalyzerTuning/staticCurveDegree`` of the reference over its peak,
    /// each interpolated at capture frames `lo..<hi` on segment `s`'s line moved `shift`
    /// frames later: a row per power. Only the reference frames the interpolator reads there
    /// are raised to the powers, and they are interpolated side by side, one lane each
    /// (``SincInterpolator/laneValues(at:in:position:)``: bit for bit what seven passes of
    /// `values(at:in:position:)` gave; the curve's fit was 16 % of a card-model soak's CPU with
    /// those, 13.5 % now).
    static func powersAtLine(_ ref: [Float], peak: Float, _ lo: Int, _ hi: Int, _ s: Segment, shift: Double = 0, interp: SincInterpolator) -> [[Double]] {
        let (q0, q1) = readSpan(ref.count, lo, hi, s, shift: shift)
        guard q1 > q0 else { return Array(repeating: Array(repeating: 0, count: hi - lo), count: AnalyzerTuning.staticCurveDegree) }
        let deg = AnalyzerTuning.staticCurveDegree
        // The powers side by side, one lane each, interpolated in one pass.
        let lanes = [SIMD8<Float>](unsafeUninitializedCapacity: q1 - q0) { lb, count in
            lb.initialize(repeating: SIMD8())
            lb.withMemoryRebound(to: Float.self) { fb in
                for i in 0..<(q1 - q0) {
                    let unit = ref[q0 + i] / peak
                    var power = unit
                    fb[8 * i] = power
                    for k in 1..<deg {
                        power *= unit
                        fb[8 * i + k] = power
                    }
                }
            }
            count = q1 - q0
        }
        let values = lanes.withUnsafeBufferPointer { lb in interp.laneValues(at: lo..<hi, in: lb) { s.refPosition(atCapture: Double($0)) - shift - Double(q0) } }
        // A row per power: lane k of every value, read as the floats eight apart they are.
        return values.withUnsafeBufferPointer { vb in
            vb.withMemoryRebound(to: Float.self) { fb in
                (0..<deg).map { k in
                    [Double](unsafeUninitializedCapacity: vb.count) { row, count in
                        for i in 0..<vb.count { row[i] = Double(fb[8 * i + k]) }
                        count = vb.count
                    }
                }
            }
        }
    }

    /// The shift of `s`'s delay (frames, within ±½) at which a curve applied to the reference
    /// before the delay explains the capture best, found by golden section on the residual of
    /// y ≈ Σ aₖ·(xᵏ delayed), each power of the reference interpolated on its own (the curve
    /// acts on the reference's samples, as the path's does); nil when even there the curve
    /// does not cut the gain's residual by ``AnalyzerTuning/staticCurveMinImprovement``, or
    /// does not already at the tracked delay. Under noise the residuals share the capture's
    /// noise, which no curve explains: the curve also counts where it cuts the gain's misfit
    /// beyond that noise (measured where the reference is silent,
    /// ``AnalyzerTuning/curveQuietOfPeak``) by the same factor, and that misfit is no draw of
    /// the noise (``AnalyzerTuning/curveMisfitNoiseSigmas``). Session 54: a clipped pulse
    /// train under hum at 39 dB (the fuzz test's case 3) cut the gain's residual 1.96 times
    /// (5.17 to 2.64, its noise 2.09 of them) and read 0.058 samples early at ±0.0025.
    /// Fitted over ``loudestStretch(_:_:_:)`` of the segment.
    static func delayShift(ref: [Float], cap: [Float], segment s: Segment, interp: SincInterpolator) -> Double? {
        let tuning = AnalyzerTuning.standard
        let deg = AnalyzerTuning.staticCurveDegree
        let a = max(s.captureStart, Int(s.level.rounded(.up)) + 1, 0)
        let b = min(s.captureEnd, Int(s.level + (1 + s.drift) * Double(ref.count)) - 1, cap.count)
        guard b - a > tuning.pathFitMinFrames else { return nil }
        let (lo, hi) = loudestStretch(cap, a, b)
        let peak = ref.reduce(Float(0)) { max($0, abs($1)) }
        guard peak > 0 else { return nil }
        let c = (lo..<hi).map { Double(cap[$0]) }
        let cc = c.reduce(0) { $0 + $1 * $1 }
        guard cc > 0 else { return nil }
        /// The residuals of the curve and of a gain with the delay shifted by `d` (the powers there, `x`, when already made).
        func residuals(_ d: Double, powers given: [[Double]]? = nil) -> (curve: Double, gain: Double)? {
            let x = given ?? powersAtLine(ref, peak: peak, lo, hi, s, shift: d, interp: interp)
            var r = [Double](repeating: 0, count: deg * deg), p = [Double](repeating: 0, count: deg)
            for j in 0..<deg {
                for i in c.indices { p[j] += c[i] * x[j][i] }
                for k in j..<deg {
                    var acc = 0.0
                    for i in c.indices { acc += x[j][i] * x[k][i] }
                    r[j * deg + k] = acc
                    r[k * deg + j] = acc
                }
            }
            guard r[0] > 0 else { return nil }
            for j in 0..<deg { r[j * deg + j] += tuning.pathFitRidge * r[0] }
            guard let h = PathModel.solve(r, p, n: deg) else { return nil }
            let fitted = zip(h, p).reduce(0) { $0 + $1.0 * $1.1 }
            return (cc - fitted, cc - p[0] * p[0] / r[0])
        }
        let atLine = powersAtLine(ref, peak: peak, lo, hi, s, interp: interp)
        // The capture's noise over the stretch, asked only where the curve does not halve the
        // gain's residual outright: its power where the reference on the line is silent (a
        // train is mostly silence), over every frame the residuals sum.
        var noiseMemo: Double?
        func noise() -> Double {
            if let n = noiseMemo { return n }
            let quiet = c.indices.filter { abs(atLine[0][$0]) < tuning.curveQuietOfPeak }
            let n = quiet.count >= tuning.curveMinQuietFrames ? Double(c.count) * quiet.reduce(0.0) { $0 + c[$1] * c[$1] } / Double(quiet.count) : 0
            noiseMemo = n
            return n
        }
        func explains(_ r: (curve: Double, gain: Double)) -> Bool {
            guard r.curve > 0 else { return false }
            if r.gain > tuning.staticCurveMinImprovement * r.curve { return true }
            let n = noise(), beyond = r.gain - n
            return n > 0 && beyond > tuning.staticCurveMinImprovement * max(0, r.curve - n)
                && beyond > tuning.curveMisfitNoiseSigmas * n * (2 / Double(c.count)).squareRoot()
        }
        // The curve must explain the capture at the tracked delay before its delay is searched,
        // by the same margin it must at the end: a linear path's train (most of them) costs
        // one fit, not the search's seventeen (they had tripled the pulse train's analysis).
        guard let start = residuals(0, powers: atLine), explains(start) else { return nil }
        // Golden section over [−½, ½].
        let g = (5.0.squareRoot() - 1) / 2
        var (l, u) = (-0.5, 0.5)
        var x1 = u - g * (u - l), x2 = l + g * (u - l)
        guard var f1 = residuals(x1)?.curve, var f2 = residuals(x2)?.curve else { return nil }
        while u - l > AnalyzerTuning.curveDelayTolerance {
            if f1 < f2 {
                (u, x2, f2) = (x2, x1, f1)
                x1 = u - g * (u - l)
                guard let f = residuals(x1)?.curve else { return nil }
                f1 = f
            } else {
                (l, x1, f1) = (x1, x2, f2)
                x2 = l + g * (u - l)
                guard let f = residuals(x2)?.curve else { return nil }
                f2 = f
            }
        }
        let best = (l + u) / 2
        guard let r = residuals(best), explains(r) else { return nil }
        return best
    }
}
