// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// What one run of the card model gives: the capture, its typed ground truth and the
/// latency breakdown.
public struct CardModelResult: Sendable {
    /// The guest's capture from the instant the guest started playing the stimulus (mono).
    public var capture: [Float]
    public var truth: CardModelTruth
    public var breakdownMS: [String: Double]
    public var notes: [String]
    /// The run itself, to render other channels through the same timing.
    var run: ModelRun
    /// Every logged artifact placed on the capture's frame axis (see ``ReportedXrun``), and
    /// whether it came in the pre-roll, before the probe.
    public var reportedXruns: [(xrun: ReportedXrun, beforeProbe: Bool)]
}

/// QEMU's emulated sound path (guest ring → HDA/AC'97/virtio-snd → mixeng → PulseAudio/
/// PipeWire/ALSA/JACK → host card → monitor → back) as a deterministic simulation.
/// See `Sources/CardModel/README.md`.
public struct CardModelLoop: AudioLoop {
    /// A seeded simulation: deterministic, CPU only, and its settings are QEMU's.
    public static let capabilities = LoopCapabilities(deterministic: true, parallelSafe: true, qemuSettings: true)
    public static let settingDocs: [SettingDoc] = CardModelSettings.docs + ChannelMap.settingDocs
    public let backend = "sim"
    public let settings: CardModelSettings
    /// Which played channel each capture channel takes (identity unless a fault is asked for).
    public let channelMap: ChannelMap
    public var sampleRate: Int { settings.guestRate }
    public var channels: Int { channelMap.sources.count }
    public var effectiveSettings: [String: JSONValue] {
        var e = settings.effective
        if channels > 1 { e["channels"] = .number(Double(channels)) }
        if !channelMap.isIdentity { e["channel-map"] = .string(channelMap.text) }
        return e
    }
    /// The mixing engine's rate on either side, when it is below the guest's.
    public var narrowestRate: Int? {
        let out = settings.outMixingEngine ? settings.outFrequency : settings.guestRate
        let inn = settings.inMixingEngine ? settings.inFrequency : settings.guestRate
        let lowest = min(out, inn)
        return lowest < settings.guestRate ? lowest : nil
    }

    public init(settings: [String: String]) throws(LoopbenchError) {
        var rest = settings
        let channels = rest.removeValue(forKey: "channels"), map = rest.removeValue(forKey: "channel-map")
        self.settings = try CardModelSettings(settings: rest)
        self.channelMap = try ChannelMap.parse(channels: channels, map: map)
    }

    public init(_ settings: CardModelSettings, channelMap: ChannelMap = .identity(1)) {
        self.settings = settings
        self.channelMap = channelMap
    }

    /// Runs the model on a mono stimulus at `guest.rate`.
    public static func simulate(_ settings: CardModelSettings, stimulus: [Float]) -> CardModelResult {
        let run = ModelRun.simulate(settings, stimulus: stimulus)
        let capture = CaptureRenderer(run: run).render()
        let truth = TruthBuilder(run: run, capture: capture).build()
        var breakdown = truth.occupancyMS
        if let l = truth.latencyMS { breakdown["round trip (guest DMA to guest DMA)"] = l }
        var notes: [String] = []
        if let pa = truth.pulse {
            let r = Double(settings.outMixingEngine ? settings.outFrequency : settings.guestRate)
            notes.append(String(format: "PA tlength %.2f ms, minreq %.2f ms, prebuf %.2f ms, record maxlength %.2f ms, sink block %.2f ms; capture began with %.2f ms of stale monitor audio",
                                Double(pa.tlength) * 1000 / r, Double(pa.minreq) * 1000 / r, Double(pa.prebuf) * 1000 / r,
                                Double(pa.maxlength) * 1000 / r, Double(pa.sinkBlock) * 1000 / r, Double(pa.staleCapture) * 1000 / r))
        }
        if settings.guestRate > 48000 && settings.timerPeriodUS >= 10000 && settings.device == .hda {
            notes.append("guest rate above 48 kHz with timer-period ≥ 10 ms: the 8 KiB HDA ring holds only \(String(format: "%.1f", 2048_000.0 / Double(settings.guestRate))) ms")
        }
        if settings.backend == .alsa && settings.qemu == .v7_2 && settings.outPeriodLengthUS == 23219 {
            notes.append("QEMU 7.2 ALSA defaults (23.2 ms periods): set out.period-length=5805")
        }
        return CardModelResult(capture: capture.audio, truth: truth, breakdownMS: breakdown, notes: notes, run: run,
                               reportedXruns: run.placedArtifacts())
    }

