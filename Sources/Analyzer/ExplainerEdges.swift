// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

// The explainer's finer passes: the edges of a step, middle segments, the leading
// replacement, and whether inserted frames are a repeat.
extension Explainer {
    /// A stretch between segments `a` and `b` (capture frames r0..<r1) that neither explains
    /// but that the reference explains at a third delay: found by correlating the stretch
    /// where both misfit with the reference around both delays. Nil unless the match is close
    /// (``AnalyzerTuning/middleMinRho``) and long enough (``AnalyzerTuning/middleMinFrames``).
    /// With `b` nil, the stretch is looked for after `a`, the last segment (the probe's last
    /// frames at another delay).
    func middleSegment(a: Segment, fa: Fit, b: Segment?, fb: Fit?, r0: Int, r1: Int) -> Segment? {
        middleMatch(a: a, fa: fa, b: b, fb: fb, r0: r0, r1: r1).segment
    }

    /// A stretch inside the frames a step explained as foreign (`foreign`, capture frames)
    /// where one of its own segments, `a` or `b`, holds the capture again: the step is two,
    /// with that segment's delay between them. The middle search looks for a third delay
    /// only, where neither fits; a replacement followed, a stretch shorter than a tracking
    /// window later, by a step hides the stretch between at the first segment's delay. White
    /// noise at 8 kHz with 2079 frames replaced by silence and, 557 frames after, 378 frames
    /// repeated (fuzz case 2416) read a gap of 2636 and a drop of 2258 at one frame, the 557
    /// frames taken as foreign. The stretch is the longest run (``longestSmoothedRun(_:from:)``)
    /// where the segment's misfit stays under ``AnalyzerTuning/middleMisfitOfCapture`` of the
    /// capture's power while the capture holds signal (``AnalyzerTuning/middleMinCaptureOfSignal``):
    /// ``misfitStretch(a:fa:b:fb:r0:r1:)``'s test turned round, without its noise floor (a
    /// capture at the noise floor is no sign the segment holds it), and the segment's template
    /// follows it at ``AnalyzerTuning/middleMinRho``. Returns it as a short segment on that
    /// segment's line.
    func resumedSegment(a: Segment, fa: Fit, b: Segment, fb: Fit, foreign: Range<Int>) -> Segment? {
        let r0 = max(0, foreign.lowerBound), r1 = min(cap.count, foreign.upperBound)
        guard r1 - r0 > tuning.middleMinRegion else { return nil }
        let sig = max(fa.signalPower, fb.signalPower), n = r1 - r0
        let ec = smoothedPower(n) { Double(cap[r0 + $0]) }
        var best: (segment: Segment, frames: Int)?
        for (s, f) in [(a, fa), (b, fb)] {
            let m = template(s, r0, r1)
            let e = smoothedPower(n) { Double(cap[r0 + $0]) - f.gain * m[$0] }
            let fits = (0..<n).map { e[$0] <= tuning.middleMisfitOfCapture * ec[$0] && ec[$0] > tuning.middleMinCaptureOfSignal * sig }
            guard let run = longestSmoothedRun(fits, from: r0), run.count > best?.frames ?? 0 else { continue }
            let (s0, s1) = (run.lowerBound, run.upperBound)
            var cm = 0.0, mm = 0.0, cc = 0.0
            for t in s0..<s1 {
                let c = Double(cap[t]), v = m[t - r0]
                (cm, mm, cc) = (cm + c * v, mm + v * v, cc + c * c)
            }
            guard mm > 0, cc > 0, cm / (mm * cc).squareRoot() * (f.gain >= 0 ? 1 : -1) >= tuning.middleMinRho else { continue }
            let point = TrackPoint(t: s0, p: s.refPosition(atCapture: Double(s0)), rho: cm / (mm * cc).squareRoot(), sigma: 1)
            best = (Segment(level: s.level, drift: s.drift, captureStart: s0, captureEnd: s1, points: [point], short: true), s1 - s0)
        }
        return best?.segment
    }

    /// ``middleSegment(a:fa:b:fb:r0:r1:)``, or, with `judgeAmbiguity`, the stretch (capture
    /// frames) whose closest match another one comes as close to (``ambiguousMatch(_:at:)``);
    /// after the last segment (`b` nil), also the stretch whose match has a lobe beside it as
    /// high (``AnalyzerTuning/stretchRivalMax``).
    /// Judged for the probe's first frames only: between and after segments the search was
    /// kept as it was, since judged there too, a faded log sweep behind the 2 kHz low-pass with
    /// a drop above the cutoff lost the stretch that had it refused, and read clean with its
    /// latency 0.067 samples off at a stated ±0.008.
    func middleMatch(a: Segment, fa: Fit, b: Segment?, fb: Fit?, r0: Int, r1: Int, judgeAmbiguity: Bool = false) -> (segment: Segment?, ambiguous: Range<Int>?) {
        guard let stretch = misfitStretch(a: a, fa: fa, b: b, fb: fb, r0: r0, r1: r1) else { return (nil, nil) }
        return stretchMatch(stretch, a: a, fa: fa, b: b, judgeAmbiguity: judgeAmbiguity)
    }

    /// The longest stretch of capture frames in r0..<r1 where neither `a` nor `b` fits (`a`
    /// alone with `b` nil) but the capture holds signal, trimmed by the smoothing's reach; nil
    /// where none is ``AnalyzerTuning/middleMinFrames`` long.
    func misfitStretch(a: Segment, fa: Fit, b: Segment?, fb: Fit?, r0: Int, r1: Int) -> Range<Int>? {
        guard r1 - r0 > tuning.middleMinRegion else { return nil }
        let ma = template(a, r0, r1)
        let mb = b.map { template($0, r0, r1) } ?? [Double](repeating: 0, count: r1 - r0)
        let fb = fb ?? fa
        let n = r1 - r0
        var both = [Bool](repeating: false, count: n)
        let sig = max(fa.signalPower, fb.signalPower)
        let floor2 = max(fa.sigma2, fb.sigma2, tuning.stepSigma2FloorOfSignal * sig)
        // Frames where neither alignment fits (smoothed) but the capture holds signal.
        let ea = smoothedPower(n) { Double(cap[r0 + $0]) - fa.gain * ma[$0] }
        let eb = smoothedPower(n) { Double(cap[r0 + $0]) - fb.gain * mb[$0] }
        let ec = smoothedPower(n) { Double(cap[r0 + $0]) }
        let misfit = tuning.middleMisfitFloorMultiple, ofCapture = tuning.middleMisfitOfCapture
        for i in 0..<n {
            both[i] = ea[i] > max(misfit * floor2, ofCapture * ec[i]) && (b == nil || eb[i] > max(misfit * floor2, ofCapture * ec[i]))
                && ec[i] > tuning.middleMinCaptureOfSignal * sig
        }
        return longestSmoothedRun(both, from: r0)
    }

