// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import AudioFile
import Measure
import Dispatch
import Foundation
import LoopbenchCore
import Loops
import QEMUBackend
import Stimulus

extension Stimulus.Kind: ExpressibleByArgument {}
extension SoundFile.SampleFormat: ExpressibleByArgument {}

struct SignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Write a probe signal (a train of short exponential sine sweeps by default) to an audio file, or play it.",
        discussion: """
        --play plays the probe once on --backend pulse, alsa or qemu (Ctrl-C stops it); with --tone HZ \
        it plays a steady sine at --level until Ctrl-C, for listening while a mixer is adjusted. On qemu \
        a real guest boots and plays it on its emulated card (HDA or AC'97, --set device=…) into the \
        host's sound server; Ctrl-C makes the guest fade out and power off. --backend sim is refused \
        (exit 64): the card model has no speaker; hear what it makes of a probe with measure --backend \
        sim --save-capture FILE.
        """)

    @Option(name: .long, help: "Output file (.wav, .flac, .aiff).") var out: String?
    @Option(name: .long, help: "sweep (a train of short sine sweeps, the analyzer's own probe) | ess (one slow exponential sine sweep, for impulse responses) | mls | noise") var kind: Stimulus.Kind = .sweep
    @Option(name: .long, help: "Sample rate in Hz.") var rate: Int = 48000
    @Option(name: .long, help: "Length in seconds.") var seconds: Double = 2
    @Option(name: .long, help: "Channels (the same signal in each).") var channels: Int = 1
    @Option(name: .long, help: "Peak level in dBFS.") var level: Double = -6
    @Option(name: .long, help: "s16 | s24 | s32 | f32") var format: SoundFile.SampleFormat = .s24
    @Option(name: .long, help: "Seed for mls and noise.") var seed: UInt64 = 1
    @Option(name: .long, help: "Make a periodic probe for soaks: a probe every PERIOD seconds, each followed by --separator of silence, for --seconds in all.") var period: Double?
    @Option(name: .long, help: "With --period: the silence after each probe, in seconds.") var separator: Double = PeriodicProbe.defaultSeparatorSeconds
    @Flag(name: .long, help: "Play it (on --backend) instead of, or after, writing it.") var play = false
    @Option(name: .long, help: "With --play: a steady sine of this frequency (Hz) until Ctrl-C, instead of the probe.") var tone: Double?
    @Option(name: .long, help: "With --play: pulse | alsa | qemu (a real guest plays it; sim has no speaker and is refused)") var backend: String = "pulse"
    @Option(name: .customLong("set"), help: "With --play: a backend setting KEY=VALUE (repeatable), as for measure; rate and channels come from --rate and --channels.")
    var settings: [String] = []
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func run() throws {
        try reportingErrors {
            guard out != nil || play else { throw LoopbenchError.usage("signal: give --out FILE, --play, or both", subject: "out") }
            guard tone == nil || play else { throw LoopbenchError.usage("--tone goes with --play", subject: "tone") }
            if play && backend == "sim" { throw Loops.simRefusal }
            var spec = Stimulus.Spec(kind: kind, sampleRate: rate, seconds: seconds, channels: channels, levelDB: level, seed: seed)
            spec.seed = seed
            try spec.validate()
            if let tone, !(Self.lowestTone..<(Double(rate) / 2)).contains(tone) {
                throw LoopbenchError.usage("--tone \(tone): must be from \(Int(Self.lowestTone)) Hz to below Nyquist (\(rate / 2) Hz)", subject: "tone")
            }
            if let period {
                guard let out, !play else { throw LoopbenchError.usage("--period writes a periodic probe to --out; it does not go with --play", subject: "period") }
                return try writePeriodic(spec, period: period, to: out)
            }
            let buf = tone == nil ? Stimulus.generate(spec) : nil
            if let out, let buf {
                try SoundFile.write(buf, to: out, format: format)
                var what = "\(kind.rawValue)"
                if kind == .sweep || kind == .ess { what += String(format: " %.0f–%.0f Hz", spec.effectiveStartHz, spec.effectiveEndHz) }
                if !quiet { print("wrote \(out): \(what), \(buf.frames) frames (\(String(format: "%.3f", buf.duration)) s) at \(rate) Hz, \(channels) ch, \(format.rawValue), peak \(level) dBFS") }
            }
            if play { try playIt(buf) }
        }
    }

    /// Writes the periodic probe block by block (an hour of it needs no more memory than a minute).
    private func writePeriodic(_ spec: Stimulus.Spec, period: Double, to out: String) throws(LoopbenchError) {
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
        if !quiet { print(String(format: "wrote %@: periodic %@ probe, a %.3f s probe every %.3f s (%d different, taking turns), %d frames (%.3f s) at %d Hz, %d ch, %@, peak %.1f dBFS",
                     out, kind.rawValue, Double(probe.probeFrames) / Double(rate), period, probe.distinct, total, Double(total) / Double(rate), rate, channels, format.rawValue, level)) }
    }

    /// Lowest tone (Hz): below it most speakers and headphones give nothing to listen to.
    static let lowestTone = 20.0

    private func playIt(_ buf: AudioBuffer?) throws(LoopbenchError) {
        var s = try SettingsParser.parse(settings)
        s["rate"] = String(rate)
        s["channels"] = String(channels)
        if backend == "qemu" { return try playOnGuest(buf, settings: s) }
        let player = try Loops.player(backend: backend, settings: s)
        let stop = InterruptFlag()
        stop.install()
        let frames: Int
        if let tone {
            if !quiet { FileHandle.standardError.write(Data(String(format: "playing %.1f Hz at %.1f dBFS on %@ until Ctrl-C\n", tone, level, backend).utf8)) }
            frames = try Play.tone(ToneGenerator(frequency: tone, levelDB: level, sampleRate: rate, channels: channels), on: player, stop: stop.isSet)
        } else {
            frames = try Play.buffer(buf!, on: player, stop: stop.isSet)
        }
        if !quiet { print(String(format: "played %.3f s on %@%@", Double(frames) / Double(rate), backend, stop.isSet() ? " (interrupted)" : "")) }
    }
}

