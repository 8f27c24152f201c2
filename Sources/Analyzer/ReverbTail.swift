// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// The path's reverberation: a diffuse tail that follows the direct sound.
///
/// A room (or a reverb effect) adds to the direct sound a long, decaying, noise-like echo of
/// everything the reference played in the last few hundred milliseconds. Against the bare
/// reference that tail is a residual as loud as the signal, with the reference's own
/// structure in it: the tracker reads a narrowband stretch a phase off, and the residual
/// looks like defects everywhere. The tail is the path, not a discontinuity: it is fitted
/// as a long causal filter on the reference aligned at the whole-signal peak (the direct
/// sound), and the reference is replaced by direct sound + tail for every later pass.
///
/// The fit is a regularised deconvolution over the whole alignment: H = C·R* / (|R|² + ε),
/// kept only at the causal lags past the short path filter's reach
/// (``AnalyzerTuning/pathFilterHalfTaps`` … ``AnalyzerTuning/reverbTailSeconds``); the direct
/// tap stays exactly 1, so the latency remains that of the direct sound, measured later by
/// the segments. The acausal lags, which a causal path leaves empty, give each tap's noise,
/// and every tap is shrunk by it. The tail is used only when it is diffuse (no single tap
/// holds a sizeable share, or stands far above its neighbours: a repeat or a drop is one
/// echo-like lag, not a room) and it cuts the residual of the plain alignment in both halves
/// of the reference (``pays``).
enum ReverbTail {
    /// The reference with the fitted tail added (same length), or nil when no diffuse tail pays.
    /// `delay` is the capture frame of reference frame 0 (the direct sound, fractional).
    /// Only reference frames `within` (and the capture they give) are fitted when it is given:
    /// one segment's stretch, where the capture follows the reference at one delay.
    /// `paysBy`: what the tail must cut the residual by in one half (``pays``), by default
    /// ``AnalyzerTuning/reverbMinImprovement``.
    static func model(ref: [Float], cap: [Float], delay: Double, drift: Double = 0, fs: Int, interp: SincInterpolator, within: Range<Int>? = nil,
                      paysBy: Double = AnalyzerTuning.standard.reverbMinImprovement) -> [Float]? {
        model(ref: ref, Alignment(ref: ref, cap: cap, delay: delay, drift: drift, fs: fs, interp: interp, within: within), within: within, paysBy: paysBy)
    }

    /// The same on the capture read at `position(i)` for reference frame `i` (a track with a
    /// step in it: ``RoundTripAnalysis/steppedReverbTail``), fitted over the whole reference.
    static func model(ref: [Float], cap: [Float], position: (Int) -> Double, fs: Int, interp: SincInterpolator) -> [Float]? {
        model(ref: ref, Alignment(ref: ref, cap: cap, position: position, fs: fs, interp: interp, within: nil), within: nil)
    }

    /// The reference with the tail fitted on alignment `a` added, or nil (``model(ref:cap:delay:drift:fs:interp:within:paysBy:)``).
    static func model(ref: [Float], _ a: Alignment, within: Range<Int>?, paysBy: Double = AnalyzerTuning.standard.reverbMinImprovement) -> [Float]? {
        let tuning = AnalyzerTuning.standard
        let n = ref.count, tailLen = a.tailLen, span = a.span, c = a.c, fft = a.fft, rb = a.rb, cb = a.cb
        guard let (taps, peaky) = tail(r: rb.spectrum, c: cb.spectrum, fft: fft, from: AnalyzerTuning.pathFilterHalfTaps + 1, to: tailLen) else { return nil }
        if within != nil {   // the model is the whole reference's, whatever stretch was fitted
            fill(rb.samples, ref.lazy.map(Double.init))
            fft.forward(rb)
        }
        // The tail as the capture holds it (capture units): R·T.
        let tb = RealFFT.Buffers(size: fft.size)
        let ts = tb.samples
        for i in ts.indices { ts[i] = 0 }
        for (k, v) in taps { ts[k] = v }
        fft.forward(tb)
        multiply(tb.spectrum, by: rb.spectrum)
        fft.inverse(tb)
        let scale = 1 / Double(fft.size)
        let tailSignal = (0..<span).map { tb.samples[$0] * scale }
        // The direct sound's gain, by least squares on the capture with the tail taken out.
        var cr = 0.0, rr = 0.0, tt = 0.0
        for i in 0..<n { cr += (c[i] - tailSignal[i]) * Double(ref[i]); rr += Double(ref[i]) * Double(ref[i]) }
        for v in tailSignal { tt += v * v }
        guard rr > 0, cr != 0 else { return nil }
        let g = cr / rr
        let model = (0..<span).map { ($0 < n ? Double(ref[$0]) : 0) + tailSignal[$0] / g }
        guard tt / (g * g * rr) >= tuning.reverbMinTailEnergy, pays(c: c, ref: ref, model: model, over: within ?? 0..<span, by: paysBy, everywhere: peaky ? paysBy : tuning.reverbMinImprovementEverywhere) else { return nil }
        return model[0..<n].map { Float($0) }
    }

    /// Where the direct sound lies in the path's impulse response, deconvolved over the
    /// alignment at `delay` (reference frames `within`, when given): the fractional lag of the
    /// response's largest tap within the short path filter's reach of 0, or nil when that is
    /// at the reach's edge. The regularised deconvolution leaves a pure delay's impulse
    /// symmetric about its place, so the place is not pulled by the tail, which is part of the
    /// response instead of a misfit against the bare reference.
    static func directOffset(ref: [Float], cap: [Float], delay: Double, drift: Double = 0, fs: Int, interp: SincInterpolator, within: Range<Int>? = nil) -> Double? {
        directOffset(Alignment(ref: ref, cap: cap, delay: delay, drift: drift, fs: fs, interp: interp, within: within), interp: interp)
    }

    /// The same on alignment `a`, which it leaves as it was (``model(ref:_:within:paysBy:)``
    /// may then fit a tail on it).
    static func directOffset(_ a: Alignment, interp: SincInterpolator) -> Double? {
        guard let h = response(r: a.rb.spectrum, c: a.cb.spectrum, fft: a.fft) else { return nil }
        return directTap(h, size: a.fft.size, reach: AnalyzerTuning.pathFilterHalfTaps, interp: interp)?.place
    }

