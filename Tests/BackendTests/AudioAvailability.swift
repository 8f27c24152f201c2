// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import Analyzer
import Measure
import LoopbenchCore
import Stimulus
#if canImport(Glibc)
import Glibc
#endif

/// Whether the real-audio tests can run, and helpers they share.
///
/// Under `scripts/test` (which starts a private PulseAudio daemon with a null sink, points
/// ALSA's `default` at it and sets `LOOPBENCH_TEST_AUDIO=1`) they always run: a missing daemon
/// there is a failure, not a skip. Elsewhere they run when the PulseAudio server named by
/// `PULSE_SERVER` answers, and are skipped otherwise (the skip comment says how to run them).
enum AudioFixture {
    static let env = ProcessInfo.processInfo.environment
    /// Set by `scripts/test`: the backends must be tested for real.
    static let required = env["LOOPBENCH_TEST_AUDIO"] == "1"

    /// The tests run when required, or when a PulseAudio server answers on `PULSE_SERVER`.
    static let available: Bool = required || serverAnswers()

    /// Whether the ALSA configuration in use is the private one of `scripts/pulse-loopback`
    /// (which also defines the `loopbench_noserver` PCM used by an error test).
    static let privateALSAConfig = (env["ALSA_CONFIG_PATH"] ?? "").contains("asoundrc")

    /// Connects to the unix socket of `PULSE_SERVER` (or the per-user default) and hangs up.
    static func serverAnswers() -> Bool {
        var path: String
        if let s = env["PULSE_SERVER"], !s.isEmpty {
            guard s.hasPrefix("unix:") else { return false }
            path = String(s.dropFirst(5))
        } else if let r = env["PULSE_RUNTIME_PATH"] ?? env["XDG_RUNTIME_DIR"].map({ $0 + "/pulse" }) {
            path = r + "/native"
        } else {
            return false
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(107))
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return r == 0
    }

    /// The probe every backend test plays: 1 s of the default stimulus.
    static func spec() -> Stimulus.Spec {
        var s = Stimulus.Spec()
        s.seconds = 1
        return s
    }

    /// One measurement through `loop`, with the analyzer's verdict and an independent check:
    /// the largest sample difference between the stimulus and the capture at the analyzer's lag
    /// (0 when the loop is bit-exact there).
    static func measure(_ loop: any AudioLoop, saveCapture: String? = nil) throws -> (RoundTrip.Result, Float?) {
        let r = try RoundTrip.measure(loop: loop, spec: spec(), saveCapture: saveCapture)
        var maxDiff: Float?
        if let lat = r.measurement.latency {
            let lag = Int(lat.samples.rounded())
            let ref = r.stimulus.channels[0], cap = r.loop.capture.channels[0]
            if lag >= 0 && lag + ref.count <= cap.count {
                var d: Float = 0
                for i in 0..<ref.count { d = max(d, abs(cap[lag + i] - ref[i])) }
                maxDiff = d
            }
        }
        return (r, maxDiff)
    }

    static func describe(_ r: RoundTrip.Result) -> String {
        let m = r.measurement
        let lat = m.latency.map { String(format: "%.2f ms (%.0f frames)", $0.ms, $0.samples) } ?? "none"
        let rep = r.loop.reportedLatencyFrames.map { String(format: "%.2f ms", $0 * 1000 / Double(m.sampleRate)) } ?? "none"
        return "verdict \(m.verdict.rawValue), latency \(lat), reported \(rep), xruns \(m.backendXruns.map(String.init) ?? "n/a"), "
            + "events \(m.events.map { "\($0.kind.rawValue)@\($0.captureSample)/\($0.sizeSamples)" }.joined(separator: " ")); notes: \(r.loop.notes.joined(separator: " | "))"
    }
}
