// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The short-reference grid (`loopbench bench shortrefs`): other tools' signals only 1135,
/// 1800 or 2600 frames long, at 8 and 22.05 kHz, plain and behind the 2 kHz low-pass, at
/// 40 dB, clean and with one step each. A reference this short holds one or two tracking
/// windows, so a step leaves each side a window or less, often half silence: the analyzer's
/// hardest ground (docs/analyzer-history.md, sessions 34–38). The README's table of it is
/// printed by the bench, never typed.
///
/// Each case's seed is its length plus its rate plus its step's index, and every case is at
/// delay 3210.4 frames with a 300-frame tail; `CorpusTests` holds some of them as tests.
public enum ShortReferences {
    /// The one step in a case, placed by the reference's length n.
    public enum Step: Int, CaseIterable, Sendable {
        /// n/3 frames repeated after the first n/2.
        case repeatThirdAfterHalf
        /// n/3 frames of silence after the first n/2.
        case gapThirdAfterHalf
        /// n/4 frames dropped after the first n/2.
        case dropQuarterAfterHalf
        /// n/5 frames repeated after the first n/3.
        case repeatFifthAfterThird
        /// No step: the issue asks every clean case for its latency within 0.05 samples and
        /// no event.
        case clean

        public func edit(frames n: Int) -> CaptureSynth.Edit? {
            switch self {
            case .clean: nil
            case .repeatThirdAfterHalf: .repeat(at: n / 2, frames: n / 3)
            case .gapThirdAfterHalf: .gap(at: n / 2, frames: n / 3)
            case .dropQuarterAfterHalf: .drop(at: n / 2, frames: n / 4)
            case .repeatFifthAfterThird: .repeat(at: n / 3, frames: n / 5)
            }
        }
    }

    public struct Case: Sendable {
        public var family: Corpus.Family
        public var sampleRate: Int
        public var frames: Int
        public var path: Corpus.Path
        public var step: Step

        public init(family: Corpus.Family, sampleRate: Int, frames: Int, path: Corpus.Path = .direct, step: Step) {
            (self.family, self.sampleRate, self.frames, self.path, self.step) = (family, sampleRate, frames, path, step)
        }

        public var seed: UInt64 { UInt64(frames + sampleRate + step.rawValue) }
        public var edit: CaptureSynth.Edit? { step.edit(frames: frames) }
        public var name: String {
            "\(family.rawValue) \(frames) frames \(sampleRate) Hz" + (path == .direct ? "" : " path=\(path.rawValue)") + " \(edit.map { "\($0)" } ?? "clean")"
        }
    }

    public static let families: [Corpus.Family] = [.noisePauses, .speechLike, .musicLike, .multitone, .logSweep, .linearSweep]
    public static let lengths = [1135, 1800, 2600]
    public static let sampleRates = [8000, 22050]
    public static let paths: [Corpus.Path] = [.direct, .lowpass2k]
    public static let delay = 3210.4
    public static let snrDB = 40.0
    public static let tail = 300

    /// A reference frame counts as sound above this share of the peak of the reference
    /// through the case's path (−40 dB, the grid's SNR, which is the capture's noise against
    /// the signal the path plays: below it a frame is as faint as that noise).
    public static let soundShareOfPeak: Float = 0.01

    public static func reference(_ c: Case) -> [Float] {
        Corpus.reference(c.family, sampleRate: c.sampleRate, seconds: Double(c.frames) / Double(c.sampleRate), seed: c.seed)
    }

    /// Every clean case, and every case whose step an analysis can see (``observable(_:)``).
    public static func cases() -> [Case] {
        var out: [Case] = []
        for family in families {
            for fs in sampleRates {
                for n in lengths {
                    for path in paths {
                        for step in Step.allCases {
                            let c = Case(family: family, sampleRate: fs, frames: n, path: path, step: step)
                            if observable(c) { out.append(c) }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Whether an analysis can see the case's step, kind, place and size: the reference holds
    /// sound before the step and after it, within ``placeFrames(_:)`` on either side of it
    /// (a step inside a pause could lie anywhere in it), and a repeat repeats sound (a
    /// repeated silence is a gap in every way a capture can show). Sound as the path plays
    /// it (session 40): the 2 kHz low-pass leaves a linear sweep's top silent, and a step
    /// there (15 cases, at 2.7–8.2 kHz on one side or both) is a step inside a silence; the
    /// capture holds nothing that tells where it lies or how long it is.
    static func observable(_ c: Case) -> Bool {
        let ref = Corpus.apply(c.path, reference(c), sampleRate: c.sampleRate, seed: c.seed)
        let peak = ref.map { abs($0) }.max() ?? 0
        guard peak > 0 else { return false }
        func sound(_ lo: Int, _ hi: Int) -> Bool {
            let r = max(0, lo)..<min(ref.count, max(lo, hi))
            return ref[r].contains { abs($0) > soundShareOfPeak * peak }
        }
        let ms = placeFrames(c.sampleRate)
        guard let edit = c.edit else { return true }
        let at = edit.at
        switch edit {
        case .drop(_, let k): return sound(at - ms, at) && sound(at + k, at + k + ms)
        case .repeat(_, let k): return sound(at - ms, at) && sound(at, at + ms) && sound(at - k, at)
        default: return sound(at - ms, at) && sound(at, at + ms)
        }
    }

    /// The issue's tolerance on an event's place: 1 ms.
    public static func placeFrames(_ sampleRate: Int) -> Int { sampleRate / 1000 }

    public static func build(_ c: Case) -> Corpus.Built {
        let ref = reference(c)
        let r = Corpus.render(reference: ref, edits: c.edit.map { [$0] } ?? [], path: c.path, quirk: .none, delay: delay, driftPPM: 0, snrDB: snrDB,
                              sampleRate: c.sampleRate, seed: c.seed, tail: tail)
        return Corpus.Built(reference: ref, capture: r.capture, latency: delay, truth: r.truth)
    }

    /// How one analysis of a case reads against its truth, worst first among readings that
    /// state a latency.
    public enum Outcome: String, CaseIterable, Sendable {
        /// The latency within ``latencyTarget`` and every event found (kind, place within 1 ms, size).
        case right
        /// No latency: `no-signal` with a reason (an honest answer).
        case refused
        /// A latency more than ``wrongLatency`` off.
        case latencyWrong = "latency more than a frame off"
        /// The latency within a frame, the events not the truth's.
        case eventsWrong = "events wrong"
        /// The events right, the latency within a frame but past ``latencyTarget``.
        case latencyOff = "latency 0.05-1 frame off"
    }

    /// The issue's target for a latency (samples).
    public static let latencyTarget = 0.05
    /// A latency further off than this (samples) is wrong, not merely imprecise.
    public static let wrongLatency = 1.0

    public static func outcome(_ m: LoopMeasurement, _ b: Corpus.Built, sampleRate: Int) -> Outcome {
        guard let l = m.latency else { return .refused }
        let err = abs(l.samples - b.latency)
        if err > wrongLatency { return .latencyWrong }
        if EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: placeFrames(sampleRate), repeatSlack: 0) != nil { return .eventsWrong }
        return err > latencyTarget ? .latencyOff : .right
    }
}
