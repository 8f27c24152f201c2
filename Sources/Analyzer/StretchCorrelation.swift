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
///
/// Centred (`centred`, for the probe's first frames only), each side's mean over the stretch
/// is removed: a Pearson correlation. The reference's mean is removed over its own frames and
/// the capture's over the whole capture, so where the reference's own mean is not small the
/// capture is offset from it by the difference wherever it is heard, and a stretch of low
/// frequencies matches off its delay. A log sweep from 20 Hz, 1135 frames at 22.05 kHz, has a
/// mean of 14 % of its RMS; the first copy before a repeat (30–130 Hz, half a cycle) matched
/// 2.6 frames late, and the latency read 2.6 samples off with no uncertainty stated (`bench
/// shortrefs`). Centred, the copy matches at 3210.37 (truth 3210.4), and four other short
/// sweeps' first frames, read 0.14–0.46 samples off, match at two delays and are refused.
/// Uncentred, a near-constant stretch of an 8-bit capture matched a stretch of silence
/// between a sparse reference's impulses (a constant after its mean is removed) at 1.0.
/// Not between and after segments, where the stretch is no probe's start: with the mean of
/// a few milliseconds removed, little of a low-frequency stretch is left to judge, and 127
/// frames of music's room tail matched at 0.97 at a third delay (a capture `bench rooms`
/// refused for its drop read a false one).
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
    /// The highest other lobe of the band-limited correlation within `rivalReach` frames of
    /// the peak (``lobes(around:gridCentre:reach:count:_:dip:)``), over the peak's value; 0
    /// where there is none or none was asked for.
    let rivalRatio: Double

    /// nil where the stretch is silent or no lag's reference holds enough energy. `polarity`:
    /// the sign to judge at, or nil for either (the best's). `centred`: each side's own mean
    /// over the stretch removed (see the type's description).
    init?(ref: [Float], cap: [Float], stretch: Range<Int>, positions: ClosedRange<Int>, polarity: Double?,
          interp: SincInterpolator, minReferenceEnergy: Double, refineLags: Int, centred: Bool = false, rivalReach: Int? = nil) {
        let len = stretch.count, pLo = positions.lowerBound, pHi = positions.upperBound
        var seg = [Float](repeating: 0, count: pHi - pLo + len)
        for q in seg.indices where pLo + q >= 0 && pLo + q < ref.count { seg[q] = ref[pLo + q] }
        var corr: [Double] = cap.withUnsafeBufferPointer { cp in
            seg.withUnsafeBufferPointer { sp in
                Correlation.crossCorrelate(signal: sp, template: UnsafeBufferPointer(rebasing: cp[stretch]), lags: 0...(pHi - pLo))
            }
        }
        let n = Double(len)
        let capMean = centred ? cap[stretch].reduce(0.0) { $0 + Double($1) } / n : 0
        let capE = energy(cap[stretch]) - n * capMean * capMean
        guard capE > 0 else { return nil }
        var pre = [Double](repeating: 0, count: seg.count + 1), sum = pre
        for q in seg.indices {
            pre[q + 1] = pre[q] + Double(seg[q]) * Double(seg[q])
            sum[q + 1] = sum[q] + Double(seg[q])
        }
        // Σ (c − c̄)(r − r̄) = Σ c·r − c̄·Σ r, and Σ (r − r̄)² = Σ r² − (Σ r)²/n.
        if centred { for k in corr.indices { corr[k] -= capMean * (sum[k + len] - sum[k]) } }
        func refE(_ k: Int) -> Double {
            let s = centred ? sum[k + len] - sum[k] : 0
            return pre[k + len] - pre[k] - s * s / n
        }
        var rho = [Double](repeating: -.infinity, count: corr.count)
        var bestK = -1, bestRho = 0.0
        for k in corr.indices {
            let e = refE(k)
            guard e > minReferenceEnergy * capE else { continue }
            let c = polarity.map { $0 * corr[k] } ?? abs(corr[k])
            rho[k] = c / (e * capE).squareRoot()
            if rho[k] > bestRho { (bestK, bestRho) = (k, rho[k]) }
        }
        guard bestK >= 0 else { return nil }
        let sign = polarity ?? (corr[bestK] >= 0 ? 1 : -1)
        let lo = max(0, bestK - refineLags), hi = min(corr.count, bestK + refineLags + 1)
        let local = Array(corr[lo..<hi])
        let value = { (x: Double) in sign * interp.value(at: x, in: local) }
        // The best whole lag can sit on a lobe beside the peak's: content near Nyquist (a linear
        // sweep's 7.4–9.9 kHz at 22.05 kHz, lobes 2.6 frames apart) has its correlation sampled
        // at whole lags on the peak's skirts, and a 1800-frame sweep's last 450 frames matched a
        // lobe away, the drop before them read 447 frames long (truth 450). The band-limited
        // correlation is searched a few frames either side (``AnalyzerTuning/stretchPeakReach``)
        // for the highest lobe, a local maximum of its own with the correlation falling below
        // half the first peak's between them (``AnalyzerTuning/stretchLobeDip``), which the
        // search over a frame either side then refines. (Any higher value counted, a low
        // stretch's correlation, flat over frames, rose to the reach's edge, and four log
        // sweeps' first frames read 4 frames off; without the dip, a ripple on speech's broad
        // correlation behind the low-pass moved a gap's size a frame further from the truth.)
        var r = SincInterpolator.maximize(around: Double(bestK - lo), value)
        let tuning = AnalyzerTuning.standard
        for lobe in Self.lobes(around: r, gridCentre: Double(bestK - lo), reach: tuning.stretchPeakReach, count: local.count, value, dip: tuning.stretchLobeDip)
        where lobe.value > r.value {
            let peak = SincInterpolator.maximize(around: lobe.position, value)
            if peak.value > r.value { r = peak }
        }
        // The highest other lobe, where asked (the probe's last frames, ``Explainer/stretchMatch``).
        rivalRatio = rivalReach.map { reach in
            r.value > 0 ? Self.lobes(around: r, gridCentre: r.position, reach: reach, count: local.count, value, dip: tuning.stretchLobeDip)
                .map { $0.value / r.value }.max() ?? 0 : 0
        } ?? 0
        let e = refE(bestK)
        (self.rho, best, self.bestRho, self.sign) = (rho, bestK, bestRho, sign)
        position = Double(pLo) + Double(lo) + r.position
        // (The interpolated product over the whole lag's energy can pass 1 by a little.)
        peakRho = min(1, max(bestRho, r.value / (e * capE).squareRoot()))
    }

    /// The lobes of the band-limited correlation `value` beside the peak `r`, on an eighth of a
    /// frame's grid `reach` frames either side of `gridCentre` (within the local correlation's
    /// `count` lags): local maxima more than half a frame from the peak with the correlation
    /// between them and it falling below `dip` of the peak's value.
    static func lobes(around r: (position: Double, value: Double), gridCentre: Double, reach: Int, count: Int,
                      _ value: (Double) -> Double, dip: Double) -> [(position: Double, value: Double)] {
        let xs = (-8 * reach...8 * reach).map { gridCentre + Double($0) / 8 }.filter { $0 >= 0 && $0 <= Double(count - 1) }
        let vs = xs.map(value)
        var out: [(position: Double, value: Double)] = []
        for i in vs.indices.dropFirst().dropLast() where vs[i] > vs[i - 1] && vs[i] >= vs[i + 1] && abs(xs[i] - r.position) > 0.5 {
            let between = vs.indices.filter { (xs[$0] - r.position) * (xs[$0] - xs[i]) < 0 }
            guard let low = between.map({ vs[$0] }).min(), low < dip * r.value else { continue }
            out.append((xs[i], vs[i]))
        }
        return out
    }
}
