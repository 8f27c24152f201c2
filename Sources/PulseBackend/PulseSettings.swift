// SPDX-License-Identifier: GPL-2.0-or-later
import CPulse
import Foundation
import LoopbenchCore

/// A buffer size as written in a setting: `auto` (the server picks), frames (`1024f`,
/// `1024frames`) or a time (`40ms`, `500us`, or plain microseconds, the project's convention).
enum PulseSize: Sendable, Equatable {
    case auto
    case frames(Int)
    case micros(Double)

    static func parse(_ text: String, key: String) throws(LoopbenchError) -> PulseSize {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "auto" || t == "-1" || t == "default" { return .auto }
        for suffix in ["frames", "f"] where t.hasSuffix(suffix) {
            let n = String(t.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            guard let v = Int(n), v >= 0, v <= 1 << 26 else {
                throw .usage("\(key)=\(text): not a frame count; write e.g. 1024f", subject: key)
            }
            return .frames(v)
        }
        return .micros(try TimeValue.microseconds(text, key: key))
    }

    /// Bytes for libpulse's `pa_buffer_attr`, `(uint32_t)-1` for auto.
    func bytes(rate: Int, frameBytes: Int) -> UInt32 {
        switch self {
        case .auto: return UInt32.max
        case .frames(let f): return UInt32(clamping: f * frameBytes)
        case .micros(let us): return UInt32(clamping: Int((us * Double(rate) / 1e6).rounded()) * frameBytes)
        }
    }

    func frames(rate: Int) -> Int? {
        switch self {
        case .auto: return nil
        case .frames(let f): return f
        case .micros(let us): return Int((us * Double(rate) / 1e6).rounded())
        }
    }

    var text: String {
        switch self {
        case .auto: return "auto"
        case .frames(let f): return "\(f)f"
        case .micros(let us): return us == us.rounded() ? "\(Int(us))us" : "\(us)us"
        }
    }
}

/// A sample format loopbench can play and record through PulseAudio.
enum PulseFormat: String, Sendable, CaseIterable {
    case float32le, s16le, s32le

    static func parse(_ text: String) throws(LoopbenchError) -> PulseFormat {
        switch text.lowercased() {
        case "float32le", "float32", "f32", "f32le", "float": return .float32le
        case "s16le", "s16": return .s16le
        case "s32le", "s32": return .s32le
        default:
            throw .usage("format=\(text): not a supported sample format; use one of \(allCases.map(\.rawValue).joined(separator: ", "))", subject: "format")
        }
    }

    var bytesPerSample: Int { pcm.bytesPerSample }
    var pa: pa_sample_format_t {
        switch self {
        case .float32le: PA_SAMPLE_FLOAT32LE
        case .s16le: PA_SAMPLE_S16LE
        case .s32le: PA_SAMPLE_S32LE
        }
    }

    var pcm: PCMEncoding {
        switch self {
        case .float32le: .float32
        case .s16le: .int16
        case .s32le: .int32
        }
    }
    /// Encodes interleaved float samples into `out` (which must hold count × bytesPerSample bytes).
    func encode(_ src: UnsafeBufferPointer<Float>, into out: UnsafeMutableRawPointer) { pcm.encode(src, into: out) }
    /// Decodes `count` samples at `src` and appends them as floats.
    func decode(_ src: UnsafeRawPointer, count: Int, appendTo out: inout [Float]) { pcm.decode(src, count: count, appendTo: &out) }
}

/// The parsed settings of a ``PulseLoop``.
struct PulseSettings: Sendable {
    var server: String?
    var sink: String?
    var source: String?
    var rate = 48000
    var channels = 1
    var format = PulseFormat.float32le
    var tlength = PulseSize.micros(40_000)
    var minreq = PulseSize.auto
    var prebuf = PulseSize.auto
    var fragsize = PulseSize.micros(10_000)
    var maxlength = PulseSize.auto
    var adjustLatency = true
    var earlyRequests = false
    var connectTimeoutMicros = 5_000_000.0
    var tailMicros = 500_000.0
    /// nil: auto (the granted buffers + 50 ms, at least 100 ms).
    var prerollMicros: Double?
    var writerStall: WriterStall?

