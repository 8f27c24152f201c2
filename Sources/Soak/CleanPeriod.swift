// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import DSP
import Foundation

/// The soak's clean-period fast path: a period whose probe stands where the previous period
/// predicted it, and which a delayed, gain-matched copy of the probe explains down to the
/// capture's noise floor everywhere in its analysis window, is clean; its latency is measured
/// here in ~1 ms instead of the full analyzer's ~47.
///
/// 1. **Latency.** The probe's correlation with the capture at whole lags within
///    ``searchFrames`` (plus the interpolator's reach) of the predicted start, separately for
///    the probe's two halves; each peak refined between samples with the analyzer's
///    interpolator. The whole probe's peak gives the delay, the halves' peaks its drift.
/// 2. **Residual.** The capture minus the probe delayed by that (drifting) delay, gain by
///    least squares, over the window the analyzer would be given.
/// 3. **Checks.** The probe must explain the capture (``minSignalToResidual``), and no stretch
///    of the residual may stand out against the noise reference at the three scales the
///    analyzer's click scan looks at, each with a lower threshold than the analyzer's (see
///    ``scales``). The noise reference is never above what the analyzer's click scan divides by
///    (``noiseReference``). Anything else is not declared clean here: the caller runs the full
///    analyzer exactly as before.
struct CleanPeriod {
    /// The analyzer's interpolator (32 taps either side, 1024 phases): the same band-limited
    /// refinement the analyzer's own correlation peaks get.
    static let interp = Analyzer.interpolator
    /// Whole lags either side of the predicted start at which a correlation peak may lie. The
    /// fast path takes only periods within ``SoakStream/fastStepTolerance`` (a quarter frame)
    /// of the prediction, but each half's peak lies at the delay at that half's centroid, a
    /// quarter probe away from the start: 3 frames allow a drift of ±100 ppm. The correlation
    /// is computed over this plus the interpolator's 32 taps on each side, so the refinement
    /// reads no zeros.
    static let searchFrames = 3
    /// Block (frames) of the noise reference and of the signal-power floors: the analyzer's
    /// click-scan noise block (512), so the floors are computed as it computes them.
    static let block = Analyzer.clickScan.noiseBlock
    /// The Gauss–Newton step (``refine(_:start:drift:cap:w0:w1:)``) is fitted on this share of
    /// the probe at each end: a quarter of the probe (10 800 frames at 48 kHz, still ~0.001
    /// frame of precision at 30 dB), at the widest lever arm for the drift, for a quarter of
    /// the interpolation the whole probe would cost.
    static let fitShare = 0.125
    /// The probe must explain the capture: its gain-matched power at least 10 times (10 dB)
    /// the residual's over the probe. A period lost, with silence or another probe in its
    /// place, leaves a residual as large as the capture and fails this (a silent capture would
    /// otherwise pass every "at the noise floor" test).
    static let minSignalToResidual = 10.0
    /// The analyzer's click scan flags a stretch of 1, 16 or 128 frames whose residual energy
    /// exceeds 42, 6 and 2.5 times the local noise (`Analyzer.clickScan`). Here each scale's
    /// ratio is lower (36, 5, 2: ``strictness``, 6/7, 5/6 and 4/5 of the analyzer's), against a noise
    /// reference that is never above the analyzer's, so every stretch the analyzer could flag is
    /// flagged here first and the period goes to the analyzer. On white noise they are rarely
    /// reached by chance (|x| > 5.5σ at one frame, χ²₁₆ > 68, χ²₁₂₈ > 218 with the reference at
    /// 0.85σ²): on the bench's 10-minute capture at 30 dB, 3 of 598 periods fell back for nothing.
    static let scales: [(frames: Int, ratio: Double)] = zip(Analyzer.clickScan.scales, strictness).map { ($0.frames, $0.ratio * $1.0 / $1.1) }
    /// Each scale's share of the analyzer's ratio, as numerator and denominator (exact: 36, 5, 2).
    static let strictness: [(Double, Double)] = [(6, 7), (5, 6), (4, 5)]
    /// The analyzer's floors of its local noise (`noiseFloorOfPeak` −60 dB of the peak, squared,
    /// and `minFitRatio` −34 dB of the local signal power), each taken at ``floorShare`` here:
    /// this gain and peak are estimated apart from the analyzer's, and a floor a little low
    /// only makes the checks stricter.
    static let floorShare = 0.8
    static let peakFloor2 = Analyzer.clickScan.noiseFloorOfPeak * Analyzer.clickScan.noiseFloorOfPeak * floorShare
    static let signalFloor = Analyzer.clickScan.minFitRatio * floorShare

