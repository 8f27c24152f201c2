// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import Foundation
import LoopbenchCore
import Stimulus

/// Analyses one continuous capture of a periodic probe as it arrives, period by period, with
/// bounded memory: the probes, and a history of a few periods of capture.
///
/// Each period's probe is expected where the previous one ended plus a period. It is analysed
/// in a window reaching `margin` into the separators on either side (the analyzer gives its
/// latency, drift and events); when it is not there (a large step, a loss), it is searched for
/// half a period either way, also as the next few probes (whole periods lost). A latency step
/// between two periods is a `gap` or `drop` in the separator, exact in size, placed to within
/// the separator. A period whose probe is not found is `missing-period` (silence, or a later
/// probe in its place), `stuck` (a short loop repeating) or `lost-sync` (anything else).
public final class SoakStream {
    /// What one period gave.
    public struct Outcome: Sendable {
        public var point: PeriodPoint
        public var events: [SoakEvent]
        /// Measured by the clean-period fast path rather than the analyzer.
        public var fast = false
    }

    /// The reference each period is analysed against is its probe with this share of the
    /// separator's silence on either side (as it was played), and the capture window reaches
    /// twice as far into the separators: 0.4 and 0.8 of it. A neighbour's probe stays outside
    /// (0.8 < 1), and padding the reference with its own silence makes a period's analysis
    /// agree with the whole-capture analysis (a bare probe in a wider window was explained
    /// differently near large steps: two invented 252- and 328-frame replacements in a card-model
    /// chunk that the whole capture's analysis and the model's log did not have).
    public static let referencePadShare = 0.4
    /// A latency change between periods below half a frame is not a step: the analyzer's
    /// latency is good to ~0.002 frames and a period's drift estimate to far less than that
    /// over a separator, so half a frame is the smallest step that rounds to a whole frame.
    public static let stepThreshold = 0.5
    /// The clean-period fast path (``CleanPeriod``) takes a period only when its latency is
    /// within a quarter frame of the prediction: half ``stepThreshold``, so a period whose
    /// analyzer latency (which agrees with the fast one to ~0.001 frame) would be a step never
    /// gets there.
    public static let fastStepTolerance = 0.25
    /// History kept behind the oldest frame still needed (for waveform clips around events).
    public let historyFrames: Int

    public let probe: PeriodicProbe
    let probes: [[Float]]
    let energies: [Double]
    let P: Int, L: Int, pad: Int, margin: Int, rate: Int
    /// Frame of the run's timeline where this stream's frame 0 lies (a live stream is placed
    /// once its stimulus has started, before its first period is analysed).
    public internal(set) var runOffset: Int
    /// Global index of this stream's period 0 (which probe it plays).
    public let firstPeriod: Int
    let forcedChannel: Int?

    var buf: [[Float]] = []
    var base = 0
    var end: Int { base + (buf.first?.count ?? 0) }
    /// Stream-local index of the next period to analyse.
    var next = 0
    /// Where the next probe should start (stream frames), when locked.
    var expected: Double?
    /// The latency (frames) the next period should have, once one period was found.
    var predicted: Double?
    var prevProbeEnd: Int?
    /// Where the last period's probe started (stream frames), while the periods run on unbroken.
    var prevStart: Int?
    public private(set) var channelUsed: Int?
    /// Periods this stream plays, when it knows (a live stream goes on capturing after its last
    /// period, and what follows is not a missing period); nil: as many as the capture holds.
    public var periodLimit: Int?
    /// Periods whose probe was found and analysed.
    public private(set) var periodsAnalysed = 0
    /// Of those, the periods the clean-period fast path measured (the rest went to the analyzer).
    public private(set) var periodsFast = 0
    /// Whether clean periods may take the fast path (``CleanPeriod``); off, every period goes
    /// to the analyzer (the tests compare the two).
    public var fastPath = true
    /// The analyzer's answers for windows seen before (deterministic loops only: ``AnalysisMemo``).
    public var memo: AnalysisMemo?
    let clean: CleanPeriod
    /// The last period was found where it was expected and was clean: the next one may take
    /// the fast path. Not after a re-lock, a period with events or one not found.
    var lastClean = false
    /// Periods in a row the fast path refused and the analyzer then found clean. A path the
    /// fast path does not model (the card model's 44.1 kHz linear resampler leaves a residual
    /// only ~12 dB below the probe) refuses every period: after ``fastGiveUp`` such periods it is
    /// tried only once every ``fastRetryPeriods``, so the attempts cost ~1 % instead of ~10 %
    /// of such a soak. Public so a live soak carries it from chunk to chunk.
    public var fastRefusedInARow = 0
    /// Three refusals in a row that the analyzer overruled: not chance (on white noise at 30 dB
    /// about one period in 200 is refused for nothing).
    public static let fastGiveUp = 3
    /// …then one try every 32 periods (half a minute at the default period), so a soak whose
    /// capture turns clean again takes the fast path again soon after.
    public static let fastRetryPeriods = 32
    /// Whether the period in hand was offered to the fast path and refused.
    var fastRefused = false
    /// Periods offered to the fast path (taken or refused).
    public private(set) var fastAttempts = 0

