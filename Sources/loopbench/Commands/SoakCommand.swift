// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Foundation
import LoopbenchCore
import Loops
import QEMUBackend
import Reports
import Soak
import Stimulus
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by the first SIGINT during a soak; the soak ends after the chunk (or block) in hand.
private let soakInterrupted = Atomic<Bool>(false)

struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Play a periodic probe for a long time (or analyse a recording of one) and log every crackle with its time.",
        discussion: """
        Live: loopbench soak --backend sim|pulse|alsa|qemu --duration 1h [--set KEY=VALUE ...]. \
        Offline: loopbench soak --analyze capture.wav --reference probe.wav (a probe written by \
        `loopbench signal --period 1`). Events are printed as they are found; Ctrl-C ends the soak \
        and writes the report so far. Writes soak.json (a measurement with a `soak` member) and soak.html to --out.
        """)

    @Option(name: .long, help: "Analyse this recording of a periodic probe instead of playing one.") var analyze: String?
    @Option(name: .long, help: "The periodic probe the recording was made with (with --analyze).") var reference: String?
    @Option(name: .long, help: "sim (QEMU card model) | pulse | alsa | qemu (a real guest, booted once)") var backend: String = "sim"
    @Option(name: .customLong("set"), help: "A backend setting KEY=VALUE (repeatable); see measure --list-settings.") var settings: [String] = []
    @Option(name: .long, help: "How long to play: 90s, 10m, 1h (live only).") var duration: String = "1m"
    @Option(name: .long, help: "Play chunks of this many seconds, one after another, instead of one unbroken stream (live only; pulse, alsa and qemu stream unless this is given, sim plays 5 s chunks; on qemu a guest boots per chunk).") var chunk: Double?
    @Option(name: .long, help: "The probe's period in seconds (default 1; 0.5 on a live stream, so that every event is known within a second).") var period: Double?
    @Option(name: .long, help: "The silence after each probe, in seconds.") var separator: Double = PeriodicProbe.defaultSeparatorSeconds
    @Option(name: .long, help: "Probe level in dBFS.") var level: Double = -6
    @Option(name: .long, help: "Capture channel to analyse (default: the strongest).") var channel: Int?
    @Option(name: .long, help: "Folder for soak.json and soak.html.") var out: String = "Reports/soak/latest"
    @Option(name: .long, help: "Also write the soak JSON here, or - for stdout.") var json: String?
    @Option(name: .customLong("save-capture"), help: "Stream the whole recording to this audio file (live only).") var saveCapture: String?
    @Option(name: .customLong("save-around"), help: "Keep an audio clip this long either side of every event (e.g. 2s), in OUT/clips.") var saveAround: String?
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func run() throws {
        try reportingErrors {
            let streams = analyze == nil && chunk == nil && ((try? Loops.capabilities(backend: backend).streams) ?? false)
            var probe = PeriodicProbe(periodSeconds: period ?? (streams ? SoakRunner.streamPeriodSeconds : PeriodicProbe.defaultPeriodSeconds),
                                      separatorSeconds: separator)
            probe.spec.levelDB = level
            let around = try saveAround.map { t throws(LoopbenchError) in try TimeValue.microseconds(t, key: "--save-around") / 1e6 } ?? 0
            guard around <= 60 else { throw LoopbenchError.usage("--save-around \(saveAround!): at most 60 s", subject: "save-around") }
            let clipDir = around > 0 ? out + "/clips" : nil
            let console = SoakConsole(quiet: quiet || json == "-")
            installInterruptHandler()
            let (report, failure) = try analyze != nil ? (offline(&probe, clipDir: clipDir, around: around, console: console), nil)
                                                       : live(probe, clipDir: clipDir, around: around, console: console)
            console.finish()
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true, attributes: nil)
            let data = try JSONCoding.encode(report)
            try emitJSON(data, to: out + "/soak.json")
            try AtomicFile.write(SoakHTML.render(report), to: out + "/soak.html")
            if let json { try emitJSON(data, to: json) }
            console.summary(report, out: out)
            if let failure { throw failure }
            if report.soak.summary.interrupted {
                throw LoopbenchError(.interrupted, out, String(format: "interrupted after %.0f s; the report covers the run up to then", report.soak.summary.durationS))
            }
        }
    }

    /// `--analyze`: a recording of the periodic probe, block by block.
    private func offline(_ probe: inout PeriodicProbe, clipDir: String?, around: Double, console: SoakConsole) throws(LoopbenchError) -> SoakReport {
        guard let analyze else { throw .usage("--analyze needs a recording", subject: "analyze") }
        guard let reference else { throw .usage("--analyze needs --reference (the periodic probe it was recorded with)", subject: "reference") }
        guard saveCapture == nil else { throw .usage("--save-capture is for live soaks; the recording is already a file", subject: "save-capture") }
        let probes = try OfflineSoak.probes(fromReference: reference, probe: &probe)
        try probe.validate()
        let log = SoakLog(probe: probe, backend: "file", settings: nil, timeline: "audio", referencePath: reference)
        let period = probe.periodSeconds
        try OfflineSoak.analyze(capturePath: analyze, probe: probe, probes: probes, log: log, channel: channel, clipDirectory: clipDir, aroundSeconds: around,
                                shouldStop: { soakInterrupted.load(ordering: .relaxed) }) { o, kept in
            for (_, e) in kept { console.event(e) }
            console.status(runS: o.point.timeS + period, totalS: nil, log: log)
        }
        return log.report()
    }

    /// A live soak on a backend, chunk by chunk.
    private func live(_ probe: PeriodicProbe, clipDir: String?, around: Double, console: SoakConsole) throws(LoopbenchError) -> (SoakReport, LoopbenchError?) {
        let seconds = try Self.parseDuration(duration)
        let backend = self.backend
        let capabilities = try Loops.capabilities(backend: backend)
        let chunk = self.chunk ?? SoakRunner.defaultChunkSeconds(for: capabilities)
        guard chunk >= 2 * probe.periodSeconds && chunk <= 600 else {
            throw .usage("--chunk \(chunk): must be between two periods (\(2 * probe.periodSeconds) s) and 600 s", subject: "chunk")
        }
        let base = try SettingsParser.parse(settings)
        guard let seed = Int(base["seed"] ?? "1"), seed >= 0 else {
            throw .usage("seed=\(base["seed"] ?? ""): must be a whole number ≥ 0", subject: "seed")
        }
        var options = SoakRunner.Options(durationSeconds: seconds)
        options.chunkSeconds = chunk
        options.stream = self.chunk == nil
        options.saveCapture = saveCapture
        options.aroundSeconds = around
        options.clipDirectory = clipDir
        options.channel = channel
        let seeded = capabilities.deterministic
        let r = try SoakRunner.run(
            makeLoop: { c throws(LoopbenchError) in
                // A deterministic loop (the card model) repeats per seed: each chunk takes the next one.
                var s = base
                if seeded { s["seed"] = String(seed + c) }
                return try Loops.make(backend: backend, settings: s)
            },
            probe: probe, options: options, shouldStop: { soakInterrupted.load(ordering: .relaxed) },
            onEvent: { console.event($0) },
            onStatus: { st in console.liveStatus(st) })
        return (r.report, r.failure)
    }

    /// `90`, `90s`, `10m`, `1h`, `1.5h` → seconds (one second to a day).
    static func parseDuration(_ text: String) throws(LoopbenchError) -> Double {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("min", 60), ("h", 3600), ("m", 60), ("s", 1)]
        var number = t, scale = 1.0
        for (u, f) in units where t.hasSuffix(u) { number = String(t.dropLast(u.count)); scale = f; break }
        guard let v = Double(number), v.isFinite, v * scale >= 1, v * scale <= 86_400 else {
            throw .usage("--duration \(text): write a time between 1 s and 24 h (90s, 10m, 1h)", subject: "duration")
        }
        return v * scale
    }

    private func installInterruptHandler() {
        InterruptSignal.install { n in
            if n > 1 {
                // A streaming guest's QEMU runs in its own process group: it goes too.
                QEMUChildren.killAll()
                _exit(130)
            }
            soakInterrupted.store(true, ordering: .relaxed)
            FileHandle.standardError.write(Data("\nloopbench: interrupted; finishing the chunk in hand and writing the report (Ctrl-C again to quit at once)\n".utf8))
        }
    }
}

