// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import CardModel
import LoopbenchCore
import Stimulus
import Testing
import TestSupport

/// What the card model gave for one configuration, pinned in `Tests/Golden/card-model.json`.
///
/// `capture` is FNV-1a 64 over the capture's Float bit patterns; `truth` and `breakdown` are
/// FNV-1a 64 of the canonical JSON of the full ``CardModelTruth`` and of the latency
/// breakdown. The latency, events, artifact count and xruns are also kept in clear, so that
/// a failure shows what moved.
struct ModelGoldenCase: Codable, Equatable {
    var name: String
    var settings: [String: String]
    var seconds: Double
    var captureFrames: Int
    var capture: String
    var truth: String
    var breakdown: String
    var latencySamples: Double?
    var events: [Event]
    var artifacts: Int
    var xruns: [String: Int]
    var notes: [String]

    enum CodingKeys: String, CodingKey {
        case name, settings, seconds, capture, truth, breakdown, events, artifacts, xruns, notes
        case captureFrames = "capture_frames"
        case latencySamples = "latency_samples"
    }

    /// Runs the model on the default sweep probe (`seconds` long, at the guest rate).
    init(name: String, settings: [String: String], seconds: Double) throws {
        let s = try CardModelSettings(settings: settings)
        var spec = Stimulus.Spec()
        spec.sampleRate = s.guestRate
        spec.seconds = seconds
        let r = CardModelLoop.simulate(s, stimulus: Stimulus.mono(spec))
        self.name = name
        self.settings = settings
        self.seconds = seconds
        captureFrames = r.capture.count
        capture = Golden.hash(r.capture)
        truth = try Golden.hash(json: r.truth)
        breakdown = try Golden.hash(json: r.breakdownMS)
        latencySamples = r.truth.latencySamples
        events = r.truth.events
        artifacts = r.truth.artifacts.count
        xruns = r.truth.xrunsByPlace
        notes = r.notes
    }
}

/// The configurations the golden file is generated from (only read when regenerating: the
/// check runs what the file lists, so changes here or to `randomConfig` do not move it).
/// Hand-picked ones cover every device, backend and mechanism; the seeded random ones
/// (the agreement test's generator) mix them, many crackling.
enum ModelGoldenInputs {
    static let handPicked: [(String, [String: String], Double)] = [
        ("defaults", [:], 1),
        ("defaults 48 kHz mixeng", ["out.frequency": "48000", "in.frequency": "48000"], 2),
        ("ac97", ["device": "ac97"], 1),
        ("hda use-timer=off", ["device": "hda-notimer"], 1),
        ("virtio-snd", ["device": "virtio-snd", "qemu": "10.0"], 1),
        ("alsa 7.2 defaults", ["backend": "alsa"], 2),
        ("alsa 8.0 no poll", ["backend": "alsa", "qemu": "8.0", "out.try-poll": "off"], 1),
        ("alsa 5805 periods", ["backend": "alsa", "out.period-length": "5805", "host.jitter": "5ms"], 1),
        ("pipewire", ["backend": "pipewire", "qemu": "10.0"], 1),
        ("pipewire dense underruns", ["backend": "pipewire", "qemu": "10.0", "out.latency": "10000", "in.latency": "10000",
                                      "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0", "seed": "4"], 1),
        ("jack", ["backend": "jack"], 1),
        ("jack 96k stalls", ["backend": "jack", "guest.rate": "96000", "out.frequency": "48000", "in.frequency": "48000",
                             "host.jitter": "5ms", "host.stalls": "1/s:40ms", "seed": "18"], 1),
        ("wav", ["backend": "wav"], 1),
        ("none", ["backend": "none", "qemu": "8.0"], 1),
        ("pa latency 10000", ["out.latency": "10000", "in.latency": "10000"], 1),
        ("pa latency 10000 continuous grants", ["out.latency": "10000", "in.latency": "10000", "pa.grants": "continuous"], 1),
        ("timer-period 20000", ["timer-period": "20000"], 1),
        ("timer-period 2000 latency 20000", ["timer-period": "2000", "out.latency": "20000", "in.latency": "20000"], 1),
        ("stall at 0.5 s", ["host.stalls": "@0.5s:30ms", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0"], 1),
        ("poisson stalls", ["host.jitter": "5ms", "host.stalls": "2/s:20ms", "timer-period": "20000"], 1),
        ("guest 96 kHz", ["guest.rate": "96000", "host.jitter": "3ms"], 1),
        ("guest 44.1 kHz", ["guest.rate": "44100", "guest.jitter": "3ms"], 1),
        ("+100 ppm continuous", ["host.ppm": "100", "pa.grants": "continuous", "host.jitter": "0"], 3),
        ("-300 ppm jack", ["backend": "jack", "host.ppm": "-300", "jack.period": "256"], 1),
        ("mixing engine off", ["out.mixing-engine": "off", "in.mixing-engine": "off"], 1),
        ("guest ring small", ["guest.buffer": "20000", "guest.period": "10000", "guest.jitter": "8ms"], 1),
        ("run cost 3 ms", ["host.run-cost": "3000", "timer-period": "5000"], 1),
        ("ac97 timer 20000", ["device": "ac97", "timer-period": "20000"], 1),
    ]

    static var all: [(String, [String: String], Double)] {
        handPicked + (0..<30).map { ("random \($0)", randomConfig($0), 1) }
    }
}

@Suite struct GoldenTests {
    static let file = "card-model.json"

    @Test("the card model's capture and truth are bit-identical to Tests/Golden/card-model.json")
    func cardModelOutputsAreUnchanged() throws {
        if Golden.updating {
            let cases = try ModelGoldenInputs.all.map { try ModelGoldenCase(name: $0.0, settings: $0.1, seconds: $0.2) }
            try Golden.write(cases, to: Self.file)
            return
        }
        let expected = try Golden.load([ModelGoldenCase].self, from: Self.file)
        #expect(expected.count >= 50)
        let got = try expected.map { try ModelGoldenCase(name: $0.name, settings: $0.settings, seconds: $0.seconds) }
        let diffs = Golden.differences(got: got, expected: expected, name: \.name)
        #expect(diffs.isEmpty, "\(diffs.count) of \(expected.count) cases changed:\n\(diffs.joined(separator: "\n"))")
    }

    @Test("the analyzer's measurements of the card model's captures are identical to Tests/Golden/analyzer-on-card-model.json")
    func analyzerOnCardModelCapturesIsUnchanged() throws {
        // The configurations of the card model's golden file: realistic QEMU captures, many
        // with drops, underruns, stale reads and leading replacements.
        let inputs = try Golden.load([ModelGoldenCase].self, from: Self.file)
        let got = try inputs.map { c in
            let s = try CardModelSettings(settings: c.settings)
            var spec = Stimulus.Spec()
            spec.sampleRate = s.guestRate
            spec.seconds = c.seconds
            let stim = Stimulus.mono(spec)
            let r = CardModelLoop.simulate(s, stimulus: stim)
            let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: s.guestRate, mono: stim), capture: AudioBuffer(sampleRate: s.guestRate, mono: r.capture))
            return try MeasurementGolden(name: c.name, measurement: m)
        }
        if Golden.updating {
            try Golden.write(got, to: "analyzer-on-card-model.json")
            return
        }
        let expected = try Golden.load([MeasurementGolden].self, from: "analyzer-on-card-model.json")
        #expect(expected.count >= 50)
        let diffs = Golden.differences(got: got, expected: expected, name: \.name)
        #expect(diffs.isEmpty, "\(diffs.count) of \(expected.count) cases changed:\n\(diffs.joined(separator: "\n"))")
    }
}