    struct Result {
        /// Stream frame where the probe's first frame is heard (fractional).
        var probeStart: Double
        /// Drift: the delay's slope against the probe's position (frames per frame).
        var drift: Double
        var gain: Double
    }

    let probes: [[Float]]
    /// Per probe: the centroids (probe frames) of its first half, its second half and the
    /// whole, weighted by the energy of the probe's first difference: under a drifting delay a
    /// correlation peak measures the delay at that centroid (the peak's position is set by
    /// the signal's slopes, so its high frequencies weigh most; with plain energy weights the
    /// drift came out 1.1 ppm off at 40 ppm).
    let centroids: [(first: Double, second: Double, whole: Double)]

    init(probes: [[Float]]) {
        self.probes = probes
        centroids = probes.map { p in
            let h = p.count / 2
            func centroid(_ r: Range<Int>) -> Double {
                var m = 0.0, e = 0.0
                for i in r where i > 0 {
                    let d = Double(p[i]) - Double(p[i - 1]), v = d * d
                    m += (Double(i) - 0.5) * v
                    e += v
                }
                return e > 0 ? m / e : Double(r.lowerBound + r.upperBound) / 2
            }
            return (centroid(0..<h), centroid(h..<p.count), centroid(0..<p.count))
        }
    }

    /// Measures probe `g` predicted to start at capture index `predicted` of `cap` and checks
    /// the window `w0 ..< w1` (capture indices) against it; nil when the period is not clean
    /// beyond doubt (the caller then runs the analyzer).
    func measure(probe g: Int, predicted: Double, in cap: UnsafeBufferPointer<Float>, window w0: Int, _ w1: Int) -> Result? {
        let probe = probes[g], L = probe.count
        let reach = Self.searchFrames + Self.interp.halfWidth
        let k0 = Int(predicted.rounded())
        guard w0 >= 0, w1 <= cap.count, k0 - reach >= 0, k0 + reach + L <= cap.count else { return nil }
        guard let (start, drift) = delay(probe, centroids[g], k0: k0, reach: reach, cap: cap),
              abs(start - predicted) <= Double(Self.searchFrames) else { return nil }
        let fit = refine(probe, start: start, drift: drift, cap: cap, w0: w0, w1: w1)
        guard fit.gain.isFinite, fit.gain != 0,
              residualIsNoise(cap, fit.model, gain: fit.gain, w0: w0, probeSpan: (Int(fit.start) - w0, Int(fit.start) + L - w0)) else { return nil }
        return Result(probeStart: fit.start, drift: fit.drift, gain: fit.gain)
    }

