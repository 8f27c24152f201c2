// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

// A segment's delay from the whole segment, where its windows locked a period off.
extension RoundTripAnalysis {
    /// A narrowband window high in the band (a linear sweep's top half: a window spans ~1 %
    /// of its frequency) matches the reference one period away within ~10⁻⁴ of the true
    /// match, less than the normalised correlation's own error there; after a step the
    /// tracker follows whichever lock it found first, and the segment's level is then a
    /// period or two off (a 480-frame drop read as 483, a repeat as 474 and 9). The whole
    /// segment spans far more bandwidth than one window (15–20 kHz after a drop at 75 % of a
    /// 2 s linear sweep), and its correlation with the reference tells the periods apart. A
    /// segment's level moves to that correlation's peak (searched
    /// ``AnalyzerTuning/levelSearchFrames`` either side) when the peak lies at least
    /// ``AnalyzerTuning/levelMinCorrection`` away: a period-off lock, not the windows' own
    /// fraction of a frame, which they measure as well as the whole segment does. Segments
    /// whose windows are right keep their level, and the measurements they give stay as they were.
    ///
    /// Only segments with an ambiguous window in their stretch are searched: a window locks a
    /// period off only where it cannot tell the two delays apart, and such a window is flagged
    /// ambiguous (its deficit floored at the correlation's own error,
    /// ``AnalyzerTuning/ambiguityMinDeficit``). A segment of windows that all told the delays
    /// apart (a broadband probe's, always) keeps its level without the search, which costs 129
    /// interpolations of 4096 frames per segment. (Every segment of a capture that stepped was
    /// searched too, at ±8 frames, while the windows between a segment's last unambiguous one
    /// and the next segment were not counted as its: 8 % of the default sweep's CPU, for no
    /// change in any golden or corpus case.)
    ///
    /// `ambiguous` are the track's ambiguous windows: the segmenter keeps only the windows
    /// that told delays apart in a segment, and the others lie between them and the next
    /// segment's. A segment shorter than ``AnalyzerTuning/levelRefineMinFrames`` is judged
    /// over those beside it on its line (``withAmbiguousNeighbours(_:after:before:_:)``).
    func refineLockedLevels(_ segments: inout [Segment], _ model: [Float], _ cap: [Float], polarity: Double, ambiguous: [TrackPoint]) {
        let ambiguousWindows = ambiguous.map(\.t)
        for k in segments.indices where !segments[k].short {
            // Its windows run on to the next segment's start (the segmenter's ends are its last unambiguous window's).
            let until = k + 1 < segments.count ? segments[k + 1].captureStart : Int.max
            let s = segments[k].captureEnd - segments[k].captureStart >= tuning.levelRefineMinFrames ? segments[k]
                : Self.withAmbiguousNeighbours(segments[k], after: k > 0 ? segments[k - 1].captureEnd : Int.min, before: until, ambiguous)
            guard s.points.contains(where: \.ambiguous) || ambiguousWindows.contains(where: { $0 >= s.captureStart && $0 < until }),
                  let w = wholeSegmentLevel(s, model, cap, polarity: polarity),
                  abs(w.best - segments[k].level) >= tuning.levelMinCorrection,
                  1 - w.bestRho <= tuning.levelMisfitRatio * (1 - w.levelRho) else { continue }
            segments[k].level = w.best
            segments[k].refined = true
        }
    }

    /// Segment `s` with its extent widened over the ambiguous windows beside it, one after
    /// another, on its line (within ``AnalyzerTuning/driftPairMaxStep`` frames: windows
    /// locked a period off slide from it by less as the period shrinks) and between
    /// capture frames `after` and `before` (its neighbours): the stretch its level is judged
    /// over. A segment is often one window that told delays apart among ambiguous ones at
    /// its level, too short to be judged alone (``AnalyzerTuning/levelRefineMinFrames``): a
    /// linear sweep, clipped on 8-bit PCM, after a 1892-frame gap in its top part, locked
    /// its windows a period (3 frames at 16 kHz) late, and the one window among 13 that told
    /// delays apart made a segment of 1024 frames; the gap read 1895 frames and a false
    /// 3-frame drop put the capture back (fuzz case 1535). Over the 13 windows' 13 312
    /// frames the whole-segment correlation finds the true level, 0.96 against 0.73.
    static func withAmbiguousNeighbours(_ s: Segment, after: Int, before: Int, _ ambiguous: [TrackPoint]) -> Segment {
        let w = AnalyzerTuning.trackingWindow
        let on = ambiguous.filter { $0.t > after && $0.t < before && abs($0.d - s.delay(atCapture: Double($0.t))) < AnalyzerTuning.standard.driftPairMaxStep }
        var out = s
        for p in on.reversed() where p.t < out.captureStart && p.t + w >= out.captureStart { out.captureStart = p.t }
        for p in on where p.t <= out.captureEnd && p.t + w > out.captureEnd { out.captureEnd = p.t + w }
        return out
    }