    /// The mean square of `x(i)` over frames ±``AnalyzerTuning/middleSmoothing`` of each `i` in
    /// 0..<n (clamped to them), by prefix sums: the misfit and capture power the middle and
    /// resumed-segment searches judge frames by.
    func smoothedPower(_ n: Int, _ x: (Int) -> Double) -> [Double] {
        var prefix = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { let v = x(i); prefix[i + 1] = prefix[i] + v * v }
        let half = tuning.middleSmoothing
        return (0..<n).map { i in
            let lo = max(0, i - half), hi = min(n, i + half)
            return (prefix[hi] - prefix[lo]) / Double(hi - lo)
        }
    }

    /// The longest run of frames where `holds` (frame `i` is capture frame `r0 + i`, each
    /// judged over ±``AnalyzerTuning/middleSmoothing``), the first of the longest, trimmed by
    /// the smoothing's reach at both ends (the boundaries are placed exactly later); nil where
    /// none is ``AnalyzerTuning/middleMinFrames`` long.
    func longestSmoothedRun(_ holds: [Bool], from r0: Int) -> Range<Int>? {
        let n = holds.count, half = tuning.middleSmoothing
        var best = (0, 0)
        var i = 0
        while i < n {
            guard holds[i] else { i += 1; continue }
            var j = i
            while j < n && holds[j] { j += 1 }
            if j - i > best.1 - best.0 { best = (i, j) }
            i = j
        }
        let s0 = r0 + best.0 + half, s1 = r0 + best.1 - half
        guard s1 - s0 >= tuning.middleMinFrames else { return nil }
        return s0..<s1
    }

    /// Capture frames `stretch` matched with the reference over delays around `a`'s and `b`'s
    /// (``AnalyzerTuning/searchRadius`` either side): a segment of its own at the closest
    /// match's level where that is close (``AnalyzerTuning/middleMinRho``) and at neither
    /// neighbour's; with `judgeAmbiguity`, the stretch itself where another delay matches as
    /// closely (``ambiguousMatch(_:at:)``).
    func stretchMatch(_ stretch: Range<Int>, a: Segment, fa: Fit, b: Segment?, judgeAmbiguity: Bool, minRho: Double? = nil, besideNeighbours: Bool = false) -> (segment: Segment?, ambiguous: Range<Int>?) {
        let s0 = stretch.lowerBound, s1 = stretch.upperBound
        guard s1 - s0 >= tuning.middleMinFrames else { return (nil, nil) }
        // Correlate that stretch with the reference over delays around both neighbours.
        let bLevel = b?.level ?? a.level
        let dLo = Int(min(a.level, bLevel).rounded(.down)) - AnalyzerTuning.searchRadius
        let dHi = Int(max(a.level, bLevel).rounded(.up)) + AnalyzerTuning.searchRadius
        let pLo = s0 - dHi, pHi = s0 - dLo   // reference start positions of the stretch
        guard let m = StretchCorrelation(ref: ref, cap: cap, stretch: s0..<s1, positions: pLo...pHi, polarity: fa.gain >= 0 ? 1 : -1,
                                         interp: interp, minReferenceEnergy: tuning.middleMinReferenceEnergy, refineLags: tuning.refineLags,
                                         centred: judgeAmbiguity, rivalReach: b == nil && !judgeAmbiguity ? tuning.stretchRivalReach : nil)
        else { return (nil, nil) }
        // Judged at the match's own delay, between whole-frame lags: speech-like and
        // multitone references at 8 kHz, their first copy before a repeat at delay 3210.4,
        // matched at 0.83-0.86 at whole lags, under the bar, and read clean, the repeat's
        // size late.
        guard m.peakRho >= minRho ?? tuning.middleMinRho else { return (nil, nil) }
        guard !judgeAmbiguity || !ambiguousMatch(m.rho, at: m.best) else { return (nil, s0..<s1) }
        // The probe's last frames, a lobe beside their match higher than it: which lobe is
        // theirs cannot be told (``AnalyzerTuning/stretchRivalMax``).
        if b == nil, !judgeAmbiguity, m.rivalRatio >= tuning.stretchRivalMax { return (nil, s0..<s1) }
        let p = m.position   // reference position heard at s0
        let level = stretchLevel(s0, s1, near: Double(s0) - p * (1 + a.drift), drift: a.drift, sign: m.sign, centred: judgeAmbiguity)
        // Not one of the neighbours again (unless asked where the stretch is heard, ``wanders(_:_:_:)``).
        guard besideNeighbours || abs(level - a.level) > tuning.middleMinDelayFromNeighbour, besideNeighbours || abs(level - bLevel) > tuning.middleMinDelayFromNeighbour || b == nil else { return (nil, nil) }
        let point = TrackPoint(t: s0, p: p, rho: m.bestRho, sigma: 1)
        return (Segment(level: level, drift: a.drift, captureStart: s0, captureEnd: s1, points: [point], short: true), nil)
    }

    /// Whether another peak of the normalised correlations `rho` (a local maximum beyond
    /// ``AnalyzerTuning/jumpDistance`` of `best`) comes within
    /// ``AnalyzerTuning/middleAmbiguityMargin`` times the best match's deficit of it, as a
    /// tracking window is judged (``AnalyzerTuning/ambiguityGap(rho:)``): the stretch cannot
    /// tell the two delays apart. A log sweep's narrowband start behind the resonant high-pass
    /// (a fuzz case at −1943 ppm on 8-bit PCM) matched its reference 1113 frames off, and
    /// the probe's first frames read there.
    func ambiguousMatch(_ rho: [Double], at best: Int) -> Bool {
        let gap = min(tuning.middleAmbiguityMargin * max(1 - rho[best], tuning.ambiguityMinDeficit), tuning.ambiguityMaxGap)
        let reach = Int(tuning.jumpDistance.rounded(.up))
        for k in rho.indices.dropFirst().dropLast() where abs(k - best) > reach && rho[k] >= rho[k - 1] && rho[k] >= rho[k + 1] {
            if rho[best] - rho[k] < gap { return true }
        }
        return false
    }