extension SignalCommand {
    /// `--backend qemu`: a real guest boots and plays (``QEMUPlayer``); the first Ctrl-C asks it
    /// to fade out and power off, a second kills QEMU by its pid and exits.
    private func playOnGuest(_ buf: AudioBuffer?, settings: [String: String]) throws(LoopbenchError) {
        let player = try QEMUPlayer(settings: settings)
        let stop = InterruptFlag()
        stop.install()
        let what = tone.map { String(format: "%.1f Hz at %.1f dBFS", $0, level) } ?? "the probe"
        if !quiet { FileHandle.standardError.write(Data("booting a QEMU guest to play \(what)\n".utf8)) }
        let signal: QEMUPlayer.Signal = tone.map { .tone(hz: $0, levelDB: level) } ?? .probe(buf!)
        let o = try player.play(signal, stop: stop.isSet, started: { pid in stop.onForce { kill(pid, SIGKILL) } }, playing: {
            if !quiet { FileHandle.standardError.write(Data("playing \(what) on qemu\(tone != nil ? " until Ctrl-C" : "")\n".utf8)) }
        })
        if !quiet {
            let xruns = o.xruns > 0 ? ", \(o.xruns) guest underruns" : ""
            print(String(format: "played %.3f s on qemu%@%@", Double(o.frames) / Double(rate), o.interrupted ? " (interrupted)" : "", xruns))
        }
    }
}

/// Set by the first Ctrl-C (SIGINT), so the player fades out and returns; a second one ends
/// the process at once (after ``onForce(_:)``'s action: killing a child that would outlive it).
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private var force: (@Sendable () -> Void)?

    func isSet() -> Bool { lock.lock(); defer { lock.unlock() }; return set }

    /// What a second Ctrl-C does before the process exits.
    func onForce(_ action: @escaping @Sendable () -> Void) { lock.lock(); force = action; lock.unlock() }

    func install() {
        InterruptSignal.install { [weak self] _ in
            guard let self else { return }
            if self.isSet() {
                self.lock.lock(); let f = self.force; self.lock.unlock()
                f?()
                _exit(130)
            }
            self.lock.lock(); self.set = true; self.lock.unlock()
        }
    }
}
