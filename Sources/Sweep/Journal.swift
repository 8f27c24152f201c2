// SPDX-License-Identifier: GPL-2.0-or-later
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LoopbenchCore

/// One finished trial as written to the journal: its identity, and either its measurement
/// or the reason it failed.
public struct TrialRecord: Codable, Sendable, Equatable {
    public var id: String
    public var pointIndex: Int
    public var settings: [String: String]
    public var repeatIndex: Int
    public var seed: UInt64
    /// `ok` (measured; the verdict may still be crackle or no-signal) or `failed` (no measurement).
    public var status: String
    /// Why the trial failed (a sound server died, a setting was refused…).
    public var failure: String?
    public var wallSeconds: Double
    public var measurement: LoopMeasurement?

    public init(spec: TrialSpec, measurement: LoopMeasurement?, failure: String?, wallSeconds: Double) {
        id = spec.id
        pointIndex = spec.point.index
        settings = spec.point.settings
        repeatIndex = spec.repeatIndex
        seed = spec.seed
        status = measurement == nil ? "failed" : "ok"
        self.failure = failure
        self.wallSeconds = wallSeconds
        self.measurement = measurement
    }

    enum CodingKeys: String, CodingKey {
        case id
        case pointIndex = "point"
        case settings
        case repeatIndex = "repeat"
        case seed, status, failure
        case wallSeconds = "wall_s"
        case measurement
    }
}

/// The sweep's JSON-lines journal: one finished trial per line, appended and fsynced at once.
public final class Journal: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let lock = NSLock()

    /// Opens (creating if needed) the journal for appending.
    public init(path: String) throws(LoopbenchError) {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        catch { throw .io(dir, "cannot create folder: \(error.localizedDescription)") }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw .io(path, "cannot open the journal: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Appends one record as a line and fsyncs it before returning.
    public func append(_ record: TrialRecord) throws(LoopbenchError) {
        var data = try JSONCoding.encode(record, pretty: false)
        data.append(0x0A)
        lock.lock(); defer { lock.unlock() }
        var ok = true
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { if errno == EINTR { continue }; ok = false; break }
                off += n
            }
        }
        guard ok, fsync(fd) == 0 else { throw .io(path, "cannot append to the journal: \(String(cString: strerror(errno)))") }
    }

    /// Reads every complete record; a torn last line (the process was killed mid-write) is skipped.
    public static func read(path: String) throws(LoopbenchError) -> [TrialRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingInput(path, "cannot read the journal") }
        var out: [TrialRecord] = []
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
        let decoder = JSONDecoder()
        for (i, line) in lines.enumerated() {
            do { out.append(try decoder.decode(TrialRecord.self, from: Data(line))) }
            catch {
                if i == lines.count - 1 { break }
                throw .badData(path, "line \(i + 1) is not a trial record: \(error)")
            }
        }
        return out
    }
}
