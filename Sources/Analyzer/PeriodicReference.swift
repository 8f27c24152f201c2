// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

// A reference that repeats itself (a pulse train, a steady tone): every tracking window
// matches it one period away as well as at its own delay, so the windows cannot tell delays
// apart and a step by a whole number of periods is invisible to them. Only the whole-signal
// correlation can tell the delay (the train's first and last periods have no neighbour on one
// side), and only when the capture holds the reference at that one delay throughout.
extension RoundTripAnalysis {
    /// The reference's period (frames) when it repeats within the tracker's search radius:
    /// its normalised autocorrelation, beyond the main lobe, reaches
    /// ``AnalyzerTuning/periodicReferenceMinCorrelation`` there. nil otherwise.
    func referencePeriod(_ ref: [Float]) -> (period: Int, correlation: Double)? {
        guard let (best, rho) = Self.strongestRepeat(ref) else { return nil }
        return rho >= tuning.periodicReferenceMinCorrelation ? (best, rho) : nil
    }

    /// The lag (beyond the main lobe, within the search radius) where the reference's
    /// autocorrelation peaks, and its normalised value there; nil when there is no such lag.
    /// The same reference is analysed again and again (a sweep's 112 trials, a soak's periods):
    /// the answer is kept for the last few references, by exact content (``repeats``).
    static func strongestRepeat(_ ref: [Float]) -> (lag: Int, rho: Double)? {
        repeats.value(tag: [], content: [ref[...]]) { () throws(Never) -> (lag: Int, rho: Double)? in
            let maxLag = min(AnalyzerTuning.searchRadius, ref.count / 2)
            guard maxLag > 2 else { return nil }
            let r = Correlation.crossCorrelate(signal: ref, template: ref, lags: 0...maxLag)
            guard r[0] > 0 else { return nil }
            // Past the main lobe: the first lag where the autocorrelation is no longer positive.
            var k = 1
            while k <= maxLag, r[k] > 0 { k += 1 }
            var best = 0, bestV = 0.0
            while k <= maxLag {
                if r[k] > bestV { bestV = r[k]; best = k }
                k += 1
            }
            return (best, bestV / r[0])
        }
    }

    /// References kept: a sweep's one probe, or a soak's eight probes taking turns (~2 MB of
    /// references at 48 kHz).
    static let repeats = ExactMemo<(lag: Int, rho: Double)?>(capacity: 8)

    /// The measurement of a periodic reference: the latency from the whole-signal correlation
    /// when its peak is unambiguous and the capture holds the reference at that delay in every
    /// period (``alignmentBreak(_:_:_:period:)``); otherwise `no-signal` with the reason. No
    /// segments and no events: a discontinuity in a periodic signal cannot be placed.
    func periodicMeasurement(_ m0: LoopMeasurement, _ find: GlobalFind, ref: [Float], cap: [Float], period: (period: Int, correlation: Double)) -> LoopMeasurement {
        var why = String(format: "the reference repeats every %d frames (normalised autocorrelation %.3f): the tracking windows match it a period away as well as at its own delay", period.period, period.correlation)
        switch periodicTracked(m0, find, ref: ref, cap: cap, period: period.period) {
        case let .success(m): return m
        case let .failure(f): why += "; " + f.reason
        }
        if periodicPeakAmbiguous(find) {
            var m = globalPeakOnly(m0, find, why: why, ambiguous: true)
            m.reason = why + ", and so does the whole-signal correlation (its peak's competitor a period away trails it by less than its noise or a sliver of the reference): the delay cannot be told, no latency is reported"
            return m
        }
        if let frame = alignmentBreak(ref, cap, find, period: period.period) {
            var m = globalPeakOnly(m0, find, why: why, ambiguous: false)
            m.verdict = .noSignal
            m.latency = nil
            m.polarity = nil
            m.reason = why + String(format: ", and at the whole-signal correlation's delay (%d) the capture stops holding it near capture frame %d (a discontinuity, drift or another signal), which a periodic reference cannot place: no latency is reported", find.lag, frame)
            return m
        }
        var m = globalPeakOnly(m0, find, why: why, ambiguous: false)
        m.reason = why + "; the capture holds it at the whole-signal correlation's delay in every period: latency from that correlation only, drift not analysed"
        return m
    }

