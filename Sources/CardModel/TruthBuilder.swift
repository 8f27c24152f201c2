// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The truth builder: the run's ground truth (``CardModelTruth``) from the rendered capture
/// and the model's own log.
///
/// Stretches of the capture that carry the stimulus at one delay (at least max(16, rate/1000)
/// frames) are segments; between two segments the truth names a `gap` (frames without the
/// stimulus), a `repeat` (frames that are mostly earlier audio) or a `drop` (stimulus frames
/// that never arrive), each with the reason of the artifact that produced it. The rules are
/// explained in `Sources/CardModel/README.md` ("Ground truth").
struct TruthBuilder {
    let run: ModelRun
    let capture: RenderedCapture

    private var gr: Int { run.guestRate }
    private var artifacts: [Artifact] { run.log.artifacts }

    func build() -> CardModelTruth {
        // Short stretches at another delay count as replaced audio, not as segments.
        let minSeg = max(16, gr / 1000)
        let main = capture.segments.filter { $0.end - $0.start >= minSeg }
        var events: [Event] = []
        var reasons: [String] = []
        leadingReplacement(main, &events, &reasons)
        for i in 1..<max(1, main.count) { eventsBetween(main[i - 1], main[i], &events, &reasons) }

        var latency: Double? = nil
        if let first = main.first {
            latency = first.delay
            for sg in main where Double(sg.start) - sg.delay <= 0.5 && Double(sg.end) - sg.delay > 0 { latency = sg.delay; break }
        }
        let occMS = occupancyMS()
        let queue = run.backendQueueName
        let qemuSide = (occMS["HDA ring out"] ?? 0) + (occMS["mixeng out"] ?? 0) + (occMS["\(queue) queue out"] ?? 0)

        let hda = run.hda
        var corr: [String: Int] = [:]
        for (k, v) in hda.playbackCorrections where k != 0 { corr["out \(k > 0 ? "+" : "")\(k) ms"] = v }
        for (k, v) in hda.captureCorrections where k != 0 { corr["in \(k > 0 ? "+" : "")\(k) ms"] = v }

        return CardModelTruth(
            latencySamples: latency, latencyMS: latency.map { $0 * 1000 / Double(gr) },
            events: events, eventReasons: reasons,
            segments: main.map { LoopMeasurement.Segment(captureStart: $0.start, captureEnd: $0.end, delaySamples: $0.delay) },
            artifacts: artifacts.map { .init(kind: $0.kind, place: $0.place, timeS: Double($0.timeNs) / 1e9, frames: $0.frames, reason: $0.reason) },
            xrunsByPlace: run.log.xruns, occupancyMS: occMS, playbackQEMUSideMS: qemuSide,
            hdaCorrections: corr, outCorrectionTimesS: hda.playbackCorrectionTimesS, pulse: run.pulse,
            hdaOutFillAfterTickMS: hda.playbackFillMin <= hda.playbackFillMax
                ? [Double(hda.playbackFillMin) * 1000 / Double(gr), Double(hda.playbackFillMax) * 1000 / Double(gr)] : nil,
            simulatedSeconds: Double(run.simulatedNs) / 1e9)
    }

    /// The reason of the first artifact behind capture frames `a..<b`.
    private func reason(forFiller a: Int, _ b: Int) -> String? {
        if let c = capture.causes.first(in: a, b) { return artifacts[Int(c)].reason }
        return nil
    }

    /// The reason of an artifact that removed or replaced guest-stream frames `lo...hi` (±2).
    private func reason(forMissing lo: Int64, _ hi: Int64) -> String? {
        for art in artifacts where art.firstGuestFrame >= 0 && art.lastGuestFrame >= lo - 2 && art.firstGuestFrame <= hi + 2 { return art.reason }
        return nil
    }

    /// The probe's first frames replaced (stale ring contents, silence) before the first
    /// segment: a gap (or repeat) and a drop of the same size where the probe should start.
    private func leadingReplacement(_ main: [SegmentTrace.Seg], _ events: inout [Event], _ reasons: inout [String]) {
        guard let first = main.first else { return }
        let P = run.prefillFrames
        let at = Int(first.delay.rounded())
        let x = first.start - at
        guard at >= 0 && x >= 1 else { return }
        let hasSignal = capture.mostlySignal(at, first.start)
        let why = reason(forFiller: at, first.start) ?? reason(forMissing: Int64(P), Int64(P + x - 1))
            ?? "the first \(ms(x, gr)) ms of the probe never reached the capture"
        events.append(Event(kind: hasSignal ? .repeat : .gap, captureSample: at, sizeSamples: x, sampleRate: gr))
        reasons.append(why)
        events.append(Event(kind: .drop, captureSample: at, sizeSamples: x, sampleRate: gr))
        reasons.append(why)
    }

