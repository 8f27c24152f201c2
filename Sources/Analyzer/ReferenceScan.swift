// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// What the analysis of a stretch of a long recording needs to know about the whole of it, so
/// that the stretch is judged as the whole-recording analysis would judge it: each channel's
/// mean (removed from the stretch), its energy, the whole-signal correlation's noise, and
/// whether it lies on a coarse PCM grid. Made by ``ReferenceScan``, which reads the recording
/// once, block by block.
public struct WholeCapture: Sendable, Equatable {
    /// Where the stretch handed to the analyzer starts in the whole recording.
    public var offset: Int
    /// The whole recording's length.
    public var frames: Int
    public var channels: [Channel]

    public struct Channel: Sendable, Equatable {
        /// The mean over the whole recording, as ``removeMean(_:)`` computes it.
        public var mean: Double
        /// Σ (x − mean)² over the whole recording.
        public var energy: Double
        /// The whole-signal correlation's noise σ (the robust spread away from its peak).
        public var correlationNoise: Double
        /// Δ²/4 of the coarse PCM grid every sample lies on, else 0.
        public var quantizationFloor: Double
        /// The correlation's largest magnitude and its lag (the whole-lag peak).
        public var peakLag: Int
        public var peakMagnitude: Double
    }
}

/// The first two passes over a long recording, block by block: each channel's mean and PCM grid
/// (``Means``), then the reference's whole-signal correlation with every channel
/// (``StreamingCorrelation``), of which only the peak and a histogram of the noise are kept.
/// Memory: the reference, one transform, and the histogram, whatever the recording's length.
public enum ReferenceScan {
    /// The correlation's noise is the median of |c| at every ``AnalyzerTuning/findNoiseSubsample``-th
    /// lag, as in the whole-recording analysis; here read from a histogram with this many bins
    /// per octave (bins 0.07 % wide: the median, and the confidence z, within 0.04 % of the
    /// sorted sample's), so that an hour of lags needs no sorted array.
    public static let noiseBinsPerOctave = 1024.0
    /// The histogram covers |c| from 2⁻²⁰⁰ to 2¹⁰⁰ (values beyond count in the end bins).
    static let noiseOctaves = (low: -200.0, high: 100.0)

    /// Pass 1: running sums and the coarse-PCM check of every channel.
    public struct Means {
        var sums: [Double]
        var onGrid: [[Bool]]
        public private(set) var frames = 0
        public init(channels: Int) {
            sums = [Double](repeating: 0, count: channels)
            onGrid = [[Bool]](repeating: [Bool](repeating: true, count: AnalyzerTuning.coarsePCMBits.count), count: channels)
        }
        public mutating func append(_ planar: [[Float]]) {
            for (c, x) in planar.enumerated() where c < sums.count {
                var s = sums[c]
                for v in x { s += Double(v) }
                sums[c] = s
                for (b, bits) in AnalyzerTuning.coarsePCMBits.enumerated() where onGrid[c][b] {
                    onGrid[c][b] = RoundTripAnalysis.onGrid(x, bits: bits)
                }
            }
            frames += planar.first?.count ?? 0
        }
        /// The mean of channel `c`, computed as ``removeMean(_:)`` does.
        public func mean(_ c: Int) -> Double { sums[c] / Double(max(1, frames)) }
        func quantizationFloor(_ c: Int) -> Double {
            guard let b = onGrid[c].firstIndex(of: true) else { return 0 }
            return RoundTripAnalysis.quantizationFloor(bits: AnalyzerTuning.coarsePCMBits[b])
        }
    }

    /// Pass 2: the correlation of the reference with each mean-removed channel, as the blocks arrive.
    public final class Correlator {
        let means: Means
        let tuning = AnalyzerTuning.standard
        var channels: [ChannelState]
        public let referenceFrames: Int

