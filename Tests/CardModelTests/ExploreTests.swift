// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import Testing

@Test func explore() throws {
    guard ProcessInfo.processInfo.environment["CARDMODEL_EXPLORE"] != nil else { return }
    let rows: [(String, [String: String], Double)] = [
        ("row1", ["host.jitter": "0", "guest.jitter": "0"], 2),
        ("alsa72", ["backend": "alsa"], 2),
        ("alsa72 5805", ["backend": "alsa", "out.period-length": "5805"], 2),
        ("alsa80", ["backend": "alsa", "qemu": "8.0"], 2),
        ("96k j3", ["guest.rate": "96000", "host.jitter": "3ms"], 2),
        ("96k j3 tp2", ["guest.rate": "96000", "host.jitter": "3ms", "timer-period": "2000"], 2),
        ("stall", ["host.stalls": "@1s:30ms", "host.jitter": "0", "out.frequency": "48000", "in.frequency": "48000"], 2),
        ("pw", ["backend": "pipewire", "qemu": "10.0"], 1),
        ("jack", ["backend": "jack"], 1),
        ("virtio", ["device": "virtio-snd", "qemu": "10.0"], 1),
        ("wav", ["backend": "wav"], 1),
        ("mixoff", ["out.mixing-engine": "off", "in.mixing-engine": "off"], 1),
    ]
    for (name, set, secs) in rows {
        for seed in 1...2 {
            var s = set
            s["seed"] = String(seed)
            let r = try simulate(s, seconds: secs)
            print(name, seed, String(format: "%.2f ms", r.latencyMS), "events", r.truth.events.count,
                  r.truth.events.prefix(4).map { "\($0.kind.rawValue)@\($0.captureSample):\($0.sizeSamples)" },
                  String(format: "qemu-side %.1f", r.truth.playbackQEMUSideMS), r.truth.xrunsByPlace, r.truth.hdaOutFillAfterTickMS ?? [])
        }
    }
    let t0 = Date()
    let r = try simulate(["host.ppm": "100", "host.jitter": "0", "guest.jitter": "0", "pa.grants": "continuous", "out.frequency": "48000", "in.frequency": "48000"], seconds: 80)
    print("ppm", r.truth.outCorrectionTimesS.prefix(12), r.truth.hdaCorrections, r.truth.hdaOutFillAfterTickMS ?? [], Date().timeIntervalSince(t0))
}
