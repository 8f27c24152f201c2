// SPDX-License-Identifier: GPL-2.0-or-later
@testable import Analyzer
import DSP
import LoopbenchCore
import Testing
import TestSupport

/// The whole-recording scan's bookkeeping takes a transform's lags a block at a time (a block
/// with no new peak only counts its subsampled lags). Against the lag-by-lag walk it replaced,
/// written out here: the same peak, its lag, the histogram, the lags kept around the peak and
/// the noise median, for blocks of any size, peaks rising block by block, ties and silence.
@Suite("Reference scan blocks")
struct ReferenceScanBlockTests {
    /// The lag-by-lag walk: every lag's |c| against the peak, every subsampled one counted.
    struct Walk {
        var peak = -1.0, peakLag = 0, peakIndex = 0
        var histogram: [Int: Int] = [:]
        var counted = 0
        var recent: [(index: Int, value: Double)] = []
        var aroundPeak: [(index: Int, value: Double)] = []
        mutating func take(_ k: Int, _ c: Double, lower: Int, subsample: Int, exclusion: Int) {
            let i = k - lower, a = abs(c)
            if a > peak {
                peak = a; peakLag = k; peakIndex = i
                aroundPeak = recent.filter { $0.index >= i - exclusion }
            }
            guard i % subsample == 0 else { return }
            histogram[ReferenceScan.ChannelState.bin(a), default: 0] += 1
            counted += 1
            if i - peakIndex <= exclusion { aroundPeak.append((i, a)) }
            recent.append((i, a))
            if recent.count > 2 * (exclusion / subsample + 2) { recent.removeFirst(recent.count - (exclusion / subsample + 2)) }
        }
    }

    @Test("blocks give the lag-by-lag walk's peak, histogram and kept lags", arguments: 0..<12)
    func blocksAgreeWithTheWalk(seed: Int) {
        var rng = SeededRandom(seed: UInt64(100 + seed))
        let lower = -Int(rng.next() % 5000), count = 20_000 + Int(rng.next() % 40_000)
        var values = (0..<count).map { i in seed % 4 == 3 ? 0 : rng.gaussian() * (1 + Double(i) / 5000) }
        // Planted peaks, some equal (the first is the one kept), some in the same block.
        for _ in 0..<(seed % 5) { values[Int(rng.next() % UInt64(count))] = 40 * (1 + Double(rng.next() % 3)) }
        let (subsample, exclusion) = (5, 64)
        var state = ReferenceScan.ChannelState(corr: StreamingCorrelation(template: [1], signalFrames: count, lags: lower...(lower + count - 1)))
        var walk = Walk()
        var at = 0
        while at < count {
            let n = min(count - at, [1, 3, 64, 999, 4096, 30_000][Int(rng.next() % 6)])
            values[at..<(at + n)].withUnsafeBufferPointer { state.take(lower + at, $0, subsample: subsample, exclusion: exclusion) }
            for j in at..<(at + n) { walk.take(lower + j, values[j], lower: lower, subsample: subsample, exclusion: exclusion) }
            at += n
        }
        #expect(state.peak == walk.peak && state.peakLag == walk.peakLag && state.peakIndex == walk.peakIndex, "seed \(seed)")
        #expect(state.counted == walk.counted)
        var hist: [Int: Int] = [:]
        for (b, c) in state.histogram.enumerated() where c != 0 { hist[b] = Int(c) }
        #expect(hist == walk.histogram, "seed \(seed)")
        #expect(state.aroundPeak.map(\.index) == walk.aroundPeak.map(\.index) && state.aroundPeak.map(\.value) == walk.aroundPeak.map(\.value), "seed \(seed)")
        #expect(state.recent.map(\.index) == walk.recent.map(\.index), "seed \(seed)")
    }
}
