// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import Testing

@Suite("DSP")
struct DSPTests {
    @Test("FFT cross-correlation equals direct summation at every lag, negative lags too")
    func correlationMatchesDirect() {
        var x: [Float] = [], y: [Float] = []
        var s: UInt64 = 12345
        func r() -> Float { s = s &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: s >> 11) % 2000) / 1000 - 1 }
        for _ in 0..<3001 { x.append(r()) }
        for _ in 0..<257 { y.append(r()) }
        let lags = -300...3100
        let fast = Correlation.crossCorrelate(signal: x, template: y, lags: lags)
        let slow = Correlation.direct(signal: x, template: y, lags: lags)
        let worst = zip(fast, slow).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-9, "worst difference \(worst)")
    }

    @Test("the block-partitioned correlation equals the one-piece correlation and direct summation, lags before, across and past the signal")
    func blockCorrelationMatches() {
        var s: UInt64 = 777
        func r() -> Float { s = s &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: s >> 11) % 2000) / 1000 - 1 }
        let x = (0..<20_000).map { _ in r() }
        let blocks = BlockCorrelation(signal: x, templateFrames: 1024, firstLag: -1024)
        #expect(blocks.blockLags == 4096 - 1024 + 1)
        // A full window and a shorter one; ranges inside one block, across four, at both ends
        // and wholly past the signal (zeros).
        for (len, lags) in [(1024, 3000...11_192), (1024, -1023...500), (1024, 19_000...25_000), (700, 5...5), (1024, 21_000...21_100), (1024, -1024...19_999)] {
            let y = (0..<len).map { _ in r() }
            let got = y.withUnsafeBufferPointer { blocks.correlate(template: $0, lags: lags) }
            let whole = Correlation.crossCorrelate(signal: x, template: y, lags: lags)
            let worst = zip(got, whole).map { abs($0 - $1) }.max() ?? 1
            let scale = whole.map { abs($0) }.max() ?? 0
            #expect(got.count == lags.count)
            #expect(worst <= 1e-12 * max(1, scale), "lags \(lags): worst difference \(worst) of \(scale)")
        }
        // Against direct summation on a few hundred lags spread over the signal.
        let y = (0..<1024).map { _ in r() }
        let lags = 9_000...9_300
        let got = y.withUnsafeBufferPointer { blocks.correlate(template: $0, lags: lags) }
        let slow = Correlation.direct(signal: x, template: y, lags: lags)
        #expect((zip(got, slow).map { abs($0 - $1) }.max() ?? 1) < 1e-9)
        // A lag wholly past the end is exactly zero.
        #expect(y.withUnsafeBufferPointer { blocks.correlate(template: $0, lags: 20_000...20_010) }.allSatisfy { $0 == 0 })
    }

    @Test("the whitened (phase-transform) correlation of a tonal signal with its delayed copy is an impulse at the delay")
    func whitenedCorrelationIsAnImpulse() {
        // Three partials and a little noise: the plain correlation rolls at the partials'
        // periods around its peak; whitened, every frequency votes for the one delay.
        var s: UInt64 = 4242
        func r() -> Float { s = s &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: s >> 11) % 2000) / 1000 - 1 }
        let n = 6000, delay = 1234
        let x = (0..<n).map { i -> Float in
            let t = Double(i)
            return Float(sin(0.031 * t) + 0.5 * sin(0.093 * t + 1) + 0.25 * sin(0.155 * t + 2)) + 0.01 * r()
        }
        let capture = [Float](repeating: 0, count: delay) + x
        let lags = -100...(capture.count - 100)
        let w = capture.withUnsafeBufferPointer { c in x.withUnsafeBufferPointer { Correlation.whitenedCrossCorrelate(signal: c, template: $0, lags: lags) } }
        let peak = w.indices.max { abs(w[$0]) < abs(w[$1]) }!
        #expect(peak + lags.lowerBound == delay)
        let others = w.indices.filter { abs($0 - peak) > 2 }.map { abs(w[$0]) }.max() ?? 1
        #expect(w[peak] > 0.3 && others < w[peak] / 10, "peak \(w[peak]), largest elsewhere \(others)")
        // The plain correlation's largest value beyond the peak's own lobe stands far closer to it.
        let plain = Correlation.crossCorrelate(signal: capture, template: x, lags: lags)
        let plainOthers = plain.indices.filter { abs($0 - peak) > 2 }.map { abs(plain[$0]) }.max() ?? 0
        #expect(plainOthers > plain[peak] / 2, "plain peak \(plain[peak]), largest elsewhere \(plainOthers)")
    }

    @Test("a correlation that reuses a kept spectrum equals one that transforms again, bit for bit")
    func keptSpectraAreExact() {
        var s: UInt64 = 777
        func r() -> Float { s = s &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: s >> 11) % 2000) / 1000 - 1 }
        let template = (0..<300).map { _ in r() }
        var other = template
        other[150] += 1
        for _ in 0..<3 {
            let signal = (0..<2000).map { _ in r() }
            for t in [template, other, template] {
                let plain = Correlation.crossCorrelate(signal: signal, template: t, lags: -100...1900)
                let kept = Correlation.crossCorrelate(signal: signal, template: t, lags: -100...1900, reuse: .template)
                #expect(kept.map(\.bitPattern) == plain.map(\.bitPattern))
            }
            // The autocorrelation: signal and template are one input, kept once.
            let auto = Correlation.crossCorrelate(signal: template, template: template, lags: 0...150)
            let autoKept = Correlation.crossCorrelate(signal: template, template: template, lags: 0...150, reuse: [.signal, .template])
            #expect(autoKept.map(\.bitPattern) == auto.map(\.bitPattern))
        }
    }

    @Test("band-limited interpolation: better than -85 dB up to 0.4 × the rate", arguments: [0.05, 0.2, 0.33, 0.4])
    func sincAccuracy(f: Double) {
        let si = SincInterpolator(halfWidth: 32, phases: 1024)
        let x = (0..<4000).map { Float(sin(2 * Double.pi * f * Double($0) + 0.3)) }
        var worst = 0.0
        x.withUnsafeBufferPointer { xb in
            for k in 0..<400 {
                let pos = 1500.0 + Double(k) * 1.37
                worst = max(worst, abs(si.value(at: pos, in: xb) - sin(2 * Double.pi * f * pos + 0.3)))
            }
        }
        #expect(20 * log10(worst) < -85, "worst error \(worst) at \(f) fs")
    }

    @Test("a correlation peak is found to 1/1000 of a sample")
    func peakRefinement() {
        let si = SincInterpolator()
        let true0 = 20.3721
        let seq = (0..<41).map { k -> Double in
            let d = Double(k) - true0
            return d == 0 ? 1 : sin(0.8 * Double.pi * d) / (0.8 * Double.pi * d)
        }
        let p = si.refinePeak(of: seq, near: 20)
        #expect(abs(p.position - true0) < 1e-3, "found \(p.position)")
    }

    @Test("good FFT sizes are 2·3·5-smooth and not smaller than asked", arguments: [1, 7, 1000, 48000, 96001, 1 << 20])
    func goodSizes(n: Int) {
        var g = RealFFT.goodSize(atLeast: n)
        #expect(g >= n)
        for p in [2, 3, 5] { while g % p == 0 { g /= p } }
        #expect(g == 1)
    }

    /// Without drift every point has one phase (the SIMD path, sixteen lanes where two eights
    /// share a row), with drift each its own; a drift of 2 ppm crosses a few table rows over
    /// the signal, so eights at one row, pairs of them at two rows and eights that straddle a
    /// row boundary (four at a time) all occur; read every frame, or every `stride` frames
    /// (the SIMD path's gathered lanes).
    @Test("the batched interpolation gives value(at:) bit for bit, near the ends too", arguments: zip([0, 4.9e-4, 0, 0, 2e-6, 2e-6], [1, 1, 3, 17, 1, 3]))
    func batchedInterpolationIsExact(drift: Double, stride: Int) {
        let si = SincInterpolator(halfWidth: 32, phases: 1024)
        var state: UInt64 = 99
        let x = (0..<3000).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        // An alignment that runs off both ends of the signal.
        let position = { (t: Int) in (Double(stride * t) - 123.37) / (1 + drift) }
        x.withUnsafeBufferPointer { xb in
            let frames = (-50 / stride)..<(3250 / stride)
            let batched = si.values(at: frames, in: xb, position: position)
            let single = frames.map { si.value(at: position($0), in: xb) }
            #expect(batched.count == single.count)
            let differing = zip(batched, single).filter { $0.0.bitPattern != $0.1.bitPattern }.count
            #expect(differing == 0, "\(differing) of \(single.count) values differ")
            #expect(single.contains { $0 != 0 })
            // Eight signals side by side (the signal's powers, as a memoryless curve's fit
            // reads them), each lane as `value(at:)` gives it.
            let lanes = x.map { v -> SIMD8<Float> in
                var p = SIMD8<Float>(repeating: v)
                for k in 1..<8 { p[k] = p[k - 1] * v }
                return p
            }
            let together = lanes.withUnsafeBufferPointer { si.laneValues(at: frames, in: $0, position: position) }
            #expect(together.count == single.count)
            for k in 0..<8 {
                let signal = lanes.map { $0[k] }
                let apart = signal.withUnsafeBufferPointer { sb in frames.map { si.value(at: position($0), in: sb) } }
                let off = zip(together, apart).filter { Double($0.0[k]).bitPattern != $0.1.bitPattern }.count
                #expect(off == 0, "lane \(k): \(off) of \(apart.count) values differ")
                #expect(apart.contains { $0 != 0 })
            }
        }
    }

    @Test("RMS bandwidth: white noise spreads over the band (0.5/√12 cycles per sample), a tone only over its window's main lobe, a band of noise over its width")
    func rmsBandwidth() {
        var state: UInt64 = 7
        let white = (0..<4096).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        #expect(abs(Spectrum.rmsBandwidth(white) - 0.5 / 12.0.squareRoot()) < 0.01)
        // A Hann window's main lobe is ±2 bins of 1/1024: its RMS width is about 0.6 bin.
        let tone = (0..<1024).map { sin(2 * Double.pi * 0.1 * Double($0)) }
        #expect(Spectrum.rmsBandwidth(tone) < 1.0 / 1024)
        // White noise summed with its 8 previous samples: a low band, narrower than white.
        let lowBand = (0..<4096).map { i in white[max(0, i - 8)...i].reduce(0, +) }
        let b = Spectrum.rmsBandwidth(lowBand)
        #expect(b > 0.01 && b < 0.1, "\(b)")
        #expect(Spectrum.rmsBandwidth([Double](repeating: 0, count: 64)) == 0)
    }
}