    /// Every setting of the pulse loop, declared once: documentation (`--list-settings`,
    /// docs/settings.md), parsing, and the effective value every report shows. `connect-timeout`
    /// and `tail` shape the run, not the path measured, so reports leave them out.
    static let table: [SettingSpec<PulseSettings>] = [
        SettingSpec("server", unit: "name", default: "$PULSE_SERVER",
                    "PulseAudio server (e.g. unix:/tmp/x/native); default: libpulse's (PULSE_SERVER or the user's daemon); never autospawned",
                    parse: { s, v, _ in s.server = deviceName(v) },
                    effective: { .string($0.server ?? ProcessInfo.processInfo.environment["PULSE_SERVER"] ?? "default") }),
        SettingSpec("sink", unit: "name", default: "default", "sink to play to (default: the server's default sink)",
                    parse: { s, v, _ in s.sink = deviceName(v) }, effective: { .string($0.sink ?? "default") }),
        SettingSpec("source", unit: "name", default: "monitor",
                    "source to record (default: the sink's monitor when the sink is a null sink, else the default source)",
                    parse: { s, v, _ in s.source = deviceName(v) }, effective: { .string($0.source ?? "monitor") }),
        SettingSpec("rate", unit: "Hz", default: "48000", "sample rate of both streams (pa_sample_spec.rate)",
                    parse: { s, v, k throws(LoopbenchError) in s.rate = try SettingValue.int(v, k, 1000...384_000) },
                    effective: { .number(Double($0.rate)) }),
        SettingSpec("channels", unit: "count", default: "1", "channels of both streams",
                    parse: { s, v, k throws(LoopbenchError) in s.channels = try SettingValue.int(v, k, 1...32) },
                    effective: { .number(Double($0.channels)) }),
        SettingSpec("format", unit: "name", default: "float32le", "sample format: float32le, s16le, s32le",
                    parse: { s, v, _ throws(LoopbenchError) in s.format = try PulseFormat.parse(v) },
                    effective: { .string($0.format.rawValue) }),
        size("tlength", default: "40ms", "playback target buffer length (pa_buffer_attr.tlength); frames with f, auto for the server's", \.tlength),
        size("minreq", default: "auto", "playback minimum request (pa_buffer_attr.minreq)", \.minreq),
        size("prebuf", default: "auto", "playback pre-buffer before start (pa_buffer_attr.prebuf; auto = tlength)", \.prebuf),
        size("fragsize", default: "10ms", "record fragment size (pa_buffer_attr.fragsize)", \.fragsize),
        size("maxlength", default: "auto", "maximum buffer length of both streams (pa_buffer_attr.maxlength)", \.maxlength),
        flag("adjust-latency", default: "yes", "PA_STREAM_ADJUST_LATENCY: tlength/fragsize are the overall latency, the server adapts the device", \.adjustLatency),
        flag("early-requests", default: "no", "PA_STREAM_EARLY_REQUESTS: request data in minreq steps (not with adjust-latency)", \.earlyRequests),
        SettingSpec("connect-timeout", unit: "µs", default: "5s", "how long to wait for the server and the streams",
                    parse: { s, v, k throws(LoopbenchError) in
                        s.connectTimeoutMicros = try TimeValue.microseconds(v, key: k)
                        guard s.connectTimeoutMicros >= 10_000 else { throw .usage("\(k)=\(v): must be at least 10ms", subject: k) }
                    },
                    effective: { _ in nil }),
        SettingSpec("preroll", unit: "µs", default: "auto",
                    "silence played before the stimulus so the streams run in steady state (buffers full) when it starts; auto = granted tlength + fragsize + 50 ms, at least 100 ms",
                    parse: { s, v, k throws(LoopbenchError) in
                        if v.lowercased() != "auto" { s.prerollMicros = try TimeValue.microseconds(v, key: k) }
                    },
                    effective: { .string($0.prerollMicros.map { "\(Int($0))us" } ?? "auto") }),
        SettingSpec("tail", unit: "µs", default: "500ms", "capture kept after the stimulus (plus the configured buffers)",
                    parse: { s, v, k throws(LoopbenchError) in s.tailMicros = try TimeValue.microseconds(v, key: k) },
                    effective: { _ in nil }),
        SettingSpec("writer-stall", unit: "µs:µs[:µs]", default: "none",
                    "fault injection for tests: AT:LENGTH pauses the writer thread once (e.g. 0.8s:300ms); AT:LENGTH:EVERY again every EVERY (e.g. 10s:100ms:20s, for a streamed soak)",
                    parse: { s, v, k throws(LoopbenchError) in s.writerStall = try WriterStall.parse(v, key: k) },
                    effective: { $0.writerStall.map { .string($0.text) } }),
    ]