        /// - Throws: `badData` naming `referencePath` when the reference is silent.
        public init(reference: AudioBuffer, means: Means, referencePath: String? = nil) throws(LoopbenchError) {
            let ref = try RoundTripAnalysis.referenceSignal(reference, path: referencePath).samples
            referenceFrames = ref.count
            self.means = means
            let n = ref.count, m = means.frames
            let lags = (-(n / tuning.findLagsBeforeDivisor))...max(-(n / tuning.findLagsBeforeDivisor), m - n / tuning.findLagsTailDivisor)
            channels = means.sums.indices.map { _ in ChannelState(corr: StreamingCorrelation(template: ref, signalFrames: m, lags: lags, singlePrecision: true)) }
        }

        /// The channels are independent (each its own buffers; the transforms' plans are
        /// executed on new arrays, which FFTW allows from several threads): a stereo block's
        /// two channels are correlated side by side.
        public func append(_ planar: [[Float]]) {
            let k = min(planar.count, channels.count)
            let (sub, excl) = (tuning.findNoiseSubsample, tuning.findPeakExclusion)
            let offsets = (0..<k).map { Float(means.mean($0)) }
            channels.withUnsafeMutableBufferPointer { ch in
                // Each iteration touches its own channel only.
                let states = DisjointChannels(states: ch)
                let each: @Sendable (Int) -> Void = { c in
                    states.states[c].add(subtracting(offsets[c], from: planar[c]), subsample: sub, exclusion: excl)
                }
                if k > 1 { DispatchQueue.concurrentPerform(iterations: k, execute: each) } else if k == 1 { each(0) }
            }
        }

        /// The channels' states, handed to the threads that each update one of them.
        struct DisjointChannels: @unchecked Sendable { let states: UnsafeMutableBufferPointer<ChannelState> }

        /// The summary, with `offset` for the stretch that will be analysed.
        public func finish(offset: Int = 0) -> WholeCapture {
            let chans = channels.indices.map { c -> WholeCapture.Channel in
                channels[c].finish(subsample: tuning.findNoiseSubsample, exclusion: tuning.findPeakExclusion)
                let s = channels[c]
                return .init(mean: means.mean(c), energy: s.energy, correlationNoise: s.noiseMedian() / tuning.medianOfAbsoluteNormal,
                             quantizationFloor: means.quantizationFloor(c), peakLag: s.peakLag, peakMagnitude: s.peak)
            }
            return WholeCapture(offset: offset, frames: means.frames, channels: chans)
        }
    }

    /// One channel's correlation as it is produced: the first largest |c|, the noise histogram
    /// of every subsampled lag, and those subsampled lags near the current peak (taken out of the
    /// histogram at the end, as the whole-recording analysis leaves them out).
    struct ChannelState {
        let corr: StreamingCorrelation
        var energy = 0.0
        var peak = -1.0, peakLag = 0, peakIndex = 0
        var histogram = [Int32](repeating: 0, count: Int((noiseOctaves.high - noiseOctaves.low) * noiseBinsPerOctave) + 1)
        var counted = 0
        /// The subsampled lags that a later peak could still exclude (within the exclusion
        /// behind the latest lag), and those within the exclusion of the current peak.
        var recent: [(index: Int, value: Double)] = []
        var aroundPeak: [(index: Int, value: Double)] = []

        init(corr: StreamingCorrelation) { self.corr = corr }

        // (The closures are not escaping: they mutate `self` in place, no copy of the histogram.)
        mutating func add(_ x: [Float], subsample: Int, exclusion: Int) {
            for v in x { energy += Double(v) * Double(v) }
            corr.append(x[...]) { (first: Int, values: UnsafeBufferPointer<Double>) in self.take(first, values, subsample: subsample, exclusion: exclusion) }
        }

        mutating func finish(subsample: Int, exclusion: Int) {
            corr.finish { (first: Int, values: UnsafeBufferPointer<Double>) in self.take(first, values, subsample: subsample, exclusion: exclusion) }
            for s in aroundPeak {
                histogram[Self.bin(s.value)] -= 1
                counted -= 1
            }
        }

