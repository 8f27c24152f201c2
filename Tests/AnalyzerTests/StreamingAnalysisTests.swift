// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import AudioFile
import DSP
import Foundation
import LoopbenchCore
import Measure
import Stimulus
import Synth
import Testing
import TestSupport

/// `analyze` on files of any length (``FileAnalysis``): the block-by-block correlation gives
/// the whole-signal one, and a long recording analysed as a stretch gives the whole-recording
/// analysis's result (and the synthetic truth), frame for frame.
@Suite("Streaming analysis")
struct StreamingAnalysisTests {
    /// `signal` through `stream` in blocks of random sizes (1 frame up): the values, in order
    /// (every lag of `whole`'s, checked), their largest difference from `whole`, and its peak.
    static func streamed(_ stream: StreamingCorrelation, _ signal: [Float], against whole: [Double], rng: inout SeededRandom) -> ([Double], Double, Double) {
        var got: [Double] = []
        var lagsSeen: [Int] = []
        var at = 0
        while at < signal.count {
            let n = min(signal.count - at, [1, 7, 4099, 65_536][Int(rng.next() % 4)])
            stream.append(signal[at..<(at + n)]) { k, c in lagsSeen.append(k); got.append(c) }
            at += n
        }
        stream.finish { k, c in lagsSeen.append(k); got.append(c) }
        #expect(lagsSeen == Array(stream.lags))
        let worst = lagsSeen.count == whole.count ? zip(got, whole).map { abs($0 - $1) }.max() ?? .infinity : .infinity
        return (got, worst, whole.map(abs).max() ?? 1)
    }

    /// Overlap-save against the one-transform correlation, for templates shorter and longer than
    /// a block, negative lags, lags past the signal's end, and blocks of any size (1 frame up).
    @Test("streaming correlation equals the whole-signal correlation", arguments: [(3000, 50_000), (20_000, 61_000), (300, 900)])
    func streamingCorrelation(templateFrames: Int, signalFrames: Int) {
        var rng = SeededRandom(seed: UInt64(templateFrames))
        let signal = (0..<signalFrames).map { _ in Float(rng.gaussian()) }
        let template = (0..<templateFrames).map { _ in Float(rng.gaussian()) }
        let lags = (-templateFrames / 2)...(signalFrames + 10)
        let whole = Correlation.crossCorrelate(signal: signal, template: template, lags: lags)
        let stream = StreamingCorrelation(template: template, signalFrames: signalFrames, lags: lags)
        let (_, worst, scale) = Self.streamed(stream, signal, against: whole, rng: &rng)
        #expect(worst <= 1e-9 * scale, "largest difference \(worst) against a peak of \(scale)")
    }

    /// The single-precision transforms the whole-recording scan uses: every lag, in order,
    /// each within 10⁻⁵ of the peak of the double-precision correlation.
    @Test("streaming correlation in single precision is within 1e-5 of the peak", arguments: [(3000, 50_000), (96_000, 700_000), (300, 900)])
    func streamingCorrelationSingle(templateFrames: Int, signalFrames: Int) {
        var rng = SeededRandom(seed: UInt64(templateFrames) + 7)
        let template = (0..<templateFrames).map { _ in Float(rng.gaussian()) }
        // The template itself inside noise, so the peak is a real one.
        var signal = (0..<signalFrames).map { _ in Float(0.1 * rng.gaussian()) }
        for i in template.indices where signalFrames / 3 + i < signalFrames { signal[signalFrames / 3 + i] += template[i] }
        let lags = (-templateFrames / 2)...(signalFrames + 10)
        let whole = Correlation.crossCorrelate(signal: signal, template: template, lags: lags)
        let stream = StreamingCorrelation(template: template, signalFrames: signalFrames, lags: lags, singlePrecision: true)
        let (got, worst, scale) = Self.streamed(stream, signal, against: whole, rng: &rng)
        #expect(worst <= 1e-5 * scale, "largest difference \(worst) against a peak of \(scale)")
        #expect(got.indices.max { abs(got[$0]) < abs(got[$1]) } == whole.indices.max { abs(whole[$0]) < abs(whole[$1]) })
    }

    /// A 40 s stereo recording (the probe at 10 s, then 28 s of noise: longer than the stretch
    /// analysed around a 2 s reference) with a gap, a drop, a repeat and a click at known frames.
    static func longRecording() -> (reference: AudioBuffer, capture: AudioBuffer, truth: [CaptureSynth.Truth]) {
        var s = CaptureSynth(reference: probe, delay: 480_000.37)
        s.snrDB = 30
        s.edits = [.gap(at: 20_000, frames: 480), .drop(at: 50_000, frames: 1024), .repeat(at: 80_000, frames: 700)]
        s.clicks = [.init(frame: 480_000 + 65_000, amplitude: 0.7)]
        s.tail = 40 * 48000 - 480_001 - probe.count
        let (left, truth) = s.make()
        return (probeBuffer, AudioBuffer(sampleRate: 48000, channels: [left.map { $0 * 0.5 }, left]), truth)
    }

