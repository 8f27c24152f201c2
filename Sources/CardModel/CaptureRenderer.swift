// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// A forward-moving reader of a ``RunLog`` (positions mostly increase).
struct LogCursor {
    let log: RunLog
    var j = 0
    init(log: RunLog) { self.log = log }

    mutating func tag(at pos: Int64) -> (Int64, Int32) {
        if pos < 0 || pos >= log.end || log.runs.isEmpty { return (-1, -1) }
        if pos < log.starts[j] { j = log.index(of: pos) ?? 0 }
        while pos >= log.starts[j] + Int64(log.runs[j].count) { j += 1 }
        let r = log.runs[j]
        return (r.tag < 0 ? -1 : r.tag + (pos - log.starts[j]), r.cause)
    }

    /// The tag and cause at `pos` and how many frames the run goes on from there (silence to the end past the log).
    mutating func run(at pos: Int64) -> (Int64, Int32, Int) {
        if pos < 0 || pos >= log.end || log.runs.isEmpty { return (-1, -1, Int.max) }
        if pos < log.starts[j] { j = log.index(of: pos) ?? 0 }
        while pos >= log.starts[j] + Int64(log.runs[j].count) { j += 1 }
        let r = log.runs[j]
        let off = pos - log.starts[j]
        return (r.tag < 0 ? -1 : r.tag + off, r.cause, r.count - Int(off))
    }

    /// The tag at `pos` without moving (pos at or just after the cursor's run).
    func peek(_ pos: Int64) -> (Int64, Int32) {
        if pos < 0 || pos >= log.end || log.runs.isEmpty { return (-1, -1) }
        var k = j
        if pos < log.starts[k] { return (-1, -1) }
        while pos >= log.starts[k] + Int64(log.runs[k].count) { k += 1 }
        let r = log.runs[k]
        return (r.tag < 0 ? -1 : r.tag + (pos - log.starts[k]), r.cause)
    }
}

/// Stretches of capture frames that carry the stimulus at one delay, built frame by frame
/// in capture order (a frame continues the open stretch when it follows it directly and its
/// delay is within half a frame of the stretch's first delay).
struct SegmentTrace {
    struct Seg { var start: Int; var end: Int; var delay: Double }
    var segs: [Seg] = []
    private var open = false
    private var cs = 0, ce = 0
    private var cd = 0.0

    /// Capture frame `q` carries stimulus frame `s` (fractional with resampling).
    @inline(__always) mutating func frame(_ q: Int, _ s: Double) {
        let d = Double(q) - s
        if open && q == ce && abs(d - cd) <= 0.5 {
            ce = q + 1
            return
        }
        if open { segs.append(Seg(start: cs, end: ce, delay: cd)) }
        open = true
        cs = q
        ce = q + 1
        cd = d
    }

    /// Capture frames `q..<q+n` all carry the stimulus at delay `d`.
    mutating func span(_ q: Int, _ n: Int, delay d: Double) {
        guard n > 0 else { return }
        if open && q == ce && abs(d - cd) <= 0.5 {
            ce = q + n
            return
        }
        if open { segs.append(Seg(start: cs, end: ce, delay: cd)) }
        open = true
        cs = q
        ce = q + n
        cd = d
    }

    mutating func finish() -> [Seg] {
        if open { segs.append(Seg(start: cs, end: ce, delay: cd)); open = false }
        return segs
    }
}

/// The artifact (cause) of each capture frame, as change points: `starts[i]` is the first
/// frame with cause `values[i]` (-1: none).
struct CauseRuns {
    private(set) var starts: [Int] = [0]
    private(set) var values: [Int32] = [-1]

    @inline(__always) mutating func set(_ q: Int, _ c: Int32) {
        if c != values[values.count - 1] {
            if starts[starts.count - 1] == q {
                values[values.count - 1] = c
                if values.count > 1 && values[values.count - 2] == c { starts.removeLast(); values.removeLast() }
            } else {
                starts.append(q)
                values.append(c)
            }
        }
    }

