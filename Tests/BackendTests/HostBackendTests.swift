// SPDX-License-Identifier: GPL-2.0-or-later
@testable import ALSABackend
import Foundation
import LoopbenchCore
@testable import PulseBackend
import TestSupport
import Testing

/// The error `body` throws, or nil.
func thrown(_ body: () throws(LoopbenchError) -> Void) -> LoopbenchError? {
    if case .failure(let e) = Result(catching: body) { return e }
    return nil
}

/// Settings parsing needs no server: these always run.
@Suite("Host backend settings")
struct HostBackendSettingsTests {
    @Test func pulseRejectsUnknownAndBadSettings() throws {
        #expect(thrown { () throws(LoopbenchError) in _ = try PulseLoop(settings: ["tlenght": "40ms"]) } != nil)
        #expect(thrown { () throws(LoopbenchError) in _ = try PulseLoop(settings: ["tlength": "forty"]) } != nil)
        #expect(thrown { () throws(LoopbenchError) in _ = try PulseLoop(settings: ["format": "u8"]) } != nil)
        #expect(thrown { () throws(LoopbenchError) in _ = try PulseLoop(settings: ["adjust-latency": "yes", "early-requests": "yes"]) } != nil)
        if let error = thrown({ () throws(LoopbenchError) in
            _ = try PulseLoop(settings: ["channels": "0"])
        }) {
            #expect(error.kind == .usage)
            #expect(error.description.contains("channels"))
        } else {
            Issue.record("channels=0 was accepted")
        }
    }

    @Test func pulseAcceptsFramesAndTimes() throws {
        let l = try PulseLoop(settings: ["tlength": "1920f", "fragsize": "5ms", "minreq": "auto", "early-requests": "yes", "adjust-latency": "no"])
        #expect(l.effectiveSettings["tlength"] == .string("1920f"))
        #expect(l.effectiveSettings["fragsize"] == .string("5000us"))
        #expect(l.nominalPeriodFrames == 480)
    }

    @Test func alsaRejectsBadSettings() throws {
        #expect(thrown { () throws(LoopbenchError) in _ = try ALSALoop(settings: ["buffer": "10ms", "period": "20ms"]) } != nil)
        #expect(thrown { () throws(LoopbenchError) in _ = try ALSALoop(settings: ["bufer": "10ms"]) } != nil)
        #expect(thrown { () throws(LoopbenchError) in _ = try ALSALoop(settings: ["format": "S24_3LE"]) } != nil)
        #expect(thrown { () throws(LoopbenchError) in _ = try ALSALoop(settings: ["writer-stall": "0.5s"]) } != nil)
    }

    /// A time stamp stored by the other I/O thread after the watchdog read the clock made the
    /// unsigned difference wrap: "the capture stalled: no audio for 18446744073.71 s", seen
    /// once on a loaded machine. A later start is no time at all.
    @Test func alsaElapsedTimeNeverWraps() {
        #expect(ALSAShared.seconds(from: 5_000_000_000, to: 6_500_000_000) == 1.5)
        #expect(ALSAShared.seconds(from: 6_500_000_001, to: 6_500_000_000) == 0)
        #expect(ALSAShared.seconds(from: 0, to: 0) == 0)
    }
}

/// Every test against a real PulseAudio daemon (and ALSA through its pulse plugin). One daemon
/// and one null sink are shared (two streams at once would mix on it), so everything nested in
/// here runs one test at a time.
@Suite("Real audio", .serialized,
       // Skipped only outside scripts/test when no PulseAudio server answers on PULSE_SERVER;
       // run them with: scripts/pulse-loopback start && eval "$(scripts/pulse-loopback env)" && swift test --filter BackendTests
       .enabled(if: AudioFixture.available, "no PulseAudio server answers (PULSE_SERVER); run under scripts/test or start one with scripts/pulse-loopback"))
struct RealAudio {}

extension RealAudio {
@Suite("Host backends, for real")
struct HostBackendTests {
    // MARK: PulseAudio

