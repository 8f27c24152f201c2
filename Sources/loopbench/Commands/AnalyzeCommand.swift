// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import ArgumentParser
import AudioFile
import Foundation
import LoopbenchCore
import Measure

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Find a reference in a capture: latency (sub-sample), drift, and every gap, drop, repeat and click.",
        discussion: """
        A recording of any length is read block by block: memory follows the reference, not \
        the recording (an hour of stereo 48 kHz against a 2 s reference: 144 MB). Only the stretch around the \
        reference (1 s before it, 20 s after it) is analysed in full; docs/analyzer.md, \
        "Recordings of any length".
        """ + "\n\n" + FailOn.statusDiscussion)

    @Option(name: .long, help: "The signal that was played.") var reference: String
    @Option(name: .long, help: "The recording.") var capture: String
    @Option(name: .long, help: "Write the measurement JSON to this path, or - for stdout.") var json: String?
    @Option(name: .long, help: "Capture channel to analyse (0-based); default: the one where the reference is strongest.") var channel: Int?
    @Flag(name: .long, help: "Print nothing but errors (and JSON to stdout with --json -).") var quiet = false
    @Option(name: .customLong("fail-on"), help: FailOn.help) var failOn: FailOn = .default

    func run() throws {
        let m = try reportingErrors {
            // Progress on a terminal over the passes of a long recording (none with --quiet or JSON to stdout).
            let progress = ProgressLine(quiet: quiet || json == "-")
            var m = try FileAnalysis.analyze(referencePath: reference, capturePath: capture, options: .init(
                channel: channel, referencePath: reference, capturePath: capture, source: .init(backend: "file"))) { done, total, label in
                progress.update(done: done, total: total, label: label)
            }
            progress.finish()
            m.headline = LoopMeasurement.Headline.of(m)
            if !quiet && json != "-" { print(Summary.text(m)) }
            if let json { try emitJSON(try JSONCoding.encode(m), to: json) }
            return m
        }
        try failOn.exit(for: [m])
    }
}