    /// One Gauss–Newton step of the least-squares fit of `gain · probe((t − start) / (1 + drift))`
    /// to the capture, from the correlation peaks' estimate: the peaks are refined on the
    /// interpolator's 1/1024-frame phase grid, and the halves' peaks carry a probe-dependent
    /// bias of up to ~0.3 ppm under drift; the step removes both. It is fitted on the probe's
    /// first and last stretches (``fitShare``); the derivative is the interpolated probe's
    /// difference a quarter frame either side (within 8 % of the true derivative up to
    /// 0.9 × Nyquist, so the one step leaves a few per cent of the error). The model returned
    /// is the probe aligned at the new estimate over the whole window `w0 ..< w1`.
    func refine(_ probe: [Float], start a: Double, drift d: Double, cap: UnsafeBufferPointer<Float>, w0: Int, w1: Int)
        -> (start: Double, drift: Double, gain: Double, model: [Double]) {
        let L = probe.count
        let part = Int(Self.fitShare * Double(L))
        let s0 = max(w0, Int(a.rounded(.up))), s1 = min(w1, Int(a.rounded(.down)) + L)
        // Regressors: the model, and its change with the start and with the drift
        // (∂/∂start = −D, ∂/∂drift = −D·q, D the derivative along t, q the probe position).
        var n = [Double](repeating: 0, count: 9), r = [Double](repeating: 0, count: 3)
        for st in [s0..<min(s1, s0 + part), max(s0, s1 - part)..<s1] where !st.isEmpty {
            let q = { (t: Int) in (Double(t) - a) / (1 + d) }
            let (m, up, down) = probe.withUnsafeBufferPointer { pb in
                (Self.interp.values(at: st, in: pb) { q($0) }, Self.interp.values(at: st, in: pb) { q($0) + 0.25 },
                 Self.interp.values(at: st, in: pb) { q($0) - 0.25 })
            }
            for (j, t) in st.enumerated() {
                let D = 2 * (up[j] - down[j]) / (1 + d)
                let x = (m[j], -D, -D * q(t)), c = Double(cap[t])
                n[0] += x.0 * x.0; n[1] += x.0 * x.1; n[2] += x.0 * x.2
                n[4] += x.1 * x.1; n[5] += x.1 * x.2; n[8] += x.2 * x.2
                r[0] += x.0 * c; r[1] += x.1 * c; r[2] += x.2 * c
            }
        }
        n[3] = n[1]; n[6] = n[2]; n[7] = n[5]
        var (a1, d1) = (a, d)
        if let sol = Self.solve3(n, r), sol[0] != 0, sol.allSatisfy(\.isFinite) { a1 += sol[1] / sol[0]; d1 += sol[2] / sol[0] }
        let model = probe.withUnsafeBufferPointer { pb in Self.interp.values(at: w0..<w1, in: pb) { (Double($0) - a1) / (1 + d1) } }
        var cm = 0.0, mm = 0.0
        for i in model.indices {
            cm += Double(cap[w0 + i]) * model[i]
            mm += model[i] * model[i]
        }
        return (a1, d1, mm > 0 ? cm / mm : 0, model)
    }