    /// The first capture frame of a period-long block of the reference (one that holds at
    /// least ``AnalyzerTuning/periodicBlockMinEnergy`` of the mean block's energy) that the
    /// capture does not hold at the whole-signal delay (refined between samples): its
    /// normalised correlation with the reference, shifted there, below
    /// ``AnalyzerTuning/periodicBlockRhoOfGlobal`` of all the judged blocks' together. nil
    /// when every one holds.
    func alignmentBreak(_ ref: [Float], _ cap: [Float], _ find: GlobalFind, period: Int) -> Int? {
        let delay = Double(find.lags.lowerBound) + interp.refinePeak(of: find.corr, near: find.peakIndex).position
        let held = blocksHeld(ref, cap, level: delay, drift: 0, block: max(AnalyzerTuning.trackingWindow, period))
        guard held.whole > 0 else { return held.blocks.first?.captureStart ?? 0 }
        return held.blocks.first { $0.rho < tuning.periodicBlockRhoOfGlobal * held.whole }?.captureStart
    }

    /// Σ m², Σ c², Σ m·c over capture `frames`, with c the capture and m the signal in `rb`
    /// read between samples at `position(t)` (the batched interpolation, nothing for an
    /// empty range).
    func heldSums(_ rb: UnsafeBufferPointer<Float>, _ cap: [Float], frames: Range<Int>, position: (Int) -> Double) -> (mm: Double, cc: Double, mc: Double) {
        var mm = 0.0, cc = 0.0, mc = 0.0
        guard !frames.isEmpty else { return (0, 0, 0) }
        for (m, t) in zip(interp.values(at: frames, in: rb, position: position), frames) {
            let c = Double(cap[t])
            mm += m * m
            cc += c * c
            mc += m * c
        }
        return (mm, cc, mc)
    }

    /// One block of the reference, judged at the whole-signal delay: where it starts in the
    /// reference and in the capture, its energy, and its normalised correlation there (signed
    /// as the whole's).
    struct HeldBlock {
        var refStart: Int
        var captureStart: Int
        var energy: Double
        var rho: Double
        /// The capture's energy over the frames the block is judged on.
        var captureEnergy = 0.0
    }

    /// The reference in blocks of `block` frames (those holding at least
    /// ``AnalyzerTuning/periodicBlockMinEnergy`` of the mean block's energy), each correlated
    /// with the capture on the line `level + drift · p` (the delay at reference frame p, read
    /// between samples), and all of them together (`whole`, 0 where nothing was judged).
    func blocksHeld(_ ref: [Float], _ cap: [Float], level: Double, drift: Double, block: Int) -> (blocks: [HeldBlock], whole: Double) {
        let n = ref.count
        let blocks = (n + block - 1) / block
        let meanE = energy(ref) / Double(max(1, blocks))
        // Per block: Σ m², Σ c², Σ m·c, with m the reference at the capture's frames.
        var sums: [(first: Int, r0: Int, rr: Double, mm: Double, cc: Double, mc: Double)] = []
        ref.withUnsafeBufferPointer { rb in
            for b in 0..<blocks {
                let r0 = b * block, r1 = min(n, r0 + block)
                var rr = 0.0
                for i in r0..<r1 { rr += Double(ref[i]) * Double(ref[i]) }
                guard rr >= tuning.periodicBlockMinEnergy * meanE else { continue }
                // Capture frame t holds reference frame (t − level) / (1 + drift).
                let t0 = max(0, Int((Double(r0) * (1 + drift) + level).rounded(.up))), t1 = min(cap.count, Int((Double(r1) * (1 + drift) + level).rounded(.up)))
                let (mm, cc, mc) = heldSums(rb, cap, frames: t0..<max(t0, t1)) { (Double($0) - level) / (1 + drift) }
                sums.append((t0, r0, rr, mm, cc, mc))
            }
        }
        let total = sums.reduce((mm: 0.0, cc: 0.0, mc: 0.0)) { ($0.mm + $1.mm, $0.cc + $1.cc, $0.mc + $1.mc) }
        guard total.mm > 0, total.cc > 0 else {
            return (sums.map { HeldBlock(refStart: $0.r0, captureStart: $0.first, energy: $0.rr, rho: 0, captureEnergy: $0.cc) }, 0)
        }
        let sign: Double = total.mc >= 0 ? 1 : -1
        let whole = sign * total.mc / (total.mm * total.cc).squareRoot()
        return (sums.map { s in
            HeldBlock(refStart: s.r0, captureStart: s.first, energy: s.rr, rho: s.mm > 0 && s.cc > 0 ? sign * s.mc / (s.mm * s.cc).squareRoot() : 0, captureEnergy: s.cc)
        }, whole)
    }
}