    struct PendingClip { var id: Int; var from: Int; var to: Int }
    var pending: [PendingClip] = []

    public init(probe: PeriodicProbe, probes: [[Float]], runOffset: Int, firstPeriod: Int, channel: Int? = nil, historySeconds: Double = 2) {
        self.probe = probe
        self.probes = probes
        energies = probes.map { $0.reduce(0.0) { $0 + Double($1) * Double($1) } }
        clean = CleanPeriod(probes: probes)
        P = probe.periodFrames
        L = probe.probeFrames
        rate = probe.sampleRate
        let pad = Int(Self.referencePadShare * Double(probe.periodFrames - probe.probeFrames))
        self.pad = pad
        margin = 2 * pad
        self.runOffset = runOffset
        self.firstPeriod = firstPeriod
        forcedChannel = channel
        historyFrames = max(P, Int(historySeconds * Double(probe.sampleRate)))
    }

    /// The stream frames held now.
    public var held: Range<Int> { base..<end }

    /// Appends planar audio and analyses every period that is complete.
    public func append(_ planar: [[Float]]) -> [Outcome] {
        if buf.isEmpty { buf = planar.map { _ in [] } }
        for c in buf.indices where c < planar.count { buf[c].append(contentsOf: planar[c]) }
        var out: [Outcome] = []
        while let o = step(final: false) { out.append(o) }
        trim()
        return out
    }

    /// Analyses what is left once the capture has ended (a period cut off by the end is not analysed).
    public func finish() -> [Outcome] {
        var out: [Outcome] = []
        while let o = step(final: true) { out.append(o) }
        return out
    }

    /// Asks for the capture frames `from ..< to` (stream frames) of the used channel; they are
    /// handed out by ``readyClips(final:)`` once captured.
    public func requestClip(id: Int, from: Int, to: Int) { pending.append(PendingClip(id: id, from: max(0, from), to: to)) }

    /// Clips whose frames are all in (all that is left of them, when `final`).
    public func readyClips(final: Bool = false) -> [(id: Int, from: Int, samples: [[Float]])] {
        var out: [(Int, Int, [[Float]])] = []
        pending.removeAll { c in
            guard c.to <= end || final else { return false }
            let a = max(c.from, base), b = min(c.to, end)
            if b > a { out.append((c.id, a, buf.map { Array($0[(a - base)..<(b - base)]) })) }
            return true
        }
        return out
    }

    func trim() {
        let need = Double(next * P) + (predicted ?? 0) - Double(P / 2 + margin)
        let keepFrom = min(Int(need) - historyFrames, pending.map(\.from).min() ?? Int.max)
        // Compact only when a lot can go, so the copy is amortised.
        guard keepFrom - base > 2 * P else { return }
        let drop = keepFrom - base
        for c in buf.indices { buf[c].removeFirst(drop) }
        base = keepFrom
    }

    func slice(_ ch: Int, _ from: Int, _ to: Int) -> ArraySlice<Float> {
        let a = max(from, base) - base, b = min(to, end) - base
        return b > a ? buf[ch][a..<b] : []
    }

