// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

extension ALSALoop: StreamingAudioLoop {
    public static var capabilities: LoopCapabilities { .streamingDevice }

    /// Plays `source` without end through the same two PCMs and threads a run uses, and hands
    /// the capture over every ``LoopStreamTiming/deliverySeconds`` from the frame the stimulus
    /// started at (the same alignment as ``run(stimulus:)``). The capture thread hands its
    /// frames over instead of keeping them, so memory stays one delivery's worth. The run's
    /// watchdog watches the stream: a side that brings nothing for twice the buffer time plus
    /// most of a second ends it, with the failure in the summary.
    public func stream(source: any LoopStreamSource, consumer: (LoopStreamBlock) -> Bool) throws(LoopbenchError) -> LoopStreamSummary {
        let s = settings
        let (cap, play, opened) = try openPCMs()
        var notes = opened
        var abandoned = false
        defer { Self.release(cap, play, abandoned: abandoned) }
        let prerollFrames = s.prerollMicros.map { Int($0 * Double(s.rate) / 1e6) } ?? max(s.rate / 10, play.bufferFrames + s.rate / 20)
        let shared = ALSAShared()
        let capture = ALSACaptureThread(pcm: cap, settings: s, shared: shared, wantFrames: nil)
        let writer = ALSAWriterThread(pcm: play, settings: s, shared: shared, source: source, stimulusFrames: nil, prerollFrames: prerollFrames)
        let t0 = Date()
        let startNanos = Self.start(capture, writer)
        let watch = ALSAWatchdog(settings: s, bufferFrames: max(play.bufferFrames, cap.bufferFrames), audioSeconds: .infinity)
        var handoff = StreamHandoff(channels: s.channels, rate: s.rate)
        var stalled: (side: String, seconds: Double)?
        var captureEnded = false
        while true {
            captureEnded = capture.finished.wait(timeout: .now() + LoopStreamTiming.deliverySeconds) == .success
            if !captureEnded { stalled = watch.check(shared, startNanos: startNanos, runLimit: .infinity) }
            let block = handoff.block(capture, writer, shared)
            if captureEnded || stalled != nil || shared.writerDone.load(ordering: .relaxed) || !consumer(block) { break }
        }
        let (_, finished) = watch.stop(capture: capture, writer: writer, shared: shared, stalled: stalled, captureEnded: captureEnded)
        abandoned = !finished
        var failure: LoopbenchError?
        if let st = stalled { failure = watch.error(st, runSeconds: Date().timeIntervalSince(t0)) }
        else if let f = capture.failure ?? writer.failure { failure = .unavailable(f.subject, "\(f.message) after \(String(format: "%.2f", Date().timeIntervalSince(t0))) s of the stream") }
        else if !finished { failure = .unavailable("alsa device \(s.captureDevice)/\(s.playbackDevice)", "an I/O thread did not stop (a stalled device or server?)") }
        notes += Self.pcmNotes(play: play, cap: cap, writer: writer, capture: capture)
        if let n = s.writerStall?.note(first: writer.stalledAt, count: writer.stalls) { notes.append(n) }
        return LoopStreamSummary(capturedFrames: handoff.delivered, backendXruns: writer.xruns + capture.xruns - handoff.xrunsAtStart,
                                 notes: notes, failure: failure)
    }
}

/// The stream's side of the capture hand-off: frames from the stimulus' start on, in order.
struct StreamHandoff {
    let channels: Int
    let rate: Int
    /// Frames handed to the consumer so far.
    private(set) var delivered = 0
    /// Xruns (both sides) when the stimulus started.
    private(set) var xrunsAtStart = 0
    /// Captured before the writer said where the stimulus starts: kept (the last second of it),
    /// since the writer may place its start a little after frames already taken.
    private var early: (first: Int, samples: [Float]) = (0, [])
    private var placed = false
    /// Frames kept while the stimulus' start is not known: a second, more than the preroll
    /// plus the capture period by which the writer's alignment point can follow the capture.
    static let earlyKeepSeconds = 1.0

    init(channels: Int, rate: Int) {
        self.channels = channels
        self.rate = rate
    }

    mutating func block(_ capture: ALSACaptureThread, _ writer: ALSAWriterThread, _ shared: ALSAShared) -> LoopStreamBlock {
        let got = capture.take()
        if early.samples.isEmpty { early.first = got.first }
        early.samples += got.samples
        let offset = shared.captureOffset.load(ordering: .acquiring)
        guard offset >= 0 else {
            let keep = Int(Self.earlyKeepSeconds * Double(rate)) * channels
            if early.samples.count > keep {
                let drop = (early.samples.count - keep) / channels
                early.samples.removeFirst(drop * channels)
                early.first += drop
            }
            return LoopStreamBlock(planar: [], backendXruns: nil, reportedLatencyFrames: nil)
        }
        if !placed { placed = true; xrunsAtStart = writer.xruns + capture.xruns }
        let skip = min(early.samples.count / channels, max(0, offset + delivered - early.first))
        let samples = Array(early.samples[(skip * channels)...])
        early = (early.first + early.samples.count / channels, [])
        let frames = samples.count / channels
        delivered += frames
        var block = LoopStreamBlock(planar: AudioBuffer(sampleRate: rate, interleaved: samples, channelCount: channels).channels,
                                    backendXruns: writer.xruns + capture.xruns - xrunsAtStart,
                                    reportedLatencyFrames: writer.lastDelay.map { $0 + (capture.lastDelay ?? 0) })
        block.startedAt = writer.startedAt
        return block
    }
}
