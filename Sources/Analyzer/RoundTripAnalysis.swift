// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// The analysis behind ``Analyzer/analyze(reference:capture:options:)``.
///
/// 1. **Find.** Cross-correlate the reference with every capture channel (FFT); pick the
///    channel where it is strongest; decide `no-signal` when the correlation peak does not
///    stand far above the correlation's own noise floor.
/// 2. **Track.** Walk the capture in windows and find, for each, where in the reference it
///    came from (a local correlation, refined to a fraction of a sample by band-limited
///    interpolation). That gives the delay track: capture frame minus reference frame.
/// 3. **Segment.** Drift is the slope of the track; discontinuities are its steps. Windows
///    are grouped into segments of one delay (after removing the drift).
/// 4. **Explain each step.** Between two segments, a dynamic programme on the per-sample
///    residual finds exactly where the old alignment ends, how many foreign frames were
///    inserted, and where the new alignment starts. Inserted frames that are near-silent
///    make a `gap`, inserted frames that copy earlier audio a `repeat`, missing reference
///    frames a `drop`; audio replaced by silence gives a gap and a drop at the same frame.
/// 5. **Clicks.** Inside each segment, the residual after subtracting the aligned,
///    gain-matched reference is scanned for transients; bursts where the capture fell
///    silent are short replacements (gap + drop), the rest are clicks.
struct RoundTripAnalysis {
    let reference: AudioBuffer
    let capture: AudioBuffer
    let options: Analyzer.Options

    /// Every threshold, with its reason: ``AnalyzerTuning``.
    let tuning = AnalyzerTuning.standard

    let interp = SincInterpolator(halfWidth: AnalyzerTuning.interpolatorHalfWidth, phases: AnalyzerTuning.interpolatorPhases)

    func run() throws(LoopbenchError) -> LoopMeasurement {
        try checkInputs()
        let m = sanitized(try measure())
        return options.wholeCapture.map { m.placed(in: $0) } ?? m
    }

    /// A gap's, drop's or repeat's size in the played stream's frames: the explanation
    /// measures it in capture frames (the step in delay, the run of silence), and under a
    /// drift ε a capture holds 1 + ε frames for each frame played, so a 9000-frame gap in the
    /// stream at 1000 ppm read 9009, and a 20 000-frame one 20 020 (a periodic track's steps
    /// are measured in played frames already, ``periodicStepEvents(_:_:drift:ref:cap:period:)``). A click's size stays
    /// in capture frames: it is the capture's, not the stream's.
    ///
    /// The explanation sizes a step in whole frames of the reference stretched by the drift,
    /// where a step of whole played frames is not whole: 480 frames dropped at −1000 ppm are
    /// 479.52 stretched frames, read as 479 or 480 alike, and 479 came back 479.48 → 479
    /// (`bench rooms`, noise with pauses through a room). Where the step's two segments give
    /// its size unrounded (`measured`, ``continuousStep(_:_:)``), the played size taken is the
    /// whole number next to the rounded one's that lies nearest it once stretched.
    func inPlayedFrames(_ e: Event, driftPPM d: Double, measured: Double? = nil) -> Event {
        guard e.kind != .click, d.isFinite, d > -1e6 else { return e }
        let stretch = 1 + d * 1e-6
        let played = Double(e.sizeSamples) / stretch
        var size = played.rounded()
        if let measured, measured.isFinite {
            size = [played.rounded(.down), played.rounded(.up)].min { abs($0 * stretch - measured) < abs($1 * stretch - measured) }!
        }
        guard size.isFinite, size >= 1, size <= Double(Int32.max) else { return e }
        return Event(kind: e.kind, captureSample: e.captureSample, sizeSamples: Int(size), sampleRate: reference.sampleRate)
    }

    /// A one-frame gap beside a drop or a repeat at one step, where the step is not a whole
    /// number of frames of the reference stretched by the drift: one event, of the other's
    /// kind, sized by the step in played frames. The explanation places a step's edges on
    /// the stretched reference's frames, where a step of whole played frames is not whole
    /// (583 frames dropped at −870 ppm are 582.49 stretched frames); what is left over, half a
    /// frame, rounds to a one-frame gap beside the drop. A drifting capture read a 583-frame
    /// drop as a 584-frame drop and a 1-frame gap (fuzz case 1757), another a 938-frame
    /// repeat as a 1-frame gap and a 937-frame repeat (417). Merged only where the stretch
    /// of the step reaches ``AnalyzerTuning/roundingGapMinStretch`` of a frame, and where the
    /// two segments' lines put the step, in played frames, at the pair's net size (the drop
    /// less the gap, the repeat and the gap), so the one event explains what the two did.
    static func roundingGapsMerged(_ events: [Event], _ segments: [Segment], modelStretch stretch: Double, drift: Double, sampleRate fs: Int) -> [Event] {
        guard stretch.isFinite, stretch > 0, drift.isFinite, drift != 0 else { return events }
        var out = events
        for (a, b) in zip(segments, segments.dropFirst()) {
            let between = out.indices.filter { out[$0].kind != .click && out[$0].captureSample >= a.captureEnd - 1 && out[$0].captureSample <= b.captureStart + 1 }
            guard between.count == 2 else { continue }
            let pair = between.map { out[$0] }
            guard let g = pair.firstIndex(where: { $0.kind == .gap && $0.sizeSamples == 1 }), case let main = pair[1 - g],
                  main.kind == .drop || main.kind == .repeat, abs(main.captureSample - pair[g].captureSample) <= 1 else { continue }
            let t = Double(main.captureSample)
            let step = a.refPosition(atCapture: t) - b.refPosition(atCapture: t)   // + where B holds the reference back
            let played = (abs(step) / stretch).rounded()
            let net = main.kind == .drop ? main.sizeSamples - 1 : main.sizeSamples + 1
            guard played.isFinite, played >= 1, played <= Double(Int32.max), (main.kind == .drop) == (step < 0), Int(played) == net,
                  played * abs(drift) >= AnalyzerTuning.standard.roundingGapMinStretch else { continue }
            out[between[1 - g]] = Event(kind: main.kind, captureSample: min(main.captureSample, pair[g].captureSample), sizeSamples: net, sampleRate: fs)
            out.remove(at: between[g])
        }
        return out
    }

    /// A gap's, drop's or repeat's size unrounded, in frames of the reference the segments were
    /// measured against: how far apart the lines of the two segments it lies between put the
    /// reference at its frame. Nil unless it is the only such event between two neighbouring
    /// segments, within a frame of its rounded size, and of its kind's sign (a drop moves the
    /// reference on, a gap or repeat holds it back).
    static func continuousStep(_ e: Event, _ all: [Event], _ segments: [Segment]) -> Double? {
        guard e.kind != .click else { return nil }
        let t = Double(e.captureSample)
        for (a, b) in zip(segments, segments.dropFirst()) where a.captureEnd <= e.captureSample + 1 && b.captureStart >= e.captureSample - 1 {
            let between = all.filter { $0.kind != .click && $0.captureSample >= a.captureEnd - 1 && $0.captureSample <= b.captureStart + 1 }
            guard between.count == 1 else { return nil }
            let step = a.refPosition(atCapture: t) - b.refPosition(atCapture: t)   // + where B holds the reference back
            guard (e.kind == .drop) == (step < 0), abs(abs(step) - Double(e.sizeSamples)) <= 1 else { return nil }
            return abs(step)
        }
        return nil
    }

    /// The reference's strongest channel and its samples with the mean removed.
    /// - Throws: `badData` naming the reference when it is silent.
    static func referenceSignal(_ reference: AudioBuffer, path: String?) throws(LoopbenchError) -> (channel: Int, samples: [Float]) {
        let channel = (0..<reference.channelCount).max { energy(reference.channels[$0]) < energy(reference.channels[$1]) } ?? 0
        let ref = removeMean(reference.channels[channel])
        guard energy(ref) > 1e-12 else { throw .badData(path ?? "reference", "the reference is silent: nothing to look for") }
        return (channel, ref)
    }

    /// Capture channel `ch` with its mean removed: the whole recording's mean when the capture
    /// is a stretch of one (``WholeCapture``), else its own.
    func centred(_ ch: Int) -> [Float] {
        guard let whole = options.wholeCapture else { return removeMean(capture.channels[ch]) }
        return subtracting(Float(whole.channels[ch].mean), from: capture.channels[ch])
    }

    /// The measurement as the schema allows it, whatever the input: a latency or segment delay
    /// that is not a finite number is no measurement (`no-signal`, with the reason); an
    /// unbounded confidence (a correlation with no noise at all) is capped; every event lies
    /// inside the capture and has a size.
    func sanitized(_ m0: LoopMeasurement) -> LoopMeasurement {
        var m = m0
        let finiteDelays = (m.segments ?? []).allSatisfy { $0.delaySamples.isFinite }
        if let l = m.latency, !l.samples.isFinite || !finiteDelays {
            m.verdict = .noSignal
            m.latency = nil
            m.segments = nil
            m.events = []
            m.crackles = 0
            m.driftPPM = nil
            m.reason = "the alignment could not be computed as a finite delay (a degenerate signal): no latency is reported"
        }
        if let c = m.latency?.confidence, !c.isFinite { m.latency?.confidence = c > 0 ? AnalyzerTuning.maxConfidence : 0 }
        if let d = m.driftPPM, !d.isFinite { m.driftPPM = nil }
        // No uncertainty without a drift, wherever the drift was dropped, nor an unbounded one.
        if m.driftPPM == nil || !(m.driftUncertaintyPPM?.isFinite ?? false) { m.driftUncertaintyPPM = nil }
        if m.latency == nil || !(m.latencyUncertaintySamples?.isFinite ?? false) { m.latencyUncertaintySamples = nil }
        if let v = m.snrDB, !v.isFinite { m.snrDB = nil }
        if let v = m.gainDB, !v.isFinite { m.gainDB = nil }
        let last = max(0, capture.frames - 1)
        m.events = m.events.compactMap { e in
            guard e.sizeSamples >= 1 else { return nil }
            return e.captureSample >= 0 && e.captureSample <= last ? e
                : Event(kind: e.kind, captureSample: min(max(0, e.captureSample), last), sizeSamples: e.sizeSamples, sampleRate: reference.sampleRate)
        }
        m.crackles = m.events.count
        if m.verdict != .noSignal { m.verdict = m.events.isEmpty ? .clean : .crackle }
        return m
    }

