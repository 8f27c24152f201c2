// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// `-audiodev pipewire` (`audio/pwaudio.c`, QEMU 8.1+): a ring up to `out.latency` that the
/// graph drains one quantum per cycle; a short ring at a cycle is an underrun filled with
/// silence. The graph's output goes straight back to the capture stream.
struct PipeWireHostBackend: HostBackend {
    static let queueName = "PipeWire"
    let playbackRate: Int
    /// The ring's high-water mark (out.latency).
    let highWater: Int
    let periodFrames: Int
    var playbackQueue = RunQueue()
    var captureQueue = RunQueue()
    var started = false
    var block = RenderedBlock()

    init(settings: CardModelSettings, playbackRate hrO: Int, captureRate: Int, random: SeededRandom) {
        playbackRate = hrO
        highWater = settings.outLatencyUS * hrO / 1_000_000
        let req = max(32, Int(0.75 * Double(settings.timerPeriodUS) * Double(hrO) / 1e6))
        // PipeWire rounds a node.latency request down to a power of two
        // (clock.power-of-two-quantum, flp2) [assumption].
        var q = 32
        while q * 2 <= req && q < 8192 { q *= 2 }
        periodFrames = q
    }

    var playbackQueued: Int { playbackQueue.total }
    var captureQueued: Int { captureQueue.total }

    func freePlayback(now: Int) -> Int { max(0, highWater - playbackQueue.total) }

    mutating func write(_ n: Int, from mixer: inout RunQueue) {
        mixer.move(n, to: &playbackQueue)
        started = true
    }

    func availableCapture(now: Int) -> Int { captureQueue.total }

    mutating func read(_ n: Int, into mixer: inout RunQueue) { captureQueue.move(n, to: &mixer) }

    /// One graph cycle.
    mutating func hostPeriod(now: Int, frames q: Int, log: inout ArtifactLog, playback: RateConverter, stimulus: StimulusFrames) -> Int? {
        let got = playbackQueue.move(min(q, playbackQueue.total), to: &block.frames)
        if got < q {
            if started {
                let c = log.log(Artifact(kind: "underrun", place: "PipeWire playback", timeNs: now, frames: q - got,
                                         reason: "PipeWire ring short by \(ms(q - got, playbackRate)) ms at a graph cycle: silence filled in"))
                block.frames.push(.silence(q - got, cause: c))
            } else {
                block.frames.push(.silence(q - got))
            }
        }
        block.frames.move(block.frames.total, to: &captureQueue)
        return nil
    }
}
