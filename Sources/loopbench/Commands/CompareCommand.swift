// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Measure
import Foundation
import LoopbenchCore
import Loops

/// `loopbench compare`: measures several backends in one run, repeat by repeat in turn (so
/// all see the same machine load), and writes one side-by-side report: latency and its spread,
/// crackles, drift, xruns, and measured against reported latency. A difference larger than one
/// period is flagged as "backend reports X, signal says Y".
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Measure several backends (pulse, alsa, sim) in the same run and write one side-by-side report.",
        discussion: """
        --set KEY=VALUE goes to every backend that has KEY; BACKEND.KEY=VALUE (e.g. pulse.tlength=40ms, \
        alsa.buffer=40ms) to that backend only. The report is compare.json and compare.md in --out; \
        --json writes the JSON to a path or to stdout (-).
        """ + "\n\n" + FailOn.statusDiscussion)

    @Option(name: .long, help: "A backend to measure (repeat: --backend pulse --backend alsa).") var backend: [String] = []
    @Option(name: .customLong("set"), help: "KEY=VALUE for every backend that has KEY, or BACKEND.KEY=VALUE (repeatable).") var settings: [String] = []
    @Option(name: .long, help: "Measurements per backend.") var repeats: Int = 3
    @Option(name: .long, help: "Length of the probe in seconds.") var seconds: Double = 1
    @Option(name: .long, help: "Probe level in dBFS.") var level: Double = -6
    @Option(name: .long, help: "Folder for compare.json and compare.md.") var out: String?
    @Option(name: .long, help: "Write the report JSON to this path, or - for stdout.") var json: String?
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false
    @Option(name: .customLong("fail-on"), help: FailOn.help) var failOn: FailOn = .default

    func run() throws {
        let measured: [LoopMeasurement] = try reportingErrors {
            let backends = backend.isEmpty ? ["pulse", "alsa"] : backend
            guard Set(backends).count == backends.count else { throw LoopbenchError.usage("--backend: each backend once", subject: "backend") }
            guard (1...1000).contains(repeats) else { throw LoopbenchError.usage("--repeats \(repeats): must be from 1 to 1000", subject: "repeats") }
            let perBackend = try Compare.splitSettings(try SettingsParser.parse(settings), backends: backends)
            var loops: [any AudioLoop] = []
            for b in backends { loops.append(try Loops.make(backend: b, settings: perBackend[b] ?? [:])) }
            let report = Compare.measure(loops: loops, repeats: repeats, seconds: seconds, level: level, quiet: quiet || json == "-")
            let data = try JSONCoding.encode(report)
            let table = Compare.markdown(report)
            if let out {
                var d = data
                d.append(0x0A)
                try AtomicFile.write(d, to: out + "/compare.json")
                try AtomicFile.write(table, to: out + "/compare.md")
            }
            if let json { try emitJSON(data, to: json) }
            if !quiet && json != "-" { print(table, terminator: "") }
            if let dead = report.backends.first(where: { $0.summary.succeeded == 0 }) {
                throw LoopbenchError.unavailable(dead.backend, "every measurement failed: \(dead.trials.first?.failure ?? "?")")
            }
            return report.backends.flatMap { $0.trials.compactMap(\.measurement) }
        }
        try failOn.exit(for: measured)
    }
}
