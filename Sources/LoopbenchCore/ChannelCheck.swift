// SPDX-License-Identifier: GPL-2.0-or-later

/// Every channel checked: each played channel carried its own probe (the same kind, its own
/// seed), and each capture channel was analysed against each of them. JSON member `channels`
/// (see `docs/measure.md`).
public struct ChannelCheck: Codable, Sendable, Equatable {
    /// One capture channel.
    public struct Channel: Codable, Sendable, Equatable {
        public var captureChannel: Int
        /// The played channel whose probe this capture channel carries; nil when none.
        public var playedChannel: Int?
        public var verdict: LoopMeasurement.Verdict
        public var latencySamples: Double?
        public var latencyMS: Double?
        public var gainDB: Double?
        public var polarity: Int?
        public var events: [Event]
        public init(captureChannel: Int, playedChannel: Int?, verdict: LoopMeasurement.Verdict, latencySamples: Double?, latencyMS: Double?,
                    gainDB: Double?, polarity: Int?, events: [Event]) {
            self.captureChannel = captureChannel
            self.playedChannel = playedChannel
            self.verdict = verdict
            self.latencySamples = latencySamples
            self.latencyMS = latencyMS
            self.gainDB = gainDB
            self.polarity = polarity
            self.events = events
        }
        enum CodingKeys: String, CodingKey {
            case verdict, polarity, events
            case captureChannel = "capture_channel"
            case playedChannel = "played_channel"
            case latencySamples = "latency_samples"
            case latencyMS = "latency_ms"
            case gainDB = "gain_db"
        }
    }

    /// A channel that is not where it should be.
    public struct Fault: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            /// Capture channel c carries played channel k ≠ c (a pair exchanged, or a rotation).
            case swapped
            /// A capture channel carries no probe, or a played channel reaches no capture channel.
            case missing
            /// One played channel reaches several capture channels.
            case duplicated
            /// A capture channel carries its probe upside down.
            case inverted
        }
        public var kind: Kind
        /// Capture channels concerned (for `missing` of a played channel: that played channel).
        public var channels: [Int]
        public var text: String
    }

    /// How the channels were told apart.
    public var method: String
    public var channels: [Channel]
    public var faults: [Fault]

    /// `played`: how many channels were played (each with its own probe).
    public init(method: String, channels: [Channel], played: Int) {
        self.method = method
        self.channels = channels
        self.faults = Self.faults(channels, played: played)
    }

    /// The faults a channel assignment shows, with `played` channels played.
    public static func faults(_ chans: [Channel], played: Int) -> [Fault] {
        var out: [Fault] = []
        var takers: [Int: [Int]] = [:]
        for c in chans { if let k = c.playedChannel { takers[k, default: []].append(c.captureChannel) } }
        var reported = Set<Int>()
        for c in chans {
            guard let k = c.playedChannel else {
                out.append(Fault(kind: .missing, channels: [c.captureChannel], text: "capture channel \(c.captureChannel) carries no probe"))
                continue
            }
            if k != c.captureChannel && !reported.contains(c.captureChannel) && (takers[k]?.count ?? 0) == 1 {
                // A pair exchanged is one fault; anything else, one per channel.
                if let back = chans.first(where: { $0.captureChannel == k }), back.playedChannel == c.captureChannel, (takers[c.captureChannel]?.count ?? 0) == 1 {
                    out.append(Fault(kind: .swapped, channels: [c.captureChannel, k], text: "channels \(c.captureChannel) and \(k) swapped"))
                    reported.formUnion([c.captureChannel, k])
                } else {
                    out.append(Fault(kind: .swapped, channels: [c.captureChannel], text: "capture channel \(c.captureChannel) carries played channel \(k)"))
                }
            }
            if c.polarity == -1 {
                out.append(Fault(kind: .inverted, channels: [c.captureChannel], text: "capture channel \(c.captureChannel) inverted"))
            }
        }
        for k in takers.keys.sorted() where takers[k]!.count > 1 {
            out.append(Fault(kind: .duplicated, channels: takers[k]!, text: "played channel \(k) on capture channels \(takers[k]!.map(String.init).joined(separator: " and "))"))
        }
        for k in 0..<played where takers[k] == nil {
            out.append(Fault(kind: .missing, channels: [k], text: "played channel \(k) reaches no capture channel"))
        }
        return out
    }
}
