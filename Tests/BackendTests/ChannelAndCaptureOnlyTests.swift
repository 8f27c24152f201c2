// SPDX-License-Identifier: GPL-2.0-or-later
import AudioFile
import Foundation
import LoopbenchCore
import TestSupport
import Testing

/// Issue 14 on the real daemon: a PulseAudio channel map that swaps the stereo pair is found
/// as swapped (through libpulse and through ALSA's pulse plugin), and `--capture-only` finds a
/// probe another process plays.
extension RealAudio {
@Suite("Channels and capture-only, for real", .serialized)
struct ChannelAndCaptureOnlyTests {
    let dir = TestPaths.temporaryDirectory("loopbench-channels")

    func withRemapSink<T>(_ name: String, swap: Bool, _ body: () throws -> T) throws -> T {
        try RemapSink.with(name, swap: swap, body)
    }

    func channelCheck(_ args: [String], environment: [String: String] = [:]) throws -> (Spawn.Output, ChannelCheck?) {
        let json = dir + "/m-\(UUID().uuidString).json"
        let out = try Spawn.run(CLI.executable, ["measure", "--seconds", "1", "--set", "channels=2", "--json", json, "--quiet"] + args, environment: environment)
        let m = try? JSONDecoder().decode(LoopMeasurement.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        return (out, m?.channelCheck)
    }

    @Test func pulseChannelMapSwapIsFoundAsSwapped() throws {
        // The control: the same remap sink keeping the order finds every channel in place.
        let (straight, kept) = try withRemapSink("kept", swap: false) {
            try channelCheck(["--backend", "pulse", "--set", "sink=kept", "--set", "source=loop.monitor"])
        }
        #expect(straight.status == 0, "\(straight.stderr)")
        #expect(kept?.faults == [] && kept?.channels.map(\.playedChannel) == [0, 1], "\(String(describing: kept))")
        let (out, c) = try withRemapSink("swapped", swap: true) {
            try channelCheck(["--backend", "pulse", "--set", "sink=swapped", "--set", "source=loop.monitor"])
        }
        #expect(out.status == 3, "a channel fault exits 3: \(out.stderr)")
        #expect(c?.faults.map(\.kind) == [.swapped] && c?.faults.first?.channels == [0, 1], "\(String(describing: c?.faults))")
        #expect(c?.channels.map(\.playedChannel) == [1, 0])
        for ch in c?.channels ?? [] {
            // The null sink carries float32 unchanged: each channel is its probe at full level, upright, clean.
            #expect(ch.verdict == .clean && ch.polarity == 1 && abs(ch.gainDB ?? .nan) < 0.1, "\(ch)")
        }
    }

    @Test(.enabled(if: AudioFixture.privateALSAConfig, "needs the asoundrc of scripts/pulse-loopback"))
    func alsaThroughTheSwappedSinkIsFoundAsSwapped() throws {
        let conf = dir + "/swapped.conf"
        let server = AudioFixture.env["PULSE_SERVER"] ?? ""
        try "pcm.loopbench_swapped { type pulse server \"\(server)\" device \"swapped\" }\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let env = ["ALSA_CONFIG_PATH": (AudioFixture.env["ALSA_CONFIG_PATH"] ?? "") + ":" + conf]
        let (out, c) = try withRemapSink("swapped", swap: true) {
            try channelCheck(["--backend", "alsa", "--set", "playback-device=loopbench_swapped", "--set", "capture-device=default"], environment: env)
        }
        #expect(out.status == 3, "\(out.stderr)")
        #expect(c?.faults.map(\.kind) == [.swapped] && c?.channels.map(\.playedChannel) == [1, 0], "\(String(describing: c))")
    }

    @Test func captureOnlyFindsAProbeAnotherProcessPlays() throws {
        let ref = dir + "/probe.wav", played = dir + "/played.wav", json = dir + "/capture-only.json"
        #expect(try CLI.run(["signal", "--out", ref, "--seconds", "1", "--format", "f32", "--seed", "7"]).status == 0)
        // paplay's first few milliseconds into a running null sink do not reach its monitor (the
        // sink has rendered ahead): the file it plays leads with 0.5 s of silence.
        #expect(try CLI.run(["synth", "--reference", ref, "--out", played, "--delay", "24000", "--format", "f32"]).status == 0)
        // loopbench records 4 s; a second after it starts, paplay plays the probe into the same sink.
        let (play, status) = try CaptureOnlyRun.record(reference: ref, played: played, seconds: 4, json: json)
        #expect(play.status == 0, "paplay: \(play.stderr)")
        #expect(status == 0, "capture-only exit \(status)")
        let m = try JSONDecoder().decode(LoopMeasurement.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        // What paplay played comes back whole: found, clean, at full level; where it starts in the
        // recording is somewhere after the second loopbench waited, before the recording's end.
        #expect(m.verdict == .clean, "\(m.reason ?? "")")
        #expect(m.events.isEmpty && abs(m.gainDB ?? .nan) < 0.1 && m.polarity == 1)
        let at = m.latency?.ms ?? .nan
        #expect(at > 800 && at < 3000, "the probe starts \(at) ms into the recording")
        #expect(m.reason?.contains("capture-only") == true)
        #expect(m.source?.settings?["capture-only"] == .bool(true))
        #expect(SchemaCheck.validate(jsonPath: json, schema: "measurement.schema.json") == nil)
    }
    @Test func signalPlayIsCapturedWholeByCaptureOnly() throws {
        let ref = dir + "/own.wav", json = dir + "/own.json"
        #expect(try CLI.run(["signal", "--out", ref, "--seconds", "1", "--format", "f32", "--seed", "5"]).status == 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.executable)
        // 200 ms buffers on both sides: a loaded machine must not break the loop itself.
        p.arguments = ["measure", "--backend", "pulse", "--capture-only", "--reference", ref, "--duration", "3", "--json", json, "--quiet",
                       "--set", "tlength=200ms", "--set", "fragsize=50ms"]
        try p.run()
        Thread.sleep(forTimeInterval: 0.8)
        // The same probe (same seed), played by loopbench's own player in another process.
        let play = try Spawn.run(CLI.executable, ["signal", "--play", "--backend", "pulse", "--seconds", "1", "--seed", "5", "--set", "tlength=200ms"])
        p.waitUntilExit()
        #expect(play.status == 0 && play.stdout.contains("played 1.000 s on pulse"), "\(play.stdout) \(play.stderr)")
        #expect(p.terminationStatus == 0)
        let m = try JSONDecoder().decode(LoopMeasurement.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(m.verdict == .clean && m.events.isEmpty && abs(m.gainDB ?? .nan) < 0.1, "\(m.verdict) \(m.events) \(m.reason ?? "")")
        #expect((m.latency?.ms ?? 0) > 800, "the probe follows the player's start and its 0.2 s lead-in")
    }

    @Test func toneUntilCtrlC() throws {
        let ref = dir + "/any.wav", cap = dir + "/tone.wav"
        #expect(try CLI.run(["signal", "--out", ref, "--seconds", "0.5"]).status == 0)
        let recorded = Flag()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var tone: CLI.Output?
        DispatchQueue.global().async {
            // The tone plays until one SIGINT (Ctrl-C), sent once the recording below is done
            // (a 200 ms buffer: a loaded machine must not chop the tone).
            tone = try? CLI.run(["signal", "--play", "--backend", "pulse", "--tone", "997", "--level=-12", "--set", "tlength=200ms"], interruptWhen: { recorded.isSet })
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.5)
        // loopbench's own capture-only records 1.5 s of the sink (the probe is not there: no-signal, kept by --fail-on none).
        let rec = try CLI.run(["measure", "--backend", "pulse", "--capture-only", "--reference", ref, "--duration", "1.5",
                               "--set", "tlength=200ms", "--set", "fragsize=50ms", "--save-capture", cap, "--fail-on", "none", "--quiet"])
        #expect(rec.status == 0, "\(rec.stderr)")
        recorded.set()
        #expect(done.wait(timeout: .now() + 10) == .success, "Ctrl-C ends the tone")
        #expect(tone?.status == 0 && tone?.signalled == false && tone?.stdout.contains("(interrupted)") == true, "\(String(describing: tone))")
        // The last 0.5 s recorded: a 997 Hz sine at −12 dBFS (peak 0.251).
        let samples = try SoundFile.read(cap).channels[0]
        try #require(samples.count > 48000)
        let tail = Array(samples.suffix(24000))
        var crossings = 0
        for i in 1..<tail.count where (tail[i - 1] < 0) != (tail[i] < 0) { crossings += 1 }
        let hz = Double(crossings) / 2 / 0.5
        let rms = (tail.map { Double($0) * Double($0) }.reduce(0, +) / Double(tail.count)).squareRoot()
        #expect(abs(hz - 997) < 4, "\(hz) Hz")
        #expect(abs(rms * 2.0.squareRoot() - pow(10, -12.0 / 20)) < 0.005, "peak \(rms * 2.0.squareRoot())")
    }
}
}

/// A flag set once, read from another thread.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
