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
    @Option(name: .long, help: "Make a periodic probe for soaks: a probe every PERIOD seconds, each followed by --separator of silence, for --seconds in all.") var period: Double?
    @Option(name: .long, help: "With --period: the silence after each probe, in seconds.") var separator: Double = PeriodicProbe.defaultSeparatorSeconds

    func run() throws {
        try reportingErrors {
            var spec = Stimulus.Spec(kind: kind, sampleRate: rate, seconds: seconds, channels: channels, levelDB: level, seed: seed)
            spec.seed = seed
            try spec.validate()
            if let period { return try writePeriodic(spec, period: period) }
            let buf = Stimulus.generate(spec)
            try SoundFile.write(buf, to: out, format: format)
            var what = "\(kind.rawValue)"
            if kind == .sweep || kind == .ess { what += String(format: " %.0f–%.0f Hz", spec.effectiveStartHz, spec.effectiveEndHz) }
            print("wrote \(out): \(what), \(buf.frames) frames (\(String(format: "%.3f", buf.duration)) s) at \(rate) Hz, \(channels) ch, \(format.rawValue), peak \(level) dBFS")
        }
    }

    /// Writes the periodic probe block by block (an hour of it needs no more memory than a minute).
    private func writePeriodic(_ spec: Stimulus.Spec, period: Double) throws(LoopbenchError) {
        let probe = PeriodicProbe(spec: spec, periodSeconds: period, separatorSeconds: separator)
        try probe.validate()
        let probes = probe.probes()
        let total = Int((seconds * Double(rate)).rounded())
        let writer = try SoundFile.Writer(path: out, sampleRate: rate, channels: channels, format: format)
        var at = 0
        while at < total {
            let n = min(probe.periodFrames * 10, total - at)
            let x = PeriodicProbe.frames(probes, periodFrames: probe.periodFrames, start: at, count: n)
            try writer.append(Array(repeating: x, count: channels))
            at += n
        }
        try writer.finish()
        print(String(format: "wrote %@: periodic %@ probe, a %.3f s probe every %.3f s (%d different, taking turns), %d frames (%.3f s) at %d Hz, %d ch, %@, peak %.1f dBFS",
                     out, kind.rawValue, Double(probe.probeFrames) / Double(rate), period, probe.distinct, total, Double(total) / Double(rate), rate, channels, format.rawValue, level))
    }
}