    /// Frames `q..<q+n` have cause `c`.
    mutating func set(_ q: Int, _ n: Int, _ c: Int32) {
        guard n > 0 else { return }
        set(q, c)
        set(q + n, -1)
    }

    /// The first cause ≥ 0 among frames `a..<b`.
    func first(in a: Int, _ b: Int) -> Int32? {
        guard a < b else { return nil }
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= a { lo = mid } else { hi = mid - 1 }
        }
        var i = lo
        while i < starts.count && starts[i] < b {
            if values[i] >= 0 { return values[i] }
            i += 1
        }
        return nil
    }
}

/// The capture (audio), the stretches of it that carry the stimulus, and the artifact
/// behind each capture frame.
struct RenderedCapture {
    var audio: [Float]
    /// Every stretch that carries the stimulus, short ones included, in capture order.
    var segments: [SegmentTrace.Seg]
    var causes: CauseRuns

    /// Whether most frames in `a..<b` carry the stimulus (an insertion that is mostly silence
    /// is a gap, one that is mostly earlier audio a repeat, as the analyzer names them).
    func mostlySignal(_ a: Int, _ b: Int) -> Bool {
        guard a < b else { return false }
        var n = 0, i = firstSegment(endingAfter: a)
        while i < segments.count && segments[i].start < b {
            n += min(b, segments[i].end) - max(a, segments[i].start)
            i += 1
        }
        return 2 * n > b - a
    }

    /// Whether any frame in `a..<b` carries the stimulus.
    func hasSignal(_ a: Int, _ b: Int) -> Bool {
        guard a < b else { return false }
        let i = firstSegment(endingAfter: a)
        return i < segments.count && segments[i].start < b
    }

