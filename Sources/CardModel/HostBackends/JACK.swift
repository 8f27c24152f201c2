// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// `-audiodev jack` (`audio/jackaudio.c`): FIFOs of 3·max(period, 512) frames between QEMU
/// and the JACK process callback, which runs every period. A short playback FIFO leaves
/// the port's tail unwritten in QEMU; the model plays silence there.
struct JACKHostBackend: QueuePairBackend {
    static let queueName = "JACK"
    let playbackRate: Int
    let captureRate: Int
    let periodFrames: Int
    /// Both FIFOs hold `queues.playbackCapacity` frames.
    var queues: QueuePair
    var block = RenderedBlock()

    init(settings: CardModelSettings, playbackRate hrO: Int, captureRate hrI: Int, random: SeededRandom) {
        playbackRate = hrO
        captureRate = hrI
        periodFrames = settings.jackPeriod
        queues = QueuePair(playbackCapacity: 3 * max(settings.jackPeriod, 512))
    }

    /// QEMU's JACK client is activated with the voice; its capture FIFO is full of old silence.
    mutating func start() { queues.capture.push(.silence(queues.playbackCapacity)) }

    /// One process callback.
    mutating func hostPeriod(now: Int, frames p: Int, log: inout ArtifactLog, playback: RateConverter, stimulus: StimulusFrames) -> Int? {
        queues.play(p, into: &block, now: now, place: "JACK playback", log: &log) { [playbackRate] n in
            "JACK FIFO short by \(ms(n, playbackRate)) ms in the process callback (modelled as silence)"
        }
        block.record(into: &queues.capture, limit: queues.playbackCapacity, now: now, place: "JACK capture",
                     log: &log, playback: playback, stimulus: stimulus) { [captureRate] n in
            "JACK capture FIFO full: a \(ms(n, captureRate)) ms period was lost"
        }
        return nil
    }
}
