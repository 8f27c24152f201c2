// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// One capture window located in the reference.
struct TrackPoint {
    /// First capture frame of the window.
    var t: Int
    /// Reference position (fractional) that the window's first frame came from.
    var p: Double
    /// Normalised correlation of the match (signed: negative for inverted polarity).
    var rho: Double
    /// Expected standard deviation of `d`, in samples (from the match's SNR and bandwidth).
    var sigma: Double
    /// Another delay matches about as well (``AnalyzerTuning/ambiguityMargin``): this window
    /// cannot tell delays apart, and no step is declared from it.
    var ambiguous = false
    /// Delay: capture frame minus reference frame (a window's delay is that of its centre).
    var d: Double { Double(t) - p }
    /// The expected standard deviation (frames) of a delay matched at correlation `rho` over
    /// `length` frames (W), β from reference frames `q0..<q1` (none where that is empty):
    /// Cramér–Rao-like, 1 / (β √(W·SNR)), β² the mean squared
    /// angular frequency of the stretch, SNR = ρ²/(1 − ρ²); and at least the spread a
    /// narrowband stretch's own hard edges give (a sweep's lowest octaves have a correlation so
    /// flat over a frame that the window's edges move its peak: about 1/(β·W) whatever the SNR,
    /// 0.12 frames at 60 Hz, 48 kHz), counted only where it matters (see the tuning).
    static func spread(ref: [Float], from q0: Int, to q1: Int, rho: Double, length: Int) -> Double {
        let tuning = AnalyzerTuning.standard
        let w = Double(length)
        var num = 0.0, den = 0.0
        if q1 - q0 > 2, q0 >= 0, q1 <= ref.count {
            for i in (q0 + 1)..<q1 {
                let dv = Double(ref[i]) - Double(ref[i - 1])
                num += dv * dv
                den += Double(ref[i]) * Double(ref[i])
            }
        }
        let beta2 = den > 0 ? num / den : 1e-6
        let r2 = min(rho * rho, 0.999999)
        let snr = r2 / (1 - r2)
        let crb = 1 / (max(beta2, 1e-9) * w * max(snr, 1e-9)).squareRoot()
        let edge = tuning.edgeSigmaScale / (max(beta2, 1e-9).squareRoot() * w)
        return edge >= tuning.edgeSigmaMin ? max(crb, edge) : crb
    }

    /// Reference position of the window's centre, where `d` holds exactly under drift.
    var pc: Double { p + Double(AnalyzerTuning.trackingWindow) / 2 }
}

/// Walks the capture window by window and finds where each came from in the reference.
///
/// The search for a window is centred on the delay of the last matched window (±`searchRadius`,
/// which covers drops and repeats up to that size). After windows that matched nothing (a gap,
/// a stall), the search widens to span both hypotheses: the reference paused where it was last
/// seen, or it ran on.
struct Tracker {
    let ref: [Float]
    let cap: [Float]
    let rhoFloor: Double
    /// Sign of the path (from the whole-signal correlation): matches of the other sign are strays.
    var polarity: Double = 1
    let tuning = AnalyzerTuning.standard
    let w = AnalyzerTuning.trackingWindow
    let radius = AnalyzerTuning.searchRadius
    private let refPrefix: [Double]   // prefix sums of ref² for window energies
    /// `1/√E` of the reference's energy under a window starting at each position from −w on
    /// (``TrackerKernels/inverseRootEnergies(first:count:w:minE:energy:)``).
    private let invRoot: [Double]
    /// The reference's correlation with capture windows (``DSP/BlockCorrelation``).
    private let blocks: BlockCorrelation

    /// The interpolator a correlation's peak is refined with (``AnalyzerTuning/peakInterpolatorHalfWidth``).
    static var peakInterpolator: SincInterpolator {
        SincInterpolator(halfWidth: AnalyzerTuning.peakInterpolatorHalfWidth, phases: AnalyzerTuning.interpolatorPhases)
    }
    private let peak = Tracker.peakInterpolator
    /// The capture's energy over a window where the reference plays nothing at the
    /// whole-signal delay (the least of such windows'; ``noiseFloor(anchorDelay:)``), set by
    /// ``track(anchorDelay:)``: a window with no more than
    /// ``AnalyzerTuning/windowOverNoiseFloor`` times it holds nothing above the noise to match.
    private(set) var noiseFloorEnergy: Double?