    @Test("a long recording analysed as a stretch gives the whole-recording result and the truth")
    func longRecordingAgrees() throws {
        let (reference, capture, truth) = Self.longRecording()
        #expect(capture.frames > FileAnalysis.stretchFrames(referenceFrames: reference.frames, rate: 48000))
        let dir = TestPaths.temporaryDirectory("streaming-analysis")
        try SoundFile.write(reference, to: dir + "/ref.wav")
        try SoundFile.write(capture, to: dir + "/cap.wav")
        let whole = try Analyzer.analyze(reference: reference, capture: capture)
        let streamed = try FileAnalysis.analyze(referencePath: dir + "/ref.wav", capturePath: dir + "/cap.wav", options: .init())
        let kinds = { (m: LoopMeasurement) in m.events.map { "\($0.kind.rawValue)@\($0.captureSample)×\($0.sizeSamples)" } }
        #expect(kinds(streamed) == kinds(whole))
        #expect(streamed.events.map(\.kind) == truth.map(\.kind))
        for (e, t) in zip(streamed.events, truth) {
            #expect(abs(e.captureSample - t.captureSample) <= 48, "\(e.kind) at \(e.captureSample), truth \(t.captureSample)")
            #expect(e.sizeSamples == t.size)
        }
        #expect(streamed.verdict == whole.verdict)
        #expect(streamed.capture.frames == capture.frames)
        #expect(streamed.capture.channelUsed == whole.capture.channelUsed)
        let l = try #require(streamed.latency?.samples), lw = try #require(whole.latency?.samples)
        #expect(abs(l - lw) < 1e-6)
        #expect(abs(l - 480_000.37) < AccuracyBound.latencyAt20dB)
        #expect(streamed.segments?.map(\.captureStart) == whole.segments?.map(\.captureStart))
        #expect(streamed.segments?.map(\.captureEnd) == whole.segments?.map(\.captureEnd))
        // The confidence z: the correlation's noise from a histogram, not a sorted sample.
        let z = try #require(streamed.latency?.confidence), zw = try #require(whole.latency?.confidence)
        #expect(abs(z / zw - 1) < 5e-4, "z \(z) against \(zw)")
        #expect(abs((streamed.driftPPM ?? .nan) - (whole.driftPPM ?? .nan)) < 1e-6)
    }

    @Test("a recording no longer than the stretch is analysed whole: the same measurement")
    func shortRecordingIsWhole() throws {
        var s = CaptureSynth(reference: probe, delay: 2345.6)
        s.snrDB = 20
        s.edits = [.drop(at: 40_000, frames: 333)]
        let cap = AudioBuffer(sampleRate: 48000, mono: s.make().capture)
        let dir = TestPaths.temporaryDirectory("streaming-analysis-short")
        try SoundFile.write(probeBuffer, to: dir + "/ref.wav")
        try SoundFile.write(cap, to: dir + "/cap.wav")
        let a = try FileAnalysis.analyze(referencePath: dir + "/ref.wav", capturePath: dir + "/cap.wav", options: .init())
        let b = try Analyzer.analyze(reference: probeBuffer, capture: cap)
        #expect(try JSONCoding.encode(a) == JSONCoding.encode(b))
    }

    @Test("the reference near the end of a long recording, and a long silent one")
    func edgesOfLongRecordings() throws {
        let dir = TestPaths.temporaryDirectory("streaming-analysis-edges")
        try SoundFile.write(probeBuffer, to: dir + "/ref.wav")
        let frames = 30 * 48000
        var s = CaptureSynth(reference: probe, delay: Double(frames - probe.count - 2000) + 0.25)
        s.snrDB = 30
        s.tail = 2000
        let late = s.make().capture
        try SoundFile.write(AudioBuffer(sampleRate: 48000, mono: late), to: dir + "/late.wav")
        let m = try FileAnalysis.analyze(referencePath: dir + "/ref.wav", capturePath: dir + "/late.wav", options: .init())
        #expect(m.verdict == .clean)
        #expect(abs((m.latency?.samples ?? 0) - s.delay) < AccuracyBound.latencyAt20dB)
        var rng = SeededRandom(seed: 3)
        let noise = (0..<frames).map { _ in Float(0.01 * rng.gaussian()) }
        try SoundFile.write(AudioBuffer(sampleRate: 48000, mono: noise), to: dir + "/noise.wav")
        let n = try FileAnalysis.analyze(referencePath: dir + "/ref.wav", capturePath: dir + "/noise.wav", options: .init())
        #expect(n.verdict == .noSignal)
        #expect(n.latency == nil)
    }

