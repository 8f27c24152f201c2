// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// The drift as the stretch of the reference that the capture holds best: the whole-signal
/// correlation's peak magnitude as a function of the stretch, maximised coarse to fine.
///
/// The tracker measures the drift from its windows' delays, which is exact where a window's
/// delay is its content's place in time. A linear sweep couples frequency and delay: under a
/// drift ε the capture's local frequency is off by f·ε, and on the chirp's ridge that reads
/// as a delay of f·ε/k (k the sweep rate). The windows, narrowband there and matching one
/// period of the local frequency off about as well, then pick the cycle nearest that biased
/// delay: at 300 ppm a 2 s sweep's windows slope at 580 ppm and break into five segments, and
/// a 4 s sweep at 60 ppm with a gap read as a 0 ppm drift and a 23 279-frame drop and repeat.
/// A stretch that is wrong by δ bends a sweep's chirp rate by 2δ, so the whole-signal
/// correlation loses coherence fast (a 2 s sweep to 20 kHz by half at ~16 ppm), and its
/// maximum over the stretch is where the reference matches, whatever couples.
///
/// The search is run only where the windows are mostly ambiguous
/// (``AnalyzerTuning/ambiguousShareToCheckGlobal``) and the tracking saw a drift or a step,
/// and its stretch is used only when it lifts the correlation above the tracking's own by
/// ``minGain``: a log sweep is Doppler-tolerant (its correlation hardly changes with the
/// stretch; the tracking measures it right), and noise-like signals are tracked right anyway.
struct StretchSearch {
    /// The stages: the middle share of the reference correlated, the stretches tried either
    /// side of the last stage's best, and their step (ppm). A piece a quarter long loses
    /// coherence ~16 times slower than the whole (∝ 1/T² for a sweep, ∝ 1/T for noise), so the
    /// first stage's 50 ppm steps cannot step over its peak; each stage narrows to 2–2.5 of the
    /// last one's steps, and a step is at most half the stage's peak width.
    static let stages: [(share: Double, reach: Double, step: Double)] = [(0.25, 1000, 50), (0.5, 100, 20), (1.0, 40, 8), (1.0, 8, 2)]
    /// The searched stretch replaces the tracking's drift only when its whole-signal
    /// correlation peak is at least this much (10 %) higher: a log sweep's correlation varies
    /// by a few per cent over ±20 ppm, a sweep whose tracking broke loses half or more.
    static let minGain = 0.1
    /// …and only when the stretched reference then matches the capture where it lies with a
    /// normalised correlation of at least this (it explains a quarter of the capture's energy
    /// there): a stretch that lifts a correlation of fragments is chance (a card-model capture
    /// with dense underruns, at 0.05, was lifted by 10 % and explained differently, still as
    /// fragments). Sweeps whose tracking broke under drift match at 0.9 and more.
    static let minRho = 0.5
    /// Lags either side of the whole-signal peak searched at each stretch: four times what
    /// the largest drift followed (1000 ppm) moves over the reference, plus the interpolator's
    /// reach. The whole-signal peak itself moves with the drift and, on a sweep, with the
    /// coupling too: at 1000 ppm a 2 s linear sweep's lies ~100 frames from the delay at its
    /// start, and a radius of one drift's span missed the true match.
    static func radius(referenceFrames n: Int) -> Int { Int((4e-3 * Double(n)).rounded(.up)) + AnalyzerTuning.interpolatorHalfWidth + 2 }

    let ref: [Float]
    let cap: [Float]
    /// The whole-signal peak's lag (where the reference's start is heard, to a few frames).
    let lag: Int
    let interp: SincInterpolator

    /// The normalised correlation of `value`, the peak of the whole reference stretched by
    /// `1 + e` whose first frame is heard at capture frame `delay`.
    func rho(_ value: Double, stretch e: Double, delay: Double) -> Double {
        rho(value, stretch: e, delay: delay, share: 1)
    }

    /// The normalised correlation of `value`, the peak of the middle `share` of the reference
    /// stretched by `1 + e` whose first frame is heard at capture frame `delay`: against the
    /// capture under that piece.
    func rho(_ value: Double, stretch e: Double, delay: Double, share: Double) -> Double {
        let (a, m) = piece(share)
        var rr = 0.0, cc = 0.0
        for v in ref[a..<(a + m)] { rr += Double(v) * Double(v) }
        let lo = max(0, Int((delay + Double(a) * (1 + e)).rounded())), hi = min(cap.count, Int((delay + Double(a + m) * (1 + e)).rounded()))
        if hi > lo { for t in lo..<hi { cc += Double(cap[t]) * Double(cap[t]) } }
        let den = (rr * (1 + e) * cc).squareRoot()
        return den > 0 ? abs(value) / den : 0
    }

    /// The middle `share` of the reference: its first frame and its length.
    func piece(_ share: Double) -> (start: Int, frames: Int) {
        let n = ref.count
        let m = min(n, max(1, Int(share * Double(n))))
        return ((n - m) / 2, m)
    }

    /// The correlation's largest magnitude (refined between samples) of the middle `share` of
    /// the reference stretched by `1 + e` with the capture, at lags near ``lag``: the value
    /// (signed) and the delay at the reference's first frame. (Not signed by the whole-signal
    /// peak's polarity: under drift a sweep's whole-signal peak can be a lobe of the other
    /// sign, and a signed search then found the least match at the true stretch.)
    func peak(stretch e: Double, share: Double = 1) -> (value: Double, delay: Double) {
        peak(stretch: e, share: share, piece: stretchedPiece(stretch: e, share: share))
    }

