// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Bench
import Foundation
import LoopbenchCore
import Loops
import Stimulus

struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Play a probe through a loop (the QEMU card model, PulseAudio or ALSA), record it back and analyse it.")

    @Option(name: .long, help: "sim (QEMU card model) | pulse | alsa | qemu (a real QEMU guest)") var backend: String = "sim"
    @Option(name: .customLong("set"), help: "A backend setting KEY=VALUE (repeatable); see --list-settings.") var settings: [String] = []
    @Option(name: .long, help: "Length of the probe in seconds.") var seconds: Double = 2
    @Option(name: .long, help: "Probe level in dBFS.") var level: Double = -6
    @Option(name: .long, help: "Write the measurement JSON to this path, or - for stdout.") var json: String?
    @Option(name: .customLong("save-capture"), help: "Also write the capture to this audio file.") var saveCapture: String?
    @Flag(name: .customLong("list-settings"), help: "Print every setting of the backend with its unit and default, and exit.") var listSettings = false
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func run() throws {
        try reportingErrors {
            if listSettings {
                let docs = try Loops.settingDocs(backend: backend)
                let w = max(8, docs.map(\.key.count).max() ?? 0)
                print("\(pad("setting", w))  \(pad("unit", 8))  \(pad("default", 12))  meaning")
                for d in docs { print("\(pad(d.key, w))  \(pad(d.unit, 8))  \(pad(d.defaultValue, 12))  \(d.meaning)") }
                return
            }
            let loop = try Loops.make(backend: backend, settings: try SettingsParser.parse(settings))
            var spec = Stimulus.Spec()
            spec.seconds = seconds
            spec.levelDB = level
            let r = try RoundTrip.measure(loop: loop, spec: spec, saveCapture: saveCapture)
            if !quiet && json != "-" { print(Summary.text(r.measurement)) }
            if let json { try emitJSON(try JSONCoding.encode(r.measurement), to: json) }
        }
    }

    private func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
}