    /// The level at which capture frames `s0..<s1` correlate best (normalised) with the
    /// reference, within a frame of `level`. The raw correlation's peak leans toward lags
    /// that bring more of the reference under the stretch: the probe's first 700 frames,
    /// found in its fade-in, read 0.06 samples early, its first 300 frames 0.4. Every frame
    /// counts (a sparse reference's lone impulses fall between the frames of any subsample),
    /// so a stretch longer than ``AnalyzerTuning/levelRefineMaxFrames`` keeps `level`.
    /// `centred`: each side's mean over the stretch removed (the probe's first frames, ``StretchCorrelation``).
    func stretchLevel(_ s0: Int, _ s1: Int, near level: Double, drift: Double, sign: Double, centred: Bool = false) -> Double {
        guard let fit = stretchFit(s0, s1, drift: drift, sign: sign, centred: centred) else { return level }
        let r = SincInterpolator.maximize(around: level) { fit.rho($0) }
        return r.position.isFinite ? r.position : level
    }

    /// The normalised correlation of capture frames `s0..<s1` with the reference, as a function
    /// of the level (``stretchLevel(_:_:near:drift:sign:centred:)``); nil where the stretch is
    /// longer than ``AnalyzerTuning/levelRefineMaxFrames`` or silent.
    func stretchFit(_ s0: Int, _ s1: Int, drift: Double, sign: Double, centred: Bool = false) -> LevelFit? {
        guard s1 - s0 <= tuning.levelRefineMaxFrames else { return nil }
        return LevelFit(frames: Array(s0..<s1), cap: cap, model: ref, drift: drift, polarity: sign, interp: interp, centred: centred)
    }

    /// The probe's first frames at another delay, before the first tracked segment `a`: a
    /// stretch too short to track (a window or two, or ambiguous ones), found as the last
    /// frames after the last segment are (``middleSegment(a:fa:b:fb:r0:r1:)``, over the
    /// capture from a search radius before `a`'s delay to its first window). Speech through
    /// the resonant high-pass with a 904-frame gap after its first 3196 frames (the fuzz
    /// test's case 157) tracked one ambiguous window there; the rest read as the probe's first
    /// 3175 frames replaced, and the latency 904 frames late at a stated ±0.14.
    /// The stretch searched ends at the first window, or ``AnalyzerTuning/leadingConfirmFrames``
    /// after the replacement or the sound before the probe (`replaced`, capture frames) when
    /// that is later: a first window that straddles the step (the probe's first 300 frames at
    /// delay 777.8, its first window from frame 1024) is mostly `a`'s, and the walk ends a
    /// replacement where the capture follows over that many frames, up to that many before
    /// the step (a 200-frame drop after those 300 frames read as 447 replaced, the search
    /// stopped 53 frames before the step and found no stretch long enough to match).
    /// Where the stretch matches the reference as closely at two delays, it is returned as
    /// ambiguous: the probe stepped in its first frames, but by how much cannot be told.
    /// Where no stretch misfits enough to be searched and the replacement was `claimed` by
    /// the walk (not merely sound before the probe), the sound the replacement holds
    /// (``loudSpan(_:_:)``) is matched instead: case 157's first 2400 frames are digital
    /// silence and the next 800 lie 15–25 dB below the rest, under the 13 dB of residual the
    /// path leaves, and it is now refused as ambiguous. Sound before the probe is matched so
    /// too, but taken only where it matches at one delay: the pink floor under speech and
    /// noise with pauses matched the reference as closely at two delays, and four corpus
    /// cases read right would have been refused. (A short reference behind the 2 kHz
    /// low-pass at 8 kHz, which the path filter follows too loosely to be fitted, leaves a
    /// residual of 11 %, above the probe's first frames at the other delay: the fuzz test's
    /// case 197 read clean, 562 samples late.) The span is a block's at each end, and is
    /// matched again a block shorter at both where it matches at none.
    func leadingSegment(_ a: Segment, _ fa: Fit, replaced: Range<Int>, claimed: Bool = true) -> (lead: Segment?, ambiguous: Range<Int>?) {
        guard !a.short, let first = a.points.first?.t else { return (nil, nil) }
        let t = max(first, min(cap.count, replaced.upperBound + tuning.leadingConfirmFrames))
        let r0 = max(0, Int(a.level.rounded(.down)) - AnalyzerTuning.searchRadius), r1 = min(cap.count, t)
        guard r1 > r0 else { return (nil, nil) }
        var found = middleMatch(a: a, fa: fa, b: nil, fb: nil, r0: r0, r1: r1, judgeAmbiguity: true)
        // The sound the replacement holds (or the sound before the probe), where the misfit
        // is too faint for the search: the probe's first frames at another delay, many
        // decibels below the rest of it, or below the error of a model the path outdoes.
        let (lo, hi) = (max(r0, replaced.lowerBound), min(r1, replaced.upperBound))
        if found.segment == nil, found.ambiguous == nil, hi > lo, let loud = loudSpan(lo..<hi, fa) {
            // Sound as loud as the signal's (not a floor) is the probe at another delay, and is
            // matched as closely as the probe's own windows match, nearly
            // (``AnalyzerTuning/preProbeAmbiguousOfSignal``, ``AnalyzerTuning/loudLeadRhoBelowOwn``).
            let loudLead = captureEnergy(loud) >= tuning.preProbeAmbiguousOfSignal * fa.signalPower * Double(loud.count)
            let own = median(a.points.map { abs($0.rho) })
            let minRho = loudLead ? min(tuning.middleMinRho, own - tuning.loudLeadRhoBelowOwn) : tuning.middleMinRho
            var m = stretchMatch(loud, a: a, fa: fa, b: nil, judgeAmbiguity: true, minRho: minRho)
            // The span's ends are a block's, and may hold a block that is not the probe's.
            let blk = tuning.leadingBlock
            if m.segment == nil, m.ambiguous == nil, loud.count - 2 * blk >= tuning.middleMinFrames {
                m = stretchMatch((loud.lowerBound + blk)..<(loud.upperBound - blk), a: a, fa: fa, b: nil, judgeAmbiguity: true, minRho: minRho)
            }
            if claimed || m.ambiguous == nil || loudLead { found = m }
        }
        guard let lead = found.segment, !wanders(lead, a, fa) else { return (nil, found.ambiguous) }
        return lead.captureEnd <= t ? (lead, nil) : (nil, nil)
    }

