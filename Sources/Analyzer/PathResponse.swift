// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation

/// The path's power response beyond the model, bin by bin, measured over one segment: the
/// capture's Welch power spectrum over the model's at the segment's delay. The short path
/// model (33 taps) follows a gentle colouring but not a steep one: through a 2 kHz low-pass it
/// still passes −14 dB of a multitone burst above 2 kHz, and the explainer read the silent
/// capture there as the burst replaced by silence (a false 9529-frame drop and gap). This
/// response tells what the path makes of a stretch of the model, for judging such silence.
struct PathResponse {
    /// Welch frames (Hann window, half overlap): 11.7 Hz bins at 48 kHz, fine enough for a
    /// steep filter's edge and short enough for a segment of a few frames' worth.
    static let longestFrame = 4096
    /// A segment under two of those is measured in the longest power-of-two frames it holds
    /// two of, down to this: 31 Hz bins at 8 kHz, still finer than a low-pass's edge. A
    /// reference of 1135-2600 frames (a short log sweep behind the 2 kHz low-pass) was not
    /// measured at all, and the sweep's top, which the path removes, read as replaced by
    /// silence (a false 129-450-frame replacement in six clean sweeps).
    static let shortestFrame = 256
    /// This response's frame length.
    let frame: Int
    let window: [Double]
    /// Bins where the model's power over the segment is below this share of its largest bin
    /// are not measured (the capture there is noise over almost nothing; a multitone's other
    /// bursts hold other tones): their response is the larger of the nearest measured bins'
    /// on either side, a path's response being smooth in frequency, and the larger so that a
    /// stretch is assumed silenced only where the path is quiet on both sides of it.
    static let measuredOfPeak = 1e-4

    let gain2: [Double]
    /// The zero-phase filter with that power response (``zeroPhase(power:frame:reach:)``, a
    /// quarter frame either side).
    let zeroPhaseTaps: [Double]
    /// The capture's mean power per frame over the segment.
    let capturePower: Double
    /// How far (dB) the response ranges over the bins where the model holds at least
    /// ``wellMeasuredOfPeak`` of its largest bin's power: a flat path's is a few dB.
    let rangeDB: Double
    static let wellMeasuredOfPeak = 1e-2

    /// The response over segment `s` (model frames `ref`, capture `cap`); nil when the segment
    /// holds less than two of the shortest frames.
    init?(ref: [Float], cap: [Float], segment s: Segment) {
        self.init(ref: ref, cap: cap, segment: s, leavingOut: nil)
    }

    /// The response over segment `s` measured without capture frames `out` (and the model
    /// frames under them), both read as silence: what the rest of the segment says of the
    /// path. A bin the rest never plays is not measured, and takes the smaller of its nearest
    /// measured neighbours' values, none where it has a neighbour on one side only
    /// (``filledWithin(_:)``): a stretch is then heard through a band the path was seen to
    /// pass on both sides of it, and a band it may stop is taken as stopped.
    init?(ref: [Float], cap: [Float], segment s: Segment, leavingOut out: Range<Int>?, longest: Int = PathResponse.longestFrame, reachShare: Int = 4) {
        let d = Int(s.level.rounded())
        let p0 = max(0, Int(s.refPosition(atCapture: Double(s.captureStart)).rounded(.up)), -d)
        let p1 = min(ref.count, Int(s.refPosition(atCapture: Double(s.captureEnd))), cap.count - d)
        var n = longest
        while n > Self.shortestFrame && p1 - p0 < 2 * n { n /= 2 }
        guard p1 - p0 >= 2 * n else { return nil }
        frame = n
        window = Self.window(n)
        let pr: [Double], pc: [Double]
        if let out {
            // Only the segment's own frames, copied, with `out` silenced in both.
            var model = Array(ref[p0..<p1]), heard = Array(cap[(p0 + d)..<(p1 + d)])
            for i in heard.indices where out.contains(p0 + d + i) { (heard[i], model[i]) = (0, 0) }
            (pr, pc) = (Self.welch(model, model.indices, frame: n, window: window), Self.welch(heard, heard.indices, frame: n, window: window))
        } else {
            (pr, pc) = (Self.welch(ref, p0..<p1, frame: n, window: window), Self.welch(cap, (p0 + d)..<(p1 + d), frame: n, window: window))
        }
        let top = pr.max() ?? 0
        guard top > 0 else { return nil }
        let measured = zip(pr, pc).map { r, c in r >= Self.measuredOfPeak * top ? c / r : nil }
        guard let filled = out == nil ? Self.filled(measured) : Self.filledWithin(measured) else { return nil }
        gain2 = filled
        let well = zip(pr, pc).compactMap { r, c in r >= Self.wellMeasuredOfPeak * top ? c / r : nil }
        rangeDB = well.isEmpty || well.min()! <= 0 ? .infinity : 10 * log10(well.max()! / well.min()!)
        zeroPhaseTaps = Self.zeroPhase(power: filled, frame: n, reach: n / reachShare)
        var e = 0.0
        for t in (p0 + d)..<(p1 + d) { e += Double(cap[t]) * Double(cap[t]) }
        capturePower = e / Double(p1 - p0)
    }

