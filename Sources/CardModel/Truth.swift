// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The card model's ground truth for one run, taken from its own log.
///
/// `events` has exactly the measurement's event fields, so it compares one to one with
/// the analyzer; `event_reasons` says, in the same order, why each happened.
public struct CardModelTruth: Codable, Sendable, Equatable {
    public struct Artifact: Codable, Sendable, Equatable {
        public var kind: String
        public var place: String
        public var timeS: Double
        public var frames: Int
        public var reason: String
        enum CodingKeys: String, CodingKey {
            case kind, place, frames, reason
            case timeS = "time_s"
        }
    }

    public struct PulseAttributes: Codable, Sendable, Equatable {
        public var tlength: Int
        public var minreq: Int
        public var prebuf: Int
        public var maxlength: Int
        public var fragsize: Int
        public var sinkBlock: Int
        public var staleCapture: Int
        enum CodingKeys: String, CodingKey {
            case tlength, minreq, prebuf, maxlength, fragsize
            case sinkBlock = "sink_block"
            case staleCapture = "stale_capture"
        }
    }

    /// True round trip at the reference start, in capture frames (nil when no signal came back).
    public var latencySamples: Double?
    public var latencyMS: Double?
    public var events: [Event]
    public var eventReasons: [String]
    public var segments: [LoopMeasurement.Segment]
    /// Every xrun the model logged, including those outside the probe.
    public var artifacts: [Artifact]
    public var xrunsByPlace: [String: Int]
    /// Time-weighted occupancy of each buffer, in ms.
    public var occupancyMS: [String: Double]
    /// Mean time a frame spends between the guest's playback DMA and the host sink (HDA ring + mixeng + backend queue).
    public var playbackQEMUSideMS: Double
    public var hdaCorrections: [String: Int]
    /// Times (s) of the ±1/−4 ms playback corrections after the start-up ramp (first 200).
    public var outCorrectionTimesS: [Double]
    public var pulse: PulseAttributes?
    /// Range of the HDA playback ring fill right after each audio tick, once the start-up ramp is over (ms).
    public var hdaOutFillAfterTickMS: [Double]?
    public var simulatedSeconds: Double

    enum CodingKeys: String, CodingKey {
        case events, segments, artifacts, pulse
        case latencySamples = "latency_samples"
        case latencyMS = "latency_ms"
        case eventReasons = "event_reasons"
        case xrunsByPlace = "xruns_by_place"
        case occupancyMS = "occupancy_ms"
        case playbackQEMUSideMS = "playback_qemu_side_ms"
        case hdaCorrections = "hda_corrections"
        case outCorrectionTimesS = "out_correction_times_s"
        case simulatedSeconds = "simulated_seconds"
        case hdaOutFillAfterTickMS = "hda_out_fill_after_tick_ms"
    }

    /// The truth as a JSON value for ``LoopCapture/truth``.
    public var jsonValue: JSONValue {
        guard let data = try? JSONCoding.encode(self, pretty: false),
              let v = try? JSONDecoder().decode(JSONValue.self, from: data) else { return .null }
        return v
    }
}

/// The capture (audio) and the per-frame source of each capture frame.
struct Decoded {
    var audio: [Float]
    /// Stimulus frame (fractional with resampling) each capture frame carries, NaN where none.
    var source: [Double]
    var cause: [Int32]
}

