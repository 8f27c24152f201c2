// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import AudioFile
import Loops
import Foundation
import LoopbenchCore
import Soak
import Stimulus
import Testing
import TestSupport

/// Ground truth for soak tests: an expected event, with the stretch of capture frames it may be
/// placed in (events in a separator are known only to within the separator).
struct Expected: CustomStringConvertible {
    var kind: String
    var frame: Int
    var size: Int
    var description: String { "\(kind)@\(frame)x\(size)" }
}

enum SoakMatch {
    /// Nil when every expected event is found (kind, size exact, its frame within `tolerance` of
    /// the found place or inside the found place's uncertainty) and nothing else is; else why not.
    static func mismatch(found: [SoakEvent], expected: [Expected], tolerance: Int = 48) -> String? {
        var left = found
        for t in expected {
            guard let i = left.firstIndex(where: { e in
                e.kind == t.kind && e.sizeSamples == t.size
                    && t.frame >= e.runFrame - tolerance && t.frame <= e.runFrame + (e.placeUncertaintySamples ?? 0) + tolerance
            }) else { return "missing \(t); found \(describe(found))" }
            left.remove(at: i)
        }
        return left.isEmpty ? nil : "extra \(describe(left)); expected \(expected)"
    }

    static func describe(_ es: [SoakEvent]) -> String {
        "[" + es.map { "\($0.kind)@\($0.runFrame)x\($0.sizeSamples)" + ($0.placeUncertaintySamples.map { "(+\($0))" } ?? "") }.joined(separator: ", ") + "]"
    }

    static func expected(_ truth: [CaptureSynth.Truth], periodFrames: Int) -> [Expected] {
        truth.map { t in
            t.kind == .drop && t.size == periodFrames ? Expected(kind: "missing-period", frame: t.captureSample, size: t.size)
                                                      : Expected(kind: t.kind.rawValue, frame: t.captureSample, size: t.size)
        }
    }
}

/// A periodic probe of `periods` periods, and a capture of it with known damage.
struct PeriodicCapture {
    let probe = PeriodicProbe()
    let reference: [Float]
    let capture: [Float]
    let truth: [CaptureSynth.Truth]
    let delay: Double

    init(periods: Int, delay: Double = 1234.37, snrDB: Double? = 30, edits: (Int) -> [CaptureSynth.Edit], clicks: [Int] = []) {
        let p = probe.periodFrames
        reference = PeriodicProbe.frames(probe.probes(), periodFrames: p, start: 0, count: periods * p)
        var s = CaptureSynth(reference: reference, delay: delay)
        s.snrDB = snrDB
        s.edits = edits(p)
        s.clicks = clicks.map { .init(frame: $0, amplitude: 1.0) }
        let (c, t) = s.make()
        capture = c
        truth = t
        self.delay = delay
    }

    /// Feeds the capture to a stream in blocks of `block` frames.
    func analyse(block: Int) -> (log: SoakLog, stream: SoakStream) {
        let log = SoakLog(probe: probe, backend: "file", settings: nil, timeline: "audio")
        let stream = SoakStream(probe: probe, probes: probe.probes(), runOffset: 0, firstPeriod: 0)
        var i = 0
        while i < capture.count {
            let n = min(block, capture.count - i)
            for o in stream.append([Array(capture[i..<(i + n)])]) { log.add(o) }
            i += n
        }
        for o in stream.finish() { log.add(o) }
        log.durationS = Double(capture.count) / 48000
        return (log, stream)
    }
}

@Suite("Soak: periodic probe and streaming analysis")
struct SoakStreamTests {
    @Test func periodicProbeHasItsPeriodAndSilentSeparators() throws {
        let probe = PeriodicProbe()
        try probe.validate()
        #expect(probe.periodFrames == 48000 && probe.probeFrames == 43200)
        let x = PeriodicProbe.frames(probe.probes(), periodFrames: probe.periodFrames, start: 0, count: 3 * 48000)
        for k in 0..<3 {
            let sep = x[(k * 48000 + 43200)..<((k + 1) * 48000)]
            #expect(sep.allSatisfy { $0 == 0 }, "separator \(k) is not silent")
            #expect(x[(k * 48000)..<(k * 48000 + 43200)].contains { abs($0) > 0.1 }, "period \(k) holds no probe")
        }
        // Distinct probes take turns; the cycle repeats after `distinct` periods.
        #expect(probe.probe(0) != probe.probe(1))
        #expect(probe.probe(0) == probe.probe(probe.distinct))
        // Blocks cut anywhere give the same stream.
        let a = PeriodicProbe.frames(probe.probes(), periodFrames: 48000, start: 47_000, count: 5000)
        #expect(a == Array(x[47_000..<52_000]))
    }

