// SPDX-License-Identifier: GPL-2.0-or-later
import CALSA
import Foundation
import LoopbenchCore

/// A size in frames (`1024f`, `1024frames`) or a time (`40ms`, or plain µs, the project's convention).
enum ALSASize: Sendable, Equatable {
    case auto
    case frames(Int)
    case micros(Double)

    static func parse(_ text: String, key: String, allowAuto: Bool = false) throws(LoopbenchError) -> ALSASize {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if allowAuto && (t == "auto" || t == "default") { return .auto }
        for suffix in ["frames", "f"] where t.hasSuffix(suffix) {
            let n = String(t.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            guard let v = Int(n), v >= 1, v <= 1 << 26 else {
                throw .usage("\(key)=\(text): not a frame count; write e.g. 1024f", subject: key)
            }
            return .frames(v)
        }
        let us = try TimeValue.microseconds(text, key: key)
        guard us > 0 else { throw .usage("\(key)=\(text): must be more than 0", subject: key) }
        return .micros(us)
    }

    func frames(rate: Int) -> Int? {
        switch self {
        case .auto: return nil
        case .frames(let f): return f
        case .micros(let us): return max(1, Int((us * Double(rate) / 1e6).rounded()))
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

/// Sample formats loopbench plays and records through ALSA.
enum ALSAFormat: String, Sendable, CaseIterable {
    case FLOAT_LE, S16_LE, S32_LE

    static func parse(_ text: String) throws(LoopbenchError) -> ALSAFormat {
        switch text.uppercased() {
        case "FLOAT_LE", "FLOAT", "F32", "FLOAT32LE", "FLOAT32", "F32LE": return .FLOAT_LE
        case "S16_LE", "S16", "S16LE": return .S16_LE
        case "S32_LE", "S32", "S32LE": return .S32_LE
        default: throw .usage("format=\(text): not a supported sample format; use one of \(allCases.map(\.rawValue).joined(separator: ", "))", subject: "format")
        }
    }

    var bytesPerSample: Int { pcm.bytesPerSample }
    var alsa: snd_pcm_format_t {
        switch self {
        case .FLOAT_LE: SND_PCM_FORMAT_FLOAT_LE
        case .S16_LE: SND_PCM_FORMAT_S16_LE
        case .S32_LE: SND_PCM_FORMAT_S32_LE
        }
    }

    var pcm: PCMEncoding {
        switch self {
        case .FLOAT_LE: .float32
        case .S16_LE: .int16
        case .S32_LE: .int32
        }
    }
    func encode(_ src: UnsafeBufferPointer<Float>, into out: UnsafeMutableRawPointer) { pcm.encode(src, into: out) }
    func decode(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) { pcm.decode(src, count: count, into: out) }
}

typealias ALSAWriterStall = WriterStall

/// The parsed settings of an ``ALSALoop``.
struct ALSASettings: Sendable {
    var playbackDevice = "default"
    var captureDevice = "default"
    var rate = 48000
    var channels = 1
    var format = ALSAFormat.FLOAT_LE
    var buffer = ALSASize.micros(40_000)
    var period = ALSASize.micros(10_000)
    var startThreshold = ALSASize.auto
    /// nil: auto (the granted playback buffer + 50 ms, at least 100 ms).
    var prerollMicros: Double?
    var tailMicros = 500_000.0
    var timeoutMicros = 2_000_000.0
    var writerStall: ALSAWriterStall?

    static let keys: Set<String> = ["device", "playback-device", "capture-device", "rate", "channels", "format", "buffer", "period",
                                    "start-threshold", "preroll", "tail", "timeout", "writer-stall"]

    init(_ s: [String: String]) throws(LoopbenchError) {
        for k in s.keys.sorted() where !Self.keys.contains(k) {
            throw .usage("alsa: unknown setting '\(k)'; the alsa backend accepts \(Self.keys.sorted().joined(separator: ", ")) (see --list-settings)", subject: k)
        }
        func name(_ k: String) -> String? {
            guard let v = s[k]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        if let d = name("device") { playbackDevice = d; captureDevice = d }
        if let d = name("playback-device") { playbackDevice = d }
        if let d = name("capture-device") { captureDevice = d }
        func int(_ k: String, _ r: ClosedRange<Int>) throws(LoopbenchError) -> Int? {
            guard let v = s[k] else { return nil }
            guard let n = Int(v.trimmingCharacters(in: .whitespaces)), r.contains(n) else {
                throw .usage("\(k)=\(v): must be a whole number from \(r.lowerBound) to \(r.upperBound)", subject: k)
            }
            return n
        }
        if let v = try int("rate", 1000...768_000) { rate = v }
        if let v = try int("channels", 1...32) { channels = v }
        if let v = s["format"] { format = try ALSAFormat.parse(v) }
        if let v = s["buffer"] { buffer = try ALSASize.parse(v, key: "buffer") }
        if let v = s["period"] { period = try ALSASize.parse(v, key: "period") }
        if let v = s["start-threshold"] { startThreshold = try ALSASize.parse(v, key: "start-threshold", allowAuto: true) }
        if let v = s["preroll"], v.lowercased() != "auto" { prerollMicros = try TimeValue.microseconds(v, key: "preroll") }
        if let v = s["tail"] { tailMicros = try TimeValue.microseconds(v, key: "tail") }
        if let v = s["timeout"] {
            timeoutMicros = try TimeValue.microseconds(v, key: "timeout")
            guard timeoutMicros >= 10_000 else { throw .usage("timeout=\(v): must be at least 10ms", subject: "timeout") }
        }
        if let v = s["writer-stall"] { writerStall = try ALSAWriterStall.parse(v, key: "writer-stall") }
        if let b = buffer.frames(rate: rate), let p = period.frames(rate: rate), p > b {
            throw .usage("period=\(period.text) is longer than buffer=\(buffer.text); a buffer holds whole periods", subject: "period")
        }
    }

    var frameBytes: Int { channels * format.bytesPerSample }
}