    /// A 40 ms playback target and 10 ms record fragments: comfortable on 2 busy cores.
    static let pulseComfortable = ["tlength": "40ms", "fragsize": "10ms"]

    @Test func pulseRoundTripIsCleanAndInRange() throws {
        let loop = try PulseLoop(settings: Self.pulseComfortable)
        var latencies: [Double] = []
        for i in 0..<3 {
            let (r, maxDiff) = try AudioFixture.measure(loop)
            let m = r.measurement
            print("pulse round trip \(i): \(AudioFixture.describe(r)); max |diff| at the lag \(maxDiff.map { String($0) } ?? "n/a")")
            #expect(m.verdict != .noSignal, "the chirp was not found: \(m.reason ?? "")")
            #expect(m.verdict == .clean, "not clean at 40 ms: \(AudioFixture.describe(r))")
            // No xrun, or only where nothing of the probe could be lost: PulseAudio's playback
            // underflows are placed where the capture was when each was reported, and one
            // inside the probe's span must be heard (CI counted one in clean round trips
            // twice; the machine's scheduling, not the code's, decides whether one comes).
            let account = m.xrunAccount
            #expect(m.backendXruns == 0 || (account?.placed?.count == m.backendXruns && account?.silentXruns == 0),
                    "\(m.backendXruns ?? -1) xrun(s), account \(account?.explanations ?? [])")
            #expect(r.loop.reportedLatencyFrames != nil, "pulse reported no latency")
            guard let lat = m.latency else { continue }
            // Bounds, in ms. Lower: 5 ms, i.e. half a minreq (10 ms here). The null sink's monitor
            // hands out audio rendered ahead by the sink latency (~10 ms with the keeper stream), so
            // the round trip comes out below tlength (measured: 20 ms for 40 ms asked, 30 ms granted).
            // Upper: tlength + fragsize + a 25 ms margin for scheduling on a loaded 2-core machine.
            #expect(lat.ms >= 5 && lat.ms <= 40 + 10 + 25, "latency \(lat.ms) ms outside 5…75 ms")
            // The loop is bit-exact (float32 end to end, no resampling).
            if let maxDiff { #expect(maxDiff < 1e-6, "not bit-exact at the analyzer's lag: max |diff| \(maxDiff)") }
            latencies.append(lat.ms)
        }
        // Repeats agree within one minreq (10 ms). Measured spreads are usually under 1 ms
        // (19.0–20.0 ms; the alignment is interpolated within the last record fragment); once,
        // under load, 4.2 ms (15.8 vs 20.0 ms).
        if let lo = latencies.min(), let hi = latencies.max() {
            print("pulse repeat spread: \(latencies) → \(hi - lo) ms")
            #expect(hi - lo <= 10, "repeats spread \(hi - lo) ms: \(latencies)")
        }
    }

    /// The playback stream's drain after the capture's end is no xrun of the run: read 200 ms
    /// after the writer stopped (a loaded machine's scheduling; a clean round trip in CI
    /// counted one this way), the server has reported the drain's underflow (3 of 3 runs
    /// measured), and a clean run still reports none.
    @Test func pulseDrainAfterTheCaptureIsNoXrun() throws {
        var loop = try PulseLoop(settings: Self.pulseComfortable)
        loop.readDelayMicros = 200_000
        let (r, _) = try AudioFixture.measure(loop)
        #expect(r.measurement.verdict == .clean, "\(AudioFixture.describe(r))")
        #expect(r.measurement.backendXruns == 0, "\(AudioFixture.describe(r))")
    }

