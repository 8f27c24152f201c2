// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// `-audiodev pa` (`audio/paaudio.c`) with a PulseAudio null sink and its monitor as the host.
///
/// Playback: QEMU writes what the server requested (`pa_stream_writable_size`); the server
/// grants missing frames in `minreq` steps, starts playing once `prebuf` is queued, and the
/// sink takes one block per period. When the queue runs dry, that is a PulseAudio playback
/// underrun (``playbackUnderrun(now:missing:log:)``): silence until `prebuf` is queued again
/// (`pa_memblockq` in PulseAudio's `src/pulsecore/memblockq.c`).
///
/// Capture: the monitor's blocks go to the record stream, whose client queue holds at most
/// `maxlength`; QEMU 7.2 never corks it, so it starts full of old silence (`staleCapture`).
struct PulseAudioHostBackend: HostBackend {
    static let queueName = "PA"
    let playbackRate: Int
    let captureRate: Int
    /// Buffer attributes as QEMU 7.2 asks for them (`qpa_init_out`/`qpa_init_in`), in frames.
    let targetLength: Int       // tlength = out.latency
    let minimumRequest: Int     // minreq = min(out.latency/4, 0.75·timer-period)
    let prebuffer: Int          // prebuf = tlength + 1 − minreq
    let recordMaxLength: Int    // maxlength = max(in.latency, 3·timer-period)
    let fragmentSize: Int       // fragsize = 1.5·timer-period
    /// Monitor blocks already queued when the guest starts capturing.
    let staleCapture: Int
    let periodFrames: Int
    let continuousGrants: Bool

    var playbackQueue = RunQueue()
    var recordQueue = RunQueue()
    /// Frames the server has granted and QEMU has not written yet.
    var requested: Int
    /// The stream is playing (not prebuffering).
    var playing = false
    var block = RenderedBlock()

    init(settings: CardModelSettings, playbackRate hrO: Int, captureRate hrI: Int, random: SeededRandom) {
        playbackRate = hrO
        captureRate = hrI
        let tp = settings.timerPeriodUS
        targetLength = settings.outLatencyUS * hrO / 1_000_000
        minimumRequest = max(1, min(settings.outLatencyUS >> 2, (tp >> 2) * 3) * hrO / 1_000_000)
        prebuffer = max(1, targetLength + 1 - minimumRequest)
        recordMaxLength = max(settings.inLatencyUS, tp * 3) * hrI / 1_000_000
        fragmentSize = ((tp >> 1) * 3) * hrI / 1_000_000
        // The null sink renders in blocks of its requested latency: min(minreq (early
        // requests), fragsize = 1.5·T of the monitor's record stream).
        periodFrames = max(hrO / 2000, min(minimumRequest, ((tp >> 1) * 3) * hrO / 1_000_000))
        requested = targetLength
        // The record stream was connected when QEMU opened the voice and is never
        // corked: the client queue sits full of old (silent) monitor blocks.
        staleCapture = recordMaxLength / periodFrames * periodFrames
        continuousGrants = settings.paGrants == .continuous
    }

    var playbackQueued: Int { playbackQueue.total }
    var captureQueued: Int { recordQueue.total }

    mutating func start() {
        if staleCapture > 0 { recordQueue.push(.silence(staleCapture)) }
    }

    func freePlayback(now: Int) -> Int { requested }

    mutating func write(_ n: Int, from mixer: inout RunQueue) {
        mixer.move(n, to: &playbackQueue)
        requested -= n
    }

    func availableCapture(now: Int) -> Int { recordQueue.total }

    mutating func read(_ n: Int, into mixer: inout RunQueue) { recordQueue.move(n, to: &mixer) }

    /// The sink renders one block, the server grants what is missing, the monitor records.
    mutating func hostPeriod(now: Int, frames b: Int, log: inout ArtifactLog, playback: RateConverter, stimulus: StimulusFrames) -> Int? {
        if !playing && playbackQueue.total >= prebuffer {
            playing = true
            block.openUnderrun = -1
        }
        if playing {
            let got = playbackQueue.move(min(b, playbackQueue.total), to: &block.frames)
            if got < b { playbackUnderrun(now: now, missing: b - got, log: &log) }
        } else {
            block.pushUnderrunSilence(b, log: &log)
        }
        // The server asks for what is missing (in minreq units unless prebuffering).
        let missing = targetLength - playbackQueue.total - requested
        if missing > 0 && (missing >= minimumRequest || !playing || continuousGrants) {
            requested += missing
        }
        // Monitor → record stream (client queue limited to maxlength).
        block.record(into: &recordQueue, limit: recordMaxLength, now: now, place: "PA record", silentOverflow: "PA record overflow (silence)",
                     log: &log, playback: playback, stimulus: stimulus) { [captureRate, recordMaxLength] n in
            "PA record queue at maxlength (\(ms(recordMaxLength, captureRate)) ms): a \(ms(n, captureRate)) ms monitor block was discarded"
        }
        return nil
    }

    /// A PulseAudio playback underrun: the sink wanted `missing` more frames than the stream
    /// had queued. Logged as an "underrun" at "PA playback" (counted in the truth's
    /// `xruns_by_place` as "PA playback underrun"); the stream goes back to prebuffering and
    /// the sink plays silence, which the artifact's size grows by, until `prebuf` is queued again.
    mutating func playbackUnderrun(now: Int, missing: Int, log: inout ArtifactLog) {
        block.openUnderrun = log.log(Artifact(kind: "underrun", place: "PA playback", timeNs: now, frames: 0,
                                              reason: "PulseAudio playback queue ran dry: silence until prebuf (\(ms(prebuffer, playbackRate)) ms) was queued again"))
        block.pushUnderrunSilence(missing, log: &log)
        playing = false
    }

    var pulseAttributes: CardModelTruth.PulseAttributes? {
        .init(tlength: targetLength, minreq: minimumRequest, prebuf: prebuffer, maxlength: recordMaxLength,
              fragsize: fragmentSize, sinkBlock: periodFrames, staleCapture: staleCapture)
    }
}
