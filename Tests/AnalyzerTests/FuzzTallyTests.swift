// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import Foundation
import LoopbenchCore
import Synth
import Testing

/// `loopbench bench fuzz`'s scoring (``FuzzTally``), on fuzz cases read as made-up
/// measurements whose every error is known.
@Suite("Fuzz tally")
struct FuzzTallyTests {
    static func measurement(_ c: FuzzCases.Case, latency: Double?, uncertainty: Double?, events: [Event]) -> LoopMeasurement {
        var m = LoopMeasurement(source: nil, sampleRate: c.rate, reference: .init(path: nil, frames: c.reference.count, channels: 1, channelUsed: 0),
                                capture: .init(path: nil, frames: c.capture.count, channels: 1, channelUsed: 0), verdict: events.isEmpty ? .clean : .crackle,
                                latency: latency.map { .init(samples: $0, sampleRate: c.rate, confidence: nil) }, driftPPM: nil, snrDB: nil, gainDB: nil,
                                polarity: 1, segments: nil, events: events)
        m.latencyUncertaintySamples = uncertainty
        return m
    }

    static func events(_ truth: [CaptureSynth.Truth], rate: Int) -> [Event] {
        truth.map { Event(kind: $0.kind, captureSample: $0.captureSample, sizeSamples: $0.size, sampleRate: rate) }
    }

    /// The first seed from 0 whose case is within the conditions and passes `where`.
    static func seed(where ok: (FuzzCases.Case) -> Bool) throws -> Int {
        try #require((0..<300).first { let c = FuzzCases.make($0); return c.withinConditions && ok(c) })
    }

    @Test("a damaged case read with its truth, one event 49 frames off, one event more, and its latency 1.5 samples late at ±0.1: one true event found of its count, two false events, a frame off and overconfident")
    func damagedCaseCounts() throws {
        let s = try Self.seed { $0.truth.count >= 2 && $0.delay != nil }
        let c = FuzzCases.make(s), d = try #require(c.delay)
        var found = Self.events(c.truth, rate: c.rate)
        found[1].captureSample += 49   // outside the 48 frames a place may be off
        found.append(Event(kind: .click, captureSample: 10, sizeSamples: 1, sampleRate: c.rate))
        var t = FuzzTally()
        t.add(seed: s, c, Self.measurement(c, latency: d + 1.5, uncertainty: 0.1, events: found))
        #expect(t.cases == 1 && t.damaged == 1 && t.undamaged == 0 && t.refused == 0 && t.noLatency == 0)
        #expect(t.truthEvents == c.truth.count && t.foundExactly == c.truth.count - 1)
        #expect(t.falseEvents == 2 && t.damagedWithFalseEvents == 1 && t.undamagedWithEvents.isEmpty)
        #expect(t.offByAFrameCases == [s] && t.overconfidentCases == [s])
    }

    @Test("a case without damage read with one click, its latency 0.5 samples off at ±0.3: invented, neither a frame off nor overconfident; a stated ±0.2 makes it overconfident")
    func undamagedCaseCounts() throws {
        let s = try Self.seed { $0.undamaged && $0.delay != nil }
        let c = FuzzCases.make(s), d = try #require(c.delay)
        let click = [Event(kind: .click, captureSample: 100, sizeSamples: 1, sampleRate: c.rate)]
        var t = FuzzTally()
        t.add(seed: s, c, Self.measurement(c, latency: d - 0.5, uncertainty: 0.3, events: click))
        #expect(t.undamaged == 1 && t.undamagedWithEvents == [s] && t.falseEvents == 1 && t.damagedWithFalseEvents == 0)
        #expect(t.offByAFrameCases.isEmpty && t.overconfidentCases.isEmpty)
        var u = FuzzTally()
        u.add(seed: s, c, Self.measurement(c, latency: d - 0.5, uncertainty: 0.2, events: []))
        #expect(u.undamagedWithEvents.isEmpty && u.overconfidentCases == [s])
        // Refused, and read with no latency.
        var r = FuzzTally()
        r.add(seed: s, c, nil)
        r.add(seed: s + 1000, c, Self.measurement(c, latency: nil, uncertainty: nil, events: []))
        #expect(r.cases == 2 && r.refused == 1 && r.noLatency == 1 && r.truthEvents == c.truth.count)
        // Two tallies merged: counts add, seeds stay in order.
        t.merge(u)
        t.merge(r)
        #expect(t.cases == 4 && t.undamagedWithEvents == [s] && t.overconfidentCases == [s])
    }

