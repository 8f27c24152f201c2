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

    /// Every setting of the alsa loop, declared once: documentation (`--list-settings`,
    /// docs/settings.md), parsing (in this order: `device` before the per-direction names), and
    /// the effective value every report shows. `tail` and `timeout` shape the run, not the path
    /// measured, so reports leave them out; the device names are reported together.
    static let table: [SettingSpec<ALSASettings>] = [
        SettingSpec("device", unit: "name", default: "default", "ALSA PCM for both directions (snd_pcm_open name, e.g. default, pulse, hw:0)",
                    parse: { s, v, _ in if !v.isEmpty { s.playbackDevice = v; s.captureDevice = v } },
                    effective: { .string($0.playbackDevice == $0.captureDevice ? $0.playbackDevice : "\($0.playbackDevice)/\($0.captureDevice)") }),
        SettingSpec("playback-device", unit: "name", default: "device", "PCM to play to, when it differs from device",
                    parse: { s, v, _ in if !v.isEmpty { s.playbackDevice = v } },
                    effective: { $0.playbackDevice != $0.captureDevice ? .string($0.playbackDevice) : nil }),
        SettingSpec("capture-device", unit: "name", default: "device", "PCM to record from, when it differs from device",
                    parse: { s, v, _ in if !v.isEmpty { s.captureDevice = v } },
                    effective: { $0.playbackDevice != $0.captureDevice ? .string($0.captureDevice) : nil }),
        SettingSpec("rate", unit: "Hz", default: "48000", "sample rate (exact; ALSA resampling is off)",
                    parse: { s, v, k throws(LoopbenchError) in s.rate = try SettingValue.int(v, k, 1000...768_000) },
                    effective: { .number(Double($0.rate)) }),
        SettingSpec("channels", unit: "count", default: "1", "channels of both PCMs",
                    parse: { s, v, k throws(LoopbenchError) in s.channels = try SettingValue.int(v, k, 1...32) },
                    effective: { .number(Double($0.channels)) }),
        SettingSpec("format", unit: "name", default: "FLOAT_LE", "sample format: FLOAT_LE, S16_LE, S32_LE",
                    parse: { s, v, _ throws(LoopbenchError) in s.format = try ALSAFormat.parse(v) },
                    effective: { .string($0.format.rawValue) }),
        SettingSpec("buffer", unit: "µs|f", default: "40ms", "buffer size (snd_pcm_hw_params_set_buffer_size_near); frames with f",
                    parse: { s, v, k throws(LoopbenchError) in s.buffer = try ALSASize.parse(v, key: k) },
                    effective: { .string($0.buffer.text) }),
        SettingSpec("period", unit: "µs|f", default: "10ms", "period size (snd_pcm_hw_params_set_period_size_near); frames with f",
                    parse: { s, v, k throws(LoopbenchError) in s.period = try ALSASize.parse(v, key: k) },
                    effective: { .string($0.period.text) }),
        SettingSpec("start-threshold", unit: "µs|f", default: "auto",
                    "playback start threshold (snd_pcm_sw_params_set_start_threshold); auto = buffer - period",
                    parse: { s, v, k throws(LoopbenchError) in s.startThreshold = try ALSASize.parse(v, key: k, allowAuto: true) },
                    effective: { .string($0.startThreshold.text) }),
        SettingSpec("preroll", unit: "µs", default: "auto",
                    "silence played before the stimulus so the PCMs run in steady state when it starts; auto = granted buffer + 50 ms, at least 100 ms",
                    parse: { s, v, k throws(LoopbenchError) in
                        if v.lowercased() != "auto" { s.prerollMicros = try TimeValue.microseconds(v, key: k) }
                    },
                    effective: { .string($0.prerollMicros.map { "\(Int($0))us" } ?? "auto") }),
        SettingSpec("tail", unit: "µs", default: "500ms", "capture kept after the stimulus (plus twice the buffer)",
                    parse: { s, v, k throws(LoopbenchError) in s.tailMicros = try TimeValue.microseconds(v, key: k) },
                    effective: { _ in nil }),
        SettingSpec("timeout", unit: "µs", default: "2s", "how long a PCM may give no data before the run fails (snd_pcm_wait)",
                    parse: { s, v, k throws(LoopbenchError) in
                        s.timeoutMicros = try TimeValue.microseconds(v, key: k)
                        guard s.timeoutMicros >= 10_000 else { throw .usage("\(k)=\(v): must be at least 10ms", subject: k) }
                    },
                    effective: { _ in nil }),
        SettingSpec("writer-stall", unit: "µs:µs[:µs]", default: "none",
                    "fault injection for tests: AT:LENGTH pauses the writer thread once (e.g. 0.8s:300ms); AT:LENGTH:EVERY again every EVERY (e.g. 10s:100ms:20s, for a streamed soak)",
                    parse: { s, v, k throws(LoopbenchError) in s.writerStall = try ALSAWriterStall.parse(v, key: k) },
                    effective: { $0.writerStall.map { .string($0.text) } }),
    ]

    init(_ given: [String: String]) throws(LoopbenchError) {
        try Self.table.apply(given, to: &self, loopName: "alsa")
        if let b = buffer.frames(rate: rate), let p = period.frames(rate: rate), p > b {
            throw .usage("period=\(period.text) is longer than buffer=\(buffer.text); a buffer holds whole periods", subject: "period")
        }
    }

    var frameBytes: Int { channels * format.bytesPerSample }
}