/// The soak's terminal output: one line per event as it is found; a status line redrawn in
/// place on a terminal, or a plain status line a minute off one; nothing with --quiet.
final class SoakConsole: @unchecked Sendable {
    let quiet: Bool
    let tty: Bool
    var drawn = false
    var lastPlain = -Double.infinity
    /// Off a terminal, a status line once a minute of run time keeps logs short.
    static let plainStatusInterval = 60.0

    init(quiet: Bool) {
        self.quiet = quiet
        tty = isatty(STDOUT_FILENO) == 1
    }

    func event(_ e: SoakEvent) {
        guard !quiet else { return }
        let wall = e.wallClock ?? "-"
        let size = "\(e.sizeSamples) frames" + (e.placeUncertaintySamples.map { " (within \($0) frames)" } ?? "")
        let lat = e.latencyMS.map { String(format: "latency %.2f ms", $0) } ?? "latency -"
        let xr = e.backendXruns.map { "xruns \($0)" } ?? "xruns -"
        let line = "\(wall)  +\(Self.clock(e.timeS))  \(e.kind.padding(toLength: 14, withPad: " ", startingAt: 0)) \(size)  \(lat)  \(xr)" + (e.detail.map { "  \($0)" } ?? "")
        write((drawn ? "\r\u{1B}[K" : "") + line + "\n")
        drawn = false
    }

