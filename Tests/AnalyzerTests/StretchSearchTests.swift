// SPDX-License-Identifier: GPL-2.0-or-later
@testable import Analyzer
import DSP
import Foundation
import LoopbenchCore
import Testing

/// The stretch search (``StretchSearch``) on a linear sweep written here in closed form: heard
/// under a known drift it finds the drift; heard in fragments, each at its own delay (dense
/// underruns), its first stage's best stretch matches no piece of the capture and it finds
/// nothing, without the later stages.
@Suite("Stretch search")
struct StretchSearchTests {
    static let fs = 48000.0
    static let frames = 96000
    static let delay = 1000.0
    static let interp = SincInterpolator(halfWidth: AnalyzerTuning.interpolatorHalfWidth, phases: AnalyzerTuning.interpolatorPhases)

    /// A linear sweep from 100 Hz to 16 kHz over ``frames``, at time `t` seconds (0 outside).
    static func sweep(_ t: Double) -> Double {
        let length = Double(frames) / fs
        guard t >= 0, t < length else { return 0 }
        let (f0, f1) = (100.0, 16000.0)
        return 0.5 * sin(2 * Double.pi * (f0 * t + (f1 - f0) * t * t / (2 * length)))
    }

    /// The capture: capture frame c holds the sweep at (c − delay − shift(c)) / (1 + drift),
    /// with noise 50 dB down.
    static func capture(drift: Double, shift: (Int) -> Double = { _ in 0 }) -> [Float] {
        var rng = SeededRandom(seed: 4242)
        return (0..<(frames + 4000)).map { c in
            let t = (Double(c) - delay - shift(c)) / (1 + drift) / fs
            return Float(sweep(t) + 0.5 / 2.0.squareRoot() * 0.00316 * rng.gaussian())
        }
    }

    static var reference: [Float] { (0..<frames).map { Float(sweep(Double($0) / fs)) } }

    @Test("a linear sweep heard 300 ppm fast: the search finds the stretch within 2 ppm, heard from the right frame")
    func findsTheDrift() throws {
        let search = StretchSearch(ref: Self.reference, cap: Self.capture(drift: 300e-6), lag: Int(Self.delay), interp: Self.interp)
        let found = try #require(search.search())
        #expect(abs(found.drift * 1e6 - 300) < 2, "found \(found.drift * 1e6) ppm")
        #expect(abs(found.delay - Self.delay) < 1, "heard from \(found.delay)")
        #expect(search.rho(found.peak, stretch: found.drift, delay: found.delay) > 0.9)
    }

    @Test("the same sweep in fragments, each 2000 frames at its own delay (dense underruns): no stretch, the first stage's piece matches under minRho")
    func fragmentsFindNothing() {
        // Every 2000 capture frames the delay moves on by 100–900 frames, as a queue that
        // runs dry over and over (the default sweep's worst card-model trials).
        var rng = SeededRandom(seed: 77)
        let shifts = (0..<60).map { _ in Double(100 + Int(800 * rng.uniform())) }
        var total = [0.0]
        for s in shifts { total.append(total.last! + s) }
        let cap = Self.capture(drift: 0) { c in total[min(total.count - 1, c / 2000)] }
        let search = StretchSearch(ref: Self.reference, cap: cap, lag: Int(Self.delay), interp: Self.interp)
        // The first stage's best over the middle quarter, as the search takes it.
        let stage = StretchSearch.stages[0]
        let steps = Int((stage.reach / stage.step).rounded())
        let tried = (-steps...steps).map { j -> (e: Double, value: Double, delay: Double) in
            let e = Double(j) * stage.step * 1e-6
            let p = search.peak(stretch: e, share: stage.share)
            return (e, abs(p.value), p.delay)
        }
        let best = tried.max { $0.value < $1.value }!
        let rho = search.rho(best.value, stretch: best.e, delay: best.delay, share: stage.share)
        #expect(rho > 0 && rho < StretchSearch.minRho, "the first stage's piece matches at \(rho)")
        #expect(search.search() == nil)
    }
}
