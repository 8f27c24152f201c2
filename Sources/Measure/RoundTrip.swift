// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import AudioFile
import LoopbenchCore
import Stimulus

/// One round trip: generate the probe, play it through a loop, analyse the capture.
public enum RoundTrip {
    /// The outcome: the measurement, the raw loop result and the probe that was played.
    public struct Result: Sendable {
        public var measurement: LoopMeasurement
        public var loop: LoopCapture
        public var stimulus: AudioBuffer
    }

    /// Runs one measurement through `loop` with a probe of `spec` (rate and channels follow the loop).
    /// With `everyChannel` and a loop of several channels, each channel plays its own probe
    /// (``Stimulus/channelUnique(_:)``) and the result carries a ``ChannelCheck``.
    public static func measure(loop: any AudioLoop, spec: Stimulus.Spec, saveCapture: String? = nil,
                               everyChannel: Bool = false) throws(LoopbenchError) -> Result {
        let stimulus = try probe(for: loop, spec: spec, everyChannel: everyChannel)
        let got = try loop.run(stimulus: stimulus)
        if let saveCapture { try SoundFile.write(got.capture, to: saveCapture, format: .f32) }
        let source = LoopMeasurement.Source(backend: loop.backend, settings: loop.effectiveSettings)
        let m = try analyse(played: stimulus, got: got, source: source, referencePath: nil, capturePath: saveCapture,
                            everyChannel: everyChannel && stimulus.channelCount > 1)
        return Result(measurement: m, loop: got, stimulus: stimulus)
    }

    /// The probe `loop` plays for `spec`: at the loop's rate and channel count, below its narrowest band.
    public static func probe(for loop: any AudioLoop, spec: Stimulus.Spec, everyChannel: Bool) throws(LoopbenchError) -> AudioBuffer {
        var s = spec
        s.sampleRate = loop.sampleRate
        s.channels = loop.channels
        if s.endHz == nil, let narrow = loop.narrowestRate, s.effectiveEndHz > 0.45 * Double(narrow) {
            // What sweeps above the narrowest rate's band is filtered out (or folded back as
            // aliases) on the way round: the probe keeps below it, as it keeps below 20 kHz.
            // (44.1 kHz mixing, QEMU's default, leaves the 19.2 kHz probe as it is.)
            s.endHz = 0.40 * Double(narrow)
        }
        try s.validate()
        if everyChannel && s.channels > 1 {
            guard Stimulus.tellsChannelsApart(s.kind) else {
                throw .usage("--kind \(s.kind.rawValue): one sweep cannot tell channels apart; use sweep, mls or noise", subject: "kind")
            }
            return Stimulus.channelUnique(s)
        }
        return Stimulus.generate(s)
    }

    /// Analyses what came back from playing `played`: the measurement of played channel 0
    /// (on the capture channel where it is strongest), the backend's own account, the headline,
    /// the xrun account and, with `everyChannel`, every channel.
    public static func analyse(played: AudioBuffer, got: LoopCapture, source: LoopMeasurement.Source?, referencePath: String?,
                               capturePath: String?, everyChannel: Bool) throws(LoopbenchError) -> LoopMeasurement {
        var m = try Analyzer.analyze(
            reference: AudioBuffer(sampleRate: played.sampleRate, mono: played.channels[0]),
            capture: got.capture,
            options: .init(channel: nil, referencePath: referencePath, capturePath: capturePath, source: source))
        m.backendXruns = got.backendXruns
        m.backendReportedLatency = got.reportedLatencyFrames
        m.truth = got.truth
        m.latencyBreakdownMS = got.latencyBreakdownMS
        if var q = got.qemu {
            let span = m.latency.map { l in Int(l.samples.rounded())..<(Int(l.samples.rounded()) + played.frames) }
            q.witnessFlags = q.crossCheck(events: m.events, sampleRate: m.sampleRate, signalSpan: span)
            m.qemu = q
        }
        rejectImpossibleLatency(&m)
        if !got.notes.isEmpty { m.reason = ([m.reason].compactMap { $0 } + got.notes).joined(separator: "; ") }
        m.headline = LoopMeasurement.Headline.of(m)
        m.xrunAccount = XrunAccount.account(
            events: m.events,
            reports: .init(duringProbe: got.backendXruns, beforeProbe: got.xrunsBeforeProbe, placed: got.reportedXruns,
                           reportsCaptureOverruns: got.reportsCaptureOverruns),
            sampleRate: m.sampleRate, probeSpan: probeSpan(m), roundTripFrames: m.headline?.dominantSamples)
        if everyChannel { m.channelCheck = try ChannelCheckRun.check(played: played, capture: got.capture) }
        return m
    }

    /// Where the probe lies in the capture: from its first frame at the starting latency to its
    /// last at the final one; nil when no signal was found.
    static func probeSpan(_ m: LoopMeasurement) -> Range<Int>? {
        guard let l = m.latency else { return nil }
        let start = Int(l.samples.rounded(.down))
        let end = Int((m.headline.map { $0.endMS * Double(m.sampleRate) / 1000 } ?? l.samples).rounded(.up)) + m.reference.frames
        return start..<max(start, end)
    }

    /// Every loop's capture starts at the instant the probe started playing, so a round trip
    /// below zero cannot be real: the capture lost its alignment (a guest xrun restarted the
    /// streams, say), or the analyzer followed something that is not the probe. Saying
    /// "no signal", with why, beats a confident impossible number.
    static func rejectImpossibleLatency(_ m: inout LoopMeasurement) {
        guard let l = m.latency, l.samples < -Self.negativeLatencyTolerance else { return }
        let why = String(format: "the analysis gave a negative round trip (%.2f ms), which a loop cannot have; the capture is not aligned with the probe%@",
                         l.ms, (m.backendXruns ?? 0) > 0 ? " (the backend reported \(m.backendXruns!) xruns)" : "")
        m.verdict = .noSignal
        m.latency = nil
        m.segments = nil
        m.events = []
        m.crackles = 0
        m.reason = ([why] + [m.reason].compactMap { $0 }).joined(separator: "; ")
    }

    /// Half a frame: a sub-sample estimate of a zero-delay loop may fall just below zero.
    static let negativeLatencyTolerance = 0.5
}
