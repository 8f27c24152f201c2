// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

// Mains hum in the capture (50 or 60 Hz and its harmonics, from a ground loop): it is not
// the path and not a discontinuity, but it fills the silence of a gap (which then looks like
// audio, a repeat), masks a sweep's lowest octaves (whose windows then lock off the true
// delay) and raises the residual everywhere. It is stationary, so it is fitted once, on the
// capture minus the reference aligned at the whole-signal delay, and removed before tracking.
extension RoundTripAnalysis {
    typealias HumTone = (f: Double, a: Double, b: Double)

    /// The capture with the hum tones removed that stand out of the residual, and their
    /// fundamental (Hz); the capture unchanged and nil when none does.
    func removeHum(_ ref: [Float], _ cap: [Float], _ find: GlobalFind) -> ([Float], Double?) {
        let fs = Double(reference.sampleRate)
        // Screened first on the residual at the whole lag (no interpolation): a line at the
        // screening level there. Without one, no hum (most captures: the interpolated
        // residual cost 1.5 % of the default sweep's CPU).
        let coarse = alignedResidual(ref, cap, find, fractional: false)
        guard AnalyzerTuning.mainsFrequencies.contains(where: { !humTones(coarse, f0: $0, fs: fs, sigmas: tuning.humScreenSigmas).isEmpty }) else { return (cap, nil) }
        let residual = alignedResidual(ref, cap, find, fractional: true)
        var best: (f0: Double, tones: [HumTone], power: Double)?
        for f0 in AnalyzerTuning.mainsFrequencies {
            let tones = humTones(residual, f0: f0, fs: fs)
            let power = tones.reduce(0) { $0 + $1.a * $1.a + $1.b * $1.b }
            if !tones.isEmpty, power > (best?.power ?? 0) { best = (f0, tones, power) }
        }
        guard let hum = best else { return (cap, nil) }
        return (removing(hum.tones, from: cap), hum.f0)
    }

    /// The hum of fundamental `f0` fitted again, on the capture (with its hum) minus the
    /// reference at each tracked window's own delay: the whole-signal delay leaves the
    /// stretches before a step (a gap in a sweep's low octaves) in the residual, whose low
    /// frequencies hid the weaker harmonics and pulled the fitted ones (a faded sweep's first
    /// segment then read 0.95 samples off, the gap a frame long). Nil when no tone stands out.
    func refittedHum(_ ref: [Float], _ raw: [Float], _ points: [TrackPoint], f0: Double) -> [Float]? {
        let step = AnalyzerTuning.humDecimation, w = AnalyzerTuning.trackingWindow
        let count = (raw.count + step - 1) / step
        // Every decimated frame inside a window that told its delay apart: that window's reference position.
        var position = [Double?](repeating: nil, count: count)
        for q in points where !q.ambiguous && abs(q.rho) >= tuning.humRefitMinRho {
            for k in ((q.t + step - 1) / step)..<min(count, (q.t + w + step - 1) / step) { position[k] = q.p + Double(k * step - q.t) }
        }
        let used = position.indices.filter { position[$0] != nil }
        guard !used.isEmpty else { return nil }
        let values = ref.withUnsafeBufferPointer { rb in interp.values(at: 0..<used.count, in: rb) { position[used[$0]]! } }
        var aligned = [Double?](repeating: nil, count: count)
        for (j, k) in used.enumerated() { aligned[k] = values[j] }
        let r = decimatedResidual(raw, aligned)
        let tones = humTones(r, f0: f0, fs: Double(reference.sampleRate))
        return tones.isEmpty ? nil : removing(tones, from: raw)
    }

    /// `cap` minus the tones.
    func removing(_ tones: [HumTone], from cap: [Float]) -> [Float] {
        let fs = Double(reference.sampleRate)
        var out = cap
        for tone in tones {
            let w = 2 * Double.pi * tone.f / fs
            // Rotating phasor (re-anchored every block against rounding drift).
            var t = 0
            while t < out.count {
                let end = min(out.count, t + 4096)
                var c = cos(w * Double(t)), s = sin(w * Double(t))
                let cw = cos(w), sw = sin(w)
                for i in t..<end {
                    out[i] -= Float(tone.a * c + tone.b * s)
                    (c, s) = (c * cw - s * sw, s * cw + c * sw)
                }
                t = end
            }
        }
        return out
    }

    /// The capture minus the reference at the whole-signal delay (its fractional peak when
    /// `fractional`, else its whole lag; least-squares gain), every ``AnalyzerTuning/humDecimation``-th frame; zero in the
    /// blocks that misfit (`zeroMisfitBlocks`). At the whole lag, a delay of x.5 left half a
    /// frame's misalignment of the whole probe in the residual, loudest at high frequencies,
    /// which the undecimated fit aliases onto the hum's lines and their neighbours alike.
    func alignedResidual(_ ref: [Float], _ cap: [Float], _ find: GlobalFind, fractional: Bool) -> [(t: Int, e: Double)] {
        let step = AnalyzerTuning.humDecimation
        let frames = 0..<((cap.count + step - 1) / step)
        let aligned: [Double?]
        if fractional {
            let lag = Double(find.lags.lowerBound) + interp.refinePeak(of: find.corr, near: find.peakIndex).position
            aligned = ref.withUnsafeBufferPointer { rb in interp.values(at: frames, in: rb) { Double($0 * step) - lag } }.map { $0 }
        } else {
            aligned = frames.map { k -> Double? in let i = k * step - find.lag; return i >= 0 && i < ref.count ? Double(ref[i]) : 0 }
        }
        return decimatedResidual(cap, aligned)
    }

