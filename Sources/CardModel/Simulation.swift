// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The discrete-event simulation of one full-duplex run, built from its parts:
///
/// - the guest (``GuestPlayback``, ``GuestCapture``): an ALSA application and its DMA rings;
/// - the sound device: the HDA codec (``HDACodec``), AC'97 or virtio-snd (`Devices.swift`);
/// - the mixing engine (``MixingEngine``) and the audio timer that runs it (`AudioTimer.swift`);
/// - the host backend (``HostBackend``: PulseAudio, PipeWire, ALSA, JACK, wav/none) and the
///   host device clock behind it (``HostDeviceClock``);
/// - the scheduler (``MainLoopScheduler``): jitter and stalls of QEMU's main loop and of the guest.
///
/// Time is integer ns, audio moves as run-length-encoded frame runs (``RunQueue``) tagged with
/// the stream position they carry, and every artifact goes to one ``ArtifactLog``. A run ends
/// as a ``ModelRun``, from which ``CaptureRenderer`` renders the capture and ``TruthBuilder``
/// the ground truth. The simulation is generic over its backend so that the hot loop has no
/// dynamic dispatch; ``ModelRun/simulate(_:stimulus:)`` picks the specialisation.
struct Simulation<Backend: HostBackend> {
    let settings: CardModelSettings
    let guestRate: Int
    /// The mixing engine's (backend's) playback and capture rates.
    let playbackRate: Int, captureRate: Int
    /// Guest-stream frames of silence before the stimulus (one guest ring).
    let prefillFrames: Int
    let stimulus: [Float]
    /// Capture frames rendered from the stimulus's start on: the stimulus and one second.
    let captureFrames: Int
    let endNs: Int
    let audioTimerPeriodNs: Int

    var scheduler: MainLoopScheduler
    var guestPlayback: GuestPlayback
    var guestCapture: GuestCapture
    var hda: HDACodec
    var mixer: MixingEngine
    var backend: Backend
    var hostClock: HostDeviceClock
    var log = ArtifactLog()
    var occupancy = BufferOccupancy()
    /// The simulation's clock: occupancy is accounted up to here (the current event's time).
    var clockNs = 0
    /// Hand-over queues between parts within one event (empty between events).
    var scratch = RunQueue()
    var scratch2 = RunQueue()

    // When each kind of event comes next (ns; Int.max: never).
    var nextHostPeriod = Int.max
    var nextHDAPlaybackTimer = Int.max
    var nextHDACaptureTimer = Int.max
    var nextAudioRun = Int.max
    var nextGuestWrite = Int.max
    var nextGuestRead = Int.max
    var lastAudioRun = 0
    var lastAudioRunGap = 0
    /// The guest's next period boundary (it wakes late by its jitter after it).
    var guestWake = 0

    init(settings: CardModelSettings, stimulus: [Float]) {
        self.settings = settings
        let gr = settings.guestRate
        guestRate = gr
        playbackRate = settings.outMixingEngine ? settings.outFrequency : gr
        captureRate = settings.inMixingEngine ? settings.inFrequency : gr
        let ringFrames = max(64, settings.guestBufferUS * gr / 1_000_000)
        prefillFrames = ringFrames
        self.stimulus = stimulus
        captureFrames = stimulus.count + gr
        endNs = Int((Double(prefillFrames + captureFrames) * 1e9 / Double(gr)).rounded()) + 400_000_000
        audioTimerPeriodNs = settings.timerPeriodUS * 1000

        // One random stream per part, split from the seed in a fixed order.
        var master = SeededRandom(seed: settings.seed)
        let hostRandom = SeededRandom(seed: master.next())
        let guestRandom = SeededRandom(seed: master.next())
        let stallRandom = SeededRandom(seed: master.next())
        var phaseRandom = SeededRandom(seed: master.next())
        let backendRandom = SeededRandom(seed: master.next())
        scheduler = MainLoopScheduler(settings: settings, endNs: endNs, hostRandom: hostRandom, guestRandom: guestRandom, stallRandom: stallRandom)

        let virtio = settings.device == .virtioSnd
        guestPlayback = GuestPlayback(ringFrames: ringFrames, rate: gr, queuedBuffersOnly: virtio)
        guestCapture = GuestCapture(ringFrames: ringFrames, rate: gr, queuedBuffersOnly: virtio)
        hda = HDACodec(guestRate: gr)
        mixer = MixingEngine(guestRate: gr, playbackRate: playbackRate, captureRate: captureRate,
                             playbackCapacity: settings.outBufferLengthUS * playbackRate / 1_000_000,
                             captureCapacity: settings.inBufferLengthUS * captureRate / 1_000_000)
        backend = Backend(settings: settings, playbackRate: playbackRate, captureRate: captureRate, random: backendRandom)
        let q = backend.periodFrames
        hostClock = HostDeviceClock(rate: playbackRate, ppm: settings.hostPPM,
                                    phaseNs: q > 0 ? Int(phaseRandom.uniform() * Double(q) * 1e9 / Double(playbackRate)) : 0)
    }