    /// The drift again without the segments whose windows locked a period off (``Segment/refined``),
    /// when others are left to measure it. Such windows slope: on a linear sweep the period
    /// they are off by shrinks as the frequency rises, and after a drop in its top part they
    /// rose 0.7 frames over 23 000 (~30 ppm). With the tracker's σ of a few ten-thousandths of
    /// a frame they outweighed the 38 windows before the drop, and the drift read 0.58 ppm
    /// (truth 0) with the latency 0.028 samples off. The segments take the new drift
    /// (``Segmenter/Output/adopt(drift:se:totalDrift:)``).
    func driftWithoutLockedSegments(_ seg: inout Segmenter.Output, totalDrift: inout Double) {
        guard seg.driftKnown, seg.segments.contains(where: \.refined), seg.segments.contains(where: { !$0.refined }) else { return }
        var d = seg.drift
        let fit = Segmenter(points: []).jointDriftFit(seg.segments.filter { !$0.refined }.map(\.points), drift: &d, hadSlopes: false)
        guard fit.known else { return }
        seg.adopt(drift: d, se: fit.se, totalDrift: &totalDrift)
    }

    /// The level at which the whole segment correlates best with the reference, searched on a
    /// grid of ``AnalyzerTuning/levelSearchStep`` frames around the segment's level and refined
    /// between them, with the normalised correlation there and at the segment's own level;
    /// nil when the segment holds too little reference to judge.
    func wholeSegmentLevel(_ s: Segment, _ model: [Float], _ cap: [Float], polarity: Double) -> (best: Double, bestRho: Double, levelRho: Double)? {
        let span = tuning.levelSearchFrames
        let reach = Int(span.rounded(.up)) + AnalyzerTuning.interpolatorHalfWidth
        let a = max(s.captureStart, Int(s.level.rounded(.up)) + reach, 0)
        let b = min(s.captureEnd, Int(s.level + (1 + s.drift) * Double(model.count)) - reach, cap.count)
        guard b - a >= tuning.levelRefineMinFrames else { return nil }
        let step = max(1, (b - a) / tuning.levelRefineMaxFrames)
        guard let fit = LevelFit(frames: Array(stride(from: a, to: b, by: step)), cap: cap, model: model, drift: s.drift, polarity: polarity, interp: interp) else { return nil }
        let rho = fit.rho
        let atLevel = rho(s.level)
        var bestX = s.level, bestV = atLevel
        var x = s.level - span
        while x <= s.level + span {
            let v = rho(x)
            if v > bestV { bestV = v; bestX = x }
            x += tuning.levelSearchStep
        }
        // A peak within a step of the level moves it by less than a correction: not refined.
        guard abs(bestX - s.level) > tuning.levelMinCorrection - tuning.levelSearchStep else { return (bestX, bestV, atLevel) }
        let r = SincInterpolator.maximize(around: bestX) { rho($0) }
        return (r.position, r.value, atLevel)
    }
}

