// SPDX-License-Identifier: GPL-2.0-or-later
import ALSABackend
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
    @Test func pulseSoakInChunksFindsEveryInjectedStallAtItsTime() throws {
        let settings = ["tlength": "40ms", "fragsize": "10ms", "writer-stall": "2.5s:200ms"]
        var options = SoakRunner.Options(durationSeconds: 30)
        options.stream = false
        let r = try SoakRunner.run(makeLoop: { _ throws(LoopbenchError) in try PulseLoop(settings: settings) },
                                   probe: PeriodicProbe(), options: options,
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
            // The stall's gap is the largest near it (the server may run dry once more around
            // the stall: one CI run heard a 10 ms gap and a 241-frame drop 45 ms before it).
            let gap = near.filter { s.events[$0].kind == "gap" }.max { s.events[$0].sizeSamples < s.events[$1].sizeSamples }
            #expect(gap != nil, "chunk at \(c.startS) s: no gap near \(due) s")
            var stall: Set<Int> = []
            if let g = gap {
                let ms = Double(s.events[g].sizeSamples) / 48
                #expect(ms >= 100 && ms <= 220, "chunk at \(c.startS) s: a gap of \(ms) ms for a 200 ms stall against a 40 ms buffer")
                // …with the drop the server made at the same frame, if any.
                stall = Set(near.filter { $0 == g || (s.events[$0].kind == "drop" && s.events[$0].runFrame == s.events[g].runFrame) })
            }
            matched.formUnion(stall)
            // Anything else in this chunk must come with underflows of its own: on two loaded cores
            // the server can run dry on its own, and says so; an event it did not report would be invented.
            let others = s.events.indices.filter { !stall.contains($0) && s.events[$0].timeS >= c.startS && s.events[$0].timeS < c.startS + c.seconds }
            if !others.isEmpty {
                #expect((c.backendXruns ?? 0) >= 2, "chunk at \(c.startS) s: events away from the stall with only the stall's underflow: \(SoakMatchText.describe(others.map { s.events[$0] }))")
            }
        }
    }

    /// One unbroken stream of 20 s at the live default period (0.5 s), the writer stalled
    /// 200 ms every 4 s from 2.7 s on (against a 40 ms buffer), on PulseAudio and on ALSA
    /// through its pulse plugin: five stalls, each heard as a gap where it was due (the stimulus
    /// frame it came at plus the latency of its period, on the stream's own timeline), every
    /// period found, every event printed as it was found (`reported_after_s`, here only checked
    /// to be after its audio), and the stream logged as contiguous 5 s stretches.
    @Test(arguments: ["pulse", "alsa"])
    func streamedSoakFindsEveryRepeatedStallAtItsTime(backend: String) throws {
        // 0.2 s into a 0.4 s probe, not at a period's start (whose step would be placed in the separator).
        let stalls = (0..<5).map { 2.7 + 4 * Double($0) }
        let settings = ["writer-stall": "2.7s:200ms:4s"].merging(backend == "pulse" ? ["tlength": "40ms", "fragsize": "10ms"] : ["buffer": "40ms", "period": "10ms"]) { $1 }
        let probe = PeriodicProbe(periodSeconds: SoakRunner.streamPeriodSeconds)
        var printed: [SoakEvent] = []
        let r = try SoakRunner.run(makeLoop: { _ throws(LoopbenchError) -> any AudioLoop in
                                       if backend == "pulse" { return try PulseLoop(settings: settings) }
                                       return try ALSALoop(settings: settings)
                                   },
                                   probe: probe, options: .init(durationSeconds: 20),
                                   shouldStop: { false }, onEvent: { printed.append($0) }, onStatus: { _ in })
        #expect(r.failure == nil, "\(r.failure?.description ?? "")")
        let s = r.report.soak
        let after: [Double] = s.events.map { $0.reportedAfterS ?? -1 }
        print("\(backend) stream: events \(SoakMatchText.describe(s.events)), xruns \(s.summary.backendXruns ?? -1), reported after \(after)")
        let periods: [Int] = s.series.map { $0.period }
        #expect(periods == Array(0..<40) && s.series.allSatisfy { $0.latencyMS != nil }, "periods \(periods)")
        #expect(printed.map { $0.runFrame } == s.events.map { $0.runFrame })
        #expect(after.allSatisfy { $0 > 0 } && s.events.allSatisfy { $0.wallClock != nil })
        let stretches = s.chunks.count
        #expect(stretches == 4 || stretches == 5, "\(stretches) stretches")
        let joins: [Double] = zip(s.chunks, s.chunks.dropFirst()).map { a, b in abs(a.startS + a.seconds - b.startS) }
        #expect(joins.allSatisfy { $0 < 1e-6 }, "stretches not contiguous: \(joins)")
        #expect((s.summary.backendXruns ?? 0) >= stalls.count, "\(s.summary.backendXruns ?? -1) xruns for \(stalls.count) stalls")
        var matched = Set<Int>()
        for t in stalls {
            // Period k holds stimulus time t; its series point sits at the stream's offset + k·P.
            let k = Int(t / probe.periodSeconds)
            let point = try #require(s.series.first { $0.period == k })
            let due = point.timeS + (t - Double(k) * probe.periodSeconds) + (point.latencyMS ?? 0) / 1000
            let near = s.events.indices.filter { abs(s.events[$0].timeS - due) < Self.placeTolerance }
            let gap = near.first { s.events[$0].kind == "gap" }
            #expect(gap != nil, "\(backend): no gap near \(due) s for the stall at stimulus \(t) s")
            if let g = gap {
                let ms = Double(s.events[g].sizeSamples) / 48
                #expect(ms >= 100 && ms <= 220, "\(backend): a gap of \(ms) ms for a 200 ms stall against a 40 ms buffer")
            }
            matched.formUnion(near)
        }
        // Anything else must come with underflows of its own beyond the stalls'.
        let others = s.events.indices.filter { !matched.contains($0) }
        if !others.isEmpty {
            #expect((s.summary.backendXruns ?? 0) > stalls.count, "\(backend): events away from the stalls with only the stalls' xruns: \(SoakMatchText.describe(others.map { s.events[$0] }))")
        }
    }

    /// `loopbench soak --backend pulse` for ten minutes, interrupted (SIGINT, as from Ctrl-C)
    /// 8 s after it was launched: exit 75, and a complete, schema-valid report of the stream
    /// so far: every period from 0 on found in order, each stretch of it logged, the HTML
    /// written. (Start-up, the connection and the stream's prefill come out of those 8 s: under
    /// CI's load they took up to ~3 s, and an interrupt 4 s after launch left 2 periods.)
    @Test func interruptedStreamedSoakLeavesACompleteReport() throws {
        let dir = NSTemporaryDirectory() + "loopbench-soak-int-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t0 = Date()
        let r = try CLI.run(["soak", "--backend", "pulse", "--duration", "10m", "--out", dir], interruptWhen: { Date().timeIntervalSince(t0) > Self.interruptAfterSeconds })
        #expect(!r.signalled && r.status == 75, "status \(r.status): \(r.stderr)")
        #expect(r.stderr.contains("interrupted"))
        let path = dir + "/soak.json"
        #expect(SchemaCheck.validate(jsonPath: path, schema: "measurement.schema.json") == nil)
        let report = try JSONDecoder().decode(SoakReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let s = report.soak
        #expect(s.summary.interrupted && s.summary.periodSeconds == SoakRunner.streamPeriodSeconds)
        let periods: [Int] = s.series.map { $0.period }
        // Streamed for 5–8 s at two periods a second; a period is analysed when its window is in.
        #expect(periods == Array(0..<periods.count) && periods.count >= 4 && periods.count < 30, "periods \(periods)")
        #expect(s.series.allSatisfy { $0.latencyMS != nil })
        #expect(!s.chunks.isEmpty && s.chunks.reduce(0) { $0 + $1.seconds } >= Double(periods.count) * SoakRunner.streamPeriodSeconds)
        #expect(FileManager.default.fileExists(atPath: dir + "/soak.html"))
    }

    /// The stall's gap is placed within 60 ms of when it was due: the writer notices its 2.5 s
    /// mark one write (10 ms) late at most, and the round trip is the period's measured latency
    /// (which the stall itself raises for the periods after it).
    static let placeTolerance = 0.06
    /// When the interrupted soak is interrupted, after launch (seconds).
    static let interruptAfterSeconds = 8.0
}
}

enum SoakMatchText {
    static func describe(_ es: [SoakEvent]) -> String {
        "[" + es.map { String(format: "%@ %d @%.3f s", $0.kind, $0.sizeSamples, $0.timeS) }.joined(separator: ", ") + "]"
    }
}
