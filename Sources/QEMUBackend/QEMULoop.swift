// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore

/// A real QEMU guest as a loop: boots the test guest (``GuestImage``) under TCG with an
/// emulated HDA or AC'97 card, whose audio goes to PulseAudio (`-audiodev pa`) or to ALSA
/// (`-audiodev alsa`, e.g. through the pulse plugin); the guest plays the probe and records it
/// back through the same card (see docs/qemu-backend.md).
///
/// The settings are the card model's (`device`, `timer-period`, `out.latency`, …), so one plan
/// runs against both. Only the settings given go on QEMU's command line: everything else is
/// the installed QEMU's own default. Settings that exist only in the model (`host.jitter`,
/// `seed`, …) are accepted and listed in the notes as having no effect on a real guest.
public struct QEMULoop: AudioLoop {
    /// A real guest in real time (one at a time: it plays through the shared sound server), set up with QEMU's own options.
    /// A guest boots in about 10 s under TCG before it plays (KVM is not assumed).
    public static let capabilities = LoopCapabilities(deterministic: false, parallelSafe: false, qemuSettings: true, startupSeconds: 10, streams: true)
    /// Settings of the model that a real guest has no use for.
    /// (`channel-map` is the model's injected fault: on a real guest, route its output through a
    /// PulseAudio remap sink instead, `sink=…`.)
    static let modelOnlyKeys: Set<String> = ["guest.jitter", "host.jitter", "host.run-cost", "host.stalls", "host.ppm", "jack.period", "pa.grants", "seed",
                                             "channel-map"]
    /// The channels of the guest's streams: QEMU's HDA codec (`hda-duplex`) and AC'97 are stereo
    /// cards, and the guest plays and records both channels (each its own probe with the
    /// per-channel check).
    public static let guestChannels = 2
    /// The QEMU trace events recorded with every run (QEMU's `audio/trace-events` and `hw/audio/trace-events`).
    static let traceEvents = ["audio_timer_delayed", "hda_audio_running", "hda_audio_adjust", "hda_audio_overrun"]

    public static let ownSettingDocs: [SettingDoc] = [
        SettingDoc(key: "channels", unit: "count", defaultValue: "2", meaning: "channels the guest plays and records: 2 (QEMU's HDA and AC'97 are stereo; each channel plays its own probe)"),
        SettingDoc(key: "server", unit: "name", defaultValue: "$PULSE_SERVER", meaning: "PulseAudio server for -audiodev pa (e.g. unix:/tmp/x/native); scripts/pulse-loopback env sets it"),
        SettingDoc(key: "sink", unit: "name", defaultValue: "$PULSE_SINK", meaning: "-audiodev pa out.name (default: the server's default sink)"),
        SettingDoc(key: "source", unit: "name", defaultValue: "sink.monitor", meaning: "-audiodev pa in.name (default: $PULSE_SOURCE, else the sink's monitor)"),
        SettingDoc(key: "alsa.dev", unit: "name", defaultValue: "default", meaning: "-audiodev alsa out.dev and in.dev (default routes through ALSA's configuration, e.g. the pulse plugin)"),
        SettingDoc(key: "timeout", unit: "µs", defaultValue: "auto", meaning: "the run's time limit; QEMU is killed by its pid when it passes (auto = 60 s + 3 × the audio)"),
        SettingDoc(key: "keep", unit: "path", defaultValue: "none", meaning: "keep the run's folder (disks, serial log, trace, QEMU's stderr) at this path"),
    ]

    /// Every setting: the model's (minus what has no meaning here) and the guest's own.
    public static var settingDocs: [SettingDoc] {
        CardModelSettings.docs.filter { !modelOnlyKeys.contains($0.key) } + ownSettingDocs
    }

