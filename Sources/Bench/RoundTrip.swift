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
    public static func measure(loop: any AudioLoop, spec: Stimulus.Spec, saveCapture: String? = nil) throws(LoopbenchError) -> Result {
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
        let stimulus = Stimulus.generate(s)
        let got = try loop.run(stimulus: stimulus)
        if let saveCapture { try SoundFile.write(got.capture, to: saveCapture, format: .f32) }
        let source = LoopMeasurement.Source(backend: loop.backend, settings: loop.effectiveSettings)
        var m = try Analyzer.analyze(
            reference: AudioBuffer(sampleRate: stimulus.sampleRate, mono: stimulus.channels[0]),
            capture: got.capture,
            options: .init(channel: nil, referencePath: nil, capturePath: saveCapture, source: source))
        m.backendXruns = got.backendXruns
        m.backendReportedLatency = got.reportedLatencyFrames
        m.truth = got.truth
        m.latencyBreakdownMS = got.latencyBreakdownMS
        if var q = got.qemu {
            let span = m.latency.map { l in Int(l.samples.rounded())..<(Int(l.samples.rounded()) + stimulus.frames) }
            q.witnessFlags = q.crossCheck(events: m.events, sampleRate: m.sampleRate, signalSpan: span)
            m.qemu = q
        }
        rejectImpossibleLatency(&m)
        if !got.notes.isEmpty { m.reason = ([m.reason].compactMap { $0 } + got.notes).joined(separator: "; ") }
        return Result(measurement: m, loop: got, stimulus: stimulus)
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
