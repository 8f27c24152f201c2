// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import Foundation
import LoopbenchCore

/// The analyzer's answers (and the probe locator's) for capture it has already seen, on a
/// deterministic loop.
///
/// The card model has no noise: a period whose probe, place in its chunk and path state repeat
/// comes back sample for sample as it did before (eight probes take turns, chunks restart the
/// model, its resamplers' phase repeats every period). Ten minutes of the card model at QEMU's
/// defaults held 26 different analysis windows in 605. The analyzer and the locator are
/// functions of their input: a stretch equal bit for bit to one already measured gets that
/// answer back. Nothing is approximated: every bit is compared, so a soak's results are exactly
/// those of measuring everything (`SoakTests`, memo on and off). Real backends never repeat a
/// stretch bit for bit (noise), so only deterministic loops keep a memo (``SoakRunner``).
public final class AnalysisMemo: @unchecked Sendable {
    /// Analysis windows kept: about a second of capture each (~200 kB mono at 48 kHz), ~52 MB at most.
    public static let windows = 256
    /// Stretches searched for a probe kept: up to ~1.9 s each (~370 kB), ~47 MB at most.
    public static let searches = 128

    let measurements = ExactMemo<LoopMeasurement>(capacity: AnalysisMemo.windows)
    let locations = ExactMemo<(lag: Int, score: Double)?>(capacity: AnalysisMemo.searches)

    public init() {}

    /// The probes the answers were computed with: the keys name probes by their number, so a
    /// memo handed probes other than those it holds answers for starts afresh.
    private var probes: [[Float]] = []
    private let probesLock = NSLock()

    /// Binds the memo to `probes` (compared bit for bit); a different set clears it.
    func use(probes p: [[Float]]) {
        probesLock.lock()
        defer { probesLock.unlock() }
        if p.count == probes.count, ExactMemo<Int>.same(probes, p.map { $0[...] }) { return }
        measurements.clear()
        locations.clear()
        probes = p
    }

    /// Answers given from the memo, and answers computed.
    public var hits: Int { measurements.hits + locations.hits }
    public var misses: Int { measurements.misses + locations.misses }

    /// The analyzer's measurement of `capture` against the reference `referenceKey` names
    /// (`reference()` builds it, only when the window is new).
    func measurement(referenceKey: [Int], channel: Int?, capture: [[Float]], sampleRate: Int, reference: () -> [Float]) throws(LoopbenchError) -> LoopMeasurement {
        let slices = capture.map { $0[...] }
        return try measurements.value(tag: referenceKey + [channel ?? -1, sampleRate], content: slices) { () throws(LoopbenchError) in
            try Analyzer.analyze(reference: AudioBuffer(sampleRate: sampleRate, mono: reference()),
                                 capture: AudioBuffer(sampleRate: sampleRate, channels: capture), options: .init(channel: channel))
        }
    }

    /// ``PeriodLocator/locate(_:probeEnergy:in:)`` of probe number `probe`.
    func locate(probe: Int, _ p: [Float], probeEnergy: Double, in signal: ArraySlice<Float>) -> (lag: Int, score: Double)? {
        locations.value(tag: [probe, p.count], content: [signal]) { () throws(Never) in PeriodLocator.locate(p, probeEnergy: probeEnergy, in: signal) }
    }
}

/// Answers by exact content: `tag` (what else the answer depends on) and the samples, compared
/// bit for bit (so −0 and +0, or two NaNs, are told apart); the least recently used answer is
/// dropped past `capacity`.
final class ExactMemo<Value>: @unchecked Sendable {
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

    let capacity: Int
    private var entries: [Key: [Entry]] = [:]
    private var count = 0
    private var clock = 0
    private let lock = NSLock()
    private(set) var hits = 0, misses = 0

    init(capacity: Int) { self.capacity = capacity }

    func value<E: Error>(tag: [Int], content: [ArraySlice<Float>], compute: () throws(E) -> Value) throws(E) -> Value {
        let key = Key(tag: tag, counts: content.map(\.count), hash: Self.hash(content))
        if let v = lookUp(key, content) { return v }
        let v = try compute()
        keep(key, content, v)
        return v
    }

    func clear() {
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

    static func same(_ a: [[Float]], _ b: [ArraySlice<Float>]) -> Bool {
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