    public let backend = "qemu"
    public let model: CardModelSettings
    /// The keys the user set, in QEMU's spelling, that go on the command line.
    let explicit: [String: String]
    let own: [String: String]
    let ignored: [String]
    public var sampleRate: Int { model.guestRate }
    public let channels = QEMULoop.guestChannels
    /// QEMU's mixing engine rate on either side, when it is below the guest's (as the model says).
    public var narrowestRate: Int? { CardModelLoop(model).narrowestRate }

    public init(settings: [String: String]) throws(LoopbenchError) {
        let ownKeys = Set(Self.ownSettingDocs.map(\.key))
        var modelSettings: [String: String] = [:]
        var own: [String: String] = [:]
        var ignored: [String] = []
        for (k, v) in settings {
            if ownKeys.contains(k) { own[k] = v } else if Self.modelOnlyKeys.contains(k) { ignored.append(k) } else { modelSettings[k] = v }
        }
        // The installed QEMU's defaults apply: the newest version the model knows that is not
        // newer than it. A `qemu=` that names another version is refused (checked again at run).
        if let installed = try? QEMUInstallation.find() {
            let known = Self.knownVersion(for: installed.version)
            if let asked = modelSettings["qemu"], asked != known?.rawValue && asked != installed.series {
                throw .usage("qemu=\(asked): the installed QEMU is \(installed.version); a real guest runs that version (leave qemu out)", subject: "qemu")
            }
            if let known { modelSettings["qemu"] = known.rawValue }
        }
        do {
            model = try CardModelSettings(settings: modelSettings)
        } catch {
            // Name this backend's keys in an unknown-key error, not the model's.
            if error.kind == .usage, let key = error.subject, !CardModelSettings.keys.contains(key) {
                throw .usage("\(key)=\(settings[key] ?? ""): unknown qemu setting; use one of \(Self.settingDocs.map(\.key).joined(separator: ", "))", subject: key)
            }
            throw error
        }
        guard model.backend == .pa || model.backend == .alsa else {
            throw .usage("backend=\(model.backend.rawValue): a real guest's audio goes to the host's PulseAudio (pa) or ALSA (alsa)", subject: "backend")
        }
        guard model.device != .virtioSnd else {
            throw .usage("device=virtio-snd: the test guest drives hda, hda-notimer and ac97", subject: "device")
        }
        if let c = own["channels"], Int(c.trimmingCharacters(in: .whitespaces)) != Self.guestChannels {
            throw .usage("channels=\(c): a real guest's HDA and AC'97 are stereo; leave channels out or set channels=\(Self.guestChannels)", subject: "channels")
        }
        if let t = own["timeout"] {
            let us = try TimeValue.microseconds(t, key: "timeout")
            guard us >= 5_000_000 && us <= 3_600_000_000 else { throw .usage("timeout=\(t): must be between 5 s and 1 h", subject: "timeout") }
        }
        explicit = modelSettings
        self.own = own
        self.ignored = ignored.sorted()
    }

    public var effectiveSettings: [String: JSONValue] {
        var e = model.effective.filter { !Self.modelOnlyKeys.contains($0.key) }
        for (k, v) in own where k != "keep" && k != "channels" { e[k] = .string(v) }
        return e
    }

    /// The newest QEMU version whose defaults the model knows that is not newer than `version`.
    static func knownVersion(for version: String) -> CardModelSettings.QEMUVersion? {
        func number(_ v: String) -> Int {
            let p = v.split(separator: ".").compactMap { Int($0) }
            return (p.first ?? 0) * 1000 + (p.count > 1 ? p[1] : 0)
        }
        let n = number(version)
        return CardModelSettings.QEMUVersion.allCases.filter { number($0.rawValue) <= n }.max { number($0.rawValue) < number($1.rawValue) }
    }

    // MARK: - The guest's ALSA request

    var periodFrames: Int { max(16, Int((Double(model.guestPeriodUS) * Double(model.guestRate) / 1e6).rounded())) }
    var bufferFrames: Int { max(2 * periodFrames, Int((Double(model.guestBufferUS) * Double(model.guestRate) / 1e6).rounded())) }

