// SPDX-License-Identifier: GPL-2.0-or-later

/// Cross-correlation through the FFT.
public enum Correlation {
    /// Inputs whose transforms are kept for later calls with the same content
    /// (``SpectrumCache``): one reference correlated with many captures.
    public struct Reuse: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let signal = Reuse(rawValue: 1)
        public static let template = Reuse(rawValue: 2)
    }

    /// `out[k - lags.lowerBound] = Σₙ signal[n + k] · template[n]` for every lag `k` in `lags`.
    ///
    /// Linear (not circular): the transform is padded so that no lag in `lags` wraps. The
    /// inputs named in `reuse` have their spectra kept and reused (the same values bit for bit).
    /// - Complexity: O((n + m) log(n + m)) for a signal of n and a template of m samples.
    public static func crossCorrelate(signal: UnsafeBufferPointer<Float>, template: UnsafeBufferPointer<Float>, lags: ClosedRange<Int>,
                                      reuse: Reuse = []) -> [Double] {
        correlate(signal: signal, template: template, lags: lags, reuse: reuse) { _ in }
    }

    /// The correlation through the FFT, with `shape` applied to the cross-spectrum before the
    /// inverse transform.
    static func correlate(signal: UnsafeBufferPointer<Float>, template: UnsafeBufferPointer<Float>, lags: ClosedRange<Int>,
                          reuse: Reuse, shape: (UnsafeMutableBufferPointer<(Double, Double)>) -> Void) -> [Double] {
        let n = signal.count, m = template.count
        // Lags k with -m < k < n can be non-zero. Pad to cover both ends without wrap.
        let negSpan = max(0, -lags.lowerBound)
        let size = RealFFT.goodSize(atLeast: n + min(m, negSpan + m) + 1)
        let fft = RealFFT.of(size: max(size, 2))
        let a = RealFFT.Buffers(size: fft.size)
        let b = RealFFT.Buffers(size: fft.size)
        transform(signal, into: a, fft, keep: reuse.contains(.signal))
        transform(template, into: b, fft, keep: reuse.contains(.template))
        multiplyByConjugate(a.spectrum, UnsafeBufferPointer(b.spectrum))
        shape(a.spectrum)
        fft.inverse(a)
        let scale = 1.0 / Double(fft.size)
        let r = a.samples
        var out = [Double](repeating: 0, count: lags.count)
        for (j, k) in lags.enumerated() {
            if k >= n || k <= -m { continue }
            let idx = k >= 0 ? k : fft.size + k
            if idx >= 0 && idx < fft.size { out[j] = r[idx] * scale }
        }
        return out
    }

    /// The phase transform (GCC-PHAT): `crossCorrelate` with every bin of the cross-spectrum
    /// scaled to unit magnitude, so that each frequency votes for a delay with the same
    /// weight. A tonal signal's plain correlation is dominated by its strongest partials and
    /// rolls slowly around the peak; whitened, a copy at one delay gives a peak as sharp as an
    /// impulse's. Bins below `floor` times the largest magnitude (of the product: 10⁻¹² is
    /// 10⁻⁶ in each signal's amplitude) are left out, zero: a band neither signal holds at
    /// all. (At 10⁻⁶ a tonal signal's own quiet bins were left out too, and its whitened
    /// correlation was its few partials again.)
    public static func whitenedCrossCorrelate(signal: UnsafeBufferPointer<Float>, template: UnsafeBufferPointer<Float>, lags: ClosedRange<Int>,
                                              floor: Double = 1e-12) -> [Double] {
        correlate(signal: signal, template: template, lags: lags, reuse: []) { spectrum in
            var largest = 0.0
            for (re, im) in spectrum { largest = max(largest, (re * re + im * im).squareRoot()) }
            for i in spectrum.indices {
                let (re, im) = spectrum[i]
                let mag = (re * re + im * im).squareRoot()
                spectrum[i] = mag > floor * largest ? (re / mag, im / mag) : (0, 0)
            }
        }
    }

    /// The spectrum of `x` zero-padded to the transform's size into `b`: the kept one when
    /// `keep` and the same input was kept before, else transformed (and kept when `keep`).
    static func transform(_ x: UnsafeBufferPointer<Float>, into b: RealFFT.Buffers, _ fft: RealFFT, keep: Bool) {
        if keep, SpectrumCache.shared.copy(of: x, into: b) { return }
        fill(b.samples, from: x)
        fft.forward(b)
        if keep { SpectrumCache.shared.keep(x, from: b) }
    }

    /// Convenience over arrays.
    public static func crossCorrelate(signal: [Float], template: [Float], lags: ClosedRange<Int>, reuse: Reuse = []) -> [Double] {
        signal.withUnsafeBufferPointer { s in template.withUnsafeBufferPointer { t in crossCorrelate(signal: s, template: t, lags: lags, reuse: reuse) } }
    }

    /// The same by direct summation: slow, for tests and for the benchmark's baseline.
    public static func direct(signal: [Float], template: [Float], lags: ClosedRange<Int>) -> [Double] {
        lags.map { k in
            var acc = 0.0
            for (i, t) in template.enumerated() {
                let j = i + k
                if j >= 0 && j < signal.count { acc += Double(signal[j]) * Double(t) }
            }
            return acc
        }
    }

    /// `a[i] = a[i] · conj(b[i])`: the spectrum of a correlation.
    /// a[i] · conj(b[i]), in place, in single precision.
    static func multiplyByConjugate(_ a: UnsafeMutableBufferPointer<(Float, Float)>, _ b: UnsafeBufferPointer<(Float, Float)>) {
        for i in 0..<a.count {
            let (ar, ai) = a[i], (br, bi) = b[i]
            a[i] = (ar * br + ai * bi, ai * br - ar * bi)
        }
    }

    static func multiplyByConjugate(_ a: UnsafeMutableBufferPointer<(Double, Double)>, _ b: UnsafeBufferPointer<(Double, Double)>) {
        for i in 0..<a.count {
            let (ar, ai) = a[i], (br, bi) = b[i]
            a[i] = (ar * br + ai * bi, ai * br - ar * bi)
        }
    }

    static func fill(_ dst: UnsafeMutableBufferPointer<Double>, from src: UnsafeBufferPointer<Float>) {
        let n = min(src.count, dst.count)
        for i in 0..<n { dst[i] = Double(src[i]) }
        for i in n..<dst.count { dst[i] = 0 }
    }
}
