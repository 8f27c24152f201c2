// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The two raw disks that carry audio into and out of the guest (no filesystem, no serial
/// console). Both start with a 4096-byte text header, one line of space-separated words:
///
/// - probe disk (`/dev/vda`): `loopbench-probe v1 rate=R channels=C frames=N period=P buffer=B tail=T device=hw:0,0 mixer=1`,
///   then N frames of interleaved S16LE;
/// - capture disk (`/dev/vdb`): `loopbench-capture v1 status=ok rate=… frames=N prefill=… period=… buffer=… xruns=…`
///   (or `status=error message=…`), then N frames of interleaved S16LE.
enum GuestDisks {
    static let headerBytes = 4096

    struct ProbeRequest {
        var rate: Int
        var channels: Int
        var periodFrames: Int
        var bufferFrames: Int
        var tailFrames: Int
        /// More header words for the guest (`mode=play tone=HZ amp=A stop=PATH`: play only, see ``QEMUPlayer``).
        var extra: [String] = []
    }

    /// Writes the probe disk; returns its size in bytes.
    static func writeProbe(_ stimulus: AudioBuffer, request r: ProbeRequest, to path: String) throws(LoopbenchError) {
        let frames = stimulus.frames
        let line = "loopbench-probe v1 rate=\(r.rate) channels=\(r.channels) frames=\(frames) period=\(r.periodFrames) buffer=\(r.bufferFrames) tail=\(r.tailFrames) device=hw:0,0 mixer=1\(r.extra.map { " " + $0 }.joined())\n"
        var bytes = [UInt8](repeating: 0, count: headerBytes + frames * r.channels * 2)
        bytes.replaceSubrange(0..<line.utf8.count, with: Array(line.utf8))
        var o = headerBytes
        for i in 0..<frames {
            for c in 0..<r.channels {
                let x = stimulus.channels[min(c, stimulus.channelCount - 1)][i]
                let v = Int16(clamping: Int((Double(x) * 32767).rounded()))
                let u = UInt16(bitPattern: v)
                bytes[o] = UInt8(u & 0xff)
                bytes[o + 1] = UInt8(u >> 8)
                o += 2
            }
        }
        while bytes.count % 512 != 0 { bytes.append(0) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw .io(path, "cannot write the guest's probe disk")
        }
    }

    /// Creates an empty (sparse) capture disk of `bytes`.
    static func makeCaptureDisk(_ path: String, bytes: Int) throws(LoopbenchError) {
        guard FileManager.default.createFile(atPath: path, contents: nil), truncate(path, off_t(bytes)) == 0 else {
            throw .io(path, "cannot create the guest's capture disk")
        }
    }

    /// What the guest wrote.
    struct CaptureReport: Sendable, Equatable {
        var fields: [String: String]
        var headerLine: String
        var audio: AudioBuffer?

        func int(_ k: String) -> Int? { fields[k].flatMap { Int($0) } }
    }

    enum ReadResult {
        case missing
        case guestError(String, line: String)
        case capture(CaptureReport)
    }

    /// Reads the capture disk. `.missing` when the guest never wrote its header.
    static func readCapture(_ path: String) throws(LoopbenchError) -> ReadResult {
        guard let data = FileManager.default.contents(atPath: path), data.count >= headerBytes else { return .missing }
        let head = data.prefix(headerBytes).prefix { $0 != 0 && $0 != 10 }
        let line = String(decoding: head, as: UTF8.self)
        let words = line.split(separator: " ")
        guard words.count >= 3, words[0] == "loopbench-capture", words[1] == "v1" else { return .missing }
        var kv: [String: String] = [:]
        for w in words.dropFirst(2) {
            guard let eq = w.firstIndex(of: "=") else { continue }
            kv[String(w[..<eq])] = String(w[w.index(after: eq)...])
        }
        if kv["status"] != "ok" {
            return .guestError((kv["message"] ?? "unknown error").replacingOccurrences(of: "_", with: " "), line: line)
        }
        guard let rate = kv["rate"].flatMap({ Int($0) }), rate > 0, let ch = kv["channels"].flatMap({ Int($0) }), ch > 0, ch <= 8,
              let frames = kv["frames"].flatMap({ Int($0) }), frames >= 0 else {
            throw .badData(path, "the guest's capture header is malformed: \(line)")
        }
        guard data.count >= headerBytes + frames * ch * 2 else {
            throw .badData(path, "the guest's capture header claims \(frames) frames but the disk holds fewer")
        }
        var chans = [[Float]](repeating: [Float](repeating: 0, count: frames), count: ch)
        data.withUnsafeBytes { raw in
            var o = headerBytes
            for i in 0..<frames {
                for c in 0..<ch {
                    let v = Int16(bitPattern: UInt16(raw[o]) | UInt16(raw[o + 1]) << 8)
                    chans[c][i] = Float(v) / 32768
                    o += 2
                }
            }
        }
        return .capture(CaptureReport(fields: kv, headerLine: line, audio: AudioBuffer(sampleRate: rate, channels: chans)))
    }
}