    init(ref: [Float], cap: [Float], rhoFloor: Double) {
        self.ref = ref
        self.cap = cap
        self.rhoFloor = rhoFloor
        var pre = [Double](repeating: 0, count: ref.count + 1)
        for i in 0..<ref.count { pre[i + 1] = pre[i] + Double(ref[i]) * Double(ref[i]) }
        refPrefix = pre
        let w = AnalyzerTuning.trackingWindow
        blocks = BlockCorrelation(signal: ref, templateFrames: w, firstLag: -w)
        let mean = pre[ref.count] * Double(w) / Double(max(1, ref.count))
        invRoot = TrackerKernels.inverseRootEnergies(first: -w, count: ref.count + w + 1, w: w,
                                                     minE: AnalyzerTuning.standard.minReferenceWindowEnergy * mean) { a, b in
            pre[max(0, min(ref.count, b))] - pre[max(0, min(ref.count, a))]
        }
    }

    private func refEnergy(_ a: Int, _ b: Int) -> Double {
        let lo = max(0, min(ref.count, a)), hi = max(0, min(ref.count, b))
        return refPrefix[hi] - refPrefix[lo]
    }

    /// The least energy of the capture's windows (on the tracking grid) under which the
    /// reference, at delay `anchorDelay`, holds less than ``AnalyzerTuning/minReferenceWindowEnergy``
    /// of its mean window energy: the capture's noise where the probe is silent (before it,
    /// in its pauses, after it). The least, not a typical one: a window there may hold the
    /// probe after all (a step moved it, a room's tail rings on), which only raises its
    /// energy. Nil where fewer than two windows lie so, or where the least is not under
    /// ``AnalyzerTuning/noiseFloorOfTypical`` of the median window's: every such window held
    /// the probe (white noise with a gap a third of the way in, whose whole-signal delay is
    /// the one after it: the windows before that delay's onset are the probe before the gap).
    func noiseFloor(anchorDelay: Int) -> Double? {
        let n = ref.count
        guard n > 0 else { return nil }
        let mean = refPrefix[n] * Double(w) / Double(n)
        var least: Double?, count = 0, all: [Double] = []
        var t = 0
        while t + w <= cap.count {
            var e = 0.0
            for i in t..<(t + w) { e += Double(cap[i]) * Double(cap[i]) }
            all.append(e)
            if refEnergy(t - anchorDelay, t - anchorDelay + w) < tuning.minReferenceWindowEnergy * mean {
                least = min(least ?? e, e)
                count += 1
            }
            t += w
        }
        guard count >= 2, let least, let typical = Stats.median(all), least < tuning.noiseFloorOfTypical * typical else { return nil }
        return least
    }