    /// Capture kept after the probe: enough for the longest round trip these buffers allow.
    var tailFrames: Int {
        let us = 500_000 + model.outLatencyUS + model.inLatencyUS + model.outBufferLengthUS + min(model.inBufferLengthUS, 200_000) + 2 * model.timerPeriodUS
        return Int(Double(us) * Double(model.guestRate) / 1e6)
    }

    // MARK: - Command line

    /// The `-audiodev` and `-device` arguments for these settings.
    func audioArguments(server: String?, sink: String?, source: String?) -> [String] {
        var opts: [String]
        switch model.backend {
        case .alsa:
            let dev = own["alsa.dev"] ?? "default"
            opts = ["alsa", "id=snd0", "out.dev=\(dev)", "in.dev=\(dev)"]
        default:
            opts = ["pa", "id=snd0"]
            if let server { opts.append("server=\(server)") }
            if let sink { opts.append("out.name=\(sink)") }
            if let source { opts.append("in.name=\(source)") }
        }
        for k in QEMUOptions.audiodevKeys {
            guard var v = explicit[k]?.trimmingCharacters(in: .whitespaces) else { continue }
            if QEMUOptions.timeKeys.contains(k), let us = try? TimeValue.microseconds(v, key: k) { v = String(Int(us.rounded())) }
            if k.hasSuffix("mixing-engine") || k.hasSuffix("try-poll") { v = ["on", "true", "yes", "1"].contains(v.lowercased()) ? "on" : "off" }
            opts.append("\(k)=\(v)")
        }
        var args = ["-audiodev", opts.joined(separator: ",")]
        args += QEMUOptions.deviceArguments(model.device)
        return args
    }