    /// The 3 × 3 system `n · x = r` (row-major) by Cramer's rule; nil when singular.
    static func solve3(_ n: [Double], _ r: [Double]) -> [Double]? {
        func det(_ a: [Double]) -> Double {
            a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6])
        }
        let d = det(n)
        guard d != 0, d.isFinite else { return nil }
        return (0..<3).map { j in
            var a = n
            for i in 0..<3 { a[3 * i + j] = r[i] }
            return det(a) / d
        }
    }

    /// Where probe sample 0 is heard (capture index) and the drift, from the correlation of the
    /// probe's halves at whole lags `k0 ± reach`; nil when a peak is not inside the search range.
    func delay(_ probe: [Float], _ c: (first: Double, second: Double, whole: Double), k0: Int, reach: Int,
               cap: UnsafeBufferPointer<Float>) -> (start: Double, drift: Double)? {
        let L = probe.count, h = L / 2
        var first = [Double](repeating: 0, count: 2 * reach + 1), second = first
        probe.withUnsafeBufferPointer { pb in
            for j in 0...(2 * reach) {
                let at = cap.baseAddress! + (k0 - reach + j)
                first[j] = Self.dot(at, pb.baseAddress!, h)
                second[j] = Self.dot(at + h, pb.baseAddress! + h, L - h)
            }
        }
        let whole = zip(first, second).map { $0 + $1 }
        func peak(_ x: [Double]) -> Double? {
            var i = 0
            for j in x.indices where abs(x[j]) > abs(x[i]) { i = j }
            guard abs(i - reach) <= Self.searchFrames else { return nil }
            return Self.interp.refinePeak(of: x, near: i).position + Double(k0 - reach)
        }
        guard let d = peak(whole), let d1 = peak(first), let d2 = peak(second), c.second > c.first else { return nil }
        let drift = (d2 - d1) / (c.second - c.first)
        return (d - drift * c.whole, drift)
    }

    /// Whether the residual `cap − gain · model` over the window is at the noise floor: the
    /// probe explains the capture, and no stretch of 1, 16 or 128 frames stands out against
    /// the noise reference (``scales``).
    func residualIsNoise(_ cap: UnsafeBufferPointer<Float>, _ model: [Double], gain: Double, w0: Int, probeSpan: (Int, Int)) -> Bool {
        let n = model.count
        var pe = [Double](repeating: 0, count: n + 1)
        var peak = 0.0
        for i in 0..<n {
            let m = gain * model[i], e = Double(cap[w0 + i]) - m
            pe[i + 1] = pe[i] + e * e
            peak = max(peak, abs(m))
        }
        let p0 = max(0, probeSpan.0), p1 = min(n, probeSpan.1)
        guard p1 > p0 else { return false }
        var signal = 0.0
        for i in p0..<p1 { signal += gain * gain * model[i] * model[i] }
        guard signal >= Self.minSignalToResidual * (pe[p1] - pe[p0]) else { return false }
        let nu2 = noiseReference(pe, model, gain: gain, peak: peak)
        for (len, ratio) in Self.scales {
            var i = 0
            let hop = max(1, len / 2)
            while i + len <= n {
                let b = min(nu2.count - 1, (i + len / 2) / Self.block)
                if pe[i + len] - pe[i] > ratio * Double(len) * nu2[b] { return false }
                i += hop
            }
        }
        // The window's last frames, when the hops stopped short of them.
        if n >= 128, pe[n] - pe[n - 128] > 2.0 * 128 * nu2[nu2.count - 1] { return false }
        return true
    }

    /// The noise reference per block: the smallest block's mean residual power anywhere in the
    /// window (the separators' noise, or the probe's, whichever is lower: never above the
    /// noise the analyzer's click scan estimates from its own residual), raised only to the
    /// analyzer's own floors (``peakFloor2``, ``signalFloor`` of the largest signal power of
    /// the block and its neighbours), below which the analyzer's noise never goes either.
    func noiseReference(_ pe: [Double], _ model: [Double], gain: Double, peak: Double) -> [Double] {
        let n = model.count, B = Self.block
        let nb = (n + B - 1) / B
        var minMean = Double.infinity
        var power = [Double](repeating: 0, count: nb)
        for b in 0..<nb {
            let a = b * B, z = min(n, a + B)
            // A last block shorter than a quarter block is too short to estimate anything.
            if z - a >= B / 4 { minMean = min(minMean, (pe[z] - pe[a]) / Double(z - a)) }
            var s = 0.0
            for i in a..<z { s += model[i] * model[i] }
            power[b] = gain * gain * s / Double(z - a)
        }
        return (0..<nb).map { b in
            let local = power[max(0, b - 1)...min(nb - 1, b + 1)].max() ?? 0
            return max(minMean, Self.peakFloor2 * peak * peak, Self.signalFloor * local)
        }
    }

    /// Σ a[i]·b[i] over n frames: eight lanes in single precision, flushed to double every 256
    /// frames (each lane sums 32 products in single precision: a relative error of a few 1e-7
    /// per partial sum, which moves a refined peak by far less than 0.001 frame; the only use,
    /// the correlation peaks, is followed by the Gauss–Newton step in double precision).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        var total = 0.0
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 8 <= n {
            var acc = SIMD8<Float>()
            let stop = min(n, i + 256) - 7
            while i < stop {
                acc += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            total += Double(acc.sum())
        }
        while i < n { total += Double(a[i]) * Double(b[i]); i += 1 }
        return total
    }
}