    /// Finds the capture window starting at `t` in reference positions `lo...hi` (window starts).
    func match(t: Int, lo: Int, hi: Int, predicted: Double? = nil) -> TrackPoint? {
        let n = ref.count
        let lo = max(lo, -(w - w / tuning.minWindowOverlapDivisor)), hi = min(hi, n - w / tuning.minWindowOverlapDivisor)
        guard hi >= lo, t >= 0, t + w <= cap.count else { return nil }
        var capE = 0.0
        for i in t..<(t + w) { capE += Double(cap[i]) * Double(cap[i]) }
        guard capE > tuning.silentWindowEnergy else { return nil }
        let underNoise = capE <= tuning.windowOverNoiseFloor * (noiseFloorEnergy ?? 0)
        // The reference stretch [lo, hi + w), zero outside the reference, block by block.
        let corr: [Double] = cap.withUnsafeBufferPointer { cp in
            blocks.correlate(template: UnsafeBufferPointer(rebasing: cp[t..<(t + w)]), lags: lo...hi)
        }
        // Normalised correlation: the raw one favours louder stretches of the reference
        // (fades), the normalised one peaks at exactly 1 at the true lag of a clean copy.
        let rho = TrackerKernels.normalised(corr, lo: lo, invRoot: invRoot, first: -w, invCapRoot: 1 / capE.squareRoot(), polarity: polarity)
        // Candidates: the strongest local maxima, and the one nearest the prediction.
        // (The largest |rho| is a local maximum: its last occurrence is above its right neighbour.)
        let top = TrackerKernels.largestMagnitude(rho)
        guard top > 0, top >= rhoFloor * tuning.candidateRhoOfFloor else { return nil }
        // A maximum on the searched range's first or last lag is no peak: the correlation may
        // rise on beyond it, and the interpolator, its taps cut off there, overshoots (a faded
        // log sweep behind the resonant high-pass, fuzz case 4840, refined its last lag, 63
        // frames off, to ρ 1.087 over the true peak's 0.9985, and read a window as a false
        // 63-frame drop and repeat). The window is matched inside its range; one with no peak
        // there matches nothing, and the next is searched for wider, as after any window that
        // matched nothing (``matchOrReacquire``).
        let interior = { (k: Int) in k > 0 && k < rho.count - 1 }
        let peaks = TrackerKernels.localMaxima(rho, atLeast: tuning.candidateRhoOfTop * top).filter(interior)
        var cands = Array(peaks.sorted { abs(rho[$0]) > abs(rho[$1]) }.prefix(tuning.maxCandidates))
        var kPred: Int?
        if let pr = predicted {
            let k0 = Int(pr.rounded()) - lo
            if k0 >= 0 && k0 < rho.count {
                var k = k0
                while k + 1 < rho.count, abs(rho[k + 1]) > abs(rho[k]) { k += 1 }
                while k - 1 >= 0, abs(rho[k - 1]) > abs(rho[k]) { k -= 1 }
                if abs(rho[k]) > 0, interior(k) { kPred = k; if !cands.contains(k) { cands.append(k) } }
            }
        }
        var bestPos = 0.0, bestVal = 0.0, predPos: Double?, predVal = 0.0
        var refined: [(Double, Double)] = []
        for k in cands {
            // Refine on corr(x) / √E(x): the band-limited correlation over the (slowly
            // varying, linearly interpolated) energy of the reference under the window. Its
            // maximum is exactly 1 at the true fractional lag of a clean copy.
            let a = max(0, k - tuning.refineLags), b = min(corr.count, k + tuning.refineLags + 1)
            let local = Array(corr[a..<b])
            let r = SincInterpolator.maximize(around: Double(k - a)) { x in
                let xl = Double(a) + x
                let k0 = Int(xl.rounded(.down)), fr = xl - Double(k0)
                let e0 = refEnergy(lo + k0, lo + k0 + w), e1 = refEnergy(lo + k0 + 1, lo + k0 + 1 + w)
                let e = max(e0 + (e1 - e0) * fr, 1e-30)
                return polarity * peak.value(at: x, in: local) / (e * capE).squareRoot()
            }
            let val = polarity * r.value
            refined.append((Double(a) + r.position, abs(val)))
            if abs(val) > abs(bestVal) { bestVal = val; bestPos = Double(a) + r.position }
            if k == kPred { predVal = val; predPos = Double(a) + r.position }
        }
        // A jump away from the prediction must be clearly better: a similar stretch elsewhere
        // in the probe should not pull the track off the true alignment.
        // But a match better than the prediction by more than its own deficit can hide (the
        // ambiguity margin) is a different delay, whatever the fixed margin says: on a slow
        // sweep, one period off trails the true lag by less than the fixed margin.
        if let pp = predPos {
            let fixedMargin = abs(pp - bestPos) > tuning.jumpDistance ? tuning.farJumpMargin : tuning.nearJumpMargin
            let margin = min(fixedMargin, tuning.ambiguityGap(rho: abs(bestVal)))
            if abs(predVal) >= abs(bestVal) - margin { bestPos = pp; bestVal = predVal }
        }
        guard abs(bestVal) >= rhoFloor else { return nil }
        // Ambiguity: another lag (beyond the peak's own lobe) that matches about as well,
        // closer than the noise or the path's misfit (1 − ρ) can tell apart: a narrowband
        // window (a steady tone, hum, a slow sweep at 10 dB) or a pulse train's one pulse.
        // Or a lag near the match that the reference's energy gate left out and that matches
        // better (``hiddenBetterLag(near:bestRho:corr:lo:capE:)``).
        let second = refined.filter { abs($0.0 - bestPos) > tuning.jumpDistance }.map(\.1).max() ?? 0
        let ambiguous = underNoise || abs(bestVal) - second < tuning.ambiguityGap(rho: abs(bestVal))
            || hiddenBetterLag(near: Int(bestPos.rounded()), bestRho: abs(bestVal), corr: corr, lo: lo, capE: capE)
        let bestRho = max(-1, min(1, bestVal))
        let bestK = Int(bestPos.rounded())
        let fine = (position: bestPos, value: bestVal)
        let p = Double(lo) + fine.position
        let sigma = TrackPoint.spread(ref: ref, from: max(0, lo + bestK), to: min(n, lo + bestK + w), rho: bestRho, length: w)
        // A window that hangs over either end of the reference locates itself poorly: it
        // still guides the tracking, but does not vote on delays.
        let partial = p < 0 || p + Double(w) > Double(n)
        return TrackPoint(t: t, p: p, rho: bestRho, sigma: partial ? 1.0 : sigma, ambiguous: ambiguous)
    }

