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

/// A forward-moving reader of a ``RunLog`` (positions mostly increase).
struct LogCursor {
    let log: RunLog
    var j = 0
    init(log: RunLog) { self.log = log }

    mutating func tag(at pos: Int64) -> (Int64, Int32) {
        if pos < 0 || pos >= log.end || log.runs.isEmpty { return (-1, -1) }
        if pos < log.starts[j] { j = log.index(of: pos) ?? 0 }
        while pos >= log.starts[j] + Int64(log.runs[j].count) { j += 1 }
        let r = log.runs[j]
        return (r.tag < 0 ? -1 : r.tag + (pos - log.starts[j]), r.cause)
    }

    /// The tag and cause at `pos` and how many frames the run goes on from there (silence to the end past the log).
    mutating func run(at pos: Int64) -> (Int64, Int32, Int) {
        if pos < 0 || pos >= log.end || log.runs.isEmpty { return (-1, -1, Int.max) }
        if pos < log.starts[j] { j = log.index(of: pos) ?? 0 }
        while pos >= log.starts[j] + Int64(log.runs[j].count) { j += 1 }
        let r = log.runs[j]
        let off = pos - log.starts[j]
        return (r.tag < 0 ? -1 : r.tag + off, r.cause, r.count - Int(off))
    }

    /// The tag at `pos` without moving (pos at or just after the cursor's run).
    func peek(_ pos: Int64) -> (Int64, Int32) {
        if pos < 0 || pos >= log.end || log.runs.isEmpty { return (-1, -1) }
        var k = j
        if pos < log.starts[k] { return (-1, -1) }
        while pos >= log.starts[k] + Int64(log.runs[k].count) { k += 1 }
        let r = log.runs[k]
        return (r.tag < 0 ? -1 : r.tag + (pos - log.starts[k]), r.cause)
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
        let p64 = Int64(P), l64 = Int64(L)

        // Playback side: value, source and cause of every backend-domain (B) frame, computed
        // once in a single pass (incremental positions, no divisions).
        let (bVal, bSrc, bCause) = playbackTable()
        let stim = self.stim
        let outIdentity = convOut.identity
        @inline(__always) func bDecode(_ b: Int64) -> (Float, Double, Int32) {
            if b < 0 { return (0, .nan, -1) }
            if outIdentity {
                let s = b - p64
                if s >= 0 && s < l64 { return (stim[Int(s)], Double(s), -1) }
                return (0, .nan, -1)
            }
            let k = Int(b)
            guard k < bVal.count else { return (0, .nan, -1) }
            return (bVal[k], bSrc[k], bCause[k])
        }
        var capCur = LogCursor(log: guestCap)
        if convIn.identity {
            // Run by run: a capture run is a stretch of consecutive backend frames.
            var q = 0
            while q < capFrames {
                let (d, dc, left) = capCur.run(at: Int64(P + q))
                let n = min(left, capFrames - q)
                if d < 0 {
                    if dc >= 0 { for k in q..<(q + n) { cause[k] = dc } }
                } else if convOut.identity {
                    // Only the part of the run that carries the stimulus needs writing.
                    let lo = max(0, Int(p64 - d)), hi = min(n, Int(p64 + l64 - d))
                    if lo < hi {
                        let s0 = Int(d - p64)
                        audio.withUnsafeMutableBufferPointer { a in
                            stim.withUnsafeBufferPointer { st in
                                for k in lo..<hi { a[q + k] = st[s0 + k] }
                            }
                        }
                        source.withUnsafeMutableBufferPointer { sr in
                            for k in lo..<hi { sr[q + k] = Double(s0 + k) }
                        }
                    }
                    if dc >= 0 { for k in q..<(q + n) { cause[k] = dc } }
                } else {
                    for k in 0..<n {
                        let (v, s, bc) = bDecode(d + Int64(k))
                        audio[q + k] = v
                        source[q + k] = s
                        cause[q + k] = dc >= 0 ? dc : bc
                    }
                }
                q += n
            }
        } else {
            var inCur = LogCursor(log: convIn.log)
            let inR = Int64(convIn.inRate), outR = Int64(convIn.outRate)
            let step = Double(inR) / Double(outR)
            let inv = 1 / step
            var q = 0
            while q < capFrames {
                let (d0, dc, left) = capCur.run(at: Int64(P + q))
                let n = min(left, capFrames - q)
                if d0 < 0 {
                    if dc >= 0 { for k in q..<(q + n) { cause[k] = dc } }
                    q += n
                    continue
                }
                // Consecutive outputs d0, d0+1, …: input position advances by inR/outR, kept exact.
                let num = d0 * inR
                var i = num / outR
                var rem = num % outR
                var rs: Int64 = 0, re: Int64 = -1, rt: Int64 = -1, rc: Int32 = -1
                for k in q..<(q + n) {
                    let f = Double(rem) / Double(outR)
                    var c0: Int64, cc0: Int32, c1: Int64
                    if i >= rs && i + 1 < re {
                        c0 = rt < 0 ? -1 : rt + (i - rs)
                        c1 = rt < 0 ? -1 : c0 + 1
                        cc0 = rc
                    } else {
                        (c0, cc0) = inCur.tag(at: i)
                        (c1, _) = inCur.peek(i + 1)
                        if i >= 0 && i < inCur.log.end {
                            rs = inCur.log.starts[inCur.j]
                            re = rs + Int64(inCur.log.runs[inCur.j].count)
                            rt = inCur.log.runs[inCur.j].tag
                            rc = inCur.log.runs[inCur.j].cause
                        }
                    }
                    let (v0, s0, bc0) = bDecode(c0)
                    let (v1, s1, _) = bDecode(c1)
                    audio[k] = Float(1 - f) * v0 + Float(f) * v1
                    if !s0.isNaN {
                        if rem == 0 { source[k] = s0 } else if !s1.isNaN && abs(s1 - s0 - inv) < 0.01 { source[k] = s0 + f * (s1 - s0) }
                    }
                    cause[k] = dc >= 0 ? dc : (cc0 >= 0 ? cc0 : bc0)
                    rem += inR
                    while rem >= outR { rem -= outR; i += 1 }
                }
                q += n
            }
        }
        return Decoded(audio: audio, source: source, cause: cause)
    }

