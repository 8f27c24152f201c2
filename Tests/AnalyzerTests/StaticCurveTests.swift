// SPDX-License-Identifier: GPL-2.0-or-later
@testable import Analyzer
import DSP
import Foundation
import LoopbenchCore
import Synth
import Testing

/// The path's memoryless curve (`StaticCurve.fit`) on captures built here through `Corpus`'s
/// clipper (tanh at 4× drive over tanh(4)), whose curve is known: normalised to unit slope at
/// 0, as the fit returns it, y = tanh(4x) / 4.
@Suite("Static curve")
struct StaticCurveTests {
    static let interp = SincInterpolator(halfWidth: AnalyzerTuning.interpolatorHalfWidth, phases: AnalyzerTuning.interpolatorPhases)
    static let delay = 1000

    /// `n` frames of white noise (σ 0.3, the fuzz test's), its first `quiet` frames at half that.
    static func noise(_ n: Int, seed: UInt64, quiet: Int = 0) -> [Float] {
        var rng = SeededRandom(seed: 7100 + seed)
        return (0..<n).map { i in Float((i < quiet ? 0.15 : 0.3) * rng.gaussian()) }
    }

    /// `ref` through the clipper, heard ``delay`` frames late, with noise at `snrDB`; its last
    /// `repeated` frames heard `repeated` frames later again (a repeat), as far as the capture
    /// runs. A whole-frame delay: the reference's own samples, as the fit's line reads them.
    static func capture(_ ref: [Float], repeated: Int = 0, snrDB: Double = 50, seed: UInt64) -> [Float] {
        let clipped = Corpus.apply(.clip, ref, sampleRate: 8000, seed: 0)
        var rng = SeededRandom(seed: 7200 + seed)
        let power = clipped.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(clipped.count)
        let sigma = (power / pow(10, snrDB / 10)).squareRoot()
        var cap = [Float](repeating: 0, count: ref.count + 2 * delay)
        for t in cap.indices {
            var k = t - delay
            if k >= ref.count - repeated { k -= repeated }
            if k >= 0 && k < ref.count { cap[t] = clipped[k] }
            cap[t] += Float(sigma * rng.gaussian())
        }
        return cap
    }

    static func segment(_ n: Int) -> Segment {
        Segment(level: Double(delay), drift: 0, captureStart: delay, captureEnd: delay + n, points: [])
    }

    /// The longest segment's frames are window-grained and can run past a step: here its last
    /// 600 of 8192 frames are the reference 600 frames later. Fitted over them, the curve cut
    /// the gain's residual under the 2 times it must, and none was used; it is now the curve
    /// fitted on the frames before the step, to a hundredth of the clipper's ceiling (0.0014 of 0.25).
    @Test("a clipped capture whose segment runs 600 frames past a repeat fits the curve of the frames before it (none fitted until session 46)")
    func fittedPastAStep() throws {
        let n = 8192, repeated = 600
        let ref = Self.noise(n, seed: 1)
        let cap = Self.capture(ref, repeated: repeated, seed: 1)
        let before = try #require(StaticCurve.fit(ref: ref, cap: cap, segment: Self.segment(n - repeated), interp: Self.interp))
        let fitted = try #require(StaticCurve.fit(ref: ref, cap: cap, segment: Self.segment(n), interp: Self.interp))
        let apart = zip(fitted, before).map { abs(Double($0) - Double($1)) }.max() ?? .infinity
        #expect(apart < 0.01 * 0.25, "\(apart)")
    }

    /// A polynomial's value past the amplitudes it was fitted on is a guess, and the clipper
    /// it stands for is flat: fitted where the reference plays at half its level, the curve
    /// holds at the louder half's peaks the value it has at the loudest sample it saw.
    @Test("a curve fitted where the reference plays at half its level holds, past the loudest sample it saw, the value it has there")
    func heldFlatPastWhatItSaw() throws {
        let n = 16384
        let ref = Self.noise(n, seed: 2, quiet: n / 2)
        let cap = Self.capture(ref, seed: 2)
        let fitted = try #require(StaticCurve.fit(ref: ref, cap: cap, segment: Self.segment(n / 2), interp: Self.interp))
        let quiet = ref.prefix(n / 2).indices
        let hi = quiet.max { ref[$0] < ref[$1] }!, lo = quiet.min { ref[$0] < ref[$1] }!
        // The interpolated line reads the quiet half's peaks a little under their samples.
        let louder = ref.indices.filter { ref[$0] > 1.05 * ref[hi] || ref[$0] < 1.05 * ref[lo] }
        #expect(louder.count > 100)
        for i in louder {
            let held = ref[i] > 0 ? fitted[hi] : fitted[lo]
            #expect(abs(fitted[i] - held) <= 1e-6, "\(ref[i]): \(fitted[i]), held \(held)")
        }
    }