extension Simulation {
    /// Renders the guest's capture from frame P on into audio, tracing every frame back to
    /// the stimulus frame it carries.
    func decode() -> Decoded {
        var audio = [Float](repeating: 0, count: capFrames)
        var source = [Double](repeating: .nan, count: capFrames)
        var cause = [Int32](repeating: -1, count: capFrames)
        var hCap = 0, hIn = 0, hOut = 0
        let p64 = Int64(P), l64 = Int64(L)

        @inline(__always) func aValue(_ a: Int64) -> (Float, Double) {
            let s = a - p64
            if a >= 0 && s >= 0 && s < l64 { return (stim[Int(s)], Double(s)) }
            return (0, .nan)
        }
        // B-domain tag (backend playback frame) → value, source, cause.
        func bDecode(_ b: Int64, _ hOut: inout Int) -> (Float, Double, Int32) {
            if b < 0 { return (0, .nan, -1) }
            if convOut.identity { let (v, s) = aValue(b); return (v, s, -1) }
            let (i, f) = convOut.inputPosition(of: b)
            let (a0, c0) = convOut.log.tag(at: i, hint: &hOut)
            let (a1, _) = convOut.log.tag(at: i + 1, hint: &hOut)
            let (v0, s0) = aValue(a0)
            let (v1, s1) = a1 >= 0 ? aValue(a1) : (Float(0), Double.nan)
            let v = Float(1 - f) * v0 + Float(f) * v1
            var s = Double.nan
            if !s0.isNaN {
                if f == 0 { s = s0 } else if !s1.isNaN && s1 == s0 + 1 { s = s0 + f }
            }
            return (v, s, c0)
        }

        var pos = Int64(P)
        for q in 0..<capFrames {
            let (d, dc) = guestCap.tag(at: pos, hint: &hCap)
            pos += 1
            var c = dc
            if d < 0 { cause[q] = c; continue }
            if convIn.identity {
                let (v, s, bc) = bDecode(d, &hOut)
                audio[q] = v
                source[q] = s
                if c < 0 { c = bc }
            } else {
                let (i, f) = convIn.inputPosition(of: d)
                let (c0, cc0) = convIn.log.tag(at: i, hint: &hIn)
                let (c1, _) = convIn.log.tag(at: i + 1, hint: &hIn)
                let (v0, s0, bc0) = bDecode(c0, &hOut)
                let (v1, s1, _) = c1 >= 0 ? bDecode(c1, &hOut) : (0, .nan, -1)
                audio[q] = Float(1 - f) * v0 + Float(f) * v1
                if !s0.isNaN {
                    if f == 0 { source[q] = s0 } else if !s1.isNaN && abs(s1 - s0 - Double(gr) / Double(hrI)) < 0.01 {
                        source[q] = s0 + f * (s1 - s0)
                    }
                }
                if c < 0 { c = cc0 >= 0 ? cc0 : bc0 }
            }
            cause[q] = c
        }
        return Decoded(audio: audio, source: source, cause: cause)
    }