    /// Whether stretch `l` (a segment of its own before `a`) is heard at a delay that moves
    /// toward `a`'s across it: its two halves, each matched as the stretch was, the first
    /// farther from `a`'s level than the whole stretch and the second nearer, more than
    /// ``AnalyzerTuning/middleMinDelayFromNeighbour`` and half the stretch's distance from
    /// `a` apart. A step leaves the probe's first frames at one other delay, its halves'
    /// levels apart by their error, small beside the step (a log sweep's first 1820 frames
    /// behind the 2 kHz low-pass, 1051 frames from the rest: halves 5.3 frames apart); a
    /// delay that moves to the segment's is the path's, whose delay changes with frequency
    /// through a resonance. A 20 Hz log sweep behind the resonant high-pass at 100 Hz
    /// (44.1 kHz) read its 110–160 Hz 5.4 frames early as a whole, its halves 13 early and
    /// 2 late, and the 5.4 frames as a false repeat.
    func wanders(_ l: Segment, _ a: Segment, _ fa: Fit) -> Bool {
        let mid = (l.captureStart + l.captureEnd) / 2
        let halves = [l.captureStart..<mid, mid..<l.captureEnd].map {
            stretchMatch($0, a: a, fa: fa, b: nil, judgeAmbiguity: false, besideNeighbours: true).segment?.level
        }
        guard let x = halves[0], let y = halves[1] else { return false }
        let step = abs(l.level - a.level)
        return abs(y - a.level) < step && abs(x - a.level) > step && abs(x - y) > max(tuning.middleMinDelayFromNeighbour, step / 2)
    }

    /// Capture frames before the first segment's reference is heard (over up to
    /// ``AnalyzerTuning/searchRadius`` frames before its level plus the reference's onset,
    /// ``referenceOnset()``: a reference that starts with silence is silent there too) that
    /// hold sound: the blocks
    /// louder than ``AnalyzerTuning/preProbeNoiseMultiple`` times their noise, from the
    /// first to the last, when they hold at least ``AnalyzerTuning/preProbeMinFrames``. Nil
    /// where there is only noise. Nothing of a causal path's probe can come before its first
    /// frame: sound there is the probe's start at another delay (a repeat in its first frames
    /// at delay 1234.37 read clean, 200 samples late; a 400-frame repeat after the first 700
    /// frames of noise with pauses 1135 frames long, whose first burst starts at frame 405,
    /// read clean, 400 samples late, the sound before the onset unlooked at), or audio that
    /// is not the probe.
    func soundBeforeProbe(_ s: Segment, _ f: Fit) -> Range<Int>? {
        let onset = Double(referenceOnset()) * (1 + s.drift)
        let end = min(cap.count, Int((s.level + onset).rounded(.down)) - tuning.preProbeGuardFrames)
        return loudSpan(max(0, end - AnalyzerTuning.searchRadius)..<max(0, end), f)
    }

    /// The capture frames in `range` from the first to the last 32-frame block (counted from
    /// its end) louder than ``AnalyzerTuning/preProbeNoiseMultiple`` times its noise and
    /// ``AnalyzerTuning/leadingFaintOfSignal`` of the signal, when such blocks hold at least
    /// ``AnalyzerTuning/preProbeMinFrames``; nil where there is only noise.
    func loudSpan(_ range: Range<Int>, _ f: Fit) -> Range<Int>? {
        let blk = tuning.leadingBlock
        let end = min(cap.count, range.upperBound), begin = max(0, range.lowerBound)
        guard end - begin >= blk, f.signalPower > 0 else { return nil }
        var first: Int?, last = 0, loud = 0
        var b = end - blk
        while b >= begin {
            var ce = 0.0
            for i in b..<(b + blk) { ce += Double(cap[i]) * Double(cap[i]) }
            if ce > max(tuning.leadingFaintOfSignal * f.signalPower, tuning.preProbeNoiseMultiple * f.sigma2) * Double(blk) {
                if first == nil { last = b + blk }
                first = b
                loud += blk
            }
            b -= blk
        }
        guard let lo = first, loud >= tuning.preProbeMinFrames else { return nil }
        return lo..<last
    }

    /// Whether the capture from `c` follows the probe's template `m` from `t` over
    /// ``AnalyzerTuning/leadingConfirmFrames`` (normalised correlation of at least `rho`, at
    /// the segment's sign), or that stretch is too short or faint to say otherwise.
    func followsOnward(from c: Int, template m: [Double], at t: Int, fit f: Fit, rho: Double) -> Bool {
        guard let r = normalisedCorrelation(from: c, template: m, at: t, count: tuning.leadingConfirmFrames, fit: f) else { return true }
        return r >= rho
    }

    /// The normalised correlation of `count` capture frames from `c` with the template `m`
    /// from `t` (at the sign of the fit's gain), over the blocks where the probe is loud enough
    /// to judge (as the walk judges them: a reference with pauses, or lone impulses, leaves
    /// the capture's noise alone in the rest, and that is no sign of a replacement); nil where
    /// fewer frames are left or fewer than ``AnalyzerTuning/leadingConfirmMinBlocks`` blocks
    /// can be judged.
    func normalisedCorrelation(from c: Int, template m: [Double], at t: Int, count: Int, fit f: Fit) -> Double? {
        guard min(m.count, t + count, cap.count - c + t) - t >= count else { return nil }
        let s = blockSums(from: c, template: m, at: t, count: count, fit: f) { !faintBlock($0, f) }
        guard s.blocks >= tuning.leadingConfirmMinBlocks, s.ce > 0, s.me > 0 else { return nil }
        return s.cm / (s.ce * s.me).squareRoot()
    }

    /// The capture's (`ce`) and the probe's (`me`, at the fit's gain) energies and their
    /// product (`cm`) over the blocks of `count` frames from template frame `t` (capture frame
    /// `c`) that `keep` takes by the probe's energy in them, and how many blocks it took.
    func blockSums(from c: Int, template m: [Double], at t: Int, count: Int, fit f: Fit, keep: (Double) -> Bool) -> (cm: Double, ce: Double, me: Double, blocks: Int) {
        let blk = tuning.leadingBlock
        let end = min(m.count, t + count, cap.count - c + t)
        var cm = 0.0, ce = 0.0, me = 0.0, blocks = 0
        var b = t
        while b + blk <= end {
            var bcm = 0.0, bce = 0.0, bme = 0.0
            for i in b..<(b + blk) {
                let g = f.gain * m[i], x = Double(cap[c + i - t])
                bcm += x * g
                bce += x * x
                bme += g * g
            }
            b += blk
            guard keep(bme) else { continue }
            cm += bcm
            ce += bce
            me += bme
            blocks += 1
        }
        return (cm, ce, me, blocks)
    }

