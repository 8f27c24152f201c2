// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Soak
import Stimulus
import Testing

/// A digital wire: plays the stream's stimulus straight back, `delay` frames late, in blocks of
/// exactly `block` frames (a backend whose deliveries tile the soak's 5 s stretches exactly, as
/// ALSA's 50 ms deliveries of 10 ms periods can). Not a stand-in for a backend (the real ones are
/// tested in BackendTests): the soak's own bookkeeping of a stream, with nothing else moving.
struct WireLoop: StreamingAudioLoop {
    var backend: String { "wire" }
    var sampleRate: Int { 48000 }
    var channels: Int { 1 }
    var effectiveSettings: [String: JSONValue] { [:] }
    static var capabilities: LoopCapabilities { .streamingDevice }
    let delay: Int
    let block: Int

    func run(stimulus: AudioBuffer) throws(LoopbenchError) -> LoopCapture {
        LoopCapture(capture: AudioBuffer(sampleRate: sampleRate, channels: stimulus.channels.map { [Float](repeating: 0, count: delay) + $0 }))
    }

    func stream(source: any LoopStreamSource, consumer: (LoopStreamBlock) -> Bool) throws(LoopbenchError) -> LoopStreamSummary {
        var played: [Float] = [Float](repeating: 0, count: delay)
        var at = 0, handed = 0
        let t0 = Date()
        while true {
            played += source.frames(start: at, count: block, channels: 1)
            at += block
            var b = LoopStreamBlock(planar: [Array(played[handed..<(handed + block)])], backendXruns: 0, reportedLatencyFrames: Double(delay))
            b.startedAt = t0
            handed += block
            if !consumer(b) { break }
        }
        return LoopStreamSummary(capturedFrames: handed, backendXruns: 0, notes: [])
    }
}

@Suite("A soak's stream bookkeeping")
struct StreamStretchTests {
    /// 20 s in deliveries of exactly 2400 frames: four contiguous stretches of 5 s each. (The
    /// stretch used to be counted as the run's frames modulo its length, which never passed
    /// the length when deliveries tiled it exactly: one stretch of 20 s, and CI's real ALSA
    /// stream was once logged as neither 4 nor 5 stretches.) Every period is heard, at the
    /// wire's own delay, and nothing happens.
    @Test func deliveriesThatTileAStretchStillStartTheNext() throws {
        let delay = 1234
        let r = try SoakRunner.run(makeLoop: { _ throws(LoopbenchError) -> any AudioLoop in WireLoop(delay: delay, block: 2400) },
                                   probe: PeriodicProbe(periodSeconds: SoakRunner.streamPeriodSeconds), options: .init(durationSeconds: 20),
                                   shouldStop: { false }, onEvent: { _ in }, onStatus: { _ in })
        #expect(r.failure == nil)
        let s = r.report.soak
        // Four of 5 s, and the last delivery (the last period's latency heard) after them.
        let seconds = s.chunks.map(\.seconds)
        #expect(seconds.count == 5 && seconds.prefix(4).allSatisfy { abs($0 - 5) < 1e-9 } && abs(seconds[4] - 0.05) < 1e-9, "stretches \(seconds)")
        #expect(zip(s.chunks, s.chunks.dropFirst()).allSatisfy { abs($0.startS + $0.seconds - $1.startS) < 1e-9 })
        #expect(s.series.map(\.period) == Array(0..<40))
        #expect(s.series.allSatisfy { abs(($0.latencyMS ?? .nan) - Double(delay) / 48) < 1e-3 }, "\(s.series.map { $0.latencyMS ?? .nan })")
        #expect(s.events.isEmpty, "\(s.events.map { "\($0.kind)@\($0.runFrame)x\($0.sizeSamples)" })")
    }
}