    func liveStatus(_ s: SoakRunner.Status) {
        statusLine(runS: s.runS, totalS: s.totalS, latency: s.latencyMS, min: s.minMS, max: s.maxMS, events: s.events)
    }

    func status(runS: Double, totalS: Double?, log: SoakLog) {
        let l = log.latenciesMS
        statusLine(runS: runS, totalS: totalS, latency: log.series.last?.latencyMS, min: l.min(), max: l.max(), events: log.events.count)
    }

    private func statusLine(runS: Double, totalS: Double?, latency: Double?, min: Double?, max: Double?, events: Int) {
        guard !quiet else { return }
        let text = "\(Self.clock(runS))" + (totalS.map { " of \(Self.clock($0))" } ?? "")
            + "  latency " + (latency.map { String(format: "%.2f ms", $0) } ?? "-")
            + "  (min " + (min.map { String(format: "%.2f", $0) } ?? "-") + ", max " + (max.map { String(format: "%.2f", $0) } ?? "-") + ")"
            + "  events \(events)"
        if tty {
            write("\r\u{1B}[K" + text)
            drawn = true
        } else if runS - lastPlain >= Self.plainStatusInterval {
            lastPlain = runS
            write(text + "\n")
        }
    }

    func finish() {
        if drawn { write("\n") }
        drawn = false
    }

    func summary(_ r: SoakReport, out: String) {
        guard !quiet else { return }
        let s = r.soak.summary
        let lat = s.latencyMS.map { String(format: "latency p50 %.2f ms, p99 %.2f ms (min %.2f, max %.2f)", $0.p50, $0.p99, $0.min, $0.max) } ?? "no latency (no period found)"
        write(String(format: "%@%.0f s, %d periods (%d found): %d events (%.2f per minute); %@; report in %@/soak.html\n",
                     s.interrupted ? "interrupted after " : "", s.durationS, s.periods, s.periodsFound, r.soak.events.count, s.eventsPerMinute, lat, out))
    }

    private func write(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }

    static func clock(_ s: Double) -> String {
        let ms = Int((s * 1000).rounded())
        return String(format: "%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }
}
