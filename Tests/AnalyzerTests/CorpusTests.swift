// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import Foundation
import LoopbenchCore
import Testing
import TestSupport

/// Other people's signals (`Corpus`, truth built by `CaptureSynth` and the corpus's own
/// filters, independent of the analyzer). These hold the targets of issue 12 where the
/// analyzer meets them; the whole corpus, shortfalls included, is measured by
/// `loopbench bench corpus` (README, "Other people's signals").
@Suite("Other people's signals")
struct CorpusTests {
    static let all = Corpus.standardCases()

    static func cases(_ f: (Corpus.Case) -> Bool) -> [Corpus.Case] { all.filter(f) }

    static func run(_ c: Corpus.Case) throws -> (LoopMeasurement, Corpus.Built, Corpus.Score) {
        let b = Corpus.build(c)
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.sampleRate, mono: b.reference),
                                     capture: AudioBuffer(sampleRate: c.sampleRate, mono: b.capture))
        return (m, b, Corpus.score(m, c, b))
    }

    static func plain(_ c: Corpus.Case) -> Bool { c.damage == .none && c.path == .direct && c.quirk == .none && c.driftPPM == 0 }

    @Test("a steady tone is ambiguous everywhere: no-signal with the reason, never a latency")
    func steadyTone() throws {
        let tones = Self.cases { $0.family == .steadyTone }
        #expect(tones.count == 2)
        for c in tones {
            let (m, _, _) = try Self.run(c)
            #expect(m.verdict == .noSignal, "\(c.name)")
            #expect(m.latency == nil, "\(c.name)")
            #expect(m.reason != nil, "\(c.name)")
        }
    }

    @Test("a capture of other audio is no signal, now that a weak whole-signal peak is judged on the whitened correlation too: music against other music, speech, noise with pauses and a sweep, and each of those against music")
    func otherAudioIsNoSignal() throws {
        let families: [Corpus.Family] = [.musicLike, .speechLike, .noisePauses, .logSweep]
        for (i, f) in families.enumerated() {
            for (ref, cap) in [(Corpus.reference(.musicLike, sampleRate: 48000, seconds: 2, seed: 11),
                                Corpus.reference(f, sampleRate: 48000, seconds: 2.5, seed: 50 + UInt64(i))),
                               (Corpus.reference(f, sampleRate: 48000, seconds: 2, seed: 70 + UInt64(i)),
                                Corpus.reference(.musicLike, sampleRate: 48000, seconds: 2.5, seed: 12))] {
                let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: 48000, mono: ref), capture: AudioBuffer(sampleRate: 48000, mono: cap))
                #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty, "\(f): \(m.verdict) \(m.latency?.samples ?? .nan) \(m.reason ?? "")")
            }
        }
    }

    @Test("clean sweeps from 20 Hz (with and without fades, 44.1/48 kHz, 1–5 s), multitone, speech- and music-like: within 0.01 samples at 40 dB, no events")
    func clean() throws {
        let families: [Corpus.Family] = [.logSweep, .logSweepFaded, .multitone, .speechLike, .musicLike]
        let cs = Self.cases { families.contains($0.family) && Self.plain($0) && !Self.knownShortfalls.contains($0.name) }
        #expect(cs.count == 14)
        for c in cs {
            let (m, _, s) = try Self.run(c)
            #expect(m.verdict == .clean, "\(c.name): \(EventMatch.describe(m.events))")
            #expect((s.latencyError ?? .infinity) <= 0.01, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("drift of ±20, 300 and 1000 ppm on sweeps from 20 Hz, multitone, speech- and music-like: within 0.5 ppm, latency within 0.05 samples")
    func drift() throws {
        let families: [Corpus.Family] = [.logSweep, .logSweepFaded, .multitone, .speechLike, .musicLike]
        let cs = Self.cases { families.contains($0.family) && $0.driftPPM != 0 && $0.damage == .none }
        #expect(cs.count == 20)
        for c in cs {
            let (m, _, s) = try Self.run(c)
            #expect((s.driftError ?? .infinity) <= 0.5, "\(c.name): drift \(m.driftPPM ?? .nan) ppm")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("drift with a gap (60 ppm in the top half of 4 s, 300 ppm in the top half and −1000 ppm in the bottom half of 2 s) reads within 0.5 ppm, the gap found exactly and nothing else (sweeps from 20 Hz, linear sweep, multitone, noise, speech- and music-like); the linear sweep's read 0 ppm with a false 23279-frame drop and repeat before the stretch search, and then still a false 6-frame repeat while a refined segment's level was lost in a merge")
    func driftWithGap() throws {
        let families: [Corpus.Family] = [.logSweep, .logSweepFaded, .linearSweep, .multitone, .noisePauses, .speechLike, .musicLike]
        let cs = Self.cases { families.contains($0.family) && $0.driftPPM != 0 && $0.damage != .none }
        #expect(cs.count == 21)
        for c in cs {
            let (m, b, s) = try Self.run(c)
            // (Multitone at −1000 ppm: the drift smears its whole-signal correlation and the
            // largest lobe is a negative one; tracked at that polarity every window matched
            // at several delays and the answer was no-signal, until the other polarity was
            // tried. The sweeps' gap low left the latency ~0.25 samples off until the
            // interpolator's phases each summed to 1.)
            #expect(abs((m.driftPPM ?? .infinity) - c.driftPPM) <= 0.5, "\(c.name): drift \(m.driftPPM ?? .nan) ppm")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
            #expect(s.found == 1, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: c.sampleRate / 1000, repeatSlack: 0) == nil, "\(c.name): \(EventMatch.describe(m.events))")
            #expect(s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events))")
        }
    }

    @Test("8-bit PCM: no whole-sample rounding of the latency and no false events (every family but the pulse train)")
    func pcm8() throws {
        let cs = Self.cases { $0.quirk == .pcm8 && $0.damage == .none && $0.family != .pulseTrain }
        #expect(cs.count == 7)
        for c in cs {
            let (m, _, s) = try Self.run(c)
            #expect(m.events.isEmpty, "\(c.name): \(EventMatch.describe(m.events))")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("tanh clipping is the path, not clicks: clean through it (sweeps from 20 Hz, linear sweep, multitone, noise with pauses, speech- and music-like; multitone, noise and music read one false click each at the clipped peaks before)")
    func clipping() throws {
        let families: [Corpus.Family] = [.logSweep, .logSweepFaded, .linearSweep, .multitone, .noisePauses, .speechLike, .musicLike]
        let cs = Self.cases { families.contains($0.family) && $0.path == .clip && $0.damage == .none && !Self.knownShortfalls.contains($0.name) }
        #expect(cs.count == 7)
        for c in cs {
            let (m, _, s) = try Self.run(c)
            #expect(m.events.isEmpty, "\(c.name): \(EventMatch.describe(m.events))")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("a drop behind the clipper in a speech-like signal and in noise with pauses: found, and the clipped peaks no clicks (speech: the curve was fitted on the longest segment's middle second, quiet, none stood out, and two clipped peaks read as clicks of 30 and 13 frames; noise: one sample where the reference dips inside a clipped passage, the model at 0.49 of its peak between 0.87 and 0.98, read as a 1-frame click)")
    func dropBehindClipper() throws {
        let cs = Self.cases { [.speechLike, .noisePauses].contains($0.family) && $0.path == .clip && $0.damage != .none }
        #expect(cs.count == 2)
        for c in cs {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == s.expected && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("a real click behind the clipper, off the clipped passages, is still a click: the curve's leeway near clipped samples leaves it alone (speech- and music-like, noise with pauses)")
    func clickBehindClipperIsFound() throws {
        for (k, f) in [Corpus.Family.speechLike, .musicLike, .noisePauses].enumerated() {
            let fs = 48000
            let played = Corpus.reference(f, sampleRate: fs, seconds: 2, seed: 90 + UInt64(k))
            let through = Corpus.apply(.clip, played, sampleRate: fs, seed: 0)
            let peak = through.map(abs).max() ?? 1
            // A frame in the middle second whose neighbourhood (±8) is well off the clip level.
            let at = try #require((fs / 2..<(3 * fs / 2)).first { i in (i - 8...i + 8).allSatisfy { abs(through[$0]) < 0.3 * peak } && abs(through[i]) > 0.05 * peak })
            var synth = CaptureSynth(reference: through, delay: 1500.25)
            synth.snrDB = 40
            synth.clicks = [.init(frame: at + 1500, amplitude: 0.9)]   // capture frames: the reference frame `at`
            let (cap, truth) = synth.make()
            let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: fs, mono: played), capture: AudioBuffer(sampleRate: fs, mono: cap))
            #expect(EventMatch.mismatch(found: m.events, truth: truth) == nil, "\(f): \(EventMatch.describe(m.events)) truth \(truth)")
        }
    }

    @Test("damage in the low and the high part of sweeps from 20 Hz, speech- and music-like: each found with kind, place within 1 ms and size")
    func damage() throws {
        let families: [Corpus.Family] = [.logSweep, .logSweepFaded, .speechLike, .musicLike]
        let cs = Self.cases { families.contains($0.family) && $0.damage != .none && $0.path == .direct && $0.quirk == .none && $0.driftPPM == 0 }
        #expect(cs.count == 32)
        var found = 0, expected = 0, falseEvents = 0
        for c in cs {
            let (_, _, s) = try Self.run(c)
            found += s.found
            expected += s.expected
            falseEvents += s.falseEvents
        }
        // Measured: see the README's table; this pins the level reached, so it can only get better.
        #expect(found >= Self.damageFoundFloor, "found \(found) of \(expected), \(falseEvents) false events")
        #expect(falseEvents <= Self.damageFalseCeiling, "found \(found) of \(expected), \(falseEvents) false events")
    }

    /// Measured: all 40 events, and no false event (3 when first written; the last, a click
    /// in a music-like signal's soft noise bed, went with the whitened check of the click
    /// scan). 39 until the whole-signal peak was judged on the whitened correlation too: a
    /// music-like signal with a repeat in its high part answered no-signal, its plain peak
    /// only 8.8× above its noise (213× whitened, at the same lag).
    static let damageFoundFloor = 40
    static let damageFalseCeiling = 0

    /// Known shortfalls, left out of the tests above and listed here with what they give
    /// (none now: the 5 s log sweep's click at its 19.8 kHz end and the faded sweep's clicks
    /// through tanh clipping are gone, and both cases are held by the tests above).
    static let knownShortfalls: Set<String> = []

    @Test("a pulse train is tracked period by period: every gap, drop and repeat found with its kind, place and size, at drifts to ±1000 ppm, and the latency within 0.05 samples (0.01 through clipping, where the delay is that at which a memoryless curve explains the capture: against the bare doublet 0.055 clean and 0.064 with a drop); a replaced pulse is a gap and a drop at its place, sized as the pulse with the reason saying so; behind the 2 kHz low-pass too (its blocks match the bare doublet at ρ 0.13, and are located again against the fitted path)")
    func pulseTrain() throws {
        let cs = Self.cases { $0.family == .pulseTrain }
        #expect(cs.count == 33)
        var measured = 0
        for c in cs {
            let (m, b, s) = try Self.run(c)
            guard let e = s.latencyError else { Issue.record("\(c.name): no latency (\(m.reason ?? ""))"); continue }
            measured += 1
            // tanh clipping reshapes the doublet: 0.0001 samples clean and 0.0073 with a drop,
            // at the delay where a curve explains it (StaticCurve.delayShift).
            #expect(e <= (c.path == .clip ? 0.01 : 0.05), "\(c.name): latency error \(e)")
            if c.driftPPM != 0 { #expect((s.driftError ?? .infinity) <= 0.5, "\(c.name): drift \(m.driftPPM ?? .nan)") }
            #expect(s.found == s.expected && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) against \(b.truth)")
            if [.replaceLow, .replaceHigh].contains(c.damage) {
                // The pulse and the silence after it replaced by silence: only the pulse's 2
                // frames are heard missing, and that is the truth (`Corpus.soundExtent`).
                #expect(b.truth.map(\.size) == [2, 2], "\(c.name): truth \(b.truth)")
                #expect(m.reason?.contains("how much of the silence around it went too cannot be heard") == true, "\(c.name)")
            }
        }
        #expect(measured == 33)
    }

    @Test("noise-like signals and the pulse train behind the 2 kHz low-pass (multitone bursts, noise with pauses, speech- and music-like), clean and with a drop: the latency within 0.01 samples, the issue's target for a linear-phase path, the drift within 0.2 ppm and the drop found exactly; the levels are read against the path's colouring without its phase (against the bare reference music read 0.027 samples off clean and 0.017 with the drop; the train's blocks, located again against the path filter, 0.035 clean)")
    func lowPassedToAHundredthOfASample() throws {
        let cs = Self.cases { [.multitone, .noisePauses, .speechLike, .musicLike, .pulseTrain].contains($0.family) && $0.path == .lowpass2k }
        #expect(cs.count == 10)
        for c in cs {
            let (m, b, s) = try Self.run(c)
            // Measured: 0.0010–0.0081 samples, 0.00–0.09 ppm.
            let e = try #require(s.latencyError, "\(c.name): \(m.reason ?? "")")
            #expect(e <= 0.01, "\(c.name): latency error \(e)")
            #expect((s.driftError ?? .infinity) <= 0.2, "\(c.name): drift \(m.driftPPM ?? .nan)")
            #expect(s.found == s.expected && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) against \(b.truth)")
        }
    }

    @Test("sweeps behind the 2 kHz low-pass, which have no drift, read within 0.55 ppm of none (0.6–0.95 ppm while the windows' correlation peaks were refined with a ±32-tap sinc, whose response falls away before Nyquist where the bare reference's correlation with the capture's noise still lies), the linear sweep within 0.1; and every plain case of every family measures its latency within 0.01 samples, the issue's target for a linear-phase path")
    func peaksRefinedToNyquist() throws {
        let cs = Self.cases { [.logSweep, .logSweepFaded, .linearSweep].contains($0.family) && $0.path == .lowpass2k }
        #expect(cs.count == 6)
        var read = 0
        for c in cs {
            let (m, _, s) = try Self.run(c)
            guard let d = s.driftError else { continue }   // the faded sweep with the drop: refused (dropNoWindowCouldSee)
            read += 1
            // Measured: 0.05–0.52 ppm; the linear sweep 0.05–0.06.
            #expect(d <= (c.family == .linearSweep ? 0.1 : 0.55), "\(c.name): drift \(m.driftPPM ?? .nan)")
        }
        #expect(read == 5)
        for c in Self.cases({ Self.plain($0) && $0.family != .steadyTone }) {
            let (m, _, s) = try Self.run(c)
            // Measured: at most 0.0055 samples (the 44.1 kHz pulse train; noise with pauses 0.0047, 0.0094 before).
            let e = try #require(s.latencyError, "\(c.name): \(m.reason ?? "")")
            #expect(e <= 0.01, "\(c.name): latency error \(e)")
        }
    }

    @Test("a pulse train on a plain path at 40 dB, clean and with every damage, at 44.1 and 48 kHz: the latency within 0.01 samples, the issue's target for a linear-phase path (the doublet's correlation holds its energy up to Nyquist, and placed with the tracker's ±32-tap sinc, the blocks read 0.011–0.015 samples off at fractional delays of .25 and .37)")
    func pulseTrainToAHundredthOfASample() throws {
        let cs = Self.cases { $0.family == .pulseTrain && $0.path == .direct && $0.quirk == .none && $0.driftPPM == 0 }
        #expect(cs.count == 10)
        for c in cs {
            let (m, _, s) = try Self.run(c)
            // Measured: 0.0000–0.0071 samples.
            let e = try #require(s.latencyError, "\(c.name): \(m.reason ?? "")")
            #expect(e <= 0.01, "\(c.name): latency error \(e)")
        }
    }

    @Test("noise with pauses: no false clicks from the interpolator's misfit near the Nyquist frequency (plain and drifting: no events; gaps, drops, repeats found exactly)")
    func noisePauses() throws {
        let plainOrDrift = Self.cases { $0.family == .noisePauses && $0.damage == .none && $0.path == .direct && $0.quirk == .none }
        #expect(plainOrDrift.count == 6)
        for c in plainOrDrift {
            let (m, _, s) = try Self.run(c)
            #expect(m.events.isEmpty, "\(c.name): \(EventMatch.describe(m.events))")
            #expect((s.latencyError ?? .infinity) <= 0.01, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
        let damaged = Self.cases { $0.family == .noisePauses && $0.path == .direct && $0.quirk == .none && $0.driftPPM == 0
            && [.gapLow, .gapHigh, .dropLow, .dropHigh, .repeatLow, .repeatHigh].contains($0.damage) }
        #expect(damaged.count == 6)
        for c in damaged {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == s.expected && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
        }
    }

    /// A reference shorter than two tracking windows (noise with pauses, 1135 frames at 8 kHz,
    /// its first burst from frame 400) under hum, 44 dB, with a repeat after its first 567 or
    /// 700 frames: the one window tracked lies at the later delay, and the probe's first
    /// frames at the true one lie where that delay's reference is still silent. Each read
    /// clean, the repeat's size late, until sound before the reference's onset (not only
    /// before its first frame) was searched for the probe's start
    /// (``Explainer/soundBeforeProbe(_:_:)``). Behind the 2 kHz low-pass, which the 33-tap
    /// path filter follows too loosely at 8 kHz to be fitted (a residual of 11 %), the fit's
    /// σ² holds the model's error: the sound there was too faint for the misfit search, and
    /// the 562 inserted frames, a repeat of mostly silence, read as a gap below 4σ²
    /// (``Explainer/isRepeat(t1:t2:seg:fit:sigma2:)`` now bounds the noise by the capture's
    /// quietest stretch too). The fuzz test's case 197.
    static let shortReferenceSteps: [(UInt64, Corpus.Path, CaptureSynth.Edit)] = [
        (1, .direct, .repeat(at: 700, frames: 400)), (1, .direct, .repeat(at: 567, frames: 300)), (3, .direct, .repeat(at: 567, frames: 562)),
        (1, .lowpass2k, .repeat(at: 567, frames: 562)), (2, .lowpass2k, .repeat(at: 700, frames: 400)), (2, .lowpass2k, .repeat(at: 567, frames: 300)),
    ]

    static func shortReference(seed: UInt64, path: Corpus.Path, edit: CaptureSynth.Edit) throws -> (LoopMeasurement, [CaptureSynth.Truth]) {
        let ref = Corpus.reference(.noisePauses, sampleRate: 8000, seconds: 1135.0 / 8000, seed: seed)
        let r = Corpus.render(reference: ref, edits: [edit], path: path, quirk: .hum, delay: 9550.33, driftPPM: 0, snrDB: 44, sampleRate: 8000, seed: seed, tail: 300)
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: 8000, mono: ref), capture: AudioBuffer(sampleRate: 8000, mono: r.capture))
        return (m, r.truth)
    }

    @Test("a repeat in a reference shorter than two tracking windows, its probe's first frames heard before the tracked delay's onset (noise with pauses at 8 kHz, plain and behind the 2 kHz low-pass): the repeat to the frame and the latency within 0.05 samples (each read clean, the repeat's size late)",
          arguments: shortReferenceSteps)
    func stepInAShortReference(seed: UInt64, path: Corpus.Path, edit: CaptureSynth.Edit) throws {
        let (m, truth) = try Self.shortReference(seed: seed, path: path, edit: edit)
        #expect(EventMatch.mismatch(found: m.events, truth: truth) == nil, "\(edit): \(m.verdict) \(EventMatch.describe(m.events)) \(m.reason ?? "")")
        #expect(abs((m.latency?.samples ?? .infinity) - 9550.33) < 0.05, "\(edit): latency \(m.latency?.samples ?? .nan)")
    }

    /// The same reference with a 300-frame drop after its first 567 frames: its one window
    /// tracked the later part at the delay 300 earlier, which explains 268 of its frames, and
    /// it read clean, 300 samples early, with a residual 7.7 dB above the signal. That
    /// residual is 31 dB above the capture's quietest stretch, no noise: it is refused
    /// (``RoundTripAnalysis/refusalAsMisfit(_:)``).
    @Test("a drop in a reference shorter than two tracking windows, explained by one window at the wrong delay with a residual above the signal and far above the capture's noise: no latency, with the reason (it read clean, 300 samples early)",
          arguments: [Corpus.Path.direct, .lowpass2k])
    func misfitShortReference(path: Corpus.Path) throws {
        let (m, _) = try Self.shortReference(seed: 3, path: path, edit: .drop(at: 567, frames: 300))
        #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty, "\(path): \(m.verdict) \(m.latency?.samples ?? .nan) \(EventMatch.describe(m.events))")
        #expect(m.reason?.contains("above the capture's quietest stretch") == true, "\(path): \(m.reason ?? "")")
    }

    /// References shorter than two tracking windows (1135 frames at 8 kHz) with a 378-frame
    /// gap after their first 567, at 40 dB: no window could be tracked, or every one matched
    /// at several delays, and the latency came from the whole-signal correlation alone. Its
    /// peak is the louder half's, and each read clean, the gap's size late. The capture does
    /// not hold the reference's first half at that delay, and holds it at another
    /// (``RoundTripAnalysis/heardAtAnotherDelay(_:_:_:)``).
    static let unplacedGapCases: [(Corpus.Family, Corpus.Path)] = [
        (.noisePauses, .lowpass2k), (.speechLike, .direct), (.speechLike, .lowpass2k), (.multitone, .direct), (.multitone, .lowpass2k),
    ]

    static func unplacedGap(_ family: Corpus.Family, _ path: Corpus.Path, edits: [CaptureSynth.Edit]) throws -> LoopMeasurement {
        let ref = Corpus.reference(family, sampleRate: 8000, seconds: 1135.0 / 8000, seed: 9136)
        let r = Corpus.render(reference: ref, edits: edits, path: path, quirk: .none, delay: 3210.4, driftPPM: 0, snrDB: 40, sampleRate: 8000, seed: 9136, tail: 300)
        return try Analyzer.analyze(reference: AudioBuffer(sampleRate: 8000, mono: ref), capture: AudioBuffer(sampleRate: 8000, mono: r.capture))
    }

    @Test("a gap in a reference shorter than two tracking windows, where the latency comes from the whole-signal correlation alone: the capture holds the first half at another delay than that peak's, so no latency, with the reason (each read clean, the gap's size late); without the gap, the same references are not refused for it",
          arguments: unplacedGapCases)
    func gapUnplacedInAShortReference(family: Corpus.Family, path: Corpus.Path) throws {
        let m = try Self.unplacedGap(family, path, edits: [.gap(at: 567, frames: 378)])
        #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty, "\(family) \(path): \(m.verdict) \((m.latency?.samples ?? .nan) - 3210.4) \(m.reason ?? "")")
        #expect(m.reason?.contains("at delay 3210.") == true, "\(family) \(path): \(m.reason ?? "")")
        let clean = try Self.unplacedGap(family, path, edits: [])
        #expect(clean.reason?.contains("does not hold the reference at that delay") != true, "\(family) \(path): \(clean.reason ?? "")")
        if let l = clean.latency { #expect(abs(l.samples - 3210.4) < 0.05, "\(family) \(path): \(l.samples - 3210.4)") }
    }

    /// Short references (1135–2600 frames) with a gap or a drop halfway, at 40 dB, that read
    /// clean: one segment, at the delay of the part after the step (multitone with a 600-frame
    /// gap read 600 samples late), or at the right delay with the step unseen. A clean capture
    /// is the reference at one delay throughout, and here a block before the step is held
    /// elsewhere, at the delay it has (``RoundTripAnalysis/heldThroughout``). The last two:
    /// noise with pauses with an 866-frame gap read clean 862 samples late, its quiet first
    /// half held loosely on that line (0.47–0.68 against the whole's 0.75) and its blocks' own
    /// peaks lost in the loud half's correlation noise; music-like with a 283-frame drop read
    /// clean 590 samples early, a phrase early, its first blocks put over the silence before
    /// the capture's start (``AnalyzerTuning/anotherDelayAliasEnergyShare``). (A linear
    /// sweep's 600-frame gap in 1800 frames at 22.05 kHz was refused here until session 40;
    /// its gap is found exactly since, `nearNyquistStretchMatchedAtItsPeak`.)
    static let cleanButSteppedCases: [(Corpus.Family, Int, Int, Corpus.Path, CaptureSynth.Edit)] = [
        (.multitone, 8000, 1800, .direct, .gap(at: 900, frames: 600)),
        (.musicLike, 22050, 2600, .direct, .drop(at: 1300, frames: 650)), (.logSweep, 8000, 2600, .direct, .drop(at: 1300, frames: 650)),
        (.noisePauses, 8000, 2600, .lowpass2k, .drop(at: 1300, frames: 650)),
        (.noisePauses, 8000, 2600, .direct, .gap(at: 1300, frames: 866)), (.musicLike, 22050, 1135, .direct, .drop(at: 567, frames: 283)),
    ]

    static func steppedShort(_ family: Corpus.Family, _ fs: Int, _ n: Int, _ path: Corpus.Path, edits: [CaptureSynth.Edit], seed: UInt64) throws -> LoopMeasurement {
        let ref = Corpus.reference(family, sampleRate: fs, seconds: Double(n) / Double(fs), seed: seed)
        let r = Corpus.render(reference: ref, edits: edits, path: path, quirk: .none, delay: 3210.4, driftPPM: 0, snrDB: 40, sampleRate: fs, seed: seed, tail: 300)
        return try Analyzer.analyze(reference: AudioBuffer(sampleRate: fs, mono: ref), capture: AudioBuffer(sampleRate: fs, mono: r.capture))
    }

    @Test("a gap or a drop halfway through a short reference that reads clean at one delay: a block before it is held elsewhere, so no latency, with the reason (multitone read 600 samples late, noise with pauses 862 late, music-like 590 early; the others missed the step); without the step, the same references are not refused for it",
          arguments: cleanButSteppedCases)
    func cleanButStepped(family: Corpus.Family, fs: Int, n: Int, path: Corpus.Path, edit: CaptureSynth.Edit) throws {
        // The grid's seeds: the gap is its second edit, the drop its third.
        let seed: UInt64 = if case .gap = edit { UInt64(n + fs + 1) } else { UInt64(n + fs + 2) }
        let m = try Self.steppedShort(family, fs, n, path, edits: [edit], seed: seed)
        #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty, "\(family) \(edit): \(m.verdict) \((m.latency?.samples ?? .nan) - 3210.4) \(EventMatch.describe(m.events))")
        // (Multitone's first burst, heard before the gap at its own delay, is refused since
        // session 38 one step earlier: it matches the reference as closely at two delays.)
        #expect(m.reason?.contains("the capture reads clean, at one delay; but the capture does not hold the reference at that delay") == true
                || (family == .multitone && m.reason?.contains("match the reference as closely at two delays") == true), "\(family) \(edit): \(m.reason ?? "")")
        let clean = try Self.steppedShort(family, fs, n, path, edits: [], seed: seed)
        #expect(clean.reason?.contains("does not hold the reference at that delay") != true, "\(family): \(clean.reason ?? "")")
        if clean.verdict == .clean { #expect(abs((clean.latency?.samples ?? .infinity) - 3210.4) < 0.05, "\(family): \((clean.latency?.samples ?? .nan) - 3210.4)") }
    }

    /// Short references (2600 frames) with an 866-frame gap halfway, one tracking window on
    /// each side of it, each half silence: the step was read as an 866-frame repeat at the
    /// gap's end (the multitone behind the low-pass was refused, its residual 2.5 dB above the
    /// signal). The frames before a pure repeat are silent where the first segment holds the
    /// reference there: a gap (``Explainer/silenceBeforeRepeat``).
    static let gapReadAsRepeatCases: [(Corpus.Family, Int, Corpus.Path)] = [
        (.logSweep, 8000, .direct), (.logSweep, 22050, .direct), (.linearSweep, 8000, .direct), (.linearSweep, 22050, .direct), (.multitone, 8000, .lowpass2k),
    ]

    @Test("an 866-frame gap halfway through a 2600-frame reference, a window on each side, is a gap, not a repeat at its end: found with its size to the frame and its place within 1 ms, the latency within 0.05 samples",
          arguments: gapReadAsRepeatCases)
    func gapBeforeAStepIsNoRepeat(family: Corpus.Family, fs: Int, path: Corpus.Path) throws {
        let m = try Self.steppedShort(family, fs, 2600, path, edits: [.gap(at: 1300, frames: 866)], seed: UInt64(2600 + fs + 1))
        // The truth: the gap starts at capture frame 3210.4 + 1300, rounded.
        #expect(m.events.count == 1 && m.events.first?.kind == .gap && m.events.first?.sizeSamples == 866, "\(family) \(fs): \(EventMatch.describe(m.events))")
        if let e = m.events.first { #expect(abs(e.captureSample - 4510) <= fs / 1000, "\(family) \(fs): at \(e.captureSample)") }
        #expect(abs((m.latency?.samples ?? .infinity) - 3210.4) < 0.05, "\(family) \(fs): \((m.latency?.samples ?? .nan) - 3210.4)")
    }

    /// A case of the short-reference grid (``ShortReferences``), analysed: the measurement and its truth.
    static func analyzed(_ c: ShortReferences.Case) throws -> (LoopMeasurement, Corpus.Built) {
        let b = ShortReferences.build(c)
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.sampleRate, mono: b.reference), capture: AudioBuffer(sampleRate: c.sampleRate, mono: b.capture))
        return (m, b)
    }

    /// Short references (`loopbench bench shortrefs`) that start with silence, with a repeat
    /// of sound: the capture holds the repeated frames twice, first at the true delay, then at
    /// the delay the repeat's size later, with the rest. Each read clean at the later delay,
    /// the repeat's size late, the first copy left as sound before the probe. (The first case,
    /// a 600-frame gap, was refused as clean at one delay without the reference held there:
    /// ``cleanButStepped(family:fs:n:path:edit:)``, until its first part was found.) At 8 kHz its
    /// match with the reference was judged at whole-frame lags only (0.83-0.86 at 3210.4,
    /// under the 0.9 a match needs), and behind the low-pass it matched at 0.81-0.85, as the
    /// probe's own windows do, nearly (``AnalyzerTuning/loudLeadRhoBelowOwn``).
    static let firstCopyCases: [(Corpus.Family, Int, Corpus.Path, ShortReferences.Step)] = [
        (.speechLike, 1800, .direct, .gapThirdAfterHalf), (.speechLike, 1800, .direct, .repeatThirdAfterHalf), (.speechLike, 1800, .direct, .repeatFifthAfterThird),
        (.speechLike, 1800, .lowpass2k, .repeatThirdAfterHalf), (.speechLike, 2600, .lowpass2k, .repeatFifthAfterThird),
        (.multitone, 1800, .direct, .repeatFifthAfterThird), (.multitone, 2600, .direct, .repeatThirdAfterHalf),
    ]

    @Test("a repeat (or a gap) in a short reference that starts with silence, at 8 kHz: the step found (kind, place within 1 ms, size to the frame), nothing else, and the latency within 0.05 samples (each repeat read clean, the repeat's size late)",
          arguments: firstCopyCases)
    func firstCopyBeforeTheTrackedDelay(family: Corpus.Family, n: Int, path: Corpus.Path, step: ShortReferences.Step) throws {
        let c = ShortReferences.Case(family: family, sampleRate: 8000, frames: n, path: path, step: step)
        let (m, b) = try Self.analyzed(c)
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: 8, repeatSlack: 0) == nil, "\(c.name): \(m.verdict) \(EventMatch.describe(m.events))")
        #expect(abs((m.latency?.samples ?? .infinity) - ShortReferences.delay) < 0.05, "\(c.name): \((m.latency?.samples ?? .nan) - ShortReferences.delay)")
        #expect(ShortReferences.outcome(m, b, sampleRate: 8000) == .right, "\(c.name)")
    }

    /// The same where the first copy matches the reference as closely at two delays (speech's
    /// glottal pulses, multitone's steady bursts): it is as loud as the signal (0.3-2 times
    /// its power), no floor, so the probe's start is at another delay, and which cannot be
    /// told (``AnalyzerTuning/preProbeAmbiguousOfSignal``). Each read clean, the step's size late.
    static let ambiguousFirstCopyCases: [(Corpus.Family, Int, Int, Corpus.Path, ShortReferences.Step)] = [
        (.speechLike, 22050, 2600, .direct, .repeatThirdAfterHalf), (.speechLike, 22050, 2600, .lowpass2k, .repeatThirdAfterHalf),
        (.multitone, 8000, 2600, .direct, .repeatFifthAfterThird), (.multitone, 8000, 2600, .lowpass2k, .repeatFifthAfterThird),
        (.multitone, 22050, 2600, .direct, .gapThirdAfterHalf),
    ]

    @Test("a step in a short reference that starts with silence, its first copy as loud as the signal and matching the reference as closely at two delays: no latency, with the reason (each read clean, the step's size late)",
          arguments: ambiguousFirstCopyCases)
    func ambiguousFirstCopyIsRefused(family: Corpus.Family, fs: Int, n: Int, path: Corpus.Path, step: ShortReferences.Step) throws {
        let c = ShortReferences.Case(family: family, sampleRate: fs, frames: n, path: path, step: step)
        let (m, _) = try Self.analyzed(c)
        #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty, "\(c.name): \(m.verdict) \((m.latency?.samples ?? .nan) - ShortReferences.delay) \(EventMatch.describe(m.events))")
        #expect(m.reason?.contains("match the reference as closely at two delays") == true, "\(c.name): \(m.reason ?? "")")
    }

    /// Short references at 22.05 kHz whose two windows are one good and one stray: the clean
    /// noise with pauses' window before its first burst holds the band-limited burst's faint
    /// pre-ringing and matched the burst's fade-in at 0.67 (the good window 0.99), and read a
    /// false 349-frame repeat, 349 samples early; music-like's window across an 866-frame
    /// repeat matched at two delays at 0.68 and was refused. Each stray window passed against
    /// the median of both windows, its own included; it is now judged against the windows
    /// outside its run that tell delays apart (`Segmenter.dropStrayRuns`).
    static let strayWindowCases: [(Corpus.Family, Corpus.Path, ShortReferences.Step)] = [
        (.noisePauses, .direct, .clean), (.musicLike, .direct, .repeatThirdAfterHalf), (.musicLike, .lowpass2k, .repeatThirdAfterHalf),
    ]

    @Test("a short reference of two windows, one of them a stray match (the pre-ringing before noise's first burst, a window across a repeat in music): read right, the events to the frame and the latency within 0.05 samples (the clean noise read a false 349-frame repeat, 349 samples early; the music was refused)",
          arguments: strayWindowCases)
    func strayWindowInAShortReference(family: Corpus.Family, path: Corpus.Path, step: ShortReferences.Step) throws {
        let c = ShortReferences.Case(family: family, sampleRate: 22050, frames: 2600, path: path, step: step)
        let (m, b) = try Self.analyzed(c)
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: 22, repeatSlack: 0) == nil, "\(c.name): \(m.verdict) \(EventMatch.describe(m.events)) \(m.reason ?? "")")
        #expect(abs((m.latency?.samples ?? .infinity) - ShortReferences.delay) < 0.05, "\(c.name): \((m.latency?.samples ?? .nan) - ShortReferences.delay)")
    }

    /// Short log sweeps behind the 2 kHz low-pass at 8 kHz: the path removes the sweep's top,
    /// the capture is silent there, and each read that silence as the top replaced (a false
    /// replacement of 129-294 frames, or 202 after a repeat): the path's response was not
    /// measured on a segment under 8192 frames, and then its last frames were left out of the
    /// measurement (``PathResponse``).
    static let sweepTopCases: [(Int, ShortReferences.Step)] = [(1135, .clean), (1800, .clean), (2600, .clean), (1800, .repeatThirdAfterHalf), (2600, .gapThirdAfterHalf)]

    /// At 22.05 kHz a 2600-frame sweep's top passes 2.3–4.1 kHz in 244 frames: the stretch
    /// cut out of the model spread its spectrum into the passband, and the prediction through
    /// the measured response there said the capture should hold 7 times what it holds
    /// (``PathResponse/heardPowerThroughTheResponse(of:_:)``). It read a false 371-frame
    /// replacement; the latency stayed as it was then, 0.22 samples off at a stated ±0.26
    /// (0.04 at ±0.26 since session 40: ``Segmenter/unresolvedDrift(_:slopes:)``).
    /// The 1135-frame one's top (2.7–7.7 kHz in 191 frames) was predicted there at −29 dB of
    /// the segment, the response's own estimation error, and heard at −40 (its noise): a
    /// false 292-frame replacement. The path must play the probe there at −10 dB of the
    /// segment or more, as the model must
    /// (``Explainer/silentAgainstThePath(_:_:_:captured:share:_:playedAtLeast:)``).
    @Test("a short log sweep at 22.05 kHz behind the 2 kHz low-pass, clean: no false replacement where the path removes its top (2600 frames read a 371-frame one, 1135 frames a 292-frame one), and the latency within its stated uncertainty or 0.06 samples",
          arguments: [1135, 2600])
    func fastSweepTopRemovedByThePath(n: Int) throws {
        let (m, b) = try Self.analyzed(ShortReferences.Case(family: .logSweep, sampleRate: 22050, frames: n, path: .lowpass2k, step: .clean))
        #expect(m.events.isEmpty, "\(EventMatch.describe(m.events))")
        let err = abs((m.latency?.samples ?? .infinity) - b.latency)
        // The latency is not this fix's and did not move: 1135 frames read 0.0502 samples off
        // with no uncertainty stated (past the issue's 0.05: open), 2600 frames 0.22 at ±0.26
        // (0.04 since session 40). The bound keeps either from getting worse.
        #expect(err <= (m.latencyUncertaintySamples ?? 0) || err < 0.06, "\(err) samples off at ±\(m.latencyUncertaintySamples ?? .nan)")
    }

    /// Short log sweeps at 22.05 kHz whose first frames lie before the first tracked window:
    /// their mean is 14 % of their RMS, the capture is offset from the reference by it where
    /// the reference is heard, and half a cycle of 30–130 Hz matched off its delay
    /// (``StretchCorrelation``, centred).
    static let lowLeadCases: [(Int, Corpus.Path, ShortReferences.Step)] = [
        (1135, .direct, .repeatThirdAfterHalf), (1135, .lowpass2k, .repeatThirdAfterHalf),
        (1135, .direct, .repeatFifthAfterThird), (1135, .lowpass2k, .repeatFifthAfterThird),
        (1800, .lowpass2k, .repeatFifthAfterThird), (2600, .direct, .repeatThirdAfterHalf),
        (2600, .lowpass2k, .repeatThirdAfterHalf), (2600, .lowpass2k, .repeatFifthAfterThird),
    ]

    @Test("a repeat in a short log sweep at 22.05 kHz, its first frames low and offset by the sweep's mean: the latency within 0.05 samples (0.1 for two), or no latency (they read 2.6 samples off, or 0.14-0.46 with no uncertainty stated)",
          arguments: lowLeadCases)
    func firstFramesMatchedWithoutTheMeansOffset(n: Int, path: Corpus.Path, step: ShortReferences.Step) throws {
        let c = ShortReferences.Case(family: .logSweep, sampleRate: 22050, frames: n, path: path, step: step)
        let (m, b) = try Self.analyzed(c)
        guard let l = m.latency else {
            #expect(m.verdict == .noSignal && m.events.isEmpty && m.reason != nil, "\(c.name): \(m.verdict)")
            return
        }
        // The first two read 0.027 and 0.068 samples off (the low-pass one past the issue's
        // 0.05: open); the bound holds them there, 2.6 read before.
        let bound = n == 1135 && step == .repeatThirdAfterHalf ? 0.1 : 0.05
        #expect(abs(l.samples - b.latency) < bound, "\(c.name): \(l.samples - b.latency) samples off")
        // The repeat is placed within 1 ms (its size, which read 2 frames long in the first two
        // cases until session 40: `laterSegmentLevelFromItsFrames`).
        let places = m.events.map(\.captureSample)
        #expect(m.events.count == 1 && m.events[0].kind == .repeat && places.allSatisfy { abs($0 - b.truth[0].captureSample) <= ShortReferences.placeFrames(22050) },
                "\(c.name): \(EventMatch.describe(m.events))")
    }

    @Test("a short log sweep behind the 2 kHz low-pass: the silence where the path removes its top is no replacement; clean read clean and a step found to the frame, the latency within 0.05 samples (each read a false replacement of 129-294 frames)",
          arguments: sweepTopCases)
    func sweepTopRemovedByThePath(n: Int, step: ShortReferences.Step) throws {
        let c = ShortReferences.Case(family: .logSweep, sampleRate: 8000, frames: n, path: .lowpass2k, step: step)
        let (m, b) = try Self.analyzed(c)
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: 8, repeatSlack: 0) == nil, "\(c.name): \(m.verdict) \(EventMatch.describe(m.events))")
        #expect(abs((m.latency?.samples ?? .infinity) - ShortReferences.delay) < 0.05, "\(c.name): \((m.latency?.samples ?? .nan) - ShortReferences.delay)")
    }

    /// Short references (1135 frames at 8 kHz) that start with silence, with a 378-frame
    /// repeat after 567 frames, whose windows could not be tracked or told delays apart: the
    /// latency came from the whole-signal correlation alone, at the later delay (the rest of
    /// the reference is there), and each read clean 378 samples late. The capture holds the
    /// repeated frames' first copy before the reference's onset on that line, at the true
    /// delay (``RoundTripAnalysis/heardBeforeTheOnset(_:_:level:minRho:)``).
    static let heardBeforeCases: [(Corpus.Family, Corpus.Path)] = [(.noisePauses, .direct), (.speechLike, .direct), (.speechLike, .lowpass2k)]

    @Test("a repeat in a short reference read from the whole-signal correlation alone: its first copy lies before the reference's onset at that delay, so no latency, with the reason (each read clean, 378 samples late); without the repeat, the same references are not refused for it",
          arguments: heardBeforeCases)
    func firstCopyBeforeTheWholeSignalOnset(family: Corpus.Family, path: Corpus.Path) throws {
        let (m, _) = try Self.analyzed(ShortReferences.Case(family: family, sampleRate: 8000, frames: 1135, path: path, step: .repeatThirdAfterHalf))
        #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty, "\(family) \(path): \(m.verdict) \((m.latency?.samples ?? .nan) - ShortReferences.delay)")
        #expect(m.reason?.contains("holds the reference's sound before its onset at that delay") == true, "\(family) \(path): \(m.reason ?? "")")
        let (clean, _) = try Self.analyzed(ShortReferences.Case(family: family, sampleRate: 8000, frames: 1135, path: path, step: .clean))
        #expect(clean.reason?.contains("before its onset") != true, "\(family) \(path): \(clean.reason ?? "")")
        if let l = clean.latency { #expect(abs(l.samples - ShortReferences.delay) < 0.05, "\(family) \(path): \(l.samples - ShortReferences.delay)") }
    }

    @Test("a tracked reading clean at one delay, with loud sound before the reference's onset on its line matching the reference at an earlier delay (the first copy before an 866-frame repeat in noise with pauses, 2600 frames at 22.05 kHz behind the 2 kHz low-pass, 187 frames of a burst's fade-in matched at 0.69): no latency, with the reason (it read clean, 866 samples late); the same reference clean, plain and behind the low-pass, is read within 0.05 samples")
    func firstCopyBeforeATrackedCleanLine() throws {
        let c = ShortReferences.Case(family: .noisePauses, sampleRate: 22050, frames: 2600, path: .lowpass2k, step: .repeatThirdAfterHalf)
        let (m, _) = try Self.analyzed(c)
        #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty, "\(m.verdict) \((m.latency?.samples ?? .nan) - ShortReferences.delay)")
        #expect(m.reason?.contains("reads clean, at one delay; but the capture holds the reference's sound before its onset") == true, "\(m.reason ?? "")")
        for path in [Corpus.Path.direct, .lowpass2k] {
            let (clean, _) = try Self.analyzed(ShortReferences.Case(family: .noisePauses, sampleRate: 22050, frames: 2600, path: path, step: .clean))
            #expect(abs((clean.latency?.samples ?? .infinity) - ShortReferences.delay) < 0.05 && clean.events.isEmpty, "\(path): \(clean.reason ?? "")")
        }
    }

    @Test("a clean music-like reference of 1135 frames at 22.05 kHz (a sustained note, period 56 frames), tracked period by period two periods late with a false drop and gap, while the whole-signal peak stood at the truth: read clean, within 0.05 samples (plain and behind the 2 kHz low-pass)",
          arguments: [Corpus.Path.direct, .lowpass2k])
    func periodicTrackOffTheWholePeak(path: Corpus.Path) throws {
        let (m, _) = try Self.analyzed(ShortReferences.Case(family: .musicLike, sampleRate: 22050, frames: 1135, path: path, step: .clean))
        #expect(m.events.isEmpty, "\(path): \(EventMatch.describe(m.events))")
        #expect(abs((m.latency?.samples ?? .infinity) - ShortReferences.delay) < 0.05, "\(path): \((m.latency?.samples ?? .nan) - ShortReferences.delay) \(m.reason ?? "")")
    }

    @Test("the short-reference grid holds a step only where the reference as the path plays it has sound on both sides: a linear sweep's steps in the top the 2 kHz low-pass silences are out (15 cases, they were in), the same steps on the plain path in")
    func gridStepsSeenThroughThePath() {
        let names = Set(ShortReferences.cases().map(\.name))
        var out = 0
        for fs in ShortReferences.sampleRates {
            for n in ShortReferences.lengths {
                for step in ShortReferences.Step.allCases where step != .clean {
                    let filtered = ShortReferences.Case(family: .linearSweep, sampleRate: fs, frames: n, path: .lowpass2k, step: step)
                    let plain = ShortReferences.Case(family: .linearSweep, sampleRate: fs, frames: n, path: .direct, step: step)
                    // The truth's own measure, apart from the grid's rule: the sweep's frequency
                    // where the step's later side starts (it rises linearly from 20 Hz to 0.45 fs).
                    let at = Double(step.edit(frames: n)!.at + (step == .dropQuarterAfterHalf ? n / 4 : 0)) / Double(n)
                    let f = 20 + at * (0.45 * Double(fs) - 20)
                    if !names.contains(filtered.name) {
                        out += 1
                        #expect(f > 2600, "\(filtered.name): left out, its later side at \(Int(f)) Hz")
                        #expect(names.contains(plain.name), "\(plain.name)")
                    }
                }
            }
        }
        #expect(out == 15)
    }

    /// 1135-frame log sweeps with 378 frames repeated halfway: the segment after the repeat
    /// rests on one window that straddles it (ρ 0.49–0.51, σ a frame), 0.53 frames off at 8 kHz
    /// and 1.35 at 22.05 kHz, and the repeat read 379 and 380 frames long. That segment now
    /// takes its level from its own frames once the step is placed, and the step is explained
    /// again (``Explainer/laterLevelsFromTheirFrames(_:_:)``).
    @Test("a later segment resting on one straddling window takes its level from its own frames: a 1135-frame log sweep's repeat sized to the frame, plain and behind the low-pass, at 8 and 22.05 kHz (they read 379 and 380 frames long), and three leads tied to it within 0.01 samples at a stated uncertainty (0.027-0.047 off with none)",
          arguments: [(8000, Corpus.Path.direct), (8000, .lowpass2k), (22050, .direct), (22050, .lowpass2k)])
    func laterSegmentLevelFromItsFrames(rate: Int, path: Corpus.Path) throws {
        let c = ShortReferences.Case(family: .logSweep, sampleRate: rate, frames: 1135, path: path, step: .repeatThirdAfterHalf)
        let (m, b) = try Self.analyzed(c)
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: ShortReferences.placeFrames(rate), repeatSlack: 0) == nil,
                "\(c.name): \(EventMatch.describe(m.events))")
        // The latency was the lead's, 0.047, 0.047, 0.027 and 0.068 samples off with no
        // uncertainty stated. The segment's fit over its frames gives its level's spread, and
        // the first three leads are tied to it across the repeat
        // (``WholeFrameSteps/tiedToExplainedStep(_:step:totalDrift:)``): within 0.002 samples,
        // stating the move. Behind the low-pass at 22.05 kHz the fit's spread is 0.030, past
        // the tie's 0.025, and the lead's 0.068 stands (open); the bound holds it there.
        let err = (m.latency?.samples ?? .infinity) - b.latency
        if rate == 22050 && path == .lowpass2k {
            #expect(abs(err) < 0.07, "\(c.name): \(err)")
        } else {
            #expect(abs(err) < 0.01 && (m.latencyUncertaintySamples ?? 0) >= abs(err), "\(c.name): \(err) at ±\(m.latencyUncertaintySamples ?? .nan)")
        }
    }

    /// 1800-frame linear sweeps with a gap or a drop halfway: the stretch after the step holds
    /// the sweep's top (from 1.8–2.7 kHz to 3.6 kHz at 8 kHz, from 5–7.4 to 9.9 kHz at 22.05 kHz), whose correlation,
    /// sampled at whole lags, sat on the peak's skirts, and a lobe beside it won: three read
    /// clean and were refused, the fourth read its 450-frame drop 447 long
    /// (``StretchCorrelation``, ``AnalyzerTuning/stretchPeakReach``).
    @Test("a stretch whose content lies near Nyquist is matched at its correlation's highest lobe, not the one its best whole lag sits on: a linear sweep's gap or drop halfway found exactly at 8 and 22.05 kHz (three were refused, one drop read 447 frames long)",
          arguments: [(8000, ShortReferences.Step.gapThirdAfterHalf), (8000, .dropQuarterAfterHalf), (22050, .gapThirdAfterHalf), (22050, .dropQuarterAfterHalf)])
    func nearNyquistStretchMatchedAtItsPeak(rate: Int, step: ShortReferences.Step) throws {
        let c = ShortReferences.Case(family: .linearSweep, sampleRate: rate, frames: 1800, step: step)
        let (m, b) = try Self.analyzed(c)
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: ShortReferences.placeFrames(rate), repeatSlack: 0) == nil,
                "\(c.name): \(m.verdict) \(EventMatch.describe(m.events)) \(m.reason ?? "")")
        #expect(abs((m.latency?.samples ?? .infinity) - b.latency) < 0.05, "\(c.name): \((m.latency?.samples ?? .nan) - b.latency)")
    }

    /// Short references at 22.05 kHz with a repeat whose first segment has no standard error
    /// of its own (a lead matched on the probe's first frames, or one window) and whose next
    /// segment is read to 0.025 frames or better: the first is tied to it across the step the
    /// explainer sized (``WholeFrameSteps/tiedToExplainedStep(_:step:totalDrift:)``). They
    /// read 0.51, 0.11 and 0.097 samples off with no uncertainty stated.
    static let explainedStepCases: [(Corpus.Family, Int, Corpus.Path, ShortReferences.Step)] = [
        (.logSweep, 1800, .direct, .repeatFifthAfterThird), (.logSweep, 2600, .direct, .repeatFifthAfterThird),
        (.multitone, 2600, .lowpass2k, .repeatThirdAfterHalf),
    ]

    @Test("a first segment with no error of its own is tied to the next across the step as explained: the latency within 0.05 samples, an uncertainty stated that covers its error, the repeat exact (they read 0.10-0.51 samples off with none stated)",
          arguments: explainedStepCases)
    func firstSegmentTiedAcrossTheExplainedStep(family: Corpus.Family, n: Int, path: Corpus.Path, step: ShortReferences.Step) throws {
        let c = ShortReferences.Case(family: family, sampleRate: 22050, frames: n, path: path, step: step)
        let (m, b) = try Self.analyzed(c)
        let err = (m.latency?.samples ?? .infinity) - b.latency
        #expect(abs(err) < 0.05, "\(c.name): \(err) samples off")
        #expect((m.latencyUncertaintySamples ?? 0) >= abs(err), "\(c.name): \(err) samples off at ±\(m.latencyUncertaintySamples.map { "\($0)" } ?? "none")")
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: ShortReferences.placeFrames(22050), repeatSlack: 0) == nil,
                "\(c.name): \(EventMatch.describe(m.events))")
    }

    /// Short log sweeps whose drift the joint fit could not measure: one pair of windows, one
    /// of them the sweep's first 20–100 Hz (σ about a frame), read a drift of −92 to +223 ppm
    /// at a standard error near 1000 where the capture has none, and the level carried back
    /// along it put the latency 0.08–0.20 samples off
    /// (``Segmenter/unresolvedDrift(_:slopes:)``). The clean 2600-frame one at 22.05 kHz also
    /// had its level from that first window alone, the pair's midpoint for a median leaving
    /// the precise one out (``Segmenter/agreeing(_:drift:)``): 0.15 samples late.
    static let unresolvedDriftCases: [(Int, Int, Corpus.Path, ShortReferences.Step)] = [
        (8000, 2600, .direct, .repeatThirdAfterHalf), (8000, 2600, .lowpass2k, .repeatThirdAfterHalf),
        (22050, 1800, .direct, .clean), (22050, 1800, .lowpass2k, .clean), (22050, 2600, .direct, .clean), (22050, 2600, .lowpass2k, .clean),
    ]

    @Test("a drift a pair of windows reads within two standard errors of none is taken as none, and two windows that agree within their σ both count: the latency within 0.05 samples, no drift reported, the events exact (they read 0.08-0.22 samples off)",
          arguments: unresolvedDriftCases)
    func unresolvedDriftTakenAsNone(rate: Int, n: Int, path: Corpus.Path, step: ShortReferences.Step) throws {
        let c = ShortReferences.Case(family: .logSweep, sampleRate: rate, frames: n, path: path, step: step)
        let (m, b) = try Self.analyzed(c)
        let err = (m.latency?.samples ?? .infinity) - b.latency
        #expect(abs(err) < 0.05, "\(c.name): \(err) samples off")
        #expect(m.driftPPM == nil, "\(c.name): \(m.driftPPM ?? .nan) ppm")
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: ShortReferences.placeFrames(rate), repeatSlack: 0) == nil,
                "\(c.name): \(EventMatch.describe(m.events))")
    }

    /// A held chord whose partials turn nearly whole cycles in 600 frames: a 600-frame repeat
    /// halfway leaves every window reading the first delay, and the reference's last 600
    /// frames are heard after its end on that line, at the later delay. Both read clean
    /// (``RoundTripAnalysis/heardAfterTheEnd(_:_:level:drift:minRho:)``).
    @Test("sound after the reference's end on a clean reading's line that matches the reference at a later delay refuses it: music-like 1800-frame repeats at 22.05 kHz, plain and behind the low-pass (they read clean with the 600-frame repeat unseen)",
          arguments: [Corpus.Path.direct, .lowpass2k])
    func soundAfterTheEndRefusesClean(path: Corpus.Path) throws {
        let c = ShortReferences.Case(family: .musicLike, sampleRate: 22050, frames: 1800, path: path, step: .repeatThirdAfterHalf)
        let (m, b) = try Self.analyzed(c)
        #expect(b.truth.count == 1)
        #expect(m.verdict == .noSignal && m.latency == nil, "\(c.name): \(m.verdict) \(EventMatch.describe(m.events))")
        #expect(m.reason?.contains("after its end") == true, "\(c.name): \(m.reason ?? "no reason")")
    }

    /// A fraction of a cycle of the resonance after the end matched the reference's low band
    /// at 0.81 (``AnalyzerTuning/heardAfterMinCycles``).
    @Test("a resonance's ringing after the reference's end refuses no clean reading: noise with pauses behind the resonant high-pass near 100 Hz stays clean within its uncertainty")
    func ringingAfterTheEndIsNoRepeat() throws {
        let ringing = Self.cases { $0.name == "noise-pauses 48k 2.0s d=3666.25 path=resonant-highpass-100" }
        #expect(ringing.count == 1)
        for r in ringing {
            let (rm, _, score) = try Self.run(r)
            #expect(rm.verdict == .clean && rm.events.isEmpty, "\(r.name): \(rm.verdict) \(rm.reason ?? "")")
            #expect((score.latencyError ?? .infinity) <= (rm.latencyUncertaintySamples ?? 0), "\(r.name): \(score.latencyError ?? .nan) at ±\(rm.latencyUncertaintySamples ?? .nan)")
        }
    }

    /// Speech behind the 2 kHz low-pass at 8 kHz: a plosive 65 frames before the reference's
    /// end leaves a residual burst that the 33-tap path model does not follow, and which the
    /// path's measured response makes of the reference
    /// (``Explainer/heardThroughTheResponse(_:_:_:_:s2:_:)``).
    @Test("a burst the path's measured response makes of the reference is no click: speech behind the low-pass with an 866-frame gap read a false 1-frame click at capture frame 6611; now the gap alone, exactly")
    func colouringBurstIsNoClick() throws {
        let c = ShortReferences.Case(family: .speechLike, sampleRate: 8000, frames: 2600, path: .lowpass2k, step: .gapThirdAfterHalf)
        let (m, b) = try Self.analyzed(c)
        #expect(abs((m.latency?.samples ?? .infinity) - b.latency) < 0.05)
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: ShortReferences.placeFrames(8000), repeatSlack: 0) == nil,
                "\(c.name): \(EventMatch.describe(m.events))")
        #expect(!m.events.contains { $0.kind == .click })
    }

    /// A linear sweep behind the 2 kHz low-pass at 8 kHz: after a 600-frame gap the path
    /// leaves ~100 frames of 1.8–2.1 kHz, lobes 4.2 frames apart, and their match chose a lobe
    /// two periods early beside a higher one (``AnalyzerTuning/stretchRivalMax``).
    @Test("the probe's last frames matched a lobe away from as high a one are refused: a linear sweep behind the low-pass with a 600-frame gap read it 601 frames long with a false 9-frame drop; the same sweep on the plain path keeps its gap, exactly")
    func trailingFramesAmbiguousByALobe() throws {
        let c = ShortReferences.Case(family: .linearSweep, sampleRate: 8000, frames: 1800, path: .lowpass2k, step: .gapThirdAfterHalf)
        let (m, _) = try Self.analyzed(c)
        #expect(m.verdict == .noSignal && m.latency == nil, "\(c.name): \(m.verdict) \(EventMatch.describe(m.events))")
        #expect(m.reason?.contains("last frames") == true, "\(c.name): \(m.reason ?? "no reason")")
        let plain = ShortReferences.Case(family: .linearSweep, sampleRate: 8000, frames: 1800, step: .gapThirdAfterHalf)
        let (pm, pb) = try Self.analyzed(plain)
        #expect(abs((pm.latency?.samples ?? .infinity) - pb.latency) < 0.05)
        #expect(EventMatch.mismatch(found: pm.events, truth: pb.truth, tolerance: ShortReferences.placeFrames(8000), repeatSlack: 0) == nil,
                "\(plain.name): \(EventMatch.describe(pm.events))")
    }

    @Test("mains hum is removed before fitting: no events and within 0.01 samples without damage; a gap under hum found as a gap (multitone, noise, speech, music)")
    func hum() throws {
        let clean = Self.cases { $0.quirk == .hum && $0.damage == .none && $0.family != .pulseTrain }
        #expect(clean.count == 7)
        for c in clean {
            let (m, _, s) = try Self.run(c)
            #expect(m.events.isEmpty, "\(c.name): \(EventMatch.describe(m.events))")
            #expect((s.latencyError ?? .infinity) <= 0.01, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
        let families: [Corpus.Family] = [.multitone, .noisePauses, .speechLike, .musicLike]
        let gaps = Self.cases { $0.quirk == .hum && $0.damage == .gapLow && families.contains($0.family) }
        #expect(gaps.count == 4)
        for c in gaps {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.01, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("a resonant high-pass near 100 Hz under a sweep from 20 Hz: the delay's wander through the resonance is no step and the attenuated first octaves no replacement (the latency was 5.7–19 samples off, with 17120-frame replacements): every sweep measured within 0.01 samples, the drop found, nothing else")
    func resonantHighPassUnderSweeps() throws {
        let cs = Self.cases { [.logSweep, .logSweepFaded].contains($0.family) && $0.path == .highpass100 }
        #expect(cs.count == 4)
        for c in cs {
            let (m, b, s) = try Self.run(c)
            // Measured: 0.0005 and 0.0021 clean, 0.0010 and 0.0000 with the drop. Before the
            // wander's tail (four to six windows settling 0.7 frames off above the resonance)
            // joined the run beyond it, it made a segment of its own: a false 1-frame drop with
            // the latency 0.77 and 0.68 samples off, and the clean faded sweep a false 6-frame
            // repeat at its top. Then, with the drop, the stretch below the resonance, where the
            // 33-tap path filter cannot follow the resonance's gain (the residual 2–5× the
            // signal, on into the first tracked windows), was refused as one the track lost.
            let e = try #require(s.latencyError, "\(c.name): \(m.reason ?? "")")
            #expect(e <= 0.01, "\(c.name): latency error \(e)")
            #expect(s.falseEvents == 0 && s.found == s.expected, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
        }
        // A linear sweep rises into the resonance (2.5× its level) within its first 300 frames:
        // that is no leading replacement (it read one of 170 frames), and the drop is found alone.
        for c in Self.cases({ $0.family == .linearSweep && $0.path == .highpass100 }) {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == s.expected && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("through a room, every family without damage measures within 0.05 samples with no events: the room's tail of held notes pulled the whole-signal peak 1.5 frames late, the tail fitted there kept the windows late, and music read 0.45 samples off, multitone 0.13, until the tail was fitted again where the deconvolved response puts the direct sound")
    func cleanThroughARoom() throws {
        let cs = Self.cases { $0.path == .reverb && $0.damage == .none && $0.quirk == .none && $0.driftPPM == 0 }
        #expect(cs.count == 8)
        for c in cs {
            let (m, b, s) = try Self.run(c)
            // Measured: 0.0005–0.019 samples.
            let e = try #require(s.latencyError, "\(c.name): \(m.reason ?? "")")
            #expect(e <= 0.05, "\(c.name): latency error \(e)")
            #expect(m.events.isEmpty, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
        }
    }

    @Test("a sweep behind a 2 kHz low-pass is heard only below 2 kHz: the verdict names the rest as not heard, to the reference's end, and a drop up there lies inside it (a linear sweep, heard in its first 0.3 s, was called clean over its 2 s with a drop at 1.5 s unseen); every plain case of every family but the pulse train and the tone is heard throughout")
    func unheardStopbandIsNamed() throws {
        let cs = Self.cases { [.logSweep, .logSweepFaded, .linearSweep].contains($0.family) && $0.path == .lowpass2k }
        #expect(cs.count == 6)
        let w = Analyzer.trackingWindow
        for c in cs {
            let (m, b, _) = try Self.run(c)
            if m.verdict == .noSignal { continue }   // the faded sweep with the drop: refused, naming the stretch (dropNoWindowCouldSee)
            let reason = try #require(m.reason, "\(c.name): no note")
            let named = reason.split(separator: " ").first { $0.contains("–") }.map { $0.split(separator: "–").compactMap { Int($0) } } ?? []
            try #require(named.count == 2 && reason.contains("was not heard"), "\(c.name): \(reason)")
            let end = Int(b.latency) + Int(c.seconds * Double(c.sampleRate))
            #expect(abs(named[1] - end) <= w, "\(c.name): the stretch ends at \(named[1]), the reference at \(end)")
            if let t = b.truth.first { #expect((named[0]..<named[1]).contains(t.captureSample), "\(c.name): \(named) misses the drop at \(t.captureSample)") }
        }
        for c in Self.cases({ Self.plain($0) && ![.pulseTrain, .steadyTone].contains($0.family) }) {
            let (m, _, _) = try Self.run(c)
            #expect(m.reason == nil, "\(c.name): \(m.reason ?? "")")
        }
    }

    @Test("a linear sweep with damage in its top part (a drop, plain and behind the resonant high-pass; a gap at 60 ppm over 4 s): the windows after it lock a period off and slope as the period shrinks, and no longer vote on the drift: within 0.1 ppm and 0.005 samples (they read 0.58, 0.22 and 0.14 ppm off, the plain drop's latency 0.028 samples)")
    func lockedWindowsDoNotVoteOnDrift() throws {
        let names = ["linear-sweep 48k 2.0s d=5690.25 damage=drop-high", "linear-sweep 48k 2.0s d=2336.25 path=resonant-highpass-100 damage=drop-high",
                     "linear-sweep 48k 4.0s d=2387.50 damage=gap-high drift=60.0ppm"]
        for name in names {
            let c = try #require(Self.all.first { $0.name == name })
            let (m, b, s) = try Self.run(c)
            // Measured: 0.00–0.01 ppm, 0.0000–0.0010 samples.
            let d = try #require(s.driftError, "\(name): no drift")
            #expect(d <= 0.1, "\(name): drift \(m.driftPPM ?? .nan) ppm")
            #expect((s.latencyError ?? .infinity) <= 0.005, "\(name): latency error \(s.latencyError ?? .nan)")
            #expect(s.found == s.expected && s.falseEvents == 0, "\(name): \(EventMatch.describe(m.events)) truth \(b.truth)")
        }
    }

    @Test("music through a room with a drop in its high part: the drop found exactly and nothing else, within 0.05 samples (its plain whole-signal peak lay 1308 frames off on a look-alike passage, and the capture was refused as windows matched at the wrong delays; whitened, the correlation peaks 325× above its noise at the segments' delay)")
    func musicDropThroughARoom() throws {
        let c = try #require(Self.all.first { $0.name == "music-like 48k 2.0s d=5722.00 path=reverb damage=drop-high" })
        let (m, b, s) = try Self.run(c)
        // Measured: the drop at its place with its size, the latency 0.013 samples off.
        #expect(s.found == 1 && s.expected == 1 && s.falseEvents == 0, "\(EventMatch.describe(m.events)) truth \(b.truth) \(m.reason ?? "")")
        #expect((s.latencyError ?? .infinity) <= 0.05, "latency error \(s.latencyError ?? .nan)")
    }

    @Test("through a 2 kHz low-pass, noise-like signals without drift read none: within 0.5 ppm, clean and with a drop (multitone, noise with pauses, speech- and music-like; against the bare reference their windows scattered with what each held, and multitone with the drop read −4.3 ppm, clean multitone −0.73, music with the drop −1.28)")
    func noDriftThroughLowPass() throws {
        let cs = Self.cases { [.multitone, .noisePauses, .speechLike, .musicLike].contains($0.family) && $0.path == .lowpass2k }
        #expect(cs.count == 8)
        // Measured: 0.02–0.11 ppm, and every drop found.
        try Self.expectNoDrift(cs, latencyWithin: 0.05)
    }

    /// A room whose capture drifts: not in the standard corpus (its room cases have no drift)
    /// but in `Corpus.roomCases()` (`loopbench bench rooms`), built the same way
    /// (`Corpus.build`), truth independent of the analyzer.
    static func driftingRoom(_ family: Corpus.Family, driftPPM: Double, damage: Corpus.Damage = .none, seed: UInt64) -> Corpus.Case {
        Corpus.roomCase(family, driftPPM: driftPPM, damage: damage, seed: seed)
    }

    /// Case `c` is refused: `no-signal` with no latency and no events, its reason saying `phrase`.
    static func expectRefused(_ c: Corpus.Case, because phrase: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (m, _, _) = try run(c)
        #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty,
                "\(c.name) seed \(c.seed): \(m.verdict) \(m.latency?.samples ?? .nan) \(EventMatch.describe(m.events))", sourceLocation: sourceLocation)
        #expect(m.reason?.contains(phrase) == true, "\(c.name) seed \(c.seed): \(m.reason ?? "")", sourceLocation: sourceLocation)
    }

    @Test("through a room whose capture drifts 300 or −1000 ppm, log sweeps, speech and music measure their latency within 0.15 samples with no events: the tail fitted at one delay smeared the direct sound over 29–96 lags into the tail, and a log sweep read 8.7 samples off with 6 false events at 300 ppm and 22 samples off, clean, at −1000 ppm, speech 3.6 samples off with 5 false events, until the tail was fitted on the capture stretched by the whole-signal stretch search's drift")
    func driftingRoom() throws {
        let cs = [Self.driftingRoom(.logSweep, driftPPM: 300, seed: 7), Self.driftingRoom(.logSweep, driftPPM: -1000, seed: 7),
                  Self.driftingRoom(.logSweep, driftPPM: -1000, seed: 3), Self.driftingRoom(.speechLike, driftPPM: 300, seed: 7),
                  Self.driftingRoom(.musicLike, driftPPM: 300, seed: 7), Self.driftingRoom(.musicLike, driftPPM: 300, seed: 3)]
        for c in cs {
            let (m, b, s) = try Self.run(c)
            // Measured: 0.001–0.12 samples, drift within 1.5 ppm.
            let e = try #require(s.latencyError, "\(c.name) seed \(c.seed): \(m.reason ?? "")")
            #expect(e <= 0.15, "\(c.name) seed \(c.seed): latency error \(e)")
            #expect(m.events.isEmpty, "\(c.name) seed \(c.seed): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.driftError ?? .infinity) <= 2, "\(c.name) seed \(c.seed): drift \(m.driftPPM ?? .nan)")
        }
    }

    /// A step of whole played frames is not whole in the frames of the reference stretched by
    /// the drift that the explanation sizes it in: 480 frames dropped at −1000 ppm are 479.52.
    @Test("a drop at 300 or −1000 ppm is sized in played frames exactly: noise with pauses through a room (both rooms) with 480 frames dropped read 479 at −1000 ppm in one, its 479.62 measured frames rounded to 479 before they were turned into 479.48 played ones")
    func dropUnderDriftIsSizedInPlayedFrames() throws {
        for (drift, seed) in [(-1000.0, UInt64(3)), (-1000, 7), (300, 3), (300, 7)] {
            let c = Self.driftingRoom(.noisePauses, driftPPM: drift, damage: .dropHigh, seed: seed)
            let (m, b, _) = try Self.run(c)
            #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: c.sampleRate / 1000, repeatSlack: 0) == nil,
                    "\(c.name) seed \(seed): \(EventMatch.describe(m.events)) truth \(b.truth)")
        }
    }

    @Test("through a room whose capture drifts −20 ppm (1.9 frames over 2 s), log sweeps and music (both rooms) and speech read their drift within 0.5 ppm and their latency within 0.05 samples, with no events: the tail was fitted at one delay and the windows tracked against it read the drift shrunk toward none (a log sweep −14.0 ppm at a stated ±0.28 and its latency 0.53 samples off; music 3.0 and 1.4 ppm off, speech 4.3), until the tail was fitted again at the drift the windows read")
    func driftingRoomReadsItsDriftThroughTheTail() throws {
        for (family, seed) in [(Corpus.Family.logSweep, UInt64(3)), (.logSweep, 7), (.musicLike, 3), (.musicLike, 7), (.speechLike, 7)] {
            let c = Self.driftingRoom(family, driftPPM: -20, seed: seed)
            let (m, b, s) = try Self.run(c)
            // Measured: drift 0.10–0.35 ppm off, latency 0.003–0.023 samples off.
            #expect(m.events.isEmpty, "\(c.name) seed \(seed): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name) seed \(seed): latency error \(s.latencyError ?? .nan)")
            #expect((s.driftError ?? .infinity) <= 0.5, "\(c.name) seed \(seed): drift \(m.driftPPM ?? .nan) ppm ±\(m.driftUncertaintyPPM ?? .nan)")
        }
    }

    @Test("through a room whose capture drifts 3 ppm (0.29 frames over 2 s), a linear sweep, music and speech (the second room) and speech (the first) read their drift within 0.5 ppm with no events: against the tail fitted at one delay they read it 0.61–0.84 ppm short at a stated ±0.10–0.31, until the tail was fitted at the windows' drift from 0.2 frames")
    func slowlyDriftingRoomReadsItsDrift() throws {
        for (family, seed) in [(Corpus.Family.linearSweep, UInt64(3)), (.musicLike, 3), (.speechLike, 3), (.speechLike, 7)] {
            let c = Self.driftingRoom(family, driftPPM: 3, seed: seed)
            let (m, b, s) = try Self.run(c)
            // Measured: drift 0.02–0.11 ppm off, latency 0.002–0.026 samples off.
            #expect(m.events.isEmpty, "\(c.name) seed \(seed): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name) seed \(seed): latency error \(s.latencyError ?? .nan)")
            #expect((s.driftError ?? .infinity) <= 0.5, "\(c.name) seed \(seed): drift \(m.driftPPM ?? .nan) ppm ±\(m.driftUncertaintyPPM ?? .nan)")
        }
    }

    @Test("through a room whose capture drifts 3 ppm, where the windows read too little drift to fit the tail at theirs (a log and a linear sweep in the first room), the drift read short is within twice its stated uncertainty: against the tail fitted at one delay they read 1.69 and 1.54 ppm at a stated ±0.10, until the uncertainty took half the drift read for the shrinkage")
    func oneDelayTailStatesItsShrinkage() throws {
        for family in [Corpus.Family.logSweep, .linearSweep] {
            let c = Self.driftingRoom(family, driftPPM: 3, seed: 7)
            let (m, _, s) = try Self.run(c)
            // Measured: 1.31 and 1.46 ppm off, at ±0.85 and ±0.78.
            let u = try #require(m.driftUncertaintyPPM, "\(c.name): no drift")
            #expect((s.driftError ?? .infinity) <= 2 * u, "\(c.name): drift \(m.driftPPM ?? .nan) ppm, stated uncertainty \(u)")
        }
    }

    @Test("linear sweeps through a room whose capture drifts (−20 and 300 ppm at one room, −1000 at another): no events and the latency within 0.05 samples. The room's misfit as the sweep passed a resonance left a tonal residual of 13–17 frames (flatness 0.014–0.12) that read as a click, until bursts of 13 frames and more were judged by their flatness too, not only those over 32")
    func linearSweepThroughADriftingRoomHasNoClicks() throws {
        for (ppm, seed) in [(-20.0, UInt64(3)), (300, 3), (-1000, 7)] {
            let c = Self.driftingRoom(.linearSweep, driftPPM: ppm, seed: seed)
            let (m, b, s) = try Self.run(c)
            // Measured: 0.007, 0.007 and 0.038 samples, no events.
            #expect(m.events.isEmpty, "\(c.name) seed \(seed): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name) seed \(seed): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("through a room whose capture drifts, with a drop, where the segments hold few of the windows that tell delays apart (under half without a drift, under 0.15 with one), the capture is refused with the reason, never a latency: a log sweep at 300 ppm, no drift measured, made its first segment of 1 of 26 such windows and read the latency 18.9 samples off with 2 false events, speech at −1000 ppm 7 of 50 and 10.7 samples off with 3; speech at 300 ppm, its drift measured, 6 of 53 and 0.58 samples off with 2")
    func looseTrackIsRefused() throws {
        for c in [Self.driftingRoom(.logSweep, driftPPM: 300, damage: .dropHigh, seed: 3), Self.driftingRoom(.speechLike, driftPPM: -1000, damage: .dropHigh, seed: 7),
                  Self.driftingRoom(.speechLike, driftPPM: 300, damage: .dropHigh, seed: 7)] {
            let (m, _, _) = try Self.run(c)
            #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty, "\(c.name): \(m.verdict) \(m.latency?.samples ?? .nan)")
            #expect(m.reason?.contains("windows that tell delays apart") == true, "\(c.name): \(m.reason ?? "")")
        }
    }

    @Test("through a room, with a drop in the high part that makes the whole capture refuse the tail (speech- and music-like at 0, 3 and −20 ppm): the drop found at its place with its size and nothing else, the latency within 0.25 samples and the drift within twice its stated uncertainty. Without a tail the windows scattered a frame or two, and speech read −22 ppm of drift, its latency 0.48 samples off and the drop as 478 frames; music 3.4–3.9 ppm, 0.17–0.19 samples and 482 frames; until the windows were tracked against a tail fitted on the run of segments at the longest one's level")
    func dropThroughARoomWhoseTailWasRefused() throws {
        for family in [Corpus.Family.speechLike, .musicLike] {
            for ppm in [0.0, 3, -20] {
                let c = Self.driftingRoom(family, driftPPM: ppm, damage: .dropHigh, seed: 7)
                let (m, b, s) = try Self.run(c)
                // Measured: latency 0.016–0.22 samples off (music 0.055–0.066), drift 0.03–4.5 ppm off at 0.8–3.4 stated.
                #expect(s.found == 1 && s.expected == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth) \(m.reason ?? "")")
                #expect((s.latencyError ?? .infinity) <= 0.25, "\(c.name): latency error \(s.latencyError ?? .nan)")
                let u = try #require(m.driftUncertaintyPPM, "\(c.name): no drift")
                #expect((s.driftError ?? .infinity) <= 2 * u, "\(c.name): drift \(m.driftPPM ?? .nan) ppm, stated uncertainty \(u)")
            }
        }
    }

    @Test("through a room, a drop explained against direct sound + tail is one drop, not a drop and a gap at one frame: the old stream's tail after the step fits neither side's model, and music-like signals (the second room, at 0 and 3 ppm) read their 480-frame drop as a drop of 586 and a gap of 106, multitone bursts (the first room, at −20 ppm) as 4255 and 3775. A replacement that keeps the delay stays a drop and a gap")
    func tailSpillAtAStepIsNoGap() throws {
        for ppm in [0.0, 3] {
            let c = Self.driftingRoom(.musicLike, driftPPM: ppm, damage: .dropHigh, seed: 3)
            let (m, b, s) = try Self.run(c)
            // Measured: the drop exactly, latency 0.0065 and 0.035 samples off.
            #expect(s.found == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
        // At 300 ppm the same capture is now refused (the windows read 298.3 ppm, the stretch
        // search 322.8: `driftingRoomTheTrackLost`'s rule), where it read one drop placed wrong.
        let multitone = Self.driftingRoom(.multitone, driftPPM: -20, damage: .dropHigh, seed: 7)
        let (mm, mb, ms) = try Self.run(multitone)
        // Measured: one drop of 480, 9 frames from the truth's (20 before the tail was fitted
        // again at the drift the windows read; the drift 0.39 ppm off, then 5.5).
        #expect(mm.events.map(\.kind) == [.drop] && mm.events.allSatisfy { $0.sizeSamples == Corpus.damageFrames } && ms.found == 1,
                "\(multitone.name): \(EventMatch.describe(mm.events)) truth \(mb.truth)")
        let c = Self.driftingRoom(.musicLike, driftPPM: 0, damage: .replaceHigh, seed: 3)
        let (m, _, _) = try Self.run(c)
        // Measured: a drop and a gap of 387 frames each (the truth's 480, placed 93 frames late).
        #expect(m.events.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.drop, .gap], "\(c.name): \(EventMatch.describe(m.events))")
    }

    @Test("through a room, a drop in a log or linear sweep is found exactly, with nothing else and the latency within 0.08 samples (both rooms, 0 and 3 ppm): the tail fitted at one delay was wrong in the band the sweep plays after the drop, the windows there matched at 0.44–0.82 and the capture was refused, until the tail was fitted across the step (the run of windows located as one block, a carrier period either way tried, the step placed from the direct sound)")
    func dropInASweepThroughARoom() throws {
        for seed: UInt64 in [7, 3] {
            for family in [Corpus.Family.logSweep, .linearSweep] {
                for ppm in [0.0, 3] where !(seed == 3 && family == .linearSweep && ppm == 0) {
                    let c = Self.driftingRoom(family, driftPPM: ppm, damage: .dropHigh, seed: seed)
                    let (m, b, s) = try Self.run(c)
                    // Measured: 0.006–0.063 samples off, the drop at its frame (the second room's
                    // linear sweep 37 frames early); the second room's clean linear sweep also reads
                    // a 1-frame click beside the drop, left out here.
                    #expect(s.found == 1 && s.falseEvents == 0, "\(c.name) seed \(seed): \(EventMatch.describe(m.events)) truth \(b.truth) \(m.reason ?? "")")
                    #expect((s.latencyError ?? .infinity) <= 0.08, "\(c.name) seed \(seed): latency error \(s.latencyError ?? .nan)")
                }
            }
        }
    }

    @Test("through a room, the tail fitted again across a drop keeps the step where its first fit placed it: a faded log sweep read its latency 0.120 samples off at a stated ±0.0095 (the refits split the reference where the second segment's windows begin, 1300 frames after the drop, and realigned those frames a drop's length off), and log sweeps in the rooms 0.055 and 0.115 off at ±0.034 and ±0.082")
    func steppedTailKeepsItsStep() throws {
        let faded = try #require(Self.all.first { $0.name == "log-sweep-faded 48k 2.0s d=1931.00 path=reverb damage=drop-high" })
        for c in [faded, Self.driftingRoom(.logSweep, driftPPM: 0, damage: .dropHigh, seed: 7), Self.driftingRoom(.logSweep, driftPPM: 3, damage: .dropHigh, seed: 7)] {
            let (m, b, s) = try Self.run(c)
            // Measured: 0.082 samples off at ±0.046; 0.038 at ±0.053; 0.028 at ±0.126.
            let e = try #require(s.latencyError, "\(c.name): \(m.reason ?? "")")
            let u = try #require(m.latencyUncertaintySamples, "\(c.name): no uncertainty")
            #expect(e <= 2 * u && e <= 0.1, "\(c.name): latency error \(e), stated ±\(u)")
            #expect(s.found == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
        }
    }

    @Test("through a room, a drop just before the signal falls quiet (a word's end before a pause, a burst's end) is placed at its frame under the stepped model, the old stream's tail ringing on after it: speech in the second room at 0 and −20 ppm read it 3769 and 4911 frames late, multitone bursts in the first at −20 ppm 1128 late, and the corpus's speech and multitone rooms 24 and 11 frames off")
    func dropBeforeAPauseThroughARoom() throws {
        let rooms = [Self.driftingRoom(.speechLike, driftPPM: 0, damage: .dropHigh, seed: 3),
                     Self.driftingRoom(.speechLike, driftPPM: -20, damage: .dropHigh, seed: 3),
                     Self.driftingRoom(.multitone, driftPPM: -20, damage: .dropHigh, seed: 7)]
        for c in rooms {
            let (m, b, s) = try Self.run(c)
            // Measured: at the truth's frame (speech) or 20 frames early (multitone), each 480 frames.
            #expect(s.found == 1 && s.falseEvents == 0, "\(c.name) seed \(c.seed): \(EventMatch.describe(m.events)) truth \(b.truth)")
        }
        for c in Self.cases({ $0.path == .reverb && $0.damage == .dropHigh && [.speechLike, .multitone].contains($0.family) }) {
            let (m, b, s) = try Self.run(c)
            // Measured: 1 and 3 frames off (24 and 11 before the stepped model; speech 1 frame
            // off until session 27, when its tail was fitted at the windows' drift and its
            // drift read 0.54 ppm off instead of 0.77). The issue's bound is 1 ms (48 frames).
            #expect(s.found == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            let truth = try #require(b.truth.first), got = try #require(m.events.first)
            #expect(abs(got.captureSample - truth.captureSample) <= 4, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
        }
    }

    @Test("through a room, a single frame past 4σ on the room's tonal misfit is no click (a linear sweep through the second room read one in its clean capture at 3 ppm, and one beside its drop at 0 ppm: flatness 0.009–0.022 over the 33 frames around), while a single-sample click of 0.2 added to that capture is found at its frame")
    func roomMisfitCrestIsNoClick() throws {
        let clean = Self.driftingRoom(.linearSweep, driftPPM: 3, seed: 3)
        let (m, _, _) = try Self.run(clean)
        #expect(m.verdict == .clean && m.events.isEmpty, "\(clean.name): \(EventMatch.describe(m.events))")
        let dropped = Self.driftingRoom(.linearSweep, driftPPM: 0, damage: .dropHigh, seed: 3)
        let (md, bd, sd) = try Self.run(dropped)
        #expect(sd.found == 1 && sd.falseEvents == 0, "\(dropped.name): \(EventMatch.describe(md.events)) truth \(bd.truth)")
        let b = Corpus.build(clean)
        for at in [30000, 50000, 62000] {
            var cap = b.capture
            cap[at] += 0.2
            let mc = try Analyzer.analyze(reference: AudioBuffer(sampleRate: clean.sampleRate, mono: b.reference), capture: AudioBuffer(sampleRate: clean.sampleRate, mono: cap))
            // Measured: each found alone, one frame long, at its frame (a click of 0.1 is missed, as it was before).
            #expect(mc.events.count == 1 && mc.events.first?.kind == .click && mc.events.first?.captureSample == at, "click at \(at): \(EventMatch.describe(mc.events))")
        }
    }

    @Test("a chain of steps where nearly every window cannot tell delays apart is refused, never reported: linear sweeps through either room at 300 ppm with a drop (97 % of their windows ambiguous) read 461 or 492 frames among 6–7 more events of 1–60 frames; their clean captures, with no step, keep their latency, and music-like captures with 90–94 % ambiguous windows keep their one drop")
    func chainOnAmbiguousWindowsIsRefused() throws {
        for seed: UInt64 in [7, 3] {
            try Self.expectRefused(Self.driftingRoom(.linearSweep, driftPPM: 300, damage: .dropHigh, seed: seed), because: "cannot tell delays apart")
            let clean = Self.driftingRoom(.linearSweep, driftPPM: 300, seed: seed)
            let (mc, _, sc) = try Self.run(clean)
            // Measured: 0.0024 and 0.0068 samples off.
            #expect(mc.verdict == .clean && (sc.latencyError ?? .infinity) <= 0.01, "\(clean.name) seed \(seed): \(mc.verdict) \(sc.latencyError ?? .nan)")
        }
        for c in Self.cases({ $0.family == .musicLike && $0.damage == .dropHigh && [.lowpass2k, .highpass100, .reverb].contains($0.path) }) {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth) \(m.reason ?? "")")
        }
    }

    @Test("through a room, multitone's last burst (stationary: 8 tones) matched hundreds of frames off by a few windows is no segment: the drop at 300 ppm is found alone (it read a second drop of 3149 frames), at −1000 ppm no second event is read (a repeat of 1646), and at −20 ppm, where the burst is left unexplained, the capture is refused as at 0 and 3 ppm (it read a drop of 806)")
    func lastSegmentThatDoesNotHoldTheCaptureIsNone() throws {
        let found = Self.driftingRoom(.multitone, driftPPM: 300, damage: .dropHigh, seed: 3)
        let (m, b, s) = try Self.run(found)
        #expect(s.found == 1 && s.falseEvents == 0, "\(found.name): \(EventMatch.describe(m.events)) truth \(b.truth) \(m.reason ?? "")")
        let sized = Self.driftingRoom(.multitone, driftPPM: -1000, damage: .dropHigh, seed: 3)
        let (m2, b2, _) = try Self.run(sized)
        // Measured: one drop, at its frame, sized 479 of 480 (the drift's error over the step).
        #expect(m2.events.count <= 1 && m2.events.allSatisfy { $0.kind == .drop && abs($0.captureSample - b2.truth[0].captureSample) <= 48 },
                "\(sized.name): \(EventMatch.describe(m2.events)) truth \(b2.truth)")
        for ppm in [0.0, 3, -20] {
            try Self.expectRefused(Self.driftingRoom(.multitone, driftPPM: ppm, damage: .dropHigh, seed: 3), because: "the capture does not follow the reference in frames")
        }
        // The rule's other side, in noise (a one-frame step at 10 dB, which the segment before
        // explains nearly as well): `DiscontinuityTests.foundAt10dB`.
    }

    @Test("through a room, segments whose drift is known so loosely that their lines may tilt by more than half a frame over the reference are refused with the reason: a linear sweep at −20 ppm with a drop (±23.5 ppm) read its latency 0.34 samples off and a drop and a gap 10 830 and 19 144 frames late; speech at 3 ppm in both rooms keeps its drop (in the second room it was refused at ±9.5 ppm, 0.45 samples off with its drop as 482 frames, until the tail was fitted again at the drift the windows read)")
    func looseLinesThroughARoomAreRefused() throws {
        try Self.expectRefused(Self.driftingRoom(.linearSweep, driftPPM: -20, damage: .dropHigh, seed: 7), because: "the drift is known only to")
        for seed: UInt64 in [7, 3] {
            let kept = Self.driftingRoom(.speechLike, driftPPM: 3, damage: .dropHigh, seed: seed)
            let (m, b, s) = try Self.run(kept)
            // Measured: the drop at its frame, the latency 0.016 and 0.039 samples off; the
            // second room's drift 0.78 ppm off at a stated 0.82.
            #expect(s.found == 1 && s.falseEvents == 0 && (s.latencyError ?? .infinity) <= 0.05, "\(kept.name) seed \(seed): \(EventMatch.describe(m.events)) truth \(b.truth) \(m.reason ?? "")")
            if seed == 3 {
                let u = try #require(m.driftUncertaintyPPM, "\(kept.name): no drift")
                #expect((s.driftError ?? .infinity) <= 2 * u, "\(kept.name): drift \(m.driftPPM ?? .nan) ppm, stated uncertainty \(u)")
            }
        }
    }

    @Test("through a room whose capture drifts, with a drop, where the windows against the stretched tail do not follow the whole capture's stretch, the capture is refused with the reason, never a latency: speech at −1000 ppm read 1.3 samples off with 5 false events and 382 ppm of drift, music at 300 ppm 0.19 samples off with 2 false events")
    func driftingRoomTheTrackLost() throws {
        for c in [Self.driftingRoom(.speechLike, driftPPM: -1000, damage: .dropHigh, seed: 3), Self.driftingRoom(.musicLike, driftPPM: 300, damage: .dropHigh, seed: 3)] {
            try Self.expectRefused(c, because: "stretched by")
        }
    }

    /// The drift's stated uncertainty (`drift_uncertainty_ppm`) is no promise it cannot keep:
    /// where the fit's own standard error is a thousandth of a ppm (multitone under the pink
    /// floor: 0.001, and 0.022 ppm off) the floor carries it, and through the coloured paths,
    /// whose windows scatter more than their noise, the scaled error does (the log sweep behind
    /// the low-pass with a drop: 0.52 ppm off at 0.16, the tightest). Through the room the
    /// windows of one multitone burst err alike (−0.3 frames, the next burst's +0.02), and
    /// the uncertainty allows for it (``Segmenter/correlatedResiduals(_:)``): 0.82 ppm off at
    /// 0.57, where the standard error alone said 0.24 (3.4 of it).
    @Test("the drift's stated uncertainty covers its error: within 4 of it through the low-pass (clean and with a drop in the top part), under the pink floor and at 20 ppm of drift, and within 2 through the room, where windows err alike; without the 0.1 ppm floor the fit's own standard error claims 22 times too little, without the allowance for neighbours that err alike multitone through the room is 3.4 of it off")
    func driftUncertaintyCoversTheError() throws {
        let cs = Self.cases { c in
            ([.reverb, .lowpass2k].contains(c.path) && [.none, .dropHigh].contains(c.damage) && c.quirk == .none && c.driftPPM == 0)
                || (c.path == .direct && c.damage == .none && (c.quirk == .pinkFloor || c.driftPPM == 20))
        }
        var checked = 0
        for c in cs {
            let (m, _, s) = try Self.run(c)
            guard let err = s.driftError else { continue }
            let u = try #require(m.driftUncertaintyPPM, "\(c.name): a drift without its uncertainty")
            let within = c.path == .reverb ? 2.0 : 4.0
            #expect(err <= within * u, "\(c.name): drift \(err) ppm off, stated uncertainty \(u) ppm")
            checked += 1
        }
        #expect(checked >= 30, "\(checked) of \(cs.count) cases read a drift")
    }

    /// The latency's stated uncertainty (`latency_uncertainty_samples`) covers its error, and
    /// is no wider than the windows make it. Pulse trains and speech under the capture quirks,
    /// and every family behind the low-pass: what moves all the windows alike (hum, a DC
    /// offset, 8-bit steps under a pulse train's few windows: 0.0046–0.0070 samples off where
    /// the windows' scatter said 0.0011–0.0013) the floor carries
    /// (``AnalyzerTuning/latencyUncertaintyFloorSamples``), and the low-pass's windows scatter
    /// more than their noise (the log sweep with a drop in its top part: 0.029 off at ±0.009).
    /// The windows that locked a period off are no measure of the level (the log sweep at 300
    /// ppm with a gap in its top part: ±6.4 samples with them counted, 0.004 off).
    @Test("the latency's stated uncertainty covers its error: within 4 of it under the capture quirks (pulse trains and speech) and behind the low-pass (every family), where without the 0.002-sample floor a pulse train under hum is 6.4 of it off; and it is not widened by windows locked a period off: a log sweep at 300 ppm with a gap in its top part states under 0.05 samples (6.4 with every window counted)")
    func latencyUncertaintyCoversTheError() throws {
        let cs = Self.cases { c in
            (c.path == .direct && c.quirk != .none && [.pulseTrain, .speechLike].contains(c.family)) || (c.path == .lowpass2k && c.family != .steadyTone)
        }
        var checked = 0
        for c in cs {
            let (m, _, s) = try Self.run(c)
            guard let err = s.latencyError else { continue }
            let u = try #require(m.latencyUncertaintySamples, "\(c.name): a latency without its uncertainty")
            #expect(err <= 4 * u, "\(c.name) seed \(c.seed): latency \(err) samples off, stated uncertainty \(u)")
            checked += 1
        }
        #expect(checked >= 30, "\(checked) of \(cs.count) cases read a latency")
        let lockedOff = try #require(Self.cases { $0.family == .logSweep && $0.driftPPM == 300 && $0.damage == .gapHigh && $0.path == .direct && $0.quirk == .none }.first)
        let (m, _, s) = try Self.run(lockedOff)
        let u = try #require(m.latencyUncertaintySamples, "\(lockedOff.name): no uncertainty")
        #expect(u < 0.05 && (s.latencyError ?? .infinity) <= 4 * u, "\(lockedOff.name): latency \(s.latencyError ?? .nan) off, stated uncertainty \(u)")
    }

    /// Through a room where the tail was fitted across the step, the drift is not reported
    /// (`steppedTail`): the level carried back along it may be off by the drift itself. The
    /// linear sweeps at 3 ppm with a drop read their latency 0.063 and 0.053 samples off,
    /// where the windows alone stated ±0.0010.
    @Test("a latency read along a drift that is not reported states that drift's reach: linear sweeps through the rooms at 3 ppm with a drop, 0.053–0.063 samples off, state at least half that (the windows alone said 0.0010)")
    func unreportedDriftWidensTheLatency() throws {
        for seed: UInt64 in [3, 7] {
            let c = Self.driftingRoom(.linearSweep, driftPPM: 3, damage: .dropHigh, seed: seed)
            let (m, _, s) = try Self.run(c)
            #expect(m.driftPPM == nil, "\(c.name) seed \(seed): this case must be one whose drift is not reported")
            let err = try #require(s.latencyError, "\(c.name) seed \(seed): no latency (\(m.reason ?? ""))")
            let u = try #require(m.latencyUncertaintySamples, "\(c.name) seed \(seed): no uncertainty")
            #expect(err <= 2 * u, "\(c.name) seed \(seed): latency \(err) samples off, stated uncertainty \(u)")
        }
    }

    /// Through a room whose tail was fitted, the windows are tracked against the reference with
    /// that tail, and what the tail's model misses moves them all alike, which their scatter
    /// does not show. The path's response deconvolved over the first segment places the
    /// direct sound on its own, and the uncertainty takes in how far it lies from the level
    /// (``RoundTripAnalysis/directSoundOffset``), as it did only for a tail heard and not
    /// fitted until session 57. Before, multitone bursts through the room with a drop in their
    /// top part read 0.060 samples early at ±0.025, speech 0.068 early at ±0.026, and the
    /// drifting room's multitone 0.073, 0.070 and 0.229 off at ±0.033, ±0.035 and ±0.079.
    @Test("through a room whose tail was fitted, the latency's uncertainty takes in where the path's response places the direct sound: five latencies 0.060–0.229 samples off at 2.1–2.9 times their stated uncertainty until session 57 now lie within twice it, which stays under 0.25 samples")
    func fittedTailWidensTheUncertainty() throws {
        let multitone = try #require(Self.cases { $0.family == .multitone && $0.path == .reverb && $0.damage == .dropHigh }.first)
        let cs = [multitone, Self.driftingRoom(.speechLike, driftPPM: 0, seed: 7), Self.driftingRoom(.multitone, driftPPM: -20, seed: 7),
                  Self.driftingRoom(.multitone, driftPPM: 300, seed: 7), Self.driftingRoom(.multitone, driftPPM: 3, seed: 3)]
        for c in cs {
            let (m, _, s) = try Self.run(c)
            let err = try #require(s.latencyError, "\(c.name) seed \(c.seed): no latency (\(m.reason ?? ""))")
            let u = try #require(m.latencyUncertaintySamples, "\(c.name) seed \(c.seed): no uncertainty")
            #expect(err > 0.05 && err <= 2 * u && u < 0.25, "\(c.name) seed \(c.seed): latency \(err) samples off, stated uncertainty \(u)")
        }
    }

    /// Each of `cs` (none with a drift) reads within 0.5 ppm of none, finds its events exactly
    /// and nothing else, and measures its latency within `latencyWithin` samples.
    static func expectNoDrift(_ cs: [Corpus.Case], latencyWithin tolerance: Double) throws {
        for c in cs {
            let (m, b, s) = try Self.run(c)
            let d = try #require(s.driftError, "\(c.name): no drift (\(m.reason ?? ""))")
            #expect(d <= 0.5, "\(c.name): drift \(m.driftPPM ?? .nan) ppm")
            #expect(s.found == s.expected && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= tolerance, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("through the resonant high-pass near 100 Hz, every family but the steady tone reads no drift where there is none: within 0.5 ppm, the latency within 0.02 samples, clean and with a drop found exactly. The resonance leaves most windows of music ambiguous (a match a period later comes close), and the drift was fitted on the few that were not: music with a drop, 4 windows split 3 + 1, read 1.66 ppm and its latency 0.063 samples off; now the ambiguous windows on their segment's level vote too")
    func noDriftThroughResonantHighPass() throws {
        let cs = Self.cases { $0.family != .steadyTone && $0.path == .highpass100 && $0.driftPPM == 0 && $0.quirk == .none }
        #expect(cs.count == 16)
        // Measured: 0.00–0.11 ppm and 0.0000–0.0115 samples.
        try Self.expectNoDrift(cs, latencyWithin: 0.02)
    }

    @Test("480 frames replaced by silence, low and high, in every family but the pulse train: a gap and a drop of exactly 480 at the place, nothing else (at a fractional delay the split alone read 479 frames a frame late); and a 2 kHz low-pass's silent stopband is no replacement")
    func replacements() throws {
        let cs = Self.cases { [.replaceLow, .replaceHigh].contains($0.damage) && $0.family != .pulseTrain }
        #expect(cs.count == 14)
        for c in cs {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == 2 && s.falseEvents == 0 && m.events.allSatisfy { $0.sizeSamples == 480 }, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
        }
        // A drop in the top of a sweep through a 2 kHz low-pass: nothing there to hear, and
        // the model's faint stopband (−14 dB) falling silent is not a replacement (it read one
        // of 256 frames).
        let lowpassed = try #require(Self.cases { $0.family == .logSweep && $0.path == .lowpass2k && $0.damage == .dropHigh }.first)
        let (m, _, _) = try Self.run(lowpassed)
        #expect(!m.events.contains { $0.kind == .gap }, "\(lowpassed.name): \(EventMatch.describe(m.events))")
    }

    /// `frames` of a corpus family's reference at `fs` (seed 1) rendered with `edits` through
    /// `path` and `quirk` (seed 7), and what the analyzer makes of it, with the truth.
    static func rendered(_ family: Corpus.Family, fs: Int, frames: Int, edits: [CaptureSynth.Edit], path: Corpus.Path, quirk: Corpus.Quirk,
                         delay: Double, driftPPM: Double, snrDB: Double, tail: Int) throws -> (LoopMeasurement, [CaptureSynth.Truth]) {
        let ref = Corpus.reference(family, sampleRate: fs, seconds: Double(frames) / Double(fs), seed: 1)
        let (cap, truth) = Corpus.render(reference: ref, edits: edits, path: path, quirk: quirk, delay: delay,
                                         driftPPM: driftPPM, snrDB: snrDB, sampleRate: fs, seed: 7, tail: tail)
        return (try Analyzer.analyze(reference: AudioBuffer(sampleRate: fs, mono: ref), capture: AudioBuffer(sampleRate: fs, mono: cap)), truth)
    }

    @Test("a short sweep from 20 Hz at 8 kHz behind the resonant high-pass, drifting 931 ppm, with a 1392-frame gap 0.3 s in: before the gap only the resonance is loud, two windows long, one of them telling delays apart; the whole-signal peak lies with them, so they are a segment. It was called clean at the delay after the gap, 1393 frames from the truth (the fuzz test's case 270): the latency within 0.05 samples and the gap found to the frame, nothing else")
    func shortRunAtTheWholeSignalPeak() throws {
        let fs = 8000, delay = 3800.28
        let (m, truth) = try Self.rendered(.logSweepFaded, fs: fs, frames: 5468, edits: [.gap(at: 2520, frames: 1392)], path: .highpass100, quirk: .none,
                                           delay: delay, driftPPM: 931.33, snrDB: 38.5, tail: 4000)
        let t = try #require(truth.first)
        let latency = try #require(m.latency?.samples, "\(m.reason ?? "")")
        #expect(abs(latency - delay) <= 0.05, "latency \(latency), truth \(delay)")
        #expect(m.events.count == 1, "\(EventMatch.describe(m.events)) truth \(truth)")
        if let e = m.events.first {
            // The gap's 1392 played frames last 1393.3 at the capture's clock: the size is read there.
            #expect(e.kind == .gap && abs(e.captureSample - t.captureSample) <= fs / 1000 && abs(Double(e.sizeSamples) - Double(t.size) * (1 + 931.33e-6)) <= 0.5,
                    "\(EventMatch.describe(m.events)) truth \(truth)")
        }
    }

    @Test("a latency carried back along a drift its windows cannot fit (two windows make a line and no more) states that drift as its uncertainty: a 0.23 s log sweep at 22.05 kHz behind the 2 kHz low-pass with hum and a drop, its two precise windows 0.55 frames apart, read 537 ppm where there is none and went out 1.16 samples off with no uncertainty (the fuzz test's case 115); it must now state one that covers the error within twice (this rendering: 0.45 samples off at ±0.47)")
    func unfittedDriftWidensTheLatency() throws {
        let delay = 4467.15
        let (m, _) = try Self.rendered(.logSweep, fs: 22050, frames: 5084, edits: [.drop(at: 2765, frames: 993)], path: .lowpass2k, quirk: .hum,
                                       delay: delay, driftPPM: 0, snrDB: 22.6, tail: 3000)
        let latency = try #require(m.latency?.samples, "\(m.reason ?? "")")
        let u = try #require(m.latencyUncertaintySamples, "latency \(latency), truth \(delay), no uncertainty")
        #expect(abs(latency - delay) <= 2 * u && u < 2, "latency \(latency) ± \(u), truth \(delay)")
    }

    @Test("a clean log sweep at 22.05 kHz behind the resonant high-pass with a DC offset (the fuzz test's case 36): no event. The short path filter, fitted where the sweep spends its time, boosted the 9.8–9.9 kHz it barely plays, and the sweep's last 207 frames, captured at the reference's own level, read as replaced by silence (a drop and a gap); a replacement is now one only where the capture is silent against the model before its colouring too")
    func boostedTopIsNoReplacement() throws {
        let c = AnalyzerFuzzTests.make(36)
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.rate, mono: c.reference), capture: AudioBuffer(sampleRate: c.rate, mono: c.capture))
        #expect(m.events.isEmpty, "\(c.label): \(EventMatch.describe(m.events))")
        #expect(abs(try #require(m.latency?.samples) - (c.delay ?? .nan)) <= 0.05, "\(c.label): \(m.latency?.samples ?? .nan)")
    }

    @Test("through a 2 kHz low-pass a multitone burst keeps only its low tones: no replacement (it read as a 9529-frame drop and gap with a click), while 480 frames of a burst replaced by silence behind the same low-pass are still a gap and a drop at the place (490 frames: the filter smears the edges)")
    func lowPassedBurstIsNoReplacement() throws {
        let c = try #require(Self.all.first { $0.name == "multitone-bursts 48k 2.0s d=2827.25 path=lowpass-2k" })
        let (m, _, s) = try Self.run(c)
        #expect(m.verdict == .clean && m.events.isEmpty, "\(EventMatch.describe(m.events))")
        #expect((s.latencyError ?? .infinity) <= 0.05, "latency error \(s.latencyError ?? .nan)")
        // A real replacement there: 480 frames where the low-passed capture is loudest.
        let ref = Corpus.reference(c.family, sampleRate: c.sampleRate, seconds: c.seconds, seed: c.seed)
        let (plain, _) = Corpus.render(reference: ref, edits: [], path: c.path, quirk: c.quirk, delay: c.delay,
                                       driftPPM: 0, snrDB: c.snrDB, sampleRate: c.sampleRate, seed: c.seed, tail: c.sampleRate / 5)
        let d = Int(c.delay)
        let at = try #require(stride(from: 20_000, to: ref.count - 20_000, by: 480).max { p, q in
            let e = { (k: Int) in (k..<(k + 480)).reduce(0.0) { $0 + Double(plain[$1 + d]) * Double(plain[$1 + d]) } }
            return e(p) < e(q)
        })
        let (cap, truth) = Corpus.render(reference: ref, edits: [.replace(at: at, gap: 480, missing: 480)], path: c.path, quirk: c.quirk, delay: c.delay,
                                         driftPPM: 0, snrDB: c.snrDB, sampleRate: c.sampleRate, seed: c.seed, tail: c.sampleRate / 5)
        let r = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.sampleRate, mono: ref), capture: AudioBuffer(sampleRate: c.sampleRate, mono: cap))
        // A gap and a drop of one size at the place (within 1 ms); the size within 16 frames of
        // 480 (490 is read: the filter's 255 taps smear each edge, which the 33-tap path model
        // does not follow), and nothing else.
        let t = try #require(truth.first)
        #expect(r.events.count == 2 && Set(r.events.map(\.kind)) == [.gap, .drop], "at \(at): \(EventMatch.describe(r.events))")
        for e in r.events {
            #expect(abs(e.captureSample - t.captureSample) <= c.sampleRate / 1000 && abs(e.sizeSamples - 480) <= 16, "at \(at): \(EventMatch.describe(r.events)) truth \(truth)")
        }
    }

    @Test("a drop in a sweep's top part through a room, behind a 2 kHz low-pass or a clipper, where every window after it matches at several delays or none: never clean with the drop missed (the log sweeps through the room read clean with the drift 5.8 and 19.9 ppm off, the low-passed one a false 24-frame drop, the linear sweeps clean): the drop found exactly and nothing else, or no-signal naming the stretch from where it happened")
    func dropNoWindowCouldSee() throws {
        let names = ["log-sweep 48k 2.0s d=3928.37 path=reverb damage=drop-high", "log-sweep-faded 48k 2.0s d=1931.00 path=reverb damage=drop-high",
                     "log-sweep-faded 48k 2.0s d=5898.50 path=lowpass-2k damage=drop-high",
                     "linear-sweep 48k 2.0s d=475.25 path=reverb damage=drop-high"]
        for name in names {
            let c = try #require(Self.all.first { $0.name == name })
            let (m, b, s) = try Self.run(c)
            let t = try #require(b.truth.first)
            if m.verdict == .noSignal {
                #expect(m.latency == nil && m.events.isEmpty, "\(name)")
                let reason = m.reason ?? ""
                // The stretch named starts at most two windows (of 1024 frames) after the drop;
                // through the room within two before it, behind the low-pass where the sweep
                // left the passband, six windows (6331 frames) before it, with nothing of the
                // probe heard from there on but what the 33-tap path model cannot follow.
                let named = reason.split(separator: " ").first { $0.contains("–") }.flatMap { Int($0.split(separator: "–")[0]) }
                let before = c.path == .lowpass2k ? 8 * 1024 : 2 * 1024
                #expect(reason.contains("does not follow the reference") && named.map { $0 - t.captureSample <= 2 * 1024 && t.captureSample - $0 <= before } ?? false,
                        "\(name): \(reason)")
            } else {
                #expect(s.found == 1 && s.falseEvents == 0, "\(name): \(EventMatch.describe(m.events)), truth \(b.truth)")
            }
        }
    }

    @Test("a drop in a linear sweep's top part behind the clipper, where every window from 2.4 kHz up matches at several delays: the 22 windows after the drop agree on a delay 480 frames from the 65 before it, and make a segment of their own (only the longest agreeing run between two segments did, the 65, and the capture after the drop was left unheard: no-signal); found exactly and nothing else, the latency within 0.05 samples")
    func agreeingAmbiguousWindowsAfterAStep() throws {
        let c = try #require(Self.all.first { $0.name == "linear-sweep 48k 2.0s d=5022.37 path=tanh-clip damage=drop-high" })
        let (m, b, s) = try Self.run(c)
        #expect(m.verdict == .crackle, "\(m.reason ?? "")")
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: c.sampleRate / 1000, repeatSlack: 0) == nil, "\(EventMatch.describe(m.events)) truth \(b.truth)")
        #expect(s.found == 1 && s.falseEvents == 0, "\(EventMatch.describe(m.events))")
        // Measured: 0.0227 samples (the first segment's level from four unambiguous windows).
        let e = try #require(s.latencyError)
        #expect(e <= 0.05, "latency error \(e)")
    }

    @Test("a drop in pink noise with pauses behind a 2 kHz low-pass: found exactly and nothing else (the last window before a pause matched 141 frames off, between windows that agree, and read as a false 70-frame drop)")
    func loneWindowBeforeAPause() throws {
        let c = try #require(Self.all.first { $0.name == "noise-pauses 48k 2.0s d=3124.00 path=lowpass-2k damage=drop-high" })
        let (m, b, s) = try Self.run(c)
        #expect(EventMatch.mismatch(found: m.events, truth: b.truth, tolerance: c.sampleRate / 1000, repeatSlack: 0) == nil, "\(EventMatch.describe(m.events)) truth \(b.truth)")
        #expect(s.found == 1 && s.falseEvents == 0, "\(EventMatch.describe(m.events))")
        #expect((s.latencyError ?? .infinity) <= 0.05, "latency error \(s.latencyError ?? .nan)")
    }

    @Test("a gap in a sweep's first octaves under mains hum: found exactly and nothing else, the latency within 0.05 samples (log sweeps read 241–243 frames with a false drop, then 0.25 samples off; the faded one 0.95 off and 241 frames once the interpolator's lock on whole lags went, while the whole-lag residual hid the weaker harmonics; the linear sweep a false 1-frame drop and 0.74 off)")
    func gapUnderHumInSweeps() throws {
        let cs = Self.cases { [.logSweep, .logSweepFaded, .linearSweep].contains($0.family) && $0.quirk == .hum && $0.damage == .gapLow }
        #expect(cs.count == 3)
        for c in cs {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("damage in a sweep's first octaves (a gap, drop or repeat; plain, with DC, 8-bit or at −1000 ppm): the latency, from the segment before it, within 0.05 samples (0.21–0.38 off while the interpolator pulled those windows onto whole lags)")
    func lowOctaveLatency() throws {
        let cs = Self.cases {
            [.logSweep, .logSweepFaded].contains($0.family) && [.gapLow, .dropLow, .repeatLow].contains($0.damage)
                && $0.path == .direct && [.none, .dc, .pcm8].contains($0.quirk)
        }
        #expect(cs.count >= 8)
        for c in cs {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("linear sweeps: no events and within 0.01 samples clean (44.1/48 kHz, 1–5 s); damage found with its kind, place and size, in the top half too, where each window matches a period off about as well")
    func linearSweep() throws {
        let clean = Self.cases { $0.family == .linearSweep && Self.plain($0) }
        #expect(clean.count == 4)
        for c in clean {
            let (m, _, s) = try Self.run(c)
            #expect(m.events.isEmpty, "\(c.name): \(EventMatch.describe(m.events))")
            #expect((s.latencyError ?? .infinity) <= 0.01, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
        let damaged = Self.cases { $0.family == .linearSweep && $0.damage != .none && $0.path == .direct && $0.quirk == .none && $0.driftPPM == 0 }
        #expect(damaged.count == 8)
        for c in damaged {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == s.expected, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            // (The gap in the top half brought a false 3-frame repeat while a segment refined
            // from its whole extent fell back to its windows' level when merged.)
            #expect(s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            // (A drop in the top half leaves a drift of 0.6 ppm read where there is none: 0.03 samples at the start.)
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("linear sweeps drifting 300 and 1000 ppm: the drift within 0.5 ppm, the latency within 0.05 samples and no events (the windows slope twice as fast as the drift there and locked periods off: no-signal before the stretch search)")
    func linearSweepDrift() throws {
        let cs = Self.cases { $0.family == .linearSweep && $0.damage == .none && abs($0.driftPPM) >= 300 }
        #expect(cs.count == 2)
        for c in cs {
            let (m, _, s) = try Self.run(c)
            #expect(m.verdict == .clean, "\(c.name): \(m.reason ?? "") \(EventMatch.describe(m.events))")
            #expect((s.driftError ?? .infinity) <= 0.5, "\(c.name): drift \(m.driftPPM ?? .nan) ppm")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("a music-like capture whose track runs back onto a look-alike stretch is never confidently wrong: the latency within 0.05 samples and the gap found, or no-signal with the reason (once 9719 frames off with a false 9719-frame drop)")
    func lookAlikeStart() throws {
        // The corpus's 8-bit music-like case with its gap at reference frame 24400 instead of
        // the standard place (where the same capture is measured right).
        let c = try #require(Self.all.first { $0.name == "music-like 48k 2.0s d=2756.50 quirk=pcm-8bit damage=gap-low" })
        let ref = Corpus.reference(c.family, sampleRate: c.sampleRate, seconds: c.seconds, seed: c.seed)
        let (cap, truth) = Corpus.render(reference: ref, edits: [.gap(at: 24400, frames: 240)], path: c.path, quirk: c.quirk, delay: c.delay,
                                         driftPPM: 0, snrDB: c.snrDB, sampleRate: c.sampleRate, seed: c.seed, tail: c.sampleRate / 5)
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.sampleRate, mono: ref), capture: AudioBuffer(sampleRate: c.sampleRate, mono: cap))
        if let l = m.latency {
            #expect(abs(l.samples - c.delay) <= 0.05, "latency \(l.samples)")
            #expect(EventMatch.mismatch(found: m.events, truth: truth, tolerance: c.sampleRate / 1000, repeatSlack: 0) == nil, "\(EventMatch.describe(m.events))")
        } else {
            #expect(m.verdict == .noSignal && m.reason != nil && m.events.isEmpty && m.driftPPM == nil)
        }
    }

    @Test("the fuzz test's case 277 (white noise through a room, with mains hum, a 2976-frame repeat after its first 3018 frames and a drop): the latency within 0.05 samples, or no-signal with the reason; never the delay after the repeat as the latency (the capture before the track's first segment was left unexamined, its ρ 0.82 through the room under the 0.9 asked, and the latency read 2976 frames off)")
    func repeatBeforeTheFirstWindowThroughARoom() throws {
        let c = AnalyzerFuzzTests.make(277)
        let delay = try #require(c.delay)
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.rate, mono: c.reference), capture: AudioBuffer(sampleRate: c.rate, mono: c.capture))
        if let l = m.latency {
            #expect(abs(l.samples - delay) <= 0.05, "latency \(l.samples), \(EventMatch.describe(m.events))")
        } else {
            #expect(m.verdict == .noSignal && m.events.isEmpty && (m.reason ?? "").contains("holds the reference at delay 0"), "\(m.reason ?? "")")
        }
    }

    @Test("the fuzz test's cases 260, 142 and 237, whose first segment rested on one ambiguous window away from the whole-signal peak: never that window's delay as the latency. 260 is a log sweep through a room under hum with a drop at reference frame 21751 and a gap at 41459, at delay 0: the windows after the drop wandered 2045–2250 frames early, one was precise enough to make the first segment, and the latency read 2074.6 frames off with an invented 8146-frame drop and 10837-frame gap; 142 and 237 are sparse references read 7872 and 4308 frames off. Now each is no-signal naming the first segment, or the whole-signal peak's latency with no events")
    func firstSegmentOnOneAmbiguousWindow() throws {
        for i in [260, 142, 237] {
            let c = AnalyzerFuzzTests.make(i)
            let delay = try #require(c.delay)
            let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.rate, mono: c.reference), capture: AudioBuffer(sampleRate: c.rate, mono: c.capture))
            // Case 260 is refused since session 32 one step earlier, for the stretch its first
            // segment claims but does not explain (frames 0–25600): no latency either way.
            // Case 142 is refused since session 38 one step earlier again: the sound before its
            // first segment matches the reference as closely at two delays.
            #expect((m.reason ?? "").contains("rests on 1 window that cannot tell delays apart") || (m.reason ?? "").contains("does not follow the reference in frames")
                    || (m.reason ?? "").contains("match the reference as closely at two delays"), "case \(i): \(m.reason ?? "")")
            #expect(m.events.isEmpty && m.segments == nil, "case \(i): \(EventMatch.describe(m.events))")
            if let l = m.latency { #expect(abs(l.samples - delay) <= 2, "case \(i): latency \(l.samples), truth \(delay)") }
        }
        // Where the whole-signal peak stands out, it gives the latency (a short log sweep at −3.6 dB SNR, read 8.4 frames off before).
        let c = AnalyzerFuzzTests.make(233)
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.rate, mono: c.reference), capture: AudioBuffer(sampleRate: c.rate, mono: c.capture))
        let l = try #require(m.latency, "\(m.reason ?? "")")
        #expect(abs(l.samples - (c.delay ?? .nan)) <= 0.05 && m.events.isEmpty, "latency \(l.samples), truth \(c.delay ?? .nan)")
    }

    @Test("segments of which no window has another that agrees with it are refused: the fuzz test's cases 231, 155 and 291, sparse references at 8 bits, read 9896, 9.2 and 2364 samples off with 4-6 events (231 was refused since session 38 only for a constant stretch of its capture matching a stretch of its reference's silence at 1.0); case 110, a faded log sweep through a room under hum whose three segments rest on one window each but whose ambiguous windows agree with them, is still read, its gap and repeat found")
    func uncorroboratedSegmentsAreRefused() throws {
        for i in [231, 155, 291] {
            let c = AnalyzerFuzzTests.make(i)
            let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.rate, mono: c.reference), capture: AudioBuffer(sampleRate: c.rate, mono: c.capture))
            #expect(m.verdict == .noSignal && m.latency == nil && m.events.isEmpty, "case \(i): \(m.verdict) \(EventMatch.describe(m.events))")
            #expect((m.reason ?? "").contains("no two tracking windows agree"), "case \(i): \(m.reason ?? "")")
        }
        let c = AnalyzerFuzzTests.make(110)
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: c.rate, mono: c.reference), capture: AudioBuffer(sampleRate: c.rate, mono: c.capture))
        let l = try #require(m.latency, "\(m.reason ?? "")")
        // 0.156 samples off through the room: its misfit, not this rule's.
        #expect(abs(l.samples - (c.delay ?? .nan)) <= 0.2, "latency \(l.samples), truth \(c.delay ?? .nan)")
        #expect(m.events.map(\.kind) == [.gap, .repeat] && m.events.map(\.sizeSamples) == [454, 2644], "\(EventMatch.describe(m.events))")
    }

    @Test("a pink-noise floor (−30 dB) is coloured noise, not clicks: no events and within 0.01 samples without damage (every family but the pulse train); a gap under it found exactly in every family (the log sweep's read 241 frames, sized from the 5 windows after it that the segmenter had left apart, 0.47 frames from the other 67), with the latency within 0.01 samples: the sweeps' first octaves before the gap (20–80 Hz, their windows' level 0.34 and 0.30 samples off at a stated 0.13–0.14) are tied to the nine octaves after it across the gap's whole frames")
    func pinkFloor() throws {
        let clean = Self.cases { $0.quirk == .pinkFloor && $0.damage == .none && $0.family != .pulseTrain }
        #expect(clean.count == 7)
        for c in clean {
            let (m, _, s) = try Self.run(c)
            #expect(m.events.isEmpty, "\(c.name): \(EventMatch.describe(m.events))")
            #expect((s.latencyError ?? .infinity) <= 0.01, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
        let gaps = Self.cases { $0.quirk == .pinkFloor && $0.damage == .gapLow }
        #expect(gaps.count == 8)
        for c in gaps {
            let (m, b, s) = try Self.run(c)
            #expect(s.found == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)) truth \(b.truth)")
            // Measured: the sweeps 0.0015 and 0.0030 (0.34 and 0.30 untied), the rest ≤ 0.0056.
            #expect((s.latencyError ?? .infinity) <= 0.01, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }

    @Test("a click under a pink-noise floor is still a click: found at its frame, one frame long, and nothing else")
    func clickUnderPinkFloor() throws {
        let ref = Corpus.reference(.logSweep, sampleRate: 48000, seconds: 2, seed: 3)
        var (cap, truth) = Corpus.render(reference: ref, edits: [], path: .direct, quirk: .pinkFloor, delay: 1234.37, driftPPM: 0,
                                         snrDB: 40, sampleRate: 48000, seed: 3, tail: 9600)
        #expect(truth.isEmpty)
        // Two clicks, each a single sample: 0.2 is 8 dB under the sweep's peak and 25 dB over the floor's rms.
        for (frame, amplitude) in [(40_000, Float(0.2)), (70_001, Float(-0.2))] { cap[frame] += amplitude }
        let m = try Analyzer.analyze(reference: AudioBuffer(sampleRate: 48000, mono: ref), capture: AudioBuffer(sampleRate: 48000, mono: cap))
        let clicks = [CaptureSynth.Truth(kind: .click, captureSample: 40_000, size: 1), CaptureSynth.Truth(kind: .click, captureSample: 70_001, size: 1)]
        #expect(EventMatch.mismatch(found: m.events, truth: clicks, tolerance: 0, repeatSlack: 0) == nil, "\(EventMatch.describe(m.events))")
    }

    @Test("the crash of issue 12 (an edge searched past the reference's end) and the event at capture_sample −1: no trap, every event inside the capture")
    func noTrap() throws {
        for c in Self.cases({ $0.family == .pulseTrain || $0.family == .noisePauses }) where c.path == .reverb || c.damage == .gapLow {
            let (m, b, _) = try Self.run(c)
            for e in m.events { #expect(e.captureSample >= 0 && e.captureSample < b.capture.count && e.sizeSamples >= 1, "\(c.name): \(e)") }
        }
    }

    @Test("a room's 200 ms tail (mixed 2:1) is the path: clean through it within 0.05 samples and no events (log sweeps from 20 Hz with and without fades, linear sweep, noise with pauses, speech-like); a drop in the top part found with its kind, place and size and nothing else (multitone, noise)")
    func reverbTail() throws {
        let clean = Self.cases { [.logSweep, .logSweepFaded, .linearSweep, .noisePauses, .speechLike].contains($0.family) && $0.path == .reverb && $0.damage == .none }
        #expect(clean.count == 5)
        for c in clean {
            let (m, _, s) = try Self.run(c)
            #expect(m.verdict == .clean, "\(c.name): \(EventMatch.describe(m.events))")
            #expect((s.latencyError ?? .infinity) <= 0.05, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
        let damaged = Self.cases { [.multitone, .noisePauses].contains($0.family) && $0.path == .reverb && $0.damage == .dropHigh }
        #expect(damaged.count == 2)
        for c in damaged {
            let (m, b, s) = try Self.run(c)
            #expect(b.truth.count == 1 && s.found == 1 && s.falseEvents == 0, "\(c.name): \(EventMatch.describe(m.events)), truth \(b.truth)")
            #expect((s.latencyError ?? .infinity) <= 0.1, "\(c.name): latency error \(s.latencyError ?? .nan)")
        }
    }
}
