// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// Parses times written as QEMU does (plain microseconds) or with a unit.
public enum TimeValue {
    /// Parses `5000` (µs, QEMU's convention), `5000us`, `5ms`, `0.5s`, `2.5ms` into microseconds.
    ///
    /// - Throws: a usage error naming `key` when the text is not a time, is negative or exceeds a day.
    public static func microseconds(_ text: String, key: String) throws(LoopbenchError) -> Double {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("us", 1), ("µs", 1), ("ms", 1000), ("ns", 0.001), ("s", 1_000_000)]
        var number = t
        var scale = 1.0
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            number = String(t.dropLast(suffix.count))
            scale = factor
            break
        }
        guard let v = Double(number.trimmingCharacters(in: .whitespaces)), v.isFinite else {
            throw .usage("\(key)=\(text): not a time; write microseconds (5000) or use a unit (5ms, 500us, 0.5s)", subject: key)
        }
        guard v >= 0 else { throw .usage("\(key)=\(text): a time cannot be negative", subject: key) }
        // No setting is meaningful beyond a day, and the bound keeps every later conversion to
        // frames or whole microseconds inside Int.
        guard v * scale <= 86_400_000_000 else { throw .usage("\(key)=\(text): at most 24 hours", subject: key) }
        return v * scale
    }
}
