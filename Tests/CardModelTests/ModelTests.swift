// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import LoopbenchCore
import Stimulus
import Testing

@Suite struct DeterminismTests {
    @Test func sameSeedSameCapture() throws {
        let s = ["host.jitter": "5ms", "host.stalls": "2/s:20ms", "timer-period": "20000"]
        let a = try simulate(s)
        let b = try simulate(s)
        #expect(a.capture == b.capture)
        #expect(a.truth == b.truth)
        var other = s
        other["seed"] = "2"
        let c = try simulate(other)
        #expect(c.capture != a.capture)
    }

    @Test func loopProtocolReturnsTruth() throws {
        let loop = try CardModelLoop(settings: ["timer-period": "20000"])
        var spec = Stimulus.Spec()
        spec.seconds = 1
        spec.channels = 2
        let out = try loop.run(stimulus: Stimulus.generate(spec))
        #expect(out.capture.channelCount == 2)
        #expect(out.capture.frames >= 48000 * 2)
        guard case .object(let t)? = out.truth else { Issue.record("no truth"); return }
        #expect(t["latency_samples"]?.doubleValue != nil)
        guard case .array(let events)? = t["events"], case .object(let e)? = events.first else { Issue.record("no events"); return }
        #expect(Set(e.keys) == ["kind", "capture_sample", "time_s", "size_samples"])
        #expect(t["segments"] != nil && t["event_reasons"] != nil)
        #expect(out.latencyBreakdownMS?["PA queue out"] != nil)
    }

    @Test func capturedAudioIsTheStimulusDelayed() throws {
        var spec = Stimulus.Spec()
        spec.seconds = 0.5
        let stim = Stimulus.mono(spec)
        let s = try CardModelSettings(settings: ["out.frequency": "48000", "in.frequency": "48000"])
        let r = CardModelLoop.simulate(s, stimulus: stim)
        #expect(r.truth.events.isEmpty)
        let d = Int(try #require(r.truth.latencySamples))
        #expect(Array(r.capture[d..<(d + stim.count)]) == stim)  // bit-exact, like the real 48 kHz loop
    }
}

@Suite struct SettingsTests {
    func usageError(_ s: [String: String]) -> LoopbenchError? {
        do { _ = try CardModelSettings(settings: s); return nil } catch { return error }
    }

    @Test func invalidSettingsNameTheKey() {
        let cases: [([String: String], String)] = [
            (["bogus": "1"], "bogus"),
            (["timer-period": "-5"], "timer-period"),
            (["timer-period": "10000", "out.buffer-length": "5000"], "out.buffer-length"),
            (["in.buffer-length": "2ms", "timer-period": "5ms"], "in.buffer-length"),
            (["device": "sb16"], "device"),
            (["backend": "pipewire"], "backend"),
            (["device": "virtio-snd", "qemu": "7.2"], "device"),
            (["host.stalls": "often"], "host.stalls"),
            (["host.ppm": "5000"], "host.ppm"),
            (["out.latency": "abc"], "out.latency"),
            (["guest.buffer": "10000", "guest.period": "10000"], "guest.buffer"),
        ]
        for (s, key) in cases {
            let e = usageError(s)
            #expect(e?.kind == .usage, "\(s)")
            #expect(e?.subject == key, "\(s): \(String(describing: e))")
            #expect(e?.description.contains(key) == true)
        }
    }

    @Test func unitsAndDefaults() throws {
        let a = try CardModelSettings(settings: ["timer-period": "2ms", "out.latency": "20000"])
        #expect(a.timerPeriodUS == 2000 && a.outLatencyUS == 20000)
        let d = CardModelLoop.settingDocs.map(\.key)
        for k in ["device", "backend", "qemu", "timer-period", "out.latency", "in.latency", "out.buffer-length", "in.buffer-length",
                  "out.period-length", "in.period-length", "out.frequency", "out.mixing-engine", "guest.rate", "guest.period",
                  "guest.buffer", "host.jitter", "host.stalls", "host.ppm", "seed"] {
            #expect(d.contains(k), "\(k)")
        }
        let alsa = try CardModelSettings(settings: ["backend": "alsa"])
        #expect(alsa.outPeriodLengthUS == 23219 && alsa.outBufferLengthUS == 92879)
        let alsa8 = try CardModelSettings(settings: ["backend": "alsa", "qemu": "8.0"])
        #expect(alsa8.outPeriodLengthUS == 5805 && alsa8.inPeriodLengthUS == 5805)
    }
}

@Test func benchmarkRuns() {
    let r = CardModelBenchmark.run(seconds: 2)
    print("benchmark (debug build): \(r.simulatedSeconds) s simulated in \(r.wallSeconds) s wall = \(r.simulatedSeconds / r.wallSeconds)×")
    #expect(r.simulatedSeconds > 2)
}
