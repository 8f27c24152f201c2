// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Testing
import TestSupport
@testable import Reports
@testable import Sweep

/// A plan file with every member, as a user writes it (also the seed of the plan fuzzing).
let samplePlanYAML = """
backend: sim
repeats: 2
seconds: 0.5
seed: 3
fixed: {qemu: "7.2", device: hda, host.jitter: 2ms}
axes:
  - {key: timer-period, values: [2000, 5000]}
  - {key: out.latency, values: "10000:30000:10000"}
ties: {in.latency: out.latency}
"""

/// Plan parsing, grid expansion, the command line and the HTML escaping: no audio involved.
@Suite struct PlanTests {
    @Test func axisListsAndRanges() throws {
        #expect(try Axis.parse("timer-period=2000,5000,10000") == Axis(key: "timer-period", values: ["2000", "5000", "10000"]))
        #expect(try Axis.parse("out.latency=10000:50000:10000").values == ["10000", "20000", "30000", "40000", "50000"])
        #expect(try Axis.parse("x=0.5:1.5:0.25").values == ["0.5", "0.75", "1", "1.25", "1.5"])
        #expect(try Axis.parse("x=1:2:5").values == ["1"])
        for bad in ["=1,2", "x", "x=1,,2", "x=5:1:1", "x=1:5:0", "x=1:5:-1", "x=a:b:c", "x=1,1"] {
            #expect(throws: LoopbenchError.self, "\(bad)") { try Axis.parse(bad) }
        }
    }

    @Test func gridExpansionTiesAndIdentity() throws {
        var p = SweepPlan()
        p.axes = [Axis(key: "a", values: ["1", "2"]), Axis(key: "b", values: ["x", "y", "z"])]
        p.ties = ["c": "b"]
        p.repeats = 2
        p.seed = 7
        try p.validate()
        let pts = p.points
        #expect(pts.count == 6)
        #expect(pts[0].settings == ["a": "1", "b": "x", "c": "x"])
        #expect(pts[1].coordinates == [0, 1])
        #expect(pts[5].settings == ["a": "2", "b": "z", "c": "z"])
        let trials = p.trials
        #expect(trials.count == 12)
        #expect(trials[1].seed == 8 && trials[1].repeatIndex == 1)
        #expect(Set(trials.map(\.id)).count == 12)
        #expect(trials[0].id == "a=1,b=x,c=x#r0#s7")
    }

    @Test func planValidation() {
        var p = SweepPlan()
        p.axes = [Axis(key: "a", values: ["1"])]
        p.fixed = ["a": "2"]
        #expect(throws: LoopbenchError.self) { try p.validate() }
        p.fixed = [:]
        p.ties = ["b": "nope"]
        #expect(throws: LoopbenchError.self) { try p.validate() }
        p.ties = [:]
        p.repeats = 0
        #expect(throws: LoopbenchError.self) { try p.validate() }
    }

