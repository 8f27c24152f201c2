// SPDX-License-Identifier: GPL-2.0-or-later

/// Small statistics shared by the analyzer, the backends and the commands.
public enum Stats {
    /// The median: the middle value, or the mean of the two middle values for an even count;
    /// nil for no values (each caller says what an empty list means for it).
    ///
    /// Found by selection (linear time) rather than a sort: the same values, since a median is
    /// the value at a rank. Short lists, lists with a NaN (whose place in a sort is not a
    /// rank) and a zero median (whose sign a sort leaves to the input order) take the sort.
    public static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        guard xs.count >= selectionMinCount, !xs.contains(where: \.isNaN) else { return sortedMedian(xs) }
        var a = xs
        let k = a.count / 2
        let (upper, lower): (Double, Double) = a.withUnsafeMutableBufferPointer { b in
            let u = select(k, in: b)
            var l = -Double.infinity
            for i in 0..<k where b[i] > l { l = b[i] }
            return (u, l)
        }
        if upper == 0 || (a.count % 2 == 0 && lower == 0) { return sortedMedian(xs) }
        return a.count % 2 == 1 ? upper : (lower + upper) / 2
    }

    /// The value a sort would put at index `count / 2` (for an even count, the upper of the two
    /// middle values); nil for no values. By selection, as ``median(_:)``, and by the sort where
    /// that one takes it (short lists, a NaN, a zero result).
    public static func upperMedian(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        guard xs.count >= selectionMinCount, !xs.contains(where: \.isNaN) else { return xs.sorted()[xs.count / 2] }
        var a = xs
        let v = a.withUnsafeMutableBufferPointer { select(xs.count / 2, in: $0) }
        return v == 0 ? xs.sorted()[xs.count / 2] : v
    }

    /// Below this many values the sort is as quick as the selection.
    static let selectionMinCount = 64

    static func sortedMedian(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Rearranges `a` so that `a[k]` is the value a sort would put there, every value before
    /// it no larger and every value after it no smaller (Hoare's selection, median-of-three pivots).
    static func select(_ k: Int, in a: UnsafeMutableBufferPointer<Double>) -> Double {
        var lo = 0, hi = a.count - 1
        while hi > lo {
            if hi - lo < 16 {
                for i in (lo + 1)...hi {
                    let v = a[i]
                    var j = i - 1
                    while j >= lo && a[j] > v { a[j + 1] = a[j]; j -= 1 }
                    a[j + 1] = v
                }
                break
            }
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { break }
        }
        return a[k]
    }
}