    /// The passes, in order (``run()`` checks the inputs before and the result after).
    func measure() throws(LoopbenchError) -> LoopMeasurement {
        let fs = reference.sampleRate
        let refPath = options.referencePath, capPath = options.capturePath

        let (refChannel, plainRef) = try Self.referenceSignal(reference, path: refPath)
        var ref = plainRef

        // 1. Find (where the peaks cluster, when the highest is a chance one).
        var find = self.find(ref)
        if let clustered = clusteredPeak(find, frames: ref.count) { find = clustered }
        // The capture channel with its mean removed (the fallbacks below keep the channel).
        let raw = centred(find.channel)
        // A reference that repeats itself is tracked period by period, its drift included.
        let period = referencePeriod(ref)
        if refusalWithoutPeak(find) != nil, period == nil {
            if let pieces = piecewisePeak(ref, cap: raw, find) { find = pieces }
            else if let smeared = smearedPeak(find, frames: ref.count) { find = smeared }
        }
        // Mains hum removed too: neither the mean nor the hum is the path or a discontinuity.
        var (cap, hum) = removeHum(ref, raw, find)
        var m = LoopMeasurement(
            source: options.source, sampleRate: fs,
            reference: .init(path: refPath, frames: reference.frames, channels: reference.channelCount, channelUsed: refChannel),
            capture: .init(path: capPath, frames: capture.frames, channels: capture.channelCount, channelUsed: find.channel),
            verdict: .noSignal, latency: nil, driftPPM: nil, snrDB: nil, gainDB: nil, polarity: nil, segments: nil, events: [])
        if let reason = refusalWithoutPeak(find) {
            // Drift smears a sparse periodic reference's whole-signal peak (a pulse train at
            // 300 ppm slips past its 2-frame pulses within 0.15 s) while each period still
            // matches: tracked period by period, when the peak stands out of its noise.
            if find.z >= tuning.findZThreshold, let period,
               case let .success(tracked) = periodicTracked(m, find, ref: ref, cap: cap, period: period.period) { return tracked }
            m.reason = reason
            return m
        }

        // A reference that repeats itself within the search radius: the windows cannot tell
        // delays a period apart; only the whole-signal correlation can.
        if let period { return periodicMeasurement(m, find, ref: ref, cap: cap, period: period) }

        // A room's tail is the path: from here on the reference is direct sound + tail.
        // (Not where the peak was found smeared by drift: its spread is the drift's, and a
        // tail fitted at one delay on it cost 30 s of noise drifting 50 ppm 6 s of its 7.3.)
        let tailHeard = !find.smeared && heardATail(find)
        var withTail = tailHeard ? withReverbTail(ref, cap, find) : nil
        if let withTail { ref = withTail }
        var tailStretch = 0.0
        let refusedTailMayDrift = tailHeard && withTail == nil && refusedTailMayDrift(ref, cap, find)

        // 2. Track.
        var polarity = find.polarity
        var points = track(ref, cap, find, polarity: polarity)
        // The hum again, from the windows' own delays, and the capture tracked again without it.
        if let f0 = hum, let better = refittedHum(ref, raw, points, f0: f0) {
            cap = better
            points = track(ref, cap, find, polarity: polarity)
        }
        guard points.count >= 1 else { return untracked(m, find, ref: ref, cap: cap) }
        if points.allSatisfy(\.ambiguous) {
            // Drift smears the whole-signal correlation (a multitone capture at −1000 ppm slips
            // 96 frames over 2 s, many cycles of its tones), and its largest lobe can be one of
            // the other sign: tracked at that polarity, every window matched a negative lobe
            // at some other delay. The other polarity, when its windows tell delays apart.
            let flipped = track(ref, cap, find, polarity: -polarity)
            guard !flipped.isEmpty, !flipped.allSatisfy(\.ambiguous) else { return ambiguousEverywhere(m, find, ref: ref, cap: cap) }
            (polarity, points) = (-polarity, flipped)
        }

        // 3. Segment (and the path's colouring, when it matters).
        var (seg, model, totalDrift) = segment(ref, cap, find, points, polarity: polarity)
        // Drift smears the whole-signal peak, and its highest lag can be a lobe of the other
        // sign: where this polarity's track is loose, found again (``contestedPolarity``).
        if withTail == nil, looseTrack(seg, points) != nil, let other = contestedPolarity(ref, cap, find, polarity: polarity) {
            (find, polarity, points, seg, model, totalDrift) = (other.find, other.polarity, other.points, other.seg.0, other.seg.1, other.seg.2)
        }
        if withTail == nil, let steep = trackedThroughSteepColouring(model, cap, find, seg, totalDrift: totalDrift, polarity: polarity) {
            (points, seg, totalDrift) = (steep.points, steep.seg, steep.drift)
        }
        if withTail != nil || refusedTailMayDrift, let s = stretchedReverbTail(plainRef, cap, find, points, seg, totalDrift: totalDrift) {
            (find, ref, points, seg, model, totalDrift, polarity, tailStretch) = (s.find, s.ref, s.points, s.seg, s.model, s.drift, s.polarity, s.stretch)
            withTail = s.ref
        }
        if withTail == nil, let searched = searchedStretch(ref, cap, find, points, seg, drift: totalDrift) {
            (find, points, seg, model, totalDrift, polarity) = (searched.find, searched.points, searched.seg, searched.model, searched.drift, searched.polarity)
        }
        // A tail refused over the whole capture because a step misaligns part of it: the
        // windows tracked again against one fitted on the run of segments at the longest
        // one's level (``trackedUnderARefusedTail``); the events are still explained against
        // the plain reference.
        if withTail == nil, tailHeard, let r = trackedUnderARefusedTail(plainRef, cap, find, points, seg, polarity: polarity) {
            (points, seg, model, totalDrift) = (r.points, r.seg, r.model, r.drift)
        }
        // The drift the tail in the reference was fitted at (the stretch it was searched at, or none).
        var tailDrift = tailStretch
        if withTail != nil, let r = refitReverbTail(plainRef, cap, find, seg.segments, totalDrift: totalDrift, polarity: polarity) {
            (points, seg, model, totalDrift, tailDrift) = (r.points, r.seg, r.model, r.drift, r.tailDrift)
        }
        if withTail != nil {
            (points, seg, model, totalDrift) = realignedReverbTail(plainRef, cap, find, polarity: polarity, tailDrift: &tailDrift, (points, seg, model, totalDrift))
            mergeStepsInsideTheTail(&seg.segments)
        }
        // A step the windows could not follow under the tail: the tail fitted across it.
        var steppedTail = false
        if withTail != nil, tailStretch == 0, let r = steppedReverbTail(plainRef, cap, find, points, seg, polarity: polarity) {
            (ref, points, seg, model, totalDrift) = (r.ref, r.points, r.seg, r.model, r.drift)
            mergeStepsInsideTheTail(&seg.segments)
            steppedTail = true
        }
        // A smeared find stands only where the track's drift gathers the smear (below). Where
        // it does not, the levels of windows locked a period off are not searched: they move
        // the drift only by leaving those segments out of its fit (a fraction of a ppm), and
        // the capture is refused whatever they find (a capture broken by dense underruns,
        // 50 segments of 145 windows, spent 28 % of its analysis there).
        let smearAt = find.smeared ? (drift: totalDrift, lag: gatheredLag(plainRef, cap, find, drift: totalDrift, polarity: polarity)) : nil
        if smearAt.map({ $0.lag != nil }) ?? true {
            refineLockedLevels(&seg.segments, model, cap, polarity: polarity, ambiguous: points.filter(\.ambiguous))
            driftWithoutLockedSegments(&seg, totalDrift: &totalDrift)
        }
        if let why = trackMissedStart(seg.segments, model, cap) {
            m.reason = why + ": which delay is the probe's cannot be told, so no latency is reported"
            return m   // still no-signal, with no latency, segments or events
        }
        if let why = looseTrack(seg, points) {
            m.reason = why + ": the segments do not describe the capture, and no latency is reported"
            return m
        }
        if let why = trackLostTheStretch(seg, totalDrift: totalDrift, stretch: tailStretch) {
            m.reason = why + ": the track did not follow the drift, and no latency is reported"
            return m
        }
        if let smearAt {
            // Read again only where the levels' search moved the drift.
            let lag = smearAt.drift == totalDrift ? smearAt.lag : gatheredLag(plainRef, cap, find, drift: totalDrift, polarity: polarity)
            if !smearGathered(at: lag, segments: seg.segments, model: model) {
                m.reason = String(format: "no correlation peak stands out, and the %.0f ppm the track read does not gather the whole-signal correlation's smear into one: no latency is reported", totalDrift * 1e6)
                return m
            }
        }
        let longest = Segment.longest(seg.segments)!
        let bare = model   // before the path's colouring and curve
        if let fit = PathModel.fitTaps(ref: model, cap: cap, segment: longest, interp: interp),
           case let coloured = PathModel.filtered(model, fit.taps, gain: fit.gain),
           withTail == nil || colouringHolds(coloured, model, cap, longest) {
            let uncoloured = model
            model = coloured
            if let zp = zeroPhaseColouring(seg, uncoloured: uncoloured, taps: fit.taps, cap: cap, find: find, polarity: polarity) {
                if zp.segments.count == seg.segments.count {
                    seg.adopt(drift: zp.drift, se: zp.driftSE, totalDrift: &totalDrift, levels: zp.segments.map(\.level))
                } else {
                    seg.replace(with: zp, totalDrift: &totalDrift)   // another number of segments: its own
                }
                // The filter fitted again where the segments now lie: it holds the old levels' error in its phase.
                if let l = Segment.longest(seg.segments), let again = PathModel.fit(ref: uncoloured, cap: cap, segment: l, interp: interp) { model = again }
            } else {
                driftThroughColouring(&seg, totalDrift: &totalDrift, coloured: coloured, cap: cap, find: find, polarity: polarity)
            }
        }
        let curved = StaticCurve.fit(ref: model, cap: cap, segment: longest, interp: interp)
        if let curved { model = curved }
        // The tail fitted across a step was fitted on the lines the windows found, and makes
        // the model agree with them: their drift read 0.4–1.7 ppm off at a stated 0.10–0.18
        // (`bench rooms`, the corpus's linear sweep through the room). It is not reported.
        if steppedTail { seg.driftKnown = false }
        // Steps of a fraction of a frame over or under a whole one where a tail was heard and
        // none fitted are the path's (``mergeDispersedSteps``); not where nearly every window
        // is ambiguous: there the levels are windows locked whole periods off, and their chain
        // of steps is refused as it stands (music through a room, fuzz case 1657, read a
        // 1267-frame gap as 1013 frames and a 254-frame repeat with the chain merged).
        if tailHeard, withTail == nil, Double(points.filter(\.ambiguous).count) < tuning.chainAmbiguousShare * Double(points.count) {
            mergeDispersedSteps(&seg.segments)
        }
        let measured = explained(m, find, points, &seg, model: model, bare: bare, plain: plainRef, curved: curved != nil, tail: withTail != nil, tailAcrossSteps: steppedTail,
                                 oneDelayTail: withTail != nil && tailDrift == 0, unmodelledTail: tailHeard && withTail == nil, cap: cap, totalDrift: totalDrift)
        return heldThroughout(followedToTheEnd(measured, seg.segments, plain: plainRef, cap: cap, totalDrift: totalDrift),
                              seg.segments, plain: plainRef, cap: cap, find: find, totalDrift: totalDrift)
    }

    /// A clean capture is the reference at one delay throughout: `m` as it is where its one
    /// segment holds every block of the plain reference, or no block is held better
    /// elsewhere (``heardAtAnotherDelay(_:_:level:drift:lags:unlessAlias:)``), and no loud
    /// sound before the reference's onset on its line matches the reference at an earlier
    /// delay (``heardBeforeTheOnset(_:_:level:minRho:)`` at
    /// ``AnalyzerTuning/heardBeforeCleanMinRho``: the first copy before a repeat, which the
    /// lead search judges at a closer match); otherwise `no-signal`, with the reason. (A
    /// periodic reference's blocks are held a period away too: its own track places its
    /// steps, ``periodicTracked``.)
    func heldThroughout(_ m: LoopMeasurement, _ segments: [Segment], plain: [Float], cap: [Float], find: GlobalFind, totalDrift: Double) -> LoopMeasurement {
        guard m.verdict == .clean, m.latency != nil, segments.count == 1 else { return m }
        let line = onThePlainReference(segments[0], totalDrift: totalDrift)
        let why: String
        if let other = heardAtAnotherDelay(plain, cap, level: line.level, drift: line.drift, lags: find.lags, unlessAlias: true) {
            why = anotherDelayReason(other)
        } else if let before = heardBeforeTheOnset(plain, cap, level: line.level, minRho: tuning.heardBeforeCleanMinRho) {
            why = heardBeforeReason(before, level: line.level)
        } else if let after = heardAfterTheEnd(plain, cap, level: line.level, drift: line.drift, minRho: tuning.heardAfterCleanMinRho) {
            why = heardAfterReason(after, level: line.level)
        } else { return m }
        return refused(m, because: "the capture reads clean, at one delay" + why)
    }