    /// Index of the first stretch that ends after frame `a` (binary search; stretches are in order).
    private func firstSegment(endingAfter a: Int) -> Int {
        var lo = 0, hi = segments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid].end <= a { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

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

/// The capture renderer: turns what the guest captured (runs of frames tagged with the
/// stream position they carry) into audio from the stimulus's start on, tracing every capture
/// frame back to the stimulus frame it carries (fractional through the resamplers) and to the
/// artifact that produced it.
struct CaptureRenderer {
    let run: ModelRun

    func render() -> RenderedCapture {
        var audio = [Float](repeating: 0, count: run.captureFrames)
        var trace = SegmentTrace()
        var causes = CauseRuns()
        let table = PlaybackTable(run: run)
        var capCur = LogCursor(log: run.guestCapture)
        audio.withUnsafeMutableBufferPointer { au in
            run.stimulus.withUnsafeBufferPointer { stim in
                if run.captureResampler.identity {
                    renderWithoutCaptureResampling(au, stim, table, &capCur, &trace, &causes)
                } else {
                    renderThroughCaptureResampler(au, stim, table, &capCur, &trace, &causes)
                }
            }
        }
        return RenderedCapture(audio: audio, segments: trace.finish(), causes: causes)
    }

    /// Capture at the backend's rate: run by run, each capture run a stretch of consecutive
    /// backend frames, through the playback table.
    private func renderWithoutCaptureResampling(_ au: UnsafeMutableBufferPointer<Float>, _ stim: UnsafeBufferPointer<Float>, _ table: PlaybackTable,
                                                _ capCur: inout LogCursor, _ trace: inout SegmentTrace, _ causes: inout CauseRuns) {
        let capFrames = run.captureFrames, P = run.prefillFrames
        var hint = 0
        // Run by run: a capture run is a stretch of consecutive backend frames.
        var q = 0
        while q < capFrames {
            let (d, dc, left) = capCur.run(at: Int64(P + q))
            let n = min(left, capFrames - q)
            q += n
            let q0 = q - n
            if d < 0 { causes.set(q0, n, dc); continue }
            if table.identity {
                // Only the part of the run that carries the stimulus needs writing.
                let p64 = table.p64, l64 = table.l64
                let lo = max(0, min(n, Int(p64 - d))), hi = max(0, min(n, Int(p64 + l64 - d)))
                if lo < hi {
                    let s0 = Int(d - p64)
                    for k in lo..<hi { au[q0 + k] = stim[s0 + k] }
                    trace.span(q0 + lo, hi - lo, delay: Double(q0 - s0))
                }
                causes.set(q0, n, dc)
                continue
            }
            var k = 0
            while k < n {
                let b = d + Int64(k)
                guard let h = table.stretch(containing: b, hint: hint) else {
                    let (v, s, bc, _) = table.frame(b, stim: stim)
                    au[q0 + k] = v
                    if !s.isNaN { trace.frame(q0 + k, s) }
                    causes.set(q0 + k, 1, dc >= 0 ? dc : bc)
                    k += 1
                    continue
                }
                // A playback stretch: one delay, one cause, values straight from the stimulus.
                hint = h
                let st = table.stretches[h]
                let m = min(n - k, Int(st.end - b))
                let k0 = k
                let num = b * table.inR
                var iB = num / table.outR
                var remB = num % table.outR
                let sFirst = Double(st.base + iB) + Double(remB) * table.invOutR
                for _ in 0..<m {
                    let f = Double(remB) * table.invOutR
                    let sIdx = Int(st.base + iB)
                    au[q0 + k] = Float(1 - f) * stim[sIdx] + Float(f) * stim[sIdx + 1]
                    k += 1
                    remB += table.inR
                    while remB >= table.outR { remB -= table.outR; iB += 1 }
                }
                trace.span(q0 + k0, m, delay: Double(q0 + k0) - sFirst)
                causes.set(q0 + k0, m, dc >= 0 ? dc : st.cause)
            }
        }
    }

    /// Capture resampled from the backend's rate: every output frame interpolates two backend
    /// frames, each of which is traced through the playback table; stretches where both stay
    /// in one playback stretch go frame by frame without lookups.
    private func renderThroughCaptureResampler(_ au: UnsafeMutableBufferPointer<Float>, _ stim: UnsafeBufferPointer<Float>, _ table: PlaybackTable,
                                               _ capCur: inout LogCursor, _ trace: inout SegmentTrace, _ causes: inout CauseRuns) {
        let capFrames = run.captureFrames, P = run.prefillFrames
        let convIn = run.captureResampler
        var hint = 0
        let inLog = convIn.log
        var inCur = LogCursor(log: inLog)
        let inR = Int64(convIn.inRate), outR = Int64(convIn.outRate)
        let invOutR = 1 / Double(outR)
        let inv = Double(outR) / Double(inR)
        let inRB = table.inR, outRB = table.outR, invOutRB = table.invOutR
        /// One output frame from input positions i and i+1 (the general case, used where a
        /// frame straddles two runs of the resampler's input log or leaves a playback stretch).
        func one(_ k: Int, _ i: Int64, _ rem: Int64, _ dc: Int32) {
            let f = Double(rem) * invOutR
            let (c0, cc0) = inCur.tag(at: i)
            let (c1, _) = inCur.peek(i + 1)
            let (v0, s0, bc0, h0) = table.frame(c0, stim: stim)
            let (v1, s1, _, h1) = table.frame(c1, stim: stim)
            au[k] = Float(1 - f) * v0 + Float(f) * v1
            // As on the playback side: next to a frame without stimulus, the position continues.
            if !s0.isNaN {
                if rem == 0 { trace.frame(k, s0) } else if !s1.isNaN && abs(s1 - s0 - inv) < 0.01 { trace.frame(k, s0 + f * (s1 - s0)) } else if !h1 { trace.frame(k, s0 + f * inv) }
            } else if !h0 && !s1.isNaN && rem != 0 {
                trace.frame(k, s1 - (1 - f) * inv)
            }
            causes.set(k, dc >= 0 ? dc : (cc0 >= 0 ? cc0 : bc0))
        }
        var q = 0
        while q < capFrames {
            let (d0, dc, left) = capCur.run(at: Int64(P + q))
            let n = min(left, capFrames - q)
            if d0 < 0 {
                causes.set(q, n, dc)
                q += n
                continue
            }
            // Consecutive outputs d0, d0+1, …: input position advances by inR/outR, kept exact.
            let num = d0 * inR
            var i = num / outR
            var rem = num % outR
            var k = q
            let kEnd = q + n
            while k < kEnd {
                guard i >= 0 && i + 1 < inLog.end, let j = inLog.index(of: i, hint: inCur.j),
                      i + 1 < inLog.starts[j] + Int64(inLog.runs[j].count) else {
                    one(k, i, rem, dc)
                    k += 1; rem += inR
                    while rem >= outR { rem -= outR; i += 1 }
                    continue
                }
                inCur.j = j
                let rs = inLog.starts[j], run = inLog.runs[j]
                let re = rs + Int64(run.count)
                if run.tag < 0 {
                    let c = dc >= 0 ? dc : run.cause
                    let k0 = k
                    while k < kEnd && i + 1 < re {
                        k += 1; rem += inR
                        while rem >= outR { rem -= outR; i += 1 }
                    }
                    causes.set(k0, k - k0, c)
                    continue
                }
                // Both inputs in this run: B frame c0 = base + i.
                let base = run.tag - rs
                let c0 = base + i
                guard let h = table.stretch(containing: c0, hint: hint), c0 + 1 < table.stretches[h].end else {
                    one(k, i, rem, dc)
                    k += 1; rem += inR
                    while rem >= outR { rem -= outR; i += 1 }
                    continue
                }
                // B frames c0 and c0 + 1 in one playback stretch too: the capture carries the
                // stimulus at one delay for as long as that holds; only the audio is per frame,
                // through both resamplers.
                hint = h
                let st = table.stretches[h]
                let iMax = min(re, st.end - base) - 1   // last i with i+1 in both
                let k0 = k
                let numB = c0 * inRB
                var iB0 = numB / outRB, remB0 = numB % outRB          // B frame c0
                var iB1 = iB0, remB1 = remB0 + inRB                    // B frame c0 + 1
                while remB1 >= outRB { remB1 -= outRB; iB1 += 1 }
                let sFirst = Double(st.base + iB0) + (Double(remB0) + (Double(remB1 + (iB1 - iB0) * outRB) - Double(remB0)) * Double(rem) * invOutR) * invOutRB
                if table.identity {
                    while k < kEnd && i < iMax {
                        let f = Double(rem) * invOutR
                        let b = Int(st.base + base + i)
                        au[k] = Float(1 - f) * stim[b] + Float(f) * stim[b + 1]
                        k += 1; rem += inR
                        while rem >= outR { rem -= outR; i += 1 }
                    }
                } else {
                    let sb = Int(st.base)
                    @inline(__always) func value(_ iB: Int64, _ remB: Int64) -> Float {
                        let g = Double(remB) * invOutRB
                        let a = sb + Int(iB)
                        return Float(1 - g) * stim[a] + Float(g) * stim[a + 1]
                    }
                    var v0 = value(iB0, remB0), v1 = value(iB1, remB1)
                    let qIn = inR / outR, rIn = inR % outR
                    let qB = inRB / outRB, rB = inRB % outRB
                    while k < kEnd && i < iMax {
                        let f = Double(rem) * invOutR
                        au[k] = Float(1 - f) * v0 + Float(f) * v1
                        k += 1
                        // Input position i advances by qIn or qIn + 1; B frames c0, c0 + 1 with it.
                        rem += rIn
                        var t = qIn
                        if rem >= outR { rem -= outR; t += 1 }
                        if t > 0 {
                            i += t
                            for _ in 0..<t {
                                iB0 = iB1; remB0 = remB1
                                remB1 += rB; iB1 += qB
                                if remB1 >= outRB { remB1 -= outRB; iB1 += 1 }
                            }
                            v0 = t == 1 ? v1 : value(iB0, remB0)
                            v1 = value(iB1, remB1)
                        }
                    }
                }
                trace.span(k0, k - k0, delay: Double(k0) - sFirst)
                causes.set(k0, k - k0, dc >= 0 ? dc : (run.cause >= 0 ? run.cause : st.cause))
            }
            causes.set(kEnd, -1)
            q += n
        }
    }
}
