// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// What the report draws for the worst trial: the capture and the residual (capture minus the
/// aligned, scaled reference), decimated to min/max envelopes, the events, and the delay track.
///
/// The runner keeps it in `worst-trial.json` beside the journal, replacing it whenever a worse
/// trial finishes, so that a resumed sweep still has it.
public struct WorstTrace: Codable, Sendable, Equatable {
    public struct Marker: Codable, Sendable, Equatable {
        public var kind: String
        public var captureSample: Int
        public var sizeSamples: Int
        public var reason: String?
        enum CodingKeys: String, CodingKey {
            case kind
            case captureSample = "capture_sample"
            case sizeSamples = "size_samples"
            case reason
        }
    }
    /// A step of the delay track: from `captureStart`, the delay is `delayMS`.
    public struct DelayStep: Codable, Sendable, Equatable {
        public var captureStart: Int
        public var captureEnd: Int
        public var delayMS: Double
        enum CodingKeys: String, CodingKey {
            case captureStart = "capture_start"
            case captureEnd = "capture_end"
            case delayMS = "delay_ms"
        }
    }

    public var trialID: String
    public var pointIndex: Int
    public var repeatIndex: Int
    public var seed: UInt64
    public var settings: [String: String]
    public var verdict: String
    public var crackles: Int
    public var latencyMS: Double?
    public var sampleRate: Int
    public var frames: Int
    /// Capture frames per envelope bucket.
    public var bucket: Int
    public var captureMin: [Float]
    public var captureMax: [Float]
    public var residualMin: [Float]
    public var residualMax: [Float]
    /// The analyzer's events.
    public var events: [Marker]
    /// The card model's own events, with their reasons (sim only).
    public var truthEvents: [Marker]
    /// The delay the analyzer measured, segment by segment.
    public var delayTrack: [DelayStep]

    enum CodingKeys: String, CodingKey {
        case trialID = "trial_id"
        case pointIndex = "point"
        case repeatIndex = "repeat"
        case seed, settings, verdict, crackles
        case latencyMS = "latency_ms"
        case sampleRate = "sample_rate"
        case frames, bucket
        case captureMin = "capture_min"
        case captureMax = "capture_max"
        case residualMin = "residual_min"
        case residualMax = "residual_max"
        case events
        case truthEvents = "truth_events"
        case delayTrack = "delay_track"
    }

    /// Checks what the report's figure relies on: a positive sample rate, envelopes whose
    /// minimum and maximum halves have the same length, and frame positions inside the range
    /// a capture can have. The error names the field.
    public func validate(path: String) throws(LoopbenchError) {
        func bad(_ field: String, _ why: String) -> LoopbenchError { .badData(path, "\(field): \(why)") }
        let limit = 1 << 40
        guard sampleRate > 0 else { throw bad("sample_rate", "must be greater than 0") }
        guard frames >= 0 && frames < limit else { throw bad("frames", "out of range") }
        guard captureMin.count == captureMax.count else { throw bad("capture_min", "not as long as capture_max") }
        guard residualMin.count == residualMax.count else { throw bad("residual_min", "not as long as residual_max") }
        for (i, d) in delayTrack.enumerated() where !(-limit..<limit).contains(d.captureStart) || !(-limit..<limit).contains(d.captureEnd) {
            throw bad("delay_track[\(i)]", "a frame position is out of range")
        }
    }

    /// How bad a trial is: more crackles first (their figure is the one worth drawing), then
    /// no signal at all, then more latency.
    public static func badness(_ m: LoopMeasurement) -> (Int, Int, Double) {
        (m.crackles, m.verdict == .noSignal ? 1 : 0, m.latency?.ms ?? 0)
    }

    public static func isWorse(_ a: LoopMeasurement, than b: LoopMeasurement) -> Bool {
        badness(a) > badness(b)
    }