    /// A `pa_buffer_attr` size setting (`auto`, frames with `f`, or a time).
    private static func size(_ key: String, default d: String, _ meaning: String,
                             _ field: WritableKeyPath<PulseSettings, PulseSize> & Sendable) -> SettingSpec<PulseSettings> {
        SettingSpec(key, unit: "µs|f", default: d, meaning,
                    parse: { s, v, k throws(LoopbenchError) in s[keyPath: field] = try PulseSize.parse(v, key: k) },
                    effective: { .string($0[keyPath: field].text) })
    }

    /// A stream flag (yes/no).
    private static func flag(_ key: String, default d: String, _ meaning: String,
                             _ field: WritableKeyPath<PulseSettings, Bool> & Sendable) -> SettingSpec<PulseSettings> {
        SettingSpec(key, unit: "yes|no", default: d, meaning,
                    parse: { s, v, k throws(LoopbenchError) in s[keyPath: field] = try SettingValue.flag(v, k) },
                    effective: { .string($0[keyPath: field] ? "yes" : "no") })
    }

    /// A server, sink or source name; empty, `default` and `auto` mean the server's choice.
    private static func deviceName(_ v: String) -> String? {
        v.isEmpty || v == "default" || v == "auto" ? nil : v
    }

    init(_ given: [String: String]) throws(LoopbenchError) {
        try Self.table.apply(given, to: &self, loopName: "pulse")
        try checkSizes()
    }

    /// The checks between settings, after each was parsed alone.
    private func checkSizes() throws(LoopbenchError) {
        // pa_buffer_attr holds 32-bit byte counts, and (uint32_t)-1 means "auto": a size must
        // fit well below that (PulseAudio itself caps a stream's queue at a few MB), so sizes are
        // limited to 10 s before they are converted.
        let sizes = [("tlength", tlength), ("minreq", minreq), ("prebuf", prebuf), ("fragsize", fragsize), ("maxlength", maxlength)]
        for (k, size) in sizes {
            let tooLong: Bool
            switch size {
            case .auto: tooLong = false
            case .frames(let f): tooLong = f > 10 * rate
            case .micros(let us): tooLong = us > 10_000_000
            }
            if tooLong { throw .usage("\(k)=\(size.text): at most 10 s (\(10 * rate) frames at \(rate) Hz)", subject: k) }
            if let f = size.frames(rate: rate), f == 0, k != "prebuf" {
                throw .usage("\(k)=\(size.text): must be more than 0 frames (or auto)", subject: k)
            }
        }
        // maxlength bounds the other sizes; the server refuses a stream whose maxlength is
        // smaller than them, which is the setting's mistake, not the server's.
        if let m = maxlength.frames(rate: rate) {
            for (k, size) in sizes.dropLast() {
                if let f = size.frames(rate: rate), f > m {
                    throw .usage("maxlength=\(maxlength.text) (\(m) frames): smaller than \(k)=\(size.text) (\(f) frames); maxlength bounds the buffer", subject: "maxlength")
                }
            }
        }
        if adjustLatency && earlyRequests {
            throw .usage("adjust-latency=yes and early-requests=yes: PulseAudio allows only one of the two flags on a stream", subject: "early-requests")
        }
    }

    var frameBytes: Int { channels * format.bytesPerSample }
}