    @Test func pulseWriterStallShowsAsUnderflowAndGap() throws {
        // 200 ms stall of the writer half-way through, against a 40 ms buffer.
        let loop = try PulseLoop(settings: Self.pulseComfortable.merging(["writer-stall": "0.5s:200ms"]) { $1 })
        let (r, _) = try AudioFixture.measure(loop)
        let m = r.measurement
        let gaps = m.events.filter { $0.kind == .gap }.map(\.sizeSamples).reduce(0, +)
        print("pulse stall: \(AudioFixture.describe(r)); analyzer gap total \(gaps) frames (\(Double(gaps) / 48) ms) for a 200 ms stall; backend xruns \(m.backendXruns ?? -1)")
        #expect((m.backendXruns ?? 0) >= 1, "no underflow reported for a 200 ms stall")
        // Placed where the capture was when the server reported it, the underflow lies by the
        // gap the analyzer heard (measured: reported at 24944, heard at 24919).
        #expect(m.xrunAccount?.placed?.isEmpty == false && m.xrunAccount?.agrees == true, "\(m.xrunAccount?.explanations ?? [])")
        #expect(m.verdict == .crackle, "the analyzer did not see the stall: \(AudioFixture.describe(r))")
        #expect(gaps >= 48 * 100, "gaps total \(gaps) frames, expected about the stall (200 ms = 9600 frames)")
    }

