// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// Interleaved little-endian PCM as the audio APIs take it: the one codec both real backends use.
public enum PCMEncoding: Sendable, Equatable {
    case float32, int16, int32

    public var bytesPerSample: Int { self == .int16 ? 2 : 4 }

    /// Encodes float samples (clipped to [-1, 1] for the integer forms) into `out`.
    public func encode(_ src: UnsafeBufferPointer<Float>, into out: UnsafeMutableRawPointer) {
        switch self {
        case .float32:
            out.copyMemory(from: src.baseAddress!, byteCount: src.count * 4)
        case .int16:
            let o = out.bindMemory(to: Int16.self, capacity: src.count)
            for i in 0..<src.count { o[i] = Int16((max(-1, min(1, Double(src[i]))) * 32767).rounded()) }
        case .int32:
            let o = out.bindMemory(to: Int32.self, capacity: src.count)
            for i in 0..<src.count { o[i] = Int32((max(-1, min(1, Double(src[i]))) * 2147483647).rounded()) }
        }
    }

    /// Decodes `count` samples at `src` into `out`.
    public func decode(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .float32:
            out.update(from: src.bindMemory(to: Float.self, capacity: count), count: count)
        case .int16:
            let s = src.bindMemory(to: Int16.self, capacity: count)
            for i in 0..<count { out[i] = Float(s[i]) / 32768 }
        case .int32:
            let s = src.bindMemory(to: Int32.self, capacity: count)
            for i in 0..<count { out[i] = Float(Double(s[i]) / 2147483648) }
        }
    }

    /// Decodes `count` samples at `src` and appends them.
    public func decode(_ src: UnsafeRawPointer, count: Int, appendTo out: inout [Float]) {
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        out.withUnsafeMutableBufferPointer { decode(src, count: count, into: $0.baseAddress! + base) }
    }
}

/// A pause of a backend's writer thread, for tests that provoke underruns on purpose:
/// `writer-stall=AT:LENGTH`, e.g. `0.8s:300ms` pauses for 300 ms once 0.8 s of the stimulus is
/// written; `AT:LENGTH:EVERY`, e.g. `5s:100ms:20s`, pauses again every 20 s after that (a long
/// stream, such as a live soak's, stalls over and over).
public struct WriterStall: Sendable, Equatable {
    public init(atMicros: Double, lengthMicros: Double) {
        self.atMicros = atMicros
        self.lengthMicros = lengthMicros
    }

    public var atMicros: Double
    public var lengthMicros: Double
    /// The time from one stall's start to the next, when it repeats.
    public var everyMicros: Double?

    public static func parse(_ text: String, key: String) throws(LoopbenchError) -> WriterStall? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t.isEmpty || t == "none" || t == "off" { return nil }
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else {
            throw .usage("\(key)=\(text): write AT:LENGTH or AT:LENGTH:EVERY, e.g. 0.8s:300ms (pause the writer for 300 ms once 0.8 s of the stimulus is written)", subject: key)
        }
        let at = try TimeValue.microseconds(String(parts[0]), key: key)
        let len = try TimeValue.microseconds(String(parts[1]), key: key)
        guard len <= 10_000_000 else { throw .usage("\(key)=\(text): a stall longer than 10 s is not useful", subject: key) }
        var stall = WriterStall(atMicros: at, lengthMicros: len)
        if parts.count == 3 {
            let every = try TimeValue.microseconds(String(parts[2]), key: key)
            guard every >= len + 100_000 else {
                throw .usage("\(key)=\(text): stalls must repeat at least 100 ms apart after each one ends (EVERY > LENGTH + 100ms)", subject: key)
            }
            stall.everyMicros = every
        }
        return stall
    }

    public var text: String { "\(Int(atMicros))us:\(Int(lengthMicros))us" + (everyMicros.map { ":\(Int($0))us" } ?? "") }

    /// The report's note on the stalls a writer made: `count` of them, the first at stimulus
    /// frame `first`; nil when it made none.
    public func note(first: Int?, count: Int) -> String? {
        guard let first else { return nil }
        let ms = lengthMicros / 1000
        return count <= 1 ? String(format: "writer stalled on purpose for %.0f ms at stimulus frame %d", ms, first)
                          : String(format: "writer stalled on purpose %d times for %.0f ms, the first at stimulus frame %d", count, ms, first)
    }

    /// The stimulus frame (at `rate`) where stall number `n` (from 0) starts; nil when there is none.
    public func startFrame(_ n: Int, rate: Int) -> Int? {
        guard n == 0 || everyMicros != nil else { return nil }
        return Int(((atMicros + Double(n) * (everyMicros ?? 0)) * Double(rate) / 1e6).rounded())
    }
}
