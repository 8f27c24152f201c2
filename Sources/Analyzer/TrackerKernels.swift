// SPDX-License-Identifier: GPL-2.0-or-later

/// The tracker's per-lag normalisation, two lags at a time in SIMD lanes: square roots and
/// quotients are correctly rounded whatever the width, so each lane is bit for bit the scalar
/// `max(0, polarity · c / √(e · capE)) · polarity` (0 where the reference energy e ≤ `minE`).
enum TrackerKernels {
    /// `energy(a, b)` is the reference's energy over [a, b) (clamped to the reference).
    static func normalised(_ corr: [Double], lo: Int, w: Int, capE: Double, minE: Double, polarity: Double,
                           energy: (Int, Int) -> Double) -> [Double] {
        let n = corr.count
        var rho = [Double](repeating: 0, count: n)
        corr.withUnsafeBufferPointer { cb in
            rho.withUnsafeMutableBufferPointer { rb in
                var k = 0
                while k + 2 <= n {
                    let e = SIMD2(energy(lo + k, lo + k + w), energy(lo + k + 1, lo + k + 1 + w))
                    let q = (polarity * SIMD2(cb[k], cb[k + 1])) / (e * capE).squareRoot()
                    // Swift's max(0, q) is `q >= 0 ? q : 0` (so −0 stays −0 and NaN gives 0).
                    var r = SIMD2<Double>.zero.replacing(with: q, where: q .>= 0) * polarity
                    r.replace(with: 0, where: .!(e .> minE))
                    rb[k] = r[0]
                    rb[k + 1] = r[1]
                    k += 2
                }
                if k < n {
                    let e = energy(lo + k, lo + k + w)
                    if e > minE { rb[k] = max(0, polarity * cb[k] / (e * capE).squareRoot()) * polarity }
                }
            }
        }
        return rho
    }

    /// The candidate peaks of `rho`: every k with |rho[k]| > 0, at least the left neighbour's
    /// and above the right neighbour's (an end counts as lower), as the loop
    /// `if v > 0, (k == 0 || v >= |rho[k − 1]|), (k == n − 1 || v > |rho[k + 1]|)` finds them,
    /// without its branches (the comparisons of a noisy correlation mispredict half the time).
    static func localMaxima(_ rho: [Double]) -> [Int] {
        let n = rho.count
        guard n > 0 else { return [] }
        return [Int](unsafeUninitializedCapacity: n) { out, count in
            rho.withUnsafeBufferPointer { r in
                var c = 0
                var prev = -Double.infinity, cur = abs(r[0])
                for k in 0..<n {
                    let next = k + 1 < n ? abs(r[k + 1]) : -Double.infinity
                    out[c] = k
                    c += (cur > 0 ? 1 : 0) & (cur >= prev ? 1 : 0) & (cur > next ? 1 : 0)
                    prev = cur
                    cur = next
                }
                count = c
            }
        }
    }
}
