// SPDX-License-Identifier: GPL-2.0-or-later

/// One stream of QEMU's HDA codec with `use-timer=on` (`hw/audio/hda-codec.c`): an 8 KiB ring
/// between the guest's DMA and the mixing engine. Positions are in frames (4 bytes each: 16-bit stereo).
struct HDAStream: Sendable {
    var ring = RunQueue()
    /// Frames the DMA side has put in (playback) or the mixing-engine side has (capture), in total.
    var writePosition = 0
    var readPosition = 0
    /// `buft_start`: the instant the DMA pacing counts from; moved by ``HDACodec/timerSyncAdjust(_:playback:now:)``.
    var bufferStartNs = 0
    var fill: Int { writePosition - readPosition }
}

/// QEMU's HDA codec (`hw/audio/hda-codec.c`, `hda-duplex` with `use-timer=on`).
///
/// A 1 ms timer per stream moves guest DMA data into (playback) or out of (capture) the
/// codec's ring, paced by `buft_start`; the audio timer's callbacks move ring data to or
/// from the mixing engine. `hda_timer_sync_adjust` nudges `buft_start` by ±1 or −4 ms to keep
/// the ring half full. When the ring is full at an audio tick, QEMU drops it whole: see
/// ``hdaRingOverflow(now:tickGapNs:log:)``.
struct HDACodec {
    /// The ring: 8192 bytes of 16-bit stereo (`B_SIZE` in hda-codec.c).
    static let ringFrames = 2048
    let guestRate: Int
    var playback = HDAStream()
    var capture = HDAStream()
    /// How often each correction (ms: +1, −1, −4, and 0 for none) was applied.
    var playbackCorrections: [Int: Int] = [:]
    var captureCorrections: [Int: Int] = [:]
    /// Times (s) of the playback corrections after the start-up ramp (the first 200).
    var playbackCorrectionTimesS: [Double] = []
    /// The start-up ramp (−4 ms steps until the ring is half full) is over.
    var startupRampDone = false
    /// Range of the playback ring fill right after each audio tick, after the ramp.
    var playbackFillMin = Int.max
    var playbackFillMax = Int.min

    init(guestRate: Int) { self.guestRate = guestRate }

    /// The playback stream's 1 ms timer (`hda_audio_output_timer`): reads the guest's ring by
    /// DMA as far as the time since `buft_start` allows and the codec ring has room.
    mutating func playbackTimer(now: Int, guest: inout GuestPlayback, scratch: inout RunQueue, log: inout ArtifactLog) {
        let B = Self.ringFrames
        let wanted = (Int64(guestRate) * Int64(now - playback.bufferStartNs)) / 1_000_000_000
        guard wanted > Int64(playback.writePosition) else { return }
        let n = min(B - playback.fill, Int(wanted) - playback.writePosition)
        guard n > 0 else { return }
        guest.dmaRead(n, now: now, into: &scratch, log: &log)
        scratch.move(scratch.total, to: &playback.ring)
        playback.writePosition += n
    }

    /// The capture stream's 1 ms timer (`hda_audio_input_timer`): writes ring data to the guest by DMA.
    mutating func captureTimer(now: Int, guest: inout GuestCapture, scratch: inout RunQueue) {
        let wanted = (Int64(guestRate) * Int64(now - capture.bufferStartNs)) / 1_000_000_000
        guard wanted > Int64(capture.readPosition) else { return }
        let n = min(capture.fill, Int(wanted) - capture.readPosition)
        guard n > 0 else { return }
        capture.ring.move(n, to: &scratch)
        guest.dmaWrite(from: &scratch, now: now)
        capture.readPosition += n
    }

    /// `hda_timer_sync_adjust`: paces the guest DMA by moving `buft_start` 1 ms (ring more than
    /// 1/8 off half full) or 4 ms (more than 1/4 below).
    mutating func timerSyncAdjust(_ target: Int, playback isPlayback: Bool, now: Int) {
        let limit = Self.ringFrames / 8
        var correction = 0
        if target > limit { correction = 1 }
        if target < -limit { correction = -1 }
        if target < -2 * limit { correction = -4 }
        if isPlayback {
            if correction == 0 { startupRampDone = true }
            playbackCorrections[correction, default: 0] += 1
            if correction != 0 && startupRampDone && playbackCorrectionTimesS.count < 200 {
                playbackCorrectionTimesS.append(Double(now) / 1e9)
            }
            playback.bufferStartNs += correction * 1_000_000
        } else {
            captureCorrections[correction, default: 0] += 1
            capture.bufferStartNs += correction * 1_000_000
        }
    }

    /// The audio timer's playback callback (`hda_audio_output_cb`): up to `available` ring
    /// frames go to the mixing engine's playback resampler, or the full ring overflows.
    mutating func playbackCallback(now: Int, available: Int, tickGapNs: Int, scratch: inout RunQueue, mixer: inout MixingEngine, log: inout ArtifactLog) {
        let B = Self.ringFrames
        if playback.fill == B {
            hdaRingOverflow(now: now, tickGapNs: tickGapNs, log: &log)
            return
        }
        let n = min(playback.fill, available)
        playback.ring.move(n, to: &scratch)
        mixer.playbackResampler.feed(&scratch, to: &mixer.playbackBuffer)
        playback.readPosition += n
        if startupRampDone {
            playbackFillMin = min(playbackFillMin, playback.fill)
            playbackFillMax = max(playbackFillMax, playback.fill)
        }
        timerSyncAdjust(playback.fill - B / 2, playback: true, now: now)
    }

    /// The HDA ring overflow: the playback ring is full when the audio tick comes (the tick
    /// came late, or the backend took too little), and QEMU drops the whole ring
    /// (`hda_audio_output_cb`: when `wpos - rpos == B_SIZE` it sets `rpos = wpos = 0` and
    /// `buft_start` to now, "drop buffer, reset timer adjust", traced as `hda_audio_overrun`).
    /// Logged as a "drop" in the "HDA ring" of 2048 frames.
    mutating func hdaRingOverflow(now: Int, tickGapNs: Int, log: inout ArtifactLog) {
        let B = Self.ringFrames
        let lost = playback.ring.removeAll()
        let gap = Double(tickGapNs) / 1e6
        log.log(Artifact(kind: "drop", place: "HDA ring", timeNs: now, frames: B,
                         reason: String(format: "HDA ring full at the audio tick (%.1f ms after the previous one): QEMU dropped the whole %.2f ms ring", gap, Double(B) * 1000 / Double(guestRate)),
                         firstGuestFrame: lost?.lo ?? -1, lastGuestFrame: lost?.hi ?? -1))
        playback.readPosition = 0
        playback.writePosition = 0
        playback.bufferStartNs = now
    }

    /// The audio timer's capture callback (`hda_audio_input_cb`): as many frames as the ring
    /// has room for come from the mixing engine's capture side.
    mutating func captureCallback(available: Int, now: Int, scratch: inout RunQueue, scratch2: inout RunQueue, mixer: inout MixingEngine) {
        let B = Self.ringFrames
        let n = min(B - capture.fill, available)
        let got = mixer.readForGuest(n, into: &scratch, via: &scratch2)
        scratch.move(got, to: &capture.ring)
        capture.writePosition += got
        timerSyncAdjust(-(capture.fill - B / 2), playback: false, now: now)
    }
}
