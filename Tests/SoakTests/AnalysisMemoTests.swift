// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
@testable import Soak
import Testing

@Suite("Soak: the memo of answers by exact content")
struct AnalysisMemoTests {
    static func noise(_ n: Int, seed: UInt64) -> [Float] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: s >> 11) % 2000) / 1000 - 1
        }
    }

    @Test("an answer is reused only for the same tag and the same samples bit for bit: one sample's sign of zero, one more sample or another tag is computed afresh")
    func reusedOnlyForExactlyTheSameInput() {
        let memo = ExactMemo<Int>(capacity: 8)
        var computed = 0
        func ask(_ tag: [Int], _ x: [Float]) -> Int {
            memo.value(tag: tag, content: [x[...]]) { () throws(Never) in computed += 1; return computed }
        }
        var x = Self.noise(5000, seed: 1)
        x[100] = 0
        let first = ask([1], x)
        #expect(ask([1], x) == first && computed == 1)
        var y = x
        y[100] = -0.0   // equal as numbers, not as samples
        #expect(ask([1], y) != first && computed == 2)
        #expect(ask([2], x) != first && computed == 3)
        #expect(ask([1], x + [0]) != first && computed == 4)
        // A slice of a longer array, equal to the stored samples, is the same input.
        let longer = [Float(7)] + x
        #expect(memo.value(tag: [1], content: [longer[1...]]) { () throws(Never) in -1 } == first)
        #expect(memo.hits == 2 && memo.misses == 4)
    }

    @Test("past its capacity the least recently used answer goes")
    func leastRecentlyUsedGoes() {
        let memo = ExactMemo<Int>(capacity: 2)
        let a = Self.noise(100, seed: 2), b = Self.noise(100, seed: 3), c = Self.noise(100, seed: 4)
        func ask(_ x: [Float], _ v: Int) -> Int { memo.value(tag: [], content: [x[...]]) { () throws(Never) in v } }
        #expect(ask(a, 1) == 1 && ask(b, 2) == 2)
        #expect(ask(a, 9) == 1)      // a used again: b is now the oldest
        #expect(ask(c, 3) == 3)      // b goes
        #expect(ask(a, 9) == 1)
        #expect(ask(b, 4) == 4)      // computed again
    }

    @Test("handed other probes, the soak's memo starts afresh (its keys name probes by number)")
    func otherProbesClearTheMemo() {
        let memo = AnalysisMemo()
        let probes = [Self.noise(4800, seed: 5), Self.noise(4800, seed: 6)]
        let stretch = Self.noise(9600, seed: 7)
        memo.use(probes: probes)
        let a = memo.locate(probe: 0, probes[0], probeEnergy: 1, in: stretch[...])
        _ = memo.locate(probe: 0, probes[0], probeEnergy: 1, in: stretch[...])
        #expect(memo.hits == 1 && memo.misses == 1)
        memo.use(probes: probes)   // the same probes: kept
        _ = memo.locate(probe: 0, probes[0], probeEnergy: 1, in: stretch[...])
        #expect(memo.hits == 2)
        var other = probes
        other[1][17] += 0.5
        memo.use(probes: other)
        let b = memo.locate(probe: 0, other[0], probeEnergy: 1, in: stretch[...])
        #expect(memo.hits == 2 && memo.misses == 2)
        #expect(a?.lag == b?.lag && a?.score == b?.score)
    }
}
