// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// Golden outputs: values a test computes, compared with the ones committed under
/// `Tests/Golden/`, so that any change in what the model or the analyzer produces fails a test.
///
/// The files are written once, on purpose, by running the golden tests with
/// `LOOPBENCH_UPDATE_GOLDEN=1` (for example
/// `LOOPBENCH_UPDATE_GOLDEN=1 swift test --filter GoldenTests`), and then reviewed and committed.
public enum Golden {
    /// Whether this run writes the golden files instead of checking them.
    public static var updating: Bool { ProcessInfo.processInfo.environment["LOOPBENCH_UPDATE_GOLDEN"] == "1" }

    /// The path of golden file `name` (under `Tests/Golden/`).
    public static func path(_ name: String) -> String { TestPaths.packageRoot + "/Tests/Golden/" + name }

    /// FNV-1a, 64 bit, over bytes: a stable hash (not Swift's `Hasher`, which is seeded per process).
    public static func fnv1a64<S: Sequence>(bytes: S) -> UInt64 where S.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// FNV-1a 64 over the bit patterns of `samples` (little-endian, 4 bytes each), as 16 hex digits.
    public static func hash(_ samples: [Float]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in samples {
            var v = x.bitPattern
            for _ in 0..<4 {
                h ^= UInt64(v & 0xff)
                h = h &* 0x0000_0100_0000_01b3
                v >>= 8
            }
        }
        return hex(h)
    }

    /// FNV-1a 64 of a value's canonical JSON (``JSONCoding``: sorted keys, compact), as 16 hex digits.
    public static func hash<T: Encodable>(json value: T) throws -> String {
        hex(fnv1a64(bytes: try JSONCoding.encode(value, pretty: false)))
    }

    private static func hex(_ h: UInt64) -> String {
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// The golden file's cases, or what went wrong reading it.
    public static func load<T: Decodable>(_ type: [T].Type, from name: String) throws -> [T] {
        try JSONCoding.decode([T].self, fromFile: path(name))
    }

    /// Writes `cases` as golden file `name` (pretty, sorted keys: diffs stay readable).
    public static func write<T: Encodable>(_ cases: [T], to name: String) throws {
        let data = try JSONCoding.encode(cases)
        try FileManager.default.createDirectory(atPath: TestPaths.packageRoot + "/Tests/Golden", withIntermediateDirectories: true)
        try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: path(name)))
    }

    /// Every difference between what was computed and what the golden file holds, one line
    /// each, naming the case and showing both sides as JSON.
    public static func differences<T: Encodable & Equatable>(got: [T], expected: [T], name: (T) -> String) -> [String] {
        var out: [String] = []
        if got.count != expected.count { out.append("\(got.count) cases computed, \(expected.count) in the golden file") }
        for (g, e) in zip(got, expected) where g != e {
            let gj = (try? JSONCoding.encode(g, pretty: false)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
            let ej = (try? JSONCoding.encode(e, pretty: false)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
            out.append("\(name(e)): got \(gj)\n    expected \(ej)")
        }
        return out
    }
}

/// What the analyzer measured on one capture, as the golden files keep it.
///
/// `measurement` is FNV-1a 64 of the measurement's canonical JSON (``JSONCoding``, compact),
/// with the tool version blanked (it changes with every release, not with the analysis);
/// verdict, latency and events are also kept in clear, so that a failure shows what moved.
public struct MeasurementGolden: Codable, Equatable, Sendable {
    public var name: String
    public var measurement: String
    public var verdict: String
    public var latencySamples: Double?
    public var events: [Event]

    enum CodingKeys: String, CodingKey {
        case name, measurement, verdict, events
        case latencySamples = "latency_samples"
    }

    public init(name: String, measurement: LoopMeasurement) throws {
        var m = measurement
        m.tool = .init(name: "loopbench", version: "")
        self.name = name
        self.measurement = try Golden.hash(json: m)
        verdict = m.verdict.rawValue
        latencySamples = m.latency?.samples
        events = m.events
    }
}

