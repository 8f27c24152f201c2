// SPDX-License-Identifier: GPL-2.0-or-later
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes files so that a reader never sees a half-written one: a temporary file in the
/// same folder, flushed, then renamed over the target.
///
/// Only regular files (or paths where nothing stands yet) are replaced that way. A symlink is
/// followed and its target replaced; a device, a FIFO or a socket is written through in place
/// (`/dev/null`, `/dev/full`, a named pipe with a reader), and `/dev/stdout` and `/dev/stderr`
/// (also as `/dev/fd/N` or `/proc/self/fd/N`) are the process's own streams.
public enum AtomicFile {
    /// Writes `data` to `path` atomically, creating the parent folder if needed.
    public static func write(_ data: Data, to path: String) throws(LoopbenchError) {
        if let fd = standardStream(path) {
            guard writeAll(fd, data) else { throw .io(path, "cannot write: \(String(cString: strerror(errno)))") }
            return
        }
        let target = try resolve(path)
        var st = stat()
        if lstat(target, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
            guard (st.st_mode & S_IFMT) != S_IFDIR else { throw .io(path, "is a folder, not a file") }
            let fd = open(target, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .io(path, "cannot open: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            guard writeAll(fd, data) else { throw .io(path, "cannot write: \(String(cString: strerror(errno)))") }
            return
        }
        try replace(target, with: data, reportingAs: path)
    }

    /// Writes a string as UTF-8, atomically.
    public static func write(_ text: String, to path: String) throws(LoopbenchError) {
        try write(Data(text.utf8), to: path)
    }

    /// The file descriptor for the names of standard output and standard error.
    static func standardStream(_ path: String) -> Int32? {
        for fd: Int32 in [1, 2] {
            let names = ["/dev/fd/\(fd)", "/proc/self/fd/\(fd)"] + (fd == 1 ? ["/dev/stdout"] : ["/dev/stderr"])
            if names.contains(path) { return fd }
        }
        return nil
    }

    /// `path` with every symlink followed (relative links against their folder); the last
    /// target may not exist yet.
    static func resolve(_ path: String) throws(LoopbenchError) -> String {
        var p = path
        for _ in 0..<40 {
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(p, &buf, buf.count - 1)
            if n < 0 { return p }
            let link = String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let dir = (p as NSString).deletingLastPathComponent
            p = link.hasPrefix("/") || dir.isEmpty ? link : dir + "/" + link
        }
        throw .io(path, "too many levels of symbolic links")
    }

    /// Writes all of `data` to `fd`, again after EINTR and short writes: false on an error
    /// (in `errno`). The one write loop of the project's files (the journal uses it too).
    public static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
    }

    /// A temporary file beside `path`, flushed, renamed over it.
    static func replace(_ path: String, with data: Data, reportingAs name: String) throws(LoopbenchError) {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw .io(dir, "cannot create folder: \(error.localizedDescription)")
        }
        let tmp = dir + "/." + url.lastPathComponent + ".\(getpid()).tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(name, "cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var ok = writeAll(fd, data)
        if ok && fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw .io(name, "cannot write: \(why)")
        }
    }
}
