// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import AudioFile
import Foundation
import LoopbenchCore
import Synth

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Make a capture with known defects from a reference, and write its truth: for checking an analyzer, yours or ours.",
        discussion: """
        Edits are made to the played stream, at reference frames, and the result is delayed
        (by an exact band-limited phase shift), optionally stretched by a clock drift, and
        noise is added. The truth file lists every event at its capture frame.
        Example: loopbench synth --reference ref.wav --out cap.wav --delay 1234.37 --snr 20 \\
                 --gap 40000:100 --drop 60000:2048 --click 90000:0.8 --truth cap.truth.json
        """)

    @Option(name: .long, help: "The reference signal.") var reference: String
    @Option(name: .long, help: "The capture to write.") var out: String
    @Option(name: .long, help: "Delay in frames (fractional allowed).") var delay: Double
    @Option(name: .long, help: "Signal-to-noise ratio in dB (none: no noise).") var snr: Double?
    @Option(name: .customLong("drift-ppm"), help: "Clock drift in ppm (the delay grows by this much).") var driftPPM: Double = 0
    @Option(name: .long, help: "Gain applied to the capture (negative inverts).") var gain: Float = 1
    @Option(name: .long, help: "Insert silence: REFFRAME:FRAMES (repeatable).") var gap: [String] = []
    @Option(name: .long, help: "Remove frames: REFFRAME:FRAMES (repeatable).") var drop: [String] = []
    @Option(name: .customLong("repeat"), help: "Play the FRAMES before REFFRAME again: REFFRAME:FRAMES (repeatable).") var repeats: [String] = []
    @Option(name: .long, help: "Replace audio by silence: REFFRAME:GAP:MISSING (repeatable).") var replace: [String] = []
    @Option(name: .long, help: "Add a one-sample click: CAPTUREFRAME:AMPLITUDE (repeatable).") var click: [String] = []
    @Option(name: .long, help: "Noise seed.") var seed: UInt64 = 1
    @Option(name: .long, help: "Write the truth JSON here.") var truth: String?
    @Option(name: .long, help: "s16 | s24 | s32 | f32") var format: SoundFile.SampleFormat = .f32

    func run() throws {
        try reportingErrors {
            let ref = try SoundFile.read(reference)
            // Every option is range-checked before anything is allocated: the capture is at most
            // the reference plus ten minutes of audio, and every number is finite.
            let room = 600 * ref.sampleRate
            try checkNumbers(room: room)
            var s = CaptureSynth(reference: ref.channels[0], delay: delay)
            s.snrDB = snr
            s.driftPPM = driftPPM
            s.gain = gain
            s.seed = seed
            try addEdits(to: &s)
            let inserted = try checkEdits(s.edits, referenceFrames: ref.frames, room: room)
            let captureFrames = Int(delay.rounded(.up)) + Int(Double(ref.frames + inserted) * (1 + driftPPM * 1e-6)) + s.tail
            for c in s.clicks {
                guard c.frame < captureFrames, c.amplitude.isFinite, abs(c.amplitude) <= 1000 else {
                    throw LoopbenchError.usage("--click \(c.frame):\(c.amplitude): the frame must lie inside the capture (\(captureFrames) frames) and the amplitude between -1000 and 1000", subject: "click")
                }
            }
            let (cap, truthEvents) = s.make()
            try SoundFile.write(AudioBuffer(sampleRate: ref.sampleRate, mono: cap), to: out, format: format)
            if let truth {
                let doc: [String: JSONValue] = [
                    "reference": .string(reference), "capture": .string(out),
                    "latency_samples": .number(delay), "drift_ppm": .number(driftPPM),
                    "snr_db": snr.map { .number($0) } ?? .null, "polarity": .number(gain < 0 ? -1 : 1),
                    "events": .array(truthEvents.map { .object(["kind": .string($0.kind.rawValue), "capture_sample": .number(Double($0.captureSample)), "size_samples": .number(Double($0.size))]) }),
                ]
                try AtomicFile.write(try JSONCoding.encode(doc), to: truth)
            }
            print("wrote \(out): \(cap.count) frames, delay \(delay), \(truthEvents.count) event\(truthEvents.count == 1 ? "" : "s")")
        }
    }

    /// The numeric options, each finite and within its range.
    private func checkNumbers(room: Int) throws(LoopbenchError) {
        guard delay.isFinite, delay >= 0, delay <= Double(room) else {
            throw .usage("--delay \(delay): must be between 0 and \(room) frames (10 minutes)", subject: "delay")
        }
        if let snr { guard snr.isFinite, snr >= -60, snr <= 200 else { throw .usage("--snr \(snr): must be between -60 and 200 dB", subject: "snr") } }
        guard driftPPM.isFinite, abs(driftPPM) <= 100_000 else {
            throw .usage("--drift-ppm \(driftPPM): must be between -100000 and 100000", subject: "drift-ppm")
        }
        guard gain.isFinite, abs(gain) <= 1000 else { throw .usage("--gain \(gain): must be between -1000 and 1000", subject: "gain") }
    }

    /// The --gap, --drop, --repeat, --replace and --click options as edits and clicks.
    private func addEdits(to s: inout CaptureSynth) throws(LoopbenchError) {
        func pair(_ text: String, _ opt: String) throws(LoopbenchError) -> [Int] {
            let parts = text.split(separator: ":").map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                throw .usage("--\(opt) \(text): expected whole non-negative numbers separated by ':'", subject: opt)
            }
            return parts.map { $0! }
        }
        for g in gap { let p = try pair(g, "gap"); guard p.count == 2 else { throw .usage("--gap \(g): expected REFFRAME:FRAMES") }; s.edits.append(.gap(at: p[0], frames: p[1])) }
        for d in drop { let p = try pair(d, "drop"); guard p.count == 2 else { throw .usage("--drop \(d): expected REFFRAME:FRAMES") }; s.edits.append(.drop(at: p[0], frames: p[1])) }
        for r in repeats { let p = try pair(r, "repeat"); guard p.count == 2, p[1] <= p[0] else { throw .usage("--repeat \(r): expected REFFRAME:FRAMES with FRAMES ≤ REFFRAME") }; s.edits.append(.repeat(at: p[0], frames: p[1])) }
        for r in replace { let p = try pair(r, "replace"); guard p.count == 3 else { throw .usage("--replace \(r): expected REFFRAME:GAP:MISSING") }; s.edits.append(.replace(at: p[0], gap: p[1], missing: p[2])) }
        for c in click {
            let parts = c.split(separator: ":")
            guard parts.count == 2, let f = Int(parts[0]), f >= 0, let a = Float(parts[1]) else { throw .usage("--click \(c): expected CAPTUREFRAME:AMPLITUDE") }
            s.clicks.append(.init(frame: f, amplitude: a))
        }
    }

    /// Edits lie inside the reference, in order, each after the frames the previous one removed;
    /// what they insert stays within the ten minutes of room. Returns the frames inserted.
    private func checkEdits(_ edits: [CaptureSynth.Edit], referenceFrames: Int, room: Int) throws(LoopbenchError) -> Int {
        var end = 0
        var inserted = 0
        for e in edits.sorted(by: { $0.at < $1.at }) {
            guard e.at >= end, e.at < referenceFrames else { throw .usage("edits must lie inside the reference (\(referenceFrames) frames) and not overlap", subject: "edits") }
            var removed = 0, added = 0
            switch e {
            case .gap(_, let k): added = k
            case .drop(_, let k): removed = k
            case .repeat(_, let k): added = k
            case .replace(_, let g, let m): added = g; removed = m
            }
            guard removed <= referenceFrames - e.at else {
                throw .usage("an edit at frame \(e.at) removes \(removed) frames, past the end of the reference (\(referenceFrames) frames)", subject: "edits")
            }
            guard added <= room - inserted else { throw .usage("the edits insert more than \(room) frames (10 minutes)", subject: "edits") }
            inserted += added
            end = e.at + removed
        }
        return inserted
    }
}
