// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

/// Where a step lies under a room's tail.
///
/// After a step the capture holds the new stream's direct sound and the *old* stream's tail:
/// the room rings on with what was played before the step, for as long as the tail lasts.
/// Neither side's model has that: A's (direct sound + tail at A's delay) plays on what was
/// dropped, B's rings with what A never played. Where the signal falls quiet after a step
/// (a word's end before a pause, a burst's end), the capture there is tail alone, A's model
/// matches it better than B's, and the split put the step where B's direct sound starts
/// again: a speech-like capture's drop 3769 frames late, a multitone capture's at the next
/// burst 1128 late (`bench rooms`). The **stepped model** is what the room makes of the
/// stream with the step in it: for a step at `s` (and `f` foreign frames of silence after it)
///
///     model(t) = gA·A(t)                                          t < s
///     model(t) = gB·B(t) − Σ_{u<s+f} g(t−u)·gB·b(u) + Σ_{u<s} g(t−u)·gA·a(u)   t ≥ s
///
/// with A, B the segments' templates (direct sound + tail), a, b their direct sound alone
/// and g the path's response (``RoomResponse``). Each candidate `s` is scored over the same
/// frames (``SteppedCosts``).
extension Explainer {
    /// The path's response recovered from the model and the plain reference: the model is
    /// the reference through the fitted tail (and colouring), so their regularised
    /// deconvolution (``AnalyzerTuning/reverbRidge``, as ``ReverbTail`` fits it) gives it
    /// back. Taps at lags −``AnalyzerTuning/pathFilterHalfTaps`` … `tailFrames`.
    final class RoomResponse {
        var computed = false
        var taps: [Double]?
        static let acausal = AnalyzerTuning.pathFilterHalfTaps

        func taps(model: [Float], plain: [Float], tailFrames: Int) -> [Double]? {
            if computed { return taps }
            computed = true
            let n = min(model.count, plain.count), k = Self.acausal
            guard n > 0, tailFrames > 0 else { return nil }
            let fft = RealFFT.of(size: RealFFT.goodSize(atLeast: n + tailFrames + k + 1))
            let mb = RealFFT.Buffers(size: fft.size), pb = RealFFT.Buffers(size: fft.size)
            ReverbTail.fill(mb.samples, model[0..<n].lazy.map(Double.init))
            ReverbTail.fill(pb.samples, plain[0..<n].lazy.map(Double.init))
            fft.forward(mb)
            fft.forward(pb)
            guard let out = ReverbTail.response(r: pb.spectrum, c: mb.spectrum, fft: fft) else { return nil }
            let scale = 1 / Double(fft.size), s = out.samples
            taps = (-k...tailFrames).map { lag in s[(lag + fft.size) % fft.size] * scale }
            return taps
        }
    }

    /// The direct sound as segment `s` predicts it at capture frames lo..<hi (unit gain).
    func directSound(_ s: Segment, _ lo: Int, _ hi: Int) -> [Double] {
        guard hi > lo, let plain else { return [] }
        return plain.withUnsafeBufferPointer { pb in interp.values(at: lo..<hi, in: pb) { s.refPosition(atCapture: Double($0)) } }
    }

    /// The step in `r0..<r1` under the stepped model: A plays up to `t1`, `t2 − t1` frames of
    /// silence, B from `t2`; nil where the model holds no tail or the region is longer than
    /// ``AnalyzerTuning/steppedSplitMaxFrames``. Each of the `foreign` lengths is tried (the
    /// split's own, none, the delay's change) and the cheapest kept: the split's foreign frames
    /// are often the old stream's tail, which the stepped model holds.
    func steppedSplit(a: Segment, fa: Fit, b: Segment, fb: Fit, r0: Int, r1: Int, foreign: [Int]) -> (t1: Int, t2: Int)? {
        let n = r1 - r0
        guard tailFrames > 0, let plain, n > 1, n <= tuning.steppedSplitMaxFrames,
              let g = roomResponse.taps(model: ref, plain: plain, tailFrames: tailFrames) else { return nil }
        let tail = g.count - RoomResponse.acausal - 1
        let ma = template(a, r0, r1), mb = template(b, r0, r1)
        // Each side's direct sound (with its gain) from a tail's length before the region on.
        var costs = SteppedCosts(g: g, n: n, f: 0,
                                 da: directSound(a, r0 - tail, r1).map { $0 * fa.gain },
                                 db: directSound(b, r0 - tail, r1).map { $0 * fb.gain })
        for i in 0..<n {
            let c = Double(cap[r0 + i]), e = c - fa.gain * ma[i]
            costs.preA[i + 1] = costs.preA[i] + e * e
            costs.resB[i] = c - fb.gain * mb[i]
        }
        var best: (t1: Int, t2: Int, cost: Double)?
        for f in Set(foreign).sorted() where f >= 0 && f < n - 1 {
            costs.f = f
            let found = costs.cheapest()
            if found.cost < best?.cost ?? .infinity { best = (r0 + found.i, r0 + found.i + f, found.cost) }
        }
        return best.map { ($0.t1, $0.t2) }
    }

