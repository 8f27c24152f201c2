// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// Where the direct sound lies, chunk by chunk, through a room.
///
/// The response deconvolved over a quarter second of the capture aligned on a line
/// (``ReverbTail/directTap``) holds the room's tail as part of the path, and its largest tap
/// places the direct sound; a line through the chunks' places gives the drift relative to the
/// line. ``RoundTripAnalysis/refusedTailMayDrift(_:_:_:)`` asks it, looking ±64 lags about the whole-signal
/// delay, whether a capture whose tail was refused at one delay drifts enough to search for a
/// stretch. The places are loose (multitone bursts read 37 ppm where there was none; a chunk
/// of speech read 0.04 frames off at the true delay and moved 0.1 frames for a 0.05-frame
/// change of the line), and their scatter understates it: taken as the drift of the longest
/// segment, they read a speech-like capture with a drop 0.64 ppm off at a stated 0.18
/// (session 21; not kept).
enum RoomDrift {
    struct Estimate {
        /// Drift relative to the line's (add it to the line's drift).
        var correction: Double
        /// Its standard uncertainty (the scatter's standard error, widened for the few degrees
        /// of freedom: the standard deviation of Student's t with n − 2).
        var uncertainty: Double
        var chunks: Int
    }

    /// The chunks' drift relative to the line `s` (its level and drift) over reference frames
    /// `range`, each chunk's direct sound looked for within `reach` lags of the line; nil when
    /// fewer than ``AnalyzerTuning/roomDriftMinChunks`` chunks place it.
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
        guard let h = ReverbTail.response(r: rb.spectrum, c: cb.spectrum, fft: fft),
              let (place, local, top) = ReverbTail.directTap(h, size: fft.size, reach: half, interp: interp) else { return nil }
        // The place's spread: the taps' noise (the acausal lags past the filter's reach, which
        // a causal path leaves empty) over the peak's curvature.
        var nn = 0.0
        for k in (half + 1)...tailLen { let v = h.samples[fft.size - k]; nn += v * v }
        let noise = (nn / Double(tailLen - half)).squareRoot()
        let curvature = abs(local[top - 1] - 2 * local[top] + local[top + 1])
        let sigma = noise / curvature
        guard sigma > 0, sigma.isFinite, place.isFinite else { return nil }
        return (place, sigma)
    }
}