    /// Whether capture frames `frames` (non-empty) of segment `s`, holding energy `captured`,
    /// hold less than `share` of the mean power this response makes of the reference `ref`
    /// under them; false where it makes nothing of them, or less than `playedAtLeast` of the
    /// capture's mean power over the segment (below that the response is its own estimate's
    /// error). The click scan's test of silence against the path
    /// (``Explainer/silentAgainstThePath(_:_:_:captured:share:_:playedAtLeast:)``), and the
    /// path filter's of a dropout (``PathModel/dropouts(m:cap:lo:hi:gain:ref:segment:)``).
    func holdsSilence(_ ref: [Float], _ s: Segment, _ frames: Range<Int>, captured: Double, share: Double, playedAtLeast: Double = 0) -> Bool {
        let p0 = Int(s.refPosition(atCapture: Double(frames.lowerBound)).rounded(.down))
        let p1 = Int(s.refPosition(atCapture: Double(frames.upperBound)).rounded(.up))
        let expected = heardPower(of: ref, p0..<p1)
        guard expected > 0, expected >= playedAtLeast * capturePower else { return false }
        return captured / Double(frames.count) / expected < share
    }

    /// The mean power per frame the path makes of model frames `span`: the span's periodogram
    /// (half-overlapping frames over it) weighted by the response, or, for a span shorter
    /// than a frame, ``heardPowerThroughTheResponse(of:_:)``. By Parseval a one-sided
    /// periodogram sums to the frame length times the windowed energy, so dividing by that
    /// and by Σ w² over the frames read gives power per frame.
    func heardPower(of ref: [Float], _ span: Range<Int>) -> Double {
        let lo = max(0, span.lowerBound), hi = min(ref.count, span.upperBound)
        guard hi > lo else { return 0 }
        let n = frame
        if hi - lo < n { return heardPowerThroughTheResponse(of: ref, lo..<hi) }
        var starts: [Int] = []
        var at = lo
        while at + n <= hi { starts.append(at); at += n / 2 }
        if starts.last! + n < hi { starts.append(hi - n) }
        var heard = 0.0, weight = 0.0
        for at in starts {
            let p = Self.periodogram(ref, at..<(at + n), clip: lo..<hi, window: window)
            heard += zip(p, gain2).reduce(0) { $0 + $1.0 * $1.1 }
            for i in 0..<n where (lo..<hi).contains(at + i) { weight += window[i] * window[i] }
        }
        return weight > 0 ? heard / Double(n) / weight : 0
    }

    /// ``heardPower(of:_:)`` for a span shorter than a frame: the model around it through the
    /// zero-phase filter of the measured response (``zeroPhaseTaps``, a quarter frame either
    /// side), its mean power over the span. Not the span's periodogram: the span cut out of
    /// the model spreads its spectrum, and the spread lies where the path passes. A short log
    /// sweep's 2.3–4.1 kHz (244 frames at 22.05 kHz), which the 2 kHz low-pass removes, was
    /// heard at 0.14 of what the cut-out predicted through the passband, and read as replaced.
    func heardPowerThroughTheResponse(of ref: [Float], _ span: Range<Int>) -> Double {
        var e = 0.0
        for t in span {
            let y = throughTheResponse(ref, at: t)
            e += y * y
        }
        return e / Double(span.count)
    }

    /// What the response makes of `ref` at its frame `t` (``zeroPhaseTaps`` centred there,
    /// nothing beyond its ends).
    func throughTheResponse(_ ref: [Float], at t: Int) -> Double {
        let h = zeroPhaseTaps, reach = h.count / 2
        let lo = max(0, reach - t), hi = min(h.count, ref.count - t + reach)
        var y = 0.0
        if hi > lo { for j in lo..<hi { y += h[j] * Double(ref[t + j - reach]) } }
        return y
    }

