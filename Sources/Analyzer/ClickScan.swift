// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

// The click scan: the residual inside one segment (capture minus the aligned, gain-matched
// reference) against its local noise, at several scales; each burst that stands out is a
// click, or a short replacement (gap + drop) where the capture fell silent.
extension Explainer {
    struct Scan {
        var events: [Event] = []
        var signalEnergy = 0.0
        var residualEnergy = 0.0
    }

    /// The residual of one segment over capture frames `lo..<hi`, and its running sums.
    struct Residual {
        let lo: Int
        /// The aligned, gain-matched reference (`m`, unit gain) and the residual `e` per frame.
        let m: [Double]
        let e: [Double]
        /// Running sums of e², of the capture's power and of the model's power.
        var pe: [Double]
        var pcap: [Double]
        var pmod: [Double]
        /// The largest |m|: the model's peak over the segment.
        let peak: Double
        /// Per ``AnalyzerTuning/noiseBlock`` frames: Σ capture·m and Σ m², the block's own
        /// least-squares gain their ratio (``medianBlockGain(_:over:)``).
        let blockCross: [Double]
        let blockModel: [Double]
        var n: Int { e.count }
    }

    /// Scans the residual of segment `s` over [lo, hi) for transients and short dropouts.
    func scanResidual(_ s: Segment, _ fit: Fit, _ lo: Int, _ hi: Int) -> Scan {
        var f = fit, r = residual(s, f, lo, hi)
        // The path's response over the segment, measured when first asked for.
        var measured: PathResponse??
        let path = { () -> PathResponse? in
            if measured == nil { measured = PathResponse(ref: self.ref, cap: self.cap, segment: s) }
            return measured ?? nil
        }
        var alone: [Int: PathResponse] = [:]
        var heard = heardBlocks(s, r, path: path, alone: &alone)
        // A dropout long enough pulls the segment's gain down so far that no block is
        // explained either side of it: the blocks are judged again at their median gain
        // (``medianBlockGain(_:over:)``), and where some fell silent the gain is the median
        // over the others. (A least-squares gain over them counts the blocks half in the
        // dropout: 0.87 for 1.0 in fuzz case 2285, against which the dropout read as two
        // replacements 128 frames apart.)
        var medianGain: Double?
        let blocks = (r.n + tuning.noiseBlock - 1) / tuning.noiseBlock
        if heard.count == blocks, f.gain > 0, let g = medianBlockGain(r), g > tuning.dropoutGainPull * f.gain {
            var atMedian = f
            atMedian.gain = g
            var rest: [Int: PathResponse] = [:]
            let h = heardBlocks(s, residual(s, atMedian, lo, hi), path: path, alone: &rest)
            if h.count < blocks { (heard, medianGain, alone) = (h, medianBlockGain(r, over: h), rest) }
        }
        // The segment's gain, fitted over all of it, is pulled down by a long dropout (by the
        // share of the probe's energy it silenced: 19 % for 9000 frames of a second of white
        // noise, leaving a residual of −10 dB everywhere else, too loud for the dropout to
        // stand 10× above): fitted again over the blocks that were heard.
        if let g = medianGain ?? gain(over: heard, r), f.gain != 0, g != f.gain {
            let k = g / f.gain
            (f.gain, f.signalPower, f.peak) = (g, f.signalPower * k * k, f.peak * abs(k))
            r = residual(s, f, lo, hi)
        }
        let sig2 = localNoise(r, f, heard: heard)
        // Where the residual is coloured noise, a burst must stand out in its whitened form too.
        let white = whitenedResidual(r).map { w in mergeIntoBursts(flagStretches(w, localNoise(w, f, heard: heard))) }
        var scan = Scan()
        var excluded = 0.0
        for (b0, b1) in mergeIntoBursts(flagStretches(r, sig2)) {
            for i in b0..<b1 { excluded += r.e[i] * r.e[i] }
            let silent = fellSilent(b0, b1, heard: heard)
            if let white, !white.contains(where: { $0.0 < b1 && $0.1 > b0 }), !silent { continue }
            // A burst in a run judged on the rest of the segment's response is placed against it.
            let own = (b0 / tuning.noiseBlock...(b1 - 1) / tuning.noiseBlock).lazy.compactMap { alone[$0] }.first
            let ev = classifyBurst(b0, b1, r, s, f, sig2, path: own.map { p in { p } } ?? path, margin: silent ? tuning.noiseBlock : tuning.replacementMargin)
            if let events = ev { scan.events += events }
        }
        scan.events = joinedReplacements(scan.events)
        var se = 0.0
        for i in 0..<r.n { se += f.gain * f.gain * r.m[i] * r.m[i] }
        scan.signalEnergy = se
        scan.residualEnergy = max(0, r.pe[r.n] - excluded)
        return scan
    }

    func residual(_ s: Segment, _ f: Fit, _ lo: Int, _ hi: Int) -> Residual {
        let n = hi - lo, gain = f.gain
        let m = template(s, lo, hi)
        let block = tuning.noiseBlock, blocks = (n + block - 1) / block
        var e = [Double](repeating: 0, count: n)
        var pe = [Double](repeating: 0, count: n + 1), pcap = pe, pmod = pe
        var cross = [Double](repeating: 0, count: blocks), unit = cross
        var peak = 0.0
        // Read through unchecked buffers below: the bounds the arrays checked before.
        precondition(lo >= 0 && hi <= cap.count && m.count >= n, "residual over \(lo)..<\(hi) of \(cap.count) frames")
        // One pass, block by block, each running sum carried in a register: the same sums,
        // added in the same order, as frame by frame into the arrays.
        cap.withUnsafeBufferPointer { cb in
            m.withUnsafeBufferPointer { mb in
                e.withUnsafeMutableBufferPointer { eb in
                    pe.withUnsafeMutableBufferPointer { peb in
                        pcap.withUnsafeMutableBufferPointer { pcb in
                            pmod.withUnsafeMutableBufferPointer { pmb in
                                var se = 0.0, sc = 0.0, sm = 0.0
                                for b in 0..<blocks {
                                    var xc = 0.0, xm = 0.0
                                    for i in (b * block)..<min(n, (b + 1) * block) {
                                        let c = Double(cb[lo + i]), v = mb[i], g = gain * v
                                        let r = c - gain * v
                                        eb[i] = r
                                        se += r * r; peb[i + 1] = se
                                        sc += c * c; pcb[i + 1] = sc
                                        sm += g * g; pmb[i + 1] = sm
                                        xc += c * v
                                        xm += v * v
                                        peak = max(peak, abs(v))
                                    }
                                    cross[b] = xc
                                    unit[b] = xm
                                }
                            }
                        }
                    }
                }
            }
        }
        return Residual(lo: lo, m: m, e: e, pe: pe, pcap: pcap, pmod: pmod, peak: peak, blockCross: cross, blockModel: unit)
    }

