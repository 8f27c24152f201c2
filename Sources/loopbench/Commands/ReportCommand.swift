// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Foundation
import LoopbenchCore
import Reports
import Sweep

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Re-render report.html, report.csv and summary.md from a sweep folder's report.json.")

    @Argument(help: "The sweep's output folder (holding report.json).") var dir: String
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func run() throws {
        try reportingErrors {
            let r = try Reports.rerender(dir: dir)
            if !quiet {
                print("report: \(dir)/report.html, \(dir)/report.csv, \(dir)/summary.md re-rendered from \(dir)/report.json (\(r.points.count) points)")
            }
        }
    }
}
