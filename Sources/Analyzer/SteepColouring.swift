// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

extension RoundTripAnalysis {
    /// The windows tracked again against the reference through the path's own response, where
    /// the path colours steeply: a log sweep from 20 Hz behind a resonant high-pass at 100 Hz
    /// has its windows near the resonance read up to tens of frames off the true delay (the
    /// resonance rings either side of where the sweep crosses it), and those stretches read
    /// as segments of their own, with steps of a fraction of a frame over or under a whole
    /// number: false repeats and drops, and the latency taken from the sweep's first octaves
    /// (fuzz case 4273: 4700.28 and 4707.65 where the truth is 4707.02 throughout). The short
    /// path model (33 taps) cannot follow a resonance at 100 Hz; the response measured over
    /// the whole capture at the longest segment's line (``PathResponse``, frames of
    /// ``AnalyzerTuning/steepResponseFrame``, its zero-phase filter half a frame either side)
    /// can: against it those windows read the delay of the rest. Steps of that track that are
    /// no whole number of frames, under two, are the path's too (``mergeDispersedSteps(_:)``).
    ///
    /// Only where the first track read steps, the response ranges over
    /// ``AnalyzerTuning/steepColouringMinRangeDB`` or more across the reference's band, and the
    /// new track reads fewer segments, each at the level of one the first read (within
    /// ``AnalyzerTuning/steepLevelAgreement`` frames), one of them overlapping each segment
    /// the first track read, and it no longer reads a step the explainer would report
    /// (``removesAnEvent(_:_:)``): it removes a false event, invents no level, and loses no
    /// stretch. (A log sweep behind the resonant high-pass with a 1909-frame gap, fuzz case
    /// 1421, lost its three windows before the gap and read its latency 1909 frames off; a
    /// 2600-frame log sweep with an 866-frame gap halfway, a window either side, lost the
    /// window after it, and the gap; a linear sweep through tanh clipping, 2191, its
    /// 2601-frame gap.)
    ///
    /// The model the events are explained against is not this filter: a power response over
    /// the whole capture holds a band replaced by silence as a notch, and would hide it.
    func trackedThroughSteepColouring(_ model: [Float], _ cap: [Float], _ find: GlobalFind, _ seg: Segmenter.Output,
                                      totalDrift: Double, polarity: Double) -> (points: [TrackPoint], seg: Segmenter.Output, drift: Double)? {
        guard seg.segments.count >= 2, let longest = Segment.longest(seg.segments) else { return nil }
        let whole = Segment(level: longest.level, drift: longest.drift, captureStart: 0, captureEnd: cap.count, points: [])
        guard let response = PathResponse(ref: model, cap: cap, segment: whole, leavingOut: nil,
                                          longest: tuning.steepResponseFrame, reachShare: 2) else { return nil }
        guard response.rangeDB >= tuning.steepColouringMinRangeDB else { return nil }
        let points = track(PathModel.filteredSymmetric(model, response.zeroPhaseTaps), cap, find, polarity: polarity)
        let stretch = (1 + totalDrift) / (1 + seg.drift) - 1
        var again = Segmenter(points: points, wholeSignal: wholeSignal(find, frames: model.count, stretch: stretch)).segments()
        // Its first window can still sit a fraction of a frame off the rest (a log sweep at
        // 769 ppm, fuzz case 4823, 0.55 frames in a one-window segment): steps that are no
        // whole number of frames are the path's (``mergeDispersedSteps(_:)``).
        mergeDispersedSteps(&again.segments)
        guard !again.segments.isEmpty, again.segments.count < seg.segments.count,
              again.segments.allSatisfy({ s in seg.segments.contains { abs($0.level - s.level) <= tuning.steepLevelAgreement } }),
              removesAnEvent(seg.segments, again.segments),
              seg.segments.allSatisfy({ s in again.segments.contains { $0.captureStart < s.captureEnd && s.captureStart < $0.captureEnd } })
        else { return nil }
        return (points, again, (1 + stretch) * (1 + again.drift) - 1)
    }

    /// Whether some step between neighbouring segments of `first` that `again` no longer reads
    /// (both sides nearest one level of it) is half a frame or more: a step the explainer would
    /// report as a drop or a repeat. Where the first track's steps are all fractions of a
    /// frame (noise behind the 2 kHz low-pass, its windows pulled apart by the noise the path
    /// removed), the zero-phase colouring already weighs them, and the track through the
    /// response read noise-like captures there up to 0.02 samples off at a stated 0.008.
    func removesAnEvent(_ first: [Segment], _ again: [Segment]) -> Bool {
        func nearest(_ s: Segment) -> Int { again.indices.min { abs(again[$0].level - s.level) < abs(again[$1].level - s.level) }! }
        return zip(first, first.dropFirst()).contains { a, b in nearest(a) == nearest(b) && abs(b.level - a.level) >= tuning.steepMinEventStep }
    }
}
