// SPDX-License-Identifier: GPL-2.0-or-later

extension Simulation {
    /// `audio_run` (`audio/audio.c`), from the audio timer every `timer-period` (or from the
    /// ALSA fd in poll mode): playback first (7.0+ order: the device's callback fills the
    /// mixing engine, then the hw voice writes to the backend), then capture.
    mutating func audioRun(_ now: Int) {
        // audio_run_out
        let hwFree = backend.freePlayback(now: now)
        var guestFree: Int
        if settings.outMixingEngine {
            let live = mixer.playbackBuffer.total
            let freeHw = max(0, min(mixer.playbackCapacity - live, hwFree - live))
            guestFree = mixer.playbackResampler.identity ? freeHw : Int(Int64(freeHw) * Int64(guestRate) / Int64(playbackRate))
        } else {
            guestFree = hwFree
        }
        if guestFree > 0 { devicePlaybackCallback(now, available: guestFree) }
        let w = min(mixer.playbackBuffer.total, backend.freePlayback(now: now))
        if w > 0 { backend.write(w, from: &mixer.playbackBuffer) }

        // audio_run_in
        let n: Int
        if settings.inMixingEngine {
            let captureFree = mixer.captureCapacity - mixer.captureBuffer.total
            n = min(backend.availableCapture(now: now), max(0, captureFree))
        } else {
            n = backend.availableCapture(now: now)
        }
        if n > 0 { backend.read(n, into: &mixer.captureBuffer) }
        let availableToGuest = mixer.captureResampler.identity ? mixer.captureBuffer.total : mixer.captureResampler.outFor(mixer.captureBuffer.total)
        if availableToGuest > 0 { deviceCaptureCallback(now, available: availableToGuest) }
    }
}
