// SPDX-License-Identifier: GPL-2.0-or-later
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
}
