// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import PulseBackend
import Soak
import Stimulus
import Testing
import TestSupport

extension RealAudio {
@Suite("Soak on PulseAudio, for real")
struct SoakBackendTests {
    /// 30 s in 5 s chunks, the writer stalled 200 ms 2.5 s into every chunk (against a 40 ms
    /// buffer): six underflows at known times. Each must come out as a gap there, and any other
    /// event must come from a chunk where the server reported more underflows than the stall's.
    @Test func pulseSoakFindsEveryInjectedStallAtItsTime() throws {
        let settings = ["tlength": "40ms", "fragsize": "10ms", "writer-stall": "2.5s:200ms"]
        let r = try SoakRunner.run(makeLoop: { _ throws(LoopbenchError) in try PulseLoop(settings: settings) },
                                   probe: PeriodicProbe(), options: .init(durationSeconds: 30),
                                   shouldStop: { false }, onEvent: { _ in }, onStatus: { _ in })
        #expect(r.failure == nil, "\(r.failure?.description ?? "")")
        let s = r.report.soak
        #expect(s.chunks.count == 6 && s.series.count == 30)
        print("pulse soak: events \(SoakMatchText.describe(s.events)), xruns \(s.summary.backendXruns ?? -1)")
        var matched = Set<Int>()
        for c in s.chunks {
            #expect((c.backendXruns ?? 0) >= 1, "chunk at \(c.startS) s: no underflow reported for the stall")
            // The stall starts when the writer reaches 2.5 s of the chunk's probe (in its period 2);
            // the capture hears it a round trip later: that period's measured latency.
            let period = try #require(s.series.first { abs($0.timeS - (c.startS + 2)) < 0.01 }, "chunk at \(c.startS) s: its period 2 is missing")
            let latency = try #require(period.latencyMS, "chunk at \(c.startS) s: period 2's probe not found") / 1000
            let due = c.startS + 2.5 + latency
            let near = s.events.indices.filter { abs(s.events[$0].timeS - due) < Self.placeTolerance }
            let gap = near.first { s.events[$0].kind == "gap" }
            #expect(gap != nil, "chunk at \(c.startS) s: no gap near \(due) s")
            if let g = gap {
                let ms = Double(s.events[g].sizeSamples) / 48
                #expect(ms >= 100 && ms <= 220, "chunk at \(c.startS) s: a gap of \(ms) ms for a 200 ms stall against a 40 ms buffer")
            }
            matched.formUnion(near)
            // Anything else in this chunk must come with underflows of its own: on two loaded cores
            // the server can run dry on its own, and says so; an event it did not report would be invented.
            let others = s.events.indices.filter { !near.contains($0) && s.events[$0].timeS >= c.startS && s.events[$0].timeS < c.startS + c.seconds }
            if !others.isEmpty {
                #expect((c.backendXruns ?? 0) >= 2, "chunk at \(c.startS) s: events away from the stall with only the stall's underflow: \(SoakMatchText.describe(others.map { s.events[$0] }))")
            }
        }
    }

    /// The stall's gap is placed within 60 ms of when it was due: the writer notices its 2.5 s
    /// mark one write (10 ms) late at most, and the round trip is the period's measured latency
    /// (which the stall itself raises for the periods after it).
    static let placeTolerance = 0.06
}
}

enum SoakMatchText {
    static func describe(_ es: [SoakEvent]) -> String {
        "[" + es.map { String(format: "%@ %d @%.3f s", $0.kind, $0.sizeSamples, $0.timeS) }.joined(separator: ", ") + "]"
    }
}
