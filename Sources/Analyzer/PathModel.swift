// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

/// The path's own colouring, as a short FIR filter fitted by least squares.
///
/// A real path is rarely a pure delay and gain: an anti-aliasing filter, QEMU's linear
/// resampler or a DC blocker colour the signal, so the bare reference misfits the capture
/// wherever those act, and the misfit would look like defects. Fitting a 33-tap filter on
/// the longest clean segment and filtering the reference with it makes the residual honest
/// again. It is used only when it explains the capture clearly better than a gain does.
enum PathModel {
    static let half = AnalyzerTuning.pathFilterHalfTaps

    /// The reference filtered by the fitted path, or nil when a plain gain fits as well.
    static func fit(ref: [Float], cap: [Float], segment s: Segment, interp: SincInterpolator) -> [Float]? {
        fitTaps(ref: ref, cap: cap, segment: s, interp: interp).map { filtered(ref, $0.taps, gain: $0.gain) }
    }

    /// The fitted filter's taps (`2·half + 1`, centred) and the plain gain, or nil when a plain gain fits as well.
    static func fitTaps(ref: [Float], cap: [Float], segment s: Segment, interp: SincInterpolator) -> (taps: [Double], gain: Double)? {
        let tuning = AnalyzerTuning.standard
        let taps = 2 * half + 1
        let a = max(s.captureStart, Int(s.level.rounded(.up)) + half, half)
        let b = min(s.captureEnd, Int(s.level + (1 + s.drift) * Double(ref.count)) - half, cap.count - half)
        guard b - a > tuning.pathFitMinFrames else { return nil }
        let lo = max(a, (a + b) / 2 - tuning.pathFitMaxFrames / 2), hi = min(b, lo + tuning.pathFitMaxFrames)
        // The aligned reference (unit gain), with `half` frames of margin on each side (and
        // zeros after, read by the normal equations' unused lanes).
        var m = ref.withUnsafeBufferPointer { rb in
            interp.values(at: (lo - half)..<(hi + half), in: rb) { s.refPosition(atCapture: Double($0)) }
        }
        m.append(contentsOf: repeatElement(0, count: NormalEquations.lanes))
        var eq = NormalEquations(m: m, cap: cap, lo: lo, hi: hi, taps: taps)
        let out = dropouts(m: m, cap: cap, lo: lo, hi: hi, gain: eq.mm > 0 ? eq.cm / eq.mm : 0, ref: ref, segment: s)
        if !out.isEmpty { eq = NormalEquations(m: m, cap: cap, lo: lo, hi: hi, taps: taps, leavingOut: out) }
        let cc = eq.cc, cm = eq.cm, mm = eq.mm, p = eq.p
        var r = eq.r
        guard mm > 0, cc > 0 else { return nil }
        let ridge = tuning.pathFitRidge * mm
        for j in 0..<taps { r[j * taps + j] += ridge }
        guard let h = solve(r, p, n: taps) else { return nil }
        // Residual with the filter, against the residual with the best gain alone.
        var hp = 0.0
        for j in 0..<taps { hp += h[j] * p[j] }
        let resFIR = cc - hp
        let resGain = cc - cm * cm / mm
        guard resFIR > 0, resGain > tuning.pathFitMinImprovement * resFIR else { return nil }
        return (h, cm / mm)
    }

