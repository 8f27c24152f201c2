// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// The drift again, through the path's colouring.
///
/// The windows are first tracked against the bare reference. Through a path that colours the
/// signal (a 2 kHz low-pass, say), each window of a noise-like signal matches the bare
/// reference a little off its true delay, by an amount that depends on what the window holds:
/// multitone bursts through the low-pass scattered ±0.3 frames from window to window, and
/// their changing spectra made the scatter slope (−4.3 ppm of a drift the capture did not
/// have; music −1.3). Once the path's colouring is fitted (``PathModel``), the capture is
/// tracked against the coloured reference, whose windows hold what the capture's do: there
/// the same windows agreed to ±0.02 frames. Their drift replaces the first one when its
/// standard error (``Segmenter/Output/driftSE``) is at most ``AnalyzerTuning/colouredDriftSEShare``
/// of the first one's, and the segments keep their windows and steps: only their levels are
/// taken again with that drift (``Segmenter/Output/adopt(drift:se:totalDrift:)``; the coloured
/// reference is aligned on the first levels, so it cannot place a level better than they do,
/// only tell the slope).
///
/// A sweep's windows through the low-pass are narrowband and mostly about as consistent
/// against either reference (0.7–1.0 of the first standard error; 0.3–0.4 with a drop in the
/// top part, where the coloured reference's drift was as good or better), and through the
/// resonant high-pass less so (2–5 times): those keep their first drift.
extension RoundTripAnalysis {
    /// `seg` and `totalDrift` with the drift measured against `coloured` (the reference `seg`
    /// was segmented against, filtered by the path), when that measures it better.
    func driftThroughColouring(_ seg: inout Segmenter.Output, totalDrift: inout Double, coloured: [Float], cap: [Float],
                               find: GlobalFind, polarity: Double) {
        guard seg.driftKnown, seg.driftSE.isFinite else { return }
        let points = track(coloured, cap, find, polarity: polarity)
        guard points.count >= 2 else { return }
        let again = Segmenter(points: points).segments()
        guard again.driftKnown, again.segments.count <= seg.segments.count,
              again.driftSE <= tuning.colouredDriftSEShare * seg.driftSE else { return }
        // Both drifts are the capture's against the same (possibly stretched) reference.
        seg.adopt(drift: again.drift, se: again.driftSE, totalDrift: &totalDrift)
    }
}