    /// A crackle reading whose last segment ends where the capture still holds the reference's
    /// sound at a later delay (``heardAfterTheEnd(_:_:level:drift:minRho:)`` on that
    /// segment's line): a step after the last one the windows followed. Where that segment
    /// rests on at most ``AnalyzerTuning/lookAlikeSegmentMaxWindows`` windows, the step to it
    /// is a look-alike the track took, and `m` is refused: music whose last 2815 frames
    /// before a phrase were repeated (fuzz case 1318) matched two windows after the repeat
    /// 2134 frames early, where the music plays that phrase again, and read a 2134-frame drop
    /// and a 2-frame one, while the capture held the rest after their end. Otherwise the
    /// events stand and the reason says that a step before that sound was not followed (a
    /// linear sweep clipped with a third gap near its end, 672: its first two gaps read, and
    /// the third unsaid until session 57).
    func followedToTheEnd(_ m: LoopMeasurement, _ segments: [Segment], plain: [Float], cap: [Float], totalDrift: Double) -> LoopMeasurement {
        guard m.verdict == .crackle, m.latency != nil, let last = segments.last else { return m }
        let line = onThePlainReference(last, totalDrift: totalDrift)
        guard let after = heardAfterTheEnd(plain, cap, level: line.level, drift: line.drift, minRho: tuning.heardAfterCleanMinRho) else { return m }
        if last.points.count <= tuning.lookAlikeSegmentMaxWindows {
            return refused(m, because: "the capture's last segment, at delay " + String(format: "%.1f", line.level) + ", rests on \(last.points.count) window(s)" + heardAfterReason(after, level: line.level))
        }
        var out = m
        let note = String(format: "the capture holds the reference's sound after its end on the last segment's line (delay %.1f): capture frames %d–%d match it at %.2f at delay %.1f, so a step the windows could not follow lies before capture frame %d, and it is not reported",
                          line.level, after.frames.lowerBound, after.frames.upperBound, after.rho, after.delay, after.frames.lowerBound)
        out.reason = out.reason.map { $0 + "; " + note } ?? note
        return out
    }

    /// `m` refused: `no-signal` with `reason`, and no latency, segments, level, drift or events.
    func refused(_ m: LoopMeasurement, because reason: String) -> LoopMeasurement {
        var out = m
        out.verdict = .noSignal
        out.latency = nil
        out.latencyUncertaintySamples = nil
        out.segments = nil
        out.snrDB = nil
        out.gainDB = nil
        out.polarity = nil
        out.driftPPM = nil
        out.events = []
        out.crackles = 0
        out.reason = reason
        return out
    }

    /// The latency's standard uncertainty (samples): the first segment's level's standard
    /// error (``WholeFrameSteps/levelSE(_:over:)``) over the windows it is the mean of
    /// (``Segmenter/agreeing(_:drift:)``), or `levelSE` where the level was tied to a later
    /// segment's, and the drift's uncertainty
    /// carried from those windows' centre back to the reference's first frame
    /// (`driftUncertainty`, a fraction), in quadrature, and never less than
    /// ``AnalyzerTuning/latencyUncertaintyFloorSamples``. A first segment with no error of its
    /// own tied across the explained step to `tiedAcross`
    /// (``WholeFrameSteps/tiedToExplainedStep(_:step:totalDrift:)``) takes `levelSE` and the
    /// centre of that segment's windows. Nil where the level has no windows
    /// to judge it by (a segment shorter than a window, fewer than two windows on its level,
    /// or a level that is the whole segment's correlation peak) and was tied to none.
    func latencyUncertainty(_ first: Segment, levelSE tied: Double?, tiedAcross: Segment? = nil, driftUncertainty: Double) -> Double? {
        let se: Double, windows: [TrackPoint]
        if let tied, let next = tiedAcross {
            (se, windows) = (tied, next.points.filter { $0.sigma > 0 && $0.sigma.isFinite })
        } else {
            // A window locked a period off is no measure of the level's error: only those the
            // level is the mean of count.
            let onLevel = Segmenter.agreeing(first.points, drift: first.drift).filter { $0.sigma > 0 && $0.sigma.isFinite }
            if let own = WholeFrameSteps.levelSE(first, over: onLevel, scatterAtLeast: WholeFrameSteps.robustScatter(first) ?? 1) {
                (se, windows) = (tied ?? own, onLevel)
            } else {
                // No standard error: the level is known no better than its windows agree.
                guard let spread = Self.levelSpread(first) else { return nil }
                (se, windows) = (tied ?? spread, first.points.filter { $0.sigma > 0 && $0.sigma.isFinite })
            }
        }
        let w = windows.reduce(0.0) { $0 + 1 / ($1.sigma * $1.sigma) }
        let centre = w > 0 ? windows.reduce(0.0) { $0 + $1.pc / ($1.sigma * $1.sigma) } / w : 0
        return max(tuning.latencyUncertaintyFloorSamples, (se * se + pow(centre * driftUncertainty, 2)).squareRoot())
    }

    /// A level's uncertainty where its windows give it no standard error
    /// (``WholeFrameSteps/levelSE(_:over:)``: one window, the probe's first frames matched
    /// before any, a level from the segment's whole extent, or windows of which fewer than two
    /// agree on a level): how far its windows lie from its line (RMS), or their own spread
    /// (RMS σ) where that is larger. Their mean is not the level, so their scatter is not
    /// divided down. A stretch matched as a whole, or a window hanging over the reference's
    /// end, states a frame (its σ): the spread its frames' bandwidth and correlation would
    /// give is no measure of a step inside them (a 1135-frame log sweep behind the 2 kHz
    /// low-pass, its 283-frame drop unseen, read 0.85 samples off where that spread is 0.035).
    /// Nil where it has no window with a spread. Until session 43 such a latency went out
    /// with no uncertainty: of 2200 fuzz seeds beyond the test's, 32 within the corpus's
    /// conditions, 15 of them more than 0.05 samples off (0.86 for speech through a room,
    /// whose six windows read two levels a frame apart).
    static func levelSpread(_ s: Segment) -> Double? {
        let pts = s.points.filter { $0.sigma > 0 && $0.sigma.isFinite }
        guard !pts.isEmpty else { return nil }
        let n = Double(pts.count)
        let off = pts.reduce(0.0) { let e = $1.d - s.drift * $1.pc - s.level; return $0 + e * e } / n
        let own = pts.reduce(0.0) { $0 + $1.sigma * $1.sigma } / n
        return max(off, own).squareRoot()
    }

    /// Where the direct sound lies against segment `first`'s line (frames, + later), by the
    /// path's response deconvolved over the reference frames the segment holds
    /// (``ReverbTail/directOffset``), for a capture heard through a room. Where no fitted tail
    /// explained the room, the windows are tracked against the bare reference, and the tail's
    /// correlation with the reference's own structure moves them all alike, which their
    /// scatter does not show: music through a room under a pink floor, its tail refused for a
    /// gap and a replacement that misalign most of the capture (fuzz case 249), read 2.8
    /// samples early at a stated ±0.58. Where a tail was fitted, what its model misses moves
    /// them alike too (session 57: multitone bursts through the room with a drop in their top
    /// part read 0.060 samples early at ±0.025, speech 0.068 at ±0.026; 6 of `bench rooms`'
    /// latencies lay beyond twice their uncertainty and more than 0.05 samples off, 2 now).
    /// The response, in which the tail is part
    /// of the path rather than a misfit, places the direct sound where the windows cannot; the
    /// latency's uncertainty takes in how far it lies from the level. Asked only where a tail
    /// fitted over the segment's own stretch is accepted
    /// (``ReverbTail/model(ref:cap:delay:drift:fs:interp:within:paysBy:)``: diffuse, and
    /// paying ``AnalyzerTuning/reverbSegmentTailImprovement``): the whole-signal correlation
    /// is lopsided for a gap or a drop too, and behind the 2 kHz low-pass the response's
    /// direct tap, as broad as the filter, placed noise with pauses 0.2 frames from a level
    /// 0.001 from the truth. Nil where no tail is fitted there or the response cannot place
    /// the direct sound.
    func directSoundOffset(_ plain: [Float], _ cap: [Float], _ first: Segment, totalDrift: Double) -> Double? {
        let s = onThePlainReference(first, totalDrift: totalDrift)
        let p0 = max(0, Int(s.refPosition(atCapture: Double(s.captureStart)).rounded(.up)))
        let p1 = min(plain.count, Int(s.refPosition(atCapture: Double(s.captureEnd))))
        guard p1 > p0 else { return nil }
        // One alignment for both: the response first, since the tail's fit overwrites the
        // reference's spectrum with the whole reference's.
        let a = ReverbTail.Alignment(ref: plain, cap: cap, delay: s.level, drift: s.drift, fs: reference.sampleRate, interp: interp, within: p0..<p1)
        guard let offset = ReverbTail.directOffset(a, interp: interp),
              ReverbTail.model(ref: plain, a, within: p0..<p1, paysBy: tuning.reverbSegmentTailImprovement) != nil
        else { return nil }
        return offset
    }

    /// Found globally but no window could be tracked (very low SNR, or a reference whose sound
    /// lies in a few lone impulses, as a click track's): the latency from the whole-signal
    /// peak only. The reason names both: "too weak" was all it said, beside a peak 1424 times
    /// its noise, for a single click behind the resonant high-pass at 44 dB (the fuzz test's
    /// case 19).
    func untracked(_ m0: LoopMeasurement, _ find: GlobalFind, ref: [Float], cap: [Float]) -> LoopMeasurement {
        var m = m0
        guard !find.smeared else {
            m.reason = "no correlation peak stands out (the whole-signal correlation is smeared, as by drift) and no tracking window matched the reference: no latency is reported"
            return m
        }
        guard !globalPeakAmbiguous(find) else {
            m.reason = "no tracking window matched the reference, and the whole-signal correlation has other peaks about as high (lone impulses that a drift or a step pairs with the wrong ones): the delay cannot be told, no latency is reported"
            return m
        }
        if let other = heardAtAnotherDelay(ref, cap, find) {
            m.reason = "no tracking window matched the reference" + anotherDelayReason(other)
            return m
        }
        let level = Double(find.lags.lowerBound) + interp.refinePeak(of: find.corr, near: find.peakIndex).position
        if let before = heardBeforeTheOnset(ref, cap, level: level) {
            m.reason = "no tracking window matched the reference" + heardBeforeReason(before, level: level)
            return m
        }
        m.verdict = .clean
        m.latency = .init(samples: level, sampleRate: reference.sampleRate, confidence: find.z)
        m.polarity = Int(find.polarity)
        m.reason = "no tracking window matched the reference (a signal too weak to track, or one whose sound lies in a few lone impulses): latency from the whole-signal correlation only; drift and discontinuities not analysed"
        return m
    }

    /// A segment between two others that, as explained, holds the capture where the reference
    /// is silent: the mean square of the reference frames its line puts there is below
    /// ``AnalyzerTuning/silentSegmentOfReference`` of the whole reference's. Any delay matches
    /// silence with silence. A real guest's HDA overrun inside a soak's two-period window (1134
    /// frames of silence where 2165 were lost, 550 frames before a probe's sound resumed) had
    /// one tracking window match its silence and the sound after it to the separator's end and
    /// the next probe's first chirps, 12 247 frames later than the truth, at ρ 0.89; explained,
    /// its segment held 853 frames of the capture's silence against the separator's, and the
    /// overrun read as a 12 247-frame gap, a 13 562-frame drop and a 284-frame gap. Nil where
    /// no such segment is.
    static func silenceOnSilence(_ segments: [Segment], _ model: [Float], tuning: AnalyzerTuning) -> Segment? {
        guard segments.count >= 3, !model.isEmpty else { return nil }
        let whole = energy(model) / Double(model.count)
        guard whole > 0 else { return nil }
        for s in segments.dropFirst().dropLast() where s.captureEnd > s.captureStart {
            let r0 = max(0, Int(s.refPosition(atCapture: Double(s.captureStart)).rounded()))
            let r1 = min(model.count, Int(s.refPosition(atCapture: Double(s.captureEnd)).rounded()))
            guard r1 > r0 else { continue }
            if energy(model[r0..<r1]) / Double(r1 - r0) < tuning.silentSegmentOfReference * whole { return s }
        }
        return nil
    }