    /// The power capture sample `c` holds, or, where `direct` (the model's direct sound there,
    /// at the fit's gain, through a room the model holds) is given, what it holds beyond the
    /// room's tail of the sound before: the smaller of its power and its misfit to the model
    /// without its direct sound (the residual `e` plus the direct sound). A replacement's first
    /// frames still hold the tail of what came before it, and priced at their power they put
    /// the start of a 2949-frame replacement through the room 10 frames late (fuzz case 518),
    /// of a 2630-frame one 108 (729). Only a replacement's split asks it, frame by frame:
    /// weighed so, the smaller of two signals is much less than either over a stretch, and the
    /// burst's own silence is judged on the capture's power (a clean log sweep through a room,
    /// `bench rooms`, read replacements otherwise).
    func heldPower(_ c: Double, residual e: Double, direct: Double?) -> Double {
        guard let direct else { return c * c }
        let t = e + direct
        return min(c * c, t * t)
    }

    /// The same residual whitened (``whitened(_:)``), or nil when it is white.
    func whitenedResidual(_ r: Residual) -> Residual? {
        guard let d = whitened(r.e) else { return nil }
        var pd = [Double](repeating: 0, count: r.n + 1)
        for i in 0..<r.n { pd[i + 1] = pd[i] + d[i] * d[i] }
        return Residual(lo: r.lo, m: r.m, e: d, pe: pd, pcap: r.pcap, pmod: r.pmod, peak: r.peak, blockCross: r.blockCross, blockModel: r.blockModel)
    }

    /// The residual through its own linear predictor's error filter (order
    /// ``AnalyzerTuning/whiteningOrder``), scaled back to the residual's power, or nil when
    /// the residual is white (the predictor gains less than
    /// ``AnalyzerTuning/whiteningMinPredictionGain``).
    ///
    /// The click tests compare a stretch's energy with the local noise as if the residual's
    /// samples were independent: 16 frames of white noise at 6× their mean, or 128 at 2.5×,
    /// never happen by chance. Coloured noise (a pink floor, most of its power below 100 Hz)
    /// has few independent values in such a stretch, and its slow swings cross those
    /// thresholds many times a second. A click is broadband and passes the predictor's error
    /// filter as a click (plus its first ``AnalyzerTuning/whiteningOrder`` frames of response),
    /// while the noise's predictable part is taken out. A burst is kept only when the same
    /// tests flag the whitened residual there too (``scanResidual(_:_:_:_:)``); its place,
    /// size and kind still come from the residual itself. This is the detector of autoregressive click
    /// restoration (Godsill and Rayner, *Digital Audio Restoration*, Springer 1998: clicks
    /// are found in an AR model's prediction error). The predictor is fitted on the median, over
    /// ``AnalyzerTuning/noiseBlock``-frame blocks, of each lag's normalised autocorrelation:
    /// the few blocks that hold a click or a dropout do not move it.
    func whitened(_ e: [Double]) -> [Double]? {
        let p = AnalyzerTuning.whiteningOrder, block = tuning.noiseBlock, n = e.count
        guard n >= 2 * block else { return nil }
        var lagRatios = [[Double]](repeating: [], count: p + 1)
        var b = 0
        while b + block <= n {
            var r = [Double](repeating: 0, count: p + 1)
            for k in 0...p { for i in (b + k)..<(b + block) { r[k] += e[i] * e[i - k] } }
            if r[0] > 0 { for k in 1...p { lagRatios[k].append(r[k] / r[0]) } }
            b += block
        }
        guard !lagRatios[1].isEmpty else { return nil }
        let rho = [1.0] + (1...p).map { median(lagRatios[$0]) }
        guard let a = levinson(rho, order: p), a.gain >= tuning.whiteningMinPredictionGain else { return nil }
        let scale = a.gain.squareRoot()
        var d = [Double](repeating: 0, count: n)
        for i in p..<n {
            var v = e[i]
            for k in 1...p { v -= a.coefficients[k - 1] * e[i - k] }
            d[i] = scale * v
        }
        return d
    }

    /// Levinson–Durbin: the order-`order` predictor x[i] ≈ Σ aₖ x[i−k] from normalised
    /// autocorrelations `rho` (rho[0] = 1), and its prediction gain (power in over power out);
    /// nil when the autocorrelations are not those of a stationary process.
    func levinson(_ rho: [Double], order p: Int) -> (coefficients: [Double], gain: Double)? {
        var a = [Double](repeating: 0, count: p)
        var err = 1.0
        for m in 0..<p {
            var acc = rho[m + 1]
            for k in 0..<m { acc -= a[k] * rho[m - k] }
            let kappa = acc / err
            guard abs(kappa) < 1 else { return nil }
            let prev = a
            a[m] = kappa
            for k in 0..<m { a[k] = prev[k] - kappa * prev[m - 1 - k] }
            err *= 1 - kappa * kappa
        }
        return err > 0 ? (a, 1 / err) : nil
    }

    /// The local noise variance per block: a robust per-block variance smoothed by a median
    /// over the nearest blocks where the capture was heard (`heard`, ``heardBlocks(_:_:path:)``),
    /// and never below the floors of ``AnalyzerTuning``.
    func localNoise(_ r: Residual, _ f: Fit, heard: [Int]) -> [Double] {
        let n = r.n, e = r.e, m = r.m
        let block = tuning.noiseBlock
        let nb = (n + block - 1) / block
        var bvar = [Double](repeating: 0, count: nb), bmean = bvar, tpow = bvar, cpow = bvar
        let silenced = Set(0..<nb).subtracting(heard)
        let silentRun = silenced.filter { b in
            (b - tuning.silentRunBlocks + 1...b).contains { a in (a..<a + tuning.silentRunBlocks).allSatisfy(silenced.contains) }
        }
        for b in 0..<nb {
            let a = b * block, z = min(n, a + block)
            cpow[b] = (r.pcap[z] - r.pcap[a]) / Double(max(1, z - a))
            let sq = (a..<z).map { e[$0] * e[$0] }
            bvar[b] = median(sq) / tuning.medianOfSquaredNormal
            bmean[b] = sq.reduce(0, +) / Double(max(1, sq.count))
            tpow[b] = (a..<z).reduce(0.0) { $0 + f.gain * f.gain * m[$1] * m[$1] } / Double(max(1, z - a))
        }
        let floor2 = pow(tuning.noiseFloorOfPeak * max(f.peak, 1e-9), 2)
        // How well the model fits this segment overall (residual over signal, per block, median):
        // a stationary misfit (a path the model cannot follow exactly) is not a transient.
        let ratios = (0..<nb).compactMap { tpow[$0] > 0 ? bmean[$0] / tpow[$0] : nil }
        let fitRatio = max(tuning.minFitRatio, ratios.isEmpty ? 0 : median(ratios))
        var sig2 = [Double](repeating: 0, count: nb)
        let k = tuning.noiseNeighbourBlocks
        for b in 0..<nb {
            // In a run of blocks where the capture fell silent under the probe (not heard)
            // the noise is what the capture holds there: its neighbours' residual is the
            // model's misfit, which grows with a signal the capture no longer holds. Through
            // a path the model fits only to 10–15 % (tanh clipping), or against a gain a long
            // dropout pulled down, no dropout stood 10× over that
            // (``AnalyzerTuning/dropoutProbeNoiseMultiple``): white noise clipped with 2134
            // frames replaced by silence (fuzz case 2409) read clean there, pink noise with
            // 2498 (1727) two pieces of it. Not in a lone such block
            // (``AnalyzerTuning/silentRunBlocks``): a pulse train's pulse replaced by silence
            // leaves one, and the interpolated pulse's tails read, against the capture's
            // silence, as 95 frames replaced beside its 2.
            if silentRun.contains(b) {
                sig2[b] = max(cpow[b], floor2, quantizationFloor)
                continue
            }
            // The larger of a median-based and a mean-based estimate: the first resists the
            // bursts being looked for, the second does not underestimate heavy-tailed residuals.
            let nbh = neighbourhood(of: b, among: heard, k: k).map { Array($0) } ?? Array(max(0, b - k)...min(nb - 1, b + k))
            // Model error (a hair of delay or gain error, interpolation) grows with the signal
            // itself: allow for it in proportion to the local signal power.
            let local = tpow[max(0, b - 1)...min(nb - 1, b + 1)].max() ?? 0
            sig2[b] = max(median(nbh.map { bvar[$0] }), median(nbh.map { bmean[$0] }), floor2, f.sigma2 * tuning.noiseOfSegmentSigma2, fitRatio * local, quantizationFloor)
        }
        return sig2
    }

