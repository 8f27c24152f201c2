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
        guard b - a > tuning.pathFitMinFrames else { return nil }
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
        let x = powersAtLine(ref, peak: peak, lo, hi, s, interp: interp)
        var r = [Double](repeating: 0, count: deg * deg), p = [Double](repeating: 0, count: deg)
        var cc = 0.0
        for (i, t) in (lo..<hi).enumerated() {
            let c = Double(cap[t])
            cc += c * c
            for j in 0..<deg {
                p[j] += c * x[j][i]
                for k in j..<deg { r[j * deg + k] += x[j][i] * x[k][i] }
            }
        }
        guard r[0] > 0, cc > 0 else { return nil }
        for j in 0..<deg { for k in 0..<j { r[j * deg + k] = r[k * deg + j] } }
        for j in 0..<deg { r[j * deg + j] += tuning.pathFitRidge * r[0] }
        guard let h = PathModel.solve(r, p, n: deg), h[0] != 0 else { return nil }
        var hp = 0.0
        for j in 0..<deg { hp += h[j] * p[j] }
        let resCurve = cc - hp
        let resGain = cc - p[0] * p[0] / r[0]
        guard resCurve > 0, resGain > tuning.staticCurveMinImprovement * resCurve else { return nil }
        // Applied to the reference itself, normalised so that its slope at 0 is the gain's,
        // and made monotonic (``monotonic(_:)``).
        let curve = monotonic({ (x: Double) -> Double in
            var y = 0.0, xk = 1.0
            for k in 0..<deg { xk *= x; y += h[k] * xk }
            return y / h[0]
        })
        return ref.map { Float(curve(Double($0 / peak)) * Double(peak)) }
    }

    /// `curve` (slope 1 at 0) made what a path's memoryless non-linearity is, non-decreasing:
    /// its running maximum from 0 up to the reference's peak (1), and its running minimum from
    /// 0 down to −1. A polynomial fitted on a stretch's values can bend back near its rare
    /// loudest ones and past them: white noise's loudest samples (1.5 times the fitted
    /// stretch's, or its own loudest once it sat in it) read, through tanh clipping, a tenth
    /// of the clipped capture there, and a false click at each. (A reference of a few pulses,
    /// outside the corpus's conditions, fits the polynomial through four values: the envelope
    /// takes its overshoot between them, where the bare polynomial had met its own fitted
    /// pulses exactly, and a fuzz case of four pulses through the clipper reads two false
    /// clicks it did not before.)
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

    /// The powers 1…``AnalyzerTuning/staticCurveDegree`` of the reference over its peak,
    /// each interpolated at capture frames `lo..<hi` on segment `s`'s line moved `shift`
    /// frames later: a row per power. Only the reference frames the interpolator reads there
    /// are raised to the powers.
    static func powersAtLine(_ ref: [Float], peak: Float, _ lo: Int, _ hi: Int, _ s: Segment, shift: Double = 0, interp: SincInterpolator) -> [[Double]] {
        let reach = AnalyzerTuning.interpolatorHalfWidth + 1
        let q0 = max(0, Int((s.refPosition(atCapture: Double(lo)) - shift).rounded(.down)) - reach)
        let q1 = min(ref.count, Int((s.refPosition(atCapture: Double(hi)) - shift).rounded(.up)) + reach)
        guard q1 > q0 else { return Array(repeating: Array(repeating: 0, count: hi - lo), count: AnalyzerTuning.staticCurveDegree) }
        let unit = ref[q0..<q1].map { $0 / peak }
        var power = unit
        var rows: [[Double]] = []
        for k in 0..<AnalyzerTuning.staticCurveDegree {
            if k > 0 { for i in power.indices { power[i] *= unit[i] } }
            rows.append(power.withUnsafeBufferPointer { pb in interp.values(at: lo..<hi, in: pb) { s.refPosition(atCapture: Double($0)) - shift - Double(q0) } })
        }
        return rows
    }

    /// The shift of `s`'s delay (frames, within ±½) at which a curve applied to the reference
    /// before the delay explains the capture best, found by golden section on the residual of
    /// y ≈ Σ aₖ·(xᵏ delayed), each power of the reference interpolated on its own (the curve
    /// acts on the reference's samples, as the path's does); nil when even there the curve
    /// does not cut the gain's residual by ``AnalyzerTuning/staticCurveMinImprovement``, or
    /// does not already at the tracked delay.
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
        /// The residuals of the curve and of a gain with the delay shifted by `d`.
        func residuals(_ d: Double) -> (curve: Double, gain: Double)? {
            let x = powersAtLine(ref, peak: peak, lo, hi, s, shift: d, interp: interp)
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
        // The curve must explain the capture at the tracked delay before its delay is searched,
        // by the same margin it must at the end: a linear path's train (most of them) costs
        // one fit, not the search's seventeen (they had tripled the pulse train's analysis).
        guard let start = residuals(0), start.curve > 0, start.gain > tuning.staticCurveMinImprovement * start.curve else { return nil }
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
        guard let r = residuals(best), r.curve > 0, r.gain > tuning.staticCurveMinImprovement * r.curve else { return nil }
        return best
    }
}
