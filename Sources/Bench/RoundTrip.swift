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
        if !got.notes.isEmpty { m.reason = ([m.reason].compactMap { $0 } + got.notes).joined(separator: "; ") }
        return Result(measurement: m, loop: got, stimulus: stimulus)
    }
}
