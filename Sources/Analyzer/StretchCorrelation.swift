// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

/// Capture frames `stretch` correlated with the reference at every start position in
/// `positions` (the reference frame heard at the stretch's first frame): the normalised
/// correlation at each whole lag, the best, and the best judged at its interpolated peak.
/// Between whole-frame lags a broadband stretch heard a fraction of a frame off correlates
/// with itself at about sinc of that fraction (0.76 at 0.4 frames for white noise), so a
/// match is judged at its peak. Used for a stretch between or before segments
/// (`Explainer.stretchMatch`) and for sound before a line's onset
/// (`RoundTripAnalysis.matchedEarlier`).
struct StretchCorrelation {
    /// Normalised correlation at each lag (index k: start position `positions.lowerBound + k`),
    /// at `sign`; −∞ where the reference under the stretch holds under `minReferenceEnergy`
    /// of the stretch's energy.
    let rho: [Double]
    /// The best lag's index, its normalised correlation, and the polarity it was judged at.
    let best: Int
    let bestRho: Double
    let sign: Double
    /// The best's interpolated start position and its normalised correlation there (at least
    /// the whole lag's).
    let position: Double
    let peakRho: Double

    /// nil where the stretch is silent or no lag's reference holds enough energy. `polarity`:
    /// the sign to judge at, or nil for either (the best's).
    init?(ref: [Float], cap: [Float], stretch: Range<Int>, positions: ClosedRange<Int>, polarity: Double?,
          interp: SincInterpolator, minReferenceEnergy: Double, refineLags: Int) {
        let len = stretch.count, pLo = positions.lowerBound, pHi = positions.upperBound
        var seg = [Float](repeating: 0, count: pHi - pLo + len)
        for q in seg.indices where pLo + q >= 0 && pLo + q < ref.count { seg[q] = ref[pLo + q] }
        let corr: [Double] = cap.withUnsafeBufferPointer { cp in
            seg.withUnsafeBufferPointer { sp in
                Correlation.crossCorrelate(signal: sp, template: UnsafeBufferPointer(rebasing: cp[stretch]), lags: 0...(pHi - pLo))
            }
        }
        let capE = energy(cap[stretch])
        guard capE > 0 else { return nil }
        var pre = [Double](repeating: 0, count: seg.count + 1)
        for q in seg.indices { pre[q + 1] = pre[q] + Double(seg[q]) * Double(seg[q]) }
        var rho = [Double](repeating: -.infinity, count: corr.count)
        var bestK = -1, bestRho = 0.0
        for k in corr.indices {
            let e = pre[k + len] - pre[k]
            guard e > minReferenceEnergy * capE else { continue }
            let c = polarity.map { $0 * corr[k] } ?? abs(corr[k])
            rho[k] = c / (e * capE).squareRoot()
            if rho[k] > bestRho { (bestK, bestRho) = (k, rho[k]) }
        }
        guard bestK >= 0 else { return nil }
        let sign = polarity ?? (corr[bestK] >= 0 ? 1 : -1)
        let lo = max(0, bestK - refineLags), hi = min(corr.count, bestK + refineLags + 1)
        let local = Array(corr[lo..<hi])
        let r = SincInterpolator.maximize(around: Double(bestK - lo)) { x in sign * interp.value(at: x, in: local) }
        let e = pre[bestK + len] - pre[bestK]
        (self.rho, best, self.bestRho, self.sign) = (rho, bestK, bestRho, sign)
        position = Double(pLo) + Double(lo) + r.position
        peakRho = max(bestRho, r.value / (e * capE).squareRoot())
    }
}
