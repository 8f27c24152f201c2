// SPDX-License-Identifier: GPL-2.0-or-later
import AudioFile
import Foundation
import LoopbenchCore
import TestSupport
import Testing

/// Issue 12 on the real daemon: other tools' signals (the corpus's pulse train and log sweep
/// from 20 Hz), damaged by `loopbench synth` where its truth file says, played by paplay into
/// the private PulseAudio loop while `measure --capture-only` records it. The damage must come
/// back exactly (kind, size, place within 1 ms of the truth moved to where the played file
/// starts), with nothing else, and the pulse train tracked period by period.
extension RealAudio {
@Suite("Other people's signals through the real daemon", .serialized)
struct OtherSignalsTests {
    let dir = TestPaths.temporaryDirectory("loopbench-other-signals")
    let rate = 48000
    /// The played file's lead-in (frames of silence): paplay's first milliseconds into a
    /// running null sink do not reach its monitor.
    let lead = 24000

    struct Damaged: Sendable, CustomTestStringConvertible {
        var family: Corpus.Family
        var edit: [String]
        var testDescription: String { "\(family.rawValue) \(edit.joined(separator: " "))" }
    }

    /// A gap at the pulse train's 40th pulse (where its place is heard), a drop in the sweep's
    /// top part.
    static let cases = [
        Damaged(family: .pulseTrain, edit: ["--gap", "\(48000 / 100 + 1200 * 40):240"]),
        Damaged(family: .logSweep, edit: ["--drop", "54000:480"]),
    ]

    @Test(arguments: cases)
    func damagedSignalComesBackExactly(_ c: Damaged) throws {
        let ref = dir + "/\(c.family.rawValue).wav", played = dir + "/\(c.family.rawValue)-played.wav"
        let truthPath = dir + "/\(c.family.rawValue)-truth.json", json = dir + "/\(c.family.rawValue).json"
        try SoundFile.write(AudioBuffer(sampleRate: rate, mono: Corpus.reference(c.family, sampleRate: rate, seconds: 1.5, seed: 11)), to: ref)
        let synth = try CLI.run(["synth", "--reference", ref, "--out", played, "--delay", "\(lead)", "--format", "f32", "--truth", truthPath] + c.edit)
        #expect(synth.status == 0, "\(synth.stderr)")
        let (play, status) = try CaptureOnlyRun.record(reference: ref, played: played, seconds: 4, json: json, extra: ["--fail-on", "none"])
        #expect(play.status == 0, "paplay: \(play.stderr)")
        #expect(status == 0, "capture-only exit \(status)")
        let m = try JSONDecoder().decode(LoopMeasurement.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        let truth = try JSONDecoder().decode(TruthFile.self, from: Data(contentsOf: URL(fileURLWithPath: truthPath))).events
        guard let latency = m.latency?.samples else { Issue.record("no latency: \(m.reason ?? "")"); return }
        // Where the played file starts in the recording: somewhere after the second measure waited.
        let start = latency - Double(lead)
        #expect(start > 0.8 * Double(rate) && start < 3 * Double(rate), "the played file starts \(start) frames in")
        #expect(m.events.count == truth.count, "\(EventMatch.describe(m.events)) against \(truth)")
        for (e, t) in zip(m.events, truth) {
            #expect(e.kind.rawValue == t.kind && e.sizeSamples == t.size && abs(Double(e.captureSample) - (Double(t.captureSample) + start)) <= Double(rate / 1000),
                    "\(EventMatch.describe(m.events)) against \(truth), the file starting \(start) frames in")
        }
        if c.family == .pulseTrain { #expect(m.reason?.contains("tracked period by period") == true, "\(m.reason ?? "")") }
        #expect(SchemaCheck.validate(jsonPath: json, schema: "measurement.schema.json") == nil)
    }

    /// `loopbench synth --truth`'s file: the events in the played file's frames.
    struct TruthFile: Decodable {
        struct Event: Decodable, CustomStringConvertible {
            var kind: String
            var captureSample: Int
            var size: Int
            enum CodingKeys: String, CodingKey { case kind, captureSample = "capture_sample", size = "size_samples" }
            var description: String { "\(kind)@\(captureSample)x\(size)" }
        }
        var events: [Event]
    }
}
}
