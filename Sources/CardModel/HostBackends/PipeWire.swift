// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// `-audiodev pipewire` (`audio/pwaudio.c`, QEMU 8.1+): a ring up to `out.latency` that the
/// graph drains one quantum per cycle; a short ring at a cycle is an underrun filled with
/// silence. The graph's output goes straight back to the capture stream.
struct PipeWireHostBackend: QueuePairBackend {
    static let queueName = "PipeWire"
    let playbackRate: Int
    let periodFrames: Int
    /// Playback capacity: the ring's high-water mark (out.latency).
    var queues: QueuePair
    var block = RenderedBlock()

    init(settings: CardModelSettings, playbackRate hrO: Int, captureRate: Int, random: SeededRandom) {
        playbackRate = hrO
        queues = QueuePair(playbackCapacity: settings.outLatencyUS * hrO / 1_000_000)
        let req = max(32, Int(0.75 * Double(settings.timerPeriodUS) * Double(hrO) / 1e6))
        // PipeWire rounds a node.latency request down to a power of two
        // (clock.power-of-two-quantum, flp2) [assumption].
        var q = 32
        while q * 2 <= req && q < 8192 { q *= 2 }
        periodFrames = q
    }

    /// One graph cycle.
    mutating func hostPeriod(now: Int, frames q: Int, log: inout ArtifactLog, playback: RateConverter, stimulus: StimulusFrames) -> Int? {
        queues.play(q, into: &block, now: now, place: "PipeWire playback", log: &log) { [playbackRate] n in
            "PipeWire ring short by \(ms(n, playbackRate)) ms at a graph cycle: silence filled in"
        }
        block.frames.move(block.frames.total, to: &queues.capture)
        return nil
    }
}