    /// Noise with pauses holds its mean in its pauses once it is removed, and the capture's
    /// mean, removed over other frames, differs: without an offset of their own, 7
    /// coefficients read that difference as a curve on a plain path (the 2048-frame segment,
    /// which session 46 first lets a curve be fitted on, did; no curve was fitted on one so
    /// short before). `bench shortrefs` holds two such captures.
    @Test("a plain path fits no curve where the reference's and the capture's means differ (noise with pauses at 8 kHz, 40 dB)", arguments: [2048, 8192])
    func plainPathWithMeansApart(_ n: Int) throws {
        var ref = Corpus.reference(.noisePauses, sampleRate: 8000, seconds: Double(n + 552) / 8000, seed: 3)
        let refMean = ref.reduce(0, +) / Float(ref.count)
        var rng = SeededRandom(seed: 7300)
        var cap = [Float](repeating: 0, count: ref.count + 2 * Self.delay)
        for t in cap.indices {
            let k = t - Self.delay
            cap[t] = (k >= 0 && k < ref.count ? ref[k] : 0) + Float(0.002 * rng.gaussian())
        }
        let capMean = cap.reduce(0, +) / Float(cap.count)
        ref = ref.map { $0 - refMean }
        cap = cap.map { $0 - capMean }
        #expect(StaticCurve.fit(ref: ref, cap: cap, segment: Self.segment(n), interp: Self.interp) == nil)
    }

    /// The curve is fitted only where the plain gain leaves a misfit for it
    /// (``AnalyzerTuning/staticCurveMinGainMisfit``), and that misfit is read on the reference
    /// at its line alone before the seven powers are interpolated: it must be what the fit
    /// itself would read. The reference at the line is the fit's first row bit for bit, and
    /// the gain's misfit is its least squares' own, exactly (its ridge included, which leaves
    /// about 10⁻⁶ however well the gain fits). Through the clipper the gain leaves 9 % (a
    /// curve is taken); through a plain gain at 80 dB, the ridge's 10⁻⁶, where the fit's own
    /// least squares find the curve cuts nothing (under the 2 times a curve must), and the
    /// gate refuses what the fit would have refused.
    @Test("the curve's gate reads the gain's misfit the fit reads: bit for bit on the clipper (a curve taken) and on a plain gain at 80 dB (none, as the fit would have it)")
    func gateReadsWhatTheFitReads() throws {
        let n = 8192
        let ref = Self.noise(n, seed: 4)
        let peak = ref.map(abs).max()!
        let seg = Self.segment(n)
        let lo = Self.delay, hi = Self.delay + n
        var rng = SeededRandom(seed: 7400)
        let plain = (0..<(n + 2 * Self.delay)).map { t -> Float in
            let k = t - Self.delay
            return (k >= 0 && k < n ? 0.5 * ref[k] : 0) + Float(1.5e-5 * rng.gaussian())
        }
        for (cap, clipped) in [(Self.capture(ref, seed: 4), true), (plain, false)] {
            let x = StaticCurve.powersAtLine(ref, peak: peak, lo, hi, seg, interp: Self.interp)
            let u = StaticCurve.unitAtLine(ref, peak: peak, lo, hi, seg, interp: Self.interp)
            #expect(u.count == x[0].count)
            #expect(zip(u, x[0]).allSatisfy { $0.bitPattern == $1.bitPattern })
            let c = (lo..<hi).map { Double(cap[$0]) }
            let fit = try #require(StaticCurve.leastSquares(x, c, over: [0..<c.count]))
            let misfit = StaticCurve.plainGainMisfit(u, c)
            #expect(misfit == fit.resGain / c.reduce(0) { $0 + $1 * $1 })
            let curveWins = fit.resGain > AnalyzerTuning.standard.staticCurveMinImprovement * fit.resCurve
            if clipped {
                #expect(misfit > 0.05 && misfit < 0.15, "\(misfit)")
                #expect(curveWins)
                #expect(StaticCurve.fit(ref: ref, cap: cap, segment: seg, interp: Self.interp) != nil)
            } else {
                #expect(misfit < 1.1e-6, "\(misfit)")
                #expect(!curveWins)
                #expect(StaticCurve.fit(ref: ref, cap: cap, segment: seg, interp: Self.interp) == nil)
            }
        }
    }
}
