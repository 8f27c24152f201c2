// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import ArgumentParser
import Foundation
import Synchronization
import LoopbenchCore
import Synth

/// A range of fuzz seeds, `from:to` (from included, to not), as `--seeds` takes it.
struct SeedRange: ExpressibleByArgument, Sendable {
    /// The most seeds one range may hold (about a minute of analysis per thousand on two cores).
    static let maxSeeds = 100_000
    let range: Range<Int>

    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]),
              a >= 0, b > a, b - a <= Self.maxSeeds else { return nil }
        range = a..<b
    }

    var defaultValueDescription: String { "\(range.lowerBound):\(range.upperBound)" }
}

/// `loopbench bench fuzz`: the fuzz test's cases (``FuzzCases``) over ranges of seeds, scored
/// against their truth (``FuzzTally``). Seeds 300–2499 are the ones sessions looked at case
/// by case and mended the analyzer on; 2500–4999 are the ones none had, until session 59
/// ran them (README, Known limits).
extension BenchCommand {
    func fuzzBench() throws {
        let t0 = ProgressLine.now()
        var rows: [(String, FuzzTally)] = []
        let progress = ProgressLine(quiet: false)   // a terminal only
        for r in seeds {
            let name = "\(r.range.lowerBound)–\(r.range.upperBound - 1)"
            rows.append((name, Self.fuzzTally(r.range) { progress.update(done: $0, total: r.range.count, label: "fuzz seeds \(name)") }))
            progress.finish()
        }
        print(String(format: "fuzz: %d seeds in %.1f s", seeds.reduce(0) { $0 + $1.range.count }, ProgressLine.now() - t0))
        print("| seeds | within the conditions | refused | no latency | latency more than a frame off | latency overconfident | without damage: read an event | damaged: with a false event | true events found exactly | false events |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for (name, t) in rows {
            print("| \(name) | \(t.cases) | \(t.refused) | \(t.noLatency) | \(t.offByAFrameCases.count) | \(t.overconfidentCases.count) | \(t.undamagedWithEvents.count) of \(t.undamaged) | \(t.damagedWithFalseEvents) of \(t.damaged) | \(t.foundExactly) of \(t.truthEvents) | \(t.falseEvents) |")
        }
        for (name, t) in rows {
            print("seeds \(name): without damage, read an event: \(t.undamagedWithEvents.map(String.init).joined(separator: ", "))")
            print("seeds \(name): latency more than a frame off: \(t.offByAFrameCases.map(String.init).joined(separator: ", "))")
            print("seeds \(name): latency overconfident: \(t.overconfidentCases.map(String.init).joined(separator: ", "))")
        }
    }

    /// The seeds of `range` analysed on two threads (even seeds on one, odd on the other),
    /// tallied; `done` hears how many are analysed so far.
    static func fuzzTally(_ range: Range<Int>, done: @escaping @Sendable (Int) -> Void) -> FuzzTally {
        let threads = 2
        let parts = Mutex<[FuzzTally]>(Array(repeating: FuzzTally(), count: threads))
        let count = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { k in
            var t = FuzzTally()
            for seed in range where seed % threads == k {
                let c = FuzzCases.make(seed)
                let m = try? Analyzer.analyze(reference: AudioBuffer(sampleRate: c.rate, mono: c.reference), capture: AudioBuffer(sampleRate: c.rate, mono: c.capture))
                t.add(seed: seed, c, m)
                done(count.withLock { $0 += 1; return $0 })
            }
            parts.withLock { $0[k] = t }
        }
        return parts.withLock { p in p.reduce(into: FuzzTally()) { $0.merge($1) } }
    }
}