    /// The stretches of capture frames `lo..<hi` to leave out of the fit: runs of
    /// ``AnalyzerTuning/noiseBlock``s where the capture fell silent under the probe (under
    /// ``AnalyzerTuning/dropoutCaptureOfProbe`` of the aligned reference `m` at `gain`, the
    /// reference there at ``AnalyzerTuning/replacementMinSignalOfMean`` of its mean power or
    /// more) between blocks where it did not, which the path's response measured over the rest
    /// of segment `s` (``PathResponse/init(ref:cap:segment:leavingOut:)``) says it passes: a
    /// dropout, not the path. Each is widened by a block either side, for its edges' blocks
    /// half heard. A sweep plays each band once, so a band replaced by silence is the fit's
    /// only measure of it, and the filter learnt to stop it: a log sweep at 48 kHz with
    /// 1360 frames of its 9–11 kHz replaced (fuzz case 643) was modelled there at 0.09 of
    /// the reference's power, and the capture, at 0.19, read clean. A band the rest of the
    /// segment shows stopped, or one at the edge of what it plays, stays in.
    static func dropouts(m: [Double], cap: [Float], lo: Int, hi: Int, gain: Double, ref: [Float], segment s: Segment) -> [Range<Int>] {
        let tuning = AnalyzerTuning.standard, block = tuning.noiseBlock, half = Self.half
        let blocks = (hi - lo) / block
        guard blocks >= 3, gain != 0 else { return [] }
        var ce = [Double](repeating: 0, count: blocks), me = ce
        for b in 0..<blocks {
            for u in (b * block)..<((b + 1) * block) {
                ce[b] += Double(cap[lo + u]) * Double(cap[lo + u])
                me[b] += gain * gain * m[u + half] * m[u + half]
            }
        }
        let mean = me.reduce(0, +) / Double(blocks)
        let plays = me.map { $0 > 0 && $0 >= tuning.replacementMinSignalOfMean * mean }
        let quiet = (0..<blocks).map { plays[$0] && ce[$0] < tuning.dropoutCaptureOfProbe * me[$0] }
        var out: [Range<Int>] = []
        var b = 1
        while b < blocks - 1 {
            guard quiet[b], plays[b - 1], !quiet[b - 1] else { b += 1; continue }
            var e = b
            while e + 1 < blocks && quiet[e + 1] { e += 1 }
            defer { b = e + 1 }
            guard e + 1 < blocks, plays[e + 1] else { continue }
            let t0 = lo + b * block, t1 = lo + (e + 1) * block
            guard let rest = PathResponse(ref: ref, cap: cap, segment: s, leavingOut: t0..<t1),
                  rest.holdsSilence(ref, s, t0..<t1, captured: ce[b...e].reduce(0, +), share: tuning.dropoutCaptureOfProbe) else { continue }
            out.append(max(lo, t0 - block)..<min(hi, t1 + block))
        }
        return out
    }

    /// `ref` through the fitted filter `taps` without its phase (``zeroPhase(_:reach:)``, over
    /// ``AnalyzerTuning/zeroPhaseReach``): the colouring a level can be read against.
    static func withoutPhase(_ ref: [Float], _ taps: [Double]) -> [Float] {
        filteredSymmetric(ref, zeroPhase(taps, reach: AnalyzerTuning.standard.zeroPhaseReach))
    }

    /// The zero-phase filter with the magnitude response of `h`: `2·reach + 1` taps centred on
    /// `reach`, |H| sampled on 1025 frequencies (a 2048-point transform), transformed back and
    /// windowed (Hann).
    static func zeroPhase(_ h: [Double], reach: Int) -> [Double] {
        let fft = RealFFT.of(size: max(2048, RealFFT.goodSize(atLeast: 2 * (max(h.count, 2 * reach + 1)))))
        let b = RealFFT.Buffers(size: fft.size)
        let x = b.samples
        for i in x.indices { x[i] = 0 }
        for (j, v) in h.enumerated() { x[j] = v }   // |H| does not depend on where h sits
        fft.forward(b)
        let spec = b.spectrum
        for i in spec.indices { spec[i] = ((spec[i].0 * spec[i].0 + spec[i].1 * spec[i].1).squareRoot(), 0) }
        return zeroPhaseTaps(fromMagnitudes: b, fft, reach: reach)
    }

    /// The zero-phase filter whose magnitude response `b`'s spectrum holds (real, one-sided):
    /// transformed back, 2·reach + 1 taps centred on `reach`, Hann-windowed.
    static func zeroPhaseTaps(fromMagnitudes b: RealFFT.Buffers, _ fft: RealFFT, reach: Int) -> [Double] {
        fft.inverse(b)
        let x = b.samples, n = Double(fft.size)
        return (-reach...reach).map { k in
            let win = 0.5 + 0.5 * cos(Double.pi * Double(k) / Double(reach + 1))
            return x[(k + fft.size) % fft.size] / n * win
        }
    }

    /// `ref` through the odd-length filter `h`, symmetric about `h.count / 2` (a zero-phase
    /// filter, whose correlation is its convolution), through the FFT: the zero-phase
    /// colouring has four times the path filter's taps, and a long reference should not pay
    /// for them frame by frame.
    static func filteredSymmetric(_ ref: [Float], _ h: [Double]) -> [Float] {
        let c = h.count / 2
        guard !ref.isEmpty else { return [] }
        return Correlation.crossCorrelate(signal: ref, template: h.map(Float.init), lags: (-c)...(ref.count - 1 - c)).map(Float.init)
    }

