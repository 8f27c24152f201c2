// SPDX-License-Identifier: GPL-2.0-or-later
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoopbenchCore

/// An advisory lock (`flock`) on `sweep.lock` inside a sweep's output folder, held while a sweep
/// writes there, so that two sweeps into the same `--out` cannot interleave their journals and
/// reports. The file holds the holder's pid; the lock goes with the process (also on a crash).
public final class FolderLock: @unchecked Sendable {
    public static let fileName = "sweep.lock"
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    /// Takes the lock on `dir` (creating the folder), or throws `busy` (exit 75) naming the pid
    /// of the sweep that holds it.
    public static func acquire(dir: String) throws(LoopbenchError) -> FolderLock {
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        catch { throw .io(dir, "cannot create folder: \(error.localizedDescription)") }
        let path = dir + "/" + fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path, "cannot open the lock file: \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let why = errno
            var buf = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buf, buf.count, 0)
            close(fd)
            guard why == EWOULDBLOCK else { throw .io(path, "cannot lock: \(String(cString: strerror(why)))") }
            let pid = String(decoding: buf.prefix(max(0, n)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw LoopbenchError(.busy, dir, "another sweep is writing here, pid \(pid.isEmpty ? "unknown" : pid); wait for it to finish, or use another --out")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        return FolderLock(fd: fd)
    }
}
