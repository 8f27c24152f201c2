// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// `-audiodev jack` (`audio/jackaudio.c`): FIFOs of 3·max(period, 512) frames between QEMU
/// and the JACK process callback, which runs every period. A short playback FIFO leaves
/// the port's tail unwritten in QEMU; the model plays silence there.
struct JACKHostBackend: HostBackend {
    static let queueName = "JACK"
    let playbackRate: Int
    let captureRate: Int
    let fifoFrames: Int
    let periodFrames: Int
    var playbackQueue = RunQueue()
    var captureQueue = RunQueue()
    var started = false
    var block = RenderedBlock()

    init(settings: CardModelSettings, playbackRate hrO: Int, captureRate hrI: Int, random: SeededRandom) {
        playbackRate = hrO
        captureRate = hrI
        periodFrames = settings.jackPeriod
        fifoFrames = 3 * max(settings.jackPeriod, 512)
    }

    var playbackQueued: Int { playbackQueue.total }
    var captureQueued: Int { captureQueue.total }

    /// QEMU's JACK client is activated with the voice; its capture FIFO is full of old silence.
    mutating func start() { captureQueue.push(.silence(fifoFrames)) }

    func freePlayback(now: Int) -> Int { max(0, fifoFrames - playbackQueue.total) }

    mutating func write(_ n: Int, from mixer: inout RunQueue) {
        mixer.move(n, to: &playbackQueue)
        started = true
    }

    func availableCapture(now: Int) -> Int { captureQueue.total }

    mutating func read(_ n: Int, into mixer: inout RunQueue) { captureQueue.move(n, to: &mixer) }

    /// One process callback.
    mutating func hostPeriod(now: Int, frames p: Int, log: inout ArtifactLog, playback: RateConverter, stimulus: StimulusFrames) -> Int? {
        let got = playbackQueue.move(min(p, playbackQueue.total), to: &block.frames)
        if got < p {
            if started {
                let c = log.log(Artifact(kind: "underrun", place: "JACK playback", timeNs: now, frames: p - got,
                                         reason: "JACK FIFO short by \(ms(p - got, playbackRate)) ms in the process callback (modelled as silence)"))
                block.frames.push(.silence(p - got, cause: c))
            } else {
                block.frames.push(.silence(p - got))
            }
        }
        block.record(into: &captureQueue, limit: fifoFrames, now: now, place: "JACK capture",
                     log: &log, playback: playback, stimulus: stimulus) { [captureRate] n in
            "JACK capture FIFO full: a \(ms(n, captureRate)) ms period was lost"
        }
        return nil
    }
}