    var searchChannel: Int {
        if let c = channelUsed ?? forcedChannel, c < buf.count { return c }
        // Before the first lock: the channel with the most energy.
        var best = (0, -1.0)
        for (c, x) in buf.enumerated() {
            let e = x.suffix(2 * P).reduce(0.0) { $0 + Double($1) * Double($1) }
            if e > best.1 { best = (c, e) }
        }
        return best.0
    }

    /// Analyse a period as soon as its own window is in, without waiting for the next period's
    /// probe (``nextSearchReach``, 1.25 periods further): a live soak then prints an event about
    /// one probe length after it was captured instead of two periods. Only a period that follows
    /// one found (whose context is the period before it), whose probe is the one expected (where
    /// predicted, or moved by a step), and whose analysis is then kept only when what follows
    /// the probe is the separator's silence (``separatorAfter(_:windowEnd:)``): the probes are
    /// broadband at every instant, so the next probe does not start inside the window, the
    /// window is not bounded by it, and the result is the one the full wait gives. Any other
    /// period (refused, lost, or after a lost one) waits for the full search.
    public var eager = false
    /// The frames after a window count as silent when their mean square is below −40 dB of the
    /// probe's in the capture (a digital loop's separator is exact zeros) or below
    /// ``eagerNoiseFactor`` times the separator's before the probe (a noisy one).
    public static let eagerSilenceRatio = 1e-4
    /// Four times the separator's mean square: 64 frames of Gaussian noise average above that
    /// with a probability of ~1e-20 (χ² with 64 degrees of freedom), while the next probe's
    /// first frames, even 64 frames into its 10 ms fade-in, add tens of times the noise at the
    /// 30 dB of the tests (and more on a real loop).
    public static let eagerNoiseFactor = 4.0
    /// Set while a period is analysed early: ``nextProbeStart(after:from:)`` is nil then.
    var nextNotYetIn = false
    /// The period last tried early: tried once, then it waits for the full search.
    var eagerTried = -1

    /// A period whose early analysis waits for more capture before it can be checked
    /// (``separatorAfter(_:windowEnd:)``): the period, and the frame the capture must reach.
    var eagerWait: (period: Int, until: Int)?

    func eagerReady(_ k: Int, at s: Int) -> Bool {
        guard eager, eagerTried != k, prevStart != nil, prevProbeEnd != nil, s + L + margin + Self.neighbourGuard <= end else { return false }
        if let w = eagerWait, w.period == k { return end >= w.until }
        return true
    }

    /// Whether period `k`'s early analysis was refused (it waits for more capture, or for the
    /// next probe), as opposed to failing the way it fails when not early.
    func eagerRefused(_ k: Int) -> Bool { eagerTried == k || eagerWait?.period == k }

    enum AfterProbe: Equatable { case silent, sound, notYetIn(until: Int) }