    /// Whether a lag within ``AnalyzerTuning/gatedLagReach`` of candidate index `k` (of `corr`,
    /// lags from `lo`), left out because the reference holds too little energy there
    /// (``AnalyzerTuning/minReferenceWindowEnergy``), matches the window better than `bestRho`
    /// would have it. The gate keeps a window from matching a nearly silent stretch of the
    /// reference, whose normalised correlation is noise; but where the window holds the
    /// first sound after a silence, the true lag is such a stretch, and the best lag left is
    /// a lobe of it. Multitone bursts clipped at 16 dB (fuzz case 2158): the window holding
    /// a burst's first 215 faded-in frames matched 36 frames early at ρ 0.81, the true lag
    /// (0.90) under the gate, and the lone window read as a first segment and a 35-frame
    /// gap, the latency 35 samples off at ±0.81. Such a window is ambiguous: it guides the
    /// track but declares no step.
    func hiddenBetterLag(near k: Int, bestRho: Double, corr: [Double], lo: Int, capE: Double) -> Bool {
        let reach = tuning.gatedLagReach
        guard !corr.isEmpty else { return false }
        for j in max(0, k - reach)...min(corr.count - 1, max(0, k + reach)) where invRoot[lo + j + w] == 0 {
            let e = refEnergy(lo + j, lo + j + w)
            if e > 0, polarity * corr[j] / (e * capE).squareRoot() > bestRho { return true }
        }
        return false
    }

    /// `match`, and when that finds nothing or a match well below the track's `typical`
    /// correlation, the same window searched over `reacquireRadii` × the radius: a step larger
    /// than the radius (a 3840-frame drop, say) then re-acquires the probe instead of following
    /// a weak look-alike stretch off the track for the rest of the capture. Only a match
    /// outside the usual range, as good as the track's typical one, is taken from the wider
    /// search: inside the range the usual search has already spoken.
    ///
    /// The wider search runs only when the window before was weak too (`weakBefore`): a single
    /// weak window is a discontinuity inside it, two in a row a track that has lost the probe.
    /// The first ``wholeSearchesWhileLost`` times the track is lost, the whole reference is
    /// searched instead: a repeat or a drop of more than `reacquireRadii` radii (a sound
    /// server replaying or skipping a second of audio) is then one step too, not a track lost
    /// for the rest (`wholeSearches` counts down; the caller refills it on a good match).
    func matchOrReacquire(t: Int, lo: Int, hi: Int, predicted: Double, typical: Double, weakBefore: Bool, wholeSearches: inout Int) -> TrackPoint? {
        let pt = match(t: t, lo: lo, hi: hi, predicted: predicted)
        if !weakBefore { return pt }
        if let pt, !isWeak(pt, typical: typical) { return pt }
        let centre = Int(predicted.rounded())
        let span = Self.reacquireRadii * radius
        func better(_ c: TrackPoint?, outside range: ClosedRange<Double>, than best: TrackPoint?) -> TrackPoint? {
            guard let c, !range.contains(c.p), abs(c.rho) >= tuning.reacquireRhoOfTypical * typical,
                  abs(c.rho) > abs(best?.rho ?? 0) + tuning.reacquireRhoMargin else { return nil }
            return c
        }
        if wholeSearches > 0 {
            wholeSearches -= 1
            return better(match(t: t, lo: -w, hi: ref.count, predicted: predicted), outside: Double(lo)...Double(hi), than: pt) ?? pt
        }
        return better(match(t: t, lo: centre - span, hi: centre + span, predicted: predicted), outside: Double(lo)...Double(hi), than: pt) ?? pt
    }

    /// Whole-reference searches left before the track matches a window well again: each costs
    /// a transform of the whole reference, and a capture that holds no probe for long (noise,
    /// another signal) would make every window search it.
    static let wholeSearchesWhileLost = 2