    /// A block of the probe (energy `me` at the fit's gain) too faint to judge: under
    /// ``AnalyzerTuning/leadingFaintOfSignal`` of the signal, or
    /// ``AnalyzerTuning/leadingFaintNoiseMultiple`` times the block's noise.
    func faintBlock(_ me: Double, _ f: Fit) -> Bool {
        let blk = Double(tuning.leadingBlock)
        return me < max(tuning.leadingFaintOfSignal * f.signalPower * blk, tuning.leadingFaintNoiseMultiple * blk * f.sigma2)
    }

    /// The probe's first frames replaced (by silence, or by audio that is not the probe) before
    /// the first segment's audio begins: QEMU replays a stale ring or a queue of old silence
    /// at the stream's start. The first segment is taken to start where the reference does:
    /// inside its fade-in the reference is too faint for the capture to tell either way.
    /// Returns the capture frame and the length, or nil when the probe starts intact.
    /// `pathOver`: nil too where the capture there is as quiet as the path, measured over that
    /// segment, may make it (``quietWhereThePathMayStop(_:_:probe:pathOver:)``); not asked
    /// where the replacement only tells the lead search where to look
    /// (``leadingSegment(_:_:replaced:claimed:)``: the probe's first frames at another delay
    /// are sound there, whatever the path does).
    func leadingReplacement(_ s: Segment, _ f: Fit, pathOver: Segment? = nil) -> (start: Int, size: Int)? {
        // From the first capture frame at or after the probe's first sample, a level within
        // ``AnalyzerTuning/onWholeFrame`` of a whole frame counting as on it: at a whole delay
        // the level sits a hair either side (2785.0000024 or 2784.99999), and rounding that
        // up put the replacement's start a frame late and one frame short.
        let (_, rb) = refSpan(s)
        let start = max(0, Int((s.level - tuning.onWholeFrame).rounded(.up)))
        let limit = min(cap.count, s.captureEnd, rb)
        guard limit - start > tuning.leadingMinFrames, f.signalPower > 0 else { return nil }
        let m = template(s, start, limit)
        let blk = tuning.leadingBlock
        // How closely the capture follows the probe where the segment was tracked: a path
        // that colours the probe (a resonance near 100 Hz under noise) holds it lower there
        // too, and the onward test asks that much of the probe's start.
        let tracked = max(0, min(m.count - tuning.leadingConfirmFrames, (s.points.first?.t ?? start) - start))
        let window = min(AnalyzerTuning.trackingWindow, m.count - tracked)
        let reach = min(1, max(0, normalisedCorrelation(from: start + tracked, template: m, at: tracked, count: window, fit: f) ?? 1))
        let (t, replaced, firstMissing) = walkMissingBlocks(start, template: m, fit: f, reach: reach)
        guard replaced >= tuning.leadingMinReplaced, t >= tuning.leadingMinWalked else { return nil }
        // The exact end: the probe-aligned fit takes over from the replacement.
        let n = min(m.count, t + tuning.leadingEndSearchFrames)
        var pr = [Double](repeating: 0, count: n + 1), pc = pr
        for i in 0..<n {
            let c = Double(cap[start + i])
            let e = c - f.gain * m[i]
            pr[i + 1] = pr[i] + e * e
            pc[i + 1] = pc[i] + c * c + tuning.foreignFrameCost * f.sigma2
        }
        var best = (t2: t, cost: Double.infinity)
        for t2 in max(1, t - tuning.leadingEndSearchBlocksBack * blk)...n {
            let cost = pc[t2] + (pr[n] - pr[t2])
            if cost < best.cost { best = (t2, cost) }
        }
        // The probe comes back at its level right after the end (not fading in, nor rising
        // through a resonance): its gain there against the segment's, either polarity.
        var cm = 0.0, mm = 0.0
        for i in best.t2..<min(m.count, best.t2 + tuning.leadingResumeFrames) {
            cm += Double(cap[start + i]) * m[i]
            mm += m[i] * m[i]
        }
        let resumed = mm > 0 ? cm / mm / f.gain : 1
        if resumed < tuning.leadingResumeGainRatio || resumed > 1 / tuning.leadingResumeGainRatio { return nil }
        // …and it replaced some of the probe: the end search can put the end before the first
        // block found missing, and a stretch where the reference is silent (a click track's
        // silence before its first click) cannot be told replaced. (A clean copy of three
        // clicks at a fractional delay read its first 1920 silent frames as replaced.)
        var replacedProbe = 0.0
        for i in 0..<best.t2 { replacedProbe += f.gain * f.gain * m[i] * m[i] }
        guard replacedProbe >= tuning.leadingFaintOfSignal * f.signalPower * Double(tuning.leadingMinReplaced) else { return nil }
        // Nor is it one where the capture, taken over the stretch claimed, or over the blocks
        // before the first found missing (each too faint to judge alone), follows the probe
        // about as well as where the segment was tracked: the walk claims from the probe's
        // first frame, and skips what it cannot judge.
        let heardWhereTracked = heardShare(from: start, template: m, tracked..<(tracked + window), fit: f) ?? 1
        for span in [0..<firstMissing, 0..<min(t, best.t2)] {
            if let heard = heardShare(from: start, template: m, span, fit: f), heard >= tuning.leadingHeardOfTracked * min(1, heardWhereTracked) { return nil }
        }
        if heardBare(s, from: start, upTo: limit, claimed: 0..<min(t, best.t2), tracked: tracked..<(tracked + window), fit: f) { return nil }
        if let p = pathOver, quietWhereThePathMayStop(s, start..<(start + best.t2), probe: replacedProbe, pathOver: p) { return nil }
        return (start, best.t2)
    }

