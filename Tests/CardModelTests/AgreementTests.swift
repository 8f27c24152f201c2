// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import CardModel
import LoopbenchCore
import Stimulus
import Testing

/// A seeded random configuration across devices and backends, many of them crackling.
func randomConfig(_ i: Int) -> [String: String] {
    var g = SeededRandom(seed: UInt64(1000 + i))
    func pick<T>(_ a: [T]) -> T { a[Int(g.next() % UInt64(a.count))] }
    var s: [String: String] = ["seed": String(i)]
    let device = pick(["hda", "hda", "hda-notimer", "ac97", "virtio-snd"])
    let backend = pick(["pa", "pa", "pa", "pipewire", "alsa", "jack"])
    s["device"] = device
    s["backend"] = backend
    if device == "virtio-snd" || backend == "pipewire" || pick([false, true]) { s["qemu"] = "10.0" }
    let tp = pick(["2000", "5000", "10000", "10000", "20000"])
    s["timer-period"] = tp
    if backend == "pa" || backend == "pipewire" {
        let lat = pick(["10000", "20000", "46440", "46440"])
        s["out.latency"] = lat
        s["in.latency"] = lat
    }
    if backend != "alsa" && Int(tp)! > 46440 { s["timer-period"] = "10000" }
    let f = pick(["44100", "48000", "48000"])
    s["out.frequency"] = f
    s["in.frequency"] = f
    s["host.jitter"] = pick(["0", "2ms", "5ms"])
    if pick([false, false, true]) { s["host.stalls"] = "1/s:40ms" }
    if device != "ac97" && pick([false, false, false, true]) { s["guest.rate"] = "96000" }
    if backend == "alsa" && pick([false, true]) { s["out.period-length"] = "5805" }
    return s
}

struct Mismatch: CustomStringConvertible {
    var config: [String: String]
    var what: String
    var description: String { "\(config.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")): \(what)" }
}

/// Compares the analyzer's findings with the model's log: kind, position within 1 ms, size within 1 frame; latency within 1 frame.
func compare(_ config: [String: String], seconds: Double = 1) throws -> [Mismatch] {
    let s = try CardModelSettings(settings: config)
    var spec = Stimulus.Spec()
    spec.sampleRate = s.guestRate
    spec.seconds = seconds
    let stim = Stimulus.mono(spec)
    let r = CardModelLoop.simulate(s, stimulus: stim)
    let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: s.guestRate, mono: stim),
                                 capture: AudioBuffer(sampleRate: s.guestRate, mono: r.capture))
    var out: [Mismatch] = []
    if let truth = r.truth.latencySamples {
        if let got = m.latency?.samples {
            if abs(got - truth) > 1 { out.append(Mismatch(config: config, what: "latency \(got) vs truth \(truth)")) }
        } else {
            out.append(Mismatch(config: config, what: "analyzer found no signal, truth latency \(truth)"))
        }
    }
    let tol = s.guestRate / 1000
    var unmatched = m.events
    for e in r.truth.events {
        if let j = unmatched.firstIndex(where: { $0.kind == e.kind && abs($0.captureSample - e.captureSample) <= tol && abs($0.sizeSamples - e.sizeSamples) <= 1 }) {
            unmatched.remove(at: j)
        } else {
            out.append(Mismatch(config: config, what: "model \(e.kind.rawValue)@\(e.captureSample):\(e.sizeSamples) not found by the analyzer"))
        }
    }
    for e in unmatched {
        out.append(Mismatch(config: config, what: "analyzer \(e.kind.rawValue)@\(e.captureSample):\(e.sizeSamples) not in the model log"))
    }
    return out
}

