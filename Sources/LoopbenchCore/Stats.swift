// SPDX-License-Identifier: GPL-2.0-or-later

/// Small statistics shared by the analyzer, the backends and the commands.
public enum Stats {
    /// The median: the middle value, or the mean of the two middle values for an even count;
    /// nil for no values (each caller says what an empty list means for it).
    @inlinable
    public static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
