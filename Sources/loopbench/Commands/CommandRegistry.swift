// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser

/// Every subcommand, one per file in this folder.
enum CommandRegistry {
    static let all: [any ParsableCommand.Type] = [
        SignalCommand.self,
        AnalyzeCommand.self,
        MeasureCommand.self,
        CompareCommand.self,
        SweepCommand.self,
        ReportCommand.self,
        GateCommand.self,
        SynthCommand.self,
        BenchCommand.self,
        QEMUGroupCommand.self,
        CalibrateCommand.self,
        DiagnoseCommand.self,
    ]
}
