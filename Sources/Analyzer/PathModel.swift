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
        let tuning = AnalyzerTuning.standard
        let taps = 2 * half + 1
        let a = max(s.captureStart, Int(s.level.rounded(.up)) + half, half)
        let b = min(s.captureEnd, Int(s.level + (1 + s.drift) * Double(ref.count)) - half, cap.count - half)
        guard b - a > tuning.pathFitMinFrames else { return nil }
        let lo = max(a, (a + b) / 2 - tuning.pathFitMaxFrames / 2), hi = min(b, lo + tuning.pathFitMaxFrames)
        // The aligned reference (unit gain), with `half` frames of margin on each side.
        let m: [Double] = ref.withUnsafeBufferPointer { rb in
            ((lo - half)..<(hi + half)).map { interp.value(at: s.refPosition(atCapture: Double($0)), in: rb) }
        }
        // Normal equations: R h = p, with R[j][k] = Σ m(t−j) m(t−k), p[j] = Σ c(t) m(t−j).
        var r = [Double](repeating: 0, count: taps * taps), p = [Double](repeating: 0, count: taps)
        var cc = 0.0, cm = 0.0, mm = 0.0
        for t in lo..<hi {
            let i = t - lo + half
            let c = Double(cap[t])
            cc += c * c
            cm += c * m[i]
            mm += m[i] * m[i]
            for j in 0..<taps {
                let mj = m[i - (j - half)]
                p[j] += c * mj
                for k in j..<taps { r[j * taps + k] += mj * m[i - (k - half)] }
            }
        }
        guard mm > 0, cc > 0 else { return nil }
        for j in 0..<taps { for k in 0..<j { r[j * taps + k] = r[k * taps + j] } }
        let ridge = tuning.pathFitRidge * mm
        for j in 0..<taps { r[j * taps + j] += ridge }
        guard let h = solve(r, p, n: taps) else { return nil }
        // Residual with the filter, against the residual with the best gain alone.
        var hp = 0.0
        for j in 0..<taps { hp += h[j] * p[j] }
        let resFIR = cc - hp
        let resGain = cc - cm * cm / mm
        guard resFIR > 0, resGain > tuning.pathFitMinImprovement * resFIR else { return nil }
        // The filtered reference: out[i] = Σ h[j] ref[i − (j − half)], normalised to unit gain.
        let g = cm / mm
        var out = [Float](repeating: 0, count: ref.count)
        for i in 0..<ref.count {
            var acc = 0.0
            for j in 0..<taps {
                let k = i - (j - half)
                if k >= 0 && k < ref.count { acc += h[j] * Double(ref[k]) }
            }
            out[i] = Float(acc / g)
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