    /// Passes 4 to 7 on the segments against `model` (the reference with the path's colouring
    /// and curve; `bare`, the same before them, when they were fitted): every step explained and clicks scanned, then the result refused as fragments
    /// or as disagreeing with the whole-signal peak where it must be. `tail`: the model holds a
    /// room's reverberation tail (``Explainer/tailFrames``); `tailAcrossSteps`: fitted across
    /// the capture's steps (``Explainer/tailAcrossSteps``).
    func explained(_ m0: LoopMeasurement, _ find: GlobalFind, _ points: [TrackPoint], _ seg: inout Segmenter.Output,
                   model: [Float], bare: [Float]? = nil, plain: [Float], curved: Bool, tail: Bool = false, tailAcrossSteps: Bool = false, oneDelayTail: Bool = false,
                   unmodelledTail: Bool = false, silentSegments: Bool = true, cap: [Float], totalDrift: Double) -> LoopMeasurement {
        var m = m0
        let fs = reference.sampleRate
        // 4 + 5. Explain steps, scan for clicks.
        var explainer = Explainer(ref: model, cap: cap, interp: interp, fs: fs)
        explainer.quantizationFloor = captureQuantizationFloor(find)
        explainer.curvedPath = curved
        explainer.bare = bare.flatMap { Explainer.BareModel($0, coloured: model) }
        if tail {
            explainer.tailFrames = Int(tuning.reverbTailSeconds * Double(fs))
            explainer.plain = plain
            explainer.tailAcrossSteps = tailAcrossSteps
        }
        let tracked = seg
        var result = explainer.explain(segments: &seg.segments, drift: seg.drift)
        // A segment that, explained, holds the capture where the reference is silent is no
        // segment: the steps are explained again without it (``silenceOnSilence(_:_:tuning:)``).
        // Not on a periodic track (`silentSegments` false): a sparse reference's periods are
        // mostly silence, and its segments are anchored by the pulses the track followed (a
        // drifting 8-bit pulse train, refused before, read 9.2 samples off without one).
        if silentSegments, let silent = Self.silenceOnSilence(seg.segments, model, tuning: tuning),
           case let kept = tracked.segments.filter({ $0.level != silent.level }), kept.count < tracked.segments.count, !kept.isEmpty {
            seg.segments = kept
            result = explainer.explain(segments: &seg.segments, drift: seg.drift)
        }

        result.events.sort { ($0.captureSample, $0.kind.rawValue) < ($1.captureSample, $1.kind.rawValue) }
        // (The reference the segments were measured against is stretched by what of the
        // drift they do not carry themselves.)
        m.events = Self.roundingGapsMerged(seg.driftKnown
            ? result.events.map { inPlayedFrames($0, driftPPM: totalDrift * 1e6, measured: Self.continuousStep($0, result.events, seg.segments)) }
            : result.events, seg.segments, modelStretch: 1 + totalDrift - seg.drift, drift: totalDrift, sampleRate: fs)
        m.crackles = result.events.count
        m.verdict = result.events.isEmpty ? .clean : .crackle
        var tiedSE: Double?
        var tiedAcross: Segment?   // the segment a first one with no error of its own was tied to
        if !tail, let tied = WholeFrameSteps.tiedFirst(seg.segments, totalDrift: totalDrift) {
            seg.segments[0].level = tied.level
            tiedSE = tied.se
        } else if !tail, let tied = WholeFrameSteps.tiedToExplainedStep(seg.segments, step: result.firstStep, totalDrift: totalDrift) {
            seg.segments[0].level = tied.level
            (tiedSE, tiedAcross) = (tied.se, seg.segments[1])
        }
        m.latency = .init(samples: seg.segments[0].delay(atRef: 0), sampleRate: fs, confidence: find.z)
        m.driftPPM = seg.driftKnown ? totalDrift * 1e6 : nil
        let driftError = seg.driftSE * Segmenter.correlatedResiduals(seg.segments)
        m.driftUncertaintyPPM = max(driftError * 1e6, tuning.driftUncertaintyFloorPPM)   // kept only with a drift (`sanitized`)
        // Against a room's tail fitted at one delay the windows read a drift shrunk toward none,
        // by what no scatter of theirs shows (``AnalyzerTuning/oneDelayTailDriftShrink``).
        if oneDelayTail, let u = m.driftUncertaintyPPM {
            m.driftUncertaintyPPM = (u * u + pow(tuning.oneDelayTailDriftShrink * totalDrift * 1e6, 2)).squareRoot()
        }
        // A drift not reported is not known: the level carried back along it may be off by
        // as much as the drift itself (none may be the truth) and its fit's error, or the
        // drift alone where the fit has no error to give (two windows make a line and no
        // more: a short log sweep's two read 537 ppm where there was none, and its latency
        // went out 1.16 samples off with no uncertainty beside it).
        // A drift the slopes read and could not tell from none (``Segmenter/Output/unresolvedDrift``)
        // is allowed for as the one not reported is.
        // Where no two windows read a drift at all, the level is the delay at their centre, and
        // the reference's first frame lies as far from it as any drift the analyzer tracks may
        // carry it (``AnalyzerTuning/unmeasuredDriftBound``).
        let unread = seg.driftUnmeasured ? tuning.unmeasuredDriftBound : 0
        let unreported = (totalDrift * totalDrift + seg.unresolvedDrift * seg.unresolvedDrift + unread * unread).squareRoot()
        let driftUncertainty = seg.driftKnown ? (m.driftUncertaintyPPM ?? 0) * 1e-6
            : driftError.isFinite ? (driftError * driftError + unreported * unreported).squareRoot() : unreported
        m.latencyUncertaintySamples = latencyUncertainty(seg.segments[0], levelSE: tiedSE, tiedAcross: tiedAcross, driftUncertainty: driftUncertainty)
        // Through a room, fitted or not, the windows err alike by what is not modelled of it.
        if tail || unmodelledTail, let u = m.latencyUncertaintySamples, let off = directSoundOffset(plain, cap, seg.segments[0], totalDrift: totalDrift) {
            m.latencyUncertaintySamples = (u * u + off * off).squareRoot()
        }
        m.snrDB = result.snrDB
        // 5b. The probe's first frames, read on the first segment's line, must lie there.
        if let lead = leadAtAnotherDelay(seg.segments[0], bare ?? model, cap, gain: result.firstGain, events: result.events) {
            return refused(m, because: leadElsewhereReason(seg.segments[0], lead, sampleRate: fs))
        }
        // 6. Refuse fragments, and a stretch the segments claim but do not explain.
        let ambiguousShare = Double(points.filter(\.ambiguous).count) / Double(points.count)
        let looseLines = tail ? refusalOfLooseLinesThroughARoom(seg, frames: model.count) : nil
        if let reason = refusalAsFragments(find, result) ?? refusalAsMisfit(result, referenceFrames: model.count) ?? refusalAsUnexplained(result) ?? refusalOfAnAmbiguousLead(result) ?? refusalOfAnAmbiguousTail(result)
            ?? refusalOfAChainOnAmbiguousWindows(result, ambiguousShare: ambiguousShare) ?? looseLines
            // (Judged on the segments as tracked where one of silence was dropped: a track of
            // lone windows is no more corroborated for one fewer of them.)
            ?? uncorroboratedTrack(seg.segments.count < tracked.segments.count ? tracked : seg, points, totalDrift: totalDrift) {
            return refused(m, because: reason)   // the drift of a chance alignment is no measurement either
        }
        // 7. The segments must agree with the whole-signal correlation: one that holds a fair
        // share of the reference's energy lies at its peak. When none does, the segments are
        // built on windows that matched at the wrong delays (a periodic signal), not on the probe.
        if ambiguousShare >= tuning.ambiguousShareToCheckGlobal, let why = disagreementWithGlobalPeak(seg.segments, model, find, drift: totalDrift),
           !whitenedPeakAgrees(seg.segments, model, plain: plain, cap: cap, find, drift: totalDrift) {
            return globalPeakOnly(m, find, why: why, heldIn: (plain, cap))
        }
        // 7b. The latency is the first segment's: one a lone ambiguous window made is no measurement of it.
        if let why = unvouchedFirstSegment(seg.segments, model, find, drift: totalDrift) { return globalPeakOnly(m, find, why: why, heldIn: (plain, cap)) }
        if let g = result.firstGain, g != 0 {
            m.gainDB = 20 * log10(abs(g))
            m.polarity = g > 0 ? 1 : -1
        }
        m.segments = seg.segments.map {
            .init(captureStart: max(0, $0.captureStart), captureEnd: min(capture.frames, max($0.captureStart, $0.captureEnd)), delaySamples: $0.delay(atCapture: Double($0.captureStart)))
        }
        let unheard = unheardStretches(seg.segments, points: points, events: m.events, plain: plain, stretch: (1 + totalDrift) / (1 + seg.drift) - 1,
                                       modelFrames: model.count, captureFrames: cap.count)
        if m.reason == nil { m.reason = unheardNote(unheard, sampleRate: fs) }
        if let why = unanchoredLead(m, plain: plain) { return refused(m, because: why) }
        m.events = leadFromTheOnset(m.events, latency: m.latency?.samples, drift: totalDrift, plain: plain)
        return m
    }

    /// The inputs can be compared: one rate, a channel that exists, a capture at least as long
    /// as a reference that is not too short.
    func checkInputs() throws(LoopbenchError) {
        let refPath = options.referencePath, capPath = options.capturePath
        try Self.checkShapes(referenceRate: reference.sampleRate, referenceFrames: reference.frames, captureRate: capture.sampleRate,
                             captureFrames: capture.frames, captureChannels: capture.channelCount, options: options)
        for (buffer, name) in [(reference, refPath ?? "reference"), (capture, capPath ?? "capture")] {
            for (ch, x) in buffer.channels.enumerated() {
                if let i = x.firstIndex(where: { !$0.isFinite }) {
                    throw .badData(name, "channel \(ch) holds a sample that is not a finite number (\(x[i])) at frame \(i)")
                }
            }
        }
    }

    /// The checks of ``checkInputs()`` that need only the shapes.
    static func checkShapes(referenceRate: Int, referenceFrames: Int, captureRate: Int, captureFrames: Int, captureChannels: Int, options: Analyzer.Options) throws(LoopbenchError) {
        let refPath = options.referencePath, capPath = options.capturePath
        guard referenceRate == captureRate else {
            throw .badData(capPath ?? "capture", "sample rate \(captureRate) Hz differs from the reference's \(referenceRate) Hz; resample one of them first (e.g. sox in.wav -r \(referenceRate) out.wav)")
        }
        if let ch = options.channel, ch < 0 || ch >= captureChannels {
            throw .usage("--channel \(ch) is out of range: \(capPath ?? "the capture") has \(captureChannels) channel\(captureChannels == 1 ? "" : "s") (0–\(captureChannels - 1))", subject: "channel")
        }
        guard captureFrames >= referenceFrames else {
            throw .badData(capPath ?? "capture", "the capture (\(captureFrames) frames) is shorter than the reference (\(referenceFrames) frames): it cannot hold the whole round trip")
        }
        guard referenceFrames >= 256 else {
            throw .badData(refPath ?? "reference", "the reference is too short (\(referenceFrames) frames; at least 256 needed)")
        }
    }

    /// Find: the whole-signal correlation on each candidate channel; the strongest wins.
    func find(_ ref: [Float]) -> GlobalFind {
        let candidates = options.channel.map { [$0] } ?? Array(0..<capture.channelCount)
        var best: GlobalFind?
        for ch in candidates {
            let cap = centred(ch)
            let g = globalFind(ref: ref, cap: cap, channel: ch)
            if best == nil || g.score > best!.score { best = g }
        }
        return best!
    }

