// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Testing
import TestSupport

/// Issue 14: what `measure`, `analyze` and `compare` say and how they exit, each held
/// against ground truth (Synth's truth files, the card model's own log).
@Suite("measure output and exit statuses", .serialized)
struct MeasureOutputTests {
    let dir = TestPaths.temporaryDirectory("loopbench-measure")

    func run(_ args: [String]) throws -> CLI.Output { try CLI.run(args) }

    func measurement(_ path: String) throws -> LoopMeasurement {
        try JSONDecoder().decode(LoopMeasurement.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The card model's truth inside a measurement.
    func truth(_ m: LoopMeasurement) throws -> SimTruth {
        try JSONDecoder().decode(SimTruth.self, from: JSONEncoder().encode(try #require(m.truth)))
    }

    /// A 2 s reference and captures made from it with known damage (Synth).
    func synthCaptures() throws -> (ref: String, clean: String, dropped: String, noise: String) {
        let ref = dir + "/ref.wav", clean = dir + "/clean.wav", dropped = dir + "/dropped.wav", noise = dir + "/noise.wav"
        #expect(try run(["signal", "--out", ref, "--seconds", "2", "--format", "f32"]).status == 0)
        #expect(try run(["synth", "--reference", ref, "--out", clean, "--delay", "1500.25", "--snr", "25"]).status == 0)
        #expect(try run(["synth", "--reference", ref, "--out", dropped, "--delay", "1500.25", "--snr", "25", "--drop", "30000:480"]).status == 0)
        #expect(try run(["signal", "--out", noise, "--seconds", "3", "--kind", "noise", "--seed", "9"]).status == 0)
        return (ref, clean, dropped, noise)
    }

    // MARK: 1. Exit statuses

    @Test("analyze exits 0 clean, 1 crackle, 2 no-signal; --fail-on picks which verdicts fail")
    func analyzeStatuses() throws {
        let c = try synthCaptures()
        let cases: [([String], Int32)] = [
            (["--capture", c.clean], 0),
            (["--capture", c.dropped], 1),
            (["--capture", c.noise], 2),
            (["--capture", c.dropped, "--fail-on", "none"], 0),
            (["--capture", c.noise, "--fail-on", "none"], 0),
            (["--capture", c.dropped, "--fail-on", "no-signal"], 0),
            (["--capture", c.noise, "--fail-on", "no-signal"], 2),
            (["--capture", c.dropped, "--fail-on", "crackle"], 1),
            (["--capture", c.noise, "--fail-on", "crackle"], 0),
            (["--capture", c.noise, "--fail-on", "crackle,no-signal"], 2),
            (["--capture", c.dropped, "--fail-on", "no-signal,crackle"], 1),
        ]
        for (args, status) in cases {
            let r = try run(["analyze", "--reference", c.ref, "--quiet"] + args)
            #expect(r.status == status && !r.signalled, "\(args): exit \(r.status), stderr \(r.stderr)")
            #expect(r.stderr.isEmpty, "\(args): a verdict is not an error: \(r.stderr)")
        }
        // A verdict status still comes after the JSON is written.
        let json = dir + "/dropped.json"
        #expect(try run(["analyze", "--reference", c.ref, "--capture", c.dropped, "--json", json, "--quiet"]).status == 1)
        #expect(try measurement(json).verdict == .crackle)
        // Usage errors stay 64, one line naming the option.
        for bad in ["bogus", "crackle,", "none,crackle", ""] {
            let r = try run(["analyze", "--reference", c.ref, "--capture", c.clean, "--fail-on", bad])
            #expect(r.isRefusal(64, mentioning: "--fail-on"), "--fail-on '\(bad)': \(r.status) \(r.stderr)")
        }
        #expect(try run(["analyze", "--reference", c.ref, "--capture", dir + "/none.wav"]).isRefusal(66, mentioning: "none.wav"))
    }

    @Test("measure (card model) exits as its truth says: 0 clean, 1 crackle, 2 no-signal, 3 channel fault")
    func measureStatuses() throws {
        let cases: [([String], Int32)] = [
            ([], 0),
            (["--set", "host.stalls=@1s:60ms"], 1),
            (["--set", "host.stalls=@1s:60ms", "--fail-on", "no-signal"], 0),
            (["--set", "channel-map=1,0"], 3),
            (["--set", "channel-map=1,0", "--fail-on", "crackle,no-signal"], 0),
        ]
        for (i, (args, status)) in cases.enumerated() {
            let json = dir + "/m\(i).json"
            let r = try run(["measure", "--backend", "sim", "--json", json, "--quiet"] + args)
            #expect(r.status == status && r.stderr.isEmpty, "\(args): exit \(r.status), stderr \(r.stderr)")
            let m = try measurement(json)
            let t = try truth(m)
            // The verdict behind the status is the model's truth.
            #expect(t.events.isEmpty == (m.verdict == .clean), "\(args): truth \(t.events.count) events, verdict \(m.verdict)")
        }
        // The card model plays nothing in capture-only mode: the reference cannot be there (2).
        let ref = dir + "/ref-co.wav"
        #expect(try run(["signal", "--out", ref, "--seconds", "1"]).status == 0)
        let co = try run(["measure", "--backend", "sim", "--capture-only", "--reference", ref, "--duration", "1.5", "--quiet"])
        #expect(co.status == 2, "capture-only on the silent model: \(co.status) \(co.stderr)")
        #expect(try run(["measure", "--backend", "sim", "--capture-only", "--reference", ref, "--duration", "1.5", "--fail-on", "crackle", "--quiet"]).status == 0)
        #expect(try run(["measure", "--backend", "sim", "--capture-only", "--duration", "1"]).isRefusal(64, mentioning: "--reference"))
        #expect(try run(["measure", "--backend", "sim", "--capture-only", "--reference", ref, "--duration", "0.5"]).isRefusal(64, mentioning: "--duration"))
        #expect(try run(["measure", "--backend", "sim", "--duration", "3"]).isRefusal(64, mentioning: "--capture-only"))
        #expect(try run(["measure", "--backend", "sim", "--set", "channel-map=0,2"]).isRefusal(64, mentioning: "channel-map"))
        #expect(try run(["measure", "--backend", "sim", "--set", "channels=9"]).isRefusal(64, mentioning: "channels"))
    }

    @Test("--help of measure, analyze and compare gives the exit statuses")
    func helpGivesStatuses() throws {
        for cmd in ["measure", "analyze", "compare"] {
            let r = try run([cmd, "--help"])
            let text = r.stdout.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
            #expect(r.status == 0 && text.contains("Exit status: 0 clean; 1 crackle, 2 no-signal, 3 a swapped, missing, duplicated or inverted channel"), "\(cmd): \(r.stdout)")
            #expect(text.contains("--fail-on"), "\(cmd)")
        }
    }

    @Test("compare exits with the worst verdict of its trials that --fail-on names")
    func compareStatuses() throws {
        let clean = try run(["compare", "--backend", "sim", "--repeats", "2", "--quiet"])
        #expect(clean.status == 0, "\(clean.stderr)")
        let json = dir + "/compare.json"
        let stalled = try run(["compare", "--backend", "sim", "--repeats", "1", "--quiet", "--set", "host.stalls=@0.5s:60ms", "--json", json])
        #expect(stalled.status == 1, "\(stalled.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let summary = ((doc?["backends"] as? [[String: Any]])?.first?["summary"] as? [String: Any])
        #expect(summary?["crackle"] as? Int == 1)
        #expect(try run(["compare", "--backend", "sim", "--repeats", "1", "--quiet", "--set", "host.stalls=@0.5s:60ms", "--fail-on", "none"]).status == 0)
    }

    // MARK: 2. The headline and the text output

    @Test("a damaged run (Synth truth): the text gives the dominant latency, its range, and every segment")
    func damagedSynthText() throws {
        let c = try synthCaptures()
        let r = try run(["analyze", "--reference", c.ref, "--capture", c.dropped])
        // 480 frames dropped at reference frame 30000: the first 30000 probe frames at 1500.25,
        // the remaining 65520 at 1020.25 (21.255 ms): that one dominates (68.6 % of what came back).
        #expect(r.stdout.contains("latency: 21.255 ms (1020.25"), "\(r.stdout)")
        #expect(r.stdout.contains("segment 2 of 2"), "\(r.stdout)")
        #expect(r.stdout.contains("min 21.255 ms, max 31.255 ms; at the start 31.255 ms (± 0.0"), "\(r.stdout)")
        #expect(r.stdout.contains(" samples), at the end 21.255 ms"), "\(r.stdout)")
        let segs = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  1: ") || $0.hasPrefix("  2: ") }
        #expect(segs.count == 2)
        #expect(segs.first?.contains("latency 31.255 ms") == true && segs.last?.contains("latency 21.255 ms") == true, "\(segs)")
        #expect(r.stdout.contains("  drop at frame 31500 (0.6562 s), 480 frames (10.00 ms)"), "\(r.stdout)")
        let json = dir + "/headline.json"
        _ = try run(["analyze", "--reference", c.ref, "--capture", c.dropped, "--json", json, "--quiet"])
        #expect(SchemaCheck.validate(jsonPath: json, schema: "measurement.schema.json") == nil)
        let m = try measurement(json)
        let h = try #require(m.headline)
        #expect(abs(h.dominantSamples - 1020.25) < 0.05 && h.dominantSegment == 1 && h.segmentCount == 2)
        // The contract's latency (the first segment's, truth 1500.25) with its stated uncertainty,
        // which covers the error and is a few thousandths of a sample, as the windows measure it.
        let l = try #require(m.latency?.samples), u = try #require(m.latencyUncertaintySamples)
        #expect(abs(l - 1500.25) <= 4 * u && u < 0.01, "latency \(l) ± \(u), truth 1500.25")
        #expect(abs(h.dominantShare - 65520.0 / 95520) < 0.001, "\(h.dominantShare)")
    }

    @Test("a stalled card-model run: the dominant latency and every segment are the model's truth")
    func damagedCardModelText() throws {
        let json = dir + "/stall.json"
        let r = try run(["measure", "--backend", "sim", "--set", "host.stalls=@1s:60ms", "--json", json])
        #expect(r.status == 1)
        let m = try measurement(json)
        let t = try truth(m)
        #expect(t.segments.count >= 2, "the stall should split the run: \(t.segments)")
        // The truth's dominant segment: the one carrying most probe frames.
        let carried = t.segments.map { s in max(0, min(Double(s.captureEnd), s.delaySamples + 96000) - max(Double(s.captureStart), s.delaySamples)) }
        let best = carried.indices.max { carried[$0] < carried[$1] }!
        let dominantMS = t.segments[best].delaySamples * 1000 / 48000
        // The contract's `latency` is the first segment's; the headline must not be.
        #expect(abs(dominantMS - (m.latency?.ms ?? 0)) > 10, "this run must be one where the two differ")
        #expect(r.stdout.contains(String(format: "latency: %.3f ms", dominantMS)), "truth \(dominantMS) ms; output:\n\(r.stdout)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // Each segment line's latency is the truth's within a quarter sample (the short middle
        // segment, 235 frames, is the least exact).
        for (i, s) in t.segments.enumerated() {
            let line = lines.first { $0.hasPrefix("  \(i + 1): frames ") } ?? ""
            let samples = line.split(separator: "(").last.flatMap { Double($0.split(separator: " ").first ?? "") }
            #expect(abs((samples ?? .nan) - s.delaySamples) < 0.25, "segment \(i + 1) truth \(s.delaySamples) samples: \(line)")
            // …and its start within a few frames of the truth's (the edges of a gap are placed to ±2 frames).
            let start = line.split(separator: " ").dropFirst(2).first.flatMap { Int($0.split(separator: "–").first ?? "") }
            #expect(abs((start ?? .min / 2) - s.captureStart) <= 4, "\(s): \(line)")
        }
        #expect(lines.filter { $0.hasPrefix("  ") && $0.contains(": frames ") }.count == t.segments.count)
        // Every event line names its nearest backend xrun (the model places its artifacts).
        for e in m.events { #expect(lines.contains { $0.contains("at frame \(e.captureSample) ") && $0.contains("backend xrun: ") }, "\(e)") }
    }

    @Test("headline arithmetic on known segments, drift included")
    func headlineUnit() {
        var m = LoopMeasurement(source: nil, sampleRate: 48000,
                                reference: .init(path: nil, frames: 48000, channels: 1, channelUsed: nil),
                                capture: .init(path: nil, frames: 60000, channels: 1, channelUsed: 0), verdict: .crackle,
                                latency: .init(samples: 1000, sampleRate: 48000, confidence: nil), driftPPM: 100, snrDB: nil, gainDB: nil, polarity: 1,
                                segments: [.init(captureStart: 1000, captureEnd: 5000, delaySamples: 1000),
                                           .init(captureStart: 5000, captureEnd: 20000, delaySamples: 4000),
                                           .init(captureStart: 20000, captureEnd: 60000, delaySamples: 2000)],
                                events: [])
        let h = LoopMeasurement.Headline.of(m)!
        // Probe frames carried, each segment clipped to where the probe lies at its delay
        // ([delay, delay + 48000)): 4000, 15000 and 30000.
        #expect(h.dominantSegment == 2 && h.dominantSamples == 2000)
        #expect(abs(h.dominantShare - 30000.0 / 49000) < 1e-12)
        #expect(h.startMS == 1000 * 1000 / 48000.0)
        #expect(abs(h.endMS - (2000 + 100e-6 * 30000) * 1000 / 48000) < 1e-9)
        #expect(abs(h.maxMS - 4000 * 1000 / 48000.0) < 1e-12 && abs(h.minMS - 1000 * 1000 / 48000.0) < 1e-12)
        m.segments = []
        #expect(LoopMeasurement.Headline.of(m) == nil)
    }

    // MARK: 3. Reported against measured, explained
    // Each scenario pins host.jitter (the model's p99 main-loop lateness), so that the random
    // draws, and with them which artifacts the model logs, stay the ones the test describes.

    @Test("card model: an xrun in the pre-roll is said apart and changes nothing the analyzer hears")
    func xrunInPreroll() throws {
        let json = dir + "/preroll.json"
        _ = try run(["measure", "--backend", "sim", "--set", "host.stalls=@0s:50ms", "--set", "host.jitter=2ms", "--json", json, "--quiet"])
        let m = try measurement(json)
        let t = try truth(m)
        let a = try #require(m.xrunAccount)
        // The model logged 4 artifacts; the one that touched only the prefill's silence is the pre-roll's.
        #expect(t.artifacts.count == 4 && a.reportedBeforeProbe == 1 && a.reported == 3 && m.backendXruns == 3, "\(a)")
        #expect(a.explanations.contains("1 xrun reported inside the pre-roll, before the probe (not in backend_xruns)"), "\(a.explanations)")
        #expect(m.events.count == t.events.count)
    }

    @Test("card model: a reported xrun with no audible effect")
    func silentXrun() throws {
        let json = dir + "/silent.json"
        let r = try run(["measure", "--backend", "sim", "--set", "host.stalls=@0.01s:20ms", "--set", "host.jitter=2ms", "--json", json])
        let m = try measurement(json)
        let t = try truth(m)
        #expect(t.events.isEmpty && t.artifacts.count == 1, "the ground truth: one artifact, no damage: \(t.artifacts)")
        #expect(m.verdict == .clean && r.status == 0)
        let a = try #require(m.xrunAccount)
        #expect(a.reported == 1 && a.silentXruns == 1 && !a.agrees)
        #expect(r.stdout.contains("reported \(t.artifacts[0].place) \(t.artifacts[0].kind) with no audible effect"), "\(r.stdout)")
    }

    @Test("card model on pa: a dropped record block is a discontinuity no xrun was reported for")
    func unreportedCaptureOverrun() throws {
        let json = dir + "/unreported.json"
        let r = try run(["measure", "--backend", "sim", "--set", "in.latency=5000", "--set", "timer-period=2000", "--set", "host.stalls=@1s:20ms",
                             "--set", "host.jitter=2ms", "--json", json])
        let m = try measurement(json)
        let t = try truth(m)
        // Ground truth: the first event is caused by a PA record drop alone, 0.25 s in, far from any other artifact.
        let first = try #require(t.events.first)
        #expect(t.eventReasons.first?.hasPrefix("PA record queue at maxlength") == true, "\(t.eventReasons)")
        #expect(m.events.contains { abs($0.captureSample - first.captureSample) <= 48 }, "the analyzer hears it")
        let a = try #require(m.xrunAccount)
        #expect(a.reportsCaptureOverruns == false && (a.unreportedDiscontinuities ?? 0) >= 1, "\(a)")
        #expect(a.placed?.contains { $0.what.hasPrefix("PA record") } == false, "PulseAudio reports no record overflow")
        #expect(r.stdout.contains("with no reported xrun (this API does not report capture overruns)"), "\(r.stdout)")
        // The artifacts after the probe (the guest stopping) are said apart, not called silent.
        #expect(a.explanations.contains { $0.contains("outside the probe") }, "\(a.explanations)")
    }

    @Test("xrun account by counts, as for backends that cannot place their xruns")
    func xrunAccountCounts() {
        func ev(_ f: Int) -> Event { Event(kind: .gap, captureSample: f, sizeSamples: 10, sampleRate: 48000) }
        let pre = XrunAccount.account(events: [], reports: .init(duringProbe: 0, beforeProbe: 1, placed: nil, reportsCaptureOverruns: false),
                                      sampleRate: 48000, probeSpan: 0..<48000, roundTripFrames: 100)!
        #expect(pre.agrees && pre.explanations == ["1 xrun reported inside the pre-roll, before the probe (not in backend_xruns)"])
        let silent = XrunAccount.account(events: [], reports: .init(duringProbe: 1, beforeProbe: 0, placed: nil, reportsCaptureOverruns: false),
                                         sampleRate: 48000, probeSpan: 0..<48000, roundTripFrames: 100)!
        #expect(!silent.agrees && silent.silentXruns == 1 && silent.explanations == ["1 reported xrun with no audible effect"])
        // A replacement (gap + drop at one frame) is one discontinuity.
        let gaps = XrunAccount.account(events: [ev(1000), Event(kind: .drop, captureSample: 1000, sizeSamples: 10, sampleRate: 48000), ev(9000)],
                                       reports: .init(duringProbe: 0, beforeProbe: 0, placed: nil, reportsCaptureOverruns: false),
                                       sampleRate: 48000, probeSpan: 0..<48000, roundTripFrames: 100)!
        #expect(gaps.measured == 2 && gaps.unreportedDiscontinuities == 2)
        #expect(gaps.explanations == ["2 discontinuities with no reported xrun (this API does not report capture overruns)"])
        let none = XrunAccount.account(events: [ev(5)], reports: .init(duringProbe: nil, beforeProbe: nil, placed: nil, reportsCaptureOverruns: nil),
                                       sampleRate: 48000, probeSpan: 0..<48000, roundTripFrames: 100)
        #expect(none == nil, "no report, no account")
        let nosig = XrunAccount.account(events: [], reports: .init(duringProbe: 2, beforeProbe: 0, placed: nil, reportsCaptureOverruns: true),
                                        sampleRate: 48000, probeSpan: nil, roundTripFrames: nil)!
        #expect(!nosig.agrees && nosig.explanations == ["2 xruns reported; no probe was found to set them against"])
    }

    // MARK: 4. Every channel (card-model channel-map faults)

    @Test("card-model channel-map faults are found exactly: swapped, missing, duplicated, inverted")
    func channelFaults() throws {
        typealias K = ChannelCheck.Fault.Kind
        let cases: [(String, [K: [[Int]]], [Int?], [Int?])] = [
            // map, faults (kind → channel lists), played channel per capture channel, polarity per capture channel
            ("0,1", [:], [0, 1], [1, 1]),
            ("1,0", [.swapped: [[0, 1]]], [1, 0], [1, 1]),
            ("0,x", [.missing: [[1], [1]]], [0, nil], [1, nil]),
            ("0,0", [.duplicated: [[0, 1]], .missing: [[1]]], [0, 0], [1, 1]),
            ("0,-1", [.inverted: [[1]]], [0, 1], [1, -1]),
            ("2,0,1", [.swapped: [[0], [1], [2]]], [2, 0, 1], [1, 1, 1]),
        ]
        for (map, faults, played, polarity) in cases {
            let json = dir + "/map\(map).json"
            let r = try run(["measure", "--backend", "sim", "--set", "channel-map=\(map)", "--json", json, "--fail-on", "none"])
            #expect(r.status == 0, "\(r.stderr)")
            let m = try measurement(json)
            let t = try truth(m)
            let c = try #require(m.channelCheck, "\(map)")
            var got: [K: [[Int]]] = [:]
            for f in c.faults { got[f.kind, default: []].append(f.channels) }
            #expect(got == faults, "channel-map=\(map): \(c.faults.map(\.text))")
            #expect(c.channels.map(\.playedChannel) == played, "\(map)")
            #expect(c.channels.map(\.polarity) == polarity, "\(map)")
            // Every live channel runs through the same model run: the truth's latency, no events.
            for ch in c.channels where ch.playedChannel != nil {
                #expect(abs((ch.latencySamples ?? .nan) - (t.latencySamples ?? .nan)) < 0.05, "\(map) channel \(ch.captureChannel)")
                #expect(ch.events.isEmpty && ch.verdict == .clean)
            }
            #expect(faults.isEmpty ? r.stdout.contains("every channel where it belongs") : c.faults.allSatisfy { r.stdout.contains("fault: \($0.text)") })
            #expect(SchemaCheck.validate(jsonPath: json, schema: "measurement.schema.json") == nil)
        }
    }

    @Test("a stalled stereo card-model run: each channel carries the truth's events")
    func channelEvents() throws {
        let json = dir + "/stereo-stall.json"
        _ = try run(["measure", "--backend", "sim", "--set", "channels=2", "--set", "host.stalls=@1s:60ms", "--json", json, "--quiet"])
        let m = try measurement(json)
        let t = try truth(m)
        let c = try #require(m.channelCheck)
        #expect(c.faults.isEmpty)
        for ch in c.channels {
            #expect(ch.verdict == .crackle)
            let found = ch.events.map { "\($0.kind.rawValue)x\($0.sizeSamples)" }.sorted()
            #expect(ch.events.count == t.events.count, "channel \(ch.captureChannel): \(found) vs truth \(t.events.map { "\($0.kind.rawValue)x\($0.sizeSamples)" })")
            for e in t.events {
                #expect(ch.events.contains { $0.kind == e.kind && abs($0.captureSample - e.captureSample) <= 48 && abs($0.sizeSamples - e.sizeSamples) <= 2 }, "\(e)")
            }
        }
    }
}

extension MeasureOutputTests {
    /// `compare` per channel on the card model, whose truth says what each channel carries: a
    /// swapped pair is a row per capture channel naming the played channel it carried and the
    /// fault in every trial, at each trial's true latency; exit 3. The control (the pair in
    /// order) finds every channel in place; `--no-every-channel` leaves the rows out.
    @Test("compare per channel: the card model's swapped pair in every trial, the straight pair in place")
    func compareEveryChannel() throws {
        func compare(_ extra: [String], _ name: String) throws -> (CLI.Output, [String: Any], String) {
            let out = dir + "/compare-" + name
            let r = try run(["compare", "--backend", "sim", "--repeats", "2", "--seconds", "1", "--out", out, "--quiet"] + extra)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/compare.json"))) as? [String: Any]
            let backend = try #require((json?["backends"] as? [[String: Any]])?.first)
            return (r, backend, (try? String(contentsOfFile: out + "/compare.md", encoding: .utf8)) ?? "")
        }
        let (swapped, b, md) = try compare(["--set", "channel-map=1,0"], "swapped")
        #expect(swapped.status == 3, "\(swapped.stderr)")
        let rows = try #require(b["channels"] as? [[String: Any]])
        #expect(rows.map { $0["played_channel"] as? Int } == [1, 0])
        #expect(rows.allSatisfy { $0["trials"] as? Int == 2 && $0["fault_trials"] as? Int == 2 && $0["clean"] as? Int == 2 })
        #expect(rows.allSatisfy { ($0["faults"] as? [String]) == ["channels 0 and 1 swapped"] })
        // Each channel's latencies are the trials' true latencies (to a twentieth of a frame).
        let truths = try (b["trials"] as? [[String: Any]] ?? []).map { t in
            try JSONDecoder().decode(SimTruth.self, from: JSONSerialization.data(withJSONObject: (t["measurement"] as? [String: Any])?["truth"] ?? [:]))
        }.compactMap(\.latencySamples).map { $0 / 48 }
        try #require(truths.count == 2)
        for r in rows {
            #expect(abs((r["latency_min_ms"] as? Double ?? .nan) - truths.min()!) < 0.05 / 48 && abs((r["latency_max_ms"] as? Double ?? .nan) - truths.max()!) < 0.05 / 48, "\(r) vs truth \(truths)")
        }
        #expect(md.contains("| sim | 0 | 1 | 2/2 |") && md.contains("| 2/2 (channels 0 and 1 swapped) |"), "\(md)")

        let (straight, s, smd) = try compare(["--set", "channels=2"], "straight")
        #expect(straight.status == 0, "\(straight.stderr)")
        let srows = try #require(s["channels"] as? [[String: Any]])
        #expect(srows.map { $0["played_channel"] as? Int } == [0, 1] && srows.allSatisfy { $0["fault_trials"] as? Int == 0 })
        #expect(smd.contains("| sim | 1 | 1 | 2/2 |"), "\(smd)")

        let (same, n, nmd) = try compare(["--set", "channel-map=1,0", "--no-every-channel"], "same-probe")
        #expect(same.status == 0 && n["channels"] == nil && !nmd.contains("Every channel"), "\(same.stderr)")
    }
}

/// The parts of the card model's truth these tests read.
struct SimTruth: Decodable {
    struct Artifact: Decodable {
        var kind: String
        var place: String
    }
    var latencySamples: Double?
    var events: [Event]
    var eventReasons: [String]
    var segments: [LoopMeasurement.Segment]
    var artifacts: [Artifact]
    enum CodingKeys: String, CodingKey {
        case events, segments, artifacts
        case latencySamples = "latency_samples"
        case eventReasons = "event_reasons"
    }
}