    /// The filtered reference: out[i] = Σ h[j] ref[i − (j − half)], normalised to unit gain.
    /// Away from the ends four outputs share the tap loop, each summed in the same order.
    static func filtered(_ ref: [Float], _ h: [Double], gain g: Double) -> [Float] {
        let taps = h.count, n = ref.count
        var out = [Float](repeating: 0, count: n)
        ref.withUnsafeBufferPointer { rb in
            h.withUnsafeBufferPointer { hb in
                func one(_ i: Int) -> Float {
                    var acc = 0.0
                    for j in 0..<taps {
                        let k = i - (j - half)
                        if k >= 0 && k < n { acc += hb[j] * Double(rb[k]) }
                    }
                    return Float(acc / g)
                }
                var i = 0
                while i < n {
                    guard i >= half, i + 3 + half < n else { out[i] = one(i); i += 1; continue }
                    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
                    for j in 0..<taps {
                        let k = i - (j - half), hj = hb[j]
                        a0 += hj * Double(rb[k]); a1 += hj * Double(rb[k + 1])
                        a2 += hj * Double(rb[k + 2]); a3 += hj * Double(rb[k + 3])
                    }
                    out[i] = Float(a0 / g); out[i + 1] = Float(a1 / g); out[i + 2] = Float(a2 / g); out[i + 3] = Float(a3 / g)
                    i += 4
                }
            }
        }
        return out
    }

    /// Gaussian elimination with partial pivoting.
    static func solve(_ a0: [Double], _ b0: [Double], n: Int) -> [Double]? {
        var a = a0, b = b0
        for col in 0..<n {
            var piv = col
            for r in (col + 1)..<n where abs(a[r * n + col]) > abs(a[piv * n + col]) { piv = r }
            guard abs(a[piv * n + col]) > 1e-300 else { return nil }
            if piv != col {
                for k in 0..<n { a.swapAt(col * n + k, piv * n + k) }
                b.swapAt(col, piv)
            }
            for r in (col + 1)..<n {
                let f = a[r * n + col] / a[col * n + col]
                if f == 0 { continue }
                for k in col..<n { a[r * n + k] -= f * a[col * n + k] }
                b[r] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = b[r]
            for k in (r + 1)..<n { s -= a[r * n + k] * x[k] }
            x[r] = s / a[r * n + r]
        }
        return x
    }
}

/// The sums of ``PathModel``'s least-squares fit.
///
/// With u = t − lo and o = taps − 1 − j (the tap's offset into `m`): R[j][k] = Σᵤ m[u+oⱼ] m[u+oₖ]
/// (k ≥ j, mirrored), p[j] = Σᵤ c(u) m[u+oⱼ], and cc, cm, mm the capture's and the aligned
/// reference's energies and their product.
///
/// `p`, cc, cm, mm and R's first row are summed frame by frame in the direct loop's order
/// (entry blocks in SIMD lanes, the partial sums in registers). The other rows follow from the
/// first: shifting both offsets by one frame moves the window of the sum by one frame, so
/// R[j][k] = R[j−1][k−1] + m[oⱼ]·m[oₖ] − m[n+oⱼ]·m[n+oₖ] (a frame enters at the start, one
/// leaves at the end). That is taps² updates instead of taps²/2 sums over the fit's 48 000
/// frames (8 % of a sweep's time); each entry is then within ~taps × 10⁻¹⁶ of the largest entry
/// of its direct sum (`KernelTests`).
struct NormalEquations {
    /// Zeros `m` must hold after its last frame: the widest block's lanes past the last tap.
    static let lanes = 16
    var r: [Double]
    var p: [Double]
    var cc = 0.0, cm = 0.0, mm = 0.0

