// SPDX-License-Identifier: GPL-2.0-or-later
@testable import Analyzer
import LoopbenchCore
import Testing

/// The step split on its own: per-frame costs of alignment A, of foreign frames F and of
/// alignment B, and the cheapest [A…)[F…)[B…) split with a cost for opening F.
@Suite("Step split")
struct StepSplitTests {
    /// Cost of splitting at t1, t2, computed directly.
    static func cost(_ a: [Double], _ f: [Double], _ b: [Double], open: Double, _ t1: Int, _ t2: Int) -> Double {
        var c = 0.0
        for i in 0..<t1 { c += a[i] }
        for i in t1..<t2 { c += f[i] }
        for i in t2..<a.count { c += b[i] }
        return c + (t2 > t1 ? open : 0)
    }

    /// A fits frames 0..<40, silence (foreign) fits 40..<60, B fits 60..<100.
    static let gapCase: ([Double], [Double], [Double]) = (
        (0..<100).map { $0 < 40 ? 0 : 5 },
        (0..<100).map { (40..<60).contains($0) ? 0.5 : 5 },
        (0..<100).map { $0 >= 60 ? 0 : 5 }
    )

    @Test("a gap: A ends, foreign frames, B starts; the cost is the foreign frames plus opening them")
    func gap() {
        let (a, f, b) = Self.gapCase
        let s = Explainer.split(a: a, f: f, b: b, open: 1)
        #expect(s.t1 == 40 && s.t2 == 60)
        #expect(abs(s.cost - 11) < 1e-12)
    }

    @Test("a pure drop or repeat: A hands over to B with no foreign frames and no opening cost")
    func noForeignFrames() {
        let a: [Double] = (0..<100).map { $0 < 50 ? 0 : 3 }
        let b: [Double] = (0..<100).map { $0 >= 50 ? 0 : 3 }
        let f = [Double](repeating: 1, count: 100)
        let s = Explainer.split(a: a, f: f, b: b, open: 10)
        #expect(s.t1 == 50 && s.t2 == 50)
        #expect(s.cost == 0)
    }

    @Test("opening a foreign stretch must pay: two frames that fit F a little better stay with A and B")
    func openingCost() {
        var a: [Double] = (0..<100).map { $0 < 50 ? 0 : 3 }
        var b: [Double] = (0..<100).map { $0 >= 52 ? 0 : 3 }
        a[50] = 0.2; a[51] = 0.2
        b[50] = 3; b[51] = 3
        let f: [Double] = (0..<100).map { $0 == 50 || $0 == 51 ? 0.1 : 3 }
        let cheap = Explainer.split(a: a, f: f, b: b, open: 0.05)
        #expect(cheap.t1 == 50 && cheap.t2 == 52)
        let dear = Explainer.split(a: a, f: f, b: b, open: 1)
        #expect(dear.t1 == 52 && dear.t2 == 52)
        #expect(abs(dear.cost - 0.4) < 1e-12)
    }

    @Test("when A fits throughout, there is no step: the split is at the end")
    func aThroughout() {
        let a = [Double](repeating: 0, count: 64)
        let other = [Double](repeating: 1, count: 64)
        let s = Explainer.split(a: a, f: other, b: other, open: 0)
        #expect(s.t1 == 64 && s.t2 == 64 && s.cost == 0)
    }

    @Test("a fixed number of foreign frames: the best place for exactly that many")
    func fixedForeign() {
        let (a, f, b) = Self.gapCase
        let s = Explainer.split(a: a, f: f, b: b, open: 1, fixedForeign: 20)
        #expect(s.t1 == 40 && s.t2 == 60)
        #expect(abs(s.cost - 11) < 1e-12)
        let none = Explainer.split(a: a, f: f, b: b, open: 1, fixedForeign: 0)
        #expect(none.t1 == none.t2)
        #expect(abs(none.cost - Self.cost(a, f, b, open: 1, none.t1, none.t2)) < 1e-12)
        let tooMany = Explainer.split(a: a, f: f, b: b, open: 1, fixedForeign: 101)
        #expect(tooMany.cost == .infinity)
    }

    @Test("on random costs the split is the exhaustive optimum, and its cost is its own", arguments: [UInt64(1), 2, 3])
    func matchesExhaustiveSearch(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        for _ in 0..<60 {
            let n = 1 + Int(rng.uniform() * 60)
            let a = (0..<n).map { _ in rng.uniform() * 4 }
            let f = (0..<n).map { _ in rng.uniform() * 4 }
            let b = (0..<n).map { _ in rng.uniform() * 4 }
            let open = rng.uniform() * 3
            var best = Double.infinity
            for t1 in 0...n { for t2 in t1...n { best = min(best, Self.cost(a, f, b, open: open, t1, t2)) } }
            let s = Explainer.split(a: a, f: f, b: b, open: open)
            #expect(s.t1 <= s.t2 && s.t2 <= n)
            #expect(abs(s.cost - best) < 1e-9)
            #expect(abs(Self.cost(a, f, b, open: open, s.t1, s.t2) - s.cost) < 1e-9)
            let len = Int(rng.uniform() * Double(n + 1))
            var bestFixed = Double.infinity
            for t1 in 0...(n - len) { bestFixed = min(bestFixed, Self.cost(a, f, b, open: open, t1, t1 + len)) }
            let fixed = Explainer.split(a: a, f: f, b: b, open: open, fixedForeign: len)
            #expect(fixed.t2 - fixed.t1 == len)
            #expect(abs(fixed.cost - bestFixed) < 1e-9)
        }
    }
}

@Test("Stats.median: middle value, mean of the middle two, nil when empty; the analyzer's median says 0 for empty")
func statsMedian() {
    #expect(Stats.median([3, 1, 2]) == 2)
    #expect(Stats.median([4, 1, 3, 2]) == 2.5)
    #expect(Stats.median([-1]) == -1)
    #expect(Stats.median([]) == nil)
    #expect(median([]) == 0)
    #expect(median([5, 7]) == 6)
}