    /// Ground truth from the decoded capture and the model's log.
    func truth(_ dec: Decoded) -> CardModelTruth {
        struct Seg { var start: Int; var end: Int; var delay: Double }
        var raw: [Seg] = []
        var cur: Seg? = nil
        for q in 0..<capFrames {
            let s = dec.source[q]
            if s.isNaN {
                if let c = cur { raw.append(c); cur = nil }
                continue
            }
            let d = Double(q) - s
            if var c = cur, abs(d - c.delay) <= 0.5, q == c.end {
                c.end = q + 1
                cur = c
            } else {
                if let c = cur { raw.append(c) }
                cur = Seg(start: q, end: q + 1, delay: d)
            }
        }
        if let c = cur { raw.append(c) }
        // Short stretches at another delay count as replaced audio, not as segments.
        let minSeg = max(16, gr / 1000)
        let main = raw.filter { $0.end - $0.start >= minSeg }

        var events: [Event] = []
        var reasons: [String] = []
        func reason(forFiller a: Int, _ b: Int) -> String? {
            for q in a..<b where dec.cause[q] >= 0 { return artifacts[Int(dec.cause[q])].reason }
            return nil
        }
        func reason(forMissing lo: Int64, _ hi: Int64) -> String? {
            // Missing stimulus frames lo...hi (guest stream frames).
            for art in artifacts where art.aLo >= 0 && art.aHi >= lo - 2 && art.aLo <= hi + 2 { return art.reason }
            return nil
        }
        for i in 1..<max(1, main.count) {
            let s1 = main[i - 1], s2 = main[i]
            let x = s2.start - s1.end
            let delta = Int((s2.delay - s1.delay).rounded())
            var hasSignal = false
            for q in s1.end..<s2.start where !dec.source[q].isNaN { hasSignal = true; break }
            let fillerReason = x > 0 ? reason(forFiller: s1.end, s2.start) : nil
            let lastSrc = Int64((Double(s1.end - 1) - s1.delay).rounded()) + Int64(P)
            let missingReason = reason(forMissing: lastSrc + 1, lastSrc + Int64(max(1, x - delta)))
            func add(_ kind: Event.Kind, _ size: Int, _ why: String?) {
                guard size > 0 else { return }
                events.append(Event(kind: kind, captureSample: s1.end, sizeSamples: size, sampleRate: gr))
                reasons.append(why ?? fillerReason ?? missingReason ?? "\(kind.rawValue) of \(ms(size, gr)) ms (cause not logged)")
            }
            if x == 0 {
                if delta > 0 { add(.repeat, delta, fillerReason) }
                if delta < 0 { add(.drop, -delta, missingReason) }
            } else {
                add(hasSignal ? .repeat : .gap, x, fillerReason)
                if x - delta > 0 { add(.drop, x - delta, missingReason ?? fillerReason) }
                if delta > x { add(.repeat, delta - x, fillerReason) }
            }
        }

        var latency: Double? = nil
        if let first = main.first {
            latency = first.delay
            for sg in main where Double(sg.start) - sg.delay <= 0.5 && Double(sg.end) - sg.delay > 0 { latency = sg.delay; break }
        }

        let total = Double(max(1, lastT))
        var occMS: [String: Double] = [:]
        for (i, name) in Simulation.occNames.enumerated() {
            let rate = (i == 2 || i == 3) ? hrO : (i == 4 || i == 5) ? hrI : gr
            if (i == 1 || i == 6) && s.device != .hda { continue }
            occMS[name] = (Double(occ[i]) / total) * 1000 / Double(rate)
        }
        let backendName: String
        switch s.backend {
        case .pa: backendName = "PA"
        case .pipewire: backendName = "PipeWire"
        case .alsa: backendName = "ALSA"
        case .jack: backendName = "JACK"
        case .wav, .none: backendName = "wav"
        }
        occMS["\(backendName) queue out"] = occMS.removeValue(forKey: "backend out")
        occMS["\(backendName) queue in"] = occMS.removeValue(forKey: "backend in")
        let qemuSide = (occMS["HDA ring out"] ?? 0) + (occMS["mixeng out"] ?? 0) + (occMS["\(backendName) queue out"] ?? 0)

        var corr: [String: Int] = [:]
        for (k, v) in corrOut where k != 0 { corr["out \(k > 0 ? "+" : "")\(k) ms"] = v }
        for (k, v) in corrIn where k != 0 { corr["in \(k > 0 ? "+" : "")\(k) ms"] = v }

        var pulse: CardModelTruth.PulseAttributes? = nil
        if s.backend == .pa {
            pulse = .init(tlength: paTl, minreq: paMinreq, prebuf: paPrebuf, maxlength: paMaxlen,
                          fragsize: ((s.timerPeriodUS >> 1) * 3) * hrI / 1_000_000, sinkBlock: quantum, staleCapture: paStale)
        }
        return CardModelTruth(
            latencySamples: latency, latencyMS: latency.map { $0 * 1000 / Double(gr) },
            events: events, eventReasons: reasons,
            segments: main.map { LoopMeasurement.Segment(captureStart: $0.start, captureEnd: $0.end, delaySamples: $0.delay) },
            artifacts: artifacts.map { .init(kind: $0.kind, place: $0.place, timeS: Double($0.timeNs) / 1e9, frames: $0.frames, reason: $0.reason) },
            xrunsByPlace: xruns, occupancyMS: occMS, playbackQEMUSideMS: qemuSide,
            hdaCorrections: corr, outCorrectionTimesS: outCorrectionTimes, pulse: pulse,
            hdaOutFillAfterTickMS: outFillMin <= outFillMax ? [Double(outFillMin) * 1000 / Double(gr), Double(outFillMax) * 1000 / Double(gr)] : nil,
            simulatedSeconds: Double(lastT) / 1e9)
    }
}
