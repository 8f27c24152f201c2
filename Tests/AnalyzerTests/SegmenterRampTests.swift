// SPDX-License-Identifier: GPL-2.0-or-later
@testable import Analyzer
import Testing

/// The segmenter on window tracks built with known delays: a delay that eases through a
/// resonance is no step, a step is.
@Suite("Segmenter: a ramp is no step")
struct SegmenterRampTests {
    static let w = AnalyzerTuning.trackingWindow

    /// Window `k` (capture frame k·window) read at delay `d` with error `sigma`.
    static func point(_ k: Int, _ d: Double, _ sigma: Double, ambiguous: Bool = false) -> TrackPoint {
        let t = k * w
        return TrackPoint(t: t, p: Double(t) - d, rho: 0.99, sigma: sigma, ambiguous: ambiguous)
    }

    /// The track of the fuzz test's case 937 (a 20 Hz log sweep behind the resonant high-pass
    /// at 48 kHz, delay 202.333): its lowest octaves ambiguous, then windows too imprecise to
    /// group, then the delay easing down to the true one window by window; with `stepBefore`,
    /// the window just outside the lone 203.34 at its level instead (a 1-frame step after it).
    static func track(stepBefore: Bool) -> [TrackPoint] {
        var pts = (1...8).map { point($0, 221.4 + Double($0 % 3) * 30, 0.3, ambiguous: true) }
        pts += [point(9, 192.08, 0.3), point(10, 201.70, 0.3), point(11, stepBefore ? 203.35 : 204.27, 0.2)]
        pts += [point(12, 203.342, 0.098), point(13, 202.790, 0.054), point(14, 202.575, 0.044), point(15, 202.406, 0.038),
                point(16, 202.378, 0.031), point(17, 202.362, 0.026), point(18, 202.342, 0.022)]
        pts += (19...31).map { point($0, 202.334, 0.005) }
        return pts
    }

    @Test("a delay easing 204.27 → 203.34 → 202.79 → … → 202.33 over three windows is one segment at 202.33 (the lone 203.34 read as a 1-frame step until session 45: fuzz case 937's false 1-frame drop, the latency a whole sample late at ±0.009)")
    func rampIsNoStep() throws {
        let out = Segmenter(points: Self.track(stepBefore: false)).segments()
        #expect(out.segments.count == 1, "\(out.segments.map(\.level))")
        let level = try #require(out.segments.first?.level)
        #expect(abs(level - 202.334) < 0.05, "\(level)")
    }

    @Test("the same lone window with the window before it at its own level is a step: two segments, 1 frame apart")
    func flatBeforeIsAStep() throws {
        let out = Segmenter(points: Self.track(stepBefore: true)).segments()
        #expect(out.segments.count == 2, "\(out.segments.map(\.level))")
        if out.segments.count == 2 { #expect(abs(out.segments[0].level - out.segments[1].level - 1.0) < 0.05) }
    }
}
