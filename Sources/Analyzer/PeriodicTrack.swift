// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

// A periodic reference (a pulse train) tracked period by period. A window one period long,
// searched over one period of lags, matches a periodic capture exactly once: its delay is
// known modulo the period, and followed block to block it is known up to one whole number of
// periods for the whole track. That number is told by the train's two edges: before its first
// period and after its last the reference is silent, and only at the true delay does the
// capture's silence line up with it (``periodicAnchor(_:_:_:period:slope:typical:periods:whole:)``). A step
// between the edges is then known modulo the period; when the two edges disagree by whole
// periods and there is one step, the step takes them.
extension RoundTripAnalysis {
    /// One period-long block of the reference located in the capture.
    struct PeriodBlock {
        /// First reference frame of the block.
        var refStart: Int
        /// The block's energy centroid (reference frames): where its delay holds under drift.
        var centre: Double
        /// Delay (capture − reference frame), found within half a period of the block before.
        var delay: Double
        /// Normalised correlation at that delay (signed).
        var rho: Double
        var sigma: Double
        /// The block's sound (reference frames): from its first to past its last frame at
        /// ``AnalyzerTuning/periodicContentShare`` of its peak magnitude.
        var content: Range<Int>
    }

    /// The period-long blocks of `ref` that are tracked: from a quarter period before its first
    /// frame at ``AnalyzerTuning/periodicContentShare`` of its peak, every block holding at
    /// least ``AnalyzerTuning/periodicBlockMinEnergy`` of the mean block's energy (not the
    /// silent start and end); their first frames and energies.
    func periodLayout(_ ref: [Float], period: Int) -> [(start: Int, energy: Double)] {
        let n = ref.count
        guard let first = sound(of: ref, in: 0..<n)?.lowerBound else { return [] }
        let starts = Array(stride(from: max(0, first - period / 4), to: n, by: period))
        let energies = starts.map { energy(Array(ref[$0..<min(n, $0 + period)])) }
        let meanE = energies.reduce(0, +) / Double(max(1, starts.count))
        return zip(starts, energies).filter { $0.1 >= tuning.periodicBlockMinEnergy * meanE }.map { ($0.0, $0.1) }
    }

    /// The `layout`'s blocks, each located in `cap` within half a period of the last located
    /// one, the first around `start`. Blocks the capture does not hold there
    /// (``locateBlock(_:at:in:around:period:polarity:energy:)``: a period replaced) are left out.
    func periodBlocks(_ ref: [Float], _ cap: [Float], _ layout: [(start: Int, energy: Double)], start: Double, period: Int, polarity: Double) -> [PeriodBlock] {
        var out: [PeriodBlock] = []
        var predicted = start
        for (s, e) in layout {
            let block = Array(ref[s..<min(ref.count, s + period)])
            guard let b = locateBlock(block, at: s, in: cap, around: predicted, period: period, polarity: polarity, energy: e) else { continue }
            predicted = b.delay
            out.append(b)
        }
        return out
    }

    /// `block` (reference frames from `s`) located in `cap` at the best lag within half a
    /// period of `around`, refined between samples; nil when the capture does not hold it there.
    func locateBlock(_ block: [Float], at s: Int, in cap: [Float], around: Double, period: Int, polarity: Double, energy e: Double) -> PeriodBlock? {
        let len = block.count
        let lo = Int(around.rounded()) - period / 2, hi = lo + period
        let a = max(0, s + lo), b = min(cap.count, s + hi + len)
        guard b - a >= len else { return nil }
        let corr = cap.withUnsafeBufferPointer { c in
            block.withUnsafeBufferPointer { t in
                Correlation.crossCorrelate(signal: UnsafeBufferPointer(rebasing: c[a..<b]), template: t, lags: (lo + s - a)...(hi + s - a))
            }
        }
        var j = 0
        for i in corr.indices where polarity * corr[i] > polarity * corr[j] { j = i }
        // The predicted lag's peak stands unless another is clearly better: a repeat's copy
        // matches the block as well as the block itself, a period later in the capture.
        let p = Int(around.rounded()) - lo, reach = tuning.periodicPredictionReach
        if let k = (max(0, p - reach)...min(corr.count - 1, max(0, p + reach))).max(by: { polarity * corr[$0] < polarity * corr[$1] }),
           polarity * corr[k] >= tuning.periodicJumpShare * polarity * corr[j] { j = k }
        // Refined with the longer interpolator: a doublet's correlation holds its energy up to
        // Nyquist (``AnalyzerTuning/peakInterpolatorHalfWidth``).
        let fine = Tracker.peakInterpolator.refinePeak(of: corr, near: j)
        let delay = Double(lo) + fine.position
        let t0 = s + Int(delay.rounded())
        var ce = 0.0
        for t in max(0, t0)..<max(max(0, t0), min(cap.count, t0 + len)) { ce += Double(cap[t]) * Double(cap[t]) }
        guard ce > 0 else { return nil }
        let rho = max(-1, min(1, fine.value / (e * ce).squareRoot()))
        // A block holds when it matches as well as a tracking window must, or when its peak
        // stands far out of the correlation over the period of lags searched: through a 2 kHz
        // low-pass a doublet keeps 2 % of its energy (ρ 0.13) and its peak still stands 120×
        // above the median; noise alone stands ~5×.
        let z = abs(fine.value) / max(.leastNonzeroMagnitude, median(corr.map { abs($0) }))
        guard rho * polarity > 0, abs(rho) >= tuning.minWindowRho || (abs(rho) >= tuning.periodicMinRho && z >= tuning.periodicBlockMinZ) else { return nil }
        // Where the block's energy lies, and its spread in delay (as the tracker's windows':
        // 1 / (β √(N·SNR)), β² the block's mean squared angular frequency).
        var moment = 0.0, slope = 0.0
        for i in 0..<len {
            moment += Double(i) * Double(block[i]) * Double(block[i])
            if i > 0 { let dv = Double(block[i]) - Double(block[i - 1]); slope += dv * dv }
        }
        let r2 = min(rho * rho, 0.999999)
        let sigma = 1 / (max(slope / e, 1e-9) * Double(len) * max(r2 / (1 - r2), 1e-9)).squareRoot()
        let content = sound(of: block, in: 0..<len).map { (s + $0.lowerBound)..<(s + $0.upperBound) } ?? s..<(s + len)
        return PeriodBlock(refStart: s, centre: Double(s) + moment / e, delay: delay, rho: rho, sigma: sigma, content: content)
    }