    /// Where the host's sound server is, for `-audiodev pa`.
    func soundServer() throws(LoopbenchError) -> (server: String?, sink: String?, source: String?) {
        let env = ProcessInfo.processInfo.environment
        guard model.backend == .pa else { return (nil, nil, nil) }
        guard let server = own["server"] ?? env["PULSE_SERVER"], !server.isEmpty else {
            throw .unavailable("PulseAudio", "no sound server for -audiodev pa: set PULSE_SERVER or --set server=… (for a private loop: scripts/pulse-loopback start, then eval \"$(scripts/pulse-loopback env)\")")
        }
        if server.hasPrefix("unix:") || server.hasPrefix("/") {
            let path = server.hasPrefix("unix:") ? String(server.dropFirst(5)) : server
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw .unavailable(server, "no PulseAudio server is listening there (no socket); start it (scripts/pulse-loopback start)")
            }
        }
        let sink = own["sink"] ?? env["PULSE_SINK"]
        let source = own["source"] ?? env["PULSE_SOURCE"] ?? sink.map { $0 + ".monitor" }
        return (server, sink, source)
    }

    // MARK: - Run

    /// What every boot needs: the installed QEMU (checked against the settings), the driver,
    /// the sound server and the guest image.
    struct Boot {
        var qemu: QEMUInstallation
        var image: GuestImage
        var server: String?, sink: String?, source: String?
    }

    func prepareBoot() throws(LoopbenchError) -> Boot {
        let qemu = try QEMUInstallation.find()
        guard let known = Self.knownVersion(for: qemu.version) else {
            throw .unavailable(qemu.binary, "QEMU \(qemu.version) is older than every version whose audio defaults loopbench knows (\(CardModelSettings.QEMUVersion.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if model.qemu != known {
            throw .usage("qemu=\(model.qemu.rawValue): the installed QEMU is \(qemu.version); a real guest runs that version (leave qemu out)", subject: "qemu")
        }
        try qemu.requireDriver(model.backend.rawValue)
        let (server, sink, source) = try soundServer()
        let image = try GuestImage.build(cache: GuestImage.defaultCache, guestBinary: try GuestImage.locateGuestBinary())
        return Boot(qemu: qemu, image: image, server: server, sink: sink, source: source)
    }

    /// QEMU's command line for one boot with these disks (`extra`: more arguments, e.g. a second serial port).
    func commandLine(_ b: Boot, dir: String, probe: String, captureDisk: String, extra: [String] = []) -> [String] {
        var argv = [b.qemu.binary, "-accel", "tcg", "-m", "256", "-smp", "1", "-no-reboot", "-nodefaults", "-display", "none",
                    "-monitor", "none", "-serial", "file:\(dir)/serial.log"] + extra
        argv += ["-kernel", b.image.kernel, "-initrd", b.image.initramfs, "-append", "console=ttyS0 quiet panic=-1"]
        argv += audioArguments(server: b.server, sink: b.sink, source: b.source)
        argv += ["-drive", "file=\(probe),format=raw,if=virtio,readonly=on", "-drive", "file=\(captureDisk),format=raw,if=virtio"]
        argv += ["-msg", "timestamp=on", "-D", "\(dir)/trace.log"] + Self.traceEvents.flatMap { ["-trace", $0] }
        return argv
    }

    public func run(stimulus: AudioBuffer) throws(LoopbenchError) -> LoopCapture {
        guard stimulus.sampleRate == model.guestRate else {
            throw .badData("stimulus", "the stimulus is at \(stimulus.sampleRate) Hz but guest.rate=\(model.guestRate)")
        }
        guard stimulus.frames > 0, stimulus.duration <= 600 else {
            throw .usage("--seconds \(stimulus.duration): a real guest plays 0–600 s per run", subject: "seconds")
        }
        let boot = try prepareBoot()
        let qemu = boot.qemu, image = boot.image
        let dir = try runFolder()
        defer { if own["keep"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let probe = dir + "/probe.img", captureDisk = dir + "/capture.img"
        try GuestDisks.writeProbe(stimulus, request: .init(rate: model.guestRate, channels: channels, periodFrames: periodFrames,
                                                           bufferFrames: bufferFrames, tailFrames: tailFrames), to: probe)
        let captureBytes = GuestDisks.headerBytes + (stimulus.frames + tailFrames + 8 * bufferFrames + model.guestRate) * channels * 2
        try GuestDisks.makeCaptureDisk(captureDisk, bytes: (captureBytes + (1 << 20) - 1) & ~((1 << 20) - 1))
        let argv = commandLine(boot, dir: dir, probe: probe, captureDisk: captureDisk)
        let timeout = try own["timeout"].map { (t) throws(LoopbenchError) in try TimeValue.microseconds(t, key: "timeout") / 1e6 }
            ?? (60 + 3 * (stimulus.duration + Double(tailFrames) / Double(model.guestRate)))

        let started = Date()
        let r = Subprocess.run(qemu.binary, Array(argv.dropFirst()), timeout: timeout, stdoutFile: dir + "/qemu.stdout", stderrFile: dir + "/qemu.stderr")
        let report = try Self.guestReport(captureDisk, run: r, timeout: timeout, dir: dir)
        return try capture(from: report, qemu: qemu, argv: argv, traceLog: dir + "/trace.log", started: started, wall: r.wallSeconds, image: image)
    }

    /// What the guest wrote on its capture disk, or the error that explains why there is nothing.
    static func guestReport(_ captureDisk: String, run r: Subprocess.Result, timeout: Double, dir: String) throws(LoopbenchError) -> GuestDisks.CaptureReport {
        let serial = (try? String(contentsOfFile: dir + "/serial.log", encoding: .utf8)) ?? ""
        if r.timedOut {
            throw .unavailable("qemu", "the guest did not finish within \(Int(timeout)) s and was killed (pid); serial log tail: \(Self.tail(serial))")
        }
        switch try GuestDisks.readCapture(captureDisk) {
        case .missing:
            let why = r.status != 0 ? "QEMU exited with status \(r.status): \(Self.qemuError(r.stderr))" : "serial log tail: \(Self.tail(serial))"
            throw .unavailable("qemu", "the capture is missing from the guest; \(why)")
        case .guestError(let message, _):
            throw .unavailable("qemu guest", "the player-recorder failed: \(message); serial log tail: \(Self.tail(serial))")
        case .capture(let c):
            return c
        }
    }

    func runFolder() throws(LoopbenchError) -> String {
        if let keep = own["keep"] {
            do { try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true) } catch {
                throw .io(keep, "cannot create the run folder: \(error.localizedDescription)")
            }
            return keep
        }
        let dir = NSTemporaryDirectory() + "loopbench-qemu-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw .io(dir, "cannot create a run folder: \(error.localizedDescription)")
        }
        return dir
    }

    /// The capture without the guest's prefill, and the run's own account.
    func capture(from report: GuestDisks.CaptureReport, qemu: QEMUInstallation, argv: [String], traceLog: String,
                 started: Date, wall: Double, image: GuestImage) throws(LoopbenchError) -> LoopCapture {
        guard let audio = report.audio, let prefill = report.int("prefill"), prefill >= 0 else {
            throw .badData("qemu guest", "the capture header has no prefill: \(report.headerLine)")
        }
        let frames = max(0, audio.frames - prefill)
        let chans = audio.channels.map { Array($0.dropFirst(prefill).prefix(frames)) }
        let capture = AudioBuffer(sampleRate: audio.sampleRate, channels: chans)
        let xrunsAt = report.fields["xrun_at"].map { $0.split(separator: ",").map(String.init) } ?? []
        let guest = QEMURun.Guest(periodFrames: report.int("period"), bufferFrames: report.int("buffer"),
                                  capturePeriodFrames: report.int("capture_period"), captureBufferFrames: report.int("capture_buffer"),
                                  prefillFrames: prefill, linked: report.fields["linked"].map { $0 == "1" },
                                  xruns: report.int("xruns") ?? 0, xrunsAt: xrunsAt)
        let traceText = (try? String(contentsOfFile: traceLog, encoding: .utf8)) ?? ""
        let (trace, streamStart) = QEMUTrace.parse(traceText, qemuStart: started.timeIntervalSince1970, sampleRate: audio.sampleRate, prefillFrames: prefill)
        let env = environmentNote()
        let up0 = report.fields["uptime_start"].flatMap(Double.init), up1 = report.fields["uptime_end"].flatMap(Double.init)
        let run = QEMURun(version: qemu.version, argv: argv, commandLine: Self.shellQuoted(argv, environment: env), environment: env,
                          guest: guest, trace: trace, wallSeconds: wall,
                          guestBootSeconds: up0.flatMap { $0 >= 0 ? $0 : nil },
                          guestAudioSeconds: (up0 != nil && up1 != nil && up0! >= 0 && up1! >= up0!) ? up1! - up0! : nil)
        var notes: [String] = []
        if guest.periodFrames != periodFrames || guest.bufferFrames != bufferFrames {
            notes.append("the guest's card granted period \(guest.periodFrames ?? 0) and buffer \(guest.bufferFrames ?? 0) frames (asked \(periodFrames)/\(bufferFrames))")
        }
        if guest.linked == false { notes.append("playback and capture could not be linked: the latency includes the gap between two triggers") }
        if !ignored.isEmpty { notes.append("model-only settings with no effect on a real guest: \(ignored.joined(separator: ", "))") }
        if ignored.contains("channel-map") {
            notes.append("channel-map is the card model's injected fault; for a channel fault on a real guest, route its output through a PulseAudio remap sink (sink=NAME, source=MASTER.monitor)")
        }
        if audio.frames < (report.int("expected") ?? audio.frames) {
            notes.append("the guest recorded \(audio.frames) of \(report.int("expected") ?? 0) frames before it stopped")
        }
        var got = LoopCapture(capture: capture, backendXruns: guest.xruns, notes: notes, qemu: run)
        got.audioStartedAt = Self.audioStart(streamStart: streamStart, started: started, guestUptime: run.guestBootSeconds, prefill: prefill, rate: audio.sampleRate)
        return got
    }

    /// When the capture's first frame (after the prefill) was heard: the traced start of the HDA
    /// output stream, or else QEMU's start plus the guest's uptime when its player started
    /// (under TCG the guest's clock runs with the host's), plus the prefill.
    static func audioStart(streamStart: Double?, started: Date, guestUptime: Double?, prefill: Int, rate: Int) -> Date? {
        let prefillS = Double(prefill) / Double(max(1, rate))
        if let s = streamStart { return Date(timeIntervalSince1970: s + prefillS) }
        return guestUptime.map { started.addingTimeInterval($0 + prefillS) }
    }

    /// The environment that routes QEMU's audio (inherited from loopbench's), for the record.
    func environmentNote() -> [String: String] {
        let env = ProcessInfo.processInfo.environment
        let keys = model.backend == .alsa ? ["ALSA_CONFIG_PATH", "PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE"] : []
        var out: [String: String] = [:]
        for k in keys { if let v = env[k] { out[k] = v } }
        return out
    }

    static func shellQuoted(_ argv: [String], environment: [String: String]) -> String {
        func q(_ s: String) -> String {
            if !s.isEmpty && s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,@+".contains($0) }) { return s }
            return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        let env = environment.keys.sorted().map { "\($0)=\(q(environment[$0]!))" }
        return (env + argv.map(q)).joined(separator: " ")
    }

    static func tail(_ text: String, lines: Int = 4) -> String {
        let l = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).suffix(lines)
        return l.isEmpty ? "(empty)" : l.joined(separator: " | ")
    }

    /// QEMU's own error line (without the timestamp `-msg timestamp=on` adds).
    static func qemuError(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map { line -> String in
            if let r = line.range(of: "Z qemu-system") { return "qemu-system" + line[r.upperBound...] }
            return String(line)
        }
        return lines.last(where: { $0.contains("qemu-system") }) ?? lines.last ?? "no message"
    }
}

