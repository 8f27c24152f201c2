// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// Something that plays a stimulus and records it back: the card model, a PulseAudio or
/// ALSA loop, a QEMU guest. Every backend implements this one protocol, so `measure`,
/// `sweep` and `compare` treat them alike.
///
/// A loop is built from `KEY=VALUE` settings (see ``SettingDoc``) and validates them in
/// its initializer, throwing a usage error that names the key and the allowed range.
public protocol AudioLoop: Sendable {
    /// The backend's name as written in reports: `sim`, `pulse`, `alsa`, `qemu`.
    var backend: String { get }
    /// The rate the stimulus must be generated at.
    var sampleRate: Int { get }
    /// Channels the stimulus should have.
    var channels: Int { get }
    /// The effective settings, every default filled in, as they go into the report.
    var effectiveSettings: [String: JSONValue] { get }
    /// Plays `stimulus` through the loop and returns what came back. Blocking: real
    /// backends run their I/O on dedicated threads and return when the capture is done.
    func run(stimulus: AudioBuffer) throws(LoopbenchError) -> LoopCapture
    /// The lowest sample rate the audio crosses on its way round, when it is below
    /// `sampleRate` (a mixer at 8 kHz behind a 48 kHz guest): the probe's band must fit it.
    var narrowestRate: Int? { get }
    /// What the sweep, the benchmarks and the reports may assume of this kind of loop.
    static var capabilities: LoopCapabilities { get }
    /// This loop's capabilities: its kind's, unless it wraps another loop and forwards that one's.
    var capabilities: LoopCapabilities { get }
}

extension AudioLoop {
    public var narrowestRate: Int? { nil }
    /// A real device, unless a loop says otherwise: nothing assumed.
    public static var capabilities: LoopCapabilities { .realDevice }
    public var capabilities: LoopCapabilities { Self.capabilities }
}

/// What callers may assume of a kind of loop, instead of testing its name.
public struct LoopCapabilities: Sendable, Equatable {
    /// The same settings and `seed` setting give the same capture, bit for bit.
    public var deterministic: Bool
    /// Trials may run side by side: no shared device and no wall-clock timing.
    public var parallelSafe: Bool
    /// Its settings are a QEMU audio configuration (`-audiodev`/`-device`), so a result can be
    /// written back as a QEMU command line.
    public var qemuSettings: Bool
    /// Wall time a run costs before its audio starts (a guest's boot), in seconds: a soak plays
    /// longer chunks on such a loop, so that most of its time is heard.
    public var startupSeconds: Double
    /// It can also play and record without end (``StreamingAudioLoop``): a live soak listens
    /// to one unbroken stream.
    public var streams: Bool

    public init(deterministic: Bool, parallelSafe: Bool, qemuSettings: Bool, startupSeconds: Double = 0, streams: Bool = false) {
        self.deterministic = deterministic
        self.parallelSafe = parallelSafe
        self.qemuSettings = qemuSettings
        self.startupSeconds = startupSeconds
        self.streams = streams
    }

    /// A sound server or card, played in real time, one trial at a time.
    public static let realDevice = LoopCapabilities(deterministic: false, parallelSafe: false, qemuSettings: false)
    /// …that can also stream (PulseAudio, ALSA).
    public static let streamingDevice = LoopCapabilities(deterministic: false, parallelSafe: false, qemuSettings: false, streams: true)
}

/// What a loop returns: the capture and what the backend itself said about the run.
public struct LoopCapture: Sendable {
    /// The recorded audio, starting at the frame the stimulus started playing (or earlier).
    public var capture: AudioBuffer
    /// Underruns and overruns the audio API reported, when it reports them.
    public var backendXruns: Int?
    /// The latency the backend reported for the loop, in frames, when it reports one.
    public var reportedLatencyFrames: Double?
    /// Ground truth (card model only): latency, events, per-segment delays.
    public var truth: JSONValue?
    /// Where the latency lives, buffer by buffer, in ms (card model only).
    public var latencyBreakdownMS: [String: Double]?
    /// Notes for the report: what the device granted instead of what was asked, and so on.
    public var notes: [String]
    /// A real QEMU guest's own account of the run (qemu backend only).
    public var qemu: QEMURun?
    /// Xruns the API reported during the pre-roll, before the stimulus (not in `backendXruns`).
    public var xrunsBeforeProbe: Int?
    /// Where in the capture (frames) each reported xrun landed, when the backend can place them
    /// (the card model, from its log); nil when it cannot.
    public var reportedXruns: [ReportedXrun]?
    /// When the capture's first frame was heard, when the backend knows it apart from when its
    /// `run` was called (a real guest plays ~10 s after QEMU starts, once it has booted); nil
    /// when the audio starts as `run` is called.
    public var audioStartedAt: Date?
    /// Whether the API reports capture overruns at all (PulseAudio does not: its overflow
    /// callback is for playback streams only); nil when unknown.
    public var reportsCaptureOverruns: Bool?

    public init(capture: AudioBuffer, backendXruns: Int? = nil, reportedLatencyFrames: Double? = nil,
                truth: JSONValue? = nil, latencyBreakdownMS: [String: Double]? = nil, notes: [String] = [], qemu: QEMURun? = nil) {
        self.qemu = qemu
        self.capture = capture
        self.backendXruns = backendXruns
        self.reportedLatencyFrames = reportedLatencyFrames
        self.truth = truth
        self.latencyBreakdownMS = latencyBreakdownMS
        self.notes = notes
    }
}

/// One xrun a backend reported, placed on the capture's frame axis.
public struct ReportedXrun: Codable, Sendable, Equatable {
    /// What and where, e.g. "PA playback underrun".
    public var what: String
    /// The capture frame being recorded when it happened (was noticed). Its audible effect
    /// lands from there to one round trip later: the audio it hit was still on its way.
    public var captureFrame: Int
    /// Frames the backend says it concerned (played as silence, thrown away), when it says.
    public var frames: Int?
    public init(what: String, captureFrame: Int, frames: Int?) {
        self.what = what
        self.captureFrame = captureFrame
        self.frames = frames
    }
    enum CodingKeys: String, CodingKey {
        case what, frames
        case captureFrame = "capture_frame"
    }
}

/// One setting a backend accepts, for `--list-settings` and for error messages.
public struct SettingDoc: Sendable, Equatable, Codable {
    public var key: String
    public var unit: String
    public var defaultValue: String
    /// The QEMU option (or API parameter) it stands for, and what it does.
    public var meaning: String
    public init(key: String, unit: String, defaultValue: String, meaning: String) {
        self.key = key
        self.unit = unit
        self.defaultValue = defaultValue
        self.meaning = meaning
    }
}

/// Parses `KEY=VALUE` strings into a dictionary, rejecting malformed ones.
public enum SettingsParser {
    public static func parse(_ items: [String]) throws(LoopbenchError) -> [String: String] {
        var out: [String: String] = [:]
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw .usage("--set \(item): expected KEY=VALUE", subject: item)
            }
            out[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return out
    }
}
