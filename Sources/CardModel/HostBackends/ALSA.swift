// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// `-audiodev alsa` (`audio/alsaaudio.c`): a hardware ring of `out.buffer-length` played one
/// period at a time, a capture ring of `in.buffer-length`. With `out.try-poll=on` the fd
/// turning writable at a period boundary runs `audio_run`, not the audio timer.
/// A ring that runs dry is an xrun (-EPIPE): silence until QEMU writes again.
struct ALSAHostBackend: QueuePairBackend {
    static let queueName = "ALSA"
    let playbackRate: Int
    let captureRate: Int
    let captureCapacity: Int
    let periodFrames: Int
    let pollDrivesAudioRun: Bool
    /// Playback capacity: the hardware ring (out.buffer-length).
    var queues: QueuePair
    var running = false
    var block = RenderedBlock()
    /// When in the next period the main loop gets to the fd.
    var pollRandom: SeededRandom

    init(settings: CardModelSettings, playbackRate hrO: Int, captureRate hrI: Int, random: SeededRandom) {
        playbackRate = hrO
        captureRate = hrI
        queues = QueuePair(playbackCapacity: settings.outBufferLengthUS * hrO / 1_000_000)
        captureCapacity = settings.inBufferLengthUS * hrI / 1_000_000
        periodFrames = max(16, settings.outPeriodLengthUS * hrO / 1_000_000)
        pollDrivesAudioRun = settings.outTryPoll
        pollRandom = random
    }

    /// One period of the card.
    mutating func hostPeriod(now: Int, frames p: Int, log: inout ArtifactLog, playback: RateConverter, stimulus: StimulusFrames) -> Int? {
        if !running && queues.started && queues.playback.total > 0 {
            running = true
            block.openUnderrun = -1
        }
        if running {
            let got = queues.playback.move(min(p, queues.playback.total), to: &block.frames)
            if got < p {
                block.openUnderrun = log.log(Artifact(kind: "underrun", place: "ALSA playback", timeNs: now, frames: 0,
                                                      reason: "ALSA playback xrun (-EPIPE): QEMU recovers with snd_pcm_prepare; silence until it writes again"))
                block.pushUnderrunSilence(p - got, log: &log)
                running = false
            }
        } else {
            block.pushUnderrunSilence(p, log: &log)
        }
        block.record(into: &queues.capture, limit: captureCapacity, now: now, place: "ALSA capture",
                     log: &log, playback: playback, stimulus: stimulus) { [captureRate] n in
            "ALSA capture ring full (xrun): a \(ms(n, captureRate)) ms period was lost"
        }
        // Poll mode: the fd turns writable at the period boundary; the main loop gets to it
        // somewhere within the next period [assumption fitted to QEMU commit 467447320a:
        // 23–61 ms between runs with 23.2 ms periods, 5.8–11.9 ms with 5.8 ms periods].
        guard pollDrivesAudioRun else { return nil }
        let periodNs = Int(Double(p) * 1e9 / Double(playbackRate))
        return now + Int(pollRandom.uniform() * Double(periodNs))
    }
}