    /// What follows the probe, whose end is `probeEnd` (where it started, its length and the
    /// frames its own events inserted or removed), in the ``neighbourGuard`` frames after the
    /// window's end `w1`, or after the probe's end plus the guard when a gap inside the probe
    /// carried its tail past the window: `silent` when only the separator's silence is there,
    /// so the next probe starts after them (broadband at every instant, it would fill them) and
    /// could not have cut the window short; `sound` when something is; `notYetIn` when they are
    /// not captured yet. Silence is measured against the last probe and the separator after it
    /// (``eagerSilenceRatio``, ``eagerNoiseFactor``).
    func separatorAfter(_ probeEnd: Int, windowEnd w1: Int) -> AfterProbe {
        guard let pe = prevProbeEnd, let ps = prevStart else { return .sound }
        let a = max(w1, probeEnd + Self.neighbourGuard), b = a + Self.neighbourGuard
        guard b <= end else { return .notYetIn(until: b) }
        let ch = searchChannel
        func meanSquare(_ x: ArraySlice<Float>) -> Double { x.isEmpty ? 0 : x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count) }
        let probe = meanSquare(slice(ch, ps, pe))
        let separator = meanSquare(slice(ch, pe + Self.neighbourGuard, pe + Self.neighbourGuard + (P - L) / 2))
        let limit = max(Self.eagerSilenceRatio * probe, Self.eagerNoiseFactor * separator)
        return meanSquare(slice(ch, a, b)) <= limit ? .silent : .sound
    }

    /// One period, if enough capture is in; nil to wait for more (or, when final, to stop).
    func step(final: Bool) -> Outcome? {
        let k = next
        if let limit = periodLimit, k >= limit { return nil }
        let nominal = k * P
        if let c = expected {
            let s = Int(c.rounded())
            guard s + L + margin <= end else { return nil }
            if !final && s + nextSearchReach > end {
                // Early, before the next probe is in: only on a live stream, and only if the
                // separator after this probe turns out silent; else wait for the next probe.
                guard eagerReady(k, at: s) else { return nil }
                nextNotYetIn = true
            }
            defer { nextNotYetIn = false }
            if let o = fast(k, expected: c) { return o }
            // Only when the expected probe is there (a cheap correlation): the analyzer is not
            // handed a different probe to explain (a period lost puts the next one here).
            let g = (firstPeriod + k) % probes.count
            if let hit = locate(g, in: slice(searchChannel, s - pad, s + L + pad)),
               hit.score >= PeriodLocator.foundThreshold, abs(hit.lag - pad) <= pad / 2,
               let o = analyse(k, at: s, tight: true, missing: 0) { return o }
            // Refused early: wait. (Not found where expected: searched for, as always.)
            if nextNotYetIn && eagerRefused(k) { return nil }
        }
        // Search half a period either way of where the probe should be.
        let center = Double(nominal) + (predicted ?? Double(P / 2 - margin))
        let reach = P / 2 + min(lostInARow, Self.maxWidening) * P / 2
        let from = Int(center) - reach, to = Int(center) + reach + L
        guard to <= end else { return nil }
        let ch = searchChannel
        let region = slice(ch, from, to)
        let regionStart = max(from, base)
        // Up to `distinct − 2` whole periods lost; `distinct − 1` later is the previous period's
        // own probe (the probes take turns), which a search half a period wide can reach.
        for j in 0..<max(1, probe.distinct - 1) {
            let g = firstPeriod + k + j
            guard let hit = locate(g, in: region),
                  hit.score >= PeriodLocator.foundThreshold else { continue }
            let s = regionStart + hit.lag
            if s + L + margin > end { return nil }
            if !final && s + nextSearchReach > end {
                // Early (``eager``) only for the probe expected, found moved by a step; else
                // (or when its analysis fails) the full wait and search, as always.
                guard j == 0, eagerReady(k, at: s) else { return nil }
                nextNotYetIn = true
                defer { nextNotYetIn = false }
                if let o = analyse(k, at: s, tight: false, missing: 0) { return o }
                if !eagerRefused(k) { eagerTried = k }
                return nil
            }
            if let o = analyse(k, at: s, tight: false, missing: j) { return o }
        }
        return notFound(k, center: center)
    }

    /// Periods in a row whose probe was not found. Each widens the next search by half a
    /// period either way (up to ``maxWidening`` times): a latency that jumped by more than half
    /// a period in one go (a long stall on a loop that keeps running) is out of the usual
    /// search's reach for good, since the search follows the last latency; a drop is caught
    /// anyway as later probes (`missing-period`), but a rise was not (a live PulseAudio stream
    /// whose latency rose 0.27 s at a 0.5 s period lost sync for the rest of the run).
    var lostInARow = 0
    /// Three widenings: the search then reaches two periods either way, its whole stretch five
    /// periods, less than the eight after which a probe comes round again, so the probe found
    /// is still the one looked for.
    static let maxWidening = 3

    /// Frames kept between an analysis window and a neighbouring probe: 64 frames (1.3 ms at
    /// 48 kHz), more than the analyzer's interpolator reaches (32 taps either side).
    static let neighbourGuard = 64

    /// How far past a probe's start the next probe is looked for: a period and a quarter plus the probe.
    var nextSearchReach: Int { P + P / 4 + L }

    /// Where probe `k + 1` starts, when it is within a quarter period of where it should be
    /// (or earlier, down to the end of probe `k`'s first three quarters).
    func nextProbeStart(after k: Int, from s: Int) -> Int? {
        if nextNotYetIn { return nil }
        let g = (firstPeriod + k + 1) % probes.count
        let lo = s + 3 * L / 4, hi = s + P + P / 4 + L
        guard let hit = locate(g, in: slice(searchChannel, lo, hi)),
              hit.score >= PeriodLocator.foundThreshold else { return nil }
        return max(lo, base) + hit.lag
    }

    /// The events of the capture window `w0 ..< w1` when period `g` (its probe at `start`) is
    /// analysed together with the period before it (or, after a break, the one after it): the
    /// analyzer is surer of a step with a second of context on one side. On a card-model chunk
    /// the one-period analysis invented two 352-frame replacements next to a 2049/2082-frame
    /// stall and sized the stall 5 frames too large; with either neighbour it gave exactly the
    /// whole capture's (and the model's) events. With them, where that analysis first hears the
    /// probe (``firstHeard(_:origin:probeAt:start:)``). Nil when no neighbour is at hand.
    func withContext(_ g: Int, start: Double, w0: Int, w1: Int, missing: Int) -> (events: [Found], heard: Int?)? {
        let sep = [Float](repeating: 0, count: P - L)
        let zeros = [Float](repeating: 0, count: pad)
        let s = Int(start.rounded())
        let refFrames: [Float], key: [Int], c0: Int, c1: Int, probeAt: Int
        if missing == 0, let ps = prevStart, ps - 2 * pad >= base {
            refFrames = zeros + probes[(g - 1) % probes.count] + sep + probes[g % probes.count] + zeros
            key = [1, (g - 1) % probes.count, g % probes.count]
            c0 = ps - 2 * pad
            c1 = min(end, s + L + 2 * pad)
            probeAt = pad + P
        } else if let ns = nextProbeStart(after: g - firstPeriod, from: s), ns + L + 2 * pad <= end, s - 2 * pad >= base {
            refFrames = zeros + probes[g % probes.count] + sep + probes[(g + 1) % probes.count] + zeros
            key = [2, g % probes.count, (g + 1) % probes.count]
            c0 = s - 2 * pad
            c1 = ns + L + 2 * pad
            probeAt = pad
        } else { return nil }
        guard let m = measured(key, channels: buf.indices.map { Array(slice($0, c0, c1)) }, reference: { refFrames }),
              m.verdict != .noSignal else { return nil }
        let events = m.events.map { Found(kind: $0.kind, frame: c0 + $0.captureSample, size: $0.sizeSamples) }.filter { $0.frame >= w0 && $0.frame < w1 }
        return (events, Self.firstHeard(m, origin: c0, probeAt: probeAt, start: start))
    }

    /// The drift a measurement reports, as a fraction (frames per frame); none where it reports none.
    static func drift(_ m: LoopMeasurement) -> Double {
        (m.driftPPM ?? 0).isFinite ? (m.driftPPM ?? 0) * 1e-6 : 0
    }

    /// An event the analyzer found, on stream frames.
    struct Found { var kind: Event.Kind; var frame: Int; var size: Int }

    /// How far (in frames) a segment's delay may put the probe's first frame from its measured
    /// start and still be the segment that holds the probe: a frame, far more than the
    /// analyzer's error (~0.002 frames) and than the start's distance from the probe's first
    /// frame (the latency is read `pad` before the probe on its drifting line: 0.38 frames at
    /// 200 ppm, past which ``PeriodLocator`` finds no probe), and less than the smallest step
    /// (``stepThreshold`` rounds to one).
    static let probeSegmentReach = 1.0

    /// The stream frame from which the analyzer's measurement `m` of a window starting at
    /// stream frame `origin` matches the probe (its first frame at `probeAt` in the window's
    /// reference) at the delay that puts that first frame at `start`: the first frame of that
    /// segment. Nil when no segment does. Where a loss reached into the probe's first frames,
    /// the probe is heard only from there, and an event the analyzer puts there is the step
    /// that led into the probe, not one inside it. A segment's delay is against the reference
    /// stretched by the drift the measurement reports, so the probe's first frame lies
    /// `probeAt` stretched frames into the window (26 frames further at 1000 ppm for a probe
    /// after a whole period of context; at 100 ppm, 2.6 frames, the plain count missed it).
    static func firstHeard(_ m: LoopMeasurement, origin: Int, probeAt: Int, start: Double) -> Int? {
        let at = Double(origin) + Double(probeAt) * (1 + drift(m))
        let near = (m.segments ?? []).map { (seg: $0, off: abs(at + $0.delaySamples - start)) }.min { $0.off < $1.off }
        guard let n = near, n.off <= probeSegmentReach else { return nil }
        return origin + n.seg.captureStart
    }

    /// Where probe number `g` (taken round the probes) starts in `signal`
    /// (``PeriodLocator/locate(_:probeEnergy:in:)``), from the memo when the stretch was seen before.
    func locate(_ g: Int, in signal: ArraySlice<Float>) -> (lag: Int, score: Double)? {
        let i = g % probes.count
        if let memo { return memo.locate(probe: i, probes[i], probeEnergy: energies[i], in: signal) }
        return PeriodLocator.locate(probes[i], probeEnergy: energies[i], in: signal)
    }

    /// The analyzer's measurement of a capture window against the reference `reference()`
    /// builds (named by `key`: which probes, which padding), from the memo when the window was
    /// seen before; nil when the analyzer refuses the input.
    func measured(_ key: [Int], channels: [[Float]], reference: () -> [Float]) -> LoopMeasurement? {
        let channel = channelUsed ?? forcedChannel
        if let memo {
            return try? memo.measurement(referenceKey: key + [P, L, pad], channel: channel, capture: channels, sampleRate: rate, reference: reference)
        }
        return try? Analyzer.analyze(reference: AudioBuffer(sampleRate: rate, mono: reference()), capture: AudioBuffer(sampleRate: rate, channels: channels),
                                     options: .init(channel: channel))
    }

    /// The capture window for period `k`'s probe at `s`, and the silence to put before the probe
    /// in its reference. The window stays clear of the neighbouring probes: after the last one's
    /// end, and before the next one's start when a drop in the separator brought it closer. The
    /// reference gets its separator's silence on a side only where the whole pad fits (a short
    /// stretch of padding was explained as a few frames of repeated audio at the probe's start
    /// in a synthetic test).
    func window(_ k: Int, at s: Int, missing: Int) -> (w0: Int, w1: Int, padL: Int) {
        var w0 = max(base, s - margin), w1 = min(end, s + L + margin)
        if let pe = prevProbeEnd, missing == 0 { w0 = max(w0, min(s, pe + Self.neighbourGuard)) }
        if let next = nextProbeStart(after: k, from: s) { w1 = min(w1, max(s + L, next - Self.neighbourGuard)) }
        let padL = (s - w0) >= 2 * pad ? pad : 0
        if padL > 0 { w0 = s - 2 * padL }
        return (w0, w1, padL)
    }

    /// Period `k` (and `missing` periods before it lost) whose probe starts near stream frame `s`.
    func analyse(_ k0: Int, at s: Int, tight: Bool, missing: Int) -> Outcome? {
        let k = k0 + missing
        let g = firstPeriod + k
        let (w0, w1, padL) = window(k, at: s, missing: missing)
        let padR = (w1 - s - L) >= 2 * pad ? pad : 0
        let reference = { [Float](repeating: 0, count: padL) + self.probes[g % self.probes.count] + [Float](repeating: 0, count: padR) }
        guard let m = measured([0, g % probes.count, padL, padR], channels: buf.indices.map { Array(slice($0, w0, w1)) }, reference: reference),
              m.verdict != .noSignal, let d = m.latency?.samples else { return nil }
        // The latency is read `pad` before the probe on its drifting line, as the fast path reads
        // it (``fast(_:expected:)``), also where the window holds less silence before the probe
        // (`padL` 0: a period after a drop in the separator read it 0.38 frames off at 200 ppm).
        let eps = Self.drift(m)
        let start = Double(w0) + d + Double(padL) * (1 + eps) - Double(pad) * eps
        if tight && abs(start - Double(s)) > Double(pad) / 2 { return nil }
        channelUsed = m.capture.channelUsed ?? channelUsed
        let latency = start - Double(k * P)
        let latencyMS = latency * 1000 / Double(rate)
        var events: [SoakEvent] = []
        if missing > 0 {
            // Lost somewhere between the end of the last probe heard and the start of this one.
            let from = prevProbeEnd ?? Int((Double(k0 * P) + (predicted ?? latency)).rounded())
            var e = SoakEvent(kind: "missing-period", runFrame: runOffset + from, sampleRate: rate,
                              sizeSamples: missing * P, period: firstPeriod + k0, latencyMS: latencyMS,
                              detail: missing == 1 ? "period \(firstPeriod + k0) never came back: the next period's probe stands in its place"
                                                   : "periods \(firstPeriod + k0)–\(firstPeriod + k - 1) never came back: period \(g)'s probe stands in their place")
            e.placeUncertaintySamples = max(0, Int(start) - from)
            events.append(e)
        }
        // The analyzer's events, on stream frames; a period with any is analysed again with a
        // neighbouring period as context, and that analysis' events in this window are kept.
        var found = m.events.map { Found(kind: $0.kind, frame: w0 + $0.captureSample, size: $0.sizeSamples) }
        var heard = Self.firstHeard(m, origin: w0, probeAt: padL, start: start)
        if !found.isEmpty, let wide = withContext(g, start: start, w0: w0, w1: w1, missing: missing) { (found, heard) = wide }
        // Events before the probe's start are in the separator: they explain (part of) a latency
        // step. So are those where the probe is first heard, when a loss took its first frames
        // (the analyzer puts the step at the frame its edge rounds to, within a frame of there).
        let probeFrom = max(start - 0.5, heard.map { Double($0) + Self.probeSegmentReach + 0.5 } ?? -.infinity)
        func signed(_ e: Found) -> Int {
            switch e.kind { case .gap, .repeat: e.size; case .drop: -e.size; case .click: 0 }
        }
        let before = found.filter { Double($0.frame) < probeFrom }.reduce(0) { $0 + signed($1) }
        if let p = predicted {
            let step = latency - (p - Double(missing * P)) - Double(before)
            if abs(step) >= Self.stepThreshold, let pe = prevProbeEnd {
                var e = SoakEvent(kind: step > 0 ? "gap" : "drop", runFrame: runOffset + pe, sampleRate: rate,
                                  sizeSamples: Int(abs(step).rounded()), period: g, latencyMS: latencyMS,
                                  detail: String(format: "the latency stepped by %+.2f frames between periods %d and %d (in the separator)", step, g - 1 - missing, g))
                e.placeUncertaintySamples = max(0, Int(start) - pe)
                events.append(e)
            }
        }
        var steps = 0
        for e in found {
            var event = SoakEvent(kind: e.kind.rawValue, runFrame: runOffset + e.frame, sampleRate: rate, sizeSamples: e.size, period: g, latencyMS: latencyMS)
            if Double(e.frame) >= probeFrom {
                steps += signed(e)
            } else if Double(e.frame) >= start - 0.5, let pe = prevProbeEnd, missing == 0, pe < e.frame {
                // Placed where the probe is first heard; it happened anywhere since the last probe's end.
                event.runFrame = runOffset + pe
                event.placeUncertaintySamples = e.frame - pe
            }
            events.append(event)
        }
        // Analysed early: valid only if the next probe does not start before the window's end
        // plus the guard (it would have cut the window short); else wait for it, as always.
        if nextNotYetIn {
            switch separatorAfter(Int(start.rounded()) + L + steps, windowEnd: w1) {
            case .silent: break
            case .sound: eagerTried = k; return nil
            case .notYetIn(let until): eagerWait = (k, until); return nil
            }
        }
        advance(past: k, start: start, latency: latency, steps: steps, drift: eps)
        // (The stream's first period is found by a search, not expected; it is the first lock, not a re-lock.)
        lastClean = (tight || k == 0) && missing == 0 && events.isEmpty
        if fastRefused { fastRefusedInARow = events.isEmpty ? fastRefusedInARow + 1 : 0 }
        fastRefused = false
        let verdict = events.isEmpty ? "clean" : "crackle"
        let point = PeriodPoint(period: g, timeS: Double(runOffset + k * P) / Double(rate), latencyMS: latencyMS, verdict: verdict, events: events.count)
        return Outcome(point: point, events: events.sorted { $0.runFrame < $1.runFrame })
    }

    /// Moves past period `k`, whose probe started at stream frame `start` with `latency`, its
    /// events having inserted (+) or removed `steps` frames after that, with `drift` (frames per
    /// frame): the next period is predicted from it.
    func advance(past k: Int, start: Double, latency: Double, steps: Int, drift: Double) {
        lostInARow = 0
        predicted = latency + Double(steps) + drift * Double(P)
        prevProbeEnd = Int(start.rounded()) + L + steps
        prevStart = Int(start.rounded())
        expected = Double((k + 1) * P) + predicted!
        next = k + 1
        periodsAnalysed += 1
    }

    /// Period `k` measured by the clean-period fast path (``CleanPeriod``), when the last period
    /// was clean where expected, this one's probe stands where it was predicted (within
    /// ``fastStepTolerance``) and the residual over the analyzer's window is at the noise
    /// floor; nil otherwise (the analyzer then runs as it always did).
    func fast(_ k: Int, expected c: Double) -> Outcome? {
        fastRefused = false
        guard fastPath, lastClean, let p = predicted, let ch = channelUsed, ch < buf.count, let pe = prevProbeEnd else { return nil }
        let g = firstPeriod + k
        guard fastRefusedInARow < Self.fastGiveUp || g % Self.fastRetryPeriods == 0 else { return nil }
        fastRefused = true
        fastAttempts += 1
        let s = Int(c.rounded())
        // The analyzer's window (``window(_:at:missing:)``) with a whole pad of separator on
        // either side; a neighbouring probe inside it fails the residual test.
        let w0 = s - margin, w1 = s + L + margin
        guard w0 >= base, w1 <= end, pe + Self.neighbourGuard <= w0 else { return nil }
        guard let r = buf[ch].withUnsafeBufferPointer({ clean.measure(probe: g % probes.count, predicted: c - Double(base), in: $0, window: w0 - base, w1 - base) })
        else { return nil }
        // The analyzer's latency is the delay at its reference's first frame, `pad` before the probe.
        let start = r.probeStart + Double(base) - r.drift * Double(pad)
        let latency = start - Double(k * P)
        guard abs(latency - p) <= Self.fastStepTolerance else { return nil }
        advance(past: k, start: start, latency: latency, steps: 0, drift: r.drift)
        periodsFast += 1
        fastRefused = false
        fastRefusedInARow = 0
        let point = PeriodPoint(period: g, timeS: Double(runOffset + k * P) / Double(rate), latencyMS: latency * 1000 / Double(rate), verdict: "clean", events: 0)
        return Outcome(point: point, events: [], fast: true)
    }

    /// Period `k`'s probe is nowhere near: say what stands there, and search afresh next time.
    func notFound(_ k: Int, center: Double) -> Outcome {
        lostInARow += 1
        let g = firstPeriod + k
        let at = Int(center.rounded())
        let (content, rep) = PeriodLocator.classify(slice(searchChannel, at, at + L))
        let kind: String, detail: String
        switch content {
        case .silence: kind = "missing-period"; detail = "silence where period \(g)'s probe should be"
        case .stuck: kind = "stuck"; detail = "the capture repeats a \(rep ?? 0)-frame stretch over and over where period \(g)'s probe should be"
        case .other: kind = "lost-sync"; detail = "period \(g)'s probe is not in the capture (something else is); searching afresh from the next period"
        }
        let latencyMS = predicted.map { $0 * 1000 / Double(rate) }
        var e = SoakEvent(kind: kind, runFrame: runOffset + at, sampleRate: rate, sizeSamples: L, period: g, latencyMS: latencyMS, detail: detail)
        if content == .stuck { e.sizeSamples = rep ?? L }
        expected = nil
        prevStart = nil
        lastClean = false
        next = k + 1
        let point = PeriodPoint(period: g, timeS: Double(runOffset + k * P) / Double(rate), latencyMS: nil, verdict: kind, events: 1)
        return Outcome(point: point, events: [e])
    }
}
