// SPDX-License-Identifier: GPL-2.0-or-later

/// What a real QEMU guest run says about itself, beside the capture: the exact command line,
/// the guest's own ALSA report and QEMU's trace events. A report shows these three witnesses
/// next to the analyzer's events. Goes into the measurement JSON as `qemu` (an extension the
/// schema allows; see docs/qemu-backend.md).
public struct QEMURun: Codable, Sendable, Equatable {
    /// `qemu-system-x86_64 --version`'s number, e.g. `7.2.22`.
    public var version: String
    /// The exact argument vector QEMU was started with.
    public var argv: [String]
    /// The same, as one shell-quoted line to paste.
    public var commandLine: String
    /// Environment variables set for QEMU on top of loopbench's own (the PulseAudio or ALSA routing).
    public var environment: [String: String]
    public var guest: Guest
    /// QEMU's trace events (`-trace`), in order.
    public var trace: [TraceEvent]
    /// Cross-checks between the witnesses (analyzer, QEMU trace, guest xruns): each line is a
    /// disagreement or an unexplained event. Empty when they agree.
    public var witnessFlags: [String]
    /// Wall time of the whole boot-play-record-poweroff run, and where it went.
    public var wallSeconds: Double
    /// Guest uptime when the player-recorder started, and how long its audio ran (guest clock).
    public var guestBootSeconds: Double?
    public var guestAudioSeconds: Double?

    /// What the guest's player-recorder reported.
    public struct Guest: Codable, Sendable, Equatable {
        public var periodFrames: Int?
        public var bufferFrames: Int?
        public var capturePeriodFrames: Int?
        public var captureBufferFrames: Int?
        /// Frames of silence played before the probe (one playback buffer), removed from the capture.
        public var prefillFrames: Int?
        /// Playback and capture started by one trigger (`snd_pcm_link`).
        public var linked: Bool?
        /// ALSA xruns in the guest, and where: `playback-underrun@CAPTUREFRAME/WRITTENFRAME`.
        public var xruns: Int
        public var xrunsAt: [String]
        public init(periodFrames: Int? = nil, bufferFrames: Int? = nil, capturePeriodFrames: Int? = nil, captureBufferFrames: Int? = nil,
                    prefillFrames: Int? = nil, linked: Bool? = nil, xruns: Int = 0, xrunsAt: [String] = []) {
            self.periodFrames = periodFrames
            self.bufferFrames = bufferFrames
            self.capturePeriodFrames = capturePeriodFrames
            self.captureBufferFrames = captureBufferFrames
            self.prefillFrames = prefillFrames
            self.linked = linked
            self.xruns = xruns
            self.xrunsAt = xrunsAt
        }
        enum CodingKeys: String, CodingKey {
            case periodFrames = "period_frames", bufferFrames = "buffer_frames"
            case capturePeriodFrames = "capture_period_frames", captureBufferFrames = "capture_buffer_frames"
            case prefillFrames = "prefill_frames", linked, xruns
            case xrunsAt = "xruns_at"
        }
    }

    /// One trace event. `timeS` counts from the start of the guest's output stream (the first
    /// `hda_audio_running` with run 1 on an output stream) when QEMU traced one, else from QEMU's start;
    /// `captureSample` places it in the analysed capture when the anchor is known.
    public struct TraceEvent: Codable, Sendable, Equatable {
        public var name: String
        public var args: String
        public var timeS: Double
        public var captureSample: Int?
        public init(name: String, args: String, timeS: Double, captureSample: Int? = nil) {
            self.name = name
            self.args = args
            self.timeS = timeS
            self.captureSample = captureSample
        }
        enum CodingKeys: String, CodingKey {
            case name, args
            case timeS = "time_s"
            case captureSample = "capture_sample"
        }
    }

    public init(version: String, argv: [String], commandLine: String, environment: [String: String], guest: Guest,
                trace: [TraceEvent], witnessFlags: [String] = [], wallSeconds: Double, guestBootSeconds: Double? = nil, guestAudioSeconds: Double? = nil) {
        self.version = version
        self.argv = argv
        self.commandLine = commandLine
        self.environment = environment
        self.guest = guest
        self.trace = trace
        self.witnessFlags = witnessFlags
        self.wallSeconds = wallSeconds
        self.guestBootSeconds = guestBootSeconds
        self.guestAudioSeconds = guestAudioSeconds
    }

    enum CodingKeys: String, CodingKey {
        case version, argv
        case commandLine = "command_line"
        case environment, guest, trace
        case witnessFlags = "witness_flags"
        case wallSeconds = "wall_s"
        case guestBootSeconds = "guest_boot_s"
        case guestAudioSeconds = "guest_audio_s"
    }
}

extension QEMURun {
    /// How far from a witness an analyzer event may be and still be explained by it: a QEMU
    /// trace event happens on the host side of the loop and its damage reaches the capture up to
    /// one round trip later (at most ~0.5 s with the buffers QEMU allows); the guest places its xruns by frame.
    static let witnessBefore = 0.1
    static let witnessAfter = 0.5

    /// The disagreements between the analyzer's `events` and the run's other witnesses (QEMU's
    /// trace, the guest's xruns): an HDA overrun the analyzer did not see, and a gap, drop or
    /// repeat that no witness explains. `signalSpan` is where the probe lies in the capture
    /// (frames): audio lost outside it was silence, which no analyzer can see, so only overruns
    /// inside it are expected to show; without a span (no signal found) none are.
    public func crossCheck(events: [Event], sampleRate: Int, signalSpan: Range<Int>?) -> [String] {
        var flags: [String] = []
        let rate = Double(sampleRate)
        let placed = trace.filter { $0.captureSample != nil && ($0.name == "hda_audio_overrun" || $0.name == "hda_audio_adjust" || $0.name == "audio_timer_delayed") }
        let prefill = guest.prefillFrames ?? 0
        let guestXrunFrames: [Int] = guest.xrunsAt.compactMap { s in
            guard let at = s.firstIndex(of: "@") else { return nil }
            return Int(s[s.index(after: at)...].prefix { $0.isNumber }).map { $0 - prefill }
        }
        let damage = events.filter { $0.kind != .click }
        for o in placed where o.name == "hda_audio_overrun" && signalSpan?.contains(o.captureSample!) == true {
            let t = Double(o.captureSample!) / rate
            let seen = damage.contains { e in
                let d = e.timeS - t
                return d >= -Self.witnessBefore && d <= Self.witnessAfter
            }
            if !seen { flags.append(String(format: "QEMU traced hda_audio_overrun (%@) at %.3f s that the analyzer did not see", o.args, t)) }
        }
        let unplacedOverruns = trace.filter { $0.captureSample == nil && $0.name == "hda_audio_overrun" }.count
        if unplacedOverruns > 0 && damage.isEmpty && signalSpan != nil {
            flags.append("QEMU traced \(unplacedOverruns) hda_audio_overrun events that the analyzer did not see")
        }
        for e in damage {
            let byTrace = placed.contains { o in
                let d = e.timeS - Double(o.captureSample!) / rate
                return d >= -Self.witnessBefore && d <= Self.witnessAfter
            }
            let byGuest = guestXrunFrames.contains { abs(Double(e.captureSample - $0)) / rate <= Self.witnessAfter }
            if !byTrace && !byGuest {
                flags.append(String(format: "%@ of %d frames at %.3f s: no witness (no QEMU trace event, no guest xrun near it)", e.kind.rawValue, e.sizeSamples, e.timeS))
            }
        }
        return flags
    }
}
