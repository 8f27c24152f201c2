// SPDX-License-Identifier: GPL-2.0-or-later
import CSndFile
import Foundation
import LoopbenchCore

extension SoundFile {
    /// Reads a file block by block (libsndfile `sf_seek` and `sf_readf_float`), so a capture of
    /// any length is read with the memory of one block.
    public final class Reader {
        public let path: String
        public let info: Info
        private var handle: OpaquePointer?
        /// The next frame `read` returns.
        public private(set) var position = 0

        /// - Throws: as ``SoundFile/read(_:)``: `missingInput` or `badData` naming the file.
        public init(path: String) throws(LoopbenchError) {
            let (h, i) = try SoundFile.open(path)
            self.path = path
            handle = h
            info = Info(frames: Int(i.frames), sampleRate: Int(i.samplerate), channels: Int(i.channels))
            guard info.frames > 0 else {
                sf_close(h)
                handle = nil
                throw .badData(path, "the file holds no audio frames")
            }
        }

        deinit { if let handle { sf_close(handle) } }

        /// Moves to `frame` (0 ..< frames).
        public func seek(to frame: Int) throws(LoopbenchError) {
            guard let handle, frame >= 0, frame <= info.frames,
                  sf_seek(handle, sf_count_t(frame), SEEK_SET) == sf_count_t(frame) else {
                throw .badData(path, "cannot seek to frame \(frame) of \(info.frames)")
            }
            position = frame
        }

        /// Up to `frames` frames from the current position as planar channels; an empty buffer
        /// (zero frames) at the end. A block that cannot be read, or holds NaN or infinite
        /// samples, is bad data naming the file and the frame.
        public func read(frames: Int) throws(LoopbenchError) -> [[Float]] {
            guard let handle else { return [] }
            let want = max(0, min(frames, info.frames - position))
            let c = info.channels
            guard want > 0 else { return [[Float]](repeating: [], count: c) }
            var inter = [Float](repeating: 0, count: want * c)
            let got = Int(inter.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(want)) })
            guard got == want else {
                throw .badData(path, "truncated: the header promises \(info.frames) frames, reading stopped at frame \(position + max(0, got))")
            }
            if !SoundFile.allFinite(inter) {
                throw .badData(path, "the file holds NaN or infinite samples (in frames \(position)..<\(position + want))")
            }
            position += want
            if c == 1 { return [inter] }
            return inter.withUnsafeBufferPointer { src in
                (0..<c).map { ch in
                    [Float](unsafeUninitializedCapacity: want) { dst, n in
                        for i in 0..<want { dst[i] = src[i * c + ch] }
                        n = want
                    }
                }
            }
        }
    }

    /// Writes a file block by block: a temporary file beside the target, renamed over it by
    /// ``finish()`` (a reader never sees a half-written file; a writer dropped without
    /// `finish` removes its temporary file). Memory is one block.
    public final class Writer {
        public let path: String
        private let tmp: String
        private var handle: OpaquePointer?
        public let channels: Int
        public private(set) var frames = 0

        public init(path: String, sampleRate: Int, channels: Int, format: SampleFormat = .f32) throws(LoopbenchError) {
            var info = try SoundFile.writeInfo(path: path, sampleRate: sampleRate, channels: channels, format: format)
            let url = URL(fileURLWithPath: path)
            let dir = url.deletingLastPathComponent().path
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            tmp = dir + "/." + url.lastPathComponent + ".\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp"
            SoundFile.lock.lock()
            let h = sf_open(tmp, Int32(SFM_WRITE), &info)
            let why = h == nil ? String(cString: sf_strerror(nil)) : ""
            SoundFile.lock.unlock()
            guard let h else { throw .io(path, "cannot create the file (\(why))") }
            if format != .f32 { sf_command(h, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE)) }
            self.path = path
            self.channels = channels
            handle = h
        }

        deinit {
            if let handle {
                sf_close(handle)
                unlink(tmp)
            }
        }

        /// Appends planar channels (all of one length, `channels` of them).
        public func append(_ planar: [[Float]]) throws(LoopbenchError) {
            guard let handle, let n = planar.first?.count, n > 0 else { return }
            precondition(planar.count == channels, "a block must have \(channels) channels")
            var inter = [Float](repeating: 0, count: n * channels)
            for ch in 0..<channels { for i in 0..<n { inter[i * channels + ch] = planar[ch][i] } }
            let wrote = inter.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, sf_count_t(n)) }
            guard Int(wrote) == n else { throw .io(path, "cannot write the audio (wrote \(wrote) of \(n) frames at frame \(frames))") }
            frames += n
        }

        /// Closes the file and renames it over the target.
        public func finish() throws(LoopbenchError) {
            guard let handle else { return }
            sf_write_sync(handle)
            sf_close(handle)
            self.handle = nil
            guard rename(tmp, path) == 0 else {
                unlink(tmp)
                throw .io(path, "cannot rename the finished file into place: \(String(cString: strerror(errno)))")
            }
        }
    }
}
