// SPDX-License-Identifier: GPL-2.0-or-later
import CSndFile
import Foundation
import LoopbenchCore

/// Reads and writes audio files through libsndfile: the only place that touches it.
///
/// Reading accepts whatever libsndfile reads (WAV 16/24/32-bit integer and float,
/// FLAC, AIFF, Ogg, …). Writing picks the container from the file's extension.
public enum SoundFile {
    /// Sample formats for writing.
    public enum SampleFormat: String, CaseIterable, Sendable {
        case s16, s24, s32, f32

        var subtype: Int32 {
            switch self {
            case .s16: Int32(SF_FORMAT_PCM_16)
            case .s24: Int32(SF_FORMAT_PCM_24)
            case .s32: Int32(SF_FORMAT_PCM_32)
            case .f32: Int32(SF_FORMAT_FLOAT)
            }
        }
    }

    /// What a file holds, without reading its samples.
    public struct Info: Sendable, Equatable {
        public var frames: Int
        public var sampleRate: Int
        public var channels: Int
    }

    /// libsndfile keeps its last error in global state: serialise opens.
    static let lock = NSLock()

    /// Reads a whole file.
    ///
    /// - Throws: `missingInput` when the file does not exist or cannot be read,
    ///   `badData` when it is empty, truncated or not audio libsndfile knows.
    public static func read(_ path: String) throws(LoopbenchError) -> AudioBuffer {
        let (handle, info) = try open(path)
        defer { sf_close(handle) }
        let frames = Int(info.frames)
        let channels = Int(info.channels)
        guard frames > 0 else { throw .badData(path, "the file holds no audio frames") }
        guard frames <= 1 << 31 / max(channels, 1) else { throw .badData(path, "the file is too long (\(frames) frames)") }
        var samples = [Float](repeating: 0, count: frames * channels)
        let got = samples.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(frames)) }
        guard got > 0 else { throw .badData(path, "no audio frames could be read (the data is truncated or corrupt)") }
        if Int(got) < frames {
            throw .badData(path, "truncated: the header promises \(frames) frames, only \(got) could be read")
        }
        if !allFinite(samples) {
            throw .badData(path, "the file holds NaN or infinite samples")
        }
        return AudioBuffer(sampleRate: Int(info.samplerate), interleaved: samples, channelCount: channels)
    }

    /// Whether every sample is finite: v · 0 is 0 for a finite v and NaN for an infinite or
    /// NaN one, so eight lanes of such products summed stay 0 exactly when all are finite.
    static func allFinite(_ x: [Float]) -> Bool {
        x.withUnsafeBufferPointer { b in
            var acc = SIMD8<Float>(repeating: 0)
            var i = 0
            if let base = b.baseAddress {
                let raw = UnsafeRawPointer(base)
                while i + 8 <= b.count {
                    acc += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * 0
                    i += 8
                }
            }
            while i < b.count {
                if !b[i].isFinite { return false }
                i += 1
            }
            return (0..<8).allSatisfy { acc[$0] == 0 }
        }
    }

    /// Reads only the header: frames, rate and channels.
    public static func info(_ path: String) throws(LoopbenchError) -> Info {
        let (handle, info) = try open(path)
        sf_close(handle)
        return Info(frames: Int(info.frames), sampleRate: Int(info.samplerate), channels: Int(info.channels))
    }

    static func open(_ path: String) throws(LoopbenchError) -> (OpaquePointer, SF_INFO) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .missingInput(path, "no such file")
        }
        guard !isDir.boolValue else { throw .missingInput(path, "is a folder, not an audio file") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw .missingInput(path, "cannot read the file (permission denied)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if size == 0 { throw .badData(path, "the file is empty") }
        try checkRIFF(path)
        var info = SF_INFO()
        lock.lock()
        let handle = sf_open(path, Int32(SFM_READ), &info)
        let why = handle == nil ? String(cString: sf_strerror(nil)) : ""
        lock.unlock()
        guard let handle else { throw .badData(path, "not a readable audio file (\(why))") }
        guard info.channels >= 1, info.samplerate >= 1 else {
            sf_close(handle)
            throw .badData(path, "the header is corrupt (\(info.channels) channels at \(info.samplerate) Hz)")
        }
        return (handle, info)
    }

    /// For a RIFF WAV file, checks that the `data` chunk holds the bytes its header claims and
    /// a whole number of frames (`fmt ` block align). libsndfile reads a file cut short without a
    /// word, shortening it to what is there; loopbench calls it what it is: truncated.
    /// A size of 0 or 0xFFFFFFFF (a writer that could not seek back to fill it in) is accepted.
    static func checkRIFF(_ path: String) throws(LoopbenchError) {
        guard let fh = FileHandle(forReadingAtPath: path) else { return }
        defer { try? fh.close() }
        guard let head = try? fh.read(upToCount: 12), head.count == 12,
              head.prefix(4) == Data("RIFF".utf8), head.suffix(4) == Data("WAVE".utf8),
              let end = try? fh.seekToEnd() else { return }
        func le32(_ d: Data, _ at: Int) -> UInt64 {
            (0..<4).reduce(0) { $0 | UInt64(d[d.startIndex + at + $1]) << (8 * UInt64($1)) }
        }
        var pos: UInt64 = 12
        var blockAlign: UInt64 = 0
        while pos + 8 <= end {
            guard (try? fh.seek(toOffset: pos)) != nil, let hdr = try? fh.read(upToCount: 8), hdr.count == 8 else { return }
            let id = String(decoding: hdr.prefix(4), as: UTF8.self)
            let size = le32(hdr, 4)
            if id == "fmt ", size >= 14, let fmt = try? fh.read(upToCount: 14), fmt.count == 14 {
                blockAlign = UInt64(fmt[fmt.startIndex + 12]) | UInt64(fmt[fmt.startIndex + 13]) << 8
            }
            if id == "data" {
                if size == 0 || size == 0xFFFF_FFFF { return }
                let present = end - (pos + 8)
                if size > present {
                    throw .badData(path, "truncated: the data chunk claims \(size) bytes, only \(present) are present")
                }
                if blockAlign > 0 && size % blockAlign != 0 {
                    throw .badData(path, "truncated: the data chunk (\(size) bytes) ends inside a frame of \(blockAlign) bytes")
                }
                return
            }
            pos += 8 + size + (size & 1)
        }
    }

    /// Writes `buffer` to `path`, atomically (temporary file, then rename).
    ///
    /// The container follows the extension: `.wav`, `.flac`, `.aiff`/`.aif`, `.caf`, `.au`, and
    /// `.ogg`/`.oga` (Vorbis) or `.opus` where libsndfile can write them (lossy: `--format`
    /// does not apply). Any other extension, or none, is refused.
    public static let writableExtensions = ["wav", "flac", "aiff", "aif", "caf", "au", "ogg", "oga", "opus"]

    public static func write(_ buffer: AudioBuffer, to path: String, format: SampleFormat = .f32) throws(LoopbenchError) {
        var info = try writeInfo(path: path, sampleRate: buffer.sampleRate, channels: buffer.channelCount, format: format)
        let lossy = (info.format & Int32(SF_FORMAT_SUBMASK)) == Int32(SF_FORMAT_VORBIS) || (info.format & Int32(SF_FORMAT_SUBMASK)) == Int32(SF_FORMAT_OPUS)
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tmp = dir + "/." + url.lastPathComponent + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        lock.lock()
        let handle = sf_open(tmp, Int32(SFM_WRITE), &info)
        let why = handle == nil ? String(cString: sf_strerror(nil)) : ""
        lock.unlock()
        guard let handle else { throw .io(path, "cannot create the file (\(why))") }
        if format != .f32 || lossy { sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE)) }
        let samples = buffer.interleaved()
        let wrote = samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, sf_count_t(buffer.frames)) }
        sf_write_sync(handle)
        sf_close(handle)
        guard Int(wrote) == buffer.frames, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw .io(path, "cannot write the audio (wrote \(wrote) of \(buffer.frames) frames)")
        }
    }

    /// The libsndfile format for `path`'s extension and `format`, checked.
    static func writeInfo(path: String, sampleRate: Int, channels: Int, format: SampleFormat) throws(LoopbenchError) -> SF_INFO {
        let ext = (path as NSString).pathExtension.lowercased()
        let major: Int
        var lossy: Int? = nil
        switch ext {
        case "wav": major = SF_FORMAT_WAV
        case "flac": major = SF_FORMAT_FLAC
        case "aiff", "aif": major = SF_FORMAT_AIFF
        case "caf": major = SF_FORMAT_CAF
        case "au": major = SF_FORMAT_AU
        case "ogg", "oga": major = SF_FORMAT_OGG; lossy = SF_FORMAT_VORBIS
        case "opus": major = SF_FORMAT_OGG; lossy = SF_FORMAT_OPUS
        default:
            throw .usage("\(ext.isEmpty ? "no file extension" : "." + ext + " is not a format loopbench writes"): name the file with one of .\(writableExtensions.joined(separator: ", ."))", subject: path)
        }
        var subtype = lossy.map(Int32.init) ?? format.subtype
        if major == SF_FORMAT_FLAC && (format == .f32 || format == .s32) { subtype = SampleFormat.s24.subtype }
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = Int32(major) | subtype
        guard sf_format_check(&info) != 0 else {
            throw .usage(lossy != nil ? "this libsndfile cannot write .\(ext) files (\(libraryVersion))" : "libsndfile cannot write \(format.rawValue) samples into a .\(ext) file", subject: path)
        }
        return info
    }

    /// The libsndfile version string, e.g. `libsndfile-1.2.0`.
    public static var libraryVersion: String { String(cString: sf_version_string()) }
}
