// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

// A latency read from the whole-signal correlation alone (no window could be tracked, or no
// window could tell delays apart) is the delay of the reference's louder part: a capture that
// holds the reference at two delays (a gap, a drop or a repeat the windows could not place)
// correlates at both, and its peak is the one holding more of the reference's energy. Noise
// with pauses, 1135 frames at 8 kHz behind a 2 kHz low-pass, with a 378-frame gap after 567
// frames, read clean and 378 samples late this way; speech-like and multitone references
// alike, with the reason that their windows matched at several delays. Such a latency is
// reported only where the capture holds the reference at that delay throughout, and so is a
// clean reading, which claims the same of its one segment's line
// (``RoundTripAnalysis/heldThroughout``).
extension RoundTripAnalysis {
    /// A block of the reference the capture holds at another delay than the whole-signal
    /// correlation's.
    struct AnotherDelay {
        /// Its first frame in the reference, and its length.
        var refStart: Int
        var frames: Int
        /// Where it is heard: its own correlation's peak over the find's lags, refined.
        var delay: Double
        /// The delay it was to be held at: the whole-signal correlation's, refined, or the
        /// clean capture's segment's at its first frame.
        var wholeDelay: Double
        /// The block's normalised correlation at `delay`, at `wholeDelay`, and the whole
        /// reference's on that line.
        var rho: Double
        var rhoThere: Double
        var wholeRho: Double
    }

    /// The block of the reference (``AnalyzerTuning/anotherDelayBlocksPerReference`` of them at
    /// least) that the capture does not hold at the whole-signal delay (its normalised
    /// correlation there under ``AnalyzerTuning/periodicBlockRhoOfGlobal`` of all the blocks'
    /// together, ``blocksHeld(_:_:level:drift:block:)``) and does hold at another one: its
    /// own correlation with the capture stands out of its noise there
    /// (``heldPiece(_:cap:start:len:lags:)``), at least
    /// ``AnalyzerTuning/anotherDelayMinFrames`` away, nearly as well as the whole
    /// reference is held at its delay (``AnalyzerTuning/anotherDelayHeldShare``) and better
    /// than at its own place by ``AnalyzerTuning/anotherDelayHeldMargin``. A block the
    /// path filters away (a high one behind a low-pass) is held nowhere, and says nothing.
    /// nil when there is no such block.
    func heardAtAnotherDelay(_ ref: [Float], _ cap: [Float], _ find: GlobalFind) -> AnotherDelay? {
        let wholeDelay = Double(find.lags.lowerBound) + interp.refinePeak(of: find.corr, near: find.peakIndex).position
        return heardAtAnotherDelay(ref, cap, level: wholeDelay, drift: 0, lags: find.lags, unlessAlias: false)
    }

    /// The same on the line `level + drift · p` (a clean capture's one segment, on the plain
    /// reference), each block searched for over `lags`. `unlessAlias`: not a block that may be
    /// held where it is by the line all the same (``isAlias(_:start:len:shift:)``), as a clean
    /// capture's windows vouch for their delay and a path that turns a slow sweep's phase
    /// leaves its first cycles best held a quarter period away; unless the capture where the
    /// line puts the block is as good as silent beside where it is held
    /// (``AnalyzerTuning/anotherDelayAliasEnergyShare``). A clean capture's block is searched
    /// for wherever its line holds it less well than the whole
    /// (``AnalyzerTuning/anotherDelayUnheldShare``): noise with pauses, 2600 frames at 8 kHz
    /// with an 866-frame gap halfway, read clean 862 samples late, its quiet first half's
    /// blocks held on that line at 0.47–0.68 against the whole's 0.75, and at 0.89 at their
    /// delay. (A latency from the whole-signal peak alone has no windows behind it: a block
    /// held anywhere else refuses it. Sparse clicks behind the resonant high-pass, the fuzz
    /// test's case 263, read 9.7 samples off that way, their unheld block held at another
    /// click.)
    func heardAtAnotherDelay(_ ref: [Float], _ cap: [Float], level: Double, drift: Double, lags: ClosedRange<Int>, unlessAlias: Bool) -> AnotherDelay? {
        let block = min(AnalyzerTuning.trackingWindow, max(tuning.anotherDelayMinBlock, ref.count / tuning.anotherDelayBlocksPerReference))
        guard ref.count >= 2 * block else { return nil }
        let held = blocksHeld(ref, cap, level: level, drift: drift, block: block)
        guard held.whole > 0 else { return nil }
        let unheldBelow = unlessAlias ? tuning.anotherDelayUnheldShare : tuning.periodicBlockRhoOfGlobal
        let unheld = held.blocks.filter { $0.rho < unheldBelow * held.whole }
        for b in unheld.sorted(by: { $0.energy > $1.energy }).prefix(tuning.anotherDelayBlocksSearched) {
            let len = min(block, ref.count - b.refStart)
            let there = level + drift * Double(b.refStart)
            guard let piece = heldPiece(ref, cap: cap, start: b.refStart, len: len, lags: lags),
                  abs(piece.delay - there) >= tuning.anotherDelayMinFrames,
                  piece.rho >= max(tuning.anotherDelayHeldShare * held.whole, b.rho + tuning.anotherDelayHeldMargin),
                  !unlessAlias || !isAlias(ref, start: b.refStart, len: len, shift: piece.delay - there)
                    || b.captureEnergy <= tuning.anotherDelayAliasEnergyShare * piece.captureEnergy else { continue }
            return AnotherDelay(refStart: b.refStart, frames: len, delay: piece.delay, wholeDelay: there, rho: piece.rho, rhoThere: b.rho, wholeRho: held.whole)
        }
        return nil
    }