    var stimulusFrames: StimulusFrames {
        StimulusFrames(first: Int64(prefillFrames), end: Int64(prefillFrames + stimulus.count))
    }

    // MARK: - the event loop

    mutating func run() {
        // Stream start at t = 0: both guest streams triggered together (snd_pcm_link).
        if settings.device == .hda {
            nextHDAPlaybackTimer = scheduler.fire(1_000_000, now: clockNs)
            nextHDACaptureTimer = scheduler.fire(1_000_000, now: clockNs)
        }
        let guestPeriodNs = settings.guestPeriodUS * 1000
        guestWake = guestPeriodNs
        nextGuestWrite = guestPeriodNs + scheduler.guestLateness()
        nextGuestRead = nextGuestWrite
        if backend.pollDrivesAudioRun {
            nextAudioRun = scheduler.fire(0, now: clockNs)  // enabling the voice runs audio_run once from the poll handler
        } else {
            nextAudioRun = scheduler.fire(audioTimerPeriodNs, now: clockNs)
        }
        if backend.periodFrames > 0 { nextHostPeriod = hostClock.ns(atFrame: Int64(backend.periodFrames)) }
        backend.start()

        while true {
            var t = nextHostPeriod
            if nextHDAPlaybackTimer < t { t = nextHDAPlaybackTimer }
            if nextHDACaptureTimer < t { t = nextHDACaptureTimer }
            if nextAudioRun < t { t = nextAudioRun }
            if nextGuestWrite < t { t = nextGuestWrite }
            if nextGuestRead < t { t = nextGuestRead }
            if t > endNs { break }
            accountOccupancy(until: t)
            if t == nextHostPeriod {
                hostPeriod(t)
            } else if t == nextHDAPlaybackTimer {
                hda.playbackTimer(now: t, guest: &guestPlayback, scratch: &scratch, log: &log)
                nextHDAPlaybackTimer = scheduler.fire(t + 1_000_000, now: clockNs)
            } else if t == nextHDACaptureTimer {
                hda.captureTimer(now: t, guest: &guestCapture, scratch: &scratch2)
                nextHDACaptureTimer = scheduler.fire(t + 1_000_000, now: clockNs)
            } else if t == nextAudioRun {
                lastAudioRunGap = t - lastAudioRun
                lastAudioRun = t
                audioRun(t)
                if backend.pollDrivesAudioRun {
                    nextAudioRun = Int.max
                } else {
                    nextAudioRun = scheduler.fire(t + settings.hostRunCostUS * 1000 + audioTimerPeriodNs, now: clockNs)
                }
            } else if t == nextGuestWrite {
                guestPlayback.wake(now: t, log: &log)
                guestWake += guestPeriodNs
                nextGuestWrite = max(t + 1, guestWake + scheduler.guestLateness())
            } else {
                guestCapture.wake(now: t, log: &log)
                nextGuestRead = max(t + 1, guestWake + scheduler.guestLateness())
            }
        }
        accountOccupancy(until: endNs)
    }