    /// The largest tap of response `h` (unscaled samples of a transform of `size`) within
    /// `reach` lags of 0: its fractional lag, refined by the interpolator, the taps at lags
    /// −reach…reach and its index among them; nil when it lies at the reach's edge.
    static func directTap(_ h: RealFFT.Buffers, size: Int, reach: Int, interp: SincInterpolator) -> (place: Double, local: [Double], top: Int)? {
        let local = (-reach...reach).map { k in h.samples[k >= 0 ? k : size + k] }
        guard let top = local.indices.max(by: { abs(local[$0]) < abs(local[$1]) }), top > 0, top < local.count - 1 else { return nil }
        return (interp.refinePeak(of: local, near: top).position - Double(reach), local, top)
    }

    /// The reference and the capture on its grid (c[i] = cap(delay + (1 + drift)·i), over the reference
    /// and a tail's length after it), zero outside `within` when given, and their spectra.
    struct Alignment {
        let tailLen: Int, span: Int
        let c: [Double]
        let fft: RealFFT
        let rb: RealFFT.Buffers, cb: RealFFT.Buffers

        init(ref: [Float], cap: [Float], delay: Double, drift: Double, fs: Int, interp: SincInterpolator, within: Range<Int>?) {
            self.init(ref: ref, cap: cap, position: { delay + (1 + drift) * Double($0) }, fs: fs, interp: interp, within: within)
        }

        /// The capture read at `position(i)` for reference frame `i`.
        init(ref: [Float], cap: [Float], position: (Int) -> Double, fs: Int, interp: SincInterpolator, within: Range<Int>?) {
            let n = ref.count, tailLen = Int(AnalyzerTuning.standard.reverbTailSeconds * Double(fs)), span = n + tailLen
            let c = cap.withUnsafeBufferPointer { cb in interp.values(at: 0..<span, in: cb, position: position) }
            let fft = RealFFT.of(size: RealFFT.goodSize(atLeast: span + n + tailLen))
            let rb = RealFFT.Buffers(size: fft.size), cb = RealFFT.Buffers(size: fft.size)
            let fitted = within ?? 0..<span
            ReverbTail.fill(rb.samples, ref.indices.lazy.map { fitted.contains($0) ? Double(ref[$0]) : 0 })
            ReverbTail.fill(cb.samples, c.indices.lazy.map { fitted.contains($0) ? c[$0] : 0 })
            fft.forward(rb)
            fft.forward(cb)
            (self.tailLen, self.span, self.c, self.fft, self.rb, self.cb) = (tailLen, span, c, fft, rb, cb)
        }
    }

    /// The path's response by regularised deconvolution, H = C·R* / (|R|² + ε), ε from
    /// ``AnalyzerTuning/reverbRidge`` times the reference's mean power per bin: its samples
    /// unscaled (× the transform's size), or nil for a silent reference.
    static func response(r: UnsafeMutableBufferPointer<(Double, Double)>, c: UnsafeMutableBufferPointer<(Double, Double)>, fft: RealFFT) -> RealFFT.Buffers? {
        var meanP = 0.0
        for i in r.indices { meanP += r[i].0 * r[i].0 + r[i].1 * r[i].1 }
        let eps = AnalyzerTuning.standard.reverbRidge * meanP / Double(r.count)
        guard eps > 0 else { return nil }
        let out = RealFFT.Buffers(size: fft.size)
        let h = out.spectrum
        for i in h.indices {
            let (ar, ai) = c[i], (br, bi) = r[i]
            let d = br * br + bi * bi + eps
            h[i] = ((ar * br + ai * bi) / d, (ai * br - ar * bi) / d)
        }
        fft.inverse(out)
        return out
    }

    /// The tail's taps (lag, value in capture units per reference unit) at lags `from`…`to`,
    /// shrunk by their noise; nil when no diffuse tail stands above it. `r` and `c` are the
    /// reference's and the aligned capture's spectra. `peaky`: the largest tap holds over
    /// ``AnalyzerTuning/reverbMaxTapShare`` of the tail, but stands no more than
    /// ``AnalyzerTuning/reverbTopTapOverNeighbours`` over its neighbours (``topOverNeighbours``),
    /// as a room's does where its tail spans few lags (at 8 kHz); such a tail must pay in both
    /// halves of the reference as in one.
    static func tail(r: UnsafeMutableBufferPointer<(Double, Double)>, c: UnsafeMutableBufferPointer<(Double, Double)>,
                     fft: RealFFT, from k0: Int, to k1: Int) -> (taps: [(Int, Double)], peaky: Bool)? {
        let tuning = AnalyzerTuning.standard
        guard k1 > k0, fft.size > 2 * k1, let out = response(r: r, c: c, fft: fft) else { return nil }
        let s = out.samples, scale = 1 / Double(fft.size)
        func tap(_ i: Int) -> Double { s[i] * scale }
        // Noise per tap from the acausal lags (empty for a causal path); a median, so that a
        // drop's single acausal echo does not count.
        let acausal = (k0...k1).map { k -> Double in let v = tap(fft.size - k); return v * v }
        let noise = median(acausal) / tuning.medianOfSquaredNormal
        var taps: [(Int, Double)] = []
        var energy = 0.0, top = 0.0
        for k in k0...k1 {
            let v = tap(k), p = v * v
            guard p > noise else { continue }
            let w = v * (1 - noise / p)   // shrunk towards zero by the noise it holds
            taps.append((k, w))
            energy += w * w
            top = max(top, w * w)
        }
        guard energy > 0 else { return nil }
        if top <= tuning.reverbMaxTapShare * energy { return (taps, false) }
        return topOverNeighbours(taps, from: k0, to: k1) <= tuning.reverbTopTapOverNeighbours ? (taps, true) : nil
    }

    /// The largest tap's energy over the mean of the taps within
    /// ``AnalyzerTuning/reverbEchoLobeLags`` of it, its own lobe (±``AnalyzerTuning/reverbTopTapLobe``)
    /// left out: a room's taps are noise under a decaying envelope, the largest a few times
    /// its neighbours, while a repeat or a drop is one echo standing alone.
    static func topOverNeighbours(_ taps: [(Int, Double)], from k0: Int, to k1: Int) -> Double {
        let tuning = AnalyzerTuning.standard
        guard let top = taps.max(by: { $0.1 * $0.1 < $1.1 * $1.1 }) else { return .infinity }
        let reach = tuning.reverbEchoLobeLags, lobe = tuning.reverbTopTapLobe
        var sum = 0.0
        for (k, v) in taps where abs(k - top.0) > lobe && abs(k - top.0) <= reach { sum += v * v }
        let lags = (max(k0, top.0 - reach)...min(k1, top.0 + reach)).count - (max(k0, top.0 - lobe)...min(k1, top.0 + lobe)).count
        guard lags > 0, sum > 0 else { return .infinity }
        return top.1 * top.1 / (sum / Double(lags))
    }