    /// The middle `share` of the reference stretched about its start by `1 + e`
    /// (u ↦ ref(u / (1 + e))), from stretched frame `u0`; empty where it holds no frame.
    func stretchedPiece(stretch e: Double, share: Double) -> (u0: Int, samples: [Float]) {
        let (a, m) = piece(share)
        let u0 = Int((Double(a) * (1 + e)).rounded()), u1 = Int((Double(a + m) * (1 + e)).rounded())
        guard u1 > u0 else { return (u0, []) }
        return (u0, ref.withUnsafeBufferPointer { rb in interp.values(at: u0..<u1, in: rb) { Double($0) / (1 + e) } }.map { Float($0) })
    }

    /// ``peak(stretch:share:)`` with the stretched piece given.
    func peak(stretch e: Double, share: Double, piece stretched: (u0: Int, samples: [Float])) -> (value: Double, delay: Double) {
        let n = ref.count
        let (u0, piece) = stretched
        guard !piece.isEmpty else { return (0, Double(lag)) }
        let u1 = u0 + piece.count
        let r = Self.radius(referenceFrames: n)
        let c0 = lag + u0 - r, c1 = lag + u1 + r
        let lo = max(0, c0), hi = min(cap.count, c1)
        guard hi - lo > piece.count else { return (0, Double(lag)) }
        let first = c0 - lo, corr = Correlation.crossCorrelate(signal: Array(cap[lo..<hi]), template: piece, lags: first...(c1 - lo - piece.count))
        var best = 0
        for i in corr.indices where abs(corr[i]) > abs(corr[best]) { best = i }
        // The delay at reference frame 0: the piece's frame u0 is heard at capture frame lo + lag index.
        let at = { (i: Double) in Double(lo) + Double(first) + i - Double(u0) }
        guard best > 0, best < corr.count - 1 else { return (corr[best], at(Double(best))) }
        let fine = interp.refinePeak(of: corr, near: best)
        return (fine.value, at(fine.position))
    }

    /// The first stage's stretched pieces of a reference, kept: they depend on the reference
    /// alone, and a sweep's trials share one probe. A card-model trial broken by dense
    /// underruns searches and finds nothing (``search()``), and interpolating the 41 pieces
    /// was three quarters of its search; the default sweep has six such trials.
    static let firstStagePieces = ExactMemo<[(u0: Int, samples: [Float])]>(capacity: 2)
    /// Kept only while the first stage's pieces hold at most this many samples (16 MB; a
    /// reference of up to ~8.5 s at 48 kHz): a longer one is interpolated anew each time.
    static let maxKeptPieceSamples = 1 << 22

    /// The stretches tried in stage `k` about `center`, in order.
    static func stretches(stage k: Int, center: Double) -> [Double] {
        let stage = stages[k]
        let steps = Int((stage.reach / stage.step).rounded())
        return (-steps...steps).map { j in center + Double(j) * stage.step * 1e-6 }
    }

    /// Stage `k`'s peaks at its stretches about `center`: (stretch, |peak|, delay).
    func tried(stage k: Int, center: Double) -> [(Double, Double, Double)] {
        let share = Self.stages[k].share, es = Self.stretches(stage: k, center: center)
        let pieces: [(u0: Int, samples: [Float])]
        if k == 0, es.count * piece(share).frames <= Self.maxKeptPieceSamples {
            pieces = Self.firstStagePieces.value(tag: [interp.halfWidth, AnalyzerTuning.interpolatorPhases], content: [ref[...]]) {
                es.map { stretchedPiece(stretch: $0, share: share) }
            }
        } else {
            pieces = es.map { stretchedPiece(stretch: $0, share: share) }
        }
        return zip(es, pieces).map { e, piece in
            let p = peak(stretch: e, share: share, piece: piece)
            return (e, abs(p.value), p.delay)
        }
    }

    /// The stretch (as a drift) whose whole-signal correlation peaks highest, with that peak
    /// (signed) and the delay at the reference's first frame; the last stage's best refined by
    /// a parabola through its neighbours. Nil when the first stage's best stretch matches its
    /// piece of the capture under ``minRho``: the later stages only narrow in around it, and a
    /// stretch picked by a piece that does not match is chance, as a whole that does not is.
    /// (The fuzz test's seeds 0–2499 and `bench corpus` and `bench rooms`: of the 98 searches
    /// whose stretch was taken, the first stage's piece matched at 0.70 or more; of the 342
    /// others, 94 matched under 0.5. A card-model capture broken by dense underruns matches at
    /// a few hundredths, and its search had cost over a fifth of the default sweep's CPU.)
    func search() -> (drift: Double, peak: Double, delay: Double)? {
        var best = 0.0
        for (k, stage) in Self.stages.enumerated() {
            let tried = tried(stage: k, center: k == 0 ? 0 : best)
            guard let i = tried.indices.max(by: { tried[$0].1 < tried[$1].1 }) else { break }
            best = tried[i].0
            if k == 0, rho(tried[i].1, stretch: best, delay: tried[i].2, share: stage.share) < Self.minRho { return nil }
            if k == Self.stages.count - 1, i > 0, i < tried.count - 1 {
                let (y0, y1, y2) = (tried[i - 1].1, tried[i].1, tried[i + 1].1)
                let den = y0 - 2 * y1 + y2
                if den < 0 { best += 0.5 * (y0 - y2) / den * stage.step * 1e-6 }
            }
        }
        let p = peak(stretch: best)
        return (best, p.value, p.delay)
    }
}
