// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// A fault in how the played channels reach the capture's channels, for tests with ground
/// truth: the card model's path carries one stream, and each capture channel takes one
/// played channel from it (rendered through the same run, so every channel shares the run's
/// timing and artifacts), inverted, or nothing.
///
/// Written `channel-map=SRC,SRC,…`, one entry per capture channel: `N` (played channel N),
/// `-N` (played channel N, inverted) or `x` (silent). `1,0` swaps a stereo pair, `0,0`
/// duplicates the left channel, `0,x` loses the right one, `0,-1` inverts it.
public struct ChannelMap: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case channel(Int, inverted: Bool)
        case silent
    }
    public var sources: [Source]

    public static func identity(_ channels: Int) -> ChannelMap {
        ChannelMap(sources: (0..<channels).map { .channel($0, inverted: false) })
    }

    public var isIdentity: Bool { self == .identity(sources.count) }

    /// The most channels the model carries: a 7.1 stream.
    public static let maxChannels = 8

    public static let settingDocs: [SettingDoc] = [
        SettingDoc(key: "channels", unit: "count", defaultValue: "1", meaning: "channels of the stream (1..8); each carries its own probe through the same run"),
        SettingDoc(key: "channel-map", unit: "list", defaultValue: "identity", meaning: "a channel-map fault: per capture channel the played channel N, -N (inverted) or x (silent), e.g. 1,0 swaps, 0,0 duplicates, 0,x loses, 0,-1 inverts"),
    ]

    /// Parses `channels` and `channel-map`; either may be missing.
    public static func parse(channels: String?, map: String?) throws(LoopbenchError) -> ChannelMap {
        var count: Int? = nil
        if let c = channels {
            guard let n = Int(c.trimmingCharacters(in: .whitespaces)), (1...maxChannels).contains(n) else {
                throw .usage("channels=\(c): must be an integer between 1 and \(maxChannels)", subject: "channels")
            }
            count = n
        }
        guard let map else { return .identity(count ?? 1) }
        let entries = map.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let n = count ?? entries.count
        guard entries.count == n, (1...maxChannels).contains(n) else {
            throw .usage("channel-map=\(map): needs one entry per channel (\(n)), at most \(maxChannels)", subject: "channel-map")
        }
        var sources: [Source] = []
        for e in entries {
            if e.lowercased() == "x" { sources.append(.silent); continue }
            let inverted = e.hasPrefix("-")
            guard let k = Int(inverted ? String(e.dropFirst()) : e), (0..<n).contains(k) else {
                throw .usage("channel-map=\(map): entry '\(e)' must be a channel 0..\(n - 1), -N (inverted) or x (silent)", subject: "channel-map")
            }
            sources.append(.channel(k, inverted: inverted))
        }
        return ChannelMap(sources: sources)
    }

    /// How it goes into a report: `0,-1,x`.
    public var text: String {
        sources.map { s in
            switch s {
            case .silent: "x"
            case .channel(let k, let inv): (inv ? "-" : "") + String(k)
            }
        }.joined(separator: ",")
    }
}

extension ModelRun {
    /// The same run carrying another stimulus: every timing, artifact and resampler log kept.
    func carrying(_ other: [Float]) -> ModelRun {
        ModelRun(settings: settings, guestRate: guestRate, playbackRate: playbackRate, captureRate: captureRate,
                 prefillFrames: prefillFrames, stimulus: other, captureFrames: captureFrames, guestCapture: guestCapture,
                 playbackResampler: playbackResampler, captureResampler: captureResampler, log: log, occupancy: occupancy,
                 simulatedNs: simulatedNs, hda: hda, backendQueueName: backendQueueName, pulse: pulse)
    }
}