    /// Whether direct sound + tail cuts the residual of the direct sound alone (each with its
    /// least-squares gain) in each half of the fitted stretch of the reference: by `by`
    /// (``AnalyzerTuning/reverbMinImprovement`` unless asked otherwise) in one and by
    /// `everywhere` (``AnalyzerTuning/reverbMinImprovementEverywhere``, or `by` for a peaky
    /// tail) in both. A room acts on the whole signal; a stretch of it misaligned by a drop
    /// looks like an echo of that stretch only, and the other half gains nothing.
    static func pays(c: [Double], ref: [Float], model: [Double], over r: Range<Int>, by: Double, everywhere: Double) -> Bool {
        func residual(_ range: Range<Int>, _ m: (Int) -> Double) -> Double {
            var cm = 0.0, mm = 0.0, cc = 0.0
            for i in range {
                let v = m(i)
                cm += c[i] * v; mm += v * v; cc += c[i] * c[i]
            }
            return mm > 0 ? cc - cm * cm / mm : cc
        }
        let mid = r.lowerBound + (min(r.upperBound, ref.count) - r.lowerBound) / 2
        let halves = [r.lowerBound..<mid, mid..<r.upperBound]
        let gains = halves.map { h -> Double in
            let plain = residual(h) { $0 < ref.count ? Double(ref[$0]) : 0 }, withTail = residual(h) { model[$0] }
            return withTail > 0 ? plain / withTail : 0
        }
        return gains.min()! >= everywhere && gains.max()! >= by
    }

    /// `a` ← `a`·`b`, bin by bin (a convolution, once transformed back).
    static func multiply(_ a: UnsafeMutableBufferPointer<(Double, Double)>, by b: UnsafeMutableBufferPointer<(Double, Double)>) {
        for i in a.indices {
            let (ar, ai) = a[i], (br, bi) = b[i]
            a[i] = (ar * br - ai * bi, ar * bi + ai * br)
        }
    }

    static func fill<S: Sequence>(_ dst: UnsafeMutableBufferPointer<Double>, _ src: S) where S.Element == Double {
        var i = 0
        for v in src where i < dst.count { dst[i] = v; i += 1 }
        while i < dst.count { dst[i] = 0; i += 1 }
    }
}

extension RoundTripAnalysis {
    /// The reference with the path's reverberation tail (``ReverbTail``), fitted at one delay,
    /// or nil when the fitted one does not pay (asked where ``heardATail(_:)``).
    func withReverbTail(_ ref: [Float], _ cap: [Float], _ find: GlobalFind) -> [Float]? {
        ReverbTail.model(ref: ref, cap: cap, delay: wholeSignalDelay(find), fs: reference.sampleRate, interp: interp)
    }

    /// Whether a tail the whole capture refused at one delay may be a drifting capture's: the
    /// direct sound's place in chunks of the reference (``RoomDrift``, looked for within
    /// ``AnalyzerTuning/reverbDriftReach`` lags of the whole-signal delay) moves a frame or
    /// more over it. The places are loose (multitone bursts read 37 ppm where there was none)
    /// but say whether to search. Such a capture is tracked first, and searched for a stretch
    /// (``stretchedReverbTail``, which correlates the whole reference some 70 times) only when
    /// that track reads a drift that moves it a frame, none, or mostly ambiguous windows. The
    /// card model's captures with many stalls look like a room to the correlation (their
    /// places in chunks moved 16 ppm where there was no drift): searched before tracking,
    /// they took the default sweep from 2.6–2.8 to 3.2–3.5 s (sessions 21–22).
    func refusedTailMayDrift(_ ref: [Float], _ cap: [Float], _ find: GlobalFind) -> Bool {
        let flat = Segment(level: wholeSignalDelay(find), drift: 0, captureStart: 0, captureEnd: 0, points: [])
        guard let e = RoomDrift.estimate(ref: ref, cap: cap, line: flat, over: 0..<ref.count, reach: tuning.reverbDriftReach, fs: reference.sampleRate, interp: interp)
        else { return false }
        return smearing(e.correction, over: ref.count) != 0
    }

    /// The whole-signal peak's delay, refined between samples.
    func wholeSignalDelay(_ find: GlobalFind) -> Double {
        Double(find.lags.lowerBound) + interp.refinePeak(of: find.corr, near: find.peakIndex).position
    }

    /// Whether the whole-signal correlation holds a room's tail: on the causal side of its peak,
    /// over the lags a tail occupies, energy in excess of the other side's by
    /// ``AnalyzerTuning/reverbCausalExcess`` of the peak's, spread over the lags rather than
    /// one echo's lobe (``AnalyzerTuning/reverbEchoLobeShare``).
    func heardATail(_ find: GlobalFind) -> Bool {
        let k0 = AnalyzerTuning.pathFilterHalfTaps + 1, k1 = Int(tuning.reverbTailSeconds * Double(reference.sampleRate))
        let p = find.peakIndex, corr = find.corr
        let peak2 = corr[p] * corr[p]
        guard peak2 > 0, k1 > k0 else { return false }
        // Each side's energy at the lags a tail would occupy, lag by lag.
        let after = (k0...k1).map { p + $0 < corr.count ? corr[p + $0] * corr[p + $0] : 0 }
        let before = (k0...k1).map { p - $0 >= 0 ? corr[p - $0] * corr[p - $0] : 0 }
        let excess = after.reduce(0, +) - before.reduce(0, +)
        // The heavier side must be spread over the lags, not one echo's lobe.
        let side = excess >= 0 ? after : before
        let w = tuning.reverbEchoLobeLags
        var pre = [Double](repeating: 0, count: side.count + 1)
        for i in side.indices { pre[i + 1] = pre[i] + side[i] }
        let top = side.indices.max { side[$0] < side[$1] } ?? 0
        let lobe = pre[min(side.count, top + w + 1)] - pre[max(0, top - w)]
        return abs(excess) >= tuning.reverbCausalExcess * peak2 && lobe <= tuning.reverbEchoLobeShare * pre[side.count]
    }

