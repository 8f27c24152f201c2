// SPDX-License-Identifier: GPL-2.0-or-later

extension LoopMeasurement {
    /// What the loop did over the whole run, from the measurement's segments: the latency that
    /// held for most of the probe, its range, and where it started and ended. `latency` (the
    /// contract's member) stays the delay at the reference's start; on a damaged run that can be
    /// far from what the loop did most of the time. JSON member `headline` (see `docs/measure.md`).
    public struct Headline: Codable, Sendable, Equatable {
        /// The latency of the segment that carries the most probe frames.
        public var dominantSamples: Double
        public var dominantMS: Double
        /// Index (0-based) of that segment in `segments`.
        public var dominantSegment: Int
        /// Fraction of the probe's frames that segment carries (0–1).
        public var dominantShare: Double
        public var minMS: Double
        public var maxMS: Double
        /// Latency at the probe's first captured frame and at its last (drift included).
        public var startMS: Double
        public var endMS: Double
        public var segmentCount: Int

        enum CodingKeys: String, CodingKey {
            case dominantSamples = "dominant_latency_samples"
            case dominantMS = "dominant_latency_ms"
            case dominantSegment = "dominant_segment"
            case dominantShare = "dominant_share"
            case minMS = "min_latency_ms"
            case maxMS = "max_latency_ms"
            case startMS = "start_latency_ms"
            case endMS = "end_latency_ms"
            case segmentCount = "segment_count"
        }

        /// The headline of `m`, or nil when it has no segments (a `no-signal` verdict).
        public static func of(_ m: LoopMeasurement) -> Headline? {
            guard let segs = m.segments, !segs.isEmpty, m.sampleRate > 0 else { return nil }
            let carried = segs.map { probeFrames(in: $0, referenceFrames: m.reference.frames) }
            let total = carried.reduce(0, +)
            // With no probe frame in any segment (a segment list that does not cover the probe)
            // the longest segment stands for the run.
            let weights = total > 0 ? carried : segs.map { Double($0.captureEnd - $0.captureStart) }
            var best = 0
            for i in weights.indices where weights[i] > weights[best] { best = i }
            let ms = 1000 / Double(m.sampleRate)
            let drift = (m.driftPPM ?? 0) * 1e-6
            let last = segs[segs.count - 1]
            // The last segment's delay is given at its first frame; with drift it moves on by
            // drift × the probe frames it carries.
            let end = last.delaySamples + drift * probeFrames(in: last, referenceFrames: m.reference.frames)
            let delays = segs.map(\.delaySamples) + [end]
            return Headline(
                dominantSamples: segs[best].delaySamples, dominantMS: segs[best].delaySamples * ms, dominantSegment: best,
                dominantShare: total > 0 ? carried[best] / total : 0,
                minMS: delays.min()! * ms, maxMS: delays.max()! * ms,
                startMS: segs[0].delaySamples * ms, endMS: end * ms, segmentCount: segs.count)
        }

        /// Probe frames a segment carries: its capture span intersected with where the probe
        /// lies in the capture at the segment's delay.
        static func probeFrames(in s: Segment, referenceFrames: Int) -> Double {
            let lo = max(Double(s.captureStart), s.delaySamples)
            let hi = min(Double(s.captureEnd), s.delaySamples + Double(referenceFrames))
            return max(0, hi - lo)
        }
    }
}
