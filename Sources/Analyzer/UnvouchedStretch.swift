// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

// The last check before a verdict: a segment runs from its first matched window to where its
// reference ends, and the click scan judges its residual against the local noise. A long
// stretch that the track lost (a stall longer than any search, audio from elsewhere) makes
// that local noise as loud as the signal, and the scan sees nothing there: the segment would
// be called clean while the capture does not hold the reference at all. This finds such a
// stretch from what the track did and did not match, so that the analysis refuses instead.
extension Explainer {
    /// One tracking window's worth of a segment: its residual, aligned signal and captured
    /// energy, and whether a tracked window or an event covers it.
    struct VouchBlock {
        var start: Int
        var res: Double, sig: Double, heard: Double
        var vouched: Bool
        var ratio: Double { res / sig }
    }

    /// A run of unvouched blocks where the reference plays (indices into the blocks), and
    /// whether a vouched block borders it before and after.
    typealias UnvouchedRun = (blocks: [Int], vouchedBefore: Bool, vouchedAfter: Bool)

    /// The first stretch of a segment, at least ``AnalyzerTuning/unvouchedMinWindows``
    /// tracking windows long, that no tracked window and no event covers and whose residual
    /// is far above that of the windows the track matched (``AnalyzerTuning``'s `unvouched…`
    /// thresholds); nil when every stretch is vouched for or explained.
    func unvouchedStretch(_ segments: [Segment], _ fits: [Fit], _ events: [Event]) -> Range<Int>? {
        let w = AnalyzerTuning.trackingWindow
        let covered = events.map { ($0.captureSample - w, $0.captureSample + max(0, $0.sizeSamples) + w) }
        for (s, f) in zip(segments, fits) where f.signalPower > 0 {
            let (ra, rb) = refSpan(s)
            let lo = max(s.captureStart, ra, 0), hi = min(s.captureEnd, rb, cap.count)
            guard hi - lo >= tuning.unvouchedMinWindows * w else { continue }
            let blocks = vouchBlocks(s, f, lo, hi, spans: s.points.map { ($0.t, $0.t + w) } + covered)
            let vouched = blocks.filter { $0.vouched && $0.sig > 0 }.map(\.ratio)
            let rv = vouched.isEmpty ? 0 : median(vouched)
            let base = max(tuning.unvouchedResidualShare, min(tuning.unvouchedOverVouched * rv, tuning.unvouchedUncorrelatedExcess + rv))
            let runs = unvouchedRuns(blocks, meanSig: f.signalPower * Double(w))
            func stretch(_ b: some Collection<Int>) -> Range<Int> { blocks[b.first!].start..<min(hi, blocks[b.max()!].start + w) }
            for run in runs where run.blocks.count >= tuning.unvouchedMinWindows {
                let res = run.blocks.reduce(0.0) { $0 + blocks[$1].res }, sig = run.blocks.reduce(0.0) { $0 + blocks[$1].sig }
                guard res > base * sig else { continue }
                // Abrupt where it meets the track: a misfit that builds up window by window
                // is the path's (a low-pass the sweep climbs out of, a delay a period off at
                // a rising frequency), which the click scan and the colouring judge.
                // A step inside the run's first (last) block leaves it partly fitted; the block
                // after (before) it is all misfit: a run is abrupt when one of its two end
                // blocks is above the base.
                let head = run.blocks.prefix(2), tail = run.blocks.suffix(2)
                if run.vouchedBefore && head.allSatisfy({ blocks[$0].ratio <= base }) { continue }
                if run.vouchedAfter && tail.allSatisfy({ blocks[$0].ratio <= base }) { continue }
                // …and the misfit must stop where the track takes over: one that runs on into
                // the tracked windows is the path's, not a stretch the track lost.
                if misfitCrossesTrack(blocks, run, base: base) { continue }
                return stretch(run.blocks)
            }
            for run in runs where run.blocks.count >= tuning.unvouchedMinWindows {
                guard let m = abruptMisfit(run.blocks, ratio: { blocks[$0].ratio }, base: base) else { continue }
                // A misfit that runs on to the run's end and into the tracked windows after it
                // is the path's (as above).
                if m.last == run.blocks.last, run.vouchedAfter, misfitCrossesTrack(blocks, (Array(m), false, true), base: base) { continue }
                // Other audio there, not silence: a path's stopband the probe runs into (a
                // sweep behind a low-pass) leaves the capture silent, as abruptly.
                let heard = m.reduce(0.0) { $0 + blocks[$1].heard }, sig = m.reduce(0.0) { $0 + blocks[$1].sig }
                if heard >= tuning.unvouchedHeardShare * sig { return stretch(m) }
            }
        }
        return nil
    }

