// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LoopbenchCore

/// `signal --play --backend qemu`: a real guest plays, without recording, the probe once or a
/// steady tone until asked to stop, on its emulated card into the host's sound server.
///
/// The guest boots as for a measurement (``QEMULoop``, the same settings and command line) and
/// its player-recorder runs in play-only mode (`mode=play` in the probe disk's header). The
/// tone is made in the guest (a sine with 10 ms fades), since nothing streams audio into it
/// while it runs. Stopping goes through a second serial port, `-serial pipe:DIR/ctl`
/// (`/dev/ttyS1` in the guest): the host writes a byte there, the guest fades out, drains its
/// buffer and powers off, and QEMU exits by itself. QEMU runs in a process group of its own,
/// so that a Ctrl-C at the terminal does not end it before the guest has faded out.
public struct QEMUPlayer: Sendable {
    /// What the guest plays.
    public enum Signal: Sendable {
        /// Played once (a mono buffer goes to both channels).
        case probe(AudioBuffer)
        /// A sine of `hz` at a peak of `levelDB` dBFS until the stop.
        case tone(hz: Double, levelDB: Double)
    }

    /// What the guest reports.
    public struct Outcome: Sendable {
        /// Frames of the signal played (the guest's leading buffer of silence not counted).
        public var frames: Int
        /// Whether the stop came before the signal's end (always, for a tone).
        public var interrupted: Bool
        public var xruns: Int
    }

    /// Seconds the guest has, after the stop is asked, to fade out, drain and power off. A stop
    /// during the boot waits for the boot (about 10 s under TCG on a loaded machine) before the
    /// guest can read it; twice that and some.
    public static let stopGraceSeconds = 30.0
    /// How often (s) the stop byte is sent again until QEMU exits: a byte sent before the guest
    /// opened its serial line is lost when the kernel's driver starts the port.
    static let stopResendSeconds = 0.5

    let loop: QEMULoop
    /// Channels of the signal given: 1 (played on both of the guest's) or 2.
    public let channels: Int
    public var sampleRate: Int { loop.sampleRate }

    /// `settings`: a real guest's (``QEMULoop``), and `rate` (the guest's rate, `guest.rate`)
    /// and `channels` (of the signal: 1 or 2) as `signal` gives them.
    public init(settings: [String: String]) throws(LoopbenchError) {
        var s = settings
        let ch = s.removeValue(forKey: "channels") ?? String(QEMULoop.guestChannels)
        guard let n = Int(ch), (1...QEMULoop.guestChannels).contains(n) else {
            throw .usage("--channels \(ch): a real guest's card is stereo; play 1 channel (on both) or 2", subject: "channels")
        }
        if let r = s.removeValue(forKey: "rate") {
            if let g = s["guest.rate"], g != r { throw .usage("guest.rate=\(g): differs from --rate \(r); give the rate once, with --rate", subject: "guest.rate") }
            s["guest.rate"] = r
        }
        loop = try QEMULoop(settings: s)
        channels = n
    }

