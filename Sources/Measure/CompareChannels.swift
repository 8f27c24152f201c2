// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// `compare` per channel: over one backend's trials, what each capture channel carried (from
/// every trial's ``ChannelCheck``), its latency and gain, and how many trials found a fault on
/// it. Only when the per-channel probe ran (two or more channels, `--every-channel`).
public struct CompareChannel: Encodable, Sendable, Equatable {
    public var captureChannel: Int
    /// The played channel this capture channel carried in most trials (nil: none in most).
    public var playedChannel: Int?
    /// Trials whose check has this capture channel.
    public var trials: Int
    public var clean: Int
    /// Trials in which a fault (swapped, missing, duplicated, inverted) names this channel.
    public var faultTrials: Int
    /// The fault texts, each once, in the order first seen.
    public var faults: [String]
    public var latencyMedianMS: Double?
    public var latencyMinMS: Double?
    public var latencyMaxMS: Double?
    public var gainMedianDB: Double?

    enum CodingKeys: String, CodingKey {
        case trials, clean, faults
        case captureChannel = "capture_channel"
        case playedChannel = "played_channel"
        case faultTrials = "fault_trials"
        case latencyMedianMS = "latency_median_ms"
        case latencyMinMS = "latency_min_ms"
        case latencyMaxMS = "latency_max_ms"
        case gainMedianDB = "gain_median_db"
    }

    /// Every capture channel over `measurements`; nil when none carries a channel check.
    public static func of(_ measurements: [LoopMeasurement]) -> [CompareChannel]? {
        let checks = measurements.compactMap(\.channelCheck)
        guard !checks.isEmpty else { return nil }
        let count = checks.map(\.channels.count).max() ?? 0
        return (0..<count).map { c in
            let chans = checks.compactMap { $0.channels.first { $0.captureChannel == c } }
            let faulty = checks.map { $0.faults.filter { $0.channels.contains(c) } }
            var texts: [String] = []
            for t in faulty.flatMap({ $0.map(\.text) }) where !texts.contains(t) { texts.append(t) }
            let lat = chans.compactMap(\.latencyMS)
            return CompareChannel(captureChannel: c, playedChannel: mostCommon(chans.map(\.playedChannel)), trials: chans.count,
                                  clean: chans.filter { $0.verdict == .clean }.count, faultTrials: faulty.filter { !$0.isEmpty }.count,
                                  faults: texts, latencyMedianMS: Stats.median(lat), latencyMinMS: lat.min(), latencyMaxMS: lat.max(),
                                  gainMedianDB: Stats.median(chans.compactMap(\.gainDB)))
        }
    }

    /// The most frequent value (the first seen on a tie).
    static func mostCommon(_ xs: [Int?]) -> Int? {
        var counts: [Int?: Int] = [:]
        for x in xs { counts[x, default: 0] += 1 }
        return xs.max { counts[$0]! < counts[$1]! || (counts[$0]! == counts[$1]! && xs.firstIndex(of: $0)! < xs.firstIndex(of: $1)!) } ?? nil
    }

    /// The per-channel table of `compare.md` (no lines when no backend checked its channels).
    public static func markdown(_ backends: [CompareReport.Backend]) -> [String] {
        let checked = backends.filter { $0.channels != nil }
        guard !checked.isEmpty else { return [] }
        func f(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "–" }
        var lines = ["", "Every channel (each played channel its own probe):", "",
                     "| backend | capture ch | carries played ch | clean | latency median (ms) | min–max (ms) | gain median (dB) | trials with a fault |",
                     "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for b in checked {
            for c in b.channels! {
                lines.append("| \(b.backend) | \(c.captureChannel) | \(c.playedChannel.map(String.init) ?? "none") | \(c.clean)/\(c.trials) | "
                    + "\(f(c.latencyMedianMS)) | \(f(c.latencyMinMS))–\(f(c.latencyMaxMS)) | \(f(c.gainMedianDB)) | \(c.faultTrials)/\(c.trials)"
                    + (c.faults.isEmpty ? "" : " (\(c.faults.joined(separator: "; ")))") + " |")
            }
        }
        return lines
    }
}
