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
            if let i = match(t, in: unmatched, tolerance: tolerance, repeatSlack: repeatSlack) {
                unmatched.remove(at: i)
            } else {
                return "missing \(t.kind.rawValue) of \(t.size) at \(t.captureSample); found \(describe(found))"
            }
        }
        if !unmatched.isEmpty { return "extra events \(describe(unmatched)); truth \(truth.map { "\($0.kind.rawValue)@\($0.captureSample)x\($0.size)" })" }
        return nil
    }

    /// How many truth events are found (as ``mismatch(found:truth:tolerance:repeatSlack:)``
    /// matches them, each found event used once) and how many found events match none.
    public static func tally(found: [Event], truth: [CaptureSynth.Truth], tolerance: Int = 48, repeatSlack: Int = 1) -> (matched: Int, extra: Int) {
        var unmatched = found, matched = 0
        for t in truth {
            if let i = match(t, in: unmatched, tolerance: tolerance, repeatSlack: repeatSlack) {
                unmatched.remove(at: i)
                matched += 1
            }
        }
        return (matched, unmatched.count)
    }

    /// The first of `found` with truth event `t`'s kind, within `tolerance` frames of its
    /// place and of its size exactly (a repeat's within `repeatSlack`).
    private static func match(_ t: CaptureSynth.Truth, in found: [Event], tolerance: Int, repeatSlack: Int) -> Int? {
        let slack = t.kind == .repeat ? repeatSlack : 0
        return found.firstIndex { $0.kind == t.kind && abs($0.captureSample - t.captureSample) <= tolerance && abs($0.sizeSamples - t.size) <= slack }
    }

    public static func describe(_ events: [Event]) -> String {
        "[" + events.map { "\($0.kind.rawValue)@\($0.captureSample)x\($0.sizeSamples)" }.joined(separator: ", ") + "]"
    }
}
