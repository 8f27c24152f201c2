// SPDX-License-Identifier: GPL-2.0-or-later
import DSP

/// Finds one period's probe in a stretch of capture, and says what a stretch holds when the
/// probe is not there (silence, a short loop repeating, or something else).
enum PeriodLocator {
    /// A probe counts as found when its normalised correlation with the capture reaches this.
    /// At 0 dB SNR the true peak is about 0.7; a chirp train against an unrelated chirp train or
    /// noise stays below 0.15 (the analyzer's own "weak peak" line), so 0.3 leaves room both ways.
    static let foundThreshold = 0.3
    /// Below this RMS (−60 dBFS) a stretch is silence: no sound card hands back a probe at −6 dBFS that quietly.
    static let silenceRMS: Float = 0.001
    /// A stretch whose normalised autocorrelation at some lag reaches this repeats itself: a stuck loop.
    static let stuckCorrelation = 0.95
    /// Shortest and longest repetition a stuck loop is looked for at, in frames: from a 32-frame
    /// period (PipeWire's smallest quantum) to a 16384-frame ring.
    static let stuckLags = 32...16384

    /// The start of `probe` in `signal` (searched over every lag at which the whole probe fits)
    /// and its normalised correlation, or nil when the signal is too short.
    static func locate(_ probe: [Float], probeEnergy: Double, in signal: ArraySlice<Float>) -> (lag: Int, score: Double)? {
        let sig = Array(signal)
        let l = probe.count
        guard sig.count >= l, probeEnergy > 0 else { return nil }
        let lags = 0...(sig.count - l)
        let c = Correlation.crossCorrelate(signal: sig, template: probe, lags: lags, reuse: .template)
        // Sliding energy of the signal under the probe.
        var prefix = [Double](repeating: 0, count: sig.count + 1)
        for i in 0..<sig.count { prefix[i + 1] = prefix[i] + Double(sig[i]) * Double(sig[i]) }
        var best = (lag: 0, score: 0.0)
        for (j, k) in lags.enumerated() {
            let e = prefix[k + l] - prefix[k]
            guard e > 0 else { continue }
            let s = abs(c[j]) / (probeEnergy * e).squareRoot()
            if s > best.score { best = (k, s) }
        }
        return best
    }

    enum Content: String { case silence, stuck, other }

    /// What a stretch of capture holds when the probe is not in it.
    static func classify(_ x: ArraySlice<Float>) -> (Content, repeatFrames: Int?) {
        guard !x.isEmpty else { return (.silence, nil) }
        var e = 0.0
        for v in x { e += Double(v) * Double(v) }
        if (e / Double(x.count)).squareRoot() < Double(silenceRMS) { return (.silence, nil) }
        let sig = Array(x)
        let maxLag = min(stuckLags.upperBound, sig.count / 2)
        guard maxLag > stuckLags.lowerBound else { return (.other, nil) }
        // Autocorrelation of the first half against the whole: a short loop repeating shows a
        // near-perfect match at its length.
        let template = Array(sig.prefix(sig.count - maxLag))
        var te = 0.0
        for v in template { te += Double(v) * Double(v) }
        let c = Correlation.crossCorrelate(signal: sig, template: template, lags: stuckLags.lowerBound...maxLag)
        var prefix = [Double](repeating: 0, count: sig.count + 1)
        for i in 0..<sig.count { prefix[i + 1] = prefix[i] + Double(sig[i]) * Double(sig[i]) }
        var best = (lag: 0, score: 0.0)
        for (j, k) in (stuckLags.lowerBound...maxLag).enumerated() {
            let e2 = prefix[k + template.count] - prefix[k]
            guard e2 > 0, te > 0 else { continue }
            let s = c[j] / (te * e2).squareRoot()
            if s > best.score { best = (k, s) }
        }
        return best.score >= stuckCorrelation ? (.stuck, best.lag) : (.other, nil)
    }
}
