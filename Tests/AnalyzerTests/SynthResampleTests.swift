// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Synth
import Testing

/// The truth's drift: `CaptureSynth.resample` (one sine a frame, the window from a table) is
/// the 129-tap Kaiser sinc sum computed tap by tap, to Float's resolution.
@Suite("Synthetic resampling")
struct SynthResampleTests {
    /// The largest difference allowed, relative to the signal's peak: two units in Float's
    /// last place at 1.0, one measured (the sums are done in Double and rounded once to Float; the table's
    /// window is within 10⁻⁹ of the series, the sine identity exact up to Double rounding).
    static let tolerance: Float = 2 * Float.ulpOfOne

    @Test("the resampler equals the tap-by-tap sum within two Float ulps: white noise and a chirp, drifts of 0 to ±1000 ppm, delays on and between frames, both ends")
    func syntheticResampleIsTheSum() {
        var rng = SeededRandom(seed: 11)
        let noise = (0..<3000).map { _ in Float(rng.uniform() * 2 - 1) }
        let chirp = (0..<3000).map { i -> Float in let t = Double(i) / 48000; return Float(0.9 * sin(2 * Double.pi * (20 * t + 0.5 * 380_000 * t * t))) }
        var worst: Float = 0
        for x in [noise, chirp] {
            for ppm in [0.0, 3, -20, 300, -1000] {
                for delay in [0.0, 17.3, 1777.37, -40.5] {
                    let n = x.count + 300
                    let fast = CaptureSynth.resample(x, delay: delay, stretch: 1 + ppm * 1e-6, length: n)
                    let slow = CaptureSynth.resampleByDefinition(x, delay: delay, stretch: 1 + ppm * 1e-6, length: n)
                    for t in 0..<n { worst = max(worst, abs(fast[t] - slow[t])) }
                    #expect(fast.contains { $0 != 0 }, "\(ppm) ppm, delay \(delay): silent")
                }
            }
        }
        print("SYNTHRESAMPLE worst", worst, worst / Float.ulpOfOne)
        #expect(worst <= Self.tolerance, "worst difference \(worst)")
    }
}
