// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The analyzer's accuracy cases on its own probe, built with ``CaptureSynth`` (truth independent
/// of the analyzer). `Tests/AnalyzerTests` asserts on them and `loopbench bench accuracy` prints
/// the README's accuracy table from the same cases, so the table and the tests cannot drift apart.
/// Every case is seeded: the same cases on every run.
public enum AccuracyCases {
    /// Eight captures at random fractional delays (50–20050 frames) at `snr` dB.
    public static func fractionalDelays(reference: [Float], snr: Double) -> [CaptureSynth] {
        var rng = SeededRandom(seed: UInt64(snr + 100))
        return (0..<8).map { _ in
            var s = CaptureSynth(reference: reference, delay: 50 + rng.uniform() * 20000)
            s.snrDB = snr
            s.seed = rng.next()
            return s
        }
    }

    /// The sizes of the gap, drop and repeat cases, in frames.
    public static let discontinuitySizes = [1, 2, 3, 7, 64, 333, 1024, 2048]

    /// One kind of discontinuity, the kinds the analyzer tells apart.
    public enum Discontinuity: String, CaseIterable, Sendable { case gap, drop, `repeat` }

    /// One case per size in ``discontinuitySizes``, at a fractional delay and a random place.
    public static func discontinuities(reference: [Float], kind: Discontinuity, snr: Double, seed: UInt64) -> [CaptureSynth] {
        var rng = SeededRandom(seed: seed)
        return discontinuitySizes.map { size in
            var s = CaptureSynth(reference: reference, delay: Double(300 + Int(rng.uniform() * 3000)) + rng.uniform())
            s.snrDB = snr
            s.seed = rng.next()
            let at = 8000 + Int(rng.uniform() * 80000)
            switch kind {
            case .gap: s.edits = [.gap(at: at, frames: size)]
            case .drop: s.edits = [.drop(at: at, frames: size)]
            case .repeat: s.edits = [.repeat(at: at, frames: size)]
            }
            return s
        }
    }

    /// The seeds of the 30 dB and 10 dB discontinuity sets.
    public static let discontinuitySeeds: [(snr: Double, seed: UInt64)] = [(30, 11), (10, 23)]

    /// A 2 s probe at delay 1500.3 drifting by `ppm`, at 30 dB.
    public static func drift(reference: [Float], ppm: Double) -> CaptureSynth {
        var s = CaptureSynth(reference: reference, delay: 1500.3)
        s.snrDB = 30
        s.driftPPM = ppm
        return s
    }

    /// The drifts the drift cases use.
    public static let drifts: [Double] = [100, -100, 500, -500]

    /// A single-sample click (amplitude ±1, twice the probe's peak) at 10 dB; seeds 1–4.
    public static func click(reference: [Float], seed: UInt64) -> CaptureSynth {
        var rng = SeededRandom(seed: seed)
        let delay = 500 + rng.uniform() * 2000
        var s = CaptureSynth(reference: reference, delay: delay)
        s.snrDB = 10
        s.seed = seed
        let frame = Int(delay) + 10000 + Int(rng.uniform() * 70000)
        s.clicks = [.init(frame: frame, amplitude: seed % 2 == 0 ? 1.0 : -1.0)]
        return s
    }

    /// Ten minutes of clean captures: 30 captures of a 20 s probe (`reference20s`) at 20 dB,
    /// at random delays of 64–9064 frames.
    public static func tenMinutesClean(reference20s: [Float]) -> [CaptureSynth] {
        var rng = SeededRandom(seed: 2026)
        return (0..<30).map { _ in
            var s = CaptureSynth(reference: reference20s, delay: 64 + rng.uniform() * 9000)
            s.snrDB = 20
            s.seed = rng.next()
            return s
        }
    }
}

extension AccuracyCases {
    /// Captures that hold no probe: silence, unrelated noise, an unrelated sweep (`otherSweep`,
    /// padded) and a muted capture with hiss, each 150 000 frames or more.
    public static func noSignal(otherSweep: [Float]) -> [(name: String, capture: [Float])] {
        var rng = SeededRandom(seed: 5)
        return [
            ("silence", [Float](repeating: 0, count: 150_000)),
            ("noise", (0..<150_000).map { _ in Float(0.2 * rng.gaussian()) }),
            ("other sweep", otherSweep + [Float](repeating: 0, count: 40_000)),
            ("muted with hiss", (0..<150_000).map { _ in Float(1e-5 * rng.gaussian()) }),
        ]
    }
}