    @Test("a case outside the conditions is not counted")
    func outsideTheConditions() throws {
        let s = try #require((0..<300).first { !FuzzCases.make($0).withinConditions })
        var t = FuzzTally()
        t.add(seed: s, FuzzCases.make(s), nil)
        #expect(t == FuzzTally())
    }

    @Test("the truth as the capture shows it: an edit in the reference's leading silence moves the delay; a drop or replacement from that silence (or its first audible frame) into the sound moves it too, and is the sound's first frames replaced by silence; edits in the sound are kept")
    func truthAsTheCaptureShowsIt() {
        // 1000 frames of silence, then sound: the first audible frame is 1000.
        let ref = [Float](repeating: 0, count: 1000) + (0..<2000).map { Float(cos(Double($0) * 0.3)) * 0.5 }
        let kept = CaptureSynth.Truth(kind: .repeat, captureSample: 12345, size: 7)
        func seen(_ e: CaptureSynth.Edit, truth: [CaptureSynth.Truth] = [kept], drift: Double = 0) -> (delay: Double, truth: [CaptureSynth.Truth]) {
            FuzzCases.observable(3000, reference: ref, edits: [e], driftPPM: drift, truth: truth)
        }
        // Wholly in the silence: the delay moves, the edit's truth stays as rendered.
        #expect(seen(.drop(at: 200, frames: 300)).delay == 2700 && seen(.drop(at: 200, frames: 300)).truth == [kept])
        #expect(seen(.gap(at: 1000, frames: 40)).delay == 3040 && seen(.repeat(at: 600, frames: 40)).delay == 3040)
        // A drop of 500 from 700: the sound is heard 500 frames early, its first 200 frames
        // (1000..<1200) missing, silence in their place where frame 1000 would be heard.
        let d = seen(.drop(at: 700, frames: 500))
        #expect(d.delay == 2500 && d.truth == [.init(kind: .gap, captureSample: 3500, size: 200), .init(kind: .drop, captureSample: 3500, size: 200)])
        // From the first audible frame itself, and at 100 ppm (the capture's clock).
        let f = seen(.drop(at: 1000, frames: 10), drift: 100)
        #expect(abs(f.delay - (3000 - 10 * 1.0001)) < 1e-9 && f.truth == [.init(kind: .gap, captureSample: 3990, size: 10), .init(kind: .drop, captureSample: 3990, size: 10)])
        // A replacement of 300 frames from 900 by 50 of silence: 250 frames early, 200 missing.
        let r = seen(.replace(at: 900, gap: 50, missing: 300), truth: [kept, kept])
        #expect(r.delay == 2750 && r.truth == [.init(kind: .gap, captureSample: 3750, size: 200), .init(kind: .drop, captureSample: 3750, size: 200)])
        // In the sound: nothing moves.
        #expect(seen(.drop(at: 1001, frames: 300)).delay == 3000 && seen(.drop(at: 1001, frames: 300)).truth == [kept])
    }

    @Test("fuzz case 3158 (multitone bursts heard from 2408, 1417 frames dropped from 1770): its truth is the latency 1417 frames shorter and 779 frames replaced, and the analyzer reads both (the latency within 0.01 samples)")
    func dropIntoTheSound() throws {
        let c = FuzzCases.make(3158)
        #expect(abs(try #require(c.delay) - (9387.512668938773 - 1417)) < 1e-9)
        #expect(c.truth == [.init(kind: .gap, captureSample: 10379, size: 779), .init(kind: .drop, captureSample: 10379, size: 779)])
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.rate, mono: c.reference), capture: AudioBuffer(sampleRate: c.rate, mono: c.capture))
        let t = EventMatch.tally(found: m.events, truth: c.truth)
        #expect(t.matched == 2 && t.extra == 0)
        #expect(abs(try #require(m.latency?.samples) - (9387.512668938773 - 1417)) < 0.01)
    }
}
