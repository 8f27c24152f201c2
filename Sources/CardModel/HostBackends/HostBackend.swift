// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// One of QEMU's audio backends (`-audiodev driver=…`) with the host sound server or card
/// behind it, as the model sees it: a playback queue the mixing engine writes into, a capture
/// queue it reads from, and a host device that renders one period at a time on its own
/// clock, recording what it plays back into the capture queue (the loop).
///
/// The simulation is generic over its backend (``Simulation``), so these calls are direct and
/// inlined: there is no dynamic dispatch on the model's hot path.
protocol HostBackend {
    /// Builds the backend's state from the settings; `random` is its own random stream.
    init(settings: CardModelSettings, playbackRate: Int, captureRate: Int, random: SeededRandom)

    /// The backend as the truth names its queues ("PA" → "PA queue out", "PA queue in").
    static var queueName: String { get }

    /// Frames the host device renders per period (its clock's quantum); 0: no device clock.
    var periodFrames: Int { get }

    /// Whether the backend's fd, not the audio timer, drives `audio_run` (ALSA with `out.try-poll=on`).
    var pollDrivesAudioRun: Bool { get }

    /// Frames queued for playback and for capture (for the occupancy statistics).
    var playbackQueued: Int { get }
    var captureQueued: Int { get }

    /// The voice is enabled (both streams start at t = 0).
    mutating func start()

    /// Frames the backend accepts for playback now (`pcm_ops.buffer_get_free`).
    mutating func freePlayback(now: Int) -> Int

    /// Moves `n` frames from the mixing engine's playback buffer into the backend.
    mutating func write(_ n: Int, from mixer: inout RunQueue)

    /// Frames the backend has captured and QEMU can read now.
    mutating func availableCapture(now: Int) -> Int

    /// Moves `n` captured frames (n > 0) into the mixing engine's capture buffer.
    mutating func read(_ n: Int, into mixer: inout RunQueue)

    /// One period of the host device: it plays `frames` from the playback queue and records
    /// them into the capture queue. Returns when the backend's fd next wakes QEMU's main
    /// loop, before jitter (poll mode only), or nil.
    mutating func hostPeriod(now: Int, frames: Int, log: inout ArtifactLog, playback: RateConverter, stimulus: StimulusFrames) -> Int?

    /// The stream attributes QEMU asked PulseAudio for (PulseAudio only).
    var pulseAttributes: CardModelTruth.PulseAttributes? { get }
}

extension HostBackend {
    var pollDrivesAudioRun: Bool { false }
    mutating func start() {}
    var pulseAttributes: CardModelTruth.PulseAttributes? { nil }
}

/// The guest-stream frames that hold the stimulus: `first..<end` (after the guest's prefill).
struct StimulusFrames {
    let first: Int64
    let end: Int64

    /// Whether a range of backend-domain playback tags (smallest and largest) holds any of the stimulus.
    func overlaps(_ r: (lo: Int64, hi: Int64)?, playback: RateConverter) -> Bool {
        guard let r else { return false }
        let lo = playback.sourceTag(of: r.lo), hi = playback.sourceTag(of: r.hi)
        return hi >= first && lo < end
    }
}

/// The block the host device renders in one period, on its way from the playback queue to
/// the capture queue, and the playback underrun it may be part of.
struct RenderedBlock {
    var frames = RunQueue()
    /// The playback underrun whose silence is still playing (-1: none): its size grows with every silent block.
    var openUnderrun: ArtifactIndex = -1

    /// Silence the device plays for an open underrun (extends the artifact's size).
    mutating func pushUnderrunSilence(_ n: Int, log: inout ArtifactLog) {
        if openUnderrun >= 0 {
            log.extend(openUnderrun, by: n)
            frames.push(.silence(n, cause: openUnderrun))
        } else {
            frames.push(.silence(n))
        }
    }

    /// Moves the block into the capture queue `queue`, unless it does not fit under `limit`:
    /// then it is lost whole, logged as a "drop" at `place` when it held any of the
    /// stimulus, else counted under `silentOverflow` (when given).
    mutating func record(into queue: inout RunQueue, limit: Int, now: Int, place: String, silentOverflow: String? = nil,
                         log: inout ArtifactLog, playback: RateConverter, stimulus: StimulusFrames, reason: (Int) -> String) {
        guard queue.total + frames.total > limit else {
            frames.move(frames.total, to: &queue)
            return
        }
        let n = frames.total
        let lost = frames.removeAll()
        if stimulus.overlaps(lost, playback: playback) {
            log.log(Artifact(kind: "drop", place: place, timeNs: now, frames: n, reason: reason(n),
                             firstGuestFrame: playback.sourceTag(of: lost!.lo), lastGuestFrame: playback.sourceTag(of: lost!.hi)))
        } else if let silentOverflow {
            log.countSilentOverflow(silentOverflow)
        }
    }
}

/// The playback and capture queues of a backend that is plain FIFOs on both sides
/// (PipeWire, ALSA, JACK): QEMU writes up to a capacity and reads what is there.
struct QueuePair {
    var playback = RunQueue()
    var capture = RunQueue()
    /// Frames the playback queue holds at most.
    let playbackCapacity: Int
    /// QEMU has written to the playback queue at least once.
    var started = false

    init(playbackCapacity: Int) { self.playbackCapacity = playbackCapacity }

    /// The host device plays `frames` from the playback queue into `block`; what the queue
    /// lacks is silence, an underrun logged at `place` once QEMU has started writing.
    mutating func play(_ frames: Int, into block: inout RenderedBlock, now: Int, place: String, log: inout ArtifactLog, reason: (Int) -> String) {
        let got = playback.move(min(frames, playback.total), to: &block.frames)
        guard got < frames else { return }
        if started {
            let c = log.log(Artifact(kind: "underrun", place: place, timeNs: now, frames: frames - got, reason: reason(frames - got)))
            block.frames.push(.silence(frames - got, cause: c))
        } else {
            block.frames.push(.silence(frames - got))
        }
    }
}

/// A backend whose state is a ``QueuePair``: the queue plumbing is the same for all of them.
protocol QueuePairBackend: HostBackend {
    var queues: QueuePair { get set }
}

extension QueuePairBackend {
    var playbackQueued: Int { queues.playback.total }
    var captureQueued: Int { queues.capture.total }

    func freePlayback(now: Int) -> Int { max(0, queues.playbackCapacity - queues.playback.total) }

    mutating func write(_ n: Int, from mixer: inout RunQueue) {
        mixer.move(n, to: &queues.playback)
        queues.started = true
    }

    func availableCapture(now: Int) -> Int { queues.capture.total }

    mutating func read(_ n: Int, into mixer: inout RunQueue) { queues.capture.move(n, to: &mixer) }
}
