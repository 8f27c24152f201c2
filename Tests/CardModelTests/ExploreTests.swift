// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import Testing

@Test func explore() throws {
    guard ProcessInfo.processInfo.environment["CARDMODEL_EXPLORE"] != nil else { return }
    let rows: [(String, [String: String])] = [
        ("hda default", ["out.frequency": "48000", "in.frequency": "48000"]),
        ("hda tp2000", ["out.frequency": "48000", "in.frequency": "48000", "timer-period": "2000"]),
        ("hda tp5000", ["out.frequency": "48000", "in.frequency": "48000", "timer-period": "5000"]),
        ("hda tp2000 lat20k", ["out.frequency": "48000", "in.frequency": "48000", "timer-period": "2000", "out.latency": "20000", "in.latency": "20000"]),
        ("hda tp2000 lat10k", ["out.frequency": "48000", "in.frequency": "48000", "timer-period": "2000", "out.latency": "10000", "in.latency": "10000"]),
        ("hda notimer", ["out.frequency": "48000", "in.frequency": "48000", "device": "hda-notimer"]),
        ("ac97 default", ["out.frequency": "48000", "in.frequency": "48000", "device": "ac97", "guest.period": "20000", "guest.buffer": "80000"]),
        ("ac97 tuned", ["out.frequency": "48000", "in.frequency": "48000", "device": "ac97", "timer-period": "2000", "out.latency": "20000", "in.latency": "20000", "guest.period": "20000", "guest.buffer": "80000"]),
        ("hda lat10k", ["out.frequency": "48000", "in.frequency": "48000", "out.latency": "10000", "in.latency": "10000"]),
        ("ac97 lat10k", ["out.frequency": "48000", "in.frequency": "48000", "device": "ac97", "out.latency": "10000", "in.latency": "10000"]),
        ("hda tp20000", ["out.frequency": "48000", "in.frequency": "48000", "timer-period": "20000"]),
        ("hda defaults 44.1", [:]),
    ]
    for (name, set) in rows {
        for seed in 1...3 {
            var s = set
            s["seed"] = String(seed)
            let r = try simulate(s)
            print(name, seed, String(format: "%.2f ms", r.latencyMS), "events", r.truth.events.count,
                  r.truth.events.prefix(4).map { "\($0.kind.rawValue)@\($0.captureSample):\($0.sizeSamples)" },
                  String(format: "qemu-side %.1f", r.truth.playbackQEMUSideMS), r.truth.xrunsByPlace)
        }
    }
}
