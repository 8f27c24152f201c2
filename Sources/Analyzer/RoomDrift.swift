// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// The drift under a room, from where the direct sound lies chunk by chunk.
///
/// Through a room each window's match is pulled by the tail's misfit, by an amount that
/// depends on what the window holds (the tail model is good to about −30 dB): a speech-like
/// capture's windows scattered so that their line read 0.95 ppm of drift where there was
/// none, music's 0.94 (standard errors 1.4 and 1.8 ppm). The response deconvolved over a
/// quarter second of the capture aligned on the segment's line (``ReverbTail/directOffset``)
/// holds the tail as part of the path, and its direct tap lies where the direct sound is, to a
/// few thousandths of a frame on speech, music and noise. The chunks' offsets from the
/// segment's line, fitted by a line of their own, give the drift the windows missed; their
/// scatter about it gives its uncertainty. Chunks that hold a few tones only (multitone
/// bursts) or a narrow stretch of a sweep place the direct sound loosely, scatter, and state
/// a large uncertainty: the windows' drift stays.
enum RoomDrift {
    struct Estimate {
        /// Drift relative to the line's (add it to the line's drift).
        var correction: Double
        /// Its standard uncertainty (the scatter's standard error, widened for the few degrees
        /// of freedom: the standard deviation of Student's t with n − 2).
        var uncertainty: Double
        var chunks: Int
    }

    /// The chunks' drift relative to segment `s`, over the reference frames it spans, or nil
    /// when it holds fewer than ``AnalyzerTuning/roomDriftMinChunks`` chunks that place their
    /// direct sound.
    static func estimate(ref: [Float], cap: [Float], segment s: Segment, fs: Int, interp: SincInterpolator) -> Estimate? {
        let p0 = max(0, Int(s.refPosition(atCapture: Double(s.captureStart)).rounded(.up)))
        let p1 = min(ref.count, Int(s.refPosition(atCapture: Double(s.captureEnd))))
        guard p1 > p0 else { return nil }
        return estimate(ref: ref, cap: cap, line: s, over: p0..<p1, reach: AnalyzerTuning.pathFilterHalfTaps, fs: fs, interp: interp)
    }

    /// The chunks' drift relative to the line `s` (its level and drift) over reference frames
    /// `range`, each chunk's direct sound looked for within `reach` lags of the line.
    static func estimate(ref: [Float], cap: [Float], line s: Segment, over range: Range<Int>, reach: Int, fs: Int, interp: SincInterpolator) -> Estimate? {
        let tuning = AnalyzerTuning.standard
        let len = Int(tuning.roomDriftChunkSeconds * Double(fs))
        let p0 = max(0, range.lowerBound), p1 = min(ref.count, range.upperBound)
        guard len > 0, p1 - p0 >= tuning.roomDriftMinChunks * len else { return nil }
        let count = min(tuning.roomDriftMaxChunks, (p1 - p0) / len)
        let spare = (p1 - p0) - count * len
        var xs: [Double] = [], ys: [Double] = [], ws: [Double] = []
        for j in 0..<count {
            let start = p0 + j * len + (count > 1 ? spare * j / (count - 1) : 0)
            guard let y = offset(ref: ref, cap: cap, segment: s, chunk: start..<(start + len), reach: reach, fs: fs, interp: interp) else { continue }
            xs.append(Double(start) + Double(len) / 2)
            ys.append(y.offset)
            ws.append(1 / (y.sigma * y.sigma))
        }
        let n = xs.count
        guard n >= tuning.roomDriftMinChunks else { return nil }
        let wsum = ws.reduce(0, +)
        let mx = zip(xs, ws).map { $0 * $1 }.reduce(0, +) / wsum, my = zip(ys, ws).map { $0 * $1 }.reduce(0, +) / wsum
        var sxx = 0.0, sxy = 0.0
        for k in 0..<n { sxx += ws[k] * (xs[k] - mx) * (xs[k] - mx); sxy += ws[k] * (xs[k] - mx) * (ys[k] - my) }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        var chi2 = 0.0
        for k in 0..<n { let r = ys[k] - my - slope * (xs[k] - mx); chi2 += ws[k] * r * r }
        let dof = Double(n - 2)
        let se = (max(1, chi2 / dof) / sxx).squareRoot() * (dof / (dof - 2)).squareRoot()
        guard slope.isFinite, se.isFinite else { return nil }
        return Estimate(correction: slope, uncertainty: se, chunks: n)
    }