    /// `m` holds the aligned reference at capture frames lo − half ..< hi + half, then `lanes` zeros.
    init(m: [Double], cap: [Float], lo: Int, hi: Int, taps: Int) {
        let n = hi - lo, half = taps / 2
        precondition(m.count >= n + taps - 1 + Self.lanes)
        var r = [Double](repeating: 0, count: taps * taps), p = [Double](repeating: 0, count: taps)
        var c = [Double](repeating: 0, count: n)
        for u in 0..<n { c[u] = Double(cap[lo + u]) }
        for u in 0..<n {
            let cu = c[u], mi = m[u + half]
            cc += cu * cu
            cm += cu * mi
            mm += mi * mi
        }
        m.withUnsafeBufferPointer { mb in
            let base = UnsafeRawPointer(mb.baseAddress!)
            c.withUnsafeBufferPointer { cb in
                // p: the capture against every offset.
                Self.blocks(lanes: taps, base: base, n: n, row: { cb[$0] }) { o, v in p[taps - 1 - o] = v }
            }
            // Row 0 (offset taps − 1): entries k ≥ 0 are the offsets 0...taps − 1.
            let o0 = taps - 1
            Self.blocks(lanes: taps, base: base, n: n, row: { mb[$0 + o0] }) { o, v in r[taps - 1 - o] = v }
            // Row j from row j − 1: the window shifted by one frame (o = taps − 1 − j).
            for j in 1..<max(1, taps) {
                let oj = taps - 1 - j
                for k in j..<taps {
                    let ok = taps - 1 - k
                    r[j * taps + k] = r[(j - 1) * taps + k - 1] + mb[oj] * mb[ok] - mb[n + oj] * mb[n + ok]
                }
            }
            for j in 0..<taps { for k in 0..<j { r[j * taps + k] = r[k * taps + j] } }
        }
        self.r = r
        self.p = p
    }

    /// The sums over capture frames `lo..<hi` without those in `out` (sorted, disjoint, within
    /// `lo..<hi`): the sums over the stretches between, added.
    init(m: [Double], cap: [Float], lo: Int, hi: Int, taps: Int, leavingOut out: [Range<Int>]) {
        let half = taps / 2
        self.r = [Double](repeating: 0, count: taps * taps)
        self.p = [Double](repeating: 0, count: taps)
        var at = lo
        for stretch in out + [hi..<hi] {
            defer { at = max(at, stretch.upperBound) }
            guard stretch.lowerBound > at else { continue }
            var part = Array(m[(at - lo)..<(stretch.lowerBound - lo + 2 * half)])
            part.append(contentsOf: repeatElement(0, count: Self.lanes))
            let eq = NormalEquations(m: part, cap: cap, lo: at, hi: stretch.lowerBound, taps: taps)
            for i in r.indices { r[i] += eq.r[i] }
            for i in p.indices { p[i] += eq.p[i] }
            (cc, cm, mm) = (cc + eq.cc, cm + eq.cm, mm + eq.mm)
        }
    }

    /// For offsets 0 ..< lanes (rounded up to a block): Σᵤ row(u) · m[u + o], each summed over u in order.
    @inline(__always)
    static func blocks(lanes: Int, base: UnsafeRawPointer, n: Int, row: (Int) -> Double, store: (Int, Double) -> Void) {
        var o0 = 0
        while o0 < lanes {
            if lanes - o0 > 8 {
                var a0 = SIMD4<Double>(), a1 = SIMD4<Double>(), a2 = SIMD4<Double>(), a3 = SIMD4<Double>()
                let at = base + o0 * 8
                for u in 0..<n {
                    let x = SIMD4<Double>(repeating: row(u))
                    let q = at + u * 8
                    a0 += x * q.loadUnaligned(as: SIMD4<Double>.self)
                    a1 += x * q.loadUnaligned(fromByteOffset: 32, as: SIMD4<Double>.self)
                    a2 += x * q.loadUnaligned(fromByteOffset: 64, as: SIMD4<Double>.self)
                    a3 += x * q.loadUnaligned(fromByteOffset: 96, as: SIMD4<Double>.self)
                }
                for (b, a) in [a0, a1, a2, a3].enumerated() { for l in 0..<4 where o0 + 4 * b + l < lanes { store(o0 + 4 * b + l, a[l]) } }
                o0 += 16
            } else {
                var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
                let at = base + o0 * 8
                for u in 0..<n {
                    let x = SIMD4<Double>(repeating: row(u))
                    let q = at + u * 8
                    a0 += x * q.loadUnaligned(as: SIMD4<Double>.self)
                    a1 += x * q.loadUnaligned(fromByteOffset: 32, as: SIMD4<Double>.self)
                }
                for (b, a) in [a0, a1].enumerated() { for l in 0..<4 where o0 + 4 * b + l < lanes { store(o0 + 4 * b + l, a[l]) } }
                o0 += 8
            }
        }
    }
}
