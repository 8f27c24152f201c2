// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// Answers by exact content: `tag` (what else the answer depends on) and the samples, compared
/// bit for bit (so −0 and +0, or two NaNs, are told apart; a 64-bit hash only picks the
/// candidates); the least recently used answer is dropped past `capacity`. Shared by every
/// thread of the process that holds it. A kept answer is the one the computation gave, so
/// reusing it changes nothing: the analyzer keeps its reference's strongest repeat this way
/// (a sweep's 112 trials share one probe), a soak on a deterministic loop its analyses.
public final class ExactMemo<Value>: @unchecked Sendable {
    struct Key: Hashable {
        var tag: [Int]
        var counts: [Int]
        var hash: UInt64
    }

    struct Entry {
        var content: [[Float]]
        var value: Value
        var used: Int
    }

    public let capacity: Int
    private var entries: [Key: [Entry]] = [:]
    private var count = 0
    private var clock = 0
    private let lock = NSLock()
    public private(set) var hits = 0, misses = 0

    public init(capacity: Int) { self.capacity = capacity }

    /// The answer for `tag` and `content`: kept, or `compute()`d and kept.
    public func value<E: Error>(tag: [Int], content: [ArraySlice<Float>], compute: () throws(E) -> Value) throws(E) -> Value {
        let key = Key(tag: tag, counts: content.map(\.count), hash: Self.hash(content))
        if let v = lookUp(key, content) { return v }
        let v = try compute()
        keep(key, content, v)
        return v
    }

    public func clear() {
        lock.lock()
        defer { lock.unlock() }
        entries = [:]
        count = 0
    }

    private func lookUp(_ key: Key, _ content: [ArraySlice<Float>]) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        clock += 1
        guard let list = entries[key], let i = list.firstIndex(where: { Self.same($0.content, content) }) else {
            misses += 1
            return nil
        }
        hits += 1
        entries[key]![i].used = clock
        return list[i].value
    }

    private func keep(_ key: Key, _ content: [ArraySlice<Float>], _ v: Value) {
        lock.lock()
        defer { lock.unlock() }
        if count >= capacity { evictOldest() }
        entries[key, default: []].append(Entry(content: content.map { Array($0) }, value: v, used: clock))
        count += 1
    }

    /// Drops the least recently used answer.
    private func evictOldest() {
        var oldest: (key: Key, index: Int, used: Int)?
        for (k, list) in entries {
            for (i, e) in list.enumerated() where oldest == nil || e.used < oldest!.used { oldest = (k, i, e.used) }
        }
        guard let o = oldest else { return }
        entries[o.key]!.remove(at: o.index)
        if entries[o.key]!.isEmpty { entries[o.key] = nil }
        count -= 1
    }

    /// FNV-1a over the samples' bit patterns, two samples (64 bits) at a time.
    static func hash(_ content: [ArraySlice<Float>]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in content {
            x.withUnsafeBufferPointer { b in
                let n = b.count
                var i = 0
                while i + 2 <= n {
                    h = (h ^ (UInt64(b[i].bitPattern) | UInt64(b[i + 1].bitPattern) << 32)) &* 0x0000_0100_0000_01b3
                    i += 2
                }
                if i < n { h = (h ^ UInt64(b[i].bitPattern)) &* 0x0000_0100_0000_01b3 }
            }
        }
        return h
    }

    public static func same(_ a: [[Float]], _ b: [ArraySlice<Float>]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.count == y.count else { return false }
            if x.isEmpty { continue }
            let equal = x.withUnsafeBufferPointer { px in y.withUnsafeBufferPointer { memcmp(px.baseAddress!, $0.baseAddress!, 4 * x.count) == 0 } }
            if !equal { return false }
        }
        return true
    }
}