    /// The stretch whose whole-signal correlation peaks highest (``StretchSearch``), taken as
    /// the tracking takes it (its peak ``StretchSearch/minGain`` above the unstretched one's,
    /// matching the capture at ``StretchSearch/minRho``) and when it smears a tail fitted at one
    /// delay by ``AnalyzerTuning/reverbDriftSmearFrames`` or more: the drift and the delay at
    /// the reference's first frame, with the peak's sign; nil otherwise.
    func stretchedLine(_ ref: [Float], _ cap: [Float], _ find: GlobalFind) -> (drift: Double, delay: Double, peak: Double)? {
        let search = StretchSearch(ref: ref, cap: cap, lag: find.lag, interp: interp)
        guard let found = search.search(), smearing(found.drift, over: ref.count) != 0,
              abs(found.peak) >= (1 + StretchSearch.minGain) * abs(search.peak(stretch: 0).value),
              search.rho(found.peak, stretch: found.drift, delay: found.delay) >= StretchSearch.minRho else { return nil }
        return (found.drift, found.delay, found.peak)
    }

    /// Segment `s` as a line on the plain reference: the segments may have been measured
    /// against a reference stretched by part of the drift (``segment(_:_:_:_:polarity:)``
    /// tracks again against one), and their own drift is then what is left of it. The level
    /// (the delay at reference frame 0) is the same on both; the drift on the plain reference
    /// is the total.
    func onThePlainReference(_ s: Segment, totalDrift: Double) -> Segment {
        var line = s
        line.drift = totalDrift
        return line
    }

    /// `d` where a tail fitted at one delay would smear over at least
    /// ``AnalyzerTuning/reverbDriftSmearFrames`` across `n` reference frames, 0 below: the
    /// tail is fitted at one delay as before (the corpus's room cases, without drift, read
    /// 0.01–0.1 frames of it, and multitone fitted on that line read a false click).
    func smearing(_ d: Double, over n: Int) -> Double {
        abs(d) * Double(n) >= tuning.reverbDriftSmearFrames ? d : 0
    }

    /// Why the track through a room cannot be believed, when the tail was fitted on the capture
    /// stretched by `stretch` (``stretchedReverbTail``) and the windows against it read no drift
    /// or one more than ``AnalyzerTuning/reverbStretchAgreementPPM`` from it; nil otherwise.
    func trackLostTheStretch(_ seg: Segmenter.Output, totalDrift: Double, stretch: Double) -> String? {
        guard stretch != 0 else { return nil }
        if seg.driftKnown, abs(totalDrift - stretch) * 1e6 <= tuning.reverbStretchAgreementPPM { return nil }
        let read = seg.driftKnown ? String(format: "%.1f ppm", totalDrift * 1e6) : "none"
        return String(format: "through a room, the whole capture matches the reference stretched by %.1f ppm of drift, and the windows tracked against it read %@", stretch * 1e6, read)
    }

    /// The tail fitted again on the capture stretched by the drift, and the capture tracked
    /// against it, when the first track (against the tail fitted at one delay, or with no tail
    /// where the whole capture refused one and ``refusedTailMayDrift(_:_:_:)``) read a drift
    /// that smears such a tail by a frame or more, none, or mostly ambiguous windows (a linear
    /// sweep's delay–frequency coupling: at −1000 ppm its windows read no drift). A tail fitted at one delay on a
    /// capture that drifts 300 ppm smears the direct sound over 29 lags, past the path
    /// filter's 16, into the tail, and the windows tracked against it read garbage: a
    /// speech-like capture 3.6 samples off with 5 false events, a log sweep 8.7 with 6, at
    /// −1000 ppm a log sweep 22 samples off called clean. The drift is the stretch whose
    /// whole-signal correlation peaks highest (``StretchSearch``, taken as the tracking takes
    /// it: ``StretchSearch/minGain`` above the unstretched peak, matching at
    /// ``StretchSearch/minRho``); the windows through the smeared tail are no measure of it.
    /// Returns the anchored find, the reference with the tail, the track and segments against
    /// it, the total drift and the polarity and stretch it was fitted at; nil otherwise.
    func stretchedReverbTail(_ plainRef: [Float], _ cap: [Float], _ find: GlobalFind, _ points: [TrackPoint], _ seg: Segmenter.Output, totalDrift: Double)
        -> (find: GlobalFind, ref: [Float], points: [TrackPoint], seg: Segmenter.Output, model: [Float], drift: Double, polarity: Double, stretch: Double)? {
        let n = plainRef.count
        let ambiguousShare = Double(points.filter(\.ambiguous).count) / Double(max(1, points.count))
        guard !seg.driftKnown || smearing(totalDrift, over: n) != 0 || ambiguousShare >= tuning.ambiguousShareToCheckGlobal else { return nil }
        guard let found = stretchedLine(plainRef, cap, find),
              let ref = ReverbTail.model(ref: plainRef, cap: cap, delay: found.delay, drift: found.drift, fs: reference.sampleRate, interp: interp)
        else { return nil }
        // Tracked from the delay and with the polarity the stretched reference matched with.
        var anchored = find
        anchored.lag = Int(found.delay.rounded())
        let polarity: Double = found.peak >= 0 ? 1 : -1
        let points = track(ref, cap, anchored, polarity: polarity)
        guard points.count >= 1, !points.allSatisfy(\.ambiguous) else { return nil }
        let (seg, model, drift) = segment(ref, cap, anchored, points, polarity: polarity)
        return (anchored, ref, points, seg, model, drift, polarity, found.drift)
    }

    /// The tail fitted again on the longest segment alone, when the first fit (over the whole
    /// alignment) found segments a real step apart: the stretches after a drop or a repeat are
    /// misaligned at the whole-signal delay, and smear the tail they are fitted into. Returns
    /// the new reference and the track and segments against it (nil when the refit fails).
    func refitReverbTail(_ plainRef: [Float], _ cap: [Float], _ find: GlobalFind, _ segments: [Segment], totalDrift: Double, polarity: Double)
        -> (ref: [Float], points: [TrackPoint], seg: Segmenter.Output, model: [Float], drift: Double, tailDrift: Double)? {
        guard steppedApart(segments), let longest = Segment.longest(segments) else { return nil }
        return trackedOnTail(plainRef, cap, find, line: onThePlainReference(longest, totalDrift: totalDrift),
                             capture: longest.captureStart..<longest.captureEnd, polarity: polarity)
    }

