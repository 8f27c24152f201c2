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
    /// Everything that made the trial what it was, so that `--resume` matches a record on its
    /// settings, never on its position: the backend, the probe length and every setting handed
    /// to the backend (fixed, swept and tied). Nil in journals of loopbench before 0.x.
    public var backend: String?
    public var seconds: Double?
    public var fullSettings: [String: String]?

    public init(spec: TrialSpec, plan: SweepPlan, measurement: LoopMeasurement?, failure: String?, wallSeconds: Double) {
        id = spec.id
        pointIndex = spec.point.index
        settings = spec.point.settings
        repeatIndex = spec.repeatIndex
        seed = spec.seed
        backend = plan.backend
        seconds = plan.seconds
        fullSettings = TrialRecord.fullSettings(plan: plan, trial: spec)
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
        case backend, seconds
        case fullSettings = "full_settings"
    }

    /// The settings a trial of `plan` hands its backend: fixed, then the point's (the seed is
    /// the record's own `seed`).
    public static func fullSettings(plan: SweepPlan, trial: TrialSpec) -> [String: String] {
        var s = plan.fixed
        for (k, v) in trial.point.settings { s[k] = v }
        return s
    }

    /// Where this record and the plan's trial `spec` differ, in words, or nil when they agree.
    public func difference(from spec: TrialSpec, plan: SweepPlan) -> String? {
        if let b = backend, b != plan.backend { return "backend is \(b) in the journal, \(plan.backend) in the plan" }
        if let s = seconds, s != plan.seconds { return "seconds is \(Axis.formatNumber(s)) in the journal, \(Axis.formatNumber(plan.seconds)) in the plan" }
        if seed != spec.seed { return "seed is \(seed) in the journal, \(spec.seed) in the plan" }
        guard let mine = fullSettings else { return nil }
        let theirs = TrialRecord.fullSettings(plan: plan, trial: spec)
        if let k = Set(mine.keys).union(theirs.keys).sorted().first(where: { mine[$0] != theirs[$0] }) {
            return "\(k) is \(mine[k] ?? "unset") in the journal, \(theirs[k] ?? "unset") in the plan"
        }
        return nil
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
        let ok = AtomicFile.writeAll(fd, data)
        guard ok, fsync(fd) == 0 else { throw .io(path, "cannot append to the journal: \(String(cString: strerror(errno)))") }
    }

    /// Reads every complete record; a torn last line (the process was killed mid-write) is skipped.
    public static func read(path: String) throws(LoopbenchError) -> [TrialRecord] {
        try scan(path: path).records
    }

    /// What a journal holds: its complete records, and the length of the file up to the end
    /// of the last of them when a torn line follows (nil when the file ends cleanly).
    public struct Contents: Sendable {
        public var records: [TrialRecord]
        /// Bytes to keep when the last line is torn (cut mid-write, no newline, not a record).
        public var intactLength: Int?
        /// Bytes of the torn line.
        public var tornBytes = 0
    }

    public static func scan(path: String) throws(LoopbenchError) -> Contents {
        guard FileManager.default.fileExists(atPath: path) else { return Contents(records: [], intactLength: nil) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingInput(path, "cannot read the journal") }
        var out: [TrialRecord] = []
        let decoder = JSONDecoder()
        var start = data.startIndex
        var lineNumber = 0
        while start < data.endIndex {
            let nl = data[start...].firstIndex(of: 0x0A)
            let end = nl ?? data.endIndex
            lineNumber += 1
            let line = data[start..<end]
            if !line.isEmpty {
                do { out.append(try decoder.decode(TrialRecord.self, from: Data(line))) }
                catch {
                    // Only the last line, without its newline, can be torn by a crash mid-write.
                    if nl == nil { return Contents(records: out, intactLength: start - data.startIndex, tornBytes: line.count) }
                    throw .badData(path, "line \(lineNumber) is not a trial record: \(error)")
                }
            }
            if nl == nil && !line.isEmpty {
                // A complete record whose newline was lost: keep it, end the line before appending.
                return Contents(records: out, intactLength: nil, tornBytes: -1)
            }
            start = end == data.endIndex ? end : data.index(after: end)
        }
        return Contents(records: out, intactLength: nil)
    }

    /// Makes the journal end at a line boundary before anything is appended: cuts a torn last
    /// line (returning its length), or ends a complete last record that lost its newline.
    public static func repairTail(path: String, contents: Contents) throws(LoopbenchError) -> Int? {
        if let keep = contents.intactLength {
            guard truncate(path, off_t(keep)) == 0 else { throw .io(path, "cannot cut the torn last line: \(String(cString: strerror(errno)))") }
            return contents.tornBytes
        }
        if contents.tornBytes < 0 {
            let fd = open(path, O_WRONLY | O_APPEND)
            guard fd >= 0 else { throw .io(path, "cannot open the journal: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var nl: UInt8 = 0x0A
            guard write(fd, &nl, 1) == 1, fsync(fd) == 0 else { throw .io(path, "cannot end the last line: \(String(cString: strerror(errno)))") }
        }
        return nil
    }
}