    /// The zero-phase filter whose power response is `gain2` on a frame of `n`: 2·reach + 1
    /// taps, Hann-windowed.
    static func zeroPhase(power gain2: [Double], frame n: Int, reach: Int) -> [Double] {
        let fft = RealFFT.of(size: n)
        let b = RealFFT.Buffers(size: n)
        let spec = b.spectrum
        for k in spec.indices { spec[k] = (k < gain2.count ? max(0, gain2[k]).squareRoot() : 0, 0) }
        return PathModel.zeroPhaseTaps(fromMagnitudes: b, fft, reach: reach)
    }

    /// What `captured` (an energy over `frames` capture frames) is as a share of the power
    /// the path makes of model frames `span` (``heardPower(of:_:)``); nil where it makes none.
    func heardShare(captured: Double, frames: Int, of ref: [Float], _ span: Range<Int>) -> Double? {
        let expected = heardPower(of: ref, span)
        guard expected > 0, frames > 0 else { return nil }
        return captured / Double(frames) / expected
    }

    /// The unmeasured bins (nil) given the larger of their nearest measured neighbours'
    /// values; nil when no bin is measured.
    static func filled(_ x: [Double?]) -> [Double]? {
        guard x.contains(where: { $0 != nil }) else { return nil }
        return zip(x, nearestMeasured(x)).map { v, n in v ?? [n.below, n.above].compactMap { $0 }.max()! }
    }

    /// The unmeasured bins (nil) given the smaller of their nearest measured neighbours'
    /// values, 0 where they have one on one side only; nil when no bin is measured.
    static func filledWithin(_ x: [Double?]) -> [Double]? {
        guard x.contains(where: { $0 != nil }) else { return nil }
        return zip(x, nearestMeasured(x)).map { v, n in v ?? (n.below.flatMap { l in n.above.map { min(l, $0) } } ?? 0) }
    }

    /// For each bin of `x`, the value of the nearest measured (non-nil) bin at or below it and
    /// at or above it.
    static func nearestMeasured(_ x: [Double?]) -> [(below: Double?, above: Double?)] {
        var below = [Double?](repeating: nil, count: x.count), above = below
        var last: Double?
        for k in x.indices { if let v = x[k] { last = v }; below[k] = last }
        last = nil
        for k in x.indices.reversed() { if let v = x[k] { last = v }; above[k] = last }
        return Array(zip(below, above))
    }

    /// The Hann window over the longest frame, computed once.
    static let longestWindow = hann(longestFrame)

    static func hann(_ n: Int) -> [Double] { (0..<n).map { 0.5 - 0.5 * cos(2 * Double.pi * (Double($0) + 0.5) / Double(n)) } }

    /// The Hann window over `n` frames (the longest frame's computed once).
    static func window(_ n: Int) -> [Double] { n == longestFrame ? longestWindow : hann(n) }

    /// The mean periodogram over `range` in half-overlapping frames of `frame`, the last one
    /// ending where the range ends: the range's last frames are measured too. (A short log
    /// sweep's top, the last 40-111 frames of its reference, lay after the last whole frame;
    /// its bins took the passband's response from their neighbours, and the silence the
    /// 2 kHz low-pass leaves there read as a replacement.)
    static func welch(_ x: [Float], _ range: Range<Int>, frame: Int, window: [Double]) -> [Double] {
        var sum = [Double](repeating: 0, count: frame / 2 + 1)
        var starts: [Int] = []
        var at = range.lowerBound
        while at + frame <= range.upperBound { starts.append(at); at += frame / 2 }
        if let last = starts.last, last + frame < range.upperBound { starts.append(range.upperBound - frame) }
        for at in starts {
            let p = periodogram(x, at..<(at + frame), clip: range, window: window)
            for k in sum.indices { sum[k] += p[k] }
        }
        return starts.isEmpty ? sum : sum.map { $0 / Double(starts.count) }
    }

    /// |X|² of the Hann-windowed frame `r` of `x` (frames outside `clip` or `x` read as zero),
    /// one-sided (the bins between DC and Nyquist doubled), so that its sum is the windowed
    /// frame's energy times the frame length.
    static func periodogram(_ x: [Float], _ r: Range<Int>, clip: Range<Int>, window: [Double]) -> [Double] {
        let frame = window.count
        let fft = RealFFT.of(size: frame)
        let b = RealFFT.Buffers(size: frame)
        let s = b.samples
        for i in 0..<frame {
            let t = r.lowerBound + i
            s[i] = t >= 0 && t < x.count && t < r.upperBound && clip.contains(t) ? Double(x[t]) * window[i] : 0
        }
        fft.forward(b)
        let sp = b.spectrum
        return (0..<sp.count).map { k in
            let p = sp[k].0 * sp[k].0 + sp[k].1 * sp[k].1
            return k == 0 || k == frame / 2 ? p : 2 * p
        }
    }
}
