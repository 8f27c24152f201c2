// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Measure
import Foundation
import LoopbenchCore
import Loops
import Stimulus

struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Play a probe through a loop (the QEMU card model, PulseAudio or ALSA), record it back and analyse it.",
        discussion: """
        With several channels (--set channels=2) every channel plays its own probe and each capture \
        channel is checked: latency, gain, polarity and events per channel, and swapped, missing, \
        duplicated or inverted channels reported. --capture-only records --duration seconds while \
        another program plays --reference, and analyses that.
        """ + "\n\n" + FailOn.statusDiscussion)

    @Option(name: .long, help: "sim (QEMU card model) | pulse | alsa | qemu (a real QEMU guest)") var backend: String = "sim"
    @Option(name: .customLong("set"), help: "A backend setting KEY=VALUE (repeatable); see --list-settings.") var settings: [String] = []
    @Option(name: .long, help: "Length of the probe in seconds.") var seconds: Double = 2
    @Option(name: .long, help: "Probe level in dBFS.") var level: Double = -6
    @Option(name: .long, help: "Write the measurement JSON to this path, or - for stdout.") var json: String?
    @Option(name: .customLong("save-capture"), help: "Also write the capture to this audio file.") var saveCapture: String?
    @Flag(name: .customLong("list-settings"), help: "Print every setting of the backend with its unit and default, and exit.") var listSettings = false
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false
    @Option(name: .customLong("fail-on"), help: FailOn.help) var failOn: FailOn = .default
    @Flag(name: .customLong("every-channel"), inversion: .prefixedNo,
          help: "With several channels, play a different probe on each and check every channel (--no-every-channel: the same probe on all, only the strongest analysed).")
    var everyChannel = true
    @Flag(name: .customLong("capture-only"), help: "Play nothing (silence): record --duration seconds and find --reference in it (a loop closed by another program).")
    var captureOnly = false
    @Option(name: .long, help: "With --capture-only: the signal the other program plays.") var reference: String?
    @Option(name: .long, help: "With --capture-only: how long to record, in seconds (at least the reference's length).") var duration: Double?

    func run() throws {
        let m: LoopMeasurement? = try reportingErrors {
            if listSettings {
                let docs = try Loops.settingDocs(backend: backend)
                let w = max(8, docs.map(\.key.count).max() ?? 0)
                print("\(pad("setting", w))  \(pad("unit", 8))  \(pad("default", 12))  meaning")
                for d in docs { print("\(pad(d.key, w))  \(pad(d.unit, 8))  \(pad(d.defaultValue, 12))  \(d.meaning)") }
                return nil
            }
            let loop = try Loops.make(backend: backend, settings: try SettingsParser.parse(settings))
            let m: LoopMeasurement
            if captureOnly {
                m = try CaptureOnly.measure(loop: loop, reference: reference, duration: duration, saveCapture: saveCapture)
            } else {
                guard reference == nil, duration == nil else {
                    throw LoopbenchError.usage("--reference and --duration go with --capture-only", subject: reference == nil ? "duration" : "reference")
                }
                var spec = Stimulus.Spec()
                spec.seconds = seconds
                spec.levelDB = level
                m = try RoundTrip.measure(loop: loop, spec: spec, saveCapture: saveCapture, everyChannel: everyChannel).measurement
            }
            if !quiet && json != "-" { print(Summary.text(m)) }
            if let json { try emitJSON(try JSONCoding.encode(m), to: json) }
            return m
        }
        if let m { try failOn.exit(for: [m]) }
    }

    private func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
}