    /// A match well below the track's typical correlation (``AnalyzerTuning/weakMatchOfTypical``).
    func isWeak(_ pt: TrackPoint, typical: Double) -> Bool {
        abs(pt.rho) < tuning.weakMatchOfTypical * typical
    }

    /// How much wider than the radius a re-acquiring search looks.
    static let reacquireRadii = 4

    /// Tracks the whole capture outward from the window that agrees with `anchorDelay`.
    mutating func track(anchorDelay: Int) -> [TrackPoint] {
        let n = ref.count, m = cap.count
        let lastIndex = (m - w) / w
        guard lastIndex >= 0 else { return [] }
        noiseFloorEnergy = noiseFloor(anchorDelay: anchorDelay)
        // Anchor: a window inside the main alignment.
        var anchor: (Int, TrackPoint)?
        for frac in tuning.anchorFractions {
            let t0 = anchorDelay + Int(frac * Double(n))
            let i = min(max(0, t0 / w), lastIndex)
            let t = i * w
            let pPred = t - anchorDelay
            if let pt = match(t: t, lo: pPred - tuning.anchorSearch, hi: pPred + tuning.anchorSearch, predicted: Double(pPred)) { anchor = (i, pt); break }
        }
        if anchor == nil {
            for frac in tuning.wideAnchorFractions {
                let t = min(max(0, (anchorDelay + Int(frac * Double(n))) / w), lastIndex) * w
                let pPred = t - anchorDelay
                if let pt = match(t: t, lo: pPred - radius, hi: pPred + radius) {
                    anchor = (t / w, pt); break
                }
            }
        }
        guard let (ai, apt) = anchor else { return [] }
        var points = [apt]
        // The correlation a clean window of this capture reaches (a running average), and
        // whether the last window fell well below it (or matched nothing).
        var typical = abs(apt.rho)
        var weak = false
        // Forward.
        var last = apt
        var misses = 0
        var wholeSearches = Self.wholeSearchesWhileLost
        var i = ai + 1
        while i <= lastIndex {
            if last.p + Double(w) >= Double(n - w / 2) { break }   // the reference's end was reached
            let t = i * w
            let pPred = Int((Double(t) - last.d).rounded())
            let pPause = Int(last.p.rounded()) + w
            let lo = (misses == 0 ? pPred : min(pPred, pPause)) - radius
            let hi = (misses == 0 ? pPred : max(pPred, pPause)) + radius
            if lo > n - w / 2 { break }
            if let pt = matchOrReacquire(t: t, lo: lo, hi: hi, predicted: Double(t) - last.d, typical: typical, weakBefore: weak, wholeSearches: &wholeSearches),
               misses == 0 || !isWeak(pt, typical: typical) {   // after a miss, only a good match moves the track
                points.append(pt)
                last = pt
                misses = 0
                weak = isWeak(pt, typical: typical)
                if !weak { wholeSearches = Self.wholeSearchesWhileLost }
                typical = 0.9 * typical + 0.1 * abs(pt.rho)
            } else {
                weak = true
                misses += 1
                if last.p + Double(w) >= Double(n - w) { break }   // the reference's end was seen
            }
            i += 1
        }
        // Backward.
        var first = apt
        misses = 0
        wholeSearches = Self.wholeSearchesWhileLost
        weak = false
        typical = abs(apt.rho)
        i = ai - 1
        while i >= 0 {
            if first.p <= Double(w / 2) { break }   // the reference's start was reached
            let t = i * w
            let pPred = Int((Double(t) - first.d).rounded())
            let pPause = Int(first.p.rounded()) - w
            let lo = (misses == 0 ? pPred : min(pPred, pPause)) - radius
            let hi = (misses == 0 ? pPred : max(pPred, pPause)) + radius
            if hi < -w / 2 { break }
            if let pt = matchOrReacquire(t: t, lo: lo, hi: hi, predicted: Double(t) - first.d, typical: typical, weakBefore: weak, wholeSearches: &wholeSearches),
               misses == 0 || !isWeak(pt, typical: typical) {   // after a miss, only a good match moves the track
                points.append(pt)
                first = pt
                misses = 0
                weak = isWeak(pt, typical: typical)
                if !weak { wholeSearches = Self.wholeSearchesWhileLost }
                typical = 0.9 * typical + 0.1 * abs(pt.rho)
            } else {
                weak = true
                misses += 1
                if first.p <= Double(w) { break }   // the reference's start was seen
            }
            i -= 1
        }
        points.sort { $0.t < $1.t }
        return reconsideringShortRuns(points)
    }

