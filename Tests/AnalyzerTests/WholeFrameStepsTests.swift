// SPDX-License-Identifier: GPL-2.0-or-later
@testable import Analyzer
import Testing

/// The first segment's level tied to a better-measured later one across whole-frame steps
/// (`WholeFrameSteps`), on segments built with known levels and window errors.
@Suite("Whole-frame steps")
struct WholeFrameStepsTests {
    /// A segment of `n` windows whose delays scatter ±`sigma` (alternately) about `level`, each
    /// stating `sigma`, from capture frame `start` on.
    static func segment(level: Double, n: Int, sigma: Double, start: Int) -> Segment {
        let w = AnalyzerTuning.trackingWindow
        let points = (0..<n).map { i -> TrackPoint in
            let t = start + i * w
            let d = level + (i % 2 == 0 ? sigma : -sigma)
            return TrackPoint(t: t, p: Double(t) - d, rho: 0.99, sigma: sigma)
        }
        return Segment(level: level, drift: 0, captureStart: start, captureEnd: start + n * w, points: points)
    }

    @Test("a poorly measured first segment is tied to the one after a gap: its level becomes the later one's less the gap's whole frames (1000.3 read at ±0.13, 1240.0 at ±0.0001: 1000.0)")
    func tiedAcrossAGap() throws {
        let first = Self.segment(level: 1000.3, n: 6, sigma: 0.3, start: 0)
        let after = Self.segment(level: 1240.0, n: 60, sigma: 0.001, start: 30000)
        let tied = try #require(WholeFrameSteps.tiedFirstLevel([first, after], totalDrift: 0))
        #expect(abs(tied - 1000.0) < 0.001, "\(tied)")
        // A drop (the later level lower) ties the same way.
        let dropped = Self.segment(level: 520.0, n: 60, sigma: 0.001, start: 30000)
        let t2 = try #require(WholeFrameSteps.tiedFirstLevel([first, dropped], totalDrift: 0))
        #expect(abs(t2 - 1000.0) < 0.001, "\(t2)")
    }

    @Test("no tie where the data do not allow one: a step 0.45 frames off whole frames at a joint error of 0.03, a first segment already measured to 0.002, a later one not 8× better, drift that makes a whole step of one clock a fraction of the other's, a single segment, a first segment too loose to tell 240 frames from 239 or 241")
    func notTied() {
        let after = Self.segment(level: 1240.0, n: 60, sigma: 0.001, start: 30000)
        // Fractional step (a resampled path) measured well enough to tell.
        let sharpFirst = Self.segment(level: 1000.45, n: 6, sigma: 0.05, start: 0)
        #expect(WholeFrameSteps.tiedFirstLevel([sharpFirst, after], totalDrift: 0) == nil)
        // Already measured as well as the target needs.
        let good = Self.segment(level: 1000.003, n: 20, sigma: 0.005, start: 0)
        #expect(WholeFrameSteps.tiedFirstLevel([good, after], totalDrift: 0) == nil)
        // The later one only 4× better.
        let first = Self.segment(level: 1000.3, n: 6, sigma: 0.3, start: 0)
        let meh = Self.segment(level: 1240.0, n: 6, sigma: 0.075, start: 30000)
        #expect(WholeFrameSteps.tiedFirstLevel([first, meh], totalDrift: 0) == nil)
        // 240 frames at 300 ppm: 0.072 frames between the two clocks.
        #expect(WholeFrameSteps.tiedFirstLevel([first, after], totalDrift: 300e-6) == nil)
        #expect(WholeFrameSteps.tiedFirstLevel([first], totalDrift: 0) == nil)
        // Six windows at ±1 frame (an error of 0.41): 239.6 frames is within three joint
        // errors of 240, but of 239 too. (A faded log sweep's first two octaves, fuzz case
        // 3378, tied so across a 1750-frame repeat, read 1751 and the latency 1.02 off at a
        // stated ±0.004 until session 60; ±0.38 now.)
        let loose = Self.segment(level: 1000.4, n: 6, sigma: 1.0, start: 0)
        #expect(WholeFrameSteps.tiedFirstLevel([loose, after], totalDrift: 0) == nil)
    }
}