    /// Whether the capture over template frames `claimed` (capture frames from `start`) follows
    /// the model before the path's colouring (``Explainer/bare``) as well as a replaced
    /// stretch cannot: ``heardShare(from:template:_:fit:)`` against the bare model reaches
    /// ``AnalyzerTuning/leadingHeardOfTracked`` of what it reaches over `tracked`, as it is
    /// asked of the coloured model. The path filter is fitted on the longest segment from its
    /// first window that tells delays apart, and a multitone's bursts before it play tones
    /// the fit never saw: there the filter may make anything of them. Multitone bursts
    /// behind the resonant high-pass under hum, drifting 313 ppm (fuzz case 1107), whose
    /// first bursts' windows all matched at the true delay (ρ 0.83–0.90) but could not tell
    /// delays apart, were modelled there 13 dB over the capture at a correlation of 0.08, and
    /// their first 15424 frames read as replaced; the capture follows the bare reference
    /// there at 0.82–0.89. False where there is no bare model (the model is not coloured).
    func heardBare(_ s: Segment, from start: Int, upTo limit: Int, claimed: Range<Int>, tracked: Range<Int>, fit f: Fit) -> Bool {
        let end = min(limit, start + max(claimed.upperBound, tracked.upperBound))
        guard !claimed.isEmpty, end > start, let mb = bareValues(s, start..<end) else { return false }
        guard let whereTracked = heardShare(from: start, template: mb, tracked, fit: f),
              let heard = heardShare(from: start, template: mb, claimed, fit: f) else { return false }
        return heard >= tuning.leadingHeardOfTracked * min(1, whereTracked)
    }

    /// The walk over the probe's first blocks (capture frames from `start`, template `m`)
    /// while the probe is missing or too faint to judge: where it ends (template frames: where
    /// the probe is heard again, else after the last block found missing), how many frames it
    /// found missing, and the first of them. `reach`: how closely the capture follows the
    /// probe where the segment was tracked.
    func walkMissingBlocks(_ start: Int, template m: [Double], fit f: Fit, reach: Double) -> (end: Int, replaced: Int, firstMissing: Int) {
        let blk = tuning.leadingBlock
        // A block follows as closely as the capture does where it was tracked, nearly: a path
        // the model does not fit holds every block lower (an undamaged sparse reference behind
        // the 2 kHz low-pass, its impulses followed at 0.71 where tracked and in each block,
        // read as replaced).
        let rho = max(tuning.leadingFollowsRho * reach, tuning.leadingFollowsMinRho)
        var t = 0
        var replaced = 0, firstMissing = 0, lastMissing = 0
        // Walk blocks while the probe is missing (residual, beyond the noise, at least
        // half the probe's energy there) or too faint to judge.
        while t + blk <= m.count {
            var me = 0.0, re = 0.0, ce = 0.0, cm = 0.0
            for i in t..<(t + blk) {
                let g = f.gain * m[i], c = Double(cap[start + i])
                let e = c - g
                me += g * g
                re += e * e
                ce += c * c
                cm += c * g
            }
            let noise = Double(blk) * f.sigma2
            if faintBlock(me, f) { t += blk; continue }
            // The probe at a lower level is the path's doing, not a replacement; nor is a block
            // beyond the noise and its spread. Either holds only where the capture follows the
            // probe over the longer stretch from here too (a block alone is under a cycle of
            // the chirp train's first kilohertz).
            let follows = cm > 0 && cm * cm >= rho * rho * ce * me
            let missing = re - noise > tuning.leadingMissingOfProbe * me + tuning.leadingNoiseSpread * noise
            if (follows || !missing) && followsOnward(from: start + t, template: m, at: t, fit: f, rho: tuning.leadingFollowsRho * reach) { return (t, replaced, firstMissing) }
            if replaced == 0 { firstMissing = t }
            replaced += blk
            t += blk
            lastMissing = t
        }
        // Where the probe is never heard again, the blocks too faint to judge after the last
        // one found missing tell nothing, and the walk through them to the probe's end claimed
        // it all: noise with pauses behind the resonant high-pass under a pink floor (fuzz
        // case 2086), whose misfit left every block but one too faint to judge alone, read its
        // whole probe replaced for a true 209-frame replacement 3850 frames in.
        return (lastMissing, replaced, firstMissing)
    }

    /// How much of the probe the capture holds over template frames `span` (capture frames
    /// from `c` on): their normalised correlation over every block where the reference is
    /// not silent (``AnalyzerTuning/leadingFaintOfSignal`` of the signal), however faint beside
    /// the noise, as a share of the correlation the probe would reach there under the fit's
    /// noise, √(me / (me + n σ²)). About 1 where the probe is there, about 0 where it was
    /// replaced; nil where the reference is silent throughout.
    func heardShare(from c: Int, template m: [Double], _ span: Range<Int>, fit f: Fit) -> Double? {
        let s = blockSums(from: c + span.lowerBound, template: m, at: span.lowerBound, count: span.count, fit: f) {
            $0 >= tuning.leadingFaintOfSignal * f.signalPower * Double(tuning.leadingBlock)
        }
        guard s.ce > 0, s.me > 0 else { return nil }
        let expected = (s.me / (s.me + Double(s.blocks * tuning.leadingBlock) * f.sigma2)).squareRoot()
        return s.cm / (s.ce * s.me).squareRoot() / expected
    }

    /// Whether capture frames `span` of segment `s`, which hold `probe` of the probe's energy at
    /// the fit's gain, are as quiet as the path may make them: the capture holds under
    /// ``AnalyzerTuning/dropoutCaptureOfProbe`` of that probe, and so does what the path's
    /// response makes of those frames, measured over segment `pathOver` (the longest: the
    /// first can be a window or two, which plays a chirp train's top alone, and a card
    /// model's stale silence over the train's first 176 frames went unclaimed) from its
    /// first window on
    /// (``PathResponse/init(ref:cap:segment:leavingOut:)``: a band the rest never plays, at
    /// the edge of what it plays, is taken as stopped). Silence where the path may give
    /// silence cannot be told replaced: a log sweep from 20 Hz behind the resonant high-pass
    /// at 100 Hz comes back 9-28 dB down and inverted below 60 Hz, which the short path model
    /// does not follow, and read as its first 1581 frames replaced.
    func quietWhereThePathMayStop(_ s: Segment, _ span: Range<Int>, probe: Double, pathOver: Segment) -> Bool {
        let lo = max(0, span.lowerBound), hi = min(cap.count, span.upperBound)
        guard hi > lo, probe > 0 else { return false }
        let limit = tuning.dropoutCaptureOfProbe * probe
        // Measured from the segment's first window on: before the first's lies the stretch judged.
        var tracked = pathOver
        tracked.captureStart = max(pathOver.captureStart, pathOver.points.first?.t ?? pathOver.captureStart)
        guard captureEnergy(lo..<hi) < limit, let rest = PathResponse(ref: ref, cap: cap, segment: tracked, leavingOut: lo..<hi) else { return false }
        let p0 = Int(s.refPosition(atCapture: Double(lo)).rounded(.down)), p1 = Int(s.refPosition(atCapture: Double(hi)).rounded(.up))
        return rest.heardPower(of: ref, p0..<p1) * Double(hi - lo) < limit
    }