    /// The blocks (``AnalyzerTuning/noiseBlock`` frames of residual `r`, segment `s`) whose
    /// residual is noise: all but those where the capture fell silent under the probe. There
    /// the residual is the probe itself, and a dropout that fills most of a block's
    /// neighbourhood (five of the nine blocks: 2300 frames or more) would otherwise be its own
    /// local noise and never stand out: the analyzer's own probe, and white noise, with 2400
    /// or 3000 frames replaced by silence were called clean, the probe 1.0× the "noise" there.
    ///
    /// A run of blocks fell silent when, in each, the capture holds less than
    /// ``AnalyzerTuning/dropoutCaptureOfProbe`` of the model's power and of what the path makes
    /// of the block's reference frames (``PathResponse``, measured over the segment), and the
    /// silence starts and ends within a block, between blocks the model explains
    /// (``AnalyzerTuning/dropoutEdgeMisfit``): a replacement's hard edges. Where the path's
    /// colouring is not followed the capture is as silent, but the model does not explain
    /// what leads into it: the short path model passes a 2 kHz low-pass's stopband at −14 dB
    /// (a multitone's high burst read as a 447-frame replacement without the path's
    /// response), and a log sweep fades into it over six blocks as it climbs (its top octaves
    /// read as replacements 1860–9027 frames long with the response alone, the response over
    /// a sweep holding the capture's noise in bins the sweep visits briefly).
    ///
    /// A run the path's response over the whole segment says it silenced is judged again on
    /// the response the rest of the segment gives (``PathResponse/init(ref:cap:segment:leavingOut:)``):
    /// a sweep plays each band once, so a band replaced by silence is the response's only
    /// measure of it, and the response said the path stops it. Measured without the run, the
    /// band lies between bands the path passes, and a stop that narrow is no path's; a band
    /// the rest of the segment shows stopped, or one at the edge of what it plays, stays
    /// stopped. The runs so judged keep that response in `alone`, by block, for the burst
    /// scan to place their replacement against. (A 0.19 s log sweep with its 1.5–8.5 kHz
    /// replaced by 2263 frames of silence, fuzz case 324, read clean.)
    func heardBlocks(_ s: Segment, _ r: Residual, path: () -> PathResponse?, alone: inout [Int: PathResponse]) -> [Int] {
        let block = tuning.noiseBlock, blocks = (r.n + block - 1) / block
        func span(_ b: Int) -> (Int, Int) { (b * block, min(r.n, (b + 1) * block)) }
        let quiet = (0..<blocks).map { b in
            let (a, z) = span(b), model = r.pmod[z] - r.pmod[a]
            return model > 0 && r.pcap[z] - r.pcap[a] < tuning.dropoutCaptureOfProbe * model
        }
        func explained(_ b: Int) -> Bool {
            guard b >= 0, b < blocks else { return false }
            let (a, z) = span(b)
            return modelExplains(r, a..<z)
        }
        func silencedByThePath(_ b: Int, _ response: PathResponse?) -> Bool {
            let (a, z) = span(b)
            return !silentAgainstThePath(s, r.lo + a, r.lo + z, captured: r.pcap[z] - r.pcap[a], share: tuning.dropoutCaptureOfProbe, response)
        }
        var silenced = Set<Int>()
        var b = 0
        while b < blocks {
            guard quiet[b] else { b += 1; continue }
            var e = b
            while e + 1 < blocks && quiet[e + 1] { e += 1 }
            // Through a room the model holds (``tailFrames``), the silence's edges smear over
            // the tail: the capture holds the tail of the sound before the silence, and lacks
            // after it the tail of what it silenced. Where the probe over the quiet run is
            // broadband (``AnalyzerTuning/farHeardMinFlatness``), the blocks that explain it
            // are looked for a tail's length out either side. Faint noise through the room
            // with 2949 frames replaced (fuzz case 518) held 0.29 and 0.12 of the model over
            // the two blocks before the quiet ones, inside the replacement, and read clean.
            // A clean log sweep through a room that does not pass its lowest band (`bench
            // rooms`), heard 7 blocks after it, read a 5446-frame replacement without the
            // flatness asked: the path's response over the segment cannot resolve that band.
            let reach = 2 + (tailFrames + block - 1) / block
            let vouched = explained(b - 2) && explained(e + 2)
                || reach > 2 && (2...reach).contains(where: { explained(b - $0) }) && (2...reach).contains(where: { explained(e + $0) })
                && Spectrum.flatness(Array(r.m[span(b).0..<span(e).1])) >= tuning.farHeardMinFlatness
            if vouched {
                if !(b...e).contains(where: { silencedByThePath($0, path()) }) {
                    silenced.formUnion(b...e)
                } else if let rest = PathResponse(ref: ref, cap: cap, segment: s, leavingOut: (r.lo + span(b).0)..<(r.lo + span(e).1)),
                          !(b...e).contains(where: { silencedByThePath($0, rest) }) {
                    silenced.formUnion(b...e)
                    for k in b...e { alone[k] = rest }
                }
            }
            b = e + 1
        }
        return (0..<blocks).filter { !silenced.contains($0) }
    }

    /// The least-squares gain of residual `r`'s model over blocks `heard`, when some block is
    /// not among them and the heard blocks hold some of the model.
    func gain(over heard: [Int], _ r: Residual) -> Double? {
        let block = tuning.noiseBlock
        guard heard.count < (r.n + block - 1) / block else { return nil }
        var sxy = 0.0, sxx = 0.0
        for b in heard {
            for i in (b * block)..<min(r.n, (b + 1) * block) {
                sxy += Double(cap[r.lo + i]) * r.m[i]
                sxx += r.m[i] * r.m[i]
            }
        }
        return sxx > 0 ? sxy / sxx : nil
    }