    /// Builds the trace from a trial's reference, capture and measurement.
    public static func make(record: TrialRecord, reference: [Float], capture: [Float], measurement m: LoopMeasurement, buckets: Int = 1000) -> WorstTrace {
        let n = capture.count
        let bucket = max(1, (n + buckets - 1) / max(1, buckets))
        var residual = capture
        if m.verdict != .noSignal, let lat = m.latency {
            let gain = Float(pow(10, (m.gainDB ?? 0) / 20)) * Float(m.polarity ?? 1)
            let segs = (m.segments?.isEmpty == false) ? m.segments! : [LoopMeasurement.Segment(captureStart: 0, captureEnd: n, delaySamples: lat.samples)]
            let sinc = SincInterpolator(halfWidth: 8, phases: 256)
            reference.withUnsafeBufferPointer { ref in
                for s in segs {
                    let lo = max(0, s.captureStart), hi = min(n, s.captureEnd)
                    guard lo < hi else { continue }
                    for i in lo..<hi {
                        let x = Double(i) - s.delaySamples
                        if x < -8 || x > Double(ref.count + 8) { continue }
                        residual[i] = capture[i] - gain * Float(sinc.value(at: x, in: ref))
                    }
                }
            }
        }
        func envelope(_ s: [Float]) -> ([Float], [Float]) {
            var lo: [Float] = [], hi: [Float] = []
            var i = 0
            while i < s.count {
                let j = min(s.count, i + bucket)
                var a = Float.infinity, b = -Float.infinity
                for k in i..<j { a = min(a, s[k]); b = max(b, s[k]) }
                lo.append((a * 10000).rounded() / 10000)
                hi.append((b * 10000).rounded() / 10000)
                i = j
            }
            return (lo, hi)
        }
        let (cmin, cmax) = envelope(capture)
        let (rmin, rmax) = envelope(residual)
        let events = m.events.map { Marker(kind: $0.kind.rawValue, captureSample: $0.captureSample, sizeSamples: $0.sizeSamples, reason: nil) }
        let track = (m.segments ?? []).map { DelayStep(captureStart: $0.captureStart, captureEnd: $0.captureEnd, delayMS: $0.delaySamples * 1000 / Double(m.sampleRate)) }
        return WorstTrace(
            trialID: record.id, pointIndex: record.pointIndex, repeatIndex: record.repeatIndex, seed: record.seed,
            settings: record.settings, verdict: m.verdict.rawValue, crackles: m.crackles, latencyMS: m.latency?.ms,
            sampleRate: m.sampleRate, frames: n, bucket: bucket, captureMin: cmin, captureMax: cmax,
            residualMin: rmin, residualMax: rmax, events: events, truthEvents: TruthLog.events(m), delayTrack: track)
    }
}

/// The card model's ground truth as the sweep's reports use it (typed: ``CardModelTruth``).
public enum TruthLog {
    /// The model's events, each with its kind, capture frame, size and the model's reason.
    public static func events(_ m: LoopMeasurement) -> [WorstTrace.Marker] {
        guard let t = m.cardModelTruth else { return [] }
        return t.events.enumerated().map { i, e in
            let reason = i < t.eventReasons.count && !t.eventReasons[i].isEmpty ? t.eventReasons[i] : nil
            return WorstTrace.Marker(kind: e.kind.rawValue, captureSample: e.captureSample, sizeSamples: e.sizeSamples, reason: reason)
        }
    }

    /// The model's xruns (also those outside the probe) with their place and reason.
    public static func artifacts(_ m: LoopMeasurement) -> [CardModelTruth.Artifact] { m.cardModelTruth?.artifacts ?? [] }

    /// The model's true round-trip latency in ms, when it gives one: read from the truth's
    /// `latency_ms` member alone (decoding the whole truth, its segments, artifacts and
    /// occupancy, for this one number was half the time a default sweep spent writing its
    /// report after the last trial).
    public static func latencyMS(_ m: LoopMeasurement) -> Double? {
        guard case .object(let o)? = m.truth, case .number(let v)? = o["latency_ms"] else { return nil }
        return v
    }
}