    /// The stepped model's cost of each candidate step in a region of `n` frames: A's residual
    /// before it (`preA`, prefix sums) plus, from it on, B's (`resB`) corrected by the tails:
    /// r[j] = resB[j] + Σ_{u<s+f} g(j−u)·db(u) − Σ_{u<s} g(j−u)·da(u) (`da`, `db` from a
    /// tail's length before the region). Candidates are scored every
    /// ``AnalyzerTuning/steppedSplitStride`` frames, the region's sums carried a stride at a
    /// time by FFT, then frame by frame around the best.
    struct SteppedCosts {
        let g: [Double]
        let n: Int
        var f: Int
        let da: [Double], db: [Double]
        var preA: [Double]
        var resB: [Double]
        let stride = AnalyzerTuning.standard.steppedSplitStride
        var k: Int { RoomResponse.acausal }
        var tail: Int { g.count - k - 1 }

        init(g: [Double], n: Int, f: Int, da: [Double], db: [Double]) {
            (self.g, self.n, self.f, self.da, self.db) = (g, n, f, da, db)
            preA = [Double](repeating: 0, count: n + 1)
            resB = [Double](repeating: 0, count: n)
        }

        /// The cheapest candidate (its index in the region) and its cost.
        func cheapest() -> (i: Int, cost: Double) {
            let last = n - f - 1
            var r = residual(at: 0)
            var coarse = (i: 0, cost: Double.infinity)
            var i = 0
            while i <= last {
                let c = preA[i] + sumOfSquares(r, from: i)
                if c < coarse.cost { coarse = (i, c) }
                let next = min(i + stride, last + 1)
                if next <= last { carry(&r, from: i, to: next) }
                i = next
            }
            // Frame by frame, a stride either side of the best.
            let lo = max(0, coarse.i - stride), hi = min(last, coarse.i + stride)
            return fine(residual(at: lo), from: lo, through: hi)
        }

        /// r for the candidate at index i, from scratch.
        func residual(at i: Int) -> [Double] {
            let eA = Explainer.convolved(da, upTo: tail + i, g, k, outputFrom: tail, count: n)
            let eB = Explainer.convolved(db, upTo: tail + i + f, g, k, outputFrom: tail, count: n)
            return (0..<n).map { resB[$0] + eB[$0] - eA[$0] }
        }

        func sumOfSquares(_ r: [Double], from i: Int) -> Double {
            var s = 0.0
            for j in i..<n { s += r[j] * r[j] }
            return s
        }

        /// r carried from candidate `i` to `next`: A's direct sound at i..<next and B's at
        /// i+f..<next+f join the sums (one convolution by FFT).
        func carry(_ r: inout [Double], from i: Int, to next: Int) {
            let m = next - i
            guard m > 0 else { return }
            // w[p] at index p: −da(i + p) for p < m, + db(i + f + p − f) placed at p = f…f+m−1.
            var w = [Double](repeating: 0, count: m + f)
            for p in 0..<m { w[p] -= da[tail + i + p]; w[p + f] += db[tail + i + f + p] }
            let add = Explainer.convolved(w, upTo: w.count, g, k, outputFrom: -i, count: n)
            for j in 0..<n { r[j] += add[j] }
        }

        /// The cheapest candidate in lo…hi, r being the residual at lo: carried one frame at a time.
        func fine(_ r0: [Double], from lo: Int, through hi: Int) -> (i: Int, cost: Double) {
            var r = r0
            var best = (i: lo, cost: Double.infinity)
            var sum = sumOfSquares(r, from: lo)
            r.withUnsafeMutableBufferPointer { rp in
                g.withUnsafeBufferPointer { gp in
                    for i in lo...hi {
                        let cost = preA[i] + sum
                        if cost < best.cost { best = (i, cost) }
                        guard i < hi else { break }
                        sum -= rp[i] * rp[i]
                        let va = da[tail + i], vb = db[tail + i + f]
                        for j in (i + 1)..<min(n, i + f + tail + 1) {
                            let la = j - i, lb = la - f
                            var d = 0.0
                            if la <= tail { d -= gp[la + k] * va }
                            if lb >= -k { d += gp[lb + k] * vb }
                            let old = rp[j]
                            rp[j] = old + d
                            sum += rp[j] * rp[j] - old * old
                        }
                    }
                }
            }
            return best
        }
    }

    /// Σ_{u < end} g(t−u)·x(u) for t = from…from+count−1 (indices into x; `from` may be
    /// negative), g's taps at lags −k…: by FFT, the region's and the tail's length at once.
    static func convolved(_ x: [Double], upTo end: Int, _ g: [Double], _ k: Int, outputFrom from: Int, count: Int) -> [Double] {
        let used = min(end, x.count)
        guard used > 0, count > 0 else { return [Double](repeating: 0, count: count) }
        // y[m] = Σ_u x[u]·g[m − u] with g shifted by k (index 0 is lag −k): y at t is y[t + k].
        let fft = RealFFT.of(size: RealFFT.goodSize(atLeast: used + g.count))
        let xb = RealFFT.Buffers(size: fft.size), gb = RealFFT.Buffers(size: fft.size)
        ReverbTail.fill(xb.samples, x[0..<used])
        ReverbTail.fill(gb.samples, g)
        fft.forward(xb)
        fft.forward(gb)
        ReverbTail.multiply(xb.spectrum, by: gb.spectrum)
        fft.inverse(xb)
        let scale = 1 / Double(fft.size), y = xb.samples, valid = used + g.count - 1
        return (0..<count).map { i in
            let m = from + i + k
            return m >= 0 && m < valid ? y[m] * scale : 0
        }
    }
}