/// Reads QEMU's trace log (the `log` trace backend with `-msg timestamp=on`: `PID@SEC.USEC:name args`).
enum QEMUTrace {
    /// The traced events placed on the capture, and the host time (epoch seconds) the HDA output
    /// stream started at (nil without that trace: AC'97).
    static func parse(_ text: String, qemuStart: Double, sampleRate: Int, prefillFrames: Int) -> (events: [QEMURun.TraceEvent], streamStart: Double?) {
        var raw: [(t: Double, name: String, args: String)] = []
        for line in text.split(separator: "\n") {
            guard let at = line.firstIndex(of: "@"), let colon = line[at...].firstIndex(of: ":") else { continue }
            guard let t = Double(line[line.index(after: at)..<colon]) else { continue }
            let rest = line[line.index(after: colon)...]
            let name = rest.prefix { $0 != " " }
            guard QEMULoop.traceEvents.contains(String(name)) else { continue }
            raw.append((t, String(name), rest.dropFirst(name.count).trimmingCharacters(in: .whitespaces)))
        }
        // The anchor: the HDA output stream starting (the guest's linked trigger).
        let anchor = raw.first { $0.name == "hda_audio_running" && $0.args.contains("st dac") && $0.args.hasSuffix("run 1") }?.t
        return (raw.map { e in
            let t = e.t - (anchor ?? qemuStart)
            let sample = anchor.map { _ in Int((t * Double(sampleRate)).rounded()) - prefillFrames }
            return QEMURun.TraceEvent(name: e.name, args: e.args, timeS: t, captureSample: sample)
        }, anchor)
    }
}