    /// Value, stimulus position and cause of every backend-domain (B) playback frame, in one
    /// pass over the resampler's input (incremental positions, no divisions). Empty when the
    /// playback side does not resample.
    func playbackTable() -> ([Float], [Double], [Int32]) {
        guard !convOut.identity else { return ([], [], []) }
        let p64 = Int64(P), l64 = Int64(L)
        let stim = self.stim
        var bVal: [Float], bSrc: [Double], bCause: [Int32]

            let n = Int(convOut.outTotal)
        bVal = [Float](repeating: 0, count: n)
        bSrc = [Double](repeating: .nan, count: n)
        bCause = [Int32](repeating: -1, count: n)
            var cur = LogCursor(log: convOut.log)
            let inR = Int64(convOut.inRate), outR = Int64(convOut.outRate)
            var i: Int64 = 0, rem: Int64 = 0
            // Current input run, cached: [rs, re) with tag rt at rs.
            var rs: Int64 = 0, re: Int64 = -1, rt: Int64 = -1, rc: Int32 = -1
            for k in 0..<n {
                let f = Double(rem) / Double(outR)
                var a0: Int64, c0: Int32, a1: Int64
                if i >= rs && i + 1 < re {
                    a0 = rt < 0 ? -1 : rt + (i - rs)
                    a1 = rt < 0 ? -1 : a0 + 1
                    c0 = rc
                } else {
                    (a0, c0) = cur.tag(at: i)
                    (a1, _) = cur.peek(i + 1)
                    if i >= 0 && i < cur.log.end {
                        rs = cur.log.starts[cur.j]
                        re = rs + Int64(cur.log.runs[cur.j].count)
                        rt = cur.log.runs[cur.j].tag
                        rc = cur.log.runs[cur.j].cause
                    }
                }
                let s0 = a0 - p64, s1 = a1 - p64
                let ok0 = a0 >= 0 && s0 >= 0 && s0 < l64
                let ok1 = a1 >= 0 && s1 >= 0 && s1 < l64
                let v0: Float = ok0 ? stim[Int(s0)] : 0
                let v1: Float = ok1 ? stim[Int(s1)] : 0
                bVal[k] = Float(1 - f) * v0 + Float(f) * v1
                if ok0 && (rem == 0 || (ok1 && s1 == s0 + 1)) { bSrc[k] = Double(s0) + f }
                bCause[k] = c0
                rem += inR
                while rem >= outR { rem -= outR; i += 1 }
            }
                return (bVal, bSrc, bCause)
    }

    /// Ground truth from the decoded capture and the model's log.
    func truth(_ dec: Decoded) -> CardModelTruth {
        struct Seg { var start: Int; var end: Int; var delay: Double }
        var raw: [Seg] = []
        var open = false
        var cs = 0, ce = 0
        var cd = 0.0
        dec.source.withUnsafeBufferPointer { src in
            for q in 0..<capFrames {
                let s = src[q]
                if s.isNaN {
                    if open { raw.append(Seg(start: cs, end: ce, delay: cd)); open = false }
                    continue
                }
                let d = Double(q) - s
                if open && abs(d - cd) <= 0.5 && q == ce {
                    ce = q + 1
                } else {
                    if open { raw.append(Seg(start: cs, end: ce, delay: cd)) }
                    open = true
                    cs = q
                    ce = q + 1
                    cd = d
                }
            }
        }
        if open { raw.append(Seg(start: cs, end: ce, delay: cd)) }
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
        // The probe's first frames replaced (stale ring contents, silence) before the first segment.
        if let first = main.first {
            let at = Int(first.delay.rounded())
            let x = first.start - at
            if at >= 0 && x >= 1 {
                var hasSignal = false
                for q in at..<first.start where !dec.source[q].isNaN { hasSignal = true; break }
                let why = reason(forFiller: at, first.start) ?? reason(forMissing: Int64(P), Int64(P + x - 1))
                    ?? "the first \(ms(x, gr)) ms of the probe never reached the capture"
                events.append(Event(kind: hasSignal ? .repeat : .gap, captureSample: at, sizeSamples: x, sampleRate: gr))
                reasons.append(why)
                events.append(Event(kind: .drop, captureSample: at, sizeSamples: x, sampleRate: gr))
                reasons.append(why)
            }
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
