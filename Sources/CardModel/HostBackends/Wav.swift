// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// `-audiodev wav` and `-audiodev none` (`audio/wavaudio.c`, `audio/noaudio.c`): playback is
/// consumed at the rate `QEMU_CLOCK_VIRTUAL` allows (`audio_rate_get_bytes`), capture is
/// silence at that rate. The loop is open: no signal comes back.
struct WavHostBackend: HostBackend {
    static let queueName = "wav"
    let playbackRate: Int
    let captureRate: Int
    let periodFrames = 0
    /// The rate limiter's start and what was written since (it restarts when it falls behind or runs far ahead).
    var rateStartNs = 0
    var written: Int64 = 0
    var read: Int64 = 0

    init(settings: CardModelSettings, playbackRate hrO: Int, captureRate hrI: Int, random: SeededRandom) {
        playbackRate = hrO
        captureRate = hrI
    }

    var playbackQueued: Int { 0 }
    var captureQueued: Int { 0 }

    mutating func freePlayback(now: Int) -> Int {
        var allowed = Int64(now - rateStartNs) * Int64(playbackRate) / 1_000_000_000 - written
        if allowed < 0 || allowed > 65536 {
            rateStartNs = now
            written = 0
            allowed = 0
        }
        return Int(allowed)
    }

    mutating func write(_ n: Int, from mixer: inout RunQueue) {
        mixer.discard(n)
        written += Int64(n)
    }

    func availableCapture(now: Int) -> Int { max(0, Int(Int64(now) * Int64(captureRate) / 1_000_000_000 - read)) }

    mutating func read(_ n: Int, into mixer: inout RunQueue) {
        mixer.push(.silence(n))
        read += Int64(n)
    }

    func hostPeriod(now: Int, frames: Int, log: inout ArtifactLog, playback: RateConverter, stimulus: StimulusFrames) -> Int? { nil }
}
