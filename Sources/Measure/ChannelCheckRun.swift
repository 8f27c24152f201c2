// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import LoopbenchCore

/// Every capture channel analysed against every played channel's own probe: the played
/// channel it carries is the one the analyzer finds with the highest confidence (a wrong
/// probe is `no-signal`: two sweep trains of different seeds correlate at about 0.05).
enum ChannelCheckRun {
    static let method = "channel-unique probe: each played channel its own seed; each capture channel analysed against every probe"

    static func check(played: AudioBuffer, capture: AudioBuffer) throws(LoopbenchError) -> ChannelCheck {
        var chans: [ChannelCheck.Channel] = []
        for c in 0..<capture.channelCount {
            var best: (k: Int, m: LoopMeasurement)? = nil
            for k in 0..<played.channelCount {
                var m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: played.sampleRate, mono: played.channels[k]),
                                             capture: capture, options: .init(channel: c))
                RoundTrip.rejectImpossibleLatency(&m)
                guard m.verdict != .noSignal else { continue }
                if best == nil || (m.latency?.confidence ?? 0) > (best!.m.latency?.confidence ?? 0) { best = (k, m) }
            }
            if let (k, m) = best {
                chans.append(.init(captureChannel: c, playedChannel: k, verdict: m.verdict, latencySamples: m.latency?.samples,
                                   latencyMS: m.latency?.ms, gainDB: m.gainDB, polarity: m.polarity, events: m.events))
            } else {
                chans.append(.init(captureChannel: c, playedChannel: nil, verdict: .noSignal, latencySamples: nil, latencyMS: nil,
                                   gainDB: nil, polarity: nil, events: []))
            }
        }
        return ChannelCheck(method: method, channels: chans, played: played.channelCount)
    }
}
