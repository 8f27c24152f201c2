// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Loops
import Stimulus

/// Several backends measured in one run, repeat by repeat in turn (so all see the same machine
/// load), and their side-by-side report: latency and its spread, crackles, drift, xruns, and
/// measured against reported latency (`loopbench compare`).
public enum Compare {
    /// Splits `--set` items by backend: `pulse.tlength=…` goes to pulse only, `rate=…` to every
    /// backend that has the key. A key no selected backend knows is a usage error.
    public static func splitSettings(_ items: [String: String], backends: [String]) throws(LoopbenchError) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        var keys: [String: Set<String>] = [:]
        for b in backends { keys[b] = Set(try Loops.settingDocs(backend: b).map(\.key)) }
        for (k, v) in items.sorted(by: { $0.key < $1.key }) {
            if let dot = k.firstIndex(of: "."), backends.contains(String(k[..<dot])) {
                out[String(k[..<dot]), default: [:]][String(k[k.index(after: dot)...])] = v
                continue
            }
            let takers = backends.filter { keys[$0]?.contains(k) == true }
            guard !takers.isEmpty else {
                throw .usage("--set \(k)=\(v): none of \(backends.joined(separator: ", ")) has the setting \(k); prefix it with the backend (e.g. pulse.\(k)) or see measure --list-settings", subject: k)
            }
            for b in takers { out[b, default: [:]][k] = v }
        }
        return out
    }

    // MARK: - Measuring

    public static func measure(loops: [any AudioLoop], repeats: Int, seconds: Double, level: Double, quiet: Bool) -> CompareReport {
        let t0 = ProgressLine.now()
        var trials: [[CompareReport.Trial]] = Array(repeating: [], count: loops.count)
        let progress = ProgressLine(quiet: quiet)
        var audio = 0.0
        for r in 0..<repeats {
            for (i, loop) in loops.enumerated() {
                progress.update(done: r * loops.count + i, total: repeats * loops.count, label: "\(loop.backend) repeat \(r + 1)")
                var spec = Stimulus.Spec()
                spec.seconds = seconds
                spec.levelDB = level
                spec.seed = UInt64(r + 1)
                let ts = ProgressLine.now()
                do {
                    let res = try RoundTrip.measure(loop: loop, spec: spec)
                    audio += Double(res.loop.capture.frames) / Double(res.loop.capture.sampleRate)
                    trials[i].append(.init(repeat: r, seed: spec.seed, wallSeconds: ProgressLine.now() - ts, measurement: res.measurement,
                                           failure: nil, notes: res.loop.notes))
                } catch {
                    trials[i].append(.init(repeat: r, seed: spec.seed, wallSeconds: ProgressLine.now() - ts, measurement: nil,
                                           failure: error.description, notes: []))
                }
            }
        }
        progress.update(done: repeats * loops.count, total: repeats * loops.count, label: "done", force: true)
        progress.finish()
        let wall = ProgressLine.now() - t0
        var entries: [CompareReport.Backend] = []
        for (i, loop) in loops.enumerated() {
            let period = loop.effectiveSettings["period_frames"]?.doubleValue ?? Double(loop.sampleRate) / 100
            entries.append(.init(backend: loop.backend, settings: loop.effectiveSettings, periodFrames: period, sampleRate: loop.sampleRate, trials: trials[i]))
        }
        return CompareReport(repeats: repeats, seconds: seconds, wallSeconds: wall, audioSeconds: audio, backends: entries)
    }

    // MARK: - Text

    public static func markdown(_ r: CompareReport) -> String {
        func f(_ v: Double?, _ digits: Int = 2) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "–" }
        var lines = [
            "# loopbench compare",
            "",
            String(format: "%d repeat(s) of a %.2f s probe per backend; wall time %.1f s for %.1f s of audio captured (ratio %@).",
                   r.repeats, r.seconds, r.wallSeconds, r.audioSeconds, f(r.wallAudioRatio)),
            "",
            "| backend | ok | clean | latency median (ms) | spread (ms) | min–max (ms) | crackles | xruns | drift (ppm) | reported (ms) | measured − reported (ms) | period (ms) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for b in r.backends {
            let s = b.summary
            lines.append("| \(b.backend) | \(s.succeeded)/\(b.trials.count) | \(s.clean) | \(f(s.latencyMedianMS)) | \(f(s.latencySpreadMS)) | "
                + "\(f(s.latencyMinMS))–\(f(s.latencyMaxMS)) | \(s.crackles) | \(s.backendXruns.map(String.init) ?? "–") | \(f(s.driftMedianPPM, 1)) | "
                + "\(f(s.reportedMedianMS)) | \(f(s.measuredMinusReportedMS)) | \(f(s.periodMS)) |")
        }
        lines.append("")
        for b in r.backends {
            if let flag = b.summary.flag { lines.append("- **\(b.backend)**: \(flag)") }
            for t in b.trials where t.failure != nil { lines.append("- \(b.backend) repeat \(t.repeat + 1) failed: \(t.failure!)") }
            if let notes = b.trials.first(where: { !$0.notes.isEmpty })?.notes {
                lines.append("- \(b.backend) notes (first trial): " + notes.joined(separator: "; "))
            }
            lines.append("- \(b.backend) settings: " + b.settings.keys.sorted().map { "\($0)=\(b.settings[$0]!)" }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The side-by-side report of `loopbench compare` (`loopbench/compare/v1`).
public struct CompareReport: Encodable, Sendable {
    public static let schemaID = "loopbench/compare/v1"

    public struct Trial: Encodable, Sendable {
        public var `repeat`: Int
        public var seed: UInt64
        public var wallSeconds: Double
        public var measurement: LoopMeasurement?
        public var failure: String?
        public var notes: [String]
        enum CodingKeys: String, CodingKey {
            case `repeat`, seed, measurement, failure, notes
            case wallSeconds = "wall_seconds"
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(`repeat`, forKey: .repeat)
            try c.encode(seed, forKey: .seed)
            try c.encode(wallSeconds, forKey: .wallSeconds)
            try c.encode(measurement, forKey: .measurement)
            try c.encode(failure, forKey: .failure)
            try c.encode(notes, forKey: .notes)
        }
    }

    public struct Summary: Encodable, Sendable {
        public var succeeded = 0
        public var failed = 0
        public var clean = 0
        public var crackle = 0
        public var noSignal = 0
        public var latencyMedianMS: Double?
        public var latencyMinMS: Double?
        public var latencyMaxMS: Double?
        public var latencySpreadMS: Double?
        public var latencyStdevMS: Double?
        public var crackles = 0
        public var backendXruns: Int?
        public var driftMedianPPM: Double?
        public var reportedMedianMS: Double?
        public var measuredMinusReportedMS: Double?
        public var periodMS: Double
        /// "backend reports X ms, signal says Y ms" when they differ by more than one period.
        public var flag: String?

        enum CodingKeys: String, CodingKey {
            case succeeded, failed, clean, crackle, crackles, flag
            case noSignal = "no_signal"
            case latencyMedianMS = "latency_median_ms"
            case latencyMinMS = "latency_min_ms"
            case latencyMaxMS = "latency_max_ms"
            case latencySpreadMS = "latency_spread_ms"
            case latencyStdevMS = "latency_stdev_ms"
            case backendXruns = "backend_xruns"
            case driftMedianPPM = "drift_median_ppm"
            case reportedMedianMS = "reported_latency_median_ms"
            case measuredMinusReportedMS = "measured_minus_reported_ms"
            case periodMS = "period_ms"
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(succeeded, forKey: .succeeded)
            try c.encode(failed, forKey: .failed)
            try c.encode(clean, forKey: .clean)
            try c.encode(crackle, forKey: .crackle)
            try c.encode(noSignal, forKey: .noSignal)
            try c.encode(latencyMedianMS, forKey: .latencyMedianMS)
            try c.encode(latencyMinMS, forKey: .latencyMinMS)
            try c.encode(latencyMaxMS, forKey: .latencyMaxMS)
            try c.encode(latencySpreadMS, forKey: .latencySpreadMS)
            try c.encode(latencyStdevMS, forKey: .latencyStdevMS)
            try c.encode(crackles, forKey: .crackles)
            try c.encode(backendXruns, forKey: .backendXruns)
            try c.encode(driftMedianPPM, forKey: .driftMedianPPM)
            try c.encode(reportedMedianMS, forKey: .reportedMedianMS)
            try c.encode(measuredMinusReportedMS, forKey: .measuredMinusReportedMS)
            try c.encode(periodMS, forKey: .periodMS)
            try c.encode(flag, forKey: .flag)
        }
    }

    public struct Backend: Encodable, Sendable {
        public var backend: String
        public var settings: [String: JSONValue]
        public var periodFrames: Double
        public var sampleRate: Int
        public var trials: [Trial]
        public var summary: Summary

        public init(backend: String, settings: [String: JSONValue], periodFrames: Double, sampleRate: Int, trials: [Trial]) {
            self.backend = backend
            self.settings = settings
            self.periodFrames = periodFrames
            self.sampleRate = sampleRate
            self.trials = trials
            let ms = 1000 / Double(sampleRate)
            var s = Summary(periodMS: periodFrames * ms)
            let ok = trials.compactMap(\.measurement)
            s.succeeded = ok.count
            s.failed = trials.count - ok.count
            s.clean = ok.filter { $0.verdict == .clean }.count
            s.crackle = ok.filter { $0.verdict == .crackle }.count
            s.noSignal = ok.filter { $0.verdict == .noSignal }.count
            s.crackles = ok.map(\.crackles).reduce(0, +)
            let xr = ok.compactMap(\.backendXruns)
            s.backendXruns = xr.isEmpty ? nil : xr.reduce(0, +)
            let lat = ok.compactMap { $0.latency?.ms }
            if !lat.isEmpty {
                s.latencyMedianMS = Stats.median(lat)
                s.latencyMinMS = lat.min()
                s.latencyMaxMS = lat.max()
                s.latencySpreadMS = lat.max()! - lat.min()!
                let mean = lat.reduce(0, +) / Double(lat.count)
                s.latencyStdevMS = lat.count > 1 ? (lat.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(lat.count - 1)).squareRoot() : 0
            }
            s.driftMedianPPM = Stats.median(ok.compactMap(\.driftPPM))
            s.reportedMedianMS = Stats.median(ok.compactMap(\.backendReportedLatency)).map { $0 * ms }
            if let m = s.latencyMedianMS, let r = s.reportedMedianMS {
                s.measuredMinusReportedMS = m - r
                if abs(m - r) > s.periodMS {
                    s.flag = String(format: "backend reports %.2f ms, signal says %.2f ms (differ by %.2f ms, more than one %.2f ms period)", r, m, abs(m - r), s.periodMS)
                }
            }
            summary = s
        }

        enum CodingKeys: String, CodingKey {
            case backend, settings, trials, summary
            case periodFrames = "period_frames"
            case sampleRate = "sample_rate"
        }
    }

    public var schema = CompareReport.schemaID
    public var tool = LoopMeasurement.Tool()
    public var repeats: Int
    public var seconds: Double
    public var wallSeconds: Double
    public var audioSeconds: Double
    public var wallAudioRatio: Double?
    public var backends: [Backend]

    public init(repeats: Int, seconds: Double, wallSeconds: Double, audioSeconds: Double, backends: [Backend]) {
        self.repeats = repeats
        self.seconds = seconds
        self.wallSeconds = wallSeconds
        self.audioSeconds = audioSeconds
        self.wallAudioRatio = audioSeconds > 0 ? wallSeconds / audioSeconds : nil
        self.backends = backends
    }

    enum CodingKeys: String, CodingKey {
        case schema, tool, repeats, seconds, backends
        case wallSeconds = "wall_seconds"
        case audioSeconds = "audio_seconds"
        case wallAudioRatio = "wall_audio_ratio"
    }
}