    @Test func planFilesYAMLAndJSON() throws {
        let dir = TestPaths.temporaryDirectory("plan")
        try samplePlanYAML.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let p = try SweepPlan.load(path: dir + "/p.yaml")
        #expect(p.repeats == 2 && p.seconds == 0.5 && p.seed == 3)
        #expect(p.axes == [Axis(key: "timer-period", values: ["2000", "5000"]), Axis(key: "out.latency", values: ["10000", "20000", "30000"])])
        #expect(p.fixed == ["qemu": "7.2", "device": "hda", "host.jitter": "2ms"])
        #expect(p.ties == ["in.latency": "out.latency"])
        let json = #"{"axes": {"timer-period": [2000, 5000]}, "repeats": 1}"#
        try json.write(toFile: dir + "/p.json", atomically: true, encoding: .utf8)
        let q = try SweepPlan.load(path: dir + "/p.json")
        #expect(q.axes == [Axis(key: "timer-period", values: ["2000", "5000"])] && q.repeats == 1)
        try "axes: [unclosed".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        #expect(throws: LoopbenchError.self) { try SweepPlan.load(path: dir + "/bad.yaml") }
        try "{\"axis\": {}}".write(toFile: dir + "/typo.json", atomically: true, encoding: .utf8)
        do { _ = try SweepPlan.load(path: dir + "/typo.json"); Issue.record("accepted an unknown member") }
        catch { #expect(error.description.contains("axis") && error.exitStatus == .dataError) }
    }

    @Test func qemuCommandLines() {
        let keys: Set<String> = ["timer-period", "out.latency", "in.latency"]
        var s = ["backend": "pa", "device": "hda", "qemu": "7.2", "timer-period": "5000", "out.latency": "20ms", "in.latency": "20000"]
        var r = QEMUCommand.make(settings: s, effective: [:], explicitKeys: keys)
        #expect(r.commandLine == "-audiodev pa,id=snd0,timer-period=5000,out.latency=20000,in.latency=20000 -device intel-hda -device hda-duplex,audiodev=snd0")
        #expect(r.legacyEnv == nil && r.legacyNote!.contains("out.latency"))
        // Only the timer: the legacy form exists, in Hz.
        r = QEMUCommand.make(settings: s, effective: [:], explicitKeys: ["timer-period"])
        #expect(r.legacyEnv == "QEMU_AUDIO_DRV=pa QEMU_AUDIO_TIMER_PERIOD=200 qemu-system-x86_64 … -device intel-hda -device hda-duplex")
        s["device"] = "ac97"
        s["out.buffer-length"] = "11610"
        s["in.buffer-length"] = "11610"
        s["out.frequency"] = "48000"
        r = QEMUCommand.make(settings: s, effective: [:], explicitKeys: ["timer-period", "out.buffer-length", "in.buffer-length", "out.frequency"])
        #expect(r.commandLine == "-audiodev pa,id=snd0,timer-period=5000,out.buffer-length=11610,in.buffer-length=11610,out.frequency=48000 -device AC97,audiodev=snd0")
        #expect(r.legacyEnv == "QEMU_AUDIO_DRV=pa QEMU_AUDIO_TIMER_PERIOD=200 QEMU_AUDIO_DAC_FIXED_FREQ=48000 QEMU_PA_SAMPLES=1115 qemu-system-x86_64 … -device AC97")
        s["qemu"] = "10.0"
        s["device"] = "hda-notimer"
        r = QEMUCommand.make(settings: s, effective: [:], explicitKeys: ["timer-period"])
        #expect(r.commandLine == "-audiodev pa,id=snd0,timer-period=5000 -device intel-hda -device hda-duplex,audiodev=snd0,use-timer=off")
        #expect(r.legacyEnv == nil)
    }

    @Test func htmlEscaping() {
        #expect(HTMLReport.escape("<script>alert('x')</script> & \"q\"") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        #expect(Reports.csvField("a,b") == "\"a,b\"")
        #expect(Reports.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(Reports.csvField("=cmd()") == "'=cmd()")
        #expect(Reports.csvField("-12.5") == "-12.5")
    }
}

@Suite struct HostCommandTests {
    @Test func pulseAndALSAWording() {
        let p = HostCommand.describe(backend: "pulse", settings: ["tlength": "20ms", "fragsize": "5ms"], effective: ["minreq": "auto", "rate": 48000])
        #expect(p.hasPrefix("pa_buffer_attr { tlength=20ms, minreq=auto, prebuf=auto, maxlength=auto, fragsize=5ms } with PA_STREAM_ADJUST_LATENCY, rate 48000 Hz"))
        #expect(p.hasSuffix("loopbench measure --backend pulse --set fragsize=5ms --set tlength=20ms"))
        let a = HostCommand.describe(backend: "alsa", settings: ["buffer": "20ms", "period": "5ms"], effective: [:])
        #expect(a.hasPrefix("snd_pcm_hw_params: buffer_size_near=20ms, period_size_near=5ms, rate 48000 Hz; snd_pcm_sw_params: start_threshold=auto"))
    }
}

@Suite struct BenchmarkTests {
    /// The throughput function the `bench` command reports, on a one-point sweep of the real card model.
    @Test func throughputOfATinySweep() throws {
        var p = SweepPlan.default
        p.axes = [Axis(key: "timer-period", values: ["5000"]), Axis(key: "out.latency", values: ["20000"])]
        p.repeats = 2
        p.seconds = 0.3
        let r = try SweepBenchmark.run(plan: p)
        #expect(r.trials == 2)
        #expect(r.audioSeconds >= 0.6)
        #expect(r.wallSeconds > 0 && r.audioSecondsPerWallSecond > 0)
    }
}
