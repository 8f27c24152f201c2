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

func parseBool(_ text: String, key: String) throws(LoopbenchError) -> Bool {
    switch text.lowercased() {
    case "1", "yes", "true", "on": return true
    case "0", "no", "false", "off": return false
    default: throw .usage("\(key)=\(text): write yes or no", subject: key)
    }
}

func parseInt(_ text: String, key: String, range: ClosedRange<Int>) throws(LoopbenchError) -> Int {
    guard let v = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
        throw .usage("\(key)=\(text): must be a whole number from \(range.lowerBound) to \(range.upperBound)", subject: key)
    }
    return v
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

    static let keys: Set<String> = ["server", "sink", "source", "rate", "channels", "format", "tlength", "minreq", "prebuf",
                                    "fragsize", "maxlength", "adjust-latency", "early-requests", "connect-timeout", "tail", "preroll", "writer-stall"]

    init(_ s: [String: String]) throws(LoopbenchError) {
        for k in s.keys.sorted() where !Self.keys.contains(k) {
            throw .usage("pulse: unknown setting '\(k)'; the pulse backend accepts \(Self.keys.sorted().joined(separator: ", ")) (see --list-settings)", subject: k)
        }
        func name(_ k: String) -> String? {
            guard let v = s[k]?.trimmingCharacters(in: .whitespaces), !v.isEmpty, v != "default", v != "auto" else { return nil }
            return v
        }
        server = name("server")
        sink = name("sink")
        source = name("source")
        if let v = s["rate"] { rate = try parseInt(v, key: "rate", range: 1000...384_000) }
        if let v = s["channels"] { channels = try parseInt(v, key: "channels", range: 1...32) }
        if let v = s["format"] { format = try PulseFormat.parse(v) }
        if let v = s["tlength"] { tlength = try PulseSize.parse(v, key: "tlength") }
        if let v = s["minreq"] { minreq = try PulseSize.parse(v, key: "minreq") }
        if let v = s["prebuf"] { prebuf = try PulseSize.parse(v, key: "prebuf") }
        if let v = s["fragsize"] { fragsize = try PulseSize.parse(v, key: "fragsize") }
        if let v = s["maxlength"] { maxlength = try PulseSize.parse(v, key: "maxlength") }
        if let v = s["adjust-latency"] { adjustLatency = try parseBool(v, key: "adjust-latency") }
        if let v = s["early-requests"] { earlyRequests = try parseBool(v, key: "early-requests") }
        if let v = s["connect-timeout"] {
            connectTimeoutMicros = try TimeValue.microseconds(v, key: "connect-timeout")
            guard connectTimeoutMicros >= 10_000 else { throw .usage("connect-timeout=\(v): must be at least 10ms", subject: "connect-timeout") }
        }
        if let v = s["tail"] { tailMicros = try TimeValue.microseconds(v, key: "tail") }
        if let v = s["preroll"], v.lowercased() != "auto" { prerollMicros = try TimeValue.microseconds(v, key: "preroll") }
        if let v = s["writer-stall"] { writerStall = try WriterStall.parse(v, key: "writer-stall") }
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