    /// Boots the guest and plays `signal`; returns when the guest has powered off. `stop` is
    /// polled; `started` gets QEMU's pid (to kill it on a second Ctrl-C); `playing` is called
    /// once the guest has started its stream.
    public func play(_ signal: Signal, stop: () -> Bool, started: (Int32) -> Void, playing: () -> Void) throws(LoopbenchError) -> Outcome {
        let boot = try loop.prepareBoot()
        let dir = try loop.runFolder()
        defer { if loop.own["keep"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let probe = dir + "/probe.img", captureDisk = dir + "/capture.img"
        let (ctl, line) = try StopLine.make(in: dir)
        defer { line.close() }
        var request = GuestDisks.ProbeRequest(rate: loop.model.guestRate, channels: QEMULoop.guestChannels, periodFrames: loop.periodFrames,
                                              bufferFrames: loop.bufferFrames, tailFrames: 0, extra: ["mode=play", "stop=/dev/ttyS1"])
        let audio: AudioBuffer
        var timeout: Double? = nil
        switch signal {
        case .probe(let b):
            guard b.sampleRate == loop.model.guestRate else { throw .badData("probe", "the probe is at \(b.sampleRate) Hz but guest.rate=\(loop.model.guestRate)") }
            audio = b
            timeout = 60 + 3 * b.duration
        case .tone(let hz, let levelDB):
            // The guest makes the tone; the disk's audio is one frame of silence (the format needs one).
            request.extra += [String(format: "tone=%.6f", hz), String(format: "amp=%.6f", pow(10, levelDB / 20))]
            audio = AudioBuffer(sampleRate: loop.model.guestRate, mono: [0])
        }
        try GuestDisks.writeProbe(audio, request: request, to: probe)
        try GuestDisks.makeCaptureDisk(captureDisk, bytes: 1 << 20)
        let argv = loop.commandLine(boot, dir: dir, probe: probe, captureDisk: captureDisk, extra: ["-serial", "pipe:" + ctl])
        var announced = false, asked = false
        let r = Subprocess.runOwnGroup(boot.qemu.binary, Array(argv.dropFirst()), timeout: timeout, grace: Self.stopGraceSeconds,
                                       stdoutFile: dir + "/qemu.stdout", stderrFile: dir + "/qemu.stderr", stop: stop, tick: { stopping in
            if !announced && line.guestSaysPlaying() { announced = true; playing() }
            if stopping { asked = true; line.askStop(every: Self.stopResendSeconds) }
        }, started: started)
        if r.timedOut && asked {
            throw .unavailable("qemu", "the guest did not power off within \(Int(Self.stopGraceSeconds)) s of the stop and was killed (pid)")
        }
        let report = try QEMULoop.guestReport(captureDisk, run: r, timeout: timeout ?? 0, dir: dir)
        guard report.fields["mode"] == "play", let played = report.int("played") else {
            throw .badData("qemu guest", "the guest's report is not a play-only one: \(report.headerLine)")
        }
        return Outcome(frames: played, interrupted: report.fields["interrupted"] == "1", xruns: report.int("xruns") ?? 0)
    }
}

/// The host's end of the guest's second serial port: two FIFOs QEMU opens read-write
/// (`-serial pipe:PATH` uses `PATH.in` towards the guest and `PATH.out` from it).
final class StopLine {
    let path: String
    private var fromGuest: Int32 = -1
    private var heard = ""
    private var lastSent: Date? = nil

    init(path: String) {
        self.path = path
        fromGuest = open(path + ".out", O_RDONLY | O_NONBLOCK)
    }

    /// The two FIFOs of a stop line in `dir` (`ctl.in`, `ctl.out`), and its host end: the path
    /// for `-serial pipe:PATH`.
    static func make(in dir: String) throws(LoopbenchError) -> (path: String, line: StopLine) {
        let ctl = dir + "/ctl"
        for end in [".in", ".out"] where mkfifo(ctl + end, 0o600) != 0 {
            throw .io(ctl + end, "cannot make the guest's stop line (mkfifo: \(String(cString: strerror(errno))))")
        }
        return (ctl, StopLine(path: ctl))
    }

    /// Whether the guest has written `playing` (its stream started).
    func guestSaysPlaying() -> Bool {
        guard fromGuest >= 0 else { return false }
        var b = [UInt8](repeating: 0, count: 64)
        let n = b.withUnsafeMutableBytes { read(fromGuest, $0.baseAddress!, 64) }
        if n > 0 { heard += String(decoding: b.prefix(n), as: UTF8.self) }
        return heard.contains("playing")
    }

    /// Sends the stop byte, again every `every` seconds (QEMU holds the FIFO open, so the
    /// non-blocking open succeeds once it runs).
    func askStop(every: Double) {
        if let t = lastSent, Date().timeIntervalSince(t) < every { return }
        let fd = open(path + ".in", O_WRONLY | O_NONBLOCK)
        guard fd >= 0 else { return }
        _ = write(fd, "q", 1)
        Glibc.close(fd)
        lastSent = Date()
    }

    func close() { if fromGuest >= 0 { Glibc.close(fromGuest); fromGuest = -1 } }
}