    /// `cap` minus the least-squares gain times `aligned` at every ``AnalyzerTuning/humDecimation``-th
    /// frame that has an aligned value (zero at the others), the blocks that misfit zeroed.
    func decimatedResidual(_ cap: [Float], _ aligned: [Double?]) -> [(t: Int, e: Double)] {
        let step = AnalyzerTuning.humDecimation
        var rc = 0.0, rr = 0.0
        for (k, a) in aligned.enumerated() { if let a { rc += a * Double(cap[k * step]); rr += a * a } }
        let g = rr > 0 ? rc / rr : 0
        var r: [(t: Int, e: Double)] = aligned.enumerated().map { k, a in (k * step, a.map { Double(cap[k * step]) - g * $0 } ?? 0) }
        zeroMisfitBlocks(&r)
        return r
    }

    /// Zero in the blocks of ``AnalyzerTuning/humBlockFrames`` whose residual power exceeds
    /// ``AnalyzerTuning/humBlockMisfitMultiple`` times the median block's.
    func zeroMisfitBlocks(_ r: inout [(t: Int, e: Double)]) {
        let step = AnalyzerTuning.humDecimation
        // Stretches where the reference is not at that delay (before a step, after it) leave
        // the signal itself in the residual, strong at low frequencies: zeroed, not fitted.
        let block = AnalyzerTuning.humBlockFrames / step
        let powers = Swift.stride(from: 0, to: r.count, by: block).map { b in
            r[b..<min(r.count, b + block)].reduce(0) { $0 + $1.e * $1.e } / Double(min(r.count, b + block) - b)
        }
        let limit = tuning.humBlockMisfitMultiple * median(powers)
        for (k, p) in powers.enumerated() where p > limit {
            for j in (k * block)..<min(r.count, (k + 1) * block) { r[j].e = 0 }
        }
    }

    /// The harmonics of `f0` (up to ``AnalyzerTuning/humHarmonics``, below a quarter of the
    /// decimated rate) that stand out as lines: a sinusoid fit (e ≈ a cos ωt + b sin ωt) whose
    /// power is ``AnalyzerTuning/humDetectionSigmas``² times the mean of the same fit a few Hz
    /// to either side (``AnalyzerTuning/humNeighbourOffsets``). Against its neighbours, not the
    /// residual's overall variance: a residual of misaligned pink noise (after a step) is
    /// strong at low frequencies, but it is no line.
    func humTones(_ r: [(t: Int, e: Double)], f0: Double, fs: Double, sigmas: Double? = nil) -> [HumTone] {
        let sigmas = sigmas ?? tuning.humDetectionSigmas
        guard r.count > 1 else { return [] }
        let offsets = AnalyzerTuning.humNeighbourOffsets
        let harmonics = (1...AnalyzerTuning.humHarmonics).map { f0 * Double($0) }.prefix { $0 < fs / Double(4 * AnalyzerTuning.humDecimation) }
        // Every fit at once (each harmonic, then its neighbours), eight frequencies per pass.
        let fits = sinusoidFits(r, frequencies: harmonics.flatMap { f in [f] + offsets.map { f + $0 } }, fs: fs)
        var tones: [HumTone] = []
        for (h, f) in harmonics.enumerated() {
            let base = h * (1 + offsets.count)
            let tone = fits[base]
            let floor = fits[(base + 1)...(base + offsets.count)].map { $0.a * $0.a + $0.b * $0.b }.reduce(0, +) / Double(offsets.count)
            if tone.a * tone.a + tone.b * tone.b > sigmas * sigmas * floor { tones.append((f, tone.a, tone.b)) }
        }
        return tones
    }

    /// Least-squares amplitudes of cos and sin (e ≈ a cos ωt + b sin ωt) at every frequency of
    /// `frequencies` over the evenly spaced samples `r`, by a rotating phasor re-anchored every
    /// 4096 samples; eight frequencies at a time in SIMD lanes, each lane running the scalar
    /// fit's operations in its order, so every result is the scalar fit's bit for bit (its
    /// direct form is in `KernelTests`); eight independent phasors keep the processor busy
    /// where one phasor's recurrence would leave it waiting.
    func sinusoidFits(_ r: [(t: Int, e: Double)], frequencies: [Double], fs: Double) -> [(a: Double, b: Double)] {
        guard r.count > 1, !frequencies.isEmpty else { return frequencies.map { _ in (0, 0) } }
        let n = Double(max(1, r.count(where: { $0.e != 0 })))
        let step = Double(r[1].t - r[0].t)
        var out: [(a: Double, b: Double)] = []
        out.reserveCapacity(frequencies.count)
        for g in Swift.stride(from: 0, to: frequencies.count, by: 8) {
            var w = SIMD8<Double>(repeating: 0)
            for l in 0..<8 { w[l] = 2 * Double.pi * frequencies[min(g + l, frequencies.count - 1)] / fs }
            var cw = SIMD8<Double>(repeating: 0), sw = SIMD8<Double>(repeating: 0)
            for l in 0..<8 { cw[l] = cos(w[l] * step); sw[l] = sin(w[l] * step) }
            var a = SIMD8<Double>(repeating: 0), b = SIMD8<Double>(repeating: 0)
            var k = 0
            while k < r.count {
                let end = min(r.count, k + 4096)
                var c = SIMD8<Double>(repeating: 0), s = SIMD8<Double>(repeating: 0)
                let t = Double(r[k].t)
                for l in 0..<8 { c[l] = cos(w[l] * t); s[l] = sin(w[l] * t) }
                for j in k..<end {
                    let e = SIMD8<Double>(repeating: r[j].e)
                    a += e * c
                    b += e * s
                    (c, s) = (c * cw - s * sw, s * cw + c * sw)
                }
                k = end
            }
            for l in 0..<min(8, frequencies.count - g) { out.append((2 * a[l] / n, 2 * b[l] / n)) }
        }
        return out
    }
}