    /// Why the segments cannot be believed, or nil: at least
    /// ``AnalyzerTuning/uncorroboratedMinSegments`` segments, and no window any of them rests
    /// on has another window among its ``AnalyzerTuning/uncorroboratedNeighbours`` on either
    /// side that agrees with it (within ``AnalyzerTuning/uncorroboratedAgreeFrames`` once the
    /// drift between them is taken out; a window that cannot tell delays apart counts where
    /// it agrees). A sparse reference's
    /// windows each hold an impulse or two and match some impulse of the reference: the fuzz
    /// test's case 231, impulses through a room at 8 bits, made five segments of one window
    /// each at −8881, −7177, −2998, −702 and 1015 frames (the truth 2817) and read the latency
    /// at −8881 with six events; cases 155 and 291, impulses at 8 bits at 987 and 1206 ppm,
    /// read 9.2 and 2364 samples off.
    /// A faded log sweep through a room under hum with a gap and a repeat (case 110) makes
    /// three segments of one precise window each too, but four or five windows that cannot
    /// tell delays apart lie on each, within 0.15 frames, and it is read.
    /// Fewer segments are judged so too where a window that tells delays apart lies on none
    /// of them and beyond every segment's delay (by more than
    /// ``AnalyzerTuning/uncorroboratedAgreeFrames``): a short reference with a step makes two
    /// segments of one window each, and a window straddling the step reads a delay between
    /// theirs; one beyond both says the windows scatter, not that the capture steps. A faded
    /// log sweep through a room on 8-bit PCM, cut off after four windows' worth (fuzz case
    /// 1171, undamaged), read its windows at 6569.4, 6601.5 and 6593.3 frames (the truth
    /// 6593.98): two segments, a false 24-frame repeat and the latency 25 samples off at ±1.2.
    /// `points`: the windows tracked against the plain reference, whose drift is `totalDrift`.
    func uncorroboratedTrack(_ seg: Segmenter.Output, _ points: [TrackPoint], totalDrift: Double) -> String? {
        let own = Set(seg.segments.flatMap { $0.points.map(\.t) })
        func strayBeyond() -> Bool {
            let delays = seg.segments.map(\.level)
            let (lowest, highest) = (delays.min() ?? 0, delays.max() ?? 0)
            // (A window hanging over the reference's end carries σ 1 and does not vote: `Tracker.match`.)
            return points.contains { p in
                let d = p.d - totalDrift * p.pc
                return !own.contains(p.t) && !p.ambiguous && p.sigma < 1
                    && (d < lowest - tuning.uncorroboratedAgreeFrames || d > highest + tuning.uncorroboratedAgreeFrames)
            }
        }
        guard seg.segments.count >= tuning.uncorroboratedMinSegments || (seg.segments.count >= 2 && strayBeyond()) else { return nil }
        let reach = tuning.uncorroboratedNeighbours
        let agreed = points.indices.contains { i in
            let p = points[i]
            return own.contains(p.t) && points[max(0, i - reach)..<min(points.count, i + reach + 1)].contains { q in
                q.t != p.t && abs((q.d - p.d) - totalDrift * (q.pc - p.pc)) <= tuning.uncorroboratedAgreeFrames
            }
        }
        guard !agreed else { return nil }
        return "no two tracking windows agree on the delay of any of the \(seg.segments.count) segments: the segments do not describe the capture, and no latency is reported"
    }

    /// Why the segments cannot be believed, or nil: they hold fewer than
    /// ``AnalyzerTuning/looseTrackMinShare`` of the windows that tell delays apart where no
    /// drift could be measured (``Segmenter/Output/driftKnown``), fewer than
    /// ``AnalyzerTuning/looseTrackMinShareWithDrift`` where one was, among at least
    /// ``AnalyzerTuning/looseTrackMinWindows`` such windows. The rest match elsewhere: the
    /// capture drifts or wanders under a path the model does not follow. Through a room
    /// drifting 300 ppm a log sweep with a drop made its first segment of 1 of 26 such
    /// windows, without a drift, and read the latency 18.9 samples off; speech at −1000 ppm,
    /// 7 of 50, 10.7 samples off; speech at 300 ppm, with a drift, 6 of 53, 0.58 samples off
    /// with 2 false events.
    func looseTrack(_ seg: Segmenter.Output, _ points: [TrackPoint]) -> String? {
        let telling = points.filter { !$0.ambiguous }.count
        let onSegments = seg.segments.map { $0.points.filter { !$0.ambiguous }.count }.reduce(0, +)
        let share = seg.driftKnown ? tuning.looseTrackMinShareWithDrift : tuning.looseTrackMinShare
        guard telling >= tuning.looseTrackMinWindows, Double(onSegments) < share * Double(telling) else { return nil }
        return (seg.driftKnown ? "" : "no drift could be measured, and ") + "the segments hold \(onSegments) of the \(telling) windows that tell delays apart"
    }

    /// Why there is no signal, when no correlation peak stands out (nil when one does).
    func refusalWithoutPeak(_ find: GlobalFind) -> String? {
        if find.z >= tuning.findZThreshold, find.rho >= tuning.findMinRho { return nil }
        return find.capEnergy < 1e-12
            ? "the capture is silent (all samples zero after removing DC)"
            : String(format: "no correlation peak stands out: best peak is %.1f× the correlation noise (needs %.0f×), normalised correlation %.3f", find.z, tuning.findZThreshold, find.rho)
    }

    /// Track: every window of the capture located in the reference, outward from the global peak.
    func track(_ ref: [Float], _ cap: [Float], _ find: GlobalFind, polarity: Double) -> [TrackPoint] {
        var tracker = Tracker(ref: ref, cap: cap, rhoFloor: max(tuning.minWindowRho, tuning.windowRhoOfGlobal * find.rho))
        tracker.polarity = polarity
        return tracker.track(anchorDelay: find.lag)
    }

    /// Segment: windows of one delay grouped, the drift estimated. Drift smears every window
    /// a little (the delay changes inside it) and biases the slope, so with drift the
    /// reference is stretched by the estimate and tracked again: against the stretched
    /// reference the capture has (almost) no drift left. Returns the segments, the reference
    /// they are against, and the total drift.
    func segment(_ ref: [Float], _ cap: [Float], _ find: GlobalFind, _ points: [TrackPoint], polarity: Double) -> (Segmenter.Output, [Float], Double) {
        let seg = Segmenter(points: points, wholeSignal: wholeSignal(find, frames: ref.count, stretch: 0)).segments()
        guard seg.driftKnown, abs(seg.drift) > tuning.minDriftToRetrack,
              var again = retracked(ref, cap, find, stretch: seg.drift, polarity: polarity) else { return (seg, ref, seg.drift) }
        // The first estimate comes from windows the drift itself smears (a frame over a window
        // at 1000 ppm) and can be a few percent off: again while what is left is more than
        // the retracking threshold (a speech-like capture at −1000 ppm read −968, and −998.5
        // after one pass).
        if again.seg.driftKnown, abs(again.seg.drift) > tuning.minDriftToRetrack,
           let third = retracked(ref, cap, find, stretch: again.drift, polarity: polarity) { again = third }
        return (again.seg, again.model, again.drift)
    }

    /// The capture tracked and segmented again against the reference stretched by `1 + e`
    /// (from `find`'s lag, at `polarity`): its windows, segments, the stretched reference and
    /// the total drift; nil when fewer than two windows are tracked.
    func retracked(_ ref: [Float], _ cap: [Float], _ find: GlobalFind, stretch e: Double, polarity: Double)
        -> (points: [TrackPoint], seg: Segmenter.Output, model: [Float], drift: Double)? {
        let model = stretch(ref, by: 1 + e)
        let points = track(model, cap, find, polarity: polarity)
        guard points.count >= 2 else { return nil }
        let seg = Segmenter(points: points, wholeSignal: wholeSignal(find, frames: ref.count, stretch: e)).segments()
        return (points, seg, model, (1 + e) * (1 + seg.drift) - 1)
    }

    /// The capture tracked again against the reference stretched by ``StretchSearch``'s drift,
    /// when the windows are mostly ambiguous, saw a drift or a step, and that stretch matches
    /// the capture better than the tracking's drift by ``StretchSearch/minGain``; nil
    /// otherwise. The whole-signal find comes back with its lag at the stretched reference's
    /// delay: the segments are checked against that peak, not the unstretched one, which a
    /// linear sweep's coupling moves (174 frames at 1000 ppm over 2 s).
    func searchedStretch(_ ref: [Float], _ cap: [Float], _ find: GlobalFind, _ points: [TrackPoint], _ seg: Segmenter.Output,
                         drift: Double) -> (find: GlobalFind, points: [TrackPoint], seg: Segmenter.Output, model: [Float], drift: Double, polarity: Double)? {
        let ambiguousShare = Double(points.filter(\.ambiguous).count) / Double(max(1, points.count))
        guard ambiguousShare >= tuning.ambiguousShareToCheckGlobal,
              seg.segments.count > 1 || abs(drift) > tuning.minDriftToRetrack else { return nil }
        let search = StretchSearch(ref: ref, cap: cap, lag: find.lag, interp: interp)
        guard let found = search.search() else { return nil }
        let tracked = abs(search.peak(stretch: drift).value)
        guard abs(found.peak) >= (1 + StretchSearch.minGain) * tracked,
              search.rho(found.peak, stretch: found.drift, delay: found.delay) >= StretchSearch.minRho else { return nil }
        // Tracked from the delay and with the polarity the stretched reference matched with.
        var anchored = find
        anchored.lag = Int(found.delay.rounded())
        let polarity: Double = found.peak >= 0 ? 1 : -1
        guard let again = retracked(ref, cap, anchored, stretch: found.drift, polarity: polarity) else { return nil }
        return (anchored, again.points, again.seg, again.model, again.drift, polarity)
    }

    /// Every tracked window matches the reference at several delays (a steady tone, a
    /// periodic pulse train): no window can tell a step. When the whole-signal correlation
    /// still tells the delay apart (a pulse train's first and last pulses do), the latency
    /// comes from it alone; otherwise there is no latency to report.
    func ambiguousEverywhere(_ m0: LoopMeasurement, _ find: GlobalFind, ref: [Float], cap: [Float]) -> LoopMeasurement {
        globalPeakOnly(m0, find, why: "every tracking window matches the reference at several delays (a steady tone, a periodic or narrowband signal)", heldIn: (ref, cap))
    }

    /// The latency from the whole-signal correlation alone (no segments, no events), when the
    /// windows cannot be trusted for `why`; no latency either when that peak is ambiguous too,
    /// or when the capture (`heldIn`: the reference and the capture, where they are to be
    /// checked) holds part of the reference at another delay (``heardAtAnotherDelay(_:_:_:)``,
    /// ``heardBeforeTheOnset(_:_:level:minRho:)``; a periodic reference has its own check,
    /// ``alignmentBreak(_:_:_:period:)``).
    func globalPeakOnly(_ m0: LoopMeasurement, _ find: GlobalFind, why: String, ambiguous: Bool? = nil, heldIn: (ref: [Float], cap: [Float])? = nil) -> LoopMeasurement {
        var m = m0
        m.verdict = .noSignal
        m.latency = nil
        m.events = []
        m.crackles = 0
        m.segments = nil
        m.driftPPM = nil
        m.snrDB = nil
        m.gainDB = nil
        m.polarity = nil
        guard !(ambiguous ?? globalPeakAmbiguous(find)) else {
            m.reason = why + ", and so does the whole-signal correlation: the delay cannot be told, no latency is reported"
            return m
        }
        if let heldIn, let other = heardAtAnotherDelay(heldIn.ref, heldIn.cap, find) {
            m.reason = why + anotherDelayReason(other)
            return m
        }
        let level = Double(find.lags.lowerBound) + interp.refinePeak(of: find.corr, near: find.peakIndex).position
        if let heldIn, let before = heardBeforeTheOnset(heldIn.ref, heldIn.cap, level: level) {
            m.reason = why + heardBeforeReason(before, level: level)
            return m
        }
        m.verdict = .clean
        m.latency = .init(samples: level, sampleRate: reference.sampleRate, confidence: find.z)
        m.polarity = Int(find.polarity)
        m.reason = why + ": latency from the whole-signal correlation only; drift and discontinuities not analysed"
        return m
    }

    /// Why the segments disagree with the whole-signal correlation peak, or nil when one of
    /// them that holds at least ``AnalyzerTuning/globalAgreementEnergyShare`` of the
    /// reference's energy lies within ``AnalyzerTuning/globalAgreementFrames`` (plus what the
    /// drift moves over the reference) of it.
    func disagreementWithGlobalPeak(_ segments: [Segment], _ model: [Float], _ find: GlobalFind, drift: Double) -> String? {
        let shares = segmentShares(segments, model)
        guard segmentNear(shares, lag: Double(find.lag), drift: drift, frames: model.count) == nil else { return nil }
        let best = shares.max { $0.0 < $1.0 }
        return String(format: "the tracked segments disagree with the whole-signal correlation peak (delay %d; the largest segment, %.0f %% of the reference's energy, is at %.1f): the windows matched at the wrong delays (a periodic or narrowband signal)", find.lag, 100 * (best?.0 ?? 0), best?.1 ?? .nan)
    }