/// The analyzer against the model's own log on 50 seeded random configurations.
///
/// What must hold everywhere: a configuration the model says is clean is found clean, with
/// the latency within one frame; a configuration that crackles is found crackling (or refused
/// as no-signal when its discontinuities are denser than the tracking window); and a latency
/// the analyzer reports is always the true one. The exact event-by-event agreement (kind,
/// ±1 ms, ±1 frame) holds for 45 of the 50 at the time of writing; the rest are known analyzer
/// limits, listed with their configurations in `Sources/CardModel/README.md`. The floor below
/// is that measured level, so that the analyzer can only get better here.
@Test func analyzerAgreesWithTheModel() throws {
    var mismatches: [Mismatch] = []
    var crackling = 0
    var agreeing = 0
    var verdictErrors: [String] = []
    var wrongLatency: [String] = []
    var refused: [Int] = []
    for i in 0..<50 {
        let c = randomConfig(i)
        let s = try CardModelSettings(settings: c)
        var spec = Stimulus.Spec()
        spec.sampleRate = s.guestRate
        spec.seconds = 1
        let stim = Stimulus.mono(spec)
        let r = CardModelLoop.simulate(s, stimulus: stim)
        if !r.truth.events.isEmpty { crackling += 1 }
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: s.guestRate, mono: stim),
                                     capture: AudioBuffer(sampleRate: s.guestRate, mono: r.capture))
        if r.truth.events.isEmpty {
            if m.verdict != .clean { verdictErrors.append("config \(i) is clean in the model, analyzer says \(m.verdict.rawValue) \(m.events.count) events: \(c)") }
            if let t = r.truth.latencySamples, abs((m.latency?.samples ?? .infinity) - t) > 1 {
                verdictErrors.append("config \(i): latency \(m.latency?.samples ?? .nan) vs truth \(t): \(c)")
            }
        } else if m.verdict == .noSignal && r.truth.events.count * Analyzer.trackingWindow > stim.count {
            // More than one discontinuity per tracking window: the analyzer refuses (no-signal,
            // with its reason) instead of reporting a chance alignment. Counted, not an error.
            refused.append(i)
        } else if m.verdict != .crackle {
            verdictErrors.append("config \(i) crackles in the model (\(r.truth.events.count) events), analyzer says \(m.verdict.rawValue): \(c)")
        }
        // Never a made-up latency: whatever the verdict, a latency given is the true one.
        if let got = m.latency?.samples {
            if let t = r.truth.latencySamples {
                if abs(got - t) > 1 { wrongLatency.append("config \(i): latency \(got) vs truth \(t): \(c)") }
            } else {
                wrongLatency.append("config \(i): latency \(got) but the model's capture holds no signal: \(c)")
            }
        }
        let mm = try compare(c)
        if mm.isEmpty { agreeing += 1 }
        let kinds = Dictionary(grouping: mm.map { String($0.what.prefix(while: { $0 != "@" && $0 != " " }) + " " + $0.what.split(separator: " ")[1].prefix(while: { $0 != "@" })) }, by: { $0 }).mapValues(\.count)
        print("agreement config \(i): model events \(r.truth.events.count), truth latency \(r.truth.latencySamples ?? .nan), verdict \(m.verdict.rawValue), mismatches \(mm.count) \(kinds.sorted { $0.key < $1.key })")
        mismatches += mm
    }
    print("agreement: \(agreeing)/50 configurations agree, \(crackling) with crackles, \(mismatches.count) mismatches")
    print("agreement: refused (no-signal) on dense-discontinuity configs \(refused)")
    for v in verdictErrors { print("  verdict: \(v)") }
    for m in mismatches.prefix(100) { print("  mismatch: \(m)") }
    #expect(crackling >= 15)
    #expect(agreeing >= 45, "event-by-event agreement fell below the measured level")
    #expect(verdictErrors.isEmpty, "\(verdictErrors)")
    #expect(wrongLatency.isEmpty, "\(wrongLatency)")
    // The two PipeWire configurations with a 32-frame underrun every cycle (configs 4 and 46).
    #expect(refused == [4, 46])
}

/// A guest with a small capture ring under scheduling jitter (20 ms, read every 10 ms, up to
/// 8 ms late) loses 2709 frames to an overrun, silence in their place: a replacement in the
/// capture itself. Until session 30 the analyzer missed it (2709 frames filled most of the
/// click scan's noise neighbourhood, ``Explainer/heardBlocks(_:_:path:)``) and read a false
/// 313-frame replacement where the probe's sweep passes 19 kHz, which the resampler to
/// 44.1 kHz passes at 0.42 of its amplitude (``Explainer/silentAgainstThePath(_:_:_:captured:share:_:)``).
/// Found first 2 frames early and 2 too long (the guest delivers the two frames before the
/// silence at half level), it is now placed on the digital silence itself
/// (``Explainer/digitalSilence(_:_:)``).
@Test("a guest's capture overrun (2709 frames of silence) is one replacement of its size, at its frame, and nothing else is")
func guestCaptureOverrunIsOneReplacement() throws {
    let config = ["guest.buffer": "20000", "guest.period": "10000", "guest.jitter": "8ms"]
    let s = try CardModelSettings(settings: config)
    var spec = Stimulus.Spec()
    spec.sampleRate = s.guestRate
    spec.seconds = 1
    let r = CardModelLoop.simulate(s, stimulus: Stimulus.mono(spec))
    #expect(r.truth.events.map(\.sizeSamples) == [2709, 2709], "the model's truth changed: \(r.truth.events)")
    let mm = try compare(config)
    #expect(mm.isEmpty, "\(mm)")
}
