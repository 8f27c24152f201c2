// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import Testing

/// Prints analyzer/model mismatches for small hand-picked configurations (run with CARDMODEL_MINIMAL=1).
@Test func minimalMismatches() throws {
    guard ProcessInfo.processInfo.environment["CARDMODEL_MINIMAL"] != nil else { return }
    let configs: [[String: String]] = [
        ["timer-period": "20000", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0"],
        ["host.stalls": "@0.5s:30ms", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0"],
        ["out.latency": "10000", "in.latency": "10000", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0"],
        ["host.jitter": "0"],
        ["guest.rate": "96000", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0", "timer-period": "2000"],
        ["backend": "pipewire", "qemu": "10.0", "out.latency": "10000", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0"],
    ]
    for c in configs {
        let mm = try compare(c, seconds: 1)
        print("minimal \(c.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")): \(mm.count) mismatches")
        for m in mm.prefix(6) { print("   ", m.what) }
    }
}
