// SPDX-License-Identifier: GPL-2.0-or-later
import Loops
import LoopbenchCore
@testable import Soak
import Stimulus
import Synth
import Testing
import TestSupport

/// A live stream analyses a period as soon as its own window is in (`SoakStream.eager`)
/// instead of waiting for the next probe: the same events, frame for frame, and how much
/// capture each event needed before it was known.
@Suite("Soak: early analysis on a live stream")
struct SoakEarlyTests {
    /// The live delivery: 50 ms at 48 kHz.
    static let block = 2400

    /// Capture frames an event may need after it before it is known, for a period whose
    /// events move its probe by `moved` frames in all: an event in the separator is explained
    /// with the next probe, a separator (P − L) later at most; a probe where it was predicted is
    /// analysed once it and the window's margin (2·pad) and guard are in (≤ L + 2·pad + guard
    /// after its start); a probe moved off its predicted place is found by a search that
    /// reaches half a period plus a probe past that place (P/2 + L + `moved`); and one delivery.
    /// For the default probe and a small step, 72 000 + 3840 + 64 + 2400 frames (1.63 s); at the
    /// live stream's 0.5 s period, 36 000 + 6304 (0.88 s).
    static func earlyBound(_ probe: PeriodicProbe, moved: Int) -> Int {
        let p = probe.periodFrames, l = probe.probeFrames
        let pad = Int(SoakStream.referencePadShare * Double(p - l))
        return (p - l) + max(l + 2 * pad + SoakStream.neighbourGuard, p / 2 + l + moved) + block
    }

    /// The captures `SoakFastPathTests` compares the fast path on: injected gaps, drops, a
    /// repeat, a replacement, a whole period dropped, a click; a clean run; a silent period,
    /// unrelated audio, a stuck loop. Early and late analysis give the same periods, verdicts
    /// and events; and every event that is not a whole lost period was known within
    /// ``earlyBound(_:)`` frames of where it happened when analysed early.
    @Test func earlyAnalysisFindsTheSameEventsAsWaitingForTheNextProbe() throws {
        let captures = SoakFastPathTests.comparisonCaptures()
        var early = 0, known = 0
        for (name, c) in captures {
            let eager = StreamRun([c], fast: true, eager: true, block: Self.block), late = StreamRun([c], fast: true, block: Self.block)
            let tie = name == "silent period" || name == "unrelated audio" || name == "stuck"
            let worst = StreamRun.compare(eager, late, name, tie: tie)
            #expect(worst <= SoakFastPathTests.analyzerAgreement, "\(name): latencies differ by up to \(worst) frames")
            let (e, k) = Self.checkKnownEarly(eager, late, name)
            early += e
            known += k
        }
        print("early analysis: \(early) outcomes came out sooner; \(known) events known within the bound")
        #expect(early >= 80, "only \(early) periods were analysed early")
        #expect(known >= 8, "only \(known) events were checked")
    }

    /// The card model at QEMU's defaults with stalls (main-loop stalls per 5 s chunk, and at
    /// random over 20 s): early and late analysis agree, and the model's logged stalls are among
    /// the events.
    @Test func cardModelStallsGiveTheSameEventsEarlyOrLate() throws {
        let probe = PeriodicProbe()
        let probes = probe.probes()
        let runs: [(chunk: Int, seconds: Int, settings: [String: String])] =
            [0, 2, 5].map { ($0, 5, SimSoakTests.settings.merging(["seed": String(1 + $0)]) { $1 }) }
            + [(0, 20, ["host.stalls": "0.25/s:40ms", "seed": "5"])]
        var events = 0
        for r in runs {
            let loop = try Loops.make(backend: "sim", settings: r.settings)
            let mono = PeriodicProbe.frames(probes, periodFrames: 48000, start: r.chunk * 5 * 48000, count: r.seconds * 48000)
            let got = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: mono))
            let offset = r.chunk * 5 * 48000
            let eager = StreamRun(got.capture.channels, fast: true, eager: true, block: Self.block, runOffset: offset, firstPeriod: r.chunk * 5)
            let late = StreamRun(got.capture.channels, fast: true, block: Self.block, runOffset: offset, firstPeriod: r.chunk * 5)
            let what = "sim \(r.settings) chunk \(r.chunk)"
            let worst = StreamRun.compare(eager, late, what)
            #expect(worst <= SoakFastPathTests.analyzerAgreement, "\(what): latencies differ by up to \(worst) frames")
            _ = Self.checkKnownEarly(eager, late, what, runOffset: offset)
            events += eager.events.count
        }
        #expect(events >= 4, "the stalls gave only \(events) events")
    }

    /// How many outcomes came out sooner early than late, and how many events (inside a probe,
    /// not a lost period) were checked against ``earlyBound(_:)``.
    static func checkKnownEarly(_ eager: StreamRun, _ late: StreamRun, _ what: String, runOffset: Int = 0) -> (Int, Int) {
        var early = 0, known = 0
        let notFound: Set<String> = ["missing-period", "lost-sync", "stuck"]
        for (i, o) in eager.outcomes.enumerated() {
            #expect(eager.knownAt[i] <= late.knownAt[i], "\(what): period \(o.point.period) came out later early than late")
            if eager.knownAt[i] < late.knownAt[i] { early += 1 }
            // Only periods analysed early: a period that waited (its separator not silent) is as late as ever.
            guard eager.knownAt[i] < late.knownAt[i] else { continue }
            let bound = earlyBound(PeriodicProbe(), moved: o.events.reduce(0) { $0 + $1.sizeSamples })
            for e in o.events where !notFound.contains(e.kind) {
                let after = eager.knownAt[i] - (e.runFrame - runOffset)
                #expect(after <= bound, "\(what): \(e.kind) at \(e.runFrame) known \(after) frames later (bound \(bound))")
                known += 1
            }
        }
        return (early, known)
    }
}