    /// The windows tracked against a tail the whole capture refused, when the whole-signal
    /// correlation holds one (``heardATail(_:)``, asked by the caller): the tail fitted at the
    /// whole-signal delay, without drift (the first track's own levels and drift, made with no
    /// tail, are loose: speech with a drop read −22 ppm where there was none), over the run of
    /// segments at the longest one's level (``runAtTheLongestLevel(_:)``), taken when the
    /// windows then match by ``AnalyzerTuning/reverbLateTailRhoGain`` more on average: the
    /// track and segments, and the plain reference stretched as the segments' reference was
    /// (the events are explained against it, as without a tail). Nil otherwise.
    func trackedUnderARefusedTail(_ plainRef: [Float], _ cap: [Float], _ find: GlobalFind, _ points: [TrackPoint], _ seg: Segmenter.Output,
                                  polarity: Double) -> (points: [TrackPoint], seg: Segmenter.Output, model: [Float], drift: Double)? {
        guard steppedApart(seg.segments), let run = runAtTheLongestLevel(seg.segments) else { return nil }
        let line = Segment(level: wholeSignalDelay(find), drift: 0, captureStart: 0, captureEnd: 0, points: [])
        guard let r = trackedOnTail(plainRef, cap, find, line: line, capture: run, polarity: polarity) else { return nil }
        guard Segmenter.meanRho(r.points) >= Segmenter.meanRho(points) + tuning.reverbLateTailRhoGain else { return nil }
        let e = (1 + r.drift) / (1 + r.seg.drift) - 1
        return (r.points, r.seg, e == 0 ? plainRef : stretch(plainRef, by: 1 + e), r.drift)
    }

    /// Whether the segments lie a real step apart (``AnalyzerTuning/reverbRefitMinStep``).
    func steppedApart(_ segments: [Segment]) -> Bool {
        let levels = segments.map(\.level)
        guard let hi = levels.max(), let lo = levels.min() else { return false }
        return hi - lo >= tuning.reverbRefitMinStep
    }

    /// The tail fitted on the capture aligned on `line` over the reference frames heard in
    /// capture frames `capture` (at least ``AnalyzerTuning/reverbRefitMinSeconds`` of them),
    /// and the capture tracked and segmented against it, with the drift the tail was fitted at;
    /// nil when the fit or the track fails.
    func trackedOnTail(_ plainRef: [Float], _ cap: [Float], _ find: GlobalFind, line s: Segment, capture: Range<Int>, polarity: Double)
        -> (ref: [Float], points: [TrackPoint], seg: Segmenter.Output, model: [Float], drift: Double, tailDrift: Double)? {
        let p0 = max(0, Int(s.refPosition(atCapture: Double(capture.lowerBound)).rounded(.up)))
        let p1 = min(plainRef.count, Int(s.refPosition(atCapture: Double(capture.upperBound))))
        guard Double(p1 - p0) >= tuning.reverbRefitMinSeconds * Double(reference.sampleRate) else { return nil }
        let tailDrift = smearing(s.drift, over: plainRef.count)
        guard let ref = ReverbTail.model(ref: plainRef, cap: cap, delay: s.level, drift: tailDrift, fs: reference.sampleRate, interp: interp, within: p0..<p1) else { return nil }
        let points = track(ref, cap, find, polarity: polarity)
        guard points.count >= 1, !points.allSatisfy(\.ambiguous) else { return nil }
        let (seg, model, drift) = segment(ref, cap, find, points, polarity: polarity)
        return (ref, points, seg, model, drift, tailDrift)
    }

    /// The capture re-tracked against a tail fitted across a step the windows could not follow
    /// (a drop through a room in a log or linear sweep). The tail fitted over the whole capture
    /// at one delay is wrong in the band the reference plays after such a step (the capture
    /// there is misaligned in the fit), so the windows after it match at ρ 0.4–0.8 and
    /// scatter, and the capture was refused as not following the reference. The run of
    /// windows far below their segment (``lostUnderTheTail``) is located as one block
    /// (``steppedTail``), the tail fitted on the capture read at the whole-signal delay before
    /// the step and at the block's delay after it, and the capture tracked against that,
    /// then against the tail fitted again on the new segments' lines. Taken when the windows
    /// match by ``AnalyzerTuning/reverbLateTailRhoGain`` more on average and the segments lie
    /// at the two delays. With the truth's step a linear and a log sweep had matched at
    /// 0.997–1.000 after the drop.
    func steppedReverbTail(_ plainRef: [Float], _ cap: [Float], _ find: GlobalFind, _ points: [TrackPoint], _ seg: Segmenter.Output, polarity: Double)
        -> (ref: [Float], points: [TrackPoint], seg: Segmenter.Output, model: [Float], drift: Double)? {
        guard let lost = lostUnderTheTail(points, seg.segments), seg.segments.contains(where: { $0.captureStart <= lost.lowerBound }) else { return nil }
        // Before the step, the whole-signal delay: the first track's line was made against the
        // tail the step misaligned (a faded log sweep's read 1.1 frames off).
        let before = wholeSignalDelay(find)
        guard let (after, ref, cut) = steppedTail(plainRef, cap, lost: lost, before: before, polarity: polarity) else { return nil }
        let again = track(ref, cap, find, polarity: polarity)
        guard again.count >= 1, !again.allSatisfy(\.ambiguous), Segmenter.meanRho(again) >= Segmenter.meanRho(points) + tuning.reverbLateTailRhoGain else { return nil }
        var best = (ref: ref, points: again, rho: Segmenter.meanRho(again))
        var (seg, model, drift) = segment(ref, cap, find, again, polarity: polarity)
        // The lines before and after the step were the whole signal's and the block's: the
        // tail fitted again on the lines the new segments found, split where the step was
        // placed (``steppedPosition(_:_:cut:)``), while the windows match better and the
        // track holds one segment each side.
        for _ in 0..<tuning.reverbRealignPasses {
            guard seg.segments.count == 2, let first = seg.segments.first, let last = seg.segments.last,
                  let r = ReverbTail.model(ref: plainRef, cap: cap, position: steppedPosition(first, last, cut: cut), fs: reference.sampleRate, interp: interp)
            else { break }
            let p = track(r, cap, find, polarity: polarity)
            guard p.count >= 1, !p.allSatisfy(\.ambiguous), Segmenter.meanRho(p) > best.rho else { break }
            best = (r, p, Segmenter.meanRho(p))
            (seg, model, drift) = segment(r, cap, find, p, polarity: polarity)
        }
        // The stage claims one step of about the block's size: a re-track that does not
        // confirm it (a segment at neither side's level, none at one of them) is not taken.
        let step = after - before
        func side(_ g: Segment) -> Int? {
            let d = g.delay(atCapture: Double(lost.lowerBound)) - before
            return abs(d) <= tuning.reverbRefitMinStep ? 0 : abs(d - step) <= tuning.reverbRefitMinStep ? 1 : nil
        }
        let sides = seg.segments.compactMap(side)
        guard sides.count == seg.segments.count, sides.first == 0, sides.last == 1, sides == sides.sorted() else { return nil }
        return (best.ref, best.points, seg, model, drift)
    }