    /// Where the direct sound lies in reference frames `chunk`, from the segment's line
    /// (capture frames, its largest tap within `reach` lags), and its spread: the response
    /// deconvolved over the chunk (the reference and the capture on the line both cut to it,
    /// as ``ReverbTail/directOffset`` does; transformed with room for a tail's lags either side). Nil where the largest tap is
    /// at the edge of the path filter's reach, or the spread is not a positive number.
    static func offset(ref: [Float], cap: [Float], segment s: Segment, chunk: Range<Int>, reach half: Int, fs: Int, interp: SincInterpolator) -> (offset: Double, sigma: Double)? {
        let tailLen = Int(AnalyzerTuning.standard.reverbTailSeconds * Double(fs))
        let len = chunk.count
        guard len > 0, half > 0, tailLen > half + 1, chunk.lowerBound >= 0, chunk.upperBound <= ref.count else { return nil }
        let fft = RealFFT.of(size: RealFFT.goodSize(atLeast: 2 * len + tailLen))
        let rb = RealFFT.Buffers(size: fft.size), cb = RealFFT.Buffers(size: fft.size)
        ReverbTail.fill(rb.samples, chunk.lazy.map { Double(ref[$0]) })
        let c = cap.withUnsafeBufferPointer { b in interp.values(at: chunk, in: b) { s.level + (1 + s.drift) * Double($0) } }
        ReverbTail.fill(cb.samples, c)
        fft.forward(rb)
        fft.forward(cb)
        guard let h = ReverbTail.response(r: rb.spectrum, c: cb.spectrum, fft: fft) else { return nil }
        let local = (-half...half).map { k in h.samples[k >= 0 ? k : fft.size + k] }
        guard let top = local.indices.max(by: { abs(local[$0]) < abs(local[$1]) }), top > 0, top < local.count - 1 else { return nil }
        // The place's spread: the taps' noise (the acausal lags past the filter's reach, which
        // a causal path leaves empty) over the peak's curvature.
        var nn = 0.0
        for k in (half + 1)...tailLen { let v = h.samples[fft.size - k]; nn += v * v }
        let noise = (nn / Double(tailLen - half)).squareRoot()
        let curvature = abs(local[top - 1] - 2 * local[top] + local[top + 1])
        let sigma = noise / curvature, place = interp.refinePeak(of: local, near: top).position - Double(half)
        guard sigma > 0, sigma.isFinite, place.isFinite else { return nil }
        return (place, sigma)
    }
}

extension RoundTripAnalysis {
    /// Under a room, the drift from the chunks' direct sound (``RoomDrift``) where it is much
    /// better determined than the windows' and agrees with it; the segments' levels are taken
    /// again from their windows on the new line.
    func driftUnderTheRoom(_ seg: inout Segmenter.Output, totalDrift: inout Double, plain: [Float], cap: [Float]) {
        guard seg.driftKnown, let s = Segment.longest(seg.segments),
              let e = RoomDrift.estimate(ref: plain, cap: cap, segment: s, fs: reference.sampleRate, interp: interp) else { return }
        let windows = seg.driftSE * Segmenter.correlatedResiduals(seg.segments)
        guard e.uncertainty <= tuning.roomDriftBetterShare * windows,
              abs(e.correction) <= tuning.roomDriftAgreement * (e.uncertainty * e.uncertainty + windows * windows).squareRoot() else { return }
        seg.adopt(drift: seg.drift + e.correction, se: e.uncertainty, totalDrift: &totalDrift)
    }
}
