// SPDX-License-Identifier: GPL-2.0-or-later
import AudioFile
import Foundation
import LoopbenchCore
import Stimulus
import Testing
import TestSupport

/// End-to-end tests of the built `loopbench` executable.
@Suite("CLI", .serialized)
struct CLITests {
    let dir = TestPaths.temporaryDirectory("loopbench-cli")

    func run(_ args: [String]) throws -> CLI.Output { try CLI.run(args) }

    @Test("signal → synth → analyze: the JSON validates against the schema and tells the truth")
    func endToEnd() throws {
        let ref = dir + "/ref.wav", cap = dir + "/cap.flac", json = dir + "/m.json", truth = dir + "/truth.json"
        var r = try run(["signal", "--out", ref, "--seconds", "2", "--format", "f32"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try run(["synth", "--reference", ref, "--out", cap, "--delay", "1500.25", "--snr", "25", "--format", "s24",
                     "--drop", "30000:480", "--gap", "60000:64", "--truth", truth])
        #expect(r.status == 0, "\(r.stderr)")
        r = try run(["analyze", "--reference", ref, "--capture", cap, "--json", json])
        #expect(r.status == 1, "a crackle exits 1: \(r.stderr)")
        #expect(r.stdout.contains("verdict: crackle"))
        #expect(SchemaCheck.validate(jsonPath: json, schema: "measurement.schema.json") == nil)
        let m = try JSONDecoder().decode(LoopMeasurement.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(abs((m.latency?.samples ?? 0) - 1500.25) < 0.05)
        #expect(m.events.map(\.kind) == [.drop, .gap])
        #expect(m.events.map(\.sizeSamples) == [480, 64])
        // The same input gives byte-identical JSON.
        let again = try run(["analyze", "--reference", ref, "--capture", cap, "--json", "-", "--quiet"])
        #expect(again.stdout == (try String(contentsOfFile: json, encoding: .utf8)))
    }

    @Test("a capture without the reference: no-signal, latency null, valid JSON")
    func noSignal() throws {
        let ref = dir + "/ref2.wav", other = dir + "/noise.wav", json = dir + "/ns.json"
        _ = try run(["signal", "--out", ref, "--seconds", "1"])
        _ = try run(["signal", "--out", other, "--seconds", "3", "--kind", "noise", "--seed", "9"])
        let r = try run(["analyze", "--reference", ref, "--capture", other, "--json", json])
        #expect(r.status == 2, "no-signal exits 2")
        #expect(r.stdout.contains("no-signal"))
        #expect(SchemaCheck.validate(jsonPath: json, schema: "measurement.schema.json") == nil)
        let text = try String(contentsOfFile: json, encoding: .utf8)
        #expect(text.contains("\"latency\" : null"))
    }

    @Test("bad input: one line on stderr naming the file, sysexits status, never a trap")
    func badInput() throws {
        let ref = dir + "/r.wav"
        _ = try run(["signal", "--out", ref, "--seconds", "1"])
        let empty = dir + "/empty.wav"
        FileManager.default.createFile(atPath: empty, contents: Data())
        let garbage = dir + "/garbage.wav"
        FileManager.default.createFile(atPath: garbage, contents: Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
        let truncated = dir + "/truncated.wav"
        let full = try Data(contentsOf: URL(fileURLWithPath: ref))
        FileManager.default.createFile(atPath: truncated, contents: full.prefix(30))
        let other = dir + "/44k.wav"
        _ = try run(["signal", "--out", other, "--seconds", "2", "--rate", "44100"])
        let short = dir + "/short.wav"
        _ = try run(["signal", "--out", short, "--seconds", "0.5"])
        let cases: [([String], Int32, String)] = [
            (["analyze", "--reference", ref, "--capture", dir + "/missing.wav"], 66, "missing.wav"),
            (["analyze", "--reference", ref, "--capture", empty], 65, "empty.wav"),
            (["analyze", "--reference", ref, "--capture", garbage], 65, "garbage.wav"),
            (["analyze", "--reference", ref, "--capture", truncated], 65, "truncated.wav"),
            (["analyze", "--reference", ref, "--capture", other], 65, "44k.wav"),
            (["analyze", "--reference", ref, "--capture", short], 65, "short.wav"),
            (["analyze", "--reference", ref, "--capture", ref, "--channel", "2"], 64, "channel"),
            (["signal", "--out", dir + "/x.wav", "--rate", "-5"], 64, "rate"),
            // The card model has no speaker: refused before anything is written, saying what to do instead.
            (["signal", "--play", "--backend", "sim", "--out", dir + "/never.wav"], 64, "--backend sim: the card model has no speaker"),
            // A real guest's card is stereo: refused before anything boots.
            (["signal", "--play", "--backend", "qemu", "--channels", "3"], 64, "--channels 3"),
            (["measure", "--backend", "sim", "--set", "nonsense=1"], 64, "nonsense"),
            (["measure", "--backend", "sim", "--set", "timer-period=-5"], 64, "timer-period"),
        ]
        for (args, status, needle) in cases {
            let r = try run(args)
            #expect(r.status == status, "\(args): status \(r.status), stderr \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(needle), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/never.wav"), "a refused --play writes nothing")
    }

    @Test("committed fixtures: each analysed against its truth file")
    func fixtures() throws {
        let root = TestPaths.packageRoot + "/Fixtures"
        let truths = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasSuffix(".truth.json") }.sorted()
        #expect(truths.count >= 4)
        for name in truths {
            let data = try Data(contentsOf: URL(fileURLWithPath: root + "/" + name))
            let t = try JSONDecoder().decode(FixtureTruth.self, from: data)
            let json = dir + "/" + name + ".out.json"
            let r = try run(["analyze", "--reference", root + "/" + t.reference, "--capture", root + "/" + t.capture, "--json", json, "--quiet"])
            // The exit status follows the truth: 2 where nothing should be found, 1 where events were made, else 0.
            #expect(r.status == (t.latencySamples == nil ? 2 : (t.events.isEmpty ? 0 : 1)), "\(name): \(r.status) \(r.stderr)")
            let m = try JSONDecoder().decode(LoopMeasurement.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            if let lat = t.latencySamples {
                #expect(abs((m.latency?.samples ?? .infinity) - lat) < 0.05, "\(name): latency \(m.latency?.samples ?? .nan) vs \(lat)")
            } else {
                #expect(m.verdict == .noSignal, "\(name)")
            }
            let foundEvents = m.events.sorted { ($0.captureSample, $0.kind.rawValue) < ($1.captureSample, $1.kind.rawValue) }
            let truthEvents = t.events.sorted { ($0.captureSample, $0.kind) < ($1.captureSample, $1.kind) }
            let found = m.events.map { "\($0.kind.rawValue)@\($0.captureSample)x\($0.sizeSamples)" }
            let expected = t.events.map { "\($0.kind)@\($0.captureSample)x\($0.sizeSamples)" }
            #expect(m.events.count == t.events.count, "\(name): found \(found), truth \(expected)")
            for (e, x) in zip(foundEvents, truthEvents) {
                #expect(e.kind.rawValue == x.kind && abs(e.captureSample - x.captureSample) <= 48 && e.sizeSamples == x.sizeSamples, "\(name): found \(found), truth \(expected)")
            }
            #expect(SchemaCheck.validate(jsonPath: json, schema: "measurement.schema.json") == nil)
        }
    }
}

struct FixtureTruth: Decodable {
    struct E: Decodable {
        var kind: String
        var captureSample: Int
        var sizeSamples: Int
        enum CodingKeys: String, CodingKey { case kind, captureSample = "capture_sample", sizeSamples = "size_samples" }
    }
    var reference: String
    var capture: String
    var latencySamples: Double?
    var events: [E]
    enum CodingKeys: String, CodingKey { case reference, capture, latencySamples = "latency_samples", events }
}
