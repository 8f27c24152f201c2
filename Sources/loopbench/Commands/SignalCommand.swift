// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import AudioFile
import Foundation
import LoopbenchCore
import Stimulus

extension Stimulus.Kind: ExpressibleByArgument {}
extension SoundFile.SampleFormat: ExpressibleByArgument {}

struct SignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Write a probe signal (a train of short exponential sine sweeps by default) to an audio file.")

    @Option(name: .long, help: "Output file (.wav, .flac, .aiff).") var out: String
    @Option(name: .long, help: "sweep (a train of short sine sweeps, the analyzer's own probe) | ess (one slow exponential sine sweep, for impulse responses) | mls | noise") var kind: Stimulus.Kind = .sweep
    @Option(name: .long, help: "Sample rate in Hz.") var rate: Int = 48000
    @Option(name: .long, help: "Length in seconds.") var seconds: Double = 2
    @Option(name: .long, help: "Channels (the same signal in each).") var channels: Int = 1
    @Option(name: .long, help: "Peak level in dBFS.") var level: Double = -6
    @Option(name: .long, help: "s16 | s24 | s32 | f32") var format: SoundFile.SampleFormat = .s24
    @Option(name: .long, help: "Seed for mls and noise.") var seed: UInt64 = 1

    func run() throws {
        try reportingErrors {
            var spec = Stimulus.Spec(kind: kind, sampleRate: rate, seconds: seconds, channels: channels, levelDB: level, seed: seed)
            spec.seed = seed
            try spec.validate()
            let buf = Stimulus.generate(spec)
            try SoundFile.write(buf, to: out, format: format)
            var what = "\(kind.rawValue)"
            if kind == .sweep || kind == .ess { what += String(format: " %.0f–%.0f Hz", spec.effectiveStartHz, spec.effectiveEndHz) }
            print("wrote \(out): \(what), \(buf.frames) frames (\(String(format: "%.3f", buf.duration)) s) at \(rate) Hz, \(channels) ch, \(format.rawValue), peak \(level) dBFS")
        }
    }
}