    /// Why the latency (the first segment's delay) cannot be vouched for, or nil. A first
    /// segment that rests on fewer than ``AnalyzerTuning/weakRunMinWindows`` windows, all of
    /// them ambiguous (and not placed again by its whole-segment correlation), while the
    /// whole-signal peak lies elsewhere, is a window's guess. A log sweep through a room, with
    /// hum, a drop and a gap: the windows after the drop wandered 2045–2250 frames early as the
    /// room's reflections passed, one of them was precise enough to make a segment, and it
    /// was read as the latency (2074.6 frames from the truth, with an invented 8146-frame
    /// drop and 10837-frame gap) while the whole-signal peak lay 2 frames from the truth.
    /// (The fuzz test's cases 260, 142 and 237; no corpus case has such a first segment.)
    func unvouchedFirstSegment(_ segments: [Segment], _ model: [Float], _ find: GlobalFind, drift: Double) -> String? {
        guard segments.count > 1, let first = segments.first, !first.refined,
              first.points.count < tuning.weakRunMinWindows, first.points.allSatisfy(\.ambiguous) else { return nil }
        let shares = segmentShares([first], model)
        guard let delay = shares.first?.1 else { return nil }
        guard abs(delay - Double(find.lag)) > tuning.globalAgreementFrames + abs(drift) * Double(model.count) else { return nil }
        let windows = first.points.count == 1 ? "1 window" : "\(first.points.count) windows"
        return String(format: "the first segment (delay %.1f) rests on %@ that cannot tell delays apart, away from the whole-signal correlation peak (delay %d)",
                      delay, windows, find.lag)
    }

    /// The whole-signal correlation's peak for the ``Segmenter`` to judge short runs by
    /// (``Segmenter/vouchedByTheWholeSignal``), with the reference's `frames` and the
    /// `stretch` the windows were tracked against; nil when the peak does not stand out.
    func wholeSignal(_ find: GlobalFind, frames: Int, stretch: Double) -> Segmenter.WholeSignal? {
        guard find.z >= tuning.findZThreshold else { return nil }
        return .init(lag: Double(find.lag), frames: frames, stretch: stretch)
    }

    /// Where the whole-signal correlation's peaks cluster, when that is away from its highest
    /// one: the stretch of ``AnalyzerTuning/clusterDrift`` times the reference's `frames`
    /// (what a drift that large moves the delay over the reference) where its square sums
    /// highest, and the highest lag inside it; nil unless that sum is
    /// ``AnalyzerTuning/clusterGain`` times the one around the highest peak and lies beyond a
    /// tracking search of it. A click track of lone full-band impulses drifting 300 ppm
    /// lines up one click per lag at the true delays, 27 frames apart over 1.9 s, while every
    /// other pairing of a captured click with a reference click makes a peak as high: the
    /// highest was one of those, 19 000 frames off, and the capture was called clean at that
    /// latency, or read as a chain of eight invented events. The true pairs cluster; the
    /// chance ones scatter.
    func clusteredPeak(_ find: GlobalFind, frames: Int) -> GlobalFind? {
        let c = find.corr
        guard let boxes = CorrelationBoxes(c, width: clusterWidth(frames)), c[find.peakIndex] != 0 else { return nil }
        let best = boxes.best, w = boxes.width
        var k = best
        for i in best..<(best + w) where abs(c[i]) > abs(c[k]) { k = i }
        guard abs(k - find.peakIndex) > AnalyzerTuning.searchRadius,
              boxes.energy(from: best) >= tuning.clusterGain * boxes.energy(from: find.peakIndex - w / 2) else { return nil }
        var g = find
        let share = abs(c[k]) / abs(c[find.peakIndex])
        (g.peakIndex, g.lag, g.z, g.rho) = (k, find.lags.lowerBound + k, find.z * share, find.rho * share)
        return g
    }

    /// The lags ``AnalyzerTuning/clusterDrift`` moves the delay over a reference of `frames`:
    /// the width of the boxes ``clusteredPeak`` and ``smearedPeak`` sum the correlation over.
    func clusterWidth(_ frames: Int) -> Int { Int((tuning.clusterDrift * Double(frames)).rounded(.up)) }

    /// The whole-signal peak smeared by drift, where no single lag stands out: the box of
    /// lags (what ``AnalyzerTuning/clusterDrift`` moves the delay over the reference) whose
    /// correlation holds the most energy, when that energy stands out of the same sums over
    /// the other boxes (their median, by their robust spread) by ``AnalyzerTuning/findZThreshold``.
    /// Its lag is the box's energy centroid (where the middle of the reference is heard),
    /// its normalised correlation the square root of the box's energy above the median box.
    ///
    /// Under drift ε a broadband reference of n frames slips past itself by εn frames: each
    /// stretch of it peaks at its own lag, and the peak spreads over εn lags, each 1/(εn) as
    /// high. White noise for 2 s at 300 ppm (29 lags) reached 17.5× its noise at a normalised
    /// 0.044, under the 0.05 asked; at 500 ppm and beyond, under 10× too: refused as no
    /// signal, while each tracking window (slipping under a frame) matches at 0.99. The
    /// energy is still all there, in the box: the fallback finds it, the windows do the rest.
    func smearedPeak(_ find: GlobalFind, frames: Int) -> GlobalFind? {
        let c = find.corr
        guard let boxes = CorrelationBoxes(c, width: clusterWidth(frames)), c.count >= tuning.smearedPeakMinBoxes * boxes.width,
              c[find.peakIndex] != 0 else { return nil }
        let best = boxes.best, w = boxes.width
        // The null: the boxes that tile the lags, but those overlapping the best one.
        let others = stride(from: 0, through: c.count - w, by: w).filter { abs($0 - best) >= w }.map(boxes.energy(from:))
        guard others.count >= tuning.smearedPeakMinBoxes / 2, let mid = Stats.median(others) else { return nil }
        let spread = (Stats.median(others.map { abs($0 - mid) }) ?? 0) / tuning.medianOfAbsoluteNormal
        let excess = boxes.energy(from: best) - mid
        guard spread > 0, excess / spread >= tuning.findZThreshold else { return nil }
        var moment = 0.0
        for i in best..<(best + w) { moment += Double(i) * c[i] * c[i] }
        let centre = min(c.count - 1, max(0, Int((moment / boxes.energy(from: best)).rounded())))
        var g = find
        // globalFind's normalisation: rho = |c| / √(E_ref · E_cap where it lies).
        let norm = abs(c[find.peakIndex]) / find.rho
        (g.peakIndex, g.lag, g.z, g.rho) = (centre, find.lags.lowerBound + centre, excess / spread, find.rho > 0 ? excess.squareRoot() / norm : 0)
        g.smeared = true
        return g
    }

    /// Whether the drift the track read gathers a smeared whole-signal peak
    /// (``GlobalFind/smeared``): the reference stretched by it correlates with the capture in
    /// a peak that stands out (``gatheredLag(_:_:_:drift:polarity:)``), where a segment holding
    /// ``AnalyzerTuning/globalAgreementEnergyShare`` of the reference starts
    /// (``AnalyzerTuning/globalAgreementFrames``). The analyzer's own chirp train at 1000 ppm
    /// with a drop, found by its smear, tracked chirps at other delays into a drift of −3100
    /// ppm and eleven events 16 samples off; stretched by that, it has no peak at all.
    /// `lag` is ``gatheredLag(_:_:_:drift:polarity:)`` at the track's drift.
    func smearGathered(at lag: Double?, segments: [Segment], model: [Float]) -> Bool {
        guard let lag else { return false }
        let shares = segmentShares(segments, model)
        return segments.indices.contains { k in
            k < shares.count && shares[k].0 >= tuning.globalAgreementEnergyShare && abs(segments[k].level - lag) <= tuning.globalAgreementFrames
        }
    }

    /// The lag (refined between samples) at which `ref` stretched by drift `e` peaks in the
    /// capture, where that peak stands out of its noise (``refusalWithoutPeak(_:)``) at
    /// `polarity`; nil otherwise.
    func gatheredLag(_ ref: [Float], _ cap: [Float], _ find: GlobalFind, drift e: Double, polarity: Double) -> Double? {
        guard e > -1 else { return nil }
        let stretched = stretch(ref, by: 1 + e)
        guard stretched.count >= 2 else { return nil }
        let g = globalFind(ref: stretched, cap: cap, channel: find.channel)
        guard refusalWithoutPeak(g) == nil, g.polarity == polarity else { return nil }
        let fine = interp.refinePeak(of: g.corr, near: g.peakIndex)
        return Double(g.lags.lowerBound) + fine.position
    }

    /// The track at the other polarity, where the whole-signal peak's sign is contested
    /// (``polarityContested``): from the piecewise find (``piecewisePeak``), whose pieces
    /// carry their own sign, or from the same lag at the other sign for a reference too
    /// short for pieces; nil unless its segments hold the track (``looseTrack``). Its find
    /// is marked ``GlobalFind/smeared``: the track's drift must gather the whole-signal
    /// correlation again, at that sign (``smearGathered``).
    func contestedPolarity(_ ref: [Float], _ cap: [Float], _ find: GlobalFind, polarity: Double)
        -> (find: GlobalFind, polarity: Double, points: [TrackPoint], seg: (Segmenter.Output, [Float], Double))? {
        guard polarityContested(find, frames: ref.count) else { return nil }
        var other = piecewisePeak(ref, cap: cap, find) ?? find
        if other.foundPolarity == nil { (other.foundPolarity, other.smeared) = (-polarity, true) }
        let p = other.polarity
        let points = track(ref, cap, other, polarity: p)
        guard !points.isEmpty else { return nil }
        let seg = segment(ref, cap, other, points, polarity: p)
        guard looseTrack(seg.0, points) == nil else { return nil }
        return (other, p, points, seg)
    }

    /// Whether the whole-signal peak's sign is in doubt: within what
    /// ``AnalyzerTuning/clusterDrift`` moves the delay over the reference's `frames`, a lag of
    /// the other sign reaches ``AnalyzerTuning/contestedPolarityShare`` of the peak. The
    /// analyzer's own chirp train for 2 s at 1000 ppm with two replacements peaked on a
    /// negative lobe (z 14): every window matched half a cycle off, a drift of −1556 ppm.
    func polarityContested(_ find: GlobalFind, frames: Int) -> Bool {
        let c = find.corr, k = find.peakIndex, w = clusterWidth(frames)
        guard c[k] != 0 else { return false }
        let lo = max(0, k - w), hi = min(c.count - 1, k + w)
        guard lo <= hi else { return false }
        let other = (lo...hi).reduce(0.0) { m, i in c[i] * c[k] < 0 ? max(m, abs(c[i])) : m }
        return other >= tuning.contestedPolarityShare * abs(c[k])
    }

    /// Each segment's share of the reference's energy and its delay at its middle (an empty
    /// list for a silent reference).
    func segmentShares(_ segments: [Segment], _ model: [Float]) -> [(Double, Double)] {
        var pre = [Double](repeating: 0, count: model.count + 1)
        for i in model.indices { pre[i + 1] = pre[i] + Double(model[i]) * Double(model[i]) }
        let total = pre[model.count]
        guard total > 0 else { return [] }
        return segments.map { s in
            let p0 = min(max(0, Int(s.refPosition(atCapture: Double(s.captureStart)))), model.count)
            let p1 = min(max(p0, Int(s.refPosition(atCapture: Double(s.captureEnd)))), model.count)
            return ((pre[p1] - pre[p0]) / total, s.delay(atRef: Double(p0 + p1) / 2))
        }
    }

    /// The first segment (by its ``segmentShares``) holding at least ``AnalyzerTuning/globalAgreementEnergyShare``
    /// of the reference's energy whose delay lies within ``AnalyzerTuning/globalAgreementFrames``
    /// (plus what the drift moves over the reference's `frames`) of `lag`, or nil (a silent
    /// reference, with no shares, agrees with anything).
    func segmentNear(_ shares: [(Double, Double)], lag: Double, drift: Double, frames: Int) -> Int? {
        guard !shares.isEmpty else { return 0 }
        let tolerance = tuning.globalAgreementFrames + abs(drift) * Double(frames)
        return shares.firstIndex { $0.0 >= tuning.globalAgreementEnergyShare && abs($0.1 - lag) <= tolerance }
    }

