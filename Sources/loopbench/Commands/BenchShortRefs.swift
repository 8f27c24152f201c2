// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import Foundation
import LoopbenchCore
import Synth

/// `loopbench bench shortrefs`: the short-reference grid (``ShortReferences``), each case read
/// as right, refused, latency wrong, events wrong or latency off, by family: the README's
/// Known limits quote this table.
extension BenchCommand {
    func shortRefsBench() throws {
        let t0 = ProgressLine.now()
        var counts: [Corpus.Family: [ShortReferences.Outcome: Int]] = [:]
        var total = 0
        for c in ShortReferences.cases() where only.map({ c.name.contains($0) }) ?? true {
            let b = ShortReferences.build(c)
            let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.sampleRate, mono: b.reference),
                                         capture: AudioBuffer(sampleRate: c.sampleRate, mono: b.capture))
            let o = ShortReferences.outcome(m, b, sampleRate: c.sampleRate)
            counts[c.family, default: [:]][o, default: 0] += 1
            total += 1
            if cases {
                if only != nil { print("    segments " + (m.segments ?? []).map { "\($0.captureStart)..<\($0.captureEnd) @\(String(format: "%.3f", $0.delaySamples))" }.joined(separator: ", ")) }
                let err = (m.latency.map { String(format: "%+.4f", $0.samples - b.latency) } ?? "none") + (m.latencyUncertaintySamples.map { String(format: " (±%.4f)", $0) } ?? "")
                print("  \(c.name): \(o.rawValue): \(m.verdict.rawValue) err \(err) \(EventMatch.describe(m.events)) truth \(b.truth.map { "\($0.kind.rawValue)@\($0.captureSample)x\($0.size)" })\(m.reason.map { " (\($0.prefix(80)))" } ?? "")")
            }
        }
        print(String(format: "shortrefs: %d short references in %.1f s", total, ProgressLine.now() - t0))
        let outcomes = ShortReferences.Outcome.allCases
        print("| family | cases | " + outcomes.map(\.rawValue).joined(separator: " | ") + " |")
        print("|" + String(repeating: " --- |", count: outcomes.count + 2))
        var all: [ShortReferences.Outcome: Int] = [:]
        for f in ShortReferences.families {
            guard let row = counts[f] else { continue }
            for (o, k) in row { all[o, default: 0] += k }
            print("| \(f.rawValue) | \(row.values.reduce(0, +)) | " + outcomes.map { String(row[$0] ?? 0) }.joined(separator: " | ") + " |")
        }
        print("| all | \(total) | " + outcomes.map { String(all[$0] ?? 0) }.joined(separator: " | ") + " |")
    }
}