    /// `events` with the replacements (a gap and a drop at one frame, of one size) that share
    /// a capture frame joined into one, from the first's start to the last's end: a frame is
    /// replaced once, and a replacement keeps the delay, so two that overlap are one that
    /// spans both. Where the capture fell silent over whole blocks, a burst's replacement is
    /// sought a block either side of it (``classifyBurst``), and two bursts in one silence
    /// each find it, or one finds part of what the other finds whole (the 837 frames white
    /// noise lost to silence at 16152 in fuzz case 2409, found whole and again as 244 of
    /// them; white noise's 867 in case 2075 twice; speech's 2119 in case 592 as 2142 and 701
    /// from one frame), or each finds one end of it where the silence reaches past the
    /// stretch searched and the probe there is too quiet to search further (white noise
    /// through tanh clipping, fuzz case 2022: 583 frames at 9839 read as 412 there and 224 at
    /// 10200 before the search grew).
    func joinedReplacements(_ events: [Event]) -> [Event] {
        let isReplacement = { (g: Event) in
            g.kind == .gap && events.contains { $0.kind == .drop && $0.captureSample == g.captureSample && $0.sizeSamples == g.sizeSamples }
        }
        let spans = events.filter(isReplacement).map { $0.captureSample..<($0.captureSample + $0.sizeSamples) }
            .sorted { ($0.lowerBound, $0.upperBound) < ($1.lowerBound, $1.upperBound) }
        var joined: [Range<Int>] = []
        for r in spans {
            if let last = joined.last, r.lowerBound < last.upperBound {
                joined[joined.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                joined.append(r)
            }
        }
        let parts = Set(spans.map { [$0.lowerBound, $0.count] })
        let kept = events.filter { e in !((e.kind == .gap || e.kind == .drop) && parts.contains([e.captureSample, e.sizeSamples])) }
        return kept + joined.flatMap { r in
            [Event(kind: .gap, captureSample: r.lowerBound, sizeSamples: r.count, sampleRate: fs),
             Event(kind: .drop, captureSample: r.lowerBound, sizeSamples: r.count, sampleRate: fs)]
        }
    }

    /// Whether residual frames `b0..<b1` reach into a block where the capture fell silent
    /// under the probe (not among `heard`, ``heardBlocks(_:_:path:)``). There the residual
    /// is the probe itself, as coloured as the probe: the whitened residual's test, which
    /// keeps a coloured noise floor's slow swings from reading as clicks, is no test of it.
    func fellSilent(_ b0: Int, _ b1: Int, heard: [Int]) -> Bool {
        let block = tuning.noiseBlock
        return (b0 / block...(b1 - 1) / block).contains { !heard.contains($0) }
    }

    /// The median of the blocks' own least-squares gains (``AnalyzerTuning/noiseBlock``
    /// frames of residual `r`; only blocks `over` where given), over the blocks whose model
    /// holds at least ``AnalyzerTuning/blockGainMinShare`` of the loudest block's power; nil
    /// where fewer than three do. A dropout moves it only once it fills half of those blocks.
    func medianBlockGain(_ r: Residual, over chosen: [Int]? = nil) -> Double? {
        let model = r.blockModel
        guard let loudest = model.max(), loudest > 0 else { return nil }
        let gains = (chosen ?? Array(model.indices)).filter { model[$0] > 0 && model[$0] >= tuning.blockGainMinShare * loudest }
            .map { r.blockCross[$0] / model[$0] }
        return gains.count >= 3 ? median(gains) : nil
    }

    /// The blocks of `heard` (sorted) within k of block `b` on either side, counting heard
    /// blocks only (`b` itself if heard), as far as there are; nil when no block was heard.
    func neighbourhood(of b: Int, among heard: [Int], k: Int) -> ArraySlice<Int>? {
        guard !heard.isEmpty else { return nil }
        var lo = 0, hi = heard.count
        while lo < hi { let mid = (lo + hi) / 2; if heard[mid] < b { lo = mid + 1 } else { hi = mid } }
        let after = lo < heard.count && heard[lo] == b ? k + 1 : k
        return heard[max(0, lo - k)..<min(heard.count, lo + after)]
    }

    /// The multi-scale energy test: every stretch (at each of ``AnalyzerTuning/clickScales``)
    /// whose residual energy stands out against the local noise and the residual around it,
    /// and every long stretch of silence where the probe plays.
    func flagStretches(_ r: Residual, _ sig2: [Double]) -> [(Int, Int)] {
        let n = r.n, playing = Self.playing(r)
        let block = tuning.noiseBlock, nb = sig2.count, contrast = tuning.clickContrastFrames
        let dropout = tuning.dropoutFrames, probeNoise = tuning.dropoutProbeNoiseMultiple, captureOfProbe = tuning.dropoutCaptureOfProbe
        var flagged: [(Int, Int)] = []
        r.pe.withUnsafeBufferPointer { pe in
            for (len, thr) in tuning.clickScales {
                let hop = max(1, len / 2)
                var i = 0
                while i + len <= n {
                    let s2 = sig2[min(nb - 1, (i + len / 2) / block)]
                    if Self.standsOut(i..<(i + len), pe, s2: s2, ratio: thr, playing: playing, contrast: contrast) { flagged.append((i, i + len)) }
                    // Silence where the probe plays is a dropout however long it is: the local
                    // contrast, meant for images that build up, does not apply to it.
                    else if len == dropout {
                        let mE = r.pmod[i + len] - r.pmod[i]
                        if mE > probeNoise * Double(len) * s2 && r.pcap[i + len] - r.pcap[i] < captureOfProbe * mE {
                            flagged.append((i, i + len))
                        }
                    }
                    i += hop
                }
            }
        }
        return flagged
    }

    /// Whether residual frames `x` hold `ratio` times their count times the local noise `s2`,
    /// or the residual's mean power around them where that is higher: over
    /// ``AnalyzerTuning/clickContrastFrames`` each side, within `playing` (where the reference
    /// plays: past its ends the residual is trivially zero, which would make the path's own
    /// misfit stand out there). A misfit that builds up over a stretch (a resampler's images
    /// as a chirp climbs) is not a transient.
    func standsOut(_ x: Range<Int>, _ r: Residual, s2: Double, ratio: Double, playing: Range<Int>) -> Bool {
        r.pe.withUnsafeBufferPointer { Self.standsOut(x, $0, s2: s2, ratio: ratio, playing: playing, contrast: tuning.clickContrastFrames) }
    }

    /// ``standsOut(_:_:s2:ratio:playing:)`` on the residual's running energy `pe`, with
    /// ``AnalyzerTuning/clickContrastFrames`` given as `contrast` (the multi-scale scan asks
    /// it at every frame).
    @inline(__always)
    static func standsOut(_ x: Range<Int>, _ pe: UnsafeBufferPointer<Double>, s2: Double, ratio: Double, playing: Range<Int>, contrast: Int) -> Bool {
        let l0 = min(x.lowerBound, max(playing.lowerBound, x.lowerBound - contrast))
        let r1 = max(x.upperBound, min(playing.upperBound, x.upperBound + contrast))
        let around = (pe[x.lowerBound] - pe[l0]) + (pe[r1] - pe[x.upperBound])
        let aroundMean = around / Double(max(1, (x.lowerBound - l0) + (r1 - x.upperBound)))
        return pe[x.upperBound] - pe[x.lowerBound] > ratio * Double(x.count) * max(s2, aroundMean)
    }

    /// Whether a click's frames past 4σ (`x`), fewer than the shortest multi-frame scale of
    /// ``AnalyzerTuning/clickScales`` (16), stand out at a scale that short as a transient
    /// does: one of them alone at the single-frame scale (6.5σ), or the window of that scale
    /// centred on them at its ratio (6×); always true for a longer extent. A burst flagged
    /// only as a whole, 128 frames at 2.5×, whose few frames past 4σ stand out at neither, is
    /// a misfit over that stretch, not the frame of it that lies furthest out: a faint white
    /// noise reference at 8 kHz through the room, undamaged, read a 1-frame click at 6.47σ
    /// inside 128 frames of its misfit at 2.7× (fuzz case 1267).
    func standsOutAtShortScales(_ x: ClosedRange<Int>, _ r: Residual, s2: Double) -> Bool {
        let scales = tuning.clickScales
        guard scales.count >= 2, x.count < scales[1].frames else { return true }
        let playing = Self.playing(r), one = scales[0], window = scales[1]
        if x.contains(where: { standsOut($0..<($0 + one.frames), r, s2: s2, ratio: one.ratio, playing: playing) }) { return true }
        let start = min(max(0, (x.lowerBound + x.upperBound + 1 - window.frames) / 2), max(0, r.n - window.frames))
        return standsOut(start..<min(r.n, start + window.frames), r, s2: s2, ratio: window.ratio, playing: playing)
    }

    /// The residual's frames where the reference plays (the model is not zero), from the first
    /// such frame to the last.
    static func playing(_ r: Residual) -> Range<Int> {
        var lo = 0, hi = r.n
        while lo < hi && r.m[lo] == 0 { lo += 1 }
        while hi > lo && r.m[hi - 1] == 0 { hi -= 1 }
        return lo..<hi
    }

    /// Flagged stretches that overlap or nearly touch, as bursts.
    func mergeIntoBursts(_ flagged: [(Int, Int)]) -> [(Int, Int)] {
        var bursts: [(Int, Int)] = []
        for fl in flagged.sorted(by: { $0.0 < $1.0 }) {
            if let last = bursts.last, fl.0 <= last.1 + tuning.burstMergeFrames {
                bursts[bursts.count - 1].1 = max(last.1, fl.1)
            } else {
                bursts.append(fl)
            }
        }
        return bursts
    }

    /// Whether the capture's energy `captured` over capture frames `t0..<t1` is below
    /// ``AnalyzerTuning/replacementCaptureOfSignal`` of what the model before the path's
    /// colouring (``Explainer/bare``) puts there, as it is of the coloured model's: the bare
    /// model at the segment's gain and the path's broadband gain (``Explainer/BareModel``'s
    /// scale, not its colour). True when there is no such model. The short path filter,
    /// fitted where a sweep spends its time, can boost the top of the band the sweep barely
    /// plays: a log sweep at 22.05 kHz behind the resonant high-pass, clean, had its last 207
    /// frames (9.8–9.9 kHz) read as replaced by silence where the capture held them at the
    /// reference's own level (the fuzz test's case 36).
    func silentAgainstTheBareReference(_ s: Segment, _ f: Fit, _ t0: Int, _ t1: Int, captured: Double) -> Bool {
        guard let bare, t1 > t0, let values = bareValues(s, t0..<t1) else { return true }
        let be = values.reduce(0.0) { $0 + $1 * $1 } * f.gain * f.gain * bare.scale
        return captured < tuning.replacementCaptureOfSignal * be
    }

    /// The model before the path's colouring (``Explainer/bare``) at capture frames `frames`
    /// on segment `s`'s line, or nil where the model is not coloured.
    func bareValues(_ s: Segment, _ frames: Range<Int>) -> [Double]? {
        bare.map { bare in bare.samples.withUnsafeBufferPointer { rb in interp.values(at: frames, in: rb) { s.refPosition(atCapture: Double($0)) } } }
    }

    /// Whether the capture's energy `captured` over capture frames `t0..<t1` of segment `s` is
    /// below `share` of what the path makes of the reference frames under them (`path`,
    /// measured over the segment); true when the response could not be measured (a segment
    /// under two of its shortest frames). Where the path makes nothing of those frames, or
    /// less than `playedAtLeast` of the capture's mean power over the segment, the capture is
    /// not silent against it: below that the response is its own estimate's error. A
    /// 1135-frame log sweep at 22.05 kHz behind the 2 kHz low-pass, whose 2.7–7.7 kHz the path
    /// removes, was predicted there at −29 dB of the segment, heard at −40 (its noise), and
    /// read as a 292-frame replacement (the click scan asks
    /// ``AnalyzerTuning/replacementMinSignalOfMean`` of it, as of the model).
    func silentAgainstThePath(_ s: Segment, _ t0: Int, _ t1: Int, captured: Double, share: Double, _ path: PathResponse?, playedAtLeast: Double = 0) -> Bool {
        guard let path, t1 > t0 else { return true }
        return path.holdsSilence(ref, s, t0..<t1, captured: captured, share: share, playedAtLeast: playedAtLeast)
    }

    /// Whether a burst's capture frames `t0..<t1` (energy `captured`) are silent against what
    /// the path makes of the reference under them (``silentAgainstThePath(_:_:_:captured:share:_:playedAtLeast:)``
    /// at ``AnalyzerTuning/replacementCaptureOfSignal``, where it plays
    /// ``AnalyzerTuning/replacementMinSignalOfMean`` of the capture's mean power): by the
    /// response over the whole segment, or, where that says the path silenced them and the
    /// probe is heard on both sides of them (`flanked`), by the response the rest of the
    /// segment gives, as ``heardBlocks(_:_:path:alone:)`` judges a run of blocks. A sweep
    /// plays each band once, and a band its replacement silenced is the whole segment's only
    /// measure of it: a linear sweep behind the resonant high-pass (fuzz case 2369) with 1018
    /// frames of it replaced by silence was predicted there at 0.04 of the capture's power,
    /// and the replacement was missed. At a segment's end the band is
    /// the edge of what it plays, which a path may stop: short log sweeps at 8 kHz behind
    /// the 2 kHz low-pass (`bench shortrefs`) read their top's silence as replaced.
    func silentAgainstTheResponse(_ s: Segment, _ t0: Int, _ t1: Int, captured: Double, _ path: () -> PathResponse?, flanked: Bool) -> Bool {
        let share = tuning.replacementCaptureOfSignal, played = tuning.replacementMinSignalOfMean
        if silentAgainstThePath(s, t0, t1, captured: captured, share: share, path(), playedAtLeast: played) { return true }
        guard flanked, let rest = PathResponse(ref: ref, cap: cap, segment: s, leavingOut: t0..<t1) else { return false }
        return silentAgainstThePath(s, t0, t1, captured: captured, share: share, rest, playedAtLeast: played)
    }

    /// Whether the probe is heard on both sides of residual frames `w`: over the
    /// ``AnalyzerTuning/noiseBlock`` frames before it and those after it, as many as the
    /// residual holds and at least ``AnalyzerTuning/replacementMargin``, the model explains
    /// the capture (the residual under ``AnalyzerTuning/dropoutEdgeMisfit`` of the model's
    /// power), as ``heardBlocks(_:_:path:alone:)`` asks of the blocks around a run of quiet
    /// ones. A log sweep at 8 kHz with 318 frames of its top replaced, 89 frames before its
    /// end (fuzz case 961), is heard after them.
    func heardEitherSide(_ r: Residual, _ w: Range<Int>) -> Bool {
        let block = tuning.noiseBlock
        let before = max(0, w.lowerBound - block)..<w.lowerBound, after = w.upperBound..<min(r.n, w.upperBound + block)
        return [before, after].allSatisfy { $0.count >= tuning.replacementMargin && modelExplains(r, $0) }
    }

    /// Whether the model explains the capture over residual frames `w`: their residual under
    /// ``AnalyzerTuning/dropoutEdgeMisfit`` of the model's power there.
    func modelExplains(_ r: Residual, _ w: Range<Int>) -> Bool {
        let model = r.pmod[w.upperBound] - r.pmod[w.lowerBound]
        return model > 0 && r.pe[w.upperBound] - r.pe[w.lowerBound] < tuning.dropoutEdgeMisfit * model
    }

    /// Whether a stretch of `frames` residual frames, where the capture holds energy
    /// `captured` and the model (at the fit's gain) `model`, is silent where the probe plays:
    /// the model at ``AnalyzerTuning/replacementMinSignalOfMean`` of the segment's mean power
    /// or more, the capture under ``AnalyzerTuning/replacementCaptureOfSignal`` of it. A
    /// burst's frames must be, to be a replacement (``classifyBurst``), and so must the edge
    /// of a stretch its silence is followed past.
    func silentUnderTheProbe(captured: Double, model: Double, frames: Int, _ f: Fit) -> Bool {
        model > 0 && captured < tuning.replacementCaptureOfSignal * model
            && model >= tuning.replacementMinSignalOfMean * f.signalPower * Double(frames)
    }

    /// ``silentUnderTheProbe(captured:model:frames:_:)`` over residual frames `w`, from the
    /// residual's running sums (made at `f`'s gain).
    func silentUnderTheProbe(_ r: Residual, _ f: Fit, _ w: Range<Int>) -> Bool {
        !w.isEmpty && silentUnderTheProbe(captured: r.pcap[w.upperBound] - r.pcap[w.lowerBound],
                                          model: r.pmod[w.upperBound] - r.pmod[w.lowerBound], frames: w.count, f)
    }

    /// The best split of residual frames `w` into the segment, the capture's own frames (a
    /// silence, priced at what the capture holds there, ``heldPower(_:residual:direct:)``) and
    /// the segment again (``split(a:f:b:open:)``), in frames from `w`'s start; `r` is segment
    /// `s`'s residual at `f`'s gain.
    func silenceSplit(_ r: Residual, _ w: Range<Int>, s2: Double, _ s: Segment, _ f: Fit) -> (t1: Int, t2: Int, cost: Double) {
        var ca = [Double](), cf = [Double]()
        ca.reserveCapacity(w.count)
        cf.reserveCapacity(w.count)
        // The direct sound only over the stretch split, and only through a room.
        let direct = tailFrames > 0 ? directSound(s, r.lo + w.lowerBound, r.lo + w.upperBound) : []
        for i in w {
            ca.append(r.e[i] * r.e[i])
            let d = direct.isEmpty ? nil : f.gain * direct[i - w.lowerBound]
            cf.append(heldPower(Double(cap[r.lo + i]), residual: r.e[i], direct: d))
        }
        return Explainer.split(a: ca, f: cf, b: ca, open: tuning.foreignStretchOpenCost * s2)
    }

    /// What burst `b0..<b1` (residual frames of segment `s`) is: a short replacement (gap +
    /// drop), a click, or nothing (the path's own distortion): nil. A replacement is silent
    /// against what the path makes of the reference there too (`path`,
    /// ``silentAgainstThePath(_:_:_:captured:share:_:)``): the card model's resampler to
    /// 44.1 kHz passes the probe's sweeps at 19 kHz at 0.42 of their amplitude, 0.18 of the
    /// model's power where the gain is fitted over the whole band, and a guest with a small
    /// ring read such stretches as replacements of 313–364 frames.
    /// `margin`: how far either side of the burst a replacement's edges are sought
    /// (``AnalyzerTuning/replacementMargin``; a block, ``AnalyzerTuning/noiseBlock``, for a
    /// burst where the capture fell silent over whole blocks: the blocks at its edges are
    /// heard in part, their noise is the model's misfit, and the burst stops where they
    /// begin, up to a block short of the silence at each end).
    func classifyBurst(_ b0: Int, _ b1: Int, _ r: Residual, _ s: Segment, _ f: Fit, _ sig2: [Double], path: () -> PathResponse?, margin: Int) -> [Event]? {
        let n = r.n, e = r.e, m = r.m, lo = r.lo
        // Exact extent: the samples beyond 4σ inside the burst.
        let s2 = sig2[min(sig2.count - 1, ((b0 + b1) / 2) / tuning.noiseBlock)]
        var first = -1, last = -1
        for i in b0..<b1 where e[i] * e[i] > tuning.burstEdgeSigma2 * s2 {
            if first < 0 { first = i }
            last = i
        }
        if first < 0 { first = b0; last = b1 - 1 }
        var ce = 0.0, me = 0.0
        for i in first...last {
            ce += Double(cap[lo + i]) * Double(cap[lo + i])
            me += f.gain * f.gain * m[i] * m[i]
        }
        if last - first + 1 >= tuning.minReplacementFrames, silentUnderTheProbe(captured: ce, model: me, frames: last - first + 1, f),
           silentAgainstTheBareReference(s, f, lo + first, lo + last + 1, captured: ce),
           silentAgainstTheResponse(s, lo + first, lo + last + 1, captured: ce, path, flanked: heardEitherSide(r, first..<(last + 1))) {
            // The capture fell silent where the signal should be: audio replaced by silence.
            var r0 = max(0, first - margin), r1 = min(n, last + margin + 1)
            var sp = silenceSplit(r, r0..<r1, s2: s2, s, f)
            // A silence that reaches the searched stretch's edge while the probe still plays
            // over that edge's last `margin` frames may go on past it: searched again over a
            // stretch twice as long on that side, up to the segment's ends. (Faint noise
            // behind the low-pass, fuzz case 1813, with 771 frames replaced, read 319 and 313
            // of them from two bursts.) Where the probe's frames at the edge are quiet, where
            // the silence ends cannot be heard: the split's cost is the same either way, and a
            // sparse reference's silence would carry the replacement on to its next sound.
            while sp.t2 > sp.t1 {
                let early = sp.t1 <= tuning.replacementGrowthSlack && r0 > 0 && silentUnderTheProbe(r, f, r0..<min(r0 + margin, r0 + sp.t2))
                let late = sp.t2 >= r1 - r0 - tuning.replacementGrowthSlack && r1 < n && silentUnderTheProbe(r, f, max(r1 - margin, r0 + sp.t1)..<r1)
                guard early || late else { break }
                let grow = r1 - r0
                if early { r0 = max(0, r0 - grow) }
                if late { r1 = min(n, r1 + grow) }
                sp = silenceSplit(r, r0..<r1, s2: s2, s, f)
            }
            if sp.t2 > sp.t1 {
                let (at, g) = replacedStretch(s, f, t1: lo + r0 + sp.t1, t2: lo + r0 + sp.t2)
                if g > 0 {
                    return [Event(kind: .gap, captureSample: at, sizeSamples: g, sampleRate: fs),
                            Event(kind: .drop, captureSample: at, sizeSamples: g, sampleRate: fs)]
                }
            }
        }
        // A burst whose every frame past the bar is the capture clipped at full scale is the
        // capture's saturation, a memoryless non-linearity, not a click.
        let past = (first...last).filter { e[$0] * e[$0] > tuning.burstEdgeSigma2 * s2 }
        if !past.isEmpty, past.allSatisfy({ clippedAtFullScale(lo + $0, model: f.gain * m[$0]) }) { return nil }
        if last - first + 1 > tuning.longBurstFrames {
            // A long burst that is neither silence nor louder than the signal under it
            // is the path's own distortion (a resampler's images), not a transient.
            var re = 0.0
            for i in first...last { re += e[i] * e[i] }
            if re < me { return nil }
        }
        // A burst whose residual is a tone or a sweep (a resampler's image as the probe
        // crosses the path's Nyquist frequency; a room's misfit as a linear sweep passes one
        // of its resonances, 13–32 frames) is not a click either: a transient, or garbage in
        // a buffer, is broadband.
        // A burst shorter than that is judged with the residual around it: a single frame
        // past 4σ on a room's tonal misfit (a linear sweep through it, flatness 0.009–0.022 over
        // the 33 frames around) is a crest of that misfit, while a click stands out of the
        // noise around it as an impulse, which is flat.
        if Spectrum.flatness(flatnessContext(e, first...last)) < tuning.minBurstFlatness { return nil }
        // A burst whose residual lies at the top of the band is the interpolator's: its
        // windowed sinc passes up to ~0.9 of the Nyquist frequency, so a fractional delay of
        // the reference's content above leaves a misfit there (noise with energy up to the
        // Nyquist frequency, at a fractional delay). A click is broadband.
        if lowBandShare(e, around: first...last) < tuning.nyquistMisfitMaxLowShare { return nil }
        // Through a memoryless non-linearity (``curvedPath``), the fitted curve misfits the
        // reference's loudest stretches most: a burst there is the curve's, not a click.
        // The curve acts on the reference's samples before the delay: a loud sample between
        // two frames reads, interpolated, well under its own level (white noise's peaks
        // through tanh clipping, the model at 0.72 of its peak where a sample at 0.85 of
        // the reference's lay between frames), so the samples under the burst count too.
        if curvedPath, (max(0, first - tuning.curvedPathClickReach)...min(n - 1, last + tuning.curvedPathClickReach))
            .contains(where: { abs(m[$0]) >= tuning.curvedPathClickFreeOfPeak * r.peak }) || curvedSampleNear(s, lo + first, lo + last) { return nil }
        // Where no curve was fitted (a drifting capture, a low SNR), a burst whose every frame
        // past 4σ lies at the model's peaks with the capture short of the model, on its side
        // of zero, is the path compressing its loudest samples, not a click, where it
        // compresses its other loud samples too (``compressedPeak(_:_:_:)``).
        if !curvedPath, !past.isEmpty, past.allSatisfy({ compressedPeak($0, r, f) }), compresses(r, f, besides: first...last, s2: s2) { return nil }
        // A burst the path's measured response makes of the reference is the path's colouring,
        // which the short model did not follow: a transient's top band behind a steep filter.
        if let p = path(), heardThroughTheResponse(s, f, lo + first, lo + last + 1, s2: s2, p) { return nil }
        // A few frames past 4σ are a click only where they stand out as one at a short scale.
        if !standsOutAtShortScales(first...last, r, s2: s2) { return nil }
        return [Event(kind: .click, captureSample: lo + first, sizeSamples: last - first + 1, sampleRate: fs)]
    }

    /// Whether, through a fitted curve (``curvedPath``), a sample of the model within
    /// ``AnalyzerTuning/curvedPathClickReach`` frames of capture frames `t0...t1` on segment
    /// `s`'s line is at ``AnalyzerTuning/curvedPathClickFreeOfPeak`` of the model's peak or more.
    func curvedSampleNear(_ s: Segment, _ t0: Int, _ t1: Int) -> Bool {
        guard curvedPath else { return false }
        let reach = Double(tuning.curvedPathClickReach)
        let p0 = Int((s.refPosition(atCapture: Double(t0)) - reach).rounded(.down)), p1 = Int((s.refPosition(atCapture: Double(t1)) + reach).rounded(.up))
        let lo = max(0, p0), hi = min(ref.count - 1, p1)
        guard lo <= hi else { return false }
        let bar = tuning.curvedPathClickFreeOfPeak * Double(modelPeak)
        return ref[lo...hi].contains { Double(abs($0)) >= bar }
    }

    /// Whether residual frame `i` lies where the model is at ``AnalyzerTuning/curvedPathClickFreeOfPeak``
    /// of its peak or more and the capture holds less of it, on the same side of zero (0 ≤
    /// capture/model < 1): a compressive path's misfit at the signal's loudest samples.
    /// Multitone bursts through tanh clipping, drifting −883 ppm at 12 dB, no curve fitted,
    /// read a 1-frame click at the reference's peak sample, the capture at 0.48 of the model
    /// there (fuzz case 1559). A small click added there lands short of the model too: asked
    /// only where the path compresses its other loud samples (``compresses(_:_:besides:s2:)``).
    func compressedPeak(_ i: Int, _ r: Residual, _ f: Fit) -> Bool {
        let model = f.gain * r.m[i], c = Double(cap[r.lo + i])
        guard abs(r.m[i]) >= tuning.curvedPathClickFreeOfPeak * r.peak, model != 0 else { return false }
        let share = c / model
        return share >= 0 && share < 1
    }

    /// Whether the path compresses the model's loudest samples: over the residual's frames
    /// where the model is at ``AnalyzerTuning/curvedPathClickFreeOfPeak`` of its peak or more,
    /// outside `burst` and ``AnalyzerTuning/flatnessContextFrames`` around it (two at least),
    /// the capture falls short of the model toward zero by
    /// ``AnalyzerTuning/compressionMinPullSigma`` of the local noise's σ on average, and
    /// that mean stands ``AnalyzerTuning/compressionMinZ`` of its own σ/√n from none. A
    /// linear path leaves the residual there noise (a log sweep under a pink floor: −0.02σ
    /// over 35 207 frames), and a click added at one of them its own frame: a 0.2 click on
    /// that sweep's crest, the capture then at 0.7 of the model, is still a click. Through
    /// tanh clipping with no curve fitted, multitone bursts' 15 other loud frames fell 3.0σ
    /// short on average, white noise's 25 4.8–5.1σ (fuzz cases 1559, 786).
    func compresses(_ r: Residual, _ f: Fit, besides burst: ClosedRange<Int>, s2: Double) -> Bool {
        let bar = tuning.curvedPathClickFreeOfPeak * r.peak, reach = tuning.flatnessContextFrames
        var pull = 0.0, count = 0
        for i in 0..<r.n where abs(r.m[i]) >= bar && (i < burst.lowerBound - reach || i > burst.upperBound + reach) {
            pull -= r.e[i] * (f.gain * r.m[i] > 0 ? 1 : -1)
            count += 1
        }
        guard count >= 2, s2 > 0 else { return false }
        let mean = pull / Double(count) / s2.squareRoot()
        return mean >= tuning.compressionMinPullSigma && mean * Double(count).squareRoot() >= tuning.compressionMinZ
    }

    /// Whether capture frame `t` is at the capture's ceiling (``ceiling``) where the model,
    /// `model`, asks for more with the same sign: the capture clipped there.
    func clippedAtFullScale(_ t: Int, model: Double) -> Bool {
        let c = cap[t]
        if let high = ceiling.high, c == high, model > Double(c) { return true }
        if let low = ceiling.low, c == low, model < Double(c) { return true }
        return false
    }

    /// Whether the capture over frames `t0..<t1` of segment `s` is what the path's response
    /// (``PathResponse/zeroPhaseTaps``, measured over the segment) makes of the model there,
    /// read between samples at the segment's line, at the fit's polarity: no frame's misfit
    /// passes ``AnalyzerTuning/burstEdgeSigma2`` times the local noise `s2`, the bar a burst's
    /// extent is drawn at. Speech behind the 2 kHz low-pass at 8 kHz, a plosive 65 frames
    /// before the reference's end, left a residual burst the 33-tap model could not follow
    /// (the band above 2 kHz it kept), and read as a false 1-frame click.
    func heardThroughTheResponse(_ s: Segment, _ f: Fit, _ t0: Int, _ t1: Int, s2: Double, _ path: PathResponse) -> Bool {
        let margin = tuning.responseBurstMargin
        let a = max(0, Int(s.refPosition(atCapture: Double(t0)).rounded(.down)) - margin)
        let b = min(ref.count, Int(s.refPosition(atCapture: Double(t1)).rounded(.up)) + margin)
        guard b > a, t1 > t0, t0 >= 0, t1 <= cap.count else { return false }
        let z = (a..<b).map { Float(path.throughTheResponse(ref, at: $0)) }
        let values = z.withUnsafeBufferPointer { zb in interp.values(at: t0..<t1, in: zb) { s.refPosition(atCapture: Double($0)) - Double(a) } }
        let sign = f.gain < 0 ? -1.0 : 1.0
        return !zip(t0..<t1, values).contains { t, v in
            let e = Double(cap[t]) - sign * v
            return e * e > tuning.burstEdgeSigma2 * s2
        }
    }

    /// Where a stretch of segment `s` fell silent (capture frames `t1..<t2` by the split), and
    /// how long: the replacement happened either in the capture itself (silence with hard edges
    /// at whole capture frames: QEMU's zero-filled buffers, after its resampler) or in the
    /// played stream before the path's fractional delay (the reference's samples kCut..<kStart
    /// missing, the band-limited signal stopping and starting exactly there, as a step's edges
    /// are placed). Whichever fits the capture around the stretch better is taken: at a
    /// fractional delay the frames either side of an edge hold part of both, and the split
    /// alone reads a 480-frame replacement as 479. The two are weighed over the frames around
    /// the edges (``AnalyzerTuning/edgeScoreFrames`` either side): between them both are
    /// silence, but for a room's tail, which plays on through a replacement in the played
    /// stream and which the hard edges cut.
    func replacedStretch(_ s: Segment, _ f: Fit, t1: Int, t2: Int) -> (at: Int, size: Int) {
        if let z = digitalSilence(t1, t2) { return (z.lowerBound, z.count) }
        let k = refineEdges(a: s, fa: f, b: s, fb: f, t1: t1, t2: t2, di: 0, eventWorth: 0, directOnly: true)
        guard k.kStart > k.kCut else { return (t1, t2 - t1) }
        let around = tuning.edgeScoreFrames
        let lo = max(0, t1 - around), hi = min(cap.count, t2 + around)
        let m = template(s, lo, hi)
        // Through a room, the direct sound of kCut..<kStart is what went missing: the tail of
        // the sound before it plays on.
        let without = modelWithout(s, removed: k.kCut..<k.kStart, frames: lo..<hi, directOnly: true)
        var hard = 0.0, smooth = 0.0
        for t in lo..<hi where t < t1 + around || t >= t2 - around {
            let c = Double(cap[t])
            let eh = c - (t >= t1 && t < t2 ? 0 : f.gain * m[t - lo])
            let es = c - f.gain * without[t - lo]
            hard += eh * eh
            smooth += es * es
        }
        guard smooth < hard else { return (t1, t2 - t1) }
        return (Int((Double(k.kCut) * (1 + s.drift) + s.level).rounded()), k.kStart - k.kCut)
    }

    /// The run of one exact value in the capture (digital silence, as the analyzer holds it
    /// after taking out the capture's DC offset) that stretch `t1..<t2` lies on, its ends
    /// within ``AnalyzerTuning/digitalSilenceReach`` frames of the stretch's; nil when there
    /// is none. Digital silence is a replacement in the capture itself (QEMU's zero-filled
    /// buffers, a guest's capture overrun), and its edges are where the silence is: the card
    /// model's guest, losing 2709 frames to an overrun of its 20 ms capture ring, delivers the
    /// two frames before them at about half level, and the split read 2711 frames from two
    /// frames early.
    func digitalSilence(_ t1: Int, _ t2: Int) -> Range<Int>? {
        let reach = tuning.digitalSilenceReach
        guard t1 >= 0, t2 <= cap.count, t2 - t1 > 2 * reach else { return nil }
        let v = cap[(t1 + t2) / 2]
        var a = t1, b = t2
        while a < t1 + reach, cap[a] != v { a += 1 }
        while a > max(0, t1 - reach), cap[a - 1] == v { a -= 1 }
        while b > t2 - reach, cap[b - 1] != v { b -= 1 }
        while b < min(cap.count, t2 + reach), cap[b] == v { b += 1 }
        guard b - a >= tuning.minReplacementFrames, !(a..<b).contains(where: { cap[$0] != v }) else { return nil }
        return a..<b
    }

    /// The residual a burst's flatness is measured on: the burst itself, or, when it is
    /// shorter than ``AnalyzerTuning/flatnessMinFrames``, ``AnalyzerTuning/flatnessContextFrames``
    /// + 1 frames centred on it (zero beyond the residual's ends, so that the burst stays at
    /// the middle of the measurement's window).
    func flatnessContext(_ e: [Double], _ burst: ClosedRange<Int>) -> [Double] {
        guard burst.count < tuning.flatnessMinFrames else { return Array(e[burst]) }
        let half = tuning.flatnessContextFrames / 2, mid = (burst.lowerBound + burst.upperBound) / 2
        return ((mid - half)...(mid + half)).map { e.indices.contains($0) ? e[$0] : 0 }
    }

    /// Σ(e[i] + e[i−1])² / 2Σe[i]² over `range` widened to at least
    /// ``AnalyzerTuning/nyquistMisfitFrames`` frames: the share of the residual's energy below
    /// the top of the band (2cos²(πf/fs): 1 for a broadband burst, ≤ 0.05 above 0.9 × Nyquist).
    func lowBandShare(_ e: [Double], around range: ClosedRange<Int>) -> Double {
        let widen = max(0, (tuning.nyquistMisfitFrames - range.count + 1) / 2)
        let a = max(1, range.lowerBound - widen), b = min(e.count - 1, range.upperBound + widen)
        guard b > a else { return 1 }
        var low = 0.0, all = 0.0
        for i in a...b {
            let s = e[i] + e[i - 1]
            low += s * s
            all += e[i] * e[i]
        }
        return all > 0 ? low / (2 * all) : 1
    }
}