    /// Consecutive blocks that differ in delay by more than ``AnalyzerTuning/periodicStepMin``
    /// frames (or six times their spread): the index of the first block at the new delay.
    func periodSteps(_ blocks: [PeriodBlock]) -> [Int] {
        blocks.indices.dropFirst().filter { i in
            let (a, b) = (blocks[i - 1], blocks[i])
            return abs(b.delay - a.delay) > max(tuning.periodicStepMin, 6 * (a.sigma * a.sigma + b.sigma * b.sigma).squareRoot())
        }
    }

    /// How many whole periods the delays at one of the train's edges are off, told by the
    /// reference's silence beyond it: the capture is correlated with the reference over the
    /// edge's `pieces` (``trainPieces(_:_:period:slope:shift:from:edge:)``), placed at their delays
    /// plus k periods (of `period · (1 + slope)` capture frames), for every k in `periods`.
    /// The best k when its normalised correlation reaches ``AnalyzerTuning/periodicAnchorMinRho``
    /// of the `typical` block's and leads every other by ``AnalyzerTuning/periodicAnchorMargin``
    /// of its own (a coloured path lowers every k alike: behind a 2 kHz low-pass the true one
    /// reaches 0.13); nil otherwise (a capture that starts or ends inside the train, a steady
    /// tone's fade). Where others come as near (a pulse missing inside the train is silence
    /// before a period too), the k whose placement of the whole train (`whole`) fits best, by
    /// the same margin.
    func periodicAnchor(_ ref: [Float], _ cap: [Float], _ pieces: [(refRange: Range<Int>, delay: Double)], period: Int, slope: Double, typical: Double, periods: ClosedRange<Int>,
                        whole: (Int) -> Double) -> Int? {
        let scores = periods.map { k in (k, heldCorrelation(ref, cap, pieces, shift: Double(k * period) * (1 + slope))) }.sorted { $0.1 > $1.1 }
        guard let best = scores.first, best.1 >= tuning.periodicAnchorMinRho * typical else { return nil }
        let near = scores.filter { best.1 - $0.1 < tuning.periodicAnchorMargin * best.1 }
        guard near.count > 1 else { return best.0 }
        let fits = near.map { ($0.0, whole($0.0)) }.sorted { $0.1 > $1.1 }
        return fits[0].1 - fits[1].1 >= tuning.periodicAnchorMargin * fits[0].1 ? fits[0].0 : nil
    }

    /// The drift between consecutive located blocks, as the change of delay per reference
    /// frame: their median slope, steps left out; 0 when there is none. A period of the
    /// reference lasts `period · (1 + slope)` capture frames: a block matched a whole period
    /// off is off by that much, not by `period` (0.36 frames more at 300 ppm, 1.2 at 1000).
    func driftSlope(_ blocks: [PeriodBlock], period: Int) -> Double {
        let slope = median(zip(blocks, blocks.dropFirst()).map { ($1.delay - $0.delay) / Double($1.refStart - $0.refStart) }
            .filter { abs($0) * Double(period) <= tuning.periodicStepMin })
        return slope.isFinite ? slope : 0
    }

