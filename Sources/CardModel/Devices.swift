// SPDX-License-Identifier: GPL-2.0-or-later

/// The sound devices' audio callbacks, which `audio_run` calls with what the mixing engine
/// can take (playback) or give (capture), in guest frames.
///
/// - HDA with `use-timer=on` (`hw/audio/hda-codec.c`): through the codec's ring (``HDACodec``);
///   its own 1 ms timers do the guest DMA.
/// - HDA with `use-timer=off` (`hda_audio_compat_output_cb`): 256-byte chunks straight from
///   guest memory.
/// - AC'97 (`hw/audio/ac97.c`, `po_callback`/`pi_callback`): walks the buffer descriptor list,
///   copying what the callback allows.
/// - virtio-snd (`hw/audio/virtio-snd.c`, QEMU 8.2+): only buffers the guest queued.
extension Simulation {
    mutating func devicePlaybackCallback(_ now: Int, available: Int) {
        switch settings.device {
        case .hda:
            hda.playbackCallback(now: now, available: available, tickGapNs: lastAudioRunGap, scratch: &scratch, mixer: &mixer, log: &log)
        case .hdaNoTimer:
            guestPlayback.dmaRead(available / 64 * 64, now: now, into: &scratch, log: &log)
            mixer.playbackResampler.feed(&scratch, to: &mixer.playbackBuffer)
        case .ac97:
            guestPlayback.dmaRead(available, now: now, into: &scratch, log: &log)
            mixer.playbackResampler.feed(&scratch, to: &mixer.playbackBuffer)
        case .virtioSnd:
            let queued = Int(guestPlayback.writePosition - guestPlayback.dmaPosition)
            guestPlayback.dmaRead(min(available, queued), now: now, into: &scratch, log: &log)
            mixer.playbackResampler.feed(&scratch, to: &mixer.playbackBuffer)
        }
    }

    mutating func deviceCaptureCallback(_ now: Int, available: Int) {
        let n: Int
        switch settings.device {
        case .hda:
            hda.captureCallback(available: available, now: now, scratch: &scratch, scratch2: &scratch2, mixer: &mixer)
            return
        case .hdaNoTimer:
            n = available / 64 * 64
        case .ac97:
            n = available
        case .virtioSnd:
            n = min(available, Int(guestCapture.readPosition + Int64(guestCapture.ringFrames) - guestCapture.dmaPosition))
        }
        let got = mixer.readForGuest(n, into: &scratch, via: &scratch2)
        scratch.move(got, to: &scratch2)
        guestCapture.dmaWrite(from: &scratch2, now: now)
    }
}