    /// Whether the first ``AnalyzerTuning/unvouchedCrossingBlocks`` tracked blocks next to the
    /// run (after it, and before it when it has them) misfit beyond `base` too. Below a
    /// resonant high-pass's resonance, where the 33-tap path filter cannot follow its gain,
    /// the residual runs 2–5× the signal across the first tracked windows as well (2.3 and
    /// 1.3 against a bar of 0.9); a stall the track lost ends where the track resumes, and the
    /// tracked windows there fit.
    func misfitCrossesTrack(_ blocks: [VouchBlock], _ run: UnvouchedRun, base: Double) -> Bool {
        let k = tuning.unvouchedCrossingBlocks
        func misfit(_ r: some Collection<Int>) -> Bool { r.count == k && r.allSatisfy { blocks[$0].vouched && blocks[$0].ratio > base } }
        let after = run.vouchedAfter ? misfit((run.blocks.last! + 1)..<min(blocks.count, run.blocks.last! + 1 + k)) : false
        let before = run.vouchedBefore ? misfit(max(0, run.blocks.first! - k)..<run.blocks.first!) : false
        return (run.vouchedAfter || run.vouchedBefore) && (!run.vouchedAfter || after) && (!run.vouchedBefore || before)
    }

    /// Segment `s`'s extent `lo ..< hi` in blocks of one tracking window, each vouched for when
    /// one of `spans` (tracked windows, events) overlaps it.
    func vouchBlocks(_ s: Segment, _ f: Fit, _ lo: Int, _ hi: Int, spans: [(Int, Int)]) -> [VouchBlock] {
        let w = AnalyzerTuning.trackingWindow
        let m = template(s, lo, hi)
        var blocks: [VouchBlock] = []
        var b = lo
        while b < hi {
            let e = min(hi, b + w)
            var blk = VouchBlock(start: b, res: 0, sig: 0, heard: 0, vouched: spans.contains { $0.0 < e && $0.1 > b })
            for t in b..<e {
                let c = Double(cap[t]), g = f.gain * m[t - lo], d = c - g
                blk.res += d * d
                blk.sig += g * g
                blk.heard += c * c
            }
            blocks.append(blk)
            b = e
        }
        return blocks
    }

    /// The runs of unvouched blocks where the reference plays (at least
    /// ``AnalyzerTuning/unvouchedMinSignalShare`` of `meanSig`; pauses inside a run neither
    /// count nor end it).
    func unvouchedRuns(_ blocks: [VouchBlock], meanSig: Double) -> [UnvouchedRun] {
        var runs: [UnvouchedRun] = []
        var current: [Int] = [], before = false
        for (i, blk) in blocks.enumerated() {
            if blk.vouched {
                if !current.isEmpty { runs.append((current, before, true)); current = [] }
                before = true
            } else if blk.sig >= tuning.unvouchedMinSignalShare * meanSig {
                current.append(i)
            }
        }
        if !current.isEmpty { runs.append((current, before, false)) }
        return runs
    }

    /// Inside an unvouched run (block indices, in order), the first stretch of at least
    /// ``AnalyzerTuning/unvouchedMinWindows`` blocks that starts abruptly (its first block
    /// misfits beyond `base` and one of the two blocks before it fitted, within
    /// ``AnalyzerTuning/unvouchedAbruptShare`` of `base`: a step inside the first leaves it
    /// partly fitted) and runs to the next block that fits or to the run's end, misfitting
    /// beyond `base` overall (a room's misfit after a drop swings around it block by block);
    /// nil when there is none.
    func abruptMisfit(_ run: [Int], ratio: (Int) -> Double, base: Double) -> ArraySlice<Int>? {
        func fits(_ j: Int) -> Bool { j >= 0 && j < run.count && ratio(run[j]) <= tuning.unvouchedAbruptShare * base }
        for j in run.indices where ratio(run[j]) > base && (fits(j - 1) || fits(j - 2)) {
            var k = j
            while k < run.count && !fits(k) { k += 1 }
            guard k - j >= tuning.unvouchedMinWindows else { continue }
            let stretch = run[j..<k]
            if stretch.reduce(0.0, { $0 + ratio($1) }) > base * Double(stretch.count) { return stretch }
        }
        return nil
    }
}