    @Test func pulseNoServerIsAClearError() throws {
        let loop = try PulseLoop(settings: ["server": "unix:/nonexistent/loopbench/native"])
        let t0 = Date()
        if let error = thrown({ () throws(LoopbenchError) in
            _ = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: [Float](repeating: 0, count: 4800)))
        }) {
            #expect(error.kind == .unavailable)
            #expect(error.description.contains("/nonexistent/loopbench/native"))
            #expect(error.description.contains("Connection refused") || error.description.contains("cannot connect"))
        } else {
            Issue.record("run succeeded with no server")
        }
        #expect(Date().timeIntervalSince(t0) < 2, "the error took too long")
    }

    @Test func pulseMissingSinkIsAClearError() throws {
        let loop = try PulseLoop(settings: ["sink": "no-such-sink"])
        if let error = thrown({ () throws(LoopbenchError) in
            _ = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: [Float](repeating: 0, count: 4800)))
        }) {
            #expect(error.kind == .unavailable)
            #expect(error.description.contains("no-such-sink"))
            #expect(error.description.contains("no such sink"))
        } else {
            Issue.record("run succeeded with a missing sink")
        }
    }

    @Test func pulseReportsWhatTheServerGranted() throws {
        let loop = try PulseLoop(settings: ["tlength": "40ms", "fragsize": "10ms", "adjust-latency": "yes"])
        let r = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: [Float](repeating: 0, count: 4800)))
        #expect(r.notes.contains { $0.hasPrefix("granted: tlength") }, "\(r.notes)")
    }

    // MARK: ALSA (through the pulse plugin to the same daemon)

    /// 40 ms buffer in 10 ms periods.
    static let alsaComfortable = ["device": "default", "buffer": "40ms", "period": "10ms"]

    @Test func alsaRoundTripIsCleanAndInRange() throws {
        let loop = try ALSALoop(settings: Self.alsaComfortable)
        var latencies: [Double] = []
        for i in 0..<3 {
            let (r, maxDiff) = try AudioFixture.measure(loop)
            let m = r.measurement
            print("alsa round trip \(i): \(AudioFixture.describe(r)); max |diff| at the lag \(maxDiff.map { String($0) } ?? "n/a")")
            #expect(m.verdict != .noSignal, "the chirp was not found: \(m.reason ?? "")")
            #expect(m.verdict == .clean, "not clean at 40 ms: \(AudioFixture.describe(r))")
            #expect(m.backendXruns == 0)
            #expect(r.loop.reportedLatencyFrames != nil, "no snd_pcm_delay recorded")
            guard let lat = m.latency else { continue }
            // Lower: buffer - period (30 ms; the writer keeps the buffer that full ahead of the
            // stimulus) less 10 ms, because the null sink's monitor hands out audio rendered ahead
            // by the sink latency (10 ms with the keeper stream) = 20 ms. Measured: 32–39 ms.
            // Upper: buffer + capture period + a 25 ms margin (PulseAudio's own sink latency
            // behind the plugin, scheduling on 2 loaded cores) = 75 ms.
            #expect(lat.ms >= 20 && lat.ms <= 40 + 10 + 25, "latency \(lat.ms) ms outside 20…75 ms")
            if let maxDiff { #expect(maxDiff < 1e-6, "not bit-exact at the analyzer's lag: max |diff| \(maxDiff)") }
            latencies.append(lat.ms)
        }
        // Repeats agree within one and a half periods (15 ms): the phase of the plugin's transfers
        // against the server's 10 ms rendering differs from run to run (measured spreads: 1.4–8 ms
        // over 3 repeats in test runs, 12.5 ms over 5 repeats in a compare run on a loaded machine).
        if let lo = latencies.min(), let hi = latencies.max() {
            print("alsa repeat spread: \(latencies) → \(hi - lo) ms")
            #expect(hi - lo <= 15, "repeats spread \(hi - lo) ms: \(latencies)")
        }
    }

    @Test func alsaWriterStallShowsAsUnderrunAndGap() throws {
        // A 400 ms stall of the writer half-way through. What the path has queued when the
        // writer stops plays on, so the gap is the stall less that: about the stall less the
        // round trip measured in the same run (measured: 160 ms of gap for a 200 ms stall at a
        // 33–40 ms round trip). Once in CI (one run in about eight) the round trip came out at
        // 189 ms, and a 200 ms stall then left almost no gap; 26 runs made to catch it again
        // (16 from the command line, 10 of this suite under load) all gave 30–40 ms. Instead of
        // measuring again, the stall is long enough for a gap at any round trip below 300 ms,
        // and the gap is checked against the round trip of the same run.
        let stallMS = 400.0
        let loop = try ALSALoop(settings: Self.alsaComfortable.merging(["writer-stall": "0.5s:\(Int(stallMS))ms"]) { $1 })
        let kept = NSTemporaryDirectory() + "loopbench-alsa-stall-\(UUID().uuidString).wav"
        let (r, _) = try AudioFixture.measure(loop, saveCapture: kept)
        let m = r.measurement
        let gaps = m.events.filter { $0.kind == .gap }.map(\.sizeSamples).reduce(0, +)
        let gapMS = Double(gaps) / 48
        print("alsa stall: \(AudioFixture.describe(r)); analyzer gap total \(gaps) frames (\(gapMS) ms) for a \(stallMS) ms stall; backend xruns \(m.backendXruns ?? -1)")
        #expect((m.backendXruns ?? 0) >= 1, "no -EPIPE for a \(stallMS) ms stall")
        #expect(m.verdict == .crackle, "the analyzer did not see the stall: \(AudioFixture.describe(r))")
        let latency = try #require(m.latency?.ms, "no latency: \(AudioFixture.describe(r))")
        #expect(latency < 300, "round trip \(latency) ms: the path held more than this test can see a gap behind; capture kept at \(kept)")
        // The gap is the stall less what was queued (at most the round trip), give or take a
        // period of the writer and of the server (2 × 10 ms) and the 10 ms the monitor renders ahead.
        #expect(gapMS >= stallMS - latency - 30 && gapMS <= stallMS + 30,
                "gaps total \(gapMS) ms for a \(stallMS) ms stall at a \(latency) ms round trip; capture kept at \(kept)")
        if m.verdict == .crackle && gapMS >= stallMS - latency - 30 { try? FileManager.default.removeItem(atPath: kept) }
    }

    @Test func alsaMissingDeviceIsAClearError() throws {
        let loop = try ALSALoop(settings: ["device": "loopbench_no_such_pcm"])
        if let error = thrown({ () throws(LoopbenchError) in
            _ = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: [Float](repeating: 0, count: 4800)))
        }) {
            #expect(error.kind == .unavailable)
            #expect(error.description.contains("loopbench_no_such_pcm"))
            #expect(error.description.contains("no such PCM"))
        } else {
            Issue.record("run succeeded with a missing device")
        }
    }

    @Test(.enabled(if: AudioFixture.privateALSAConfig, "needs the asoundrc of scripts/pulse-loopback (its loopbench_noserver PCM)"))
    func alsaNoServerIsAClearError() throws {
        let loop = try ALSALoop(settings: ["device": "loopbench_noserver"])
        let t0 = Date()
        if let error = thrown({ () throws(LoopbenchError) in
            _ = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: [Float](repeating: 0, count: 4800)))
        }) {
            #expect(error.kind == .unavailable)
            #expect(error.description.contains("loopbench_noserver"))
            #expect(error.description.contains("refused"))
        } else {
            Issue.record("run succeeded with no server")
        }
        #expect(Date().timeIntervalSince(t0) < 2, "the error took too long")
    }

    @Test func alsaRefusedAndRoundedSizesAreReported() throws {
        // The pulse plugin's minimum buffer is 96 frames (3 periods of 32): 16 frames is refused,
        // and the error says what the device offers.
        if let error = thrown({ () throws(LoopbenchError) in
            _ = try ALSALoop(settings: ["buffer": "16f", "period": "8f"]).run(stimulus: AudioBuffer(sampleRate: 48000, mono: [Float](repeating: 0, count: 4800)))
        }) {
            #expect(error.kind == .usage)
            #expect(error.description.contains("offers"), "\(error)")
        } else {
            Issue.record("a 16-frame buffer was accepted")
        }
        // 960/480 asks for 2 periods; the plugin keeps at least 3 and rounds the period to 320.
        let r = try ALSALoop(settings: ["buffer": "960f", "period": "480f"]).run(stimulus: AudioBuffer(sampleRate: 48000, mono: [Float](repeating: 0, count: 4800)))
        print("alsa 960/480 notes: \(r.notes)")
        #expect(r.notes.contains { $0.contains("period: asked 480 frames") && $0.contains("granted 320") }, "\(r.notes)")
    }
}

}