    public func run(stimulus: AudioBuffer) throws(LoopbenchError) -> LoopCapture {
        guard stimulus.sampleRate == settings.guestRate else {
            throw .badData("stimulus", "the stimulus is at \(stimulus.sampleRate) Hz but guest.rate=\(settings.guestRate); generate it at the guest rate")
        }
        guard stimulus.frames > 0 else { throw .badData("stimulus", "the stimulus is empty") }
        guard stimulus.duration <= 600 else { throw .usage("--seconds \(stimulus.duration): the card model simulates at most 600 s per run", subject: "seconds") }
        // Without channels or channel-map set, the model takes whatever channels it is given.
        let map = channelMap == .identity(1) ? ChannelMap.identity(stimulus.channelCount) : channelMap
        guard stimulus.channelCount == map.sources.count else {
            throw .usage("sim: the stimulus has \(stimulus.channelCount) channels but channels=\(channels)", subject: "channels")
        }
        let r = Self.simulate(settings, stimulus: stimulus.channels[0])
        let capture = AudioBuffer(sampleRate: settings.guestRate, channels: Self.mapChannels(map, r, stimulus: stimulus))
        // The model reports the artifacts it logged as the host API would: PulseAudio has no
        // record-overflow callback (pa_stream_set_overflow_callback is for playback streams), so
        // with backend=pa a dropped record block goes unreported. Those before the guest started
        // the probe are the pre-roll's, counted apart as the real backends count theirs.
        let silentPlace = settings.backend == .pa ? "\(ArtifactPlace.pulseAudioRecord.rawValue) " : nil
        let reported = r.reportedXruns.filter { a in silentPlace.map { !a.xrun.what.hasPrefix($0) } ?? true }
        let during = reported.filter { !$0.beforeProbe }.map(\.xrun)
        var got = LoopCapture(capture: capture, backendXruns: during.count, reportedLatencyFrames: nil,
                              truth: r.truth.jsonValue, latencyBreakdownMS: r.breakdownMS, notes: r.notes)
        got.reportedXruns = during
        got.xrunsBeforeProbe = reported.count - during.count
        got.reportsCaptureOverruns = silentPlace == nil
        if !channelMap.isIdentity { got.notes.append("channel-map fault: capture channels take \(channelMap.text)") }
        return got
    }

    /// The capture channels as the channel map routes them. Channel 0's capture comes from the
    /// run itself; every other played channel is rendered through the same run.
    private static func mapChannels(_ channelMap: ChannelMap, _ r: CardModelResult, stimulus: AudioBuffer) -> [[Float]] {
        var rendered: [Int: [Float]] = [0: r.capture]
        func played(_ k: Int) -> [Float] {
            if let c = rendered[k] { return c }
            // A channel that plays what channel 0 plays comes back as channel 0 did.
            if stimulus.channels[k] == stimulus.channels[0] { return r.capture }
            let c = CaptureRenderer(run: r.run.carrying(stimulus.channels[k])).render().audio
            rendered[k] = c
            return c
        }
        return channelMap.sources.map { s in
            switch s {
            case .silent: return [Float](repeating: 0, count: r.capture.count)
            case .channel(let k, let inverted): return inverted ? played(k).map { -$0 } : played(k)
            }
        }
    }
}

/// How fast the model runs: seconds of round-trip audio simulated per wall second.
public enum CardModelBenchmark {
    /// Simulates a `seconds`-long probe (a 1 kHz tone) with the default settings, or `settings`.
    public static func run(seconds: Double, settings: CardModelSettings = CardModelSettings()) -> (simulatedSeconds: Double, wallSeconds: Double) {
        let n = max(1, Int(seconds * Double(settings.guestRate)))
        var stim = [Float](repeating: 0, count: n)
        for i in 0..<n { stim[i] = 0.5 * sin(2 * Float.pi * 1000 * Float(i) / Float(settings.guestRate)) }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = CardModelLoop.simulate(settings, stimulus: stim)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return (r.truth.simulatedSeconds, wall)
    }
}
