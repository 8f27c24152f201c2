// SPDX-License-Identifier: GPL-2.0-or-later

/// Many short templates (a tracker's capture windows) correlated against one long signal (the
/// reference), each over a few thousand lags, through a uniformly partitioned transform: the
/// signal is cut into overlapping blocks of ``size`` frames whose spectra are computed once
/// (when first needed) and kept, so each template costs one forward transform of its own and
/// one inverse per block its lags reach, all of ``size``, instead of three transforms of the
/// whole stretch it is searched over.
///
/// `out[k − lags.lowerBound] = Σₙ signal[k + n] · template[n]` for every lag `k` (a signal
/// position, negative or past the end allowed: the signal is zero outside `0 ..< count`), the
/// same values as ``Correlation/crossCorrelate(signal:template:lags:reuse:)`` to rounding
/// (a few 10⁻¹⁶ of the largest |value|).
public final class BlockCorrelation {
    /// The transform size: 4096 frames, four times the tracker's 1024-frame windows. Each block
    /// then gives 3073 lags, and a window's 8193 lags take at most four blocks: one forward
    /// and four inverse transforms of 4096, about half the work of three transforms of the
    /// 10 368 frames the stretch needs in one piece (and 4096 is FFTW's fastest kind of size).
    public static let blockFrames = 4096

    public let size: Int
    /// The longest template (frames).
    public let templateFrames: Int
    /// Lags per block: those whose template span stays inside the block (no wrap).
    public let blockLags: Int
    let signal: [Float]
    /// Signal position of block 0's first frame.
    let origin: Int
    let fft: RealFFT
    /// Each block's spectrum, computed when first asked for.
    var spectra: [[(Double, Double)]?]
    let work: RealFFT.Buffers
    let templateSpectrum: RealFFT.Buffers

    /// `signal` correlated with templates of at most `templateFrames` frames, at lags from
    /// `firstLag` on (lags below it are not asked for).
    public init(signal: [Float], templateFrames: Int, firstLag: Int, size: Int = BlockCorrelation.blockFrames) {
        precondition(templateFrames >= 1 && size > templateFrames)
        self.size = size
        self.templateFrames = templateFrames
        self.signal = signal
        origin = firstLag
        blockLags = size - templateFrames + 1
        fft = RealFFT.of(size: size)
        let last = max(0, signal.count - firstLag)
        spectra = Array(repeating: nil, count: last / blockLags + 1)
        work = RealFFT.Buffers(size: size)
        templateSpectrum = RealFFT.Buffers(size: size)
    }

    /// The correlation of `template` (at most ``templateFrames`` frames) at every lag of `lags`.
    public func correlate(template: UnsafeBufferPointer<Float>, lags: ClosedRange<Int>) -> [Double] {
        precondition(template.count <= templateFrames && lags.lowerBound >= origin)
        var out = [Double](repeating: 0, count: lags.count)
        Correlation.fill(templateSpectrum.samples, from: template)
        fft.forward(templateSpectrum)
        let t = UnsafeBufferPointer(templateSpectrum.spectrum)
        let scale = 1.0 / Double(size)
        var k = lags.lowerBound
        while k <= lags.upperBound {
            let q = (k - origin) / blockLags
            let blockStart = origin + q * blockLags
            let end = min(lags.upperBound, blockStart + blockLags - 1)
            if q < spectra.count {
                let s = spectrum(q)
                s.withUnsafeBufferPointer { sb in
                    work.spectrum.baseAddress!.update(from: sb.baseAddress!, count: sb.count)
                }
                Correlation.multiplyByConjugate(work.spectrum, t)
                fft.inverse(work)
                let r = work.samples
                // Lags whose template span misses the signal are exactly 0 (as the one-piece
                // correlation gives them), not the transform's rounding noise.
                let first = max(k, 1 - template.count), last = min(end, signal.count - 1)
                if first <= last {
                    for lag in first...last { out[lag - lags.lowerBound] = r[lag - blockStart] * scale }
                }
            }
            // Blocks past the signal's end hold zeros: their lags stay 0.
            k = end + 1
        }
        return out
    }

    /// Block `q`'s spectrum: the signal from `origin + q · blockLags` on, `size` frames, zero
    /// outside the signal.
    func spectrum(_ q: Int) -> [(Double, Double)] {
        if let s = spectra[q] { return s }
        let start = origin + q * blockLags
        let x = work.samples
        for i in 0..<size {
            let p = start + i
            x[i] = p >= 0 && p < signal.count ? Double(signal[p]) : 0
        }
        fft.forward(work)
        let s = Array(work.spectrum)
        spectra[q] = s
        return s
    }
}
