// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

// A latency is carried back from the first frame heard to the reference's first frame along
// the line the heard frames lie on. Where the reference's first sound is replaced by silence
// (one gap and one drop at the same frame: QEMU's stale ring at a stream's start), the line
// is assumed to hold through the replaced frames, as a replacement keeps the stream's timing.
// That assumption is all the latency rests on when nothing of the probe is heard before the
// replacement: a drop after the probe's silent lead explains the same capture at any other
// latency. It is taken where the latency is at least plausible, the probe's first frame
// within the capture; not where it puts that frame before the capture's first one, as well
// as the probe's whole first sound unheard. Speech-like, 7210 frames at 48 kHz, captured
// from the probe's first frame (delay 0) with 1391 frames dropped 2016 frames in, across its
// onset at 2417: it read a replacement of 838 frames 1173 frames in and the latency 1391
// samples early, at a stated ±0.07 (the fuzz test's case 1433).
extension RoundTripAnalysis {
    /// Why `m`'s latency cannot be believed: it puts the reference's first frame at least a
    /// frame before the capture's, its first events are a replacement (a gap and a drop at
    /// one frame), and the reference frames on its line from the capture's first frame (or
    /// the reference's onset, ``AnalyzerTuning/onsetOfPeak``, when later) to that replacement
    /// hold under ``AnalyzerTuning/unanchoredLeadHeardShare`` of its energy. Nil otherwise.
    func unanchoredLead(_ m: LoopMeasurement, plain: [Float]) -> String? {
        guard let l = m.latency?.samples, l <= -1, let firstAt = m.events.map(\.captureSample).min(),
              Set(m.events.filter { $0.captureSample == firstAt }.map(\.kind)) == [.gap, .drop] else { return nil }
        let onset = Explainer.onset(of: plain, share: tuning.onsetOfPeak)
        let lo = max(onset, Int((-l).rounded(.up)))
        let hi = min(plain.count, max(0, Int((Double(firstAt) - l).rounded())))
        let whole = energy(plain)
        guard whole > 0, (hi > lo ? energy(plain[lo..<hi]) : 0) < tuning.unanchoredLeadHeardShare * whole else { return nil }
        let fs = Double(reference.sampleRate)
        return String(format: "the probe's first sound (from reference frame %d, %.3f s) is not heard: the capture is silent from its first frame to a replacement at frame %d (%.3f s), and the latency that replacement implies puts the probe's first frame %.0f frames before the capture's; a drop after the probe's silent lead explains the capture as well at any latency, so the latency cannot be told and none is reported",
                      onset, Double(onset) / fs, firstAt, Double(firstAt) / fs, -l)
    }

    /// `events` with a leading replacement (a gap and a drop of one size at the probe's first
    /// frame, the first events) starting at the reference's onset instead, where the
    /// reference opens with silence (−60 dB of its peak, as ``unanchoredLead(_:plain:)``
    /// counts it) of a block or more and at least ``AnalyzerTuning/leadingMinReplaced``
    /// frames of the replacement are left: the capture's silence there is the probe's as
    /// well as any replacement's, and how much of it went cannot be heard. The walk claims
    /// from the probe's first frame: speech on 8-bit PCM with 735 frames replaced 2336
    /// frames in, its first 2048 frames silent (fuzz case 547), read 3070 frames replaced
    /// from frame 1. A block (``AnalyzerTuning/leadingBlock``) is the walk's resolution: the
    /// analyzer's own probe fades in over 19 frames, and QEMU's stale ring replaces a
    /// stream's frames from its first. Run after ``unanchoredLead(_:plain:)``, which asks
    /// where the replacement begins on the latency's line.
    func leadFromTheOnset(_ events: [Event], latency: Double?, drift: Double, plain: [Float]) -> [Event] {
        guard let l = latency, let firstAt = events.map(\.captureSample).min(),
              abs(Double(firstAt) - l.rounded(.up)) <= 1 else { return events }
        let first = events.filter { $0.captureSample == firstAt }
        guard first.count == 2, Set(first.map(\.kind)) == [.gap, .drop], first[0].sizeSamples == first[1].sizeSamples else { return events }
        let end = firstAt + first[0].sizeSamples
        let onset = Int((l + Double(Explainer.onset(of: plain, share: tuning.onsetOfPeak)) * (1 + drift)).rounded(.up))
        guard onset - firstAt >= tuning.leadingBlock, end - onset >= tuning.leadingMinReplaced else { return events }
        return events.map { e in
            e.captureSample == firstAt ? Event(kind: e.kind, captureSample: onset, sizeSamples: end - onset, sampleRate: reference.sampleRate) : e
        }.sorted { ($0.captureSample, $0.kind.rawValue) < ($1.captureSample, $1.kind.rawValue) }
    }
}