extension RealAudio {
/// A server that dies in the middle of a run, and `loopbench compare` end to end.
@Suite("Host backends: failures and compare")
struct HostBackendEndToEndTests {
    /// Runs scripts/pulse-loopback with a private folder; returns its exit status.
    static func loopback(_ verb: String, dir: String) throws -> Int32 {
        try Spawn.run(TestPaths.packageRoot + "/scripts/pulse-loopback", [verb], environment: ["LOOPBENCH_PULSE_DIR": dir]).status
    }

    @Test func pulseServerDyingMidRunIsAnError() throws {
        let dir = TestPaths.temporaryDirectory("loopbench-dying-pulse")
        #expect(try Self.loopback("start", dir: dir) == 0)
        defer { _ = try? Self.loopback("stop", dir: dir) }
        let pid = try String(contentsOfFile: dir + "/run/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let loop = try PulseLoop(settings: ["server": "unix:\(dir)/native", "tlength": "40ms"])
        let killer = Thread {
            usleep(700_000)
            if let p = Int32(pid) { kill(p, SIGTERM) }
        }
        killer.start()
        let t0 = Date()
        let err = thrown { () throws(LoopbenchError) in
            _ = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: [Float](repeating: 0.1, count: 96000)))
        }
        print("pulse server killed mid-run: \(err.map(\.description) ?? "no error") after \(Date().timeIntervalSince(t0)) s")
        #expect(err?.kind == .unavailable)
        #expect(err?.description.contains("lost") == true || err?.description.contains("failed") == true)
        #expect(Date().timeIntervalSince(t0) < 5, "the failure was not noticed promptly")
    }

