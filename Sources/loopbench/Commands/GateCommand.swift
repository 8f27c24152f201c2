// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Foundation
import LoopbenchCore
import Reports

struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Compare a measurement or sweep report with a baseline; exit 1 when anything regressed.",
        discussion: """
        Latency regresses when it grows by more than --latency-tolerance-ms or --latency-tolerance-pct \
        of the baseline (whichever is larger); crackles regress when a point has more than its baseline \
        count and more than --max-crackles. Sweep reports are matched point by point by their settings. \
        Exit status: 0 nothing regressed, 1 something regressed, 65 the inputs do not match (different schema or grid).
        """)

    @Option(name: .long, help: "The baseline measurement or report.json.") var baseline: String
    @Option(name: .long, help: "The current measurement or report.json.") var current: String
    @Option(name: .customLong("latency-tolerance-ms"), help: "Allowed latency growth in ms (default 1).") var toleranceMS: Double = 1.0
    @Option(name: .customLong("latency-tolerance-pct"), help: "Allowed latency growth in percent of the baseline (default 0).") var tolerancePct: Double = 0
    @Option(name: .customLong("max-crackles"), help: "Crackles allowed per point (or the baseline's count if larger; default 0).") var maxCrackles: Int = 0
    @Option(name: .long, help: "Also write JUnit XML here (one testcase per point).") var junit: String?
    @Flag(name: .long, help: "Print only the verdict line.") var quiet = false

    func run() throws {
        let regressed: Bool = try reportingErrors {
            guard toleranceMS >= 0, tolerancePct >= 0, maxCrackles >= 0 else {
                throw LoopbenchError.usage("gate: tolerances and --max-crackles cannot be negative", subject: "gate")
            }
            let r = try Gate.compare(baseline: baseline, current: current,
                                     options: .init(latencyToleranceMS: toleranceMS, latencyTolerancePct: tolerancePct, maxCrackles: maxCrackles))
            let table = Gate.table(r)
            print(quiet ? String(table.split(separator: "\n").last ?? "") : table)
            if let junit { try AtomicFile.write(Gate.junit(r, baseline: baseline, current: current), to: junit) }
            return r.regressed
        }
        if regressed { throw ExitCode(1) }
    }
}
