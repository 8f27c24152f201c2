// SPDX-License-Identifier: GPL-2.0-or-later

/// The playback side of ``CaptureRenderer``: what each backend-domain (B) playback
/// frame carries.
///
/// B frame `b` is the playback resampler's output: linear interpolation between its inputs
/// `i = ⌊b·inR/outR⌋` and `i + 1` at `(b·inR mod outR)/outR` (the identity when playback
/// does not resample). `stretches` are the B ranges, found run by run from the resampler's
/// input log, where both inputs are stimulus frames `base + i` and `base + i + 1` with one
/// cause: there the value and stimulus position follow from `b` alone. Frames outside them
/// (silence, the stimulus's ends, input run boundaries) are traced one by one from the log.
struct PlaybackTable {
    struct Stretch { var start: Int64; var end: Int64; var base: Int64; var cause: Int32 }
    var stretches: [Stretch]
    let identity: Bool
    let log: RunLog
    let inR: Int64, outR: Int64
    let invOutR: Double
    let p64: Int64, l64: Int64
    let frames: Int64

    init(run: ModelRun) {
        let resampler = run.playbackResampler
        identity = resampler.identity
        log = resampler.log
        inR = Int64(resampler.inRate)
        outR = Int64(resampler.outRate)
        invOutR = 1 / Double(outR)
        p64 = Int64(run.prefillFrames)
        l64 = Int64(run.stimulus.count)
        frames = resampler.outTotal
        if identity {
            stretches = [.init(start: p64, end: p64 + l64, base: -p64, cause: -1)]
            return
        }
        stretches = []
        for j in log.runs.indices where log.runs[j].tag >= 0 {
            let rs = log.starts[j], r = log.runs[j]
            let base = r.tag - rs - p64       // stimulus index of input i
            let iLo = max(rs, -base)
            let iHi = min(rs + Int64(r.count) - 2, l64 - 2 - base)
            guard iLo <= iHi else { continue }
            let kLo = (iLo * outR + inR - 1) / inR
            let kHi = min(((iHi + 1) * outR - 1) / inR, frames - 1)
            if kLo <= kHi { stretches.append(.init(start: kLo, end: kHi + 1, base: base, cause: r.cause)) }
        }
    }

    /// Index of the stretch that contains B frame `b`, if any (`hint`: a likely index).
    @inline(__always) func stretch(containing b: Int64, hint: Int) -> Int? {
        if hint < stretches.count, stretches[hint].start <= b {
            if b < stretches[hint].end { return hint }
            if hint + 1 < stretches.count, stretches[hint + 1].start <= b, b < stretches[hint + 1].end { return hint + 1 }
        }
        var lo = 0, hi = stretches.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if stretches[mid].end <= b { lo = mid + 1 } else { hi = mid }
        }
        return lo < stretches.count && stretches[lo].start <= b ? lo : nil
    }

    /// Value, stimulus position (NaN when none), cause of B frame `b` (negative: silence), and
    /// whether it holds any of the stimulus at all.
    ///
    /// A frame interpolated between a stimulus frame and a frame without stimulus (silence,
    /// the guest's prefill, the end of the probe) carries the stimulus at the continued
    /// position: the stimulus is zero outside itself, so nothing of it is lost there. Only a
    /// mix of two unrelated stimulus positions (a jump) carries no single position.
    func frame(_ b: Int64, stim: UnsafeBufferPointer<Float>) -> (Float, Double, Int32, Bool) {
        if b < 0 { return (0, .nan, -1, false) }
        if identity {
            let s = b - p64
            if s >= 0 && s < l64 { return (stim[Int(s)], Double(s), -1, true) }
            return (0, .nan, -1, false)
        }
        guard b < frames else { return (0, .nan, -1, false) }
        let num = b * inR
        let i = num / outR, rem = num % outR
        let f = Double(rem) * invOutR
        let (a0, c0) = tag(i)
        let (a1, _) = tag(i + 1)
        let s0 = a0 - p64, s1 = a1 - p64
        let ok0 = a0 >= 0 && s0 >= 0 && s0 < l64
        let ok1 = a1 >= 0 && s1 >= 0 && s1 < l64
        let v0: Float = ok0 ? stim[Int(s0)] : 0
        let v1: Float = ok1 ? stim[Int(s1)] : 0
        var src = Double.nan
        if ok0 && (rem == 0 || !ok1 || s1 == s0 + 1) {
            src = Double(s0) + f
        } else if !ok0 && ok1 && rem != 0 {
            src = Double(s1) - 1 + f
        }
        return (Float(1 - f) * v0 + Float(f) * v1, src, c0, ok0 || ok1)
    }

    private func tag(_ pos: Int64) -> (Int64, Int32) {
        guard let j = log.index(of: pos) else { return (-1, -1) }
        let r = log.runs[j]
        return (r.tag < 0 ? -1 : r.tag + (pos - log.starts[j]), r.cause)
    }
}