// The track's first segment must be where the capture's reference begins.
extension RoundTripAnalysis {
    /// Why the segments cannot be believed because the track missed the capture's start, or
    /// nil. Tracking runs outward from an anchor; running back, it can follow a stretch of the
    /// reference that resembles another (music repeats its notes) and stop at the
    /// reference's first frame there, a whole stretch of capture after the true start. The
    /// latency would then be that look-alike's delay, thousands of frames off, and the audio
    /// before it unexplained (a music-like signal with a gap, on 8-bit PCM: 9719 frames off,
    /// with a false 9719-frame drop). The capture before the first segment is correlated with
    /// the reference; when the reference begins in it, at a delay more than a tracking window
    /// from the first segment's, with a normalised correlation of at least
    /// ``AnalyzerTuning/missedStartMinRho`` (or ``AnalyzerTuning/missedStartRhoOfSegment`` of
    /// what the first segment's windows reach, not under ``AnalyzerTuning/missedStartRhoFloor``)
    /// over at least a tracking window, the track missed the start. The same holds
    /// when the probe stepped in its first frames (a repeat or a gap before the tracker's
    /// first window): which of the two it was cannot be told, and no latency is claimed.
    func trackMissedStart(_ segments: [Segment], _ model: [Float], _ cap: [Float]) -> String? {
        guard let first = segments.first else { return nil }
        let w = AnalyzerTuning.trackingWindow, n = model.count
        let b = min(first.captureStart, cap.count), a = max(0, b - 2 * n)
        // The reference must overlap the stretch by a tracking window at some lag: not where
        // the stretch is shorter than two windows less the reference (a reference shorter than
        // a window, 807 frames of white noise, trapped here building the lags).
        guard b - a >= w, b - a - w >= w - n else { return nil }
        let stretch = Array(cap[a..<b])
        // `model` is the reference (unless drift stretched it), the same for every trial of a sweep.
        let corr = Correlation.crossCorrelate(signal: stretch, template: model, lags: (w - n)...(b - a - w), reuse: .template)
        guard let k = corr.indices.max(by: { abs(corr[$0]) < abs(corr[$1]) }) else { return nil }
        let d = a + (w - n) + k   // capture frame of the reference's first frame
        // The reference must begin in that stretch (a reference that repeats itself, a soak's
        // probe, matches any stretch at a delay long before the capture began), and hold a
        // tracking window there.
        guard d >= a, abs(Double(d) - first.level) > Double(w) else { return nil }
        let s0 = d, e0 = min(b, d + n)
        guard e0 - s0 >= w else { return nil }
        var cm = 0.0, cc = 0.0, mm = 0.0
        for t in s0..<e0 {
            let c = Double(cap[t]), v = Double(model[t - d])
            cm += c * v
            cc += c * c
            mm += v * v
        }
        let own = median(first.points.map { abs($0.rho) })
        let needed = max(tuning.missedStartRhoFloor, min(tuning.missedStartMinRho, tuning.missedStartRhoOfSegment * own))
        guard cc > 0, mm > 0, abs(cm) / (cc * mm).squareRoot() >= needed else { return nil }
        return String(format: "the track's first segment (delay %.1f) starts at frame %d, but the capture before it already holds the reference at delay %d: the track followed a look-alike stretch, or the probe stepped (a repeat or a gap) before the track could see it", first.level, first.captureStart, d)
    }
}

/// The normalised correlation of the capture at `frames` with `model` placed at a level
/// (the delay at the model's start) and stretched by `drift`, at `polarity`: the band-limited
/// model interpolated at each frame's position. A segment's level searched over its whole
/// extent (`RoundTripAnalysis.wholeSegmentLevel`) and a short stretch's
/// (`Explainer.stretchLevel`) both maximise it.
struct LevelFit {
    let frames: [Int]
    let cap: [Float]
    let model: [Float]
    let drift: Double
    let polarity: Double
    let interp: SincInterpolator
    private let cc: Double
    /// Each side's mean over the frames removed (the probe's first frames, ``StretchCorrelation``).
    let centred: Bool
    private let capMean: Double

    /// Nil where the capture is silent at every frame.
    init?(frames: [Int], cap: [Float], model: [Float], drift: Double, polarity: Double, interp: SincInterpolator, centred: Bool = false) {
        var cc = 0.0, s = 0.0
        for t in frames {
            cc += Double(cap[t]) * Double(cap[t])
            s += Double(cap[t])
        }
        let mean = centred ? s / Double(max(1, frames.count)) : 0
        cc -= Double(frames.count) * mean * mean
        guard cc > 0 else { return nil }
        (self.frames, self.cap, self.model, self.drift, self.polarity, self.interp, self.cc) = (frames, cap, model, drift, polarity, interp, cc)
        (self.centred, self.capMean) = (centred, mean)
    }

    func rho(_ level: Double) -> Double {
        let m = model.withUnsafeBufferPointer { rb in interp.values(at: 0..<frames.count, in: rb) { (Double(frames[$0]) - level) / (1 + drift) } }
        var cm = 0.0, mm = 0.0, ms = 0.0
        for (t, v) in zip(frames, m) {
            cm += (Double(cap[t]) - capMean) * v
            mm += v * v
            ms += v
        }
        if centred { mm -= ms * ms / Double(max(1, frames.count)) }
        return mm > 0 ? polarity * cm / (cc * mm).squareRoot() : 0
    }
}
