// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import LoopbenchCore
import Synth
import Testing
import TestSupport

/// `Explainer`'s replacement check, as first written, let a one-frame gap with samples played
/// twice (gap 1, drop 0) through as "a gap and a drop of one size" and built a reversed range:
/// a trap on a real QEMU guest's capture in CI (`RealGuestTests`, the channel check). The check
/// now needs a drop too and builds its ranges from the sizes. A synthetic probe did not
/// reproduce that boundary (120 seeded 1–4-frame edits at 10–40 dB were tried); these pin the
/// one-frame events around it: each read as one event of one frame at its place.
@Suite("One-frame gaps")
struct OneFrameGapTests {
    @Test("a 1-frame gap or repeat alone: one event of 1 frame at its place, no trap", arguments: [0.0, 0.25, 0.5, 0.37])
    func oneFrame(fraction: Double) throws {
        for at in [20_000, 47_123, 80_001] {
            for repeats in [false, true] {
                var s = CaptureSynth(reference: probe, delay: 1234 + fraction)
                s.snrDB = 40
                s.edits = [repeats ? .repeat(at: at, frames: 1) : .gap(at: at, frames: 1)]
                let (cap, truth) = s.make()
                let m = try Analyzer.analyze(reference: probeBuffer, capture: AudioBuffer(sampleRate: 48000, mono: cap))
                let t = try #require(truth.first)
                #expect(m.events.count == 1, "\(repeats ? "repeat" : "gap") at \(at), delay +\(fraction): \(EventMatch.describe(m.events))")
                for e in m.events {
                    #expect(e.sizeSamples == 1 && abs(e.captureSample - t.captureSample) <= 48, "\(repeats ? "repeat" : "gap") at \(at), delay +\(fraction): \(EventMatch.describe(m.events)) truth \(truth)")
                }
            }
        }
    }
}