    /// Every golden capture (synthetic, and the committed fixtures) placed 5 s into a 30 s
    /// recording (low noise around it, on every channel):
    /// the streamed analysis of the file and the whole-recording analysis of the same samples
    /// give the same verdict, reason, events (frame for frame), segments and latency.
    @Test("the golden captures inside long recordings: streamed and whole analyses agree")
    func goldenCorpusAgrees() throws {
        let dir = TestPaths.temporaryDirectory("streaming-analysis-golden")
        var rng = SeededRandom(seed: 17)
        let inputs = AnalyzerGoldenInputs.synthetic.map { ($0.0, AudioBuffer(sampleRate: 48000, mono: $0.1), AudioBuffer(sampleRate: 48000, mono: $0.2)) }
            + (try AnalyzerGoldenInputs.fixtures())
        var checked = 0
        for (name, reference, cap) in inputs {
            let rate = cap.sampleRate, lead = 5 * rate, total = 30 * rate
            let capture = AudioBuffer(sampleRate: rate, channels: cap.channels.map { x in
                var long = (0..<total).map { _ in Float(1e-3 * rng.gaussian()) }
                for (i, v) in x.enumerated() where lead + i < total { long[lead + i] += v }
                return long
            })
            #expect(capture.frames > FileAnalysis.stretchFrames(referenceFrames: reference.frames, rate: rate), "\(name)")
            try SoundFile.write(reference, to: dir + "/ref.wav")
            try SoundFile.write(capture, to: dir + "/cap.wav")
            let whole = try Analyzer.analyze(reference: reference, capture: capture)
            let streamed = try FileAnalysis.analyze(referencePath: dir + "/ref.wav", capturePath: dir + "/cap.wav", options: .init())
            let events = { (m: LoopMeasurement) in m.events.map { "\($0.kind.rawValue)@\($0.captureSample)×\($0.sizeSamples)" } }
            #expect(streamed.verdict == whole.verdict, "\(name)")
            // The same reason; a confidence quoted in it may differ in its last digit (z within 0.04 %).
            let words = { (r: String?) in r?.replacing(/[0-9]+(\.[0-9]+)?/, with: "#") }
            #expect(words(streamed.reason) == words(whole.reason), "\(name)")
            #expect(events(streamed) == events(whole), "\(name)")
            #expect(streamed.segments?.map(\.captureStart) == whole.segments?.map(\.captureStart), "\(name)")
            #expect(streamed.segments?.map(\.captureEnd) == whole.segments?.map(\.captureEnd), "\(name)")
            #expect((streamed.latency == nil) == (whole.latency == nil), "\(name)")
            if let a = streamed.latency?.samples, let b = whole.latency?.samples { #expect(abs(a - b) < 1e-6, "\(name): \(a) against \(b)") }
            checked += 1
        }
        #expect(checked == inputs.count && inputs.count > AnalyzerGoldenInputs.synthetic.count)
    }

    /// 24 of the analyzer fuzz cases (random references, damage, paths, quirks, rates, some
    /// captures unrelated or truncated), each laid at a random place in a recording longer
    /// than its stretch, filled around with silence, noise or a constant: no trap, a refusal
    /// only as bad data, every measurement schema-valid with its events inside the recording,
    /// and the verdict of the whole-recording analysis.
    @Test("fuzz: long recordings streamed (24 seeded cases)")
    func fuzzLong() throws {
        let dir = TestPaths.temporaryDirectory("streaming-analysis-fuzz")
        var measurements: [LoopMeasurement] = []
        for i in 0..<24 {
            let c = AnalyzerFuzzTests.make(1000 + i)
            var rng = SeededRandom(seed: 500 + UInt64(i))
            let stretch = FileAnalysis.stretchFrames(referenceFrames: c.reference.count, rate: c.rate)
            let total = max(stretch, c.capture.count) + 1 + Int(rng.next() % UInt64(3 * c.rate))
            let at = Int(rng.next() % UInt64(total - c.capture.count + 1))
            let fill = rng.next() % 3
            var long = (0..<total).map { _ in fill == 0 ? 0 : fill == 1 ? Float(0.05 * rng.gaussian()) : 0.1 }
            for (j, v) in c.capture.enumerated() { long[at + j] += v }
            let label = c.label + ", at \(at) of \(total), fill \(fill)"
            let reference = AudioBuffer(sampleRate: c.rate, mono: c.reference), capture = AudioBuffer(sampleRate: c.rate, mono: long)
            try SoundFile.write(reference, to: dir + "/ref.wav")
            try SoundFile.write(capture, to: dir + "/cap.wav")
            let whole: LoopMeasurement?
            do { whole = try Analyzer.analyze(reference: reference, capture: capture) } catch { whole = nil }
            do {
                let m = try FileAnalysis.analyze(referencePath: dir + "/ref.wav", capturePath: dir + "/cap.wav", options: .init())
                measurements.append(m)
                #expect(m.verdict == whole?.verdict, "\(label)")
                #expect(m.capture.frames == total, "\(label)")
                for e in m.events { #expect(e.captureSample >= 0 && e.captureSample < total && e.sizeSamples >= 1, "\(label): \(e)") }
            } catch {
                #expect(error.kind == .badData, "\(label): \(error)")
                #expect(whole == nil, "\(label): refused streamed, measured whole")
            }
        }
        #expect(measurements.count >= 12)
        try JSONCoding.encode(measurements).write(to: URL(fileURLWithPath: dir + "/m.json"))
        let complaint = SchemaCheck.validate(jsonPath: dir + "/m.json", schema: "measurement.schema.json", each: "doc")
        #expect(complaint == nil, "\(complaint ?? "")")
    }
}
