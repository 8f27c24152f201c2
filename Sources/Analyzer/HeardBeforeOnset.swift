// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

// A latency from the whole-signal correlation alone claims that the capture holds the
// reference at that one delay, and through a causal path nothing of the probe is heard
// before the reference's onset on that line. A repeat in a short reference that starts with
// silence puts the repeated frames in the capture twice: the first copy at the true delay,
// then the rest of the reference at the later one. Noise with pauses and speech-like
// references of 1135 frames at 8 kHz, whose windows could not be tracked or told delays
// apart, with a 378-frame repeat after 567 frames, read clean 378 samples late, the first
// copy before the later delay's onset unlooked at (the tracked explanation has its own
// search, `Explainer.leadingSegment`).
extension RoundTripAnalysis {
    /// Sound before the reference's onset (or after its end, `HeardAfterEnd.swift`) on the
    /// line at `level`, matching the reference at another delay: its capture frames, that
    /// delay and the match.
    struct HeardBefore {
        var frames: Range<Int>
        var delay: Double
        var rho: Double
    }

    /// The capture's loud sound before the reference's onset on the line at `level` (from
    /// ``AnalyzerTuning/searchRadius`` frames before it to
    /// ``AnalyzerTuning/preProbeGuardFrames`` before it, the 32-frame blocks holding at least
    /// ``AnalyzerTuning/preProbeAmbiguousOfSignal`` of the line's signal power, from the first
    /// to the last, when they hold ``AnalyzerTuning/preProbeMinFrames``), where it matches the
    /// reference at an earlier delay at ``AnalyzerTuning/middleMinRho`` or at the line's own
    /// correlation less ``AnalyzerTuning/loudLeadRhoBelowOwn``, whichever is lower (a path
    /// the reference does not model lowers both alike), or at `minRho` where given (a
    /// tracked reading clean at one delay, ``AnalyzerTuning/heardBeforeCleanMinRho``); nil
    /// otherwise.
    func heardBeforeTheOnset(_ ref: [Float], _ cap: [Float], level: Double, minRho bar: Double? = nil) -> HeardBefore? {
        let onset = Explainer.onset(of: ref, share: tuning.onsetOfPeak)
        guard onset < ref.count, let span = loudBeforeOnset(ref, cap, level: level, onset: onset),
              let match = matchedEarlier(ref, cap, span: span, level: level) else { return nil }
        if let bar { return match.rho >= bar ? match : nil }
        if match.rho >= tuning.middleMinRho { return match }
        // Under that, the line's own correlation (a pass over the whole reference) decides.
        let block = min(AnalyzerTuning.trackingWindow, max(tuning.anotherDelayMinBlock, ref.count / tuning.anotherDelayBlocksPerReference))
        let own = blocksHeld(ref, cap, level: level, drift: 0, block: block).whole
        return match.rho >= own - tuning.loudLeadRhoBelowOwn ? match : nil
    }

    /// The loud blocks before the onset (see ``heardBeforeTheOnset(_:_:level:minRho:)``), nil where
    /// there are too few.
    func loudBeforeOnset(_ ref: [Float], _ cap: [Float], level: Double, onset: Int) -> Range<Int>? {
        let s0 = max(0, Int(level.rounded()) + onset), s1 = min(cap.count, Int(level.rounded()) + ref.count)
        let end = min(cap.count, Int((level + Double(onset)).rounded(.down)) - tuning.preProbeGuardFrames)
        let begin = max(0, end - AnalyzerTuning.searchRadius)
        guard s1 > s0, end - begin >= tuning.preProbeMinFrames else { return nil }
        return loudBlocks(cap, in: begin..<end, signal: energy(cap[s0..<s1]) / Double(s1 - s0))
    }

    /// The capture's ``AnalyzerTuning/leadingBlock``-frame blocks in `frames` holding at least
    /// ``AnalyzerTuning/preProbeAmbiguousOfSignal`` of the power `signal`, from the first to
    /// the last, when they hold ``AnalyzerTuning/preProbeMinFrames``; nil otherwise.
    func loudBlocks(_ cap: [Float], in frames: Range<Int>, signal: Double) -> Range<Int>? {
        let blk = tuning.leadingBlock
        var first: Int?, last = 0, loud = 0
        var b = frames.lowerBound
        while b + blk <= frames.upperBound {
            if energy(cap[b..<(b + blk)]) >= tuning.preProbeAmbiguousOfSignal * signal * Double(blk) {
                if first == nil { first = b }
                last = b + blk
                loud += blk
            }
            b += blk
        }
        guard let lo = first, loud >= tuning.preProbeMinFrames else { return nil }
        return lo..<last
    }

    /// Capture frames `span` matched with the reference at delays from
    /// ``AnalyzerTuning/searchRadius`` before `level` to
    /// ``AnalyzerTuning/middleMinDelayFromNeighbour`` before it: the best normalised
    /// correlation, judged at its interpolated peak, and its delay.
    func matchedEarlier(_ ref: [Float], _ cap: [Float], span: Range<Int>, level: Double) -> HeardBefore? {
        // Reference positions of the span's first frame: span.lowerBound − delay.
        let pLo = span.lowerBound - Int(level.rounded(.up)) + Int(tuning.middleMinDelayFromNeighbour.rounded(.up))
        let pHi = span.lowerBound - Int(level.rounded(.down)) + AnalyzerTuning.searchRadius
        return matched(ref, cap, span: span, positions: pLo, pHi)
    }

    /// Capture frames `span` matched with the reference at start positions `pLo...pHi`
    /// (centred, either polarity): the best normalised correlation, judged at its interpolated
    /// peak, and its delay; nil where the range is empty or misses the reference.
    func matched(_ ref: [Float], _ cap: [Float], span: Range<Int>, positions pLo: Int, _ pHi: Int) -> HeardBefore? {
        guard pHi > pLo, pHi + span.count > 0, pLo < ref.count,
              let m = StretchCorrelation(ref: ref, cap: cap, stretch: span, positions: pLo...pHi, polarity: nil, interp: interp,
                                         minReferenceEnergy: tuning.middleMinReferenceEnergy, refineLags: tuning.refineLags, centred: true)
        else { return nil }
        return HeardBefore(frames: span, delay: Double(span.lowerBound) - m.position, rho: m.peakRho)
    }

    /// The reason's tail for a sound before the onset (``heardBeforeTheOnset(_:_:level:minRho:)``).
    func heardBeforeReason(_ h: HeardBefore, level: Double) -> String {
        String(format: "; but the capture holds the reference's sound before its onset at that delay (%.1f): capture frames %d–%d match it at %.2f at delay %.1f (a step before the windows, the probe heard at two delays), so no latency is reported",
               level, h.frames.lowerBound, h.frames.upperBound, h.rho, h.delay)
    }
}