    /// Whether the whitened whole-signal correlation (``whitenedPeak``) stands out
    /// (``AnalyzerTuning/findZThreshold``) where a segment holding a fair share of the
    /// reference's energy lies, when the plain one's peak is elsewhere. Music repeats itself:
    /// through a room, with a drop, its plain peak lay 1308 frames from the segments, on a
    /// look-alike passage (the room's tail of its held notes lifts such a match), and the
    /// capture was refused as windows matched at the wrong delays. Whitened, the correlation
    /// peaks 325× above its noise at the largest segment's delay: the segments are the
    /// probe's. A capture whose windows locked a period off has no such whitened peak there.
    func whitenedPeakAgrees(_ segments: [Segment], _ model: [Float], plain: [Float], cap: [Float], _ find: GlobalFind, drift: Double) -> Bool {
        let a = max(0, find.lags.lowerBound), b = max(a, min(cap.count, find.lags.upperBound + plain.count))
        guard let w = whitenedPeak(ref: plain, cap: cap, a: a, b: b, lags: find.lags), w.z >= tuning.findZThreshold else { return false }
        return segmentNear(segmentShares(segments, model), lag: Double(find.lags.lowerBound + w.index), drift: drift, frames: model.count) != nil
    }

    /// Whether the whole-signal correlation has another peak (beyond the main one's lobe)
    /// closer to it than its own deficit can tell apart (``AnalyzerTuning/ambiguityMargin``).
    /// (The windows' rule: it also refuses a peak that is a poor match, as under drift a
    /// linear sweep's, whose whole-signal peak moves with the drift.)
    func globalPeakAmbiguous(_ find: GlobalFind) -> Bool {
        guard find.corr[find.peakIndex] != 0 else { return true }
        let second = globalCompetitor(find)?.1 ?? 0
        let rho2 = find.rho * second / abs(find.corr[find.peakIndex])
        return find.rho - rho2 < tuning.ambiguityGap(rho: find.rho)
    }

    /// The strongest whole-lag value of the whole-signal correlation beyond the main peak's
    /// lobe (its index and magnitude); nil when there is none or the peak is 0.
    func globalCompetitor(_ find: GlobalFind) -> (Int, Double)? {
        let c = find.corr, k = find.peakIndex
        guard c[k] != 0 else { return nil }
        var lo = k, hi = k
        while lo > 0, c[lo - 1] * c[k] > 0 { lo -= 1 }
        while hi < c.count - 1, c[hi + 1] * c[k] > 0 { hi += 1 }
        var second = 0.0, secondIndex = k
        for i in c.indices where (i < lo || i > hi) && abs(c[i]) > second { second = abs(c[i]); secondIndex = i }
        return second > 0 ? (secondIndex, second) : nil
    }

    /// For a periodic reference, whose windows all trail their competitors by nothing: whether
    /// the whole-signal peak's competitor (a period away), both refined between samples,
    /// trails it by less than ``AnalyzerTuning/globalAmbiguityMinGap`` or by less than
    /// ``AnalyzerTuning/findZThreshold`` times the noise of the two lags' difference. Not the
    /// windows' rule (a multiple of the deficit 1 − ρ): the capture's noise and the path's
    /// colouring lower both peaks alike, and only their difference's noise decides. (The
    /// capture is then checked to hold the reference at that delay throughout.)
    func periodicPeakAmbiguous(_ find: GlobalFind) -> Bool {
        let c = find.corr, k = find.peakIndex
        guard c[k] != 0 else { return true }
        guard let (secondIndex, _) = globalCompetitor(find) else { return false }
        // Both refined between samples: at a fractional delay a broadband peak's whole-lag
        // value is far below its true height.
        let peakValue = abs(interp.refinePeak(of: c, near: k).value)
        guard peakValue > 0 else { return true }
        let secondValue = min(peakValue, abs(interp.refinePeak(of: c, near: secondIndex).value))
        // The difference's noise: the correlation's noise σ times √(2(1 − r)), r = second /
        // peak, the two lags' templates being alike to r (a periodic competitor shares all
        // but the reference's edges with the peak, and noise moves both nearly alike).
        let differenceNoise = find.noise * (2 * (1 - secondValue / peakValue)).squareRoot()
        return 1 - secondValue / peakValue < tuning.globalAmbiguityMinGap || (peakValue - secondValue) < tuning.findZThreshold * differenceNoise
    }

    /// Refuse: a chain of steps declared where at least ``AnalyzerTuning/chainAmbiguousShare``
    /// of the windows cannot tell delays apart. Steps may only be declared from windows that
    /// can; where nearly none can, they lock whole carrier periods off and slide as the period
    /// changes. Linear sweeps through a room at 300 ppm (97 % of their windows ambiguous: one
    /// room's tail could not be fitted, the other's was not heard through the drift) read
    /// their 480-frame drop as 461 or 492 frames among 6–7 more drops, gaps and repeats of
    /// 1–60 frames, where their clean captures read no step at all. One step there is checked
    /// by its segments' whole-extent levels (``refineLockedLevels``: music-like captures with
    /// 90–94 % ambiguous windows read their one drop exactly); a chain of
    /// ``AnalyzerTuning/chainMinEvents`` or more is no measurement, and neither is the
    /// latency beside it.
    func refusalOfAChainOnAmbiguousWindows(_ result: Explainer.Result, ambiguousShare: Double) -> String? {
        guard result.events.count >= tuning.chainMinEvents, ambiguousShare >= tuning.chainAmbiguousShare else { return nil }
        return String(format: "%.0f %% of the windows cannot tell delays apart, and the chain of steps between their segments (%d events) cannot be told from windows locked whole periods off: no latency or events are reported", 100 * ambiguousShare, result.events.count)
    }

    /// Refuse, through a room: segments whose drift is known so loosely that their lines may
    /// tilt by more than ``AnalyzerTuning/roomLooseLineFrames`` over the reference (`frames`)
    /// within one standard error. Their levels, and so the latency and the sizes of the steps
    /// between them, cannot be told to a frame: a linear sweep through a room at −20 ppm with
    /// a drop (±23.5 ppm, 2.3 frames over 2 s) read its latency 0.34 samples off and its drop
    /// as a drop and a gap 10 830 and 19 144 frames late; speech at 3 ppm (±9.5 ppm, 0.9
    /// frames) read its latency 0.45 off and its drop as 482 frames. The corpus's widest,
    /// ±1.8 ppm, and the rooms' others (±3.4–4.1, 0.3–0.4 frames) stay.
    func refusalOfLooseLinesThroughARoom(_ seg: Segmenter.Output, frames: Int) -> String? {
        guard seg.driftKnown else { return nil }
        let se = seg.driftSE * Segmenter.correlatedResiduals(seg.segments)
        guard se.isFinite, se * Double(frames) > tuning.roomLooseLineFrames else { return nil }
        return String(format: "through a room, the drift is known only to ±%.1f ppm, %.1f frames over the reference: the segments' levels, the latency and the steps' sizes cannot be told to a frame, and none is reported", se * 1e6, se * Double(frames))
    }

    /// Refuse: a stretch of a segment that no tracked window matched and that the segment's
    /// alignment leaves as loud as the signal (``Explainer/unvouchedStretch(_:_:_:)``). A
    /// verdict on the rest of the probe would be confidently wrong about that stretch.
    func refusalAsUnexplained(_ result: Explainer.Result) -> String? {
        guard let u = result.unvouched else { return nil }
        let fs = Double(reference.sampleRate)
        return String(format: "the capture does not follow the reference in frames %d–%d (%.3f–%.3f s): no tracked window matches it there, and the alignment of the windows around it leaves a residual as loud as the signal (a stall or a jump the tracker could not follow, or other audio); no latency is reported rather than a verdict on part of the probe", u.lowerBound, u.upperBound, Double(u.lowerBound) / fs, Double(u.upperBound) / fs)
    }

    /// Refuse: the probe's first frames are at another delay than the rest (a step before the
    /// tracker's first window), but their stretch matches the reference as closely at two
    /// delays (``Explainer/Result/ambiguousLead``): the probe's first 300 frames, most of them
    /// its fade-in, at 30 dB, or a 20 Hz sweep's start behind the resonant high-pass. Which
    /// step it was, and so the latency, cannot be told; reading them as replaced gave the
    /// latency the step's size off at a stated ±0.002.
    func refusalOfAnAmbiguousLead(_ result: Explainer.Result) -> String? {
        guard let u = result.ambiguousLead else { return nil }
        let fs = Double(reference.sampleRate)
        return String(format: "the probe's first frames (capture frames %d–%d, %.3f–%.3f s) are at another delay than the rest, and match the reference as closely at two delays (a narrowband start, or one too short): the step before the tracker's first window, and so the latency, cannot be told; no latency is reported", u.lowerBound, u.upperBound, Double(u.lowerBound) / fs, Double(u.upperBound) / fs)
    }

    /// Refuse: the probe's last frames are at another delay than the last segment's, but
    /// their stretch's correlation has another lobe as high (``Explainer/Result/ambiguousTail``):
    /// the step before them cannot be sized.
    func refusalOfAnAmbiguousTail(_ result: Explainer.Result) -> String? {
        guard let u = result.ambiguousTail else { return nil }
        let fs = Double(reference.sampleRate)
        return String(format: "the probe's last frames (capture frames %d–%d, %.3f–%.3f s) are at another delay than the segment before them, and their correlation with the reference peaks as high a lobe away (narrowband content): the step before them cannot be sized; no latency is reported", u.lowerBound, u.upperBound, Double(u.lowerBound) / fs, Double(u.upperBound) / fs)
    }

    /// Refuse: an explanation that leaves more residual than signal, built on a weak
    /// whole-signal peak, is not a measurement: the capture holds the reference only in
    /// fragments (or something else). Say so rather than report the latency of a chance alignment.
    func refusalAsFragments(_ find: GlobalFind, _ result: Explainer.Result) -> String? {
        guard find.rho < tuning.fragmentRho, let snr = result.snrDB, snr < 0 else { return nil }
        return String(format: "the reference matches the capture only in fragments (normalised correlation %.3f; the best explanation leaves a residual %.1f dB above the signal): discontinuities closer together than the %d-frame tracking window, or a different signal; no latency is reported rather than a chance alignment", find.rho, -snr, AnalyzerTuning.trackingWindow)
    }

    /// Refuse: an explanation that leaves more residual than signal where that residual is
    /// far louder than the capture's noise (its quietest stretch) is no measurement either,
    /// however strong the whole-signal peak: the residual is the probe at other delays, or
    /// other audio. A 1135-frame reference with a 300-frame drop after its first 567 frames
    /// made one tracked window at the later delay, which explained 268 of its frames: read
    /// clean, 300 samples early, with the residual 7.7 dB above the signal and 31 dB above the
    /// capture's noise. Where the residual is the capture's noise (a capture at −5 dB SNR),
    /// the measurement stands. Only for a reference too short for the check of stretches the
    /// track did not vouch for (``Explainer/unvouchedStretch(_:_:_:)``, which judges runs of
    /// ``AnalyzerTuning/unvouchedMinWindows`` windows): over a longer one, a path the model
    /// does not follow leaves as much (log sweeps behind the resonant high-pass, 10–12 dB
    /// above the signal below its resonance, read within 0.003 samples).
    func refusalAsMisfit(_ result: Explainer.Result, referenceFrames: Int) -> String? {
        guard referenceFrames < tuning.unvouchedMinWindows * AnalyzerTuning.trackingWindow,
              let snr = result.snrDB, snr < 0, let over = result.residualOverFloor, over > tuning.misfitOverFloor else { return nil }
        return String(format: "the best explanation leaves a residual %.1f dB above the signal and %@ above the capture's quietest stretch: not noise, but the probe at delays the tracker did not find, or other audio; no latency is reported", -snr, over.isFinite ? String(format: "%.0f dB", 10 * log10(over)) : "far")
    }

    // MARK: - Global find