    @Test func cleanCaptureGivesTheLatencyOfEveryPeriodAndNoEvents() throws {
        let c = PeriodicCapture(periods: 12, edits: { _ in [] })
        let (log, _) = c.analyse(block: 4800)
        #expect(log.series.count == 12, "\(log.series.map(\.verdict))")
        #expect(log.events.isEmpty, "\(SoakMatch.describe(log.events))")
        for p in log.series {
            let lat = try #require(p.latencyMS)
            #expect(abs(lat * 48 - c.delay) < 0.01, "period \(p.period): \(lat * 48) frames against \(c.delay)")
        }
    }

    @Test func injectedEventsAreFoundAtTheirFramesAndNothingElse() throws {
        // Damage inside probes, in a separator (a latency step between periods) and a whole period lost.
        let c = PeriodicCapture(periods: 40, edits: { p in [
            .gap(at: 3 * p + 14_400, frames: 480),
            .drop(at: 7 * p + 24_000, frames: 100),
            .repeat(at: 12 * p + 9600, frames: 64),
            .replace(at: 18 * p + 19_200, gap: 1668, missing: 2150),
            .gap(at: 22 * p + 45_600, frames: 200),
            .drop(at: 27 * p + 45_600, frames: p),
            .drop(at: 31 * p + 44_000, frames: 3000),
        ] }, clicks: [35 * 48000 + 21_600 + 1234])
        for block in [4800, 48_000, 100_003] {
            let (log, stream) = c.analyse(block: block)
            let expected = SoakMatch.expected(c.truth, periodFrames: 48000)
            #expect(SoakMatch.mismatch(found: log.events, expected: expected) == nil,
                    "block \(block): \(SoakMatch.mismatch(found: log.events, expected: expected) ?? "")")
            // Memory: the stream holds a few periods, never the capture.
            #expect(stream.held.count <= 6 * 48000 + block, "holds \(stream.held.count) frames")
        }
    }
}

@Suite("Soak on the card model")
struct SimSoakTests {
    /// One stall of the main loop per 5 s chunk, 2.5 s in: the model's log says what it broke.
    static let settings = ["host.stalls": "@2.5s:40ms"]

    @Test func soakFindsWhatTheWholeCaptureAnalysisAndTheModelFind() throws {
        let probe = PeriodicProbe()
        let probes = probe.probes()
        var stallEvents = 0
        for c in 0..<6 {
            let loop = try Loops.make(backend: "sim", settings: Self.settings.merging(["seed": String(1 + c)]) { $1 })
            let mono = PeriodicProbe.frames(probes, periodFrames: 48000, start: c * 5 * 48000, count: 5 * 48000)
            let got = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: mono))
            let offset = c * 5 * 48000
            // The soak, period by period.
            let stream = SoakStream(probe: probe, probes: probes, runOffset: offset, firstPeriod: c * 5)
            let found = (stream.append(got.capture.channels) + stream.finish())
            #expect(found.count == 5, "chunk \(c): \(found.count) periods analysed")
            let events = found.flatMap(\.events)
            // The same capture analysed whole: the soak finds the same events, no more, no fewer.
            let whole = try Analyzer.analyze(reference: AudioBuffer(sampleRate: 48000, mono: mono), capture: got.capture)
            let expected = whole.events.map { Expected(kind: $0.kind.rawValue, frame: $0.captureSample + offset, size: $0.sizeSamples) }
            #expect(SoakMatch.mismatch(found: events, expected: expected, tolerance: 2) == nil,
                    "chunk \(c): \(SoakMatch.mismatch(found: events, expected: expected, tolerance: 2) ?? "")")
            // The injected stall: every discontinuity the model logged for it (2.5 s + the latency) is found.
            let truth = try #require(SoakRunner.truthEvents(got.truth, runOffset: offset, sampleRate: 48000))
            let stall = truth.filter { $0.captureSample - offset > 120_000 && $0.captureSample - offset < 120_000 + 9600 }
            #expect(!stall.isEmpty, "chunk \(c): the model logged nothing for the stall")
            for t in stall {
                stallEvents += 1
                let hit = events.contains { $0.kind == t.kind.rawValue && abs($0.runFrame - t.captureSample) <= 48 && abs($0.sizeSamples - t.sizeSamples) <= 2 }
                #expect(hit, "chunk \(c): the stall's \(t.kind.rawValue) of \(t.sizeSamples) at \(t.captureSample) was not found: \(SoakMatch.describe(events))")
            }
        }
        #expect(stallEvents >= 6)
    }
}
