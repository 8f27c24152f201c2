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
///
/// First, though, the levels and the drift are read against the colouring without its phase
/// (``RoundTripAnalysis/zeroPhaseColouring(_:uncoloured:taps:cap:find:polarity:)``), which can
/// place a level where the coloured reference cannot; the drift alone is taken as above only
/// when that track does not hold.
extension RoundTripAnalysis {
    /// Whether a track against the colouring could change a figure the measurement states: not
    /// where the first track's drift is already known far more precisely than it is stated
    /// (``AnalyzerTuning/colouredRetrackMinDriftSEPPM``).
    func worthRetracking(_ seg: Segmenter.Output) -> Bool {
        seg.driftSE * 1e6 >= tuning.colouredRetrackMinDriftSEPPM
    }

    /// `seg` and `totalDrift` with the drift measured against `coloured` (the reference `seg`
    /// was segmented against, filtered by the path), when that measures it better.
    func driftThroughColouring(_ seg: inout Segmenter.Output, totalDrift: inout Double, coloured: [Float], cap: [Float],
                               find: GlobalFind, polarity: Double) {
        guard seg.driftKnown, seg.driftSE.isFinite, worthRetracking(seg) else { return }
        let points = track(coloured, cap, find, polarity: polarity)
        guard points.count >= 2 else { return }
        let again = Segmenter(points: points).segments()
        guard again.driftKnown, again.segments.count <= seg.segments.count,
              again.driftSE <= tuning.colouredDriftSEShare * seg.driftSE else { return }
        // Both drifts are the capture's against the same (possibly stretched) reference.
        seg.adopt(drift: again.drift, se: again.driftSE, totalDrift: &totalDrift)
    }

    /// The path's colouring without its phase, and the levels and drift read against it.
    ///
    /// The path filter (``PathModel``, `taps`, fitted on the longest segment by the caller) is
    /// fitted at the first levels, and takes whatever they
    /// are off by into its phase: the coloured reference cannot tell a level better than they
    /// do. The filter with the same magnitude and no phase (``PathModel/zeroPhase(_:reach:)``)
    /// can: against it a window is matched as by a matched filter, where the bare reference
    /// lets the capture's noise at frequencies the path removed pull its peak. Music through
    /// the 2 kHz low-pass: its windows against the bare reference read the latency 0.028
    /// samples off and the drift 0.46 ppm; against the zero-phase colouring, 0.004 and 0.01.
    /// Returns the levels and drift (as ``Segmenter/Output``), or nil when the track against
    /// it measures the drift no better than the first by
    /// ``AnalyzerTuning/colouredDriftSEShare`` of its standard error. Through the low-pass
    /// the speech- and music-like captures and the multitone bursts with a drop passed that
    /// (0.04–0.35 of the first standard error) and read the latency within 0.004 samples;
    /// the sweeps' narrowband windows mostly did not (1.0–1.6).
    ///
    /// A track holding another number of segments is taken too, with its segments (session
    /// 54; until then it was refused, as for the clean noise captures). Against the bare
    /// reference the windows are pulled by the noise the path removed: faint white noise
    /// behind the 2 kHz low-pass at 48 kHz and 47 dB (the fuzz test's case 752, no damage)
    /// read three segments 2062.16–2062.19 for 2062.2386, and its latency 0.042 samples early
    /// at ±0.026; against the zero-phase colouring, one segment at 2062.2384 and its drift's
    /// standard error a tenth as large. White noise there at 29 dB with a 972-frame gap (453)
    /// read one segment at 4409.53 for 4409.36, the gap inside it (the explanation found it),
    /// and its latency 0.168 late at ±0.27; against the zero-phase colouring, the two segments
    /// at 4409.355 and 5381.34.
    func zeroPhaseColouring(_ seg: Segmenter.Output, uncoloured: [Float], taps: [Double], cap: [Float], find: GlobalFind, polarity: Double) -> Segmenter.Output? {
        guard seg.driftKnown, seg.driftSE.isFinite, worthRetracking(seg) else { return nil }
        let zp = PathModel.withoutPhase(uncoloured, taps)
        let points = track(zp, cap, find, polarity: polarity)
        guard points.count >= 2 else { return nil }
        let again = Segmenter(points: points).segments()
        guard again.driftKnown,
              again.driftSE <= tuning.colouredDriftSEShare * seg.driftSE else { return nil }
        // Another number of segments: the first track read steps of a fraction of a frame that
        // the zero-phase track does not, or missed a step it sees, and the caller takes its
        // segments whole; not where a first segment's level came from its whole extent
        // (``Segment/refined``: its windows locked a period off), which the zero-phase track's
        // raw segments have not been through.
        guard again.segments.count == seg.segments.count || !seg.segments.contains(where: \.refined) else { return nil }
        return again
    }
}
