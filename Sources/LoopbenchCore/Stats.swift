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
    /// it no larger and every value after it no smaller (no NaN: the callers sort those).
    /// Quickselect with median-of-three pivots, each step a three-way split (below the pivot,
    /// equal to it, above it) made of branchless passes: the comparisons of noisy data
    /// mispredict half the time, and a run of equal values ends a step at once.
    static func select(_ k: Int, in a: UnsafeMutableBufferPointer<Double>) -> Double {
        var lo = 0, hi = a.count
        while hi - lo > selectionInsertionMax {
            let mid = lo + (hi - lo) / 2, last = hi - 1
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[last] < a[lo] { a.swapAt(last, lo) }
            if a[last] < a[mid] { a.swapAt(last, mid) }
            let pivot = a[mid]
            let m = moveToFront(a, lo, hi) { $0 < pivot }
            if k < m { hi = m; continue }
            let e = moveToFront(a, m, hi) { $0 <= pivot }
            if k < e { return a[k] }
            lo = e
        }
        if hi - lo > 1 {
            for i in (lo + 1)..<hi {
                let v = a[i]
                var j = i - 1
                while j >= lo && a[j] > v { a[j + 1] = a[j]; j -= 1 }
                a[j + 1] = v
            }
        }
        return a[k]
    }

    /// Stretches of at most this many values are sorted by insertion.
    static let selectionInsertionMax = 16

    /// Moves the values of `a[lo ..< hi]` for which `front` holds before the others (each group
    /// in no particular order) and returns where the first group ends: one pass, a swap per
    /// value and no branch on the comparison.
    @inline(__always)
    static func moveToFront(_ a: UnsafeMutableBufferPointer<Double>, _ lo: Int, _ hi: Int, _ front: (Double) -> Bool) -> Int {
        let p = a.baseAddress!
        var m = lo
        for i in lo..<hi {
            let v = p[i]
            p[i] = p[m]
            p[m] = v
            m += front(v) ? 1 : 0
        }
        return m
    }
}
