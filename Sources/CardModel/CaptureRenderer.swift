// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

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
        let captureFrames = run.captureFrames, prefill = run.prefillFrames
        var hint = 0
        // Run by run: a capture run is a stretch of consecutive backend frames.
        var q = 0
        while q < captureFrames {
            let (d, dc, left) = capCur.run(at: Int64(prefill + q))
            let n = min(left, captureFrames - q)
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
        let captureFrames = run.captureFrames, prefill = run.prefillFrames
        let convIn = run.captureResampler
        var hint = 0
        let inLog = convIn.log
        var inCur = LogCursor(log: inLog)
        let inR = Int64(convIn.inRate), outR = Int64(convIn.outRate)
        let invOutR = 1 / Double(outR)
        let inv = Double(outR) / Double(inR)
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
        while q < captureFrames {
            let (d0, dc, left) = capCur.run(at: Int64(prefill + q))
            let n = min(left, captureFrames - q)
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
                // stimulus at one delay for as long as that holds.
                hint = h
                let st = table.stretches[h]
                let k0 = k
                let sFirst = renderWithinStretch(au, stim, table, st, firstBackendFrame: c0, lastInput: min(re, st.end - base) - 1,
                                                 captureEnd: kEnd, captureResampler: convIn, k: &k, i: &i, rem: &rem)
                trace.span(k0, k - k0, delay: Double(k0) - sFirst)
                causes.set(k0, k - k0, dc >= 0 ? dc : (run.cause >= 0 ? run.cause : st.cause))
            }
            causes.set(kEnd, -1)
            q += n
        }
    }

    /// Capture frames from `k` on whose two capture-resampler inputs (`i`, `i + 1`, the first
    /// of them backend frame `firstBackendFrame`) stay in one run of that resampler's input
    /// log and in playback stretch `st`, up to input `lastInput` or capture frame `captureEnd`:
    /// the stimulus at one delay, so only the audio is computed per frame, through both
    /// resamplers. Advances `k`, `i` and `rem` (the input position i + rem/outRate) past them;
    /// returns the stimulus position the first of them carries.
    @inline(__always)
    private func renderWithinStretch(_ au: UnsafeMutableBufferPointer<Float>, _ stim: UnsafeBufferPointer<Float>, _ table: PlaybackTable,
                                     _ st: PlaybackTable.Stretch, firstBackendFrame c0: Int64, lastInput iMax: Int64, captureEnd kEnd: Int,
                                     captureResampler: RateConverter, k: inout Int, i: inout Int64, rem: inout Int64) -> Double {
        let inR = Int64(captureResampler.inRate), outR = Int64(captureResampler.outRate)
        let invOutR = 1 / Double(outR)
        let inRB = table.inR, outRB = table.outR, invOutRB = table.invOutR
        let base = c0 - i   // backend frame of input i
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
            return sFirst
        }
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
                // Only for a frame still to come here: after the last one, B frame c0 + 1 may lie
                // past the stimulus (a debug build trapped on the read).
                if k < kEnd && i < iMax {
                    v0 = t == 1 ? v1 : value(iB0, remB0)
                    v1 = value(iB1, remB1)
                }
            }
        }
        return sFirst
    }
}