    /// The environment `scripts/pulse-loopback env` gives for the private daemon in `dir`.
    static func loopbackEnvironment(dir: String) throws -> [String: String] {
        let out = try Spawn.run(TestPaths.packageRoot + "/scripts/pulse-loopback", ["env"], environment: ["LOOPBENCH_PULSE_DIR": dir])
        var env: [String: String] = [:]
        for line in out.stdout.split(separator: "\n") where line.hasPrefix("export ") {
            let kv = line.dropFirst("export ".count)
            guard let eq = kv.firstIndex(of: "=") else { continue }
            env[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
        }
        return env
    }

    /// A server that stops answering (SIGSTOP, as a hung daemon) in the middle of a
    /// `measure`, for each backend: exit 69 with one line naming the server and saying that it
    /// stalled, never a crash. (Issue 11 item 3: the ALSA backend slept ~100 s and then
    /// segfaulted, closing its PCMs under the thread stuck in them; pulse took 42 s.) The time
    /// from the stop to the exit is printed; the target is 2 × the buffer time + 1 s.
    @Test(arguments: ["pulse", "alsa"])
    func serverStoppedMidRunIsAnError(backend: String) throws {
        let dir = TestPaths.temporaryDirectory("loopbench-stopped-\(backend)")
        #expect(try Self.loopback("start", dir: dir) == 0)
        let pid = Int32(try String(contentsOfFile: dir + "/run/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        defer {
            kill(pid, SIGCONT)
            _ = try? Self.loopback("stop", dir: dir)
        }
        let env = try Self.loopbackEnvironment(dir: dir)
        let server = env["PULSE_SERVER"] ?? "?"
        nonisolated(unsafe) var stoppedAt = Date.distantFuture
        let stopper = Thread {
            sleep(3)
            stoppedAt = Date()
            kill(pid, SIGSTOP)
        }
        stopper.start()
        let r = try CLI.run(["measure", "--backend", backend, "--seconds", "10", "--quiet"], environment: env)
        let end = Date()
        while !stopper.isFinished { usleep(1000) }
        print(String(format: "%@ server stopped mid-run: exit %d %.2f s after the stop: %@", backend, r.status, end.timeIntervalSince(stoppedAt), r.stderr))
        #expect(!r.signalled, "\(backend) ended on signal \(r.status)")
        #expect(r.isRefusal(69, mentioning: server), "\(backend): status \(r.status): \(r.stderr)")
        #expect(r.stderr.contains("stalled"), "\(r.stderr)")
    }

    /// alsa-lib's own message ("Unknown PCM …") is folded into loopbench's one line instead of
    /// printed as a second line of its own (issue 11 item 12).
    @Test func alsaLibMessagesFoldIntoOneLine() throws {
        let r = try CLI.run(["measure", "--backend", "alsa", "--set", "device=bogus"])
        #expect(r.isRefusal(69, mentioning: "Unknown PCM bogus"), "\(r.status): \(r.stderr)")
        #expect(!r.stderr.contains("ALSA lib"))
    }

    @Test func compareWritesASideBySideReport() throws {
        let dir = TestPaths.temporaryDirectory("loopbench-compare")
        let out = try Spawn.run(CLI.executable, ["compare", "--backend", "pulse", "--backend", "alsa", "--repeats", "1", "--seconds", "0.5",
                                                  "--set", "pulse.tlength=40ms", "--set", "alsa.buffer=40ms", "--set", "rate=48000",
                                                  "--out", dir, "--json", dir + "/copy.json", "--fail-on", "none"])
        print("compare stdout:\n\(out.stdout)\nstderr: \(out.stderr)")
        #expect(out.status == 0, "\(out.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/compare.json"))
        let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(doc?["schema"] as? String == "loopbench/compare/v1")
        let backends = doc?["backends"] as? [[String: Any]] ?? []
        #expect(backends.map { $0["backend"] as? String } == ["pulse", "alsa"])
        for b in backends {
            let s = b["summary"] as? [String: Any]
            #expect(s?["succeeded"] as? Int == 1, "\(b["backend"] ?? "?"): \(s ?? [:])")
            #expect(s?["latency_median_ms"] is Double)
            #expect(s?["reported_latency_median_ms"] is Double)
        }
        #expect(doc?["wall_audio_ratio"] is Double)
        let md = try String(contentsOfFile: dir + "/compare.md", encoding: .utf8)
        #expect(md.contains("| pulse |") && md.contains("| alsa |"))
        #expect(FileManager.default.fileExists(atPath: dir + "/copy.json"))
        // A key no backend has is a usage error (exit 64).
        let bad = try Spawn.run(CLI.executable, ["compare", "--backend", "pulse", "--set", "bogus=1"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("bogus"))
    }
}
}
