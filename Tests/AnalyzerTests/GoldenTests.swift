// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import AudioFile
import Foundation
import LoopbenchCore
import Stimulus
import Testing
import TestSupport

/// The analyzer's measurements pinned in `Tests/Golden/analyzer.json` (as ``MeasurementGolden``).
/// The captures: synthetic ones (``CaptureSynth``) across the analyzer's cases, and every
/// committed fixture against `Fixtures/reference.wav`.
enum AnalyzerGoldenInputs {
    static func synth(_ name: String, delay: Double, snr: Double? = 30, reference: [Float] = probe,
                      _ edit: (inout CaptureSynth) -> Void = { _ in }) -> (String, [Float], [Float]) {
        var s = CaptureSynth(reference: reference, delay: delay)
        s.snrDB = snr
        edit(&s)
        return (name, reference, s.make().capture)
    }

    /// Name, reference, capture (48 kHz mono).
    static var synthetic: [(String, [Float], [Float])] {
        var out: [(String, [Float], [Float])] = [
            synth("clean, no noise", delay: 480, snr: nil),
            synth("clean 1234.37 at 30 dB", delay: 1234.37),
            synth("clean 2345.6 at 10 dB", delay: 2345.6, snr: 10),
            synth("gain 0.25", delay: 2345.6) { $0.gain = 0.25 },
            synth("inverted", delay: 2345.6) { $0.gain = -0.5 },
            synth("replacement 1668/2150", delay: 1234.37, snr: 20) { $0.edits = [.replace(at: 40000, gap: 1668, missing: 2150)] },
            synth("several", delay: 880.5, snr: 20) {
                $0.edits = [.drop(at: 15000, frames: 300), .gap(at: 40000, frames: 48), .repeat(at: 60000, frames: 1024), .drop(at: 80000, frames: 5)]
                $0.clicks = [.init(frame: 30000, amplitude: 0.9)]
            },
            synth("click +1 at 10 dB", delay: 1500.25, snr: 10) { $0.clicks = [.init(frame: 40000, amplitude: 1)] },
            synth("click -1 at 10 dB", delay: 700.75, snr: 10) { $0.seed = 2; $0.clicks = [.init(frame: 61000, amplitude: -1)] },
            synth("drift +100 ppm", delay: 1500.3) { $0.driftPPM = 100 },
            synth("drift -500 ppm", delay: 1500.3) { $0.driftPPM = -500 },
            synth("drift +200 ppm and a drop", delay: 700) { $0.driftPPM = 200; $0.edits = [.drop(at: 50000, frames: 256)] },
            synth("leading replacement", delay: 900.5, snr: 20) { $0.edits = [.replace(at: 0, gap: 300, missing: 500)] },
            synth("two events close together", delay: 1000, snr: 30) { $0.edits = [.gap(at: 30000, frames: 64), .drop(at: 30400, frames: 128)] },
        ]
        for (kind, size, snr) in [("gap", 1, 30.0), ("gap", 333, 30), ("gap", 2048, 10), ("drop", 2, 30), ("drop", 64, 10),
                                  ("drop", 1024, 30), ("repeat", 3, 30), ("repeat", 7, 10), ("repeat", 2048, 30)] {
            let at = 9000 + size * 17
            out.append(synth("\(kind) \(size) at \(Int(snr)) dB", delay: 300.5 + Double(size), snr: snr) {
                switch kind {
                case "gap": $0.edits = [.gap(at: at, frames: size)]
                case "drop": $0.edits = [.drop(at: at, frames: size)]
                default: $0.edits = [.repeat(at: at, frames: size)]
                }
            })
        }
        for kind in [Stimulus.Kind.noise, .mls, .ess] {
            var spec = Stimulus.Spec(kind: kind)
            spec.seconds = 1
            out.append(synth("\(kind.rawValue) reference", delay: 777.25, snr: 20, reference: Stimulus.mono(spec)))
        }
        var rng = SeededRandom(seed: 5)
        out.append(("unrelated noise", probe, (0..<150_000).map { _ in Float(0.2 * rng.gaussian()) }))
        out.append(("silence", probe, [Float](repeating: 0, count: 150_000)))
        return out
    }

    /// The committed fixtures: each `*.truth.json` names its capture and reference.
    static func fixtures() throws -> [(String, AudioBuffer, AudioBuffer)] {
        struct Names: Decodable { var reference: String; var capture: String }
        let root = TestPaths.packageRoot + "/Fixtures/"
        let truths = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasSuffix(".truth.json") }.sorted()
        return try truths.map { name in
            let n = try JSONCoding.decode(Names.self, fromFile: root + name)
            return ("fixture " + n.capture, try SoundFile.read(root + n.reference), try SoundFile.read(root + n.capture))
        }
    }

    static func all() throws -> [MeasurementGolden] {
        let synthetic = try synthetic.map { name, ref, cap in
            try MeasurementGolden(name: name, measurement: Analyzer.analyze(reference: AudioBuffer(sampleRate: 48000, mono: ref),
                                                                            capture: AudioBuffer(sampleRate: 48000, mono: cap)))
        }
        return try synthetic + fixtures().map { try MeasurementGolden(name: $0.0, measurement: Analyzer.analyze(reference: $0.1, capture: $0.2)) }
    }
}

@Suite struct AnalyzerGoldenTests {
    static let file = "analyzer.json"

    @Test("the analyzer's measurements are identical to Tests/Golden/analyzer.json")
    func measurementsAreUnchanged() throws {
        let got = try AnalyzerGoldenInputs.all()
        if Golden.updating {
            try Golden.write(got, to: Self.file)
            return
        }
        let expected = try Golden.load([MeasurementGolden].self, from: Self.file)
        #expect(expected.count >= 30)
        let diffs = Golden.differences(got: got, expected: expected, name: \.name)
        #expect(diffs.isEmpty, "\(diffs.count) of \(expected.count) cases changed:\n\(diffs.joined(separator: "\n"))")
    }
}