    /// One period of the host device (its own clock): the backend plays and records.
    mutating func hostPeriod(_ now: Int) {
        let q = backend.periodFrames
        if let wake = backend.hostPeriod(now: now, frames: q, log: &log, playback: mixer.playbackResampler, stimulus: stimulusFrames) {
            let t = scheduler.fire(wake, now: clockNs)
            if t < nextAudioRun { nextAudioRun = t }
        }
        hostClock.framesPlayed += Int64(q)
        nextHostPeriod = hostClock.ns(atFrame: hostClock.framesPlayed + Int64(q))
    }

    mutating func accountOccupancy(until t: Int) {
        let dt = t - clockNs
        guard dt > 0 else { return }
        clockNs = t
        occupancy.guestRingOut += guestPlayback.fill * dt
        occupancy.hdaRingOut += hda.playback.fill * dt
        occupancy.mixerOut += mixer.playbackBuffer.total * dt
        occupancy.backendOut += backend.playbackQueued * dt
        occupancy.backendIn += backend.captureQueued * dt
        occupancy.mixerIn += mixer.captureBuffer.total * dt
        occupancy.hdaRingIn += hda.capture.fill * dt
        occupancy.guestRingIn += guestCapture.fill * dt
    }

    /// What the run leaves for the capture renderer and the truth builder.
    var record: ModelRun {
        ModelRun(settings: settings, guestRate: guestRate, playbackRate: playbackRate, captureRate: captureRate,
                 prefillFrames: prefillFrames, stimulus: stimulus, captureFrames: captureFrames,
                 guestCapture: guestCapture.captured, playbackResampler: mixer.playbackResampler,
                 captureResampler: mixer.captureResampler, log: log, occupancy: occupancy, simulatedNs: clockNs,
                 hda: hda, backendQueueName: Backend.queueName, pulse: backend.pulseAttributes)
    }
}

/// The host sound card's clock: it runs `ppm` fast against QEMU_CLOCK_VIRTUAL, from a phase
/// against the guest's start drawn from the seed.
struct HostDeviceClock {
    let rate: Int
    let ppmFactor: Double
    let phaseNs: Int
    var framesPlayed: Int64 = 0

    init(rate: Int, ppm: Double, phaseNs: Int) {
        self.rate = rate
        ppmFactor = 1 + ppm * 1e-6
        self.phaseNs = phaseNs
    }

    @inline(__always) func ns(atFrame f: Int64) -> Int {
        phaseNs + Int((Double(f) * 1e9 / (Double(rate) * ppmFactor)).rounded())
    }
}

/// Time-weighted occupancy of every buffer on the path (frames × ns, summed over the run).
struct BufferOccupancy {
    var guestRingOut = 0
    var hdaRingOut = 0
    var mixerOut = 0
    var backendOut = 0
    var backendIn = 0
    var mixerIn = 0
    var hdaRingIn = 0
    var guestRingIn = 0
}

/// Everything a finished simulation leaves: what the guest captured (as tagged runs), the
/// resamplers' logs to trace it back to the stimulus, the artifact log and the statistics.
struct ModelRun {
    let settings: CardModelSettings
    let guestRate: Int, playbackRate: Int, captureRate: Int
    let prefillFrames: Int
    let stimulus: [Float]
    let captureFrames: Int
    let guestCapture: RunLog
    let playbackResampler: RateConverter
    let captureResampler: RateConverter
    let log: ArtifactLog
    let occupancy: BufferOccupancy
    let simulatedNs: Int
    let hda: HDACodec
    let backendQueueName: String
    let pulse: CardModelTruth.PulseAttributes?

    /// Runs the simulation with the settings' backend.
    static func simulate(_ settings: CardModelSettings, stimulus: [Float]) -> ModelRun {
        switch settings.backend {
        case .pa: run(PulseAudioHostBackend.self, settings, stimulus)
        case .pipewire: run(PipeWireHostBackend.self, settings, stimulus)
        case .alsa: run(ALSAHostBackend.self, settings, stimulus)
        case .jack: run(JACKHostBackend.self, settings, stimulus)
        case .wav, .none: run(WavHostBackend.self, settings, stimulus)
        }
    }

    private static func run<B: HostBackend>(_: B.Type, _ settings: CardModelSettings, _ stimulus: [Float]) -> ModelRun {
        var sim = Simulation<B>(settings: settings, stimulus: stimulus)
        sim.run()
        return sim.record
    }
}