    struct GlobalFind {
        var channel: Int
        var lags: ClosedRange<Int>
        var corr: [Double]
        var peakIndex: Int
        var lag: Int
        var z: Double
        var rho: Double
        var capEnergy: Double
        /// The correlation's noise (robust spread away from the peak).
        var noise: Double
        /// Found by ``RoundTripAnalysis/smearedPeak``: its lag is where the reference's middle
        /// is heard, to the drift's smear, and the track must show that drift.
        var smeared = false
        /// The polarity where it is not the sign at the peak: the sign of the pieces a
        /// piecewise find agreed on (``RoundTripAnalysis/piecewisePeak``), or the other one
        /// where the peak's was contested (``RoundTripAnalysis/contestedPolarity``).
        var foundPolarity: Double?
        /// The path's polarity: ``foundPolarity``, or the sign of the correlation's peak.
        var polarity: Double { foundPolarity ?? (corr[peakIndex] >= 0 ? 1 : -1) }
        var score: Double { z * rho }
    }

    func globalFind(ref: [Float], cap: [Float], channel: Int) -> GlobalFind {
        let n = ref.count, mCap = cap.count
        let lags = findLags(referenceFrames: n, captureFrames: mCap, channel: channel)
        // Only the capture those lags read is transformed (all of it, for a whole capture).
        let a = max(0, lags.lowerBound), b = max(a, min(mCap, lags.upperBound + n))
        let corr = cap.withUnsafeBufferPointer { c in
            ref.withUnsafeBufferPointer { r in
                Correlation.crossCorrelate(signal: UnsafeBufferPointer(rebasing: c[a..<b]), template: r, lags: (lags.lowerBound - a)...(lags.upperBound - a), reuse: .template)
            }
        }
        var peak = 0
        for i in corr.indices where abs(corr[i]) > abs(corr[peak]) { peak = i }
        let lobe = truePeakLobe(corr, peak)
        peak = lobe.index
        let sigma: Double, capE: Double
        if let whole = options.wholeCapture?.channels[channel] {
            // A stretch of a longer recording: the noise and energy of the whole of it.
            (sigma, capE) = (whole.correlationNoise, whole.energy)
        } else {
            (sigma, capE) = (correlationNoise(corr, awayFrom: peak), energy(cap))
        }
        let height = lobe.height ?? abs(corr[peak])
        var z = sigma > 0 ? height / sigma : (height > 0 ? .infinity : 0)
        // A tonal capture's plain peak can stand too little above its own slow sidelobes:
        // judged again on the whitened correlation, where the peak must lie at the same lag.
        if z < tuning.findZThreshold, options.wholeCapture == nil,
           let whitened = whitenedPeak(ref: ref, cap: cap, a: a, b: b, lags: lags), abs(whitened.index - peak) <= tuning.findLobeSearch {
            z = whitened.z
        }
        // Normalised correlation against the capture energy where the reference lies.
        let lag = lags.lowerBound + peak
        var eWin = 0.0
        for t in max(0, lag)..<min(mCap, lag + n) { eWin += Double(cap[t]) * Double(cap[t]) }
        let rho = eWin > 0 ? height / (energy(ref) * eWin).squareRoot() : 0
        return GlobalFind(channel: channel, lags: lags, corr: corr, peakIndex: peak, lag: lag, z: z, rho: rho, capEnergy: capE, noise: sigma)
    }
}

extension RoundTripAnalysis {
    /// The whole-signal correlation whitened (``Correlation/whitenedCrossCorrelate``): its
    /// peak's index among `lags` and its height over the same robust noise as the plain one's.
    /// A tonal signal (music) whose plain peak stands only 8–9× above its slowly rolling
    /// correlation stands hundreds of times above the whitened one's noise at the same lag,
    /// while a capture of other audio has no whitened peak at all (a maximum of noise, ~5×).
    func whitenedPeak(ref: [Float], cap: [Float], a: Int, b: Int, lags: ClosedRange<Int>) -> (index: Int, z: Double)? {
        guard b > a else { return nil }
        let w = cap.withUnsafeBufferPointer { c in
            ref.withUnsafeBufferPointer { r in
                Correlation.whitenedCrossCorrelate(signal: UnsafeBufferPointer(rebasing: c[a..<b]), template: r, lags: (lags.lowerBound - a)...(lags.upperBound - a))
            }
        }
        var peak = 0
        for i in w.indices where abs(w[i]) > abs(w[peak]) { peak = i }
        let sigma = correlationNoise(w, awayFrom: peak)
        guard sigma > 0 else { return nil }
        return (peak, abs(w[peak]) / sigma)
    }

    /// A correlation's noise floor: the robust spread (median |c| / 0.6745) of every
    /// ``AnalyzerTuning/findNoiseSubsample``-th lag more than ``AnalyzerTuning/findPeakExclusion``
    /// lags from `peak`.
    func correlationNoise(_ corr: [Double], awayFrom peak: Int) -> Double {
        var sample: [Double] = []
        sample.reserveCapacity(corr.count / tuning.findNoiseSubsample + 1)
        var i = 0
        while i < corr.count {
            if abs(i - peak) > tuning.findPeakExclusion { sample.append(abs(corr[i])) }
            i += tuning.findNoiseSubsample
        }
        return (Stats.upperMedian(sample) ?? 0) / tuning.medianOfAbsoluteNormal
    }

    /// The lags of the whole-signal correlation: from half a reference before the capture's
    /// start to a quarter reference before its end. A stretch of a longer recording
    /// (``Analyzer/Options/wholeCapture``), whose noise and peak the whole recording's scan
    /// already gave, is correlated only ``AnalyzerTuning/stretchFindReferences`` references
    /// (plus a reverberation tail's reach) either side of that peak: what the analysis reads
    /// of the correlation is the peak's lobe, the tail's lags beside it and the competitor
    /// beyond the lobe (a periodic reference's a period away), and the stretch's whole 22 s
    /// of lags cost a fifth of a 60 s capture's analysis.
    func findLags(referenceFrames n: Int, captureFrames mCap: Int, channel: Int) -> ClosedRange<Int> {
        let all = (-(n / tuning.findLagsBeforeDivisor))...(mCap - n / tuning.findLagsTailDivisor)
        guard let whole = options.wholeCapture, channel < whole.channels.count else { return all }
        let peak = whole.channels[channel].peakLag - whole.offset
        let reach = tuning.stretchFindReferences * n + Int(tuning.reverbTailSeconds * Double(reference.sampleRate)) + tuning.findLobeSearch + 2
        let lo = max(all.lowerBound, peak - reach), hi = min(all.upperBound, peak + reach)
        return lo <= hi ? lo...hi : all
    }

    /// The lobe of the band-limited correlation that holds its true peak, near the whole-lag
    /// maximum `peak`: for a signal with its energy near the Nyquist frequency (a pulse
    /// train's doublet) at a fractional delay, the whole lags sample the main lobe off its top
    /// and a side lobe of the other sign can be larger there (the main lobe need not even hold
    /// a whole-lag extremum). The correlation is refined between samples from every lag within
    /// ``AnalyzerTuning/findLobeSearch`` of the peak; when another one
    /// stands higher than the peak's own, its nearest whole lag is the peak, and its refined
    /// `height` stands for the whole-lag value in z and ρ (nil when the peak stays).
    func truePeakLobe(_ corr: [Double], _ peak: Int) -> (index: Int, height: Double?) {
        guard corr[peak] != 0 else { return (peak, nil) }
        let own = abs(interp.refinePeak(of: corr, near: peak).value)
        var best = (index: peak, height: own)
        let span = tuning.findLobeSearch
        for j in max(1, peak - span)...min(corr.count - 2, peak + span) where j != peak {
            guard corr[j] != 0 else { continue }
            let r = interp.refinePeak(of: corr, near: j)
            let at = min(max(0, Int(r.position.rounded())), corr.count - 1)
            if abs(r.value) > best.height, corr[at] * r.value > 0 { best = (at, abs(r.value)) }
        }
        return best.index == peak ? (peak, nil) : best
    }
}

// MARK: - Small numeric helpers

extension RoundTripAnalysis {
    /// Δ²/4 when every sample of `x` lies on the grid of a coarse PCM format (8 to 12 bits:
    /// Δ = 2^−(bits−1)), else 0. Finer formats' steps are far below the click scan's own
    /// floor (−60 dB of the peak) and are not looked for.
    static func quantizationFloor(_ x: [Float]) -> Double {
        AnalyzerTuning.coarsePCMBits.first { onGrid(x, bits: $0) }.map(quantizationFloor(bits:)) ?? 0
    }

    /// `x`'s smallest and largest values, each where at least ``AnalyzerTuning/ceilingMinFrames``
    /// frames hold it exactly (a clipped capture's flat tops); nil on a side where fewer do.
    static func captureCeiling(_ x: [Float]) -> (low: Float?, high: Float?) {
        guard let lo = x.min(), let hi = x.max(), lo < hi else { return (nil, nil) }
        var (nLo, nHi) = (0, 0)
        for v in x { if v == lo { nLo += 1 } else if v == hi { nHi += 1 } }
        let k = AnalyzerTuning.standard.ceilingMinFrames
        return (nLo >= k ? lo : nil, nHi >= k ? hi : nil)
    }

    /// Whether every sample of `x` lies on the grid of `bits`-bit PCM.
    static func onGrid(_ x: [Float], bits: Int) -> Bool {
        let scale = Float(1 << (bits - 1))
        return x.allSatisfy { ($0 * scale).rounded() == $0 * scale }
    }

    /// ``quantizationFloor(_:)`` of the capture channel `find` chose (the whole recording's, when it was read in stretches).
    func captureQuantizationFloor(_ find: GlobalFind) -> Double {
        options.wholeCapture?.channels[find.channel].quantizationFloor ?? Self.quantizationFloor(capture.channels[find.channel])
    }

    /// Δ²/4 for `bits`-bit PCM (Δ = 2^−(bits−1)).
    static func quantizationFloor(bits: Int) -> Double {
        let step = 1 / Double(1 << (bits - 1))
        return step * step / 4
    }
}

func energy(_ x: [Float]) -> Double { energy(x[...]) }

func energy(_ x: ArraySlice<Float>) -> Double {
    var e = 0.0
    for v in x { e += Double(v) * Double(v) }
    return e
}

/// A correlation's energy in boxes of `width` lags (prefix sums of its square), and the box
/// that holds the most.
struct CorrelationBoxes {
    let width: Int
    private let prefix: [Double]
    /// The start of the box with the most energy (the first, of equals).
    let best: Int

    /// Nil for a width under 2 or over the correlation's length.
    init?(_ c: [Double], width w: Int) {
        guard w >= 2, c.count > w else { return nil }
        var pre = [Double](repeating: 0, count: c.count + 1)
        for i in c.indices { pre[i + 1] = pre[i] + c[i] * c[i] }
        (width, prefix) = (w, pre)
        var b = 0
        for i in 0...(c.count - w) where pre[i + w] - pre[i] > pre[b + w] - pre[b] { b = i }
        best = b
    }

    /// The energy of the box starting at lag index `start` (clipped to the correlation).
    func energy(from start: Int) -> Double {
        let n = prefix.count - 1
        return prefix[min(n, max(0, start + width))] - prefix[min(n, max(0, start))]
    }
}

/// The reference as a capture running `factor` times slower would hold it: out[u] = x(u / factor).
func stretch(_ x: [Float], by factor: Double) -> [Float] {
    let interp = SincInterpolator(halfWidth: AnalyzerTuning.interpolatorHalfWidth, phases: AnalyzerTuning.interpolatorPhases)
    let n = Int((Double(x.count) * factor).rounded(.down))
    // The batched interpolation (bit for bit `value(at:in:)`, DSPTests).
    return x.withUnsafeBufferPointer { xb in
        interp.values(at: 0..<max(0, n), in: xb) { Double($0) / factor }.map { Float($0) }
    }
}

func removeMean(_ x: [Float]) -> [Float] {
    var s = 0.0
    for v in x { s += Double(v) }
    return subtracting(Float(s / Double(max(1, x.count))), from: x)
}

/// `x` less `mean` (a mean computed elsewhere: over a whole recording `x` is a stretch of).
func subtracting(_ mean: Float, from x: [Float]) -> [Float] {
    mean == 0 ? x : x.map { $0 - mean }
}
