// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

extension PulseLoop: StreamingAudioLoop {
    public static var capabilities: LoopCapabilities { .streamingDevice }

    /// Plays `source` without end through the same two streams a run opens, and hands the
    /// capture over every ``LoopStreamTiming/deliverySeconds`` from the frame the stimulus
    /// started at (the same alignment as ``run(stimulus:)``). The writer thread feeds the
    /// playback; this thread takes the capture out of the session (so memory stays one
    /// delivery's worth) and runs `consumer`. A server that stops bringing audio ends the
    /// stream with the failure in the summary, after the capture before it was handed over.
    public func stream(source: any LoopStreamSource, consumer: (LoopStreamBlock) -> Bool) throws(LoopbenchError) -> LoopStreamSummary {
        let s = settings
        let o = try open()
        defer { o.session.close() }
        let writer = PulseWriter(session: o.session, source: source, stimulusFrames: nil, channels: s.channels,
                                 stall: s.writerStall, wantFrames: nil, prerollFrames: o.prerollFrames, rate: s.rate)
        writer.stallSeconds = o.stallSeconds
        let thread = Thread { writer.main() }
        thread.name = "loopbench pulse writer"
        thread.stackSize = 1 << 20
        thread.start()
        var delivered = 0
        var writerEnded = false
        while true {
            writerEnded = writer.finished.wait(timeout: .now() + LoopStreamTiming.deliverySeconds) == .success
            let block = take(o.session, writer, delivered: delivered)
            delivered += block.planar.first?.count ?? 0
            if writerEnded || !consumer(block) { break }
        }
        if !writerEnded {
            writer.cancel()
            _ = writer.finished.wait(timeout: .now() + 5)
        }
        return summary(o, writer, delivered: delivered, failedAfter: writerEnded ? writer.failure : nil)
    }

    /// The capture since the last delivery, with the xruns and latency the server reports now.
    private func take(_ session: PulseSession, _ writer: PulseWriter, delivered: Int) -> LoopStreamBlock {
        let s = settings
        let (samples, xruns, latency, startedAt): (ArraySlice<Float>, Int?, Double?, Date?) = session.locked {
            guard writer.started else { return ([], nil, nil, nil) }
            let taken = session.takeCaptured(from: writer.captureOffset + delivered)
            let lat = writer.lastPlaybackLatency.map { ($0 + (session.lastRecordLatency ?? 0)) * Double(s.rate) / 1e6 }
            return (taken, session.underflows + session.overflows - writer.xrunsBeforeStart, lat, writer.startedAt)
        }
        var block = LoopStreamBlock(planar: AudioBuffer(sampleRate: s.rate, interleaved: Array(samples), channelCount: s.channels).channels,
                                    backendXruns: xruns, reportedLatencyFrames: latency)
        block.startedAt = startedAt
        return block
    }

    /// What the stream ended with: the grant, the xruns before the stimulus, the stalls, and the
    /// server's failure when it ended the stream.
    private func summary(_ o: Opened, _ writer: PulseWriter, delivered: Int, failedAfter failure: String?) -> LoopStreamSummary {
        let s = settings
        var notes = o.notes
        let (underflows, overflows, holes) = o.session.locked { (o.session.underflows, o.session.overflows, o.session.holes) }
        notes += streamNotes(o.granted, overflows: overflows, holes: holes)
        if writer.xrunsBeforeStart > 0 { notes.append("\(writer.xrunsBeforeStart) underflow/overflow callback(s) came during the preroll, before the stimulus") }
        if let n = s.writerStall?.note(first: writer.stalledAt, count: writer.stalls) { notes.append(n) }
        let failure = failure.map { LoopbenchError.unavailable("\(o.subject) / source \(o.sourceName)", "\($0) after \(String(format: "%.2f", Date().timeIntervalSince(o.t0))) s of the stream") }
        return LoopStreamSummary(capturedFrames: delivered, backendXruns: underflows + overflows - writer.xrunsBeforeStart, notes: notes, failure: failure)
    }
}