    /// Whether a block of the reference (`len` frames from `start`) held `shift` frames from
    /// where the line puts it may be held there by the line all the same: the reference
    /// `shift` frames on looks like it (``selfSimilarity(_:start:len:shift:)`` of at least
    /// ``AnalyzerTuning/anotherDelayAliasRho``: music's repeated phrase, a pulse train's next
    /// pulse), or the shift lies within ``AnalyzerTuning/anotherDelayEnvelopeSpan`` times
    /// 1/bandwidth of it (``Spectrum/rmsBandwidth(_:)``), where a path that turns its phase
    /// moves its best hold. A log sweep's frames 1024–2048 at 48 kHz (21 Hz) through the room
    /// were held at 0.29 at their place and at 1.00 607 frames (a quarter of their period)
    /// on, in a capture with no damage; the reference there is the block a quarter period on
    /// and correlates with it at ~0.
    func isAlias(_ ref: [Float], start: Int, len: Int, shift: Double) -> Bool {
        if abs(selfSimilarity(ref, start: start, len: len, shift: shift)) >= tuning.anotherDelayAliasRho { return true }
        let bandwidth = Spectrum.rmsBandwidth(ref[start..<min(ref.count, start + len)].map(Double.init))
        return bandwidth <= 0 || abs(shift) * bandwidth < tuning.anotherDelayEnvelopeSpan
    }

    /// The normalised correlation of the reference's `len` frames from `start` with its own
    /// frames `shift` later (read between samples; 0 where either is silent or outside it).
    /// Where the capture holds a block `shift` frames from where the line puts it, it holds
    /// there what the line puts there, the reference `shift` frames on: when that looks like
    /// the block, the capture is as the line says. A log sweep's first 1024 frames (20 Hz at
    /// 22.05 kHz) behind the resonant high-pass, its phase turned near the resonance, were
    /// held 703 frames on at 0.59 and at their place at 0.15, in a capture with no damage.
    func selfSimilarity(_ ref: [Float], start: Int, len: Int, shift: Double) -> Double {
        var mm = 0.0, ss = 0.0, ms = 0.0
        ref.withUnsafeBufferPointer { rb in
            for i in start..<min(ref.count, start + len) {
                let p = Double(i) + shift
                guard p >= 0, p <= Double(ref.count - 1) else { continue }
                let m = Double(ref[i]), v = interp.value(at: p, in: rb)
                mm += m * m
                ss += v * v
                ms += m * v
            }
        }
        return mm > 0 && ss > 0 ? ms / (mm * ss).squareRoot() : 0
    }