    /// The delay after the step in `lost` and the tail fitted across it, or nil when the block
    /// does not match its stepped model at ``AnalyzerTuning/reverbSteppedBlockRho``. A
    /// narrowband block (a linear sweep's top) matches nearly as well a period either way
    /// (``blockDelays``): each such delay is tried, and the one whose stepped model the block
    /// then matches best is taken (0.997 against 0.92: direct sound and tail are both in
    /// place only at the true one).
    func steppedTail(_ plainRef: [Float], _ cap: [Float], lost: Range<Int>, before: Double, polarity: Double) -> (after: Double, ref: [Float], cut: Double)? {
        var chosen: (after: Double, ref: [Float], rho: Double, cut: Double)?
        for after in blockDelays(plainRef, cap, capture: lost, around: before, polarity: polarity) where abs(after - before) >= 1 {
            // Where the alignment changes decides where the step is explained (the tail's lags
            // take in a misalignment of the frames between the change and the step: a faded
            // log sweep's drop was explained 259 frames early, or 390 late, with the change
            // there): found first, from the direct sound alone at either delay.
            let kCut = Double(stepPlace(plainRef, cap, around: lost.lowerBound, before: before, after: after)) - before
            guard let ref = ReverbTail.model(ref: plainRef, cap: cap, position: { Double($0) + (Double($0) < kCut ? before : after) },
                                             fs: reference.sampleRate, interp: interp) else { continue }
            let rho = blockMatch(ref, cap, capture: lost, delay: after, polarity: polarity)
            if rho > (chosen?.rho ?? 0) { chosen = (after, ref, rho, kCut) }
        }
        guard let chosen, chosen.rho >= tuning.reverbSteppedBlockRho else { return nil }
        return (chosen.after, chosen.ref, chosen.cut)
    }

    /// The capture frame within two tracking windows of `t` where the capture stops following
    /// the plain reference at delay `before` and starts following it at `after`: the split
    /// that leaves the least residual of the two, each with its least-squares gain over the
    /// stretch.
    func stepPlace(_ ref: [Float], _ cap: [Float], around t: Int, before: Double, after: Double) -> Int {
        let w = AnalyzerTuning.trackingWindow
        let r = max(0, t - 2 * w)..<min(cap.count, t + 2 * w)
        let ya = ref.withUnsafeBufferPointer { sp in interp.values(at: r, in: sp) { Double($0) - before } }
        let yb = ref.withUnsafeBufferPointer { sp in interp.values(at: r, in: sp) { Double($0) - after } }
        func errors(_ y: [Double]) -> [Double] {
            var cy = 0.0, yy = 0.0
            for (i, v) in y.enumerated() { cy += Double(cap[r.lowerBound + i]) * v; yy += v * v }
            let g = yy > 0 ? cy / yy : 0
            return y.enumerated().map { i, v in let e = Double(cap[r.lowerBound + i]) - g * v; return e * e }
        }
        let ea = errors(ya)
        return r.lowerBound + Explainer.split(a: ea, f: [Double](repeating: 0, count: ea.count), b: errors(yb), open: 0, fixedForeign: 0).t1
    }

    /// The capture position of reference frame `i` on the lines of the step's two sides:
    /// `first`'s before reference frame `cut` (where ``steppedTail`` placed the step, from the
    /// direct sound), `last`'s from it. Not where the later segment's windows begin: they begin
    /// up to a window or two past the step, and the frames between, set on the earlier line,
    /// were fitted a step's length off (a faded log sweep's drop through the room, 1300
    /// frames, read the latency 0.120 samples off at a stated ±0.0095).
    func steppedPosition(_ first: Segment, _ last: Segment, cut: Double) -> (Int) -> Double {
        { i in
            let side = Double(i) < cut ? first : last
            return side.level + (1 + side.drift) * Double(i)
        }
    }

    /// The capture frames of the longest run of at least ``AnalyzerTuning/reverbLostMinWindows``
    /// consecutive windows whose |ρ| trails the median of the longest segment's by
    /// ``AnalyzerTuning/reverbLostRhoDeficit``, or nil.
    func lostUnderTheTail(_ points: [TrackPoint], _ segments: [Segment]) -> Range<Int>? {
        guard let longest = Segment.longest(segments), !longest.points.isEmpty else { return nil }
        let low = median(longest.points.map { abs($0.rho) }) - tuning.reverbLostRhoDeficit
        var best: Range<Int>?
        var i = 0
        while i < points.count {
            guard abs(points[i].rho) < low else { i += 1; continue }
            var j = i
            while j < points.count, abs(points[j].rho) < low { j += 1 }
            let span = points[i].t..<(points[j - 1].t + AnalyzerTuning.trackingWindow)
            if j - i >= tuning.reverbLostMinWindows, span.count > (best?.count ?? 0) { best = span }
            i = j
        }
        return best
    }