        /// A transform's lags `first…`, in order (one call per block, not per lag). A block
        /// whose largest |c| is no new peak (all but a few) only feeds its subsampled lags to
        /// the histogram: what the lag-by-lag walk does with it, at a fifth of the work.
        ///
        /// A block that does hold a new peak is taken in two runs either side of its largest
        /// |c| (its first occurrence): the peaks the walk would pass on the way up to it only
        /// set the lags kept around them, which the largest one sets afresh from the same
        /// recent lags.
        mutating func take(_ first: Int, _ values: UnsafeBufferPointer<Double>, subsample: Int, exclusion: Int) {
            let blockMax = Self.largestMagnitude(values)
            let i0 = first - corr.lags.lowerBound
            var top = values.count
            if blockMax > peak, let at = values.firstIndex(where: { abs($0) == blockMax }) { top = at }
            countSubsampled(i0, values, 0..<top, subsample: subsample, exclusion: exclusion)
            guard top < values.count else { return }
            peak = blockMax; peakLag = first + top; peakIndex = i0 + top
            aroundPeak = recent.filter { $0.index >= peakIndex - exclusion }
            countSubsampled(i0, values, top..<values.count, subsample: subsample, exclusion: exclusion)
        }

        /// The largest |v| (0 when empty; a NaN is passed over, as `a > peak` passes it over).
        static func largestMagnitude(_ values: UnsafeBufferPointer<Double>) -> Double {
            var hi = SIMD8<Double>(repeating: 0), lo = SIMD8<Double>(repeating: 0)
            var j = 0
            if let base = values.baseAddress {
                let raw = UnsafeRawPointer(base)
                while j + 8 <= values.count {
                    let v = raw.loadUnaligned(fromByteOffset: 8 * j, as: SIMD8<Double>.self)
                    hi = hi.replacing(with: v, where: hi .< v)
                    lo = lo.replacing(with: v, where: lo .> v)
                    j += 8
                }
            }
            var m = max(hi.max(), -lo.min())
            while j < values.count {
                if abs(values[j]) > m { m = abs(values[j]) }
                j += 1
            }
            return m
        }

        /// The subsampled lags among `values[range]` (lag indices from `i0`) into the histogram.
        mutating func countSubsampled(_ i0: Int, _ values: UnsafeBufferPointer<Double>, _ range: Range<Int>, subsample: Int, exclusion: Int) {
            var j = range.lowerBound + (subsample - (i0 + range.lowerBound) % subsample) % subsample
            while j < range.upperBound {
                count(i0 + j, abs(values[j]), subsample: subsample, exclusion: exclusion)
                j += subsample
            }
        }

        /// Subsampled lag index `i` (|c| = `a`) into the noise histogram.
        @inline(__always)
        mutating func count(_ i: Int, _ a: Double, subsample: Int, exclusion: Int) {
            histogram[Self.bin(a)] += 1
            counted += 1
            if i - peakIndex <= exclusion { aroundPeak.append((i, a)) }
            recent.append((i, a))
            if recent.count > 2 * (exclusion / subsample + 2) { recent.removeFirst(recent.count - (exclusion / subsample + 2)) }
        }

        static func bin(_ a: Double) -> Int {
            guard a > 0 else { return 0 }
            let o = (log2(a) - noiseOctaves.low) * noiseBinsPerOctave
            return Int(min(max(0, o.rounded(.down) + 1), (noiseOctaves.high - noiseOctaves.low) * noiseBinsPerOctave))
        }

        /// The subsample's upper median (the sorted sample's `[count / 2]`), as its bin's geometric centre.
        func noiseMedian() -> Double {
            guard counted > 0 else { return 0 }
            var seen = 0
            for (b, n) in histogram.enumerated() {
                seen += Int(n)
                if seen > counted / 2 { return b == 0 ? 0 : exp2((Double(b) - 0.5) / noiseBinsPerOctave + noiseOctaves.low) }
            }
            return 0
        }
    }
}