    /// The whole train as pieces for ``heldCorrelation(_:_:_:shift:)``: every block of `layout`
    /// and the silent period before its first block and after its last, each at the delay of
    /// the located block nearest it carried on by the drift between them (`slope`,
    /// ``driftSlope(_:period:)``: 1.2 frames a period at 1000 ppm), plus k periods from block
    /// `from` on. With `edge`, only the ``AnalyzerTuning/periodicAnchorBlocks`` blocks at the train's
    /// start (or end) and the silent period beyond them.
    func trainPieces(_ layout: [(start: Int, energy: Double)], _ blocks: [PeriodBlock], period: Int, slope: Double, shift k: Int, from: Int = 0,
                     edge: FloatingPointSign? = nil) -> [(refRange: Range<Int>, delay: Double)] {
        guard let first = layout.first?.start, let last = layout.last?.start, !blocks.isEmpty else { return [] }
        func delay(_ s: Int) -> Double {
            // The nearest located block (the earlier of two as near), by bisection: the blocks
            // are in reference order.
            var lo = 0, hi = blocks.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if blocks[mid].refStart < s { lo = mid + 1 } else { hi = mid } }
            let j = lo > 0 && abs(blocks[lo - 1].refStart - s) <= abs(blocks[lo].refStart - s) ? lo - 1 : lo
            let d = blocks[j].delay + slope * Double(s - blocks[j].refStart)
            return d + (j >= from ? Double(k * period) * (1 + slope) : 0)
        }
        let n = tuning.periodicAnchorBlocks
        let starts = edge == .plus ? Array(layout.prefix(n).map(\.start)) : edge == .minus ? Array(layout.suffix(n).map(\.start)) : layout.map(\.start)
        var pieces = starts.map { (refRange: $0..<($0 + period), delay: delay($0)) }
        if edge != .minus { pieces.append(((first - period)..<first, delay(first))) }
        if edge != .plus { pieces.append(((last + period)..<(last + 2 * period), delay(last))) }
        return pieces
    }

    /// The normalised correlation of the capture with the reference (zero outside it), each
    /// piece's reference frames placed at its delay plus `shift` (the capture is zero outside
    /// itself too). Signed by the path's polarity as the match is: a larger value fits better.
    func heldCorrelation(_ ref: [Float], _ cap: [Float], _ pieces: [(refRange: Range<Int>, delay: Double)], shift: Double) -> Double {
        var mm = 0.0, cc = 0.0, mc = 0.0
        ref.withUnsafeBufferPointer { rb in
            for piece in pieces {
                let d = piece.delay + shift
                let t0 = Int((Double(piece.refRange.lowerBound) + d).rounded(.up)), t1 = Int((Double(piece.refRange.upperBound) + d).rounded(.up))
                for t in t0..<max(t0, t1) {
                    let m = interp.value(at: Double(t) - d, in: rb, valid: 0..<rb.count)
                    let c = t >= 0 && t < cap.count ? Double(cap[t]) : 0
                    mm += m * m
                    cc += c * c
                    mc += m * c
                }
            }
        }
        return mm > 0 && cc > 0 ? abs(mc) / (mm * cc).squareRoot() : 0
    }

    /// A periodic reference's blocks (``periodBlocks(_:_:_:start:period:polarity:)``) at their
    /// whole-period delays told by the train's edges; or why they cannot be told.
    ///
    /// The whole-signal peak is the delay modulo the period only (a train's correlation has a
    /// peak every period, nearly as high). The blocks are first tracked from its earliest
    /// equal among the searched lags; the train's start chooses among all of them, and the
    /// blocks are tracked again from there. The train's end then says whether a step took
    /// whole periods the tracking could not see (a step is found modulo the period).
    func periodicBlocks(_ ref: [Float], _ cap: [Float], _ find: GlobalFind, period: Int, polarity: Double) -> Result<[PeriodBlock], PeriodicFailure> {
        let layout = periodLayout(ref, period: period)
        guard !layout.isEmpty else { return .failure(.untracked) }
        let lowest = max(0, find.lags.lowerBound), p = Double(period)
        var start = Double(find.lags.lowerBound) + interp.refinePeak(of: find.corr, near: find.peakIndex).position
        start -= ((start - Double(lowest)) / p).rounded(.down) * p
        let loose = periodBlocks(ref, cap, layout, start: start, period: period, polarity: polarity)
        guard let d0 = loose.first?.delay else { return .failure(.untracked) }
        let looseSlope = driftSlope(loose, period: period)
        // The train's start may lie a period before the first block's delay where its first
        // block still starts in the capture: a delay of 0 read a hair under it, 8-bit and
        // clipped, with a drop that put the whole-signal peak's residue late in the period
        // (fuzz case 4387: −0.06 frames), had its first block located a period late.
        let earliest = Int(((max(Double(find.lags.lowerBound), -Double(layout[0].start)) - d0) / p).rounded(.up))
        guard let kStart = periodicAnchor(ref, cap, trainPieces(layout, loose, period: period, slope: looseSlope, shift: 0, edge: .plus), period: period,
                                          slope: looseSlope, typical: median(loose.map { abs($0.rho) }),
                                          periods: min(0, earliest)...max(0, Int((Double(find.lags.upperBound) - d0) / p)),
                                          whole: { k in self.heldCorrelation(ref, cap, self.trainPieces(layout, loose, period: period, slope: looseSlope, shift: k), shift: 0) })
        else { return .failure(.edgesUntold) }
        var blocks = periodBlocks(ref, cap, layout, start: d0 + Double(kStart * period) * (1 + looseSlope), period: period, polarity: polarity)
        guard blocks.count >= 2 else { return .failure(.untracked) }
        let steps = periodSteps(blocks)
        let slope = driftSlope(blocks, period: period), reach = tuning.periodicEndReach
        let kEnd = periodicAnchor(ref, cap, trainPieces(layout, blocks, period: period, slope: slope, shift: 0, edge: .minus), period: period,
                                  slope: slope, typical: median(blocks.map { abs($0.rho) }), periods: -reach...reach,
                                  whole: { k in self.heldCorrelation(ref, cap, self.trainPieces(layout, blocks, period: period, slope: slope, shift: k, from: steps.last ?? 0), shift: 0) })
        switch kEnd {
        case 0?: break
        case let k? where steps.count == 1:
            for i in steps[0]..<blocks.count { blocks[i].delay += Double(k * period) * (1 + slope) }
        case let k?: return .failure(.stepsUntold(steps.count, k))
        case nil where steps.isEmpty: break
        case nil: return .failure(.endUntold(steps.count))
        }
        return .success(blocks)
    }

    /// A block as a track point: its delay holds at the point's window's centre, the block's
    /// energy centroid.
    static func trackPoint(_ b: PeriodBlock) -> TrackPoint {
        let t = Int((b.centre - Double(AnalyzerTuning.trackingWindow) / 2 + b.delay).rounded())
        return TrackPoint(t: t, p: Double(t) - b.delay, rho: b.rho, sigma: b.sigma)
    }

    /// The sound of the reference's frames `range`: from its first to past its last frame at
    /// ``AnalyzerTuning/periodicContentShare`` of their peak magnitude (reference frames); nil
    /// when they are silent.
    func sound(of ref: [Float], in range: Range<Int>) -> Range<Int>? {
        let r = range.clamped(to: 0..<ref.count), block = ref[r]
        let top = block.reduce(Float(0)) { max($0, abs($1)) }
        let loud = { (x: Float) in abs(x) >= Float(self.tuning.periodicContentShare) * top }
        guard top > 0, let c0 = block.firstIndex(where: loud), let c1 = block.lastIndex(where: loud) else { return nil }
        return c0..<(c1 + 1)
    }

    /// `content` widened by the interpolator's reach: all that a band-limited pulse sounds.
    func heard(_ content: Range<Int>) -> Range<Int> {
        (content.lowerBound - AnalyzerTuning.interpolatorHalfWidth)..<(content.upperBound + AnalyzerTuning.interpolatorHalfWidth)
    }

    /// The events of the steps between consecutive blocks, in place of what the explanation
    /// made of the two blocks' sound and the silence between them (where any place is as good
    /// as another; a click on either of the two pulses goes with it). Each step's
    /// size is the change of delay less the drift's; a step down is a drop; a step up is a
    /// repeat when the capture holds the block before it at the new delay too
    /// (``AnalyzerTuning/periodicRepeatShare`` of its own match), else a gap. It is placed at
    /// the latest frame the capture allows: where the first sound at the new delay is heard
    /// (less a gap's size: the gap ends there).
    func periodicStepEvents(_ blocks: [PeriodBlock], _ events: [Event], drift: Double, ref: [Float], cap: [Float], period: Int) -> [Event] {
        var out = events
        for i in periodSteps(blocks) {
            let (a, b) = (blocks[i - 1], blocks[i])
            // The change of delay less the drift's, in reference frames: a step of k frames of
            // the played stream moves the delay by k·(1 + drift) (710 frames read for 709 at
            // 900 ppm before this).
            let step = b.delay - a.delay - drift * (b.centre - a.centre)
            let frames = Int(abs(step / (1 + drift)).rounded())
            // Between sounds that fill their periods (a chirp repeated without a pause) the
            // explanation places the step on the residual, exactly; only silence leaves it to
            // the first sound heard (a gap mid-chirp was placed 300 frames late that way).
            guard frames > 0, Double(a.content.count) < tuning.periodicSparseShare * Double(period) else { continue }
            // The explanation's account of the two blocks' sound and the silence between them
            // (behind a low-pass, a 6-frame "click" in the ringing of the pulse before a drop).
            let between = (heard(a.content).lowerBound + Int(a.delay.rounded(.down)))...(heard(b.content).upperBound + Int(max(a.delay, b.delay).rounded(.up)))
            out.removeAll { between.contains($0.captureSample) }
            // The first sound at the new delay: b's, or a period's between them that the search
            // around a's delay could not reach (a gap of 800 frames at a 1200-frame period).
            let first = firstHeard(after: a, upTo: b, drift: drift, ref: ref, cap: cap, period: period)
            let kind: Event.Kind
            let at: Double
            if step < 0 {
                (kind, at) = (.drop, Double(first) + b.delay - drift * Double(b.content.lowerBound - first))
            } else if heldCorrelation(ref, cap, [(heard(a.content), a.delay + step)], shift: 0) >= tuning.periodicRepeatShare * abs(a.rho) {
                (kind, at) = (.repeat, Double(a.content.lowerBound) + a.delay + step)
            } else {
                (kind, at) = (.gap, Double(first) + a.delay + drift * Double(first - a.content.lowerBound))
            }
            out.append(Event(kind: kind, captureSample: Int(at.rounded()), sizeSamples: frames, sampleRate: reference.sampleRate))
        }
        return out.sorted { ($0.captureSample, $0.kind.rawValue) < ($1.captureSample, $1.kind.rawValue) }
    }

    /// The first frame of sound (reference frames) heard at `b`'s delay from `a` on: that of the
    /// earliest period between them whose sound the capture holds there with at least
    /// ``AnalyzerTuning/periodicRepeatShare`` of `b`'s normalised correlation, else `b`'s own.
    func firstHeard(after a: PeriodBlock, upTo b: PeriodBlock, drift: Double, ref: [Float], cap: [Float], period: Int) -> Int {
        for s in stride(from: a.refStart + period, to: b.refStart, by: period) {
            guard let c = sound(of: ref, in: s..<(s + period)) else { continue }
            let delay = b.delay - drift * Double(b.content.lowerBound - c.lowerBound)
            if heldCorrelation(ref, cap, [(heard(c), delay)], shift: 0) >= tuning.periodicRepeatShare * abs(b.rho) { return c.lowerBound }
        }
        return b.content.lowerBound
    }

    enum PeriodicFailure: Error {
        case untracked, edgesUntold
        case stepsUntold(Int, Int)
        case endUntold(Int)
        case refused(String)

        var reason: String {
            switch self {
            case .untracked: return "fewer than two of its periods were found in the capture"
            case .edgesUntold: return "tracked period by period, its whole-period delay could not be told from the train's start (a capture that starts inside the train)"
            case let .stepsUntold(n, k): return "tracked period by period, the train's end lies \(k) whole period\(abs(k) == 1 ? "" : "s") off its start across \(n) steps: which step holds them cannot be told"
            case let .endUntold(n): return "tracked period by period, the train's end could not tell how many whole periods its \(n) steps take (a capture that ends inside the train)"
            case let .refused(why): return "tracked period by period, " + why
            }
        }
    }

    /// The measurement of a periodic reference tracked period by period, through the same
    /// segmentation, path model and explanation as any other; nil with the reason when its
    /// delay cannot be told that way or the result is refused.
    func periodicTracked(_ m0: LoopMeasurement, _ find: GlobalFind, ref: [Float], cap: [Float], period: Int) -> Result<LoopMeasurement, PeriodicFailure> {
        let polarity = find.polarity
        let blocks: [PeriodBlock]
        switch periodicBlocks(ref, cap, find, period: period, polarity: polarity) {
        case let .success(b): blocks = b
        case let .failure(f): return .failure(f)
        }
        guard var fit = periodicFit(blocks, ref: ref, cap: cap, period: period, polarity: polarity) else { return .failure(.untracked) }
        let curved = memorylessCurve(&fit, ref: ref, cap: cap, period: period, polarity: polarity)
            ?? StaticCurve.fit(ref: fit.model, cap: cap, segment: fit.longest, interp: interp)
        if let curved { fit.model = curved }
        var m = explained(m0, find, fit.points, &fit.seg, model: fit.model, plain: ref, curved: curved != nil, silentSegments: false, cap: cap, totalDrift: fit.totalDrift)
        guard m.verdict != .noSignal else { return .failure(.refused(m.reason ?? "the result was refused")) }
        // The explanation may merge segments it finds no step between (a drop of 983 frames at
        // a 1521-frame period, in silence, merged into the later segment: the latency 983
        // frames off, under a 52096-frame "replacement"). The track's first period says where
        // the probe starts; a latency elsewhere is refused.
        if let first = fit.blocks.first, let latency = m.latency?.samples,
           abs(latency - (first.delay - fit.drift * first.centre)) > tuning.periodicLatencyAgreement {
            return .failure(.refused(String(format: "the explanation's first segment (delay %.1f) disagrees with the first period's (%.1f): no latency is reported", latency, first.delay - fit.drift * first.centre)))
        }
        if let why = trackOffTheWholePeak(m, find, period: period, frames: ref.count) { return .failure(.refused(why)) }
        periodicEvents(&m, fit.blocks, drift: fit.drift, ref: ref, cap: cap, period: period)
        if let u = m.latencyUncertaintySamples, let q = quantizedPeriodUncertainty(m, find, model: fit.model, cap: cap, period: period) {
            m.latencyUncertaintySamples = (u * u + q * q).squareRoot()
        }
        return .success(m)
    }

    /// The latency's uncertainty from a coarse PCM format's rounding where every period
    /// rounds alike (samples): the rounding's noise (Δ²/12) over one period's slope energy
    /// (the model at the capture's gain, `model`'s differences summed over a mean period),
    /// as a matched filter's delay error; nil where the capture is not on a coarse grid or its
    /// noise dithers the rounding (its quietest stretch holds more than Δ²/4,
    /// ``quantizationFloor(bits:)``). The periods' scatter, which the uncertainty is made of,
    /// shows none of it: the train's period is whole frames, and each period is sampled, and
    /// rounded, at the same phase. Session 54: a pulse train behind the 2 kHz low-pass on
    /// 8-bit PCM at 48 kHz (the fuzz test's case 811), its doublet's peak 0.034 of full scale,
    /// read 0.139 samples off at ±0.014, and states ±0.082 with one period's rounding.
    func quantizedPeriodUncertainty(_ m: LoopMeasurement, _ find: GlobalFind, model: [Float], cap: [Float], period: Int) -> Double? {
        let floor = captureQuantizationFloor(find)
        guard floor > 0, let gainDB = m.gainDB, model.count > period, period > 0 else { return nil }
        guard Explainer.quietestPower(cap, block: tuning.quietBlock) <= floor else { return nil }
        var slope = 0.0
        for i in 1..<model.count {
            let d = Double(model[i]) - Double(model[i - 1])
            slope += d * d
        }
        let g = pow(10, gainDB / 20)
        let perPeriod = g * g * slope * Double(period) / Double(model.count)
        guard perPeriod > 0 else { return nil }
        return (floor * 4 / 12 / perPeriod).squareRoot()
    }

    /// Why a track at one delay throughout (its segments within
    /// ``AnalyzerTuning/periodicStepMin`` of each other: no step) cannot stand: its latency lies half a period or more from the
    /// whole-signal correlation's peak, and that peak is unambiguous. Captured at one delay,
    /// the reference correlates best there, its edges telling the periods apart; the track's
    /// whole-period anchor, told by the reference's silence beyond its first and last periods,
    /// can miss where there is no such silence. A music-like reference of 1135 frames at
    /// 22.05 kHz (a sustained note, period 56 frames), clean, was tracked two periods late at
    /// 3321.6–3323.3 with a false drop and gap, the peak standing at 3210.4, the truth.
    /// Only where the track reads under a frame of drift over the reference: a drifting
    /// train's whole-signal correlation peaks where its pulses happen to line up best (a
    /// clean pulse train at 1061 ppm, tracked right, peaked 9 periods away: the fuzz test's
    /// case 30). nil where the track may stand.
    func trackOffTheWholePeak(_ m: LoopMeasurement, _ find: GlobalFind, period: Int, frames: Int) -> String? {
        guard let latency = m.latency?.samples, let delays = m.segments?.map(\.delaySamples), let lo = delays.min(), let hi = delays.max(),
              hi - lo <= tuning.periodicStepMin, abs(m.driftPPM ?? 0) * 1e-6 * Double(frames) < 1, !periodicPeakAmbiguous(find) else { return nil }
        let peak = Double(find.lags.lowerBound) + interp.refinePeak(of: find.corr, near: find.peakIndex).position
        guard abs(latency - peak) >= Double(period) / 2 else { return nil }
        return String(format: "the period-by-period track holds one delay throughout (%.1f), %.1f periods from the whole-signal correlation's unambiguous peak (%.1f)", latency, (latency - peak) / Double(period), peak)
    }

    /// A periodic track ready for the explanation: its blocks, track points and segments, the
    /// model of the path they are explained against, and the drift.
    struct PeriodicFit {
        var blocks: [PeriodBlock]
        var points: [TrackPoint]
        var seg: Segmenter.Output
        var longest: Segment
        var model: [Float]
        /// The drift the blocks read (delay per reference frame), and the total drift with the
        /// segments' own against the stretched reference.
        var drift: Double
        var totalDrift: Double
    }

    /// `blocks` segmented, with the path's colouring fitted on the longest segment (and the
    /// blocks located again against it when that is what kept them from matching), and, under
    /// drift, the track points and the model taken to the reference stretched by it, as for any
    /// capture; nil when no segment is left.
    func periodicFit(_ blocks: [PeriodBlock], ref: [Float], cap: [Float], period: Int, polarity: Double) -> PeriodicFit? {
        var blocks = blocks
        var seg = Segmenter(points: blocks.map(Self.trackPoint)).segments()
        guard let first = Segment.longest(seg.segments) else { return nil }
        var model = ref
        if let fit = PathModel.fitTaps(ref: model, cap: cap, segment: first, interp: interp) {
            // Against the bare doublet, a low-pass's blocks (ρ 0.13) scatter a tenth of a frame
            // and read 7.7 ppm of drift. They are located again against the colouring without
            // its phase (``zeroPhaseColouring``): the path filter holds the bare blocks' error
            // in its phase, and against it the clean train behind the low-pass read 0.035
            // samples off (0.0043 against the zero-phase colouring); the filter is then fitted
            // again where the blocks now lie.
            let zp = PathModel.withoutPhase(model, fit.taps)
            var refit: [Float]?
            if let again = relocated(blocks, model: zp, cap: cap, period: period, polarity: polarity),
               median(again.map { abs($0.rho) }) >= tuning.periodicRelocateGain * median(blocks.map { abs($0.rho) }) {
                blocks = again
                seg = Segmenter(points: blocks.map(Self.trackPoint)).segments()
                refit = Segment.longest(seg.segments).flatMap { PathModel.fit(ref: model, cap: cap, segment: $0, interp: interp) }
            }
            model = refit ?? PathModel.filtered(model, fit.taps, gain: fit.gain)
        }
        var points = blocks.map(Self.trackPoint)
        let drift = seg.drift
        let stretched = abs(drift) > tuning.minDriftToRetrack
        if stretched {
            // At 784 ppm against the bare reference, 35 false clicks lay on the pulses of a
            // 44.1 kHz train at 49 dB SNR.
            let longer = stretch(ref, by: 1 + drift)
            let half = Double(AnalyzerTuning.trackingWindow) / 2
            points = points.map { var q = $0; q.p = $0.pc * (1 + drift) - half; return q }
            seg = Segmenter(points: points).segments()
            guard let l = Segment.longest(seg.segments) else { return nil }
            model = PathModel.fit(ref: longer, cap: cap, segment: l, interp: interp) ?? longer
        }
        guard let longest = Segment.longest(seg.segments) else { return nil }
        return PeriodicFit(blocks: blocks, points: points, seg: seg, longest: longest, model: model, drift: drift,
                           totalDrift: stretched ? (1 + drift) * (1 + seg.drift) - 1 : drift)
    }

    /// The blocks' delays moved to where a memoryless curve on the bare reference explains the
    /// capture best (``StaticCurve/delayShift``), when one does, and the model of the path
    /// there: the bare reference through the curve (returned), or else the path filter
    /// (`fit.model`, and nil returned). Nil and `fit` untouched when no curve explains it.
    ///
    /// A clipper reshapes the doublet (tanh at a drive of 4: 0.8, −0.4 becomes 1.0, −0.92),
    /// and the bare doublet's correlation peak lies off the true delay: the clean train read
    /// 0.055 samples off at a whole-sample delay. The path filter fitted on a train copies any
    /// reshaping of its one repeated shape, so it explains the clipped train as well at that
    /// delay as at the true one. A curve maps each sample on its own, and only at the true
    /// delay do the reference's values map onto the capture's. (A filter's colouring spreads
    /// the doublet over frames where the reference is silent, which no curve explains: those
    /// paths keep their filter.) Every block moves by the same shift, since each read the same
    /// reshaped doublet. Under drift the model is the stretched reference, whose frames are
    /// not the blocks': such a track keeps its first location.
    func memorylessCurve(_ fit: inout PeriodicFit, ref: [Float], cap: [Float], period: Int, polarity: Double) -> [Float]? {
        guard abs(fit.drift) <= tuning.minDriftToRetrack,
              let shift = StaticCurve.delayShift(ref: ref, cap: cap, segment: fit.longest, interp: interp) else { return nil }
        let blocks = fit.blocks.map { var b = $0; b.delay += shift; return b }
        let seg = Segmenter(points: blocks.map(Self.trackPoint)).segments()
        guard let longest = Segment.longest(seg.segments) else { return nil }
        fit.blocks = blocks
        fit.points = blocks.map(Self.trackPoint)
        fit.seg = seg
        fit.longest = longest
        if let curve = StaticCurve.fit(ref: ref, cap: cap, segment: longest, interp: interp) { return curve }
        // At a fractional delay the curve on the interpolated reference (the explanation's
        // model) misfits a doublet whose energy reaches Nyquist; the path filter, fitted again
        // where the blocks now lie, copies the reshaped doublet instead.
        fit.model = PathModel.fit(ref: ref, cap: cap, segment: longest, interp: interp) ?? fit.model
        return nil
    }

    /// The explanation's events with a periodic track's own: its steps
    /// (``periodicStepEvents(_:_:drift:ref:cap:period:)``) and its missing periods
    /// (``missingPeriods(_:_:ref:cap:period:)``), and the reason saying how they were placed.
    func periodicEvents(_ m: inout LoopMeasurement, _ blocks: [PeriodBlock], drift: Double, ref: [Float], cap: [Float], period: Int) {
        m.events = periodicStepEvents(blocks, m.events, drift: drift, ref: ref, cap: cap, period: period)
        let missing = missingPeriods(periodLayout(ref, period: period), blocks, ref: ref, cap: cap, period: period)
        for gone in missing {
            // Every event of the explanation that shares a frame with the block's sound gives
            // way: a train behind the low-pass kept the scan's replacement of the 92–655
            // frames the path rings around each missing pulse, the pulse's own 2 inside it.
            let around = heard(gone.content), delay = Int(gone.delay.rounded())
            m.events.removeAll { e in around.overlaps((e.captureSample - delay)..<(e.captureSample - delay + max(1, e.sizeSamples))) }
        }
        for run in consecutive(missing, blocks) {
            let first = run.first!, last = run.last!
            let at = Int((Double(first.content.lowerBound) + first.delay).rounded())
            let end = Int((Double(last.content.upperBound) + last.delay).rounded())
            m.events += [.gap, .drop].map { Event(kind: $0, captureSample: at, sizeSamples: max(1, end - at), sampleRate: reference.sampleRate) }
        }
        m.events.sort { ($0.captureSample, $0.kind.rawValue) < ($1.captureSample, $1.kind.rawValue) }
        m.crackles = m.events.count
        m.verdict = m.events.isEmpty ? .clean : .crackle
        var note = String(format: "the reference repeats every %d frames: tracked period by period, its whole-period delay told by the train's start and end; a discontinuity in the silence between two periods is placed where the first sound at the new delay is heard", period)
        if !missing.isEmpty {
            note += "; a period the capture does not hold (its sound replaced by silence) is a gap and a drop the size of that sound (consecutive ones one gap and drop from the first's sound to the last's): how much of the silence around it went too cannot be heard"
        }
        m.reason = m.reason.map { note + "; " + $0 } ?? note
    }

    /// `missing` (in the reference's order) in runs with no located block of `blocks` between
    /// them: the capture is silent from the first one's sound to the last one's, and one
    /// replacement of all of it explains that as well as one for each period's sound, which
    /// the silence between cannot tell apart. A train behind the low-pass on 8-bit PCM with
    /// 2827 frames replaced by silence (fuzz case 1205) read the three pulses it held as
    /// three 2-frame replacements, 1102 frames apart: three events for one, each 2 frames
    /// where the capture went silent for 2206 at least.
    func consecutive(_ missing: [(content: Range<Int>, delay: Double)], _ blocks: [PeriodBlock]) -> [[(content: Range<Int>, delay: Double)]] {
        var runs: [[(content: Range<Int>, delay: Double)]] = []
        for gone in missing {
            if let last = runs.last?.last,
               !blocks.contains(where: { $0.refStart > last.content.lowerBound && $0.refStart < gone.content.lowerBound }) {
                runs[runs.count - 1].append(gone)
            } else {
                runs.append([gone])
            }
        }
        return runs
    }

    /// `blocks` located again in `cap` against `model` (the reference through the fitted path),
    /// each within half a period of its first delay, which keeps its whole periods; nil when
    /// any is lost.
    func relocated(_ blocks: [PeriodBlock], model: [Float], cap: [Float], period: Int, polarity: Double) -> [PeriodBlock]? {
        var out: [PeriodBlock] = []
        for b in blocks {
            let block = Array(model[b.refStart..<min(model.count, b.refStart + period)])
            guard var again = locateBlock(block, at: b.refStart, in: cap, around: b.delay, period: period, polarity: polarity, energy: energy(block)) else { return nil }
            again.content = b.content
            out.append(again)
        }
        return out
    }

    /// The blocks of `layout` that were not located between two located ones of one delay,
    /// and where the capture, at that delay, holds their sound with less than
    /// ``AnalyzerTuning/periodicMissingShare`` of the located blocks' median normalised
    /// correlation: their sound (reference frames) and the delay it should have had.
    func missingPeriods(_ layout: [(start: Int, energy: Double)], _ blocks: [PeriodBlock], ref: [Float], cap: [Float], period: Int) -> [(content: Range<Int>, delay: Double)] {
        let typical = median(blocks.map { abs($0.rho) })
        var out: [(content: Range<Int>, delay: Double)] = []
        for (s, _) in layout where !blocks.contains(where: { $0.refStart == s }) {
            guard let a = blocks.last(where: { $0.refStart < s }), let b = blocks.first(where: { $0.refStart > s }),
                  abs(b.delay - a.delay) <= tuning.periodicStepMin else { continue }
            guard let content = sound(of: ref, in: s..<(s + period)) else { continue }
            let delay = a.delay + (b.delay - a.delay) * Double(s - a.refStart) / Double(b.refStart - a.refStart)
            guard heldCorrelation(ref, cap, [(heard(content), delay)], shift: 0) < tuning.periodicMissingShare * typical else { continue }
            out.append((content, delay))
        }
        return out
    }
}
