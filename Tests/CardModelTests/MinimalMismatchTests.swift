// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Testing

/// Small hand-picked configurations, each with one mechanism, where the analyzer must agree
/// with the model's log event by event (kind, position within 1 ms, size within 1 frame) and
/// on the latency within a frame; and the one known limit, where it must refuse rather than
/// guess (see `Sources/CardModel/README.md`, "The mismatches left").
@Suite("Minimal configurations")
struct MinimalMismatchTests {
    static let agreeing: [(String, [String: String], crackles: Bool)] = [
        ("HDA ring drops (timer-period 20 ms)", ["timer-period": "20000", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0"], true),
        ("one 30 ms main-loop stall", ["host.stalls": "@0.5s:30ms", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0"], true),
        ("PulseAudio underruns (latency 10 ms)", ["out.latency": "10000", "in.latency": "10000", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0"], true),
        ("defaults without jitter", ["host.jitter": "0"], false),
        ("96 kHz guest, 2 ms timer", ["guest.rate": "96000", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0", "timer-period": "2000"], false),
    ]

    @Test("the analyzer finds exactly what the model logged", arguments: 0..<5)
    func agrees(_ i: Int) throws {
        let (name, config, crackles) = Self.agreeing[i]
        let r = try simulate(config)
        #expect(r.crackles == crackles, "\(name): model events \(r.truth.events.map { "\($0.kind.rawValue)@\($0.captureSample):\($0.sizeSamples)" })")
        #expect(r.truth.latencySamples != nil, "\(name)")
        let mismatches = try compare(config)
        #expect(mismatches.isEmpty, "\(name): \(mismatches.map(\.what))")
    }

    @Test("a PipeWire underrun in every tracking window: the analyzer refuses (no signal) instead of reporting a wrong latency")
    func denseUnderrunsAreRefused() throws {
        let config = ["backend": "pipewire", "qemu": "10.0", "out.latency": "10000", "out.frequency": "48000", "in.frequency": "48000", "host.jitter": "0"]
        let r = try simulate(config)
        // A 32-frame gap every 512 frames: far denser than the 1024-frame tracking window.
        #expect(r.truth.events.count >= 80)
        #expect(r.truth.events.allSatisfy { $0.kind == .gap && $0.sizeSamples == 32 })
        let mismatches = try compare(config).map(\.what)
        #expect(mismatches.contains { $0.hasPrefix("analyzer found no signal") })
        #expect(!mismatches.contains { $0.hasPrefix("latency ") }, "\(mismatches.prefix(3))")
        #expect(!mismatches.contains { $0.hasPrefix("analyzer ") && $0.contains("not in the model log") })
    }
}