    /// The delays at which capture frames `capture`, as one block, match the plain reference,
    /// within ``AnalyzerTuning/searchRadius`` of `around`, refined between samples: the best
    /// one, when it matches at ``AnalyzerTuning/reverbLostBlockRho`` or more, and the lags
    /// within ``AnalyzerTuning/reverbRefitMinStep`` of it whose local peaks reach
    /// ``AnalyzerTuning/reverbLostBlockRivals`` of it; empty otherwise.
    func blockDelays(_ ref: [Float], _ cap: [Float], capture: Range<Int>, around: Double, polarity: Double) -> [Double] {
        let u = max(0, capture.lowerBound)..<min(cap.count, capture.upperBound)
        guard u.count >= AnalyzerTuning.trackingWindow else { return [] }
        let block = Array(cap[u])
        let r = AnalyzerTuning.searchRadius
        // out[k] = Σ ref[n + k]·block[n]: capture frame u0 + n against reference frame n + k, delay u0 − k.
        let k0 = u.lowerBound - Int(around.rounded()) - r, k1 = u.lowerBound - Int(around.rounded()) + r
        let corr = Correlation.crossCorrelate(signal: ref, template: block, lags: k0...k1).map { polarity * $0 }
        var prefix = [0.0]
        prefix.reserveCapacity(ref.count + 1)
        for v in ref { prefix.append(prefix.last! + Double(v) * Double(v)) }
        let blockEnergy = block.reduce(0.0) { $0 + Double($1) * Double($1) }
        guard blockEnergy > 0 else { return [] }
        let rho = corr.indices.map { j -> Double in
            let k = k0 + j
            let e = prefix[min(ref.count, max(0, k + block.count))] - prefix[min(ref.count, max(0, k))]
            return e > 0 ? corr[j] / (e * blockEnergy).squareRoot() : 0
        }
        guard let best = rho.indices.max(by: { rho[$0] < rho[$1] }), best > 0, best < rho.count - 1, rho[best] >= tuning.reverbLostBlockRho else { return [] }
        let reach = Int(tuning.reverbRefitMinStep)
        let near = max(1, best - reach)...min(rho.count - 2, best + reach)
        // Refined between samples: at a linear sweep's top the carrier's period is under three
        // frames, and whole lags can fall far down the true delay's lobe.
        let peaks = near.filter { j in corr[j] > 0 && corr[j] >= corr[j - 1] && corr[j] >= corr[j + 1] }.map { interp.refinePeak(of: corr, near: $0) }
        let top = peaks.map(\.value).max() ?? 0
        return peaks.filter { $0.value >= tuning.reverbLostBlockRivals * top }.map { Double(u.lowerBound) - (Double(k0) + $0.position) }
    }

    /// The normalised correlation of capture frames `capture` with `model` at `delay`.
    func blockMatch(_ model: [Float], _ cap: [Float], capture: Range<Int>, delay: Double, polarity: Double) -> Double {
        let u = max(0, capture.lowerBound)..<min(cap.count, capture.upperBound)
        let m = model.withUnsafeBufferPointer { sp in interp.values(at: u, in: sp) { Double($0) - delay } }
        var xy = 0.0, xx = 0.0, yy = 0.0
        for (i, t) in u.enumerated() { let x = Double(cap[t]), y = m[i]; xy += x * y; xx += x * x; yy += y * y }
        return xx > 0 && yy > 0 ? polarity * xy / (xx * yy).squareRoot() : 0
    }

    /// The capture frames spanned by the run of consecutive segments around the longest one
    /// whose levels lie within ``AnalyzerTuning/reverbRefitMinStep`` of its own: a track made
    /// without the room's tail follows the windows loosely and breaks into short pieces at one
    /// level (speech with a drop in its top part: pieces of 0.02 and 0.55 s at 1777.9 and
    /// 1778.9 frames, none the 0.75 s a refit asks, where the run at the level spans 0.96 s).
    func runAtTheLongestLevel(_ segments: [Segment]) -> Range<Int>? {
        guard let longest = Segment.longest(segments),
              let k = segments.firstIndex(where: { $0.captureStart == longest.captureStart && $0.captureEnd == longest.captureEnd }) else { return nil }
        var a = k, b = k
        while a > 0, abs(segments[a - 1].level - longest.level) < tuning.reverbRefitMinStep { a -= 1 }
        while b < segments.count - 1, abs(segments[b + 1].level - longest.level) < tuning.reverbRefitMinStep { b += 1 }
        return segments[a].captureStart..<segments[b].captureEnd
    }

    /// The tail fitted again where the direct sound lies, when that is not where it was fitted.
    ///
    /// The tail is first fitted at the whole-signal peak, with the direct tap fixed there.
    /// Under a tonal signal the room's tail of each held note correlates with the note itself,
    /// and pulls that peak late: a music-like capture's by 1.5 frames. The tail fitted there
    /// cannot take the misalignment out (its taps start past the path filter's reach), and the
    /// windows tracked against it sat 0.1–0.6 frames late, moving with the notes: the
    /// latency read 0.45 samples off. The response deconvolved on the longest segment tells
    /// where its direct sound lies (``ReverbTail/directOffset``); the tail is fitted again
    /// there and the capture tracked against it, up to ``AnalyzerTuning/reverbRealignPasses``
    /// times while the place moves by more than ``AnalyzerTuning/reverbRealignMin``.
    /// A pass that splits the capture into more segments than before (once the steps inside
    /// the tail are merged) is not taken: under a log sweep's first octaves the response's
    /// direct tap is too broad to place, and a drop in its top part read a 1.2-frame offset
    /// that broke the track into pieces. Nor is one whose windows do not follow the tail to
    /// its new place (``AnalyzerTuning/reverbRealignFollowed``): there the windows and the
    /// response disagree, and nothing tells which is right (multitone with a drop: the
    /// response said 0.06 frames, the windows moved 0.01).
    ///
    /// The tail is also fitted again at the drift the track read (where it moves the capture
    /// ``AnalyzerTuning/reverbRealignDriftFrames`` over the reference), while that drift lies
    /// ``AnalyzerTuning/reverbRefitDriftFrames`` from the one the tail in the reference was
    /// fitted at (`tailDrift`): the windows against a tail fitted at one delay read a drifting
    /// capture's drift shrunk toward none (−20 ppm read −14.0). Such a pass, on a track of one
    /// segment, fits the tail over the whole reference: fitted over the segment alone, which
    /// began where a log sweep's first octaves end, the tail held nothing of them, and the
    /// windows there split off a segment 48 frames early. Its level moves with the drift, so
    /// whether it followed the response's offset is not asked; the segment count still is.
    /// `tailDrift` is left at the drift the returned track's tail was fitted at.
    func realignedReverbTail(_ plainRef: [Float], _ cap: [Float], _ find: GlobalFind, polarity: Double, tailDrift: inout Double,
                             _ state: (points: [TrackPoint], seg: Segmenter.Output, model: [Float], drift: Double))
        -> (points: [TrackPoint], seg: Segmenter.Output, model: [Float], drift: Double) {
        var current = state
        for _ in 0..<tuning.reverbRealignPasses {
            guard let longest = Segment.longest(current.seg.segments) else { break }
            let s = onThePlainReference(longest, totalDrift: current.drift)
            let fitted = abs(s.drift) * Double(plainRef.count) >= tuning.reverbRealignDriftFrames
                && abs(s.drift) >= tuning.reverbRealignDriftMinSEs * current.seg.driftSE ? s.drift : 0
            let redrifted = abs(fitted - tailDrift) * Double(plainRef.count) >= tuning.reverbRefitDriftFrames
            let whole = redrifted && current.seg.segments.count == 1
            let p0 = whole ? 0 : max(0, Int(s.refPosition(atCapture: Double(s.captureStart)).rounded(.up)))
            let p1 = whole ? plainRef.count : min(plainRef.count, Int(s.refPosition(atCapture: Double(s.captureEnd))))
            guard p1 > p0 else { break }
            let found = ReverbTail.directOffset(ref: plainRef, cap: cap, delay: s.level, drift: fitted, fs: reference.sampleRate, interp: interp, within: p0..<p1)
            let offset = found.flatMap { abs($0) > tuning.reverbRealignMin ? $0 : nil } ?? 0
            guard offset != 0 || redrifted,
                  let ref = ReverbTail.model(ref: plainRef, cap: cap, delay: s.level + offset, drift: fitted, fs: reference.sampleRate, interp: interp, within: p0..<p1) else { break }
            let points = track(ref, cap, find, polarity: polarity)
            guard points.count >= 1, !points.allSatisfy(\.ambiguous) else { break }
            let (seg, model, drift) = segment(ref, cap, find, points, polarity: polarity)
            var before = current.seg.segments, after = seg.segments
            mergeStepsInsideTheTail(&before)
            mergeStepsInsideTheTail(&after)
            guard after.count <= before.count, let moved = Segment.longest(seg.segments).map({ $0.level - s.level }) else { break }
            // A pass that moves the drift moves the level with it: only an offset alone is followed.
            guard redrifted || (moved * offset > 0 && abs(moved) >= tuning.reverbRealignFollowed * abs(offset)) else { break }
            current = (points, seg, model, drift)
            tailDrift = fitted
        }
        return current
    }

