// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// A loop that can also play and record without end, handing the capture over as it arrives:
/// a live soak listens to one unbroken stream instead of chunks with restarts between them,
/// and knows of an event as soon as its period has been captured.
///
/// The same loop as ``AudioLoop/run(stimulus:)``, with the same alignment: capture frame 0 is
/// the frame being recorded when stimulus frame 0 was handed to the playback side, so a
/// period's latency is the app-to-app round trip, as in a single run.
public protocol StreamingAudioLoop: AudioLoop {
    /// Plays `source` and hands every captured frame, in order, to `consumer` until it returns
    /// false (or the backend fails). Blocking: the caller's thread gets the capture (and runs
    /// the consumer); the playback is fed by the backend's own thread.
    func stream(source: any LoopStreamSource, consumer: (LoopStreamBlock) -> Bool) throws(LoopbenchError) -> LoopStreamSummary
}

/// The stimulus of a stream: any number of frames, asked for in order.
public protocol LoopStreamSource: Sendable {
    /// Stimulus frames `start ..< start + count`, interleaved at the loop's channel count.
    /// Called on the backend's playback thread.
    func frames(start: Int, count: Int, channels: Int) -> [Float]
    /// Frames after which the stimulus repeats itself, when it does (a periodic probe's turn of
    /// distinct probes): a loop that cannot be fed as it plays (a guest) plays one cycle over
    /// and over. Nil: it does not repeat.
    var cycleFrames: Int? { get }
}

extension LoopStreamSource {
    public var cycleFrames: Int? { nil }
}

/// Captured audio handed over by a stream, and what the backend said up to then.
public struct LoopStreamBlock: Sendable {
    /// The new frames, planar, continuing where the last block ended.
    public var planar: [[Float]]
    /// Underruns and overruns the API reported since the stimulus started.
    public var backendXruns: Int?
    /// The backend's own latency figure for the loop now, in frames, when it reports one.
    public var reportedLatencyFrames: Double?
    /// When capture frame 0 was recorded (stimulus frame 0 handed over); nil before the stimulus started.
    public var startedAt: Date?
    public init(planar: [[Float]], backendXruns: Int?, reportedLatencyFrames: Double?) {
        self.planar = planar
        self.backendXruns = backendXruns
        self.reportedLatencyFrames = reportedLatencyFrames
    }
}

/// What a stream ended with.
public struct LoopStreamSummary: Sendable {
    /// Frames handed to the consumer.
    public var capturedFrames: Int
    /// Underruns and overruns the API reported from the stimulus on.
    public var backendXruns: Int?
    /// Notes for the report: what the device granted, xruns before the stimulus, stalls.
    public var notes: [String]
    /// The failure that ended the stream early, if one did; the capture before it was handed over.
    public var failure: LoopbenchError?
    /// A real guest's QEMU trace over the stream, each event's `captureSample` on the frames
    /// handed over (nil: no guest, or the trace could not be placed).
    public var qemuTrace: [QEMURun.TraceEvent]?
    public init(capturedFrames: Int, backendXruns: Int?, notes: [String], failure: LoopbenchError? = nil) {
        self.capturedFrames = capturedFrames
        self.backendXruns = backendXruns
        self.notes = notes
        self.failure = failure
    }
}

/// How often a stream hands its capture over: every 50 ms. An event is then known at most
/// 50 ms later than the capture allows (its period's last frames), and a call costs little
/// (a copy of 2400 frames at 48 kHz).
public enum LoopStreamTiming {
    public static let deliverySeconds = 0.05
}

/// A run's whole stimulus (interleaved) as a source: the backends feed a run and a stream the same way.
public struct BufferSource: LoopStreamSource {
    let interleaved: [Float]
    public init(interleaved: [Float]) { self.interleaved = interleaved }
    public func frames(start: Int, count: Int, channels: Int) -> [Float] {
        Array(interleaved[(start * channels)..<((start + count) * channels)])
    }
}
