// SPDX-License-Identifier: GPL-2.0-or-later

/// The tracker's per-lag normalisation and candidate search.
enum TrackerKernels {
    /// `1/√e` of the reference's energy e over [p, p + w) (clamped to the reference) for every
    /// window start p in `first ..< first + count`, or 0 where e ≤ `minE` (too little of the
    /// reference to judge a match by). A tracker normalises every window's 8 193 lags by it:
    /// a square root and a quotient per reference position once, instead of per lag per window
    /// (~8 % of a sweep's time).
    static func inverseRootEnergies(first: Int, count: Int, w: Int, minE: Double, energy: (Int, Int) -> Double) -> [Double] {
        (0..<count).map { i in
            let e = energy(first + i, first + i + w)
            return e > minE ? 1 / e.squareRoot() : 0
        }
    }

    /// `rho[k] = max(0, polarity · c[k] · invRoot[lo + k − first] · invCapRoot) · polarity`:
    /// the normalised correlation (0 where the table holds 0), two lags at a time in SIMD
    /// lanes, each lane bit for bit that scalar expression. It is within a few units in the
    /// last place of `c / √(e · capE)`; the values only rank lags and pick candidates, whose
    /// correlation the tracker then refines and normalises on its own.
    static func normalised(_ corr: [Double], lo: Int, invRoot: [Double], first: Int, invCapRoot: Double, polarity: Double) -> [Double] {
        let n = corr.count
        var rho = [Double](repeating: 0, count: n)
        let o = lo - first
        precondition(o >= 0 && o + n <= invRoot.count)
        corr.withUnsafeBufferPointer { cb in
            invRoot.withUnsafeBufferPointer { ib in
                rho.withUnsafeMutableBufferPointer { rb in
                    var k = 0
                    while k + 2 <= n {
                        let q = polarity * SIMD2(cb[k], cb[k + 1]) * SIMD2(ib[o + k], ib[o + k + 1]) * invCapRoot
                        // Swift's max(0, q) is `q >= 0 ? q : 0` (so −0 stays −0 and NaN gives 0).
                        let r = SIMD2<Double>.zero.replacing(with: q, where: q .>= 0) * polarity
                        rb[k] = r[0]
                        rb[k + 1] = r[1]
                        k += 2
                    }
                    if k < n { rb[k] = max(0, polarity * cb[k] * ib[o + k] * invCapRoot) * polarity }
                }
            }
        }
        return rho
    }

    /// The candidate peaks of `rho` at least `threshold` in magnitude: every k with
    /// |rho[k]| ≥ `threshold`, > 0, at least the left neighbour's and above the right
    /// neighbour's (an end counts as lower), in order, as the loop
    /// `if v > 0, v >= threshold, (k == 0 || v >= |rho[k − 1]|), (k == n − 1 || v > |rho[k + 1]|)`
    /// finds them. The tracker asks only for those within ``AnalyzerTuning/candidateRhoOfTop``
    /// of the top: the few lags above it are tested, the rest skipped on one comparison that
    /// is almost always false (cheaper than the branchless test of every lag it replaced).
    static func localMaxima(_ rho: [Double], atLeast threshold: Double = 0) -> [Int] {
        let n = rho.count
        var out: [Int] = []
        rho.withUnsafeBufferPointer { r in
            let raw = UnsafeRawPointer(r.baseAddress)
            var k = 0
            while k < n {
                // Four lags at a time: most groups hold none at the threshold.
                if k + 4 <= n, !any(magnitudes(raw!, k) .>= threshold) { k += 4; continue }
                for j in k..<min(n, k + 4) {
                    let v = abs(r[j])
                    guard v >= threshold, v > 0 else { continue }
                    if (j == 0 || v >= abs(r[j - 1])) && (j == n - 1 || v > abs(r[j + 1])) { out.append(j) }
                }
                k += 4
            }
        }
        return out
    }

    /// The largest |x[k]| (0 for an empty array; NaN is never the largest), four lanes at a time.
    static func largestMagnitude(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { b in
            var m = SIMD4<Double>.zero
            var k = 0
            let raw = UnsafeRawPointer(b.baseAddress)
            while k + 4 <= b.count {
                let v = magnitudes(raw!, k)
                m.replace(with: v, where: v .> m)
                k += 4
            }
            var top = m.max()
            while k < b.count { let v = abs(b[k]); if v > top { top = v }; k += 1 }
            return top
        }
    }

    /// |x[k]| … |x[k + 3]| of the doubles at `raw` (NaN stays NaN).
    @inline(__always)
    static func magnitudes(_ raw: UnsafeRawPointer, _ k: Int) -> SIMD4<Double> {
        var v = raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<Double>.self)
        v.replace(with: -v, where: v .< 0)
        return v
    }
}