    /// Whether the path filter (``PathModel``, fitted on at most a second of the longest
    /// segment) also fits the whole segment better than the model without it. Asked only
    /// under a room's tail: there the residual left to the filter is small, and 33 taps fitted
    /// on a second of multitone bursts fit its few tones exactly and do anything to the other
    /// bursts' tones (a whole capture read as replaced).
    func colouringHolds(_ coloured: [Float], _ plain: [Float], _ cap: [Float], _ s: Segment) -> Bool {
        let lo = max(0, s.captureStart, Int(s.level.rounded(.up)))
        let hi = min(cap.count, s.captureEnd, Int(s.level + (1 + s.drift) * Double(plain.count)))
        guard hi > lo else { return false }
        func residual(_ m: [Float]) -> Double {
            let v = m.withUnsafeBufferPointer { mb in interp.values(at: lo..<hi, in: mb) { s.refPosition(atCapture: Double($0)) } }
            var cm = 0.0, mm = 0.0, cc = 0.0
            for (i, x) in v.enumerated() {
                let c = Double(cap[lo + i])
                cm += c * x; mm += x * x; cc += c * c
            }
            return mm > 0 ? cc - cm * cm / mm : cc
        }
        return residual(coloured) < residual(plain)
    }

    /// Under a room's tail, neighbouring segments less than ``AnalyzerTuning/reverbRefitMinStep``
    /// frames apart are one: the tail's model is good to −30 dB, and a sweep's lowest octaves
    /// through it read a frame to a dozen off (1.6 and 10 frames in the corpus), which would
    /// otherwise be reported as a drop or a repeat, and their level as the latency. The merged
    /// segment keeps the longer one's level.
    func mergeStepsInsideTheTail(_ segments: inout [Segment]) {
        mergeNeighbours(&segments) { a, b in abs(b.level - a.level) < tuning.reverbRefitMinStep }
    }

    /// Where the whole-signal correlation held a tail that no model took up (refused, or a
    /// path the short model does not follow), neighbouring segments less than
    /// ``AnalyzerTuning/dispersionMaxStep`` frames apart whose step is no whole number of
    /// frames (off it by more than ``AnalyzerTuning/wholeFrameSigmas`` joint standard errors:
    /// ``WholeFrameSteps/levelSE(_:over:scatterAtLeast:)``, or a lone window's σ) are one. A
    /// dropped or repeated frame steps the delay by a whole frame; these steps are the path's.
    /// A room delays each band by its own phase, and stretches of other content read levels
    /// apart: multitone bursts through a room (fuzz case 997) at 8016.03 and 8014.82 where the
    /// truth holds 8015.33 throughout, and (1352) 0.55 apart. Behind the 2 kHz low-pass the
    /// windows' delays scatter far beyond the σ the reference's band gives them (white noise
    /// 0.3–0.6 frames apart at a σ of 0.07), and noise with pauses (947) made segments 0.60
    /// apart. Each read a false 1-frame drop or repeat. The merged segment keeps the longer
    /// one's level. A segment of one window with a σ over 0.11 frames leaves its step under a
    /// frame whole within its error, and stays (fuzz cases 167 and 2035).
    func mergeDispersedSteps(_ segments: inout [Segment]) {
        func se(_ s: Segment) -> Double? { WholeFrameSteps.levelSE(s) ?? (s.points.count == 1 ? s.points[0].sigma : nil) }
        mergeNeighbours(&segments) { a, b in
            let step = b.level - a.level
            guard abs(step) < tuning.dispersionMaxStep, let ea = se(a), let eb = se(b) else { return false }
            return abs(step - step.rounded()) > tuning.wholeFrameSigmas * (ea * ea + eb * eb).squareRoot()
        }
    }

    /// Merges each pair of neighbouring segments for which `together(earlier, later)` holds
    /// into one spanning both, with the longer one's level and the windows of both.
    func mergeNeighbours(_ segments: inout [Segment], where together: (Segment, Segment) -> Bool) {
        var k = 1
        while k < segments.count {
            let a = segments[k - 1], b = segments[k]
            guard together(a, b) else { k += 1; continue }
            var merged = (b.captureEnd - b.captureStart) > (a.captureEnd - a.captureStart) ? b : a
            merged.captureStart = a.captureStart
            merged.captureEnd = b.captureEnd
            merged.points = a.points + b.points
            merged.short = false
            segments[k - 1] = merged
            segments.remove(at: k)
        }
    }
}
