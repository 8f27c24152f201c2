// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// Compares an analysis with ground truth, event by event.
public enum EventMatch {
    /// Why a found list of events does not match the truth, or nil when it does:
    /// every truth event found with the right kind, position within `tolerance` frames and
    /// exact size (±`repeatSlack` for repeats), and no other events.
    public static func mismatch(found: [Event], truth: [CaptureSynth.Truth], tolerance: Int = 48, repeatSlack: Int = 1) -> String? {
        var unmatched = found
        for t in truth {
            let slack = t.kind == .repeat ? repeatSlack : 0
            if let i = unmatched.firstIndex(where: { $0.kind == t.kind && abs($0.captureSample - t.captureSample) <= tolerance && abs($0.sizeSamples - t.size) <= slack }) {
                unmatched.remove(at: i)
            } else {
                return "missing \(t.kind.rawValue) of \(t.size) at \(t.captureSample); found \(describe(found))"
            }
        }
        if !unmatched.isEmpty { return "extra events \(describe(unmatched)); truth \(truth.map { "\($0.kind.rawValue)@\($0.captureSample)x\($0.size)" })" }
        return nil
    }

    public static func describe(_ events: [Event]) -> String {
        "[" + events.map { "\($0.kind.rawValue)@\($0.captureSample)x\($0.sizeSamples)" }.joined(separator: ", ") + "]"
    }
}