    /// The last reference sample A plays (`kCut` is the first it does not) and the first one B
    /// plays, each chosen near the split so that the band-limited signal that stops
    /// (starts) exactly there fits the capture around the edge best. With `directOnly`
    /// (a replacement inside one segment) through a room the model holds (``tailFrames``),
    /// only the direct sound (``plain``) stops and starts: the tail of the sound before the
    /// edge plays on, and cut with the direct sound it put a replacement's start late.
    func refineEdges(a: Segment, fa: Fit, b: Segment, fb: Fit, t1: Int, t2: Int, di: Int, eventWorth: Double, directOnly: Bool = false) -> (kCut: Int, kStart: Int) {
        let around = tuning.edgeScoreFrames
        // Each candidate k scored on `frames` against segment `s` with the samples `removed(k)` silent.
        func costs(_ s: Segment, _ gain: Double, around k0: Int, _ frames: Range<Int>, _ removed: (Int) -> Range<Int>) -> [(Int, Double)] {
            edgeCosts(around: k0) { k in
                var cost = 0.0
                for (t, v) in zip(frames, modelWithout(s, removed: removed(k), frames: frames, directOnly: directOnly)) {
                    let e = Double(cap[t]) - gain * v
                    cost += e * e
                }
                return cost
            }
        }
        let kA0 = Int(a.refPosition(atCapture: Double(t1)).rounded())
        let costA = costs(a, fa.gain, around: kA0, span(max(0, t1 - around), min(t2, t1 + around, cap.count))) { from($0) }
        let kB0 = Int(b.refPosition(atCapture: Double(t2)).rounded())
        let costB = costs(b, fb.gain, around: kB0, span(max(0, t1, t2 - around), min(t2 + around, cap.count))) { until($0) }
        // The edges are scored apart, then paired: an explanation with one event more
        // (a drop beside the gap, a repeat after it) must be worth it.
        var best = (kA0, kB0, Double.infinity)
        for (ka, ca) in costA {
            for (kb, cb) in costB where kb >= ka - di {
                let count = (kb - ka + di > 0 ? 1 : 0) + (kb != ka ? 1 : 0)
                let score = ca + cb + Double(max(0, count - 1)) * eventWorth
                if score < best.2 { best = (ka, kb, score) }
            }
        }
        return (best.0, best.1)
    }

    /// The model at capture frames `frames` on segment `s`'s line with reference samples
    /// `removed` silent: the band-limited signal stopping and starting at their edges. With
    /// `directOnly`, through a room the model holds (``tailFrames``), only their direct sound
    /// (``plain``) is: the tail of the sound before plays on through them.
    func modelWithout(_ s: Segment, removed: Range<Int>, frames: Range<Int>, directOnly: Bool) -> [Double] {
        if directOnly, tailFrames > 0, let plain {
            let m = template(s, frames.lowerBound, frames.upperBound)
            return plain.withUnsafeBufferPointer { pb in
                frames.map { m[$0 - frames.lowerBound] - interp.value(at: s.refPosition(atCapture: Double($0)), in: pb, valid: removed) }
            }
        }
        let before = until(removed.lowerBound), after = from(removed.upperBound)
        return ref.withUnsafeBufferPointer { rb in
            frames.map { t in
                let p = s.refPosition(atCapture: Double(t))
                return (before.isEmpty ? 0 : interp.value(at: p, in: rb, valid: before)) + (after.isEmpty ? 0 : interp.value(at: p, in: rb, valid: after))
            }
        }
    }

    /// Reference samples tried either side of an edge's estimate: ``AnalyzerTuning/edgeCandidates``,
    /// or through a room the model holds (``tailFrames``) ``AnalyzerTuning/edgeCandidatesUnderATail``.
    var edgeCandidates: Int { tailFrames > 0 ? tuning.edgeCandidatesUnderATail : tuning.edgeCandidates }

    /// `cost` of each candidate edge from ``edgeCandidates`` before `k0` to as
    /// many after it, and on past either end while the best candidate is that end, up to
    /// ``AnalyzerTuning/edgeMaxReach`` from `k0`: the split that gave `k0` reads an edge a few
    /// frames off where the path smears it (faint noise behind the resonant high-pass, fuzz
    /// case 2375, read a 671-frame replacement as 670, its best candidate the last tried).
    func edgeCosts(around k0: Int, _ cost: (Int) -> Double) -> [(Int, Double)] {
        let kc = edgeCandidates
        var lo = k0 - kc, hi = k0 + kc
        var costs = (lo...hi).map { ($0, cost($0)) }
        while let best = costs.min(by: { $0.1 < $1.1 })?.0 {
            if best == lo, k0 - lo < tuning.edgeMaxReach {
                lo -= 1
                costs.insert((lo, cost(lo)), at: 0)
            } else if best == hi, hi - k0 < tuning.edgeMaxReach {
                hi += 1
                costs.append((hi, cost(hi)))
            } else { break }
        }
        return costs
    }