    /// What happened between two consecutive segments: `x` capture frames between them and a
    /// delay change `delta` make a gap, repeat and/or drop.
    private func eventsBetween(_ s1: SegmentTrace.Seg, _ s2: SegmentTrace.Seg, _ events: inout [Event], _ reasons: inout [String]) {
        let P = run.prefillFrames
        let hrO = run.playbackRate, hrI = run.captureRate
        // Capture frames an interpolation across one backend-domain edge can reach: two host
        // frames on each resampler, each worth guest/host rate capture frames.
        let mixWidth = 2 * ((gr + min(hrO, hrI) - 1) / min(hrO, hrI))
        let x = s2.start - s1.end
        let delta = Int((s2.delay - s1.delay).rounded())
        let hasSignal = capture.hasSignal(s1.end, s2.start)
        let fillerReason = x > 0 ? reason(forFiller: s1.end, s2.start) : nil
        let lastSrc = Int64((Double(s1.end - 1) - s1.delay).rounded()) + Int64(P)
        let missingReason = reason(forMissing: lastSrc + 1, lastSrc + Int64(max(1, x - delta)))
        func add(_ kind: Event.Kind, _ size: Int, _ why: String?) {
            guard size > 0 else { return }
            events.append(Event(kind: kind, captureSample: s1.end, sizeSamples: size, sampleRate: gr))
            reasons.append(why ?? fillerReason ?? missingReason ?? "\(kind.rawValue) of \(ms(size, gr)) ms (cause not logged)")
        }
        // Silence inserted into a resampled stream moves the delay by a fractional amount
        // and leaves partial frames at both edges: the number of wholly silent frames can
        // differ from the shift by a few frames. That is one gap of the shift, not a gap
        // plus a 1-frame drop or repeat.
        let resampled = !run.playbackResampler.identity || !run.captureResampler.identity
        // Likewise a jump (drop or repeat) in a resampled stream leaves a few frames that
        // mix both sides of it: no gap, just the jump.
        var mixes = resampled && x > 0 && x <= mixWidth
        if mixes { for q in s1.end..<s2.start where capture.audio[q] == 0 { mixes = false } }
        if x > 0 && !hasSignal && resampled && delta > 0 && abs(x - delta) <= mixWidth {
            add(.gap, delta, fillerReason)
        } else if x == 0 || mixes {
            if delta > 0 { add(.repeat, delta, fillerReason) }
            if delta < 0 { add(.drop, -delta, missingReason) }
        } else {
            add(capture.mostlySignal(s1.end, s2.start) ? .repeat : .gap, x, fillerReason)
            if x - delta > 0 { add(.drop, x - delta, missingReason ?? fillerReason) }
            if delta > x { add(.repeat, delta - x, fillerReason) }
        }
    }

    /// Time-weighted occupancy of each buffer in ms, named as the truth names them (the HDA
    /// rings only with the HDA codec; the backend's queues by the backend's name).
    private func occupancyMS() -> [String: Double] {
        let o = run.occupancy
        let total = Double(max(1, run.simulatedNs))
        let queue = run.backendQueueName
        var entries: [(String, Int, Int)] = [
            ("guest ring out", o.guestRingOut, gr),
            ("mixeng out", o.mixerOut, run.playbackRate),
            ("\(queue) queue out", o.backendOut, run.playbackRate),
            ("\(queue) queue in", o.backendIn, run.captureRate),
            ("mixeng in", o.mixerIn, run.captureRate),
            ("guest ring in", o.guestRingIn, gr),
        ]
        if run.settings.device == .hda {
            entries += [("HDA ring out", o.hdaRingOut, gr), ("HDA ring in", o.hdaRingIn, gr)]
        }
        var occMS: [String: Double] = [:]
        for (name, frameNs, rate) in entries { occMS[name] = (Double(frameNs) / total) * 1000 / Double(rate) }
        return occMS
    }
}