    /// Where the capture holds one piece of `len` frames from `start` best, over the find's
    /// `lags`: of the peaks of its correlation with the capture that stand
    /// ``AnalyzerTuning/findZThreshold`` times over the correlation's noise, the
    /// ``AnalyzerTuning/anotherDelayPeaksJudged`` with the highest correlation normalised by
    /// the capture's energy under the piece, and of those the one where that correlation,
    /// refined between samples, is highest. Not simply the highest peak: that weighs where
    /// the capture is loud. A speech-like piece of 141 frames at 8 kHz,
    /// heard at its delay at 0.88, peaked higher 729 frames on, at 0.49, where the capture
    /// was five times as loud. nil where no peak stands out.
    func heldPiece(_ ref: [Float], cap: [Float], start: Int, len: Int, lags: ClosedRange<Int>) -> FoundPiece? {
        let a = max(0, start + lags.lowerBound), b = min(cap.count, start + lags.upperBound + len)
        guard b - a > len, start + lags.upperBound >= a else { return nil }
        let lo = start + lags.lowerBound - a, hi = start + lags.upperBound - a
        let piece = Array(ref[start..<(start + len)])
        let corr = cap.withUnsafeBufferPointer { c in
            piece.withUnsafeBufferPointer { r in Correlation.crossCorrelate(signal: UnsafeBufferPointer(rebasing: c[a..<b]), template: r, lags: lo...hi) }
        }
        guard var top = corr.indices.first else { return nil }
        for i in corr.indices where abs(corr[i]) > abs(corr[top]) { top = i }
        let sigma = correlationNoise(corr, awayFrom: top)
        guard sigma > 0 else { return nil }
        // Each lag's correlation normalised by the capture's energy under the piece (prefix
        // sums), among the lags whose plain correlation stands out: the best held first.
        var prefix = [Double](repeating: 0, count: b - a + 1)
        for t in a..<b { prefix[t - a + 1] = prefix[t - a] + Double(cap[t]) * Double(cap[t]) }
        let mm = piece.reduce(0.0) { $0 + Double($1) * Double($1) }
        func ncc(_ i: Int) -> Double {
            let s0 = min(max(0, lo + i), b - a), s1 = min(max(0, lo + i + len), b - a)
            let e = prefix[s1] - prefix[s0]
            return e > 0 && mm > 0 ? abs(corr[i]) / (e * mm).squareRoot() : 0
        }
        func isPeak(_ i: Int) -> Bool { (i == 0 || abs(corr[i]) >= abs(corr[i - 1])) && (i == corr.count - 1 || abs(corr[i]) > abs(corr[i + 1])) }
        let judged = tuning.anotherDelayPeaksJudged
        let standing = corr.indices.filter { abs(corr[$0]) >= tuning.findZThreshold * sigma && isPeak($0) }.map { ($0, ncc($0)) }
        // Where the capture is louder elsewhere, a quiet block's peak is lost in the noise
        // its loud parts make (that noise-with-pauses block's own peak stood 1.2 times over
        // it, the loud half's 5.6): the best held peaks of all are judged too, where the whole
        // block lies in the capture (over a frame or two at its end, a block is held at 1.00).
        let bestHeld = corr.indices.filter { lo + $0 >= 0 && lo + $0 + len <= b - a && isPeak($0) }.map { ($0, ncc($0)) }.sorted { $0.1 > $1.1 }.prefix(judged)
        let peaks = Set((standing.sorted { $0.1 > $1.1 }.prefix(judged) + bestHeld).map(\.0)).sorted()
        var best: FoundPiece?
        piece.withUnsafeBufferPointer { pb in
            for k in peaks {
                // Index k is capture frame a + lo + k for the piece's first frame.
                let delay = Double(a + lo) + interp.refinePeak(of: corr, near: k).position - Double(start)
                let t0 = Int((Double(start) + delay).rounded(.up)), t1 = Int((Double(start + len) + delay).rounded(.up))
                guard t0 >= 0, t1 <= cap.count, t1 > t0 else { continue }
                let (mm, cc, mc) = heldSums(pb, cap, frames: t0..<t1) { Double($0) - delay - Double(start) }
                let rho = mm > 0 && cc > 0 ? abs(mc) / (mm * cc).squareRoot() : 0
                if rho > (best?.rho ?? 0) { best = FoundPiece(start: start, delay: delay, z: abs(corr[k]) / sigma, rho: rho, sign: mc >= 0 ? 1 : -1, captureEnergy: cc) }
            }
        }
        return best
    }

    /// Why a latency from the whole-signal correlation alone is not reported: the reason's
    /// tail for ``heardAtAnotherDelay(_:_:_:)``'s block, in what was measured. Where the
    /// block is best held is a measurement, not a claim of where the step put it: a block a
    /// replacement silenced, or a slow sweep's first 20 Hz, is best held by chance.
    func anotherDelayReason(_ a: AnotherDelay) -> String {
        String(format: "; but the capture does not hold the reference at that delay (%.1f there) throughout: its frames %d–%d correlate there at %.2f, against %.2f for the whole, and at %.2f at delay %.1f (a step or a drift the windows could not follow), so no latency is reported",
               a.wholeDelay, a.refStart, a.refStart + a.frames, a.rhoThere, a.wholeRho, a.rho, a.delay)
    }
}