    /// Both edges at once, for a short event: every (kCut, kStart) near the split, scored by
    /// how well A-until-kCut plus B-from-kStart (band-limited, silence between) fits the
    /// capture around it. Each event beyond the first costs `eventWorth`.
    func jointEdges(a: Segment, fa: Fit, b: Segment, fb: Fit, t1: Int, t2: Int, di: Int, eventWorth: Double) -> (kCut: Int, kStart: Int) {
        let kc = edgeCandidates, around = tuning.jointEdgeScoreFrames
        return ref.withUnsafeBufferPointer { rb in
            let lo = max(0, t1 - around), hi = min(cap.count, t2 + around)
            guard hi > lo else { return (0, 0) }
            let kA0 = Int(a.refPosition(atCapture: Double(t1)).rounded())
            let pa = (lo..<hi).map { a.refPosition(atCapture: Double($0)) }
            let pb = (lo..<hi).map { b.refPosition(atCapture: Double($0)) }
            let insert = max(0, di)
            var best = (kA0, kA0 - di, Double.infinity)
            for kCut in (kA0 - kc)...(kA0 + kc) {
                // B starts no earlier than A stops (the gap, kStart − kCut + Δ frames, is never
                // negative): from a pure repeat or pure drop (kStart = kCut − Δ) up to a pure
                // gap, and a little beyond for a replaced stretch.
                let kLo = kCut - di
                let kHi = kLo + insert + (t2 - t1) + 1
                let aPart = (0..<(hi - lo)).map { fa.gain * interp.value(at: pa[$0], in: rb, valid: until(kCut)) }
                for kStart in kLo...kHi {
                    var cost = 0.0
                    for i in 0..<(hi - lo) {
                        let e = Double(cap[lo + i]) - aPart[i] - fb.gain * interp.value(at: pb[i], in: rb, valid: from(kStart))
                        cost += e * e
                    }
                    let tA = Double(kCut) * (1 + a.drift) + a.level
                    let tB = Double(kStart) * (1 + b.drift) + b.level
                    let gap = Int((tB - tA).rounded()) > 0
                    let count = (gap ? 1 : 0) + (kCut != kStart ? 1 : 0)
                    let score = cost + Double(max(0, count - 1)) * eventWorth
                    if score < best.2 { best = (kCut, kStart, score) }
                }
            }
            return (best.0, best.1)
        }
    }

    /// The reference samples from `k` on, and before `k`: empty rather than a trap when `k`
    /// lies beyond either end of the reference (an edge searched near the reference's ends).
    func from(_ k: Int) -> Range<Int> { min(max(0, k), ref.count)..<ref.count }
    func until(_ k: Int) -> Range<Int> { 0..<min(max(0, k), ref.count) }
    /// lo..<hi, empty when hi < lo.
    func span(_ lo: Int, _ hi: Int) -> Range<Int> { lo..<max(lo, hi) }

    /// The reference's first frame that departs from its first by more than
    /// ``AnalyzerTuning/onsetOfPeak`` of its largest departure (its count where none does):
    /// nothing of the probe can be heard before it. (The reference has its mean removed, so
    /// its leading silence is a constant.) Once per explainer.
    func referenceOnset() -> Int {
        if let o = memo.onset { return o }
        let o = Self.onset(of: ref, share: tuning.onsetOfPeak)
        memo.onset = o
        return o
    }

    /// The first frame of `x` departing from its first by more than `share` of its largest
    /// departure (its count where none does).
    static func onset(of x: [Float], share: Double) -> Int {
        guard let x0 = x.first else { return 0 }
        let peak = x.reduce(Float(0)) { max($0, abs($1 - x0)) }
        return x.firstIndex { Double(abs($0 - x0)) > share * Double(peak) } ?? x.count
    }

    /// The mean power of the capture's quietest ``AnalyzerTuning/quietBlock``-frame block (hum
    /// and mean removed): at least the noise there, wherever the capture is noise alone for a
    /// block; the whole capture's power where it is shorter than a block. Once per explainer.
    func quietestCapturePower() -> Double {
        if let q = memo.quietest { return q }
        let q = Self.quietestPower(cap, block: tuning.quietBlock)
        memo.quietest = q
        return q
    }

    /// The mean power of `x`'s quietest `block`-frame block; `x`'s mean power where it is shorter than a block.
    static func quietestPower(_ x: [Float], block blk: Int) -> Double {
        var q = Double.infinity, b = 0
        while b + blk <= x.count {
            var e = 0.0
            for i in b..<(b + blk) { e += Double(x[i]) * Double(x[i]) }
            q = min(q, e / Double(blk))
            b += blk
        }
        if !q.isFinite { q = x.isEmpty ? 0 : x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count) }
        return q
    }

    /// Whether capture frames holding `energy` over `frames` are silence (at most noise): under
    /// ``AnalyzerTuning/repeatSilenceSigma2`` times the noise or
    /// ``AnalyzerTuning/repeatSilenceOfSignal`` of the signal. The fit's σ² bounds the noise,
    /// unless the path colours the signal more than the model does: then it holds the model's
    /// error, which a gap (no signal) does not have, and the capture's quietest stretch bounds
    /// it better.
    func isSilent(energy: Double, frames: Int, fit: Fit, sigma2: Double) -> Bool {
        energy < Double(frames) * max(tuning.repeatSilenceSigma2 * min(sigma2, quietestCapturePower()), tuning.repeatSilenceOfSignal * fit.signalPower)
    }

    /// The capture's energy over `frames`.
    func captureEnergy(_ frames: Range<Int>) -> Double {
        var e = 0.0
        for t in frames { e += Double(cap[t]) * Double(cap[t]) }
        return e
    }

    /// Whether the foreign frames [t1, t2) copy earlier audio (rather than silence or noise).
    func isRepeat(t1: Int, t2: Int, seg: Segment, fit: Fit, sigma2: Double) -> Bool {
        let len = t2 - t1
        guard len >= tuning.minRepeatTestFrames, t1 >= 0, t2 <= cap.count else { return false }
        let ce = captureEnergy(t1..<t2)
        if isSilent(energy: ce, frames: len, fit: fit, sigma2: sigma2) { return false }
        // Look for the inserted frames in the reference, before where A would have continued.
        let pHere = Int(seg.refPosition(atCapture: Double(t1)).rounded())
        let lo = max(0, pHere - tuning.repeatSearchLengths * max(len, tuning.repeatSearchMinFrames))
        let hi = min(ref.count - len, pHere + tuning.repeatSearchAhead)
        guard hi > lo else { return false }
        let stretch = Array(ref[lo..<(hi + len)])
        let piece = Array(cap[t1..<t2])
        let corr = Correlation.crossCorrelate(signal: stretch, template: piece, lags: 0...(hi - lo))
        var pre = [Double](repeating: 0, count: stretch.count + 1)
        for i in 0..<stretch.count { pre[i + 1] = pre[i] + Double(stretch[i]) * Double(stretch[i]) }
        var best = 0.0
        for k in 0..<corr.count {
            let e = pre[k + len] - pre[k]
            guard e > 0 else { continue }
            best = max(best, abs(corr[k]) / (e * ce).squareRoot())
        }
        return best >= tuning.repeatMinRho
    }
}