    /// The windows of short runs between two longer runs a jump apart, matched again at the
    /// delays on either side of the jump. The search around the last delay reaches
    /// ``AnalyzerTuning/searchRadius`` frames, and prefers the predicted delay unless another
    /// is clearly better; past a longer jump the track can follow look-alikes before it looks
    /// wider and finds the probe again (right after a 17000-frame repeat of the default probe,
    /// chirps 1368–1554 frames off matched at ρ up to 0.95 for four windows, and the jump read
    /// as three repeats). Where two runs longer than ``AnalyzerTuning/reconsideredRunMaxWindows``
    /// windows lie at least ``AnalyzerTuning/reconsiderMinDistance`` frames apart in delay,
    /// each window of the short runs between them is matched within
    /// ``AnalyzerTuning/reconsiderSearch`` frames of either delay (when its own lies that far
    /// from it), and takes the better match when it is strong (at least
    /// ``AnalyzerTuning/strayRunRhoRatio`` of the median |ρ|), precise (σ under
    /// ``AnalyzerTuning/maxSigmaForGrouping``), on that delay (within
    /// ``AnalyzerTuning/runToleranceMax``) and beats the window's own |ρ|. A real stretch at a
    /// delay of its own matches best there, and stays. The track's last run, when short and a
    /// jump from the last strong, precise window before it, is matched again at that window's
    /// delay under the same tests (session 56). (Without the jump, through a 2 kHz
    /// low-pass, windows at the edges of noise's pauses that had matched strays joined the
    /// segment 0.1–0.25 frames off and read 0.52 ppm of drift that was not there.)
    func reconsideringShortRuns(_ points: [TrackPoint]) -> [TrackPoint] {
        guard points.count >= 2 else { return points }
        var runs: [Range<Int>] = []
        var start = 0
        for k in 1...points.count where k == points.count || abs(points[k].d - points[k - 1].d) >= tuning.driftPairMaxStep {
            runs.append(start..<k)
            start = k
        }
        // Consecutive longer runs a jump apart, with short runs between them: where the track
        // had to find the probe again.
        let long = runs.filter { $0.count > tuning.reconsideredRunMaxWindows }
        let jumps = zip(long, long.dropFirst()).filter { b, a in
            a.lowerBound > b.upperBound && abs(points[a.lowerBound].d - points[b.upperBound - 1].d) >= Double(tuning.reconsiderMinDistance)
        }
        var pts = points
        let strong = tuning.strayRunRhoRatio * median(pts.map { abs($0.rho) })
        func reconsider(_ ks: Range<Int>, at delays: [Double]) {
            for k in ks {
                var best = pts[k]
                for d in delays where abs(d - pts[k].d) >= Double(tuning.reconsiderMinDistance) {
                    let p = Double(pts[k].t) - d, c = Int(p.rounded())
                    if let m = match(t: pts[k].t, lo: c - tuning.reconsiderSearch, hi: c + tuning.reconsiderSearch, predicted: p),
                       abs(m.rho) > abs(best.rho), abs(m.rho) >= strong, m.sigma < tuning.maxSigmaForGrouping, abs(m.d - d) < tuning.runToleranceMax {
                        best = m
                    }
                }
                pts[k] = best
            }
        }
        for (b, a) in jumps {
            reconsider(b.upperBound..<a.lowerBound, at: [pts[a.lowerBound].d, pts[b.upperBound - 1].d])
        }
        // The track's last run, short and a jump from the last good window before it: the
        // search after a silence found a look-alike stretch elsewhere, and the windows after it
        // searched around it, out of the probe's reach. Music whose 2878 frames were replaced
        // by silence near its end (fuzz case 1121) matched a phrase it plays again 7959 frames
        // earlier at ρ 0.94 in the half-silent window after the silence, and its last three
        // windows followed that phrase at ρ 0.96 where the probe's own delay holds them at
        // 0.9996: a 7959-frame gap, no replacement.
        if let last = runs.last, last.count <= tuning.reconsideredRunMaxWindows,
           let good = pts[..<last.lowerBound].last(where: { abs($0.rho) >= strong && $0.sigma < tuning.maxSigmaForGrouping }),
           abs(good.d - pts[last.lowerBound].d) >= Double(tuning.reconsiderMinDistance) {
            reconsider(last, at: [good.d])
        }
        return pts
    }
}
