// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import LoopbenchCore

/// `loopbench compare`: measures several backends in one run and writes a side-by-side report.
/// (First cut: the options exist; the measuring lands next.)
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Measure several backends (pulse, alsa) in the same run and write one side-by-side report.")

    @Option(name: .long, help: "A backend to measure (repeat: --backend pulse --backend alsa).") var backend: [String] = []

    func run() throws {
        try reportingErrors {
            throw LoopbenchError.unavailable("compare", "not implemented yet")
        }
    }
}
