// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// Band-limited interpolation with a Kaiser-windowed sinc, tabulated in phases.
///
/// `value(at:)` evaluates a sampled signal at a fractional position, as if it had been
/// upsampled without limit: the tool for sub-sample delays, both for correlation peaks
/// and for shifting a reference by a fractional delay.
public struct SincInterpolator: Sendable {
    /// Taps on each side of the point.
    public let halfWidth: Int
    private let phases: Int
    private let table: [Float]  // phases+1 rows of 2*halfWidth taps

    /// - Parameters:
    ///   - halfWidth: taps on each side (16 gives about -80 dB at 0.8 × Nyquist).
    ///   - phases: table resolution between samples; linear interpolation between phases.
    public init(halfWidth: Int = 16, phases: Int = 512, beta: Double = 9.0) {
        self.halfWidth = halfWidth
        self.phases = phases
        table = Self.cachedTable(halfWidth: halfWidth, phases: phases, beta: beta)
    }

    private struct TableKey: Hashable { var halfWidth: Int, phases: Int, beta: UInt64 }
    nonisolated(unsafe) private static var tables: [TableKey: [Float]] = [:]
    private static let tablesLock = NSLock()

    /// The table of one (half width, phases, beta), computed once per process: every analysis
    /// makes an interpolator, and the table (65 600 sines and Bessel functions at the analyzer's
    /// size) cost more than a short capture's interpolations.
    private static func cachedTable(halfWidth: Int, phases: Int, beta: Double) -> [Float] {
        let key = TableKey(halfWidth: halfWidth, phases: phases, beta: beta.bitPattern)
        tablesLock.lock()
        defer { tablesLock.unlock() }
        if let t = tables[key] { return t }
        let t = makeTable(halfWidth: halfWidth, phases: phases, beta: beta)
        tables[key] = t
        return t
    }

    private static func makeTable(halfWidth: Int, phases: Int, beta: Double) -> [Float] {
        let taps = 2 * halfWidth
        var t = [Float](repeating: 0, count: (phases + 1) * taps)
        let i0b = SincInterpolator.besselI0(beta)
        for p in 0...phases {
            let frac = Double(p) / Double(phases)
            var row = [Double](repeating: 0, count: taps)
            for k in 0..<taps {
                // tap k sits at integer offset (k - halfWidth + 1); distance from the point:
                let x = Double(k - halfWidth + 1) - frac
                let sinc = x == 0 ? 1.0 : sin(Double.pi * x) / (Double.pi * x)
                let r = x / Double(halfWidth)
                let w = abs(r) >= 1 ? 0 : SincInterpolator.besselI0(beta * (1 - r * r).squareRoot()) / i0b
                row[k] = sinc * w
            }
            // Each phase's taps sum to exactly 1. Unnormalised, the windowed sinc's gain at
            // zero frequency dips between whole lags (exactly 1 on them; down by up to 8e-6
            // at ±32 taps, 1.1e-5 at ±16, β = 9). A sweep's lowest octave has a correlation
            // peak flatter than that over a frame, so a maximiser over fractional lags was
            // pulled onto whole lags (docs/analyzer.md, "Interpolation").
            let sum = row.reduce(0, +)
            for k in 0..<taps { t[p * taps + k] = Float(row[k] / sum) }
        }
        return t
    }

    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0
        var k = 1.0
        while term > 1e-12 * sum {
            term *= (x / (2 * k)) * (x / (2 * k))
            sum += term
            k += 1
        }
        return sum
    }

    /// The signal's value at position `x` (samples); zero outside the signal.
    @inline(__always)
    public func value(at x: Double, in s: UnsafeBufferPointer<Float>) -> Double {
        let base = Int(x.rounded(.down))
        let frac = x - Double(base)
        let fp = frac * Double(phases)
        var p = Int(fp)
        if p >= phases { p = phases - 1 }
        let mu = Float(fp - Double(p))
        let taps = 2 * halfWidth
        let start = base - halfWidth + 1
        var acc0: Float = 0, acc1: Float = 0
        table.withUnsafeBufferPointer { tb in
            let r0 = p * taps, r1 = (p + 1) * taps
            if start >= 0 && start + taps <= s.count {
                for k in 0..<taps {
                    let v = s[start + k]
                    acc0 += v * tb[r0 + k]
                    acc1 += v * tb[r1 + k]
                }
            } else {
                for k in 0..<taps {
                    let j = start + k
                    if j < 0 || j >= s.count { continue }
                    let v = s[j]
                    acc0 += v * tb[r0 + k]
                    acc1 += v * tb[r1 + k]
                }
            }
        }
        return Double(acc0 + (acc1 - acc0) * mu)
    }

    /// `value(at: position(t), in: s)` for every t in `frames`, bit for bit: points share the
    /// tap loop (eight or sixteen SIMD lanes where they share a table row, four points'
    /// independent sums otherwise), each summed in the same order as `value(at:in:)` sums it.
    public func values(at frames: Range<Int>, in s: UnsafeBufferPointer<Float>, position: (Int) -> Double) -> [Double] {
        let n = frames.count
        guard n > 0 else { return [] }
        return [Double](unsafeUninitializedCapacity: n) { out, count in
            table.withUnsafeBufferPointer { tb in
                let o = out.baseAddress!
                func byFour(_ i: Int) {
                    let t = frames.lowerBound + i
                    if !self.four(at: (position(t), position(t + 1), position(t + 2), position(t + 3)), in: s, table: tb, into: o + i) {
                        for q in 0..<4 { out[i + q] = value(at: position(t + q), in: s) }
                    }
                }
                // Eight points a constant number of frames apart at one phase (no drift) take
                // one SIMD lane each, and two such eights at one row share the table's taps
                // (twice the independent sums: the loop is bound by their additions'
                // latency); otherwise (drift, an end) the eight go four at a time.
                var i = 0
                var ahead: Octet?? = nil   // the octet at `i`, when the last pass placed it
                while i + 8 <= n {
                    let here = ahead ?? octet(at: frames.lowerBound + i, count: s.count, position: position)
                    ahead = nil
                    guard let a = here else { byFour(i); byFour(i + 4); i += 8; continue }
                    if i + 16 <= n {
                        let next = octet(at: frames.lowerBound + i + 8, count: s.count, position: position)
                        if let b = next, b.row == a.row, b.stride == a.stride {
                            sixteen(a, b, in: s, table: tb, into: o + i)
                            i += 16
                            continue
                        }
                        ahead = .some(next)
                    }
                    eight(a, in: s, table: tb, into: o + i)
                    i += 8
                }
                while i + 4 <= n { byFour(i); i += 4 }
                while i < n { out[i] = value(at: position(frames.lowerBound + i), in: s); i += 1 }
            }
            count = n
        }
    }

    /// `values(at:in:position:)` of up to eight signals at once, interleaved lane by lane in
    /// `s` (sample i of signal k is `s[i][k]`): `out[t][k]` is, bit for bit, the `Float` sum
    /// `value(at: position(t), in: signal k)` converts to `Double`. Each tap's sample and
    /// table row are read once for all eight (the powers of a reference a memoryless curve is
    /// fitted on: seven signals at one line, where seven passes each read the table again).
    public func laneValues(at frames: Range<Int>, in s: UnsafeBufferPointer<SIMD8<Float>>, position: (Int) -> Double) -> [SIMD8<Float>] {
        let n = frames.count
        guard n > 0 else { return [] }
        let taps = 2 * halfWidth
        return [SIMD8<Float>](unsafeUninitializedCapacity: n) { out, count in
            table.withUnsafeBufferPointer { tb in
                let tp = tb.baseAddress!
                // Taps outside the signal add nothing, as in `value(at:in:)`.
                func one(_ i: Int, _ at: (start: Int, row: Int, mu: Float)) {
                    let kLo = max(0, -at.start), kHi = min(taps, s.count - at.start)
                    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
                    if kLo < kHi {
                        let sp = s.baseAddress! + at.start, r0 = tp + at.row, r1 = r0 + taps
                        for k in kLo..<kHi {
                            let v = sp[k]
                            a0 += v * SIMD8(repeating: r0[k])
                            a1 += v * SIMD8(repeating: r1[k])
                        }
                    }
                    (out.baseAddress! + i).initialize(to: a0 + (a1 - a0) * SIMD8(repeating: at.mu))
                }
                let interior = { (at: (start: Int, row: Int, mu: Float)) in at.start >= 0 && at.start + taps <= s.count }
                var i = 0
                while i < n {
                    let at = place(position(frames.lowerBound + i))
                    // Two interior points share the tap loop: twice the independent sums (the
                    // loop is bound by their additions' latency), each lane summed as `one` sums it.
                    if i + 1 < n, interior(at), case let bt = place(position(frames.lowerBound + i + 1)), interior(bt) {
                        let sa = s.baseAddress! + at.start, ra0 = tp + at.row, ra1 = ra0 + taps
                        let sb = s.baseAddress! + bt.start, rb0 = tp + bt.row, rb1 = rb0 + taps
                        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b0 = SIMD8<Float>(), b1 = SIMD8<Float>()
                        for k in 0..<taps {
                            let v = sa[k], w = sb[k]
                            a0 += v * SIMD8(repeating: ra0[k])
                            a1 += v * SIMD8(repeating: ra1[k])
                            b0 += w * SIMD8(repeating: rb0[k])
                            b1 += w * SIMD8(repeating: rb1[k])
                        }
                        (out.baseAddress! + i).initialize(to: a0 + (a1 - a0) * SIMD8(repeating: at.mu))
                        (out.baseAddress! + i + 1).initialize(to: b0 + (b1 - b0) * SIMD8(repeating: bt.mu))
                        i += 2
                        continue
                    }
                    one(i, at)
                    i += 1
                }
            }
            count = n
        }
    }

    /// Where `value(at: x)` reads: the first tap's sample, the table row, and the blend between rows.
    @inline(__always)
    private func place(_ x: Double) -> (start: Int, row: Int, mu: Float) {
        let base = Int(x.rounded(.down))
        let fp = (x - Double(base)) * Double(phases)
        var p = Int(fp)
        if p >= phases { p = phases - 1 }
        return (base - halfWidth + 1, p * 2 * halfWidth, Float(fp - Double(p)))
    }

    /// Where eight interior points read whose taps start a constant number of frames apart
    /// and share a table row (an alignment without drift, read every frame or every few
    /// frames): the first tap's sample, the stride, the row and each point's blend.
    private struct Octet { var start: Int, stride: Int, row: Int, mu: SIMD8<Float> }

    /// The octet of points `t ..< t + 8` in a signal of `count` samples, or nil when they do
    /// not share a row at a constant stride or a tap falls outside the signal.
    @inline(__always)
    private func octet(at t: Int, count: Int, position: (Int) -> Double) -> Octet? {
        let taps = 2 * halfWidth
        let first = place(position(t))
        guard first.start >= 0 else { return nil }
        let second = place(position(t + 1))
        let stride = second.start - first.start
        guard stride >= 1, first.start + 7 * stride + taps <= count, second.row == first.row else { return nil }
        // Each blend in a register of its own: written into a vector lane by lane, the vector
        // went through memory on every lane (a stalled store forward each).
        @inline(__always) func mu(_ q: Int) -> Float? {
            let p = place(position(t + q))
            return p.start == first.start + q * stride && p.row == first.row ? p.mu : nil
        }
        guard let m2 = mu(2), let m3 = mu(3), let m4 = mu(4), let m5 = mu(5), let m6 = mu(6), let m7 = mu(7) else { return nil }
        return Octet(start: first.start, stride: stride, row: first.row, mu: SIMD8(first.mu, second.mu, m2, m3, m4, m5, m6, m7))
    }

    /// The eight samples tap `k` of octet `o` reads, one lane each.
    @inline(__always)
    private func samples(_ o: Octet, _ k: Int, in s: UnsafeBufferPointer<Float>) -> SIMD8<Float> {
        let p = s.baseAddress! + o.start + k
        if o.stride == 1 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        let d = o.stride
        return SIMD8(p[0], p[d], p[2 * d], p[3 * d], p[4 * d], p[5 * d], p[6 * d], p[7 * d])
    }

    /// Octet `o`'s eight values into `out[0..<8]`, lane by lane the sums `value(at:)` makes.
    @inline(__always)
    private func eight(_ o: Octet, in s: UnsafeBufferPointer<Float>, table tb: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Double>) {
        let taps = 2 * halfWidth
        let r0 = tb.baseAddress! + o.row, r1 = r0 + taps
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
        for k in 0..<taps {
            let v = samples(o, k, in: s)
            a0 += v * SIMD8(repeating: r0[k])
            a1 += v * SIMD8(repeating: r1[k])
        }
        let r = a0 + (a1 - a0) * o.mu
        for q in 0..<8 { out[q] = Double(r[q]) }
    }

    /// Two octets at one row and stride into `out[0..<16]`: each tap's table entries read once
    /// for both, every lane summed as ``eight(_:in:table:into:)`` sums it.
    @inline(__always)
    private func sixteen(_ a: Octet, _ b: Octet, in s: UnsafeBufferPointer<Float>, table tb: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Double>) {
        let taps = 2 * halfWidth
        let r0 = tb.baseAddress! + a.row, r1 = r0 + taps
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b0 = SIMD8<Float>(), b1 = SIMD8<Float>()
        for k in 0..<taps {
            let v = samples(a, k, in: s), w = samples(b, k, in: s)
            let t0 = SIMD8(repeating: r0[k]), t1 = SIMD8(repeating: r1[k])
            a0 += v * t0
            a1 += v * t1
            b0 += w * t0
            b1 += w * t1
        }
        let ra = a0 + (a1 - a0) * a.mu, rb = b0 + (b1 - b0) * b.mu
        for q in 0..<8 { out[q] = Double(ra[q]); out[8 + q] = Double(rb[q]) }
    }

    /// Four interior points (every tap inside `s`) into `out[0..<4]`; false, writing nothing, when one is not interior.
    @inline(__always)
    private func four(at x: (Double, Double, Double, Double), in s: UnsafeBufferPointer<Float>, table tb: UnsafeBufferPointer<Float>,
                      into out: UnsafeMutablePointer<Double>) -> Bool {
        let taps = 2 * halfWidth
        let a = place(x.0), b = place(x.1), c = place(x.2), d = place(x.3)
        let first = min(min(a.start, b.start), min(c.start, d.start)), last = max(max(a.start, b.start), max(c.start, d.start))
        guard first >= 0, last + taps <= s.count else { return false }
        let sp = s.baseAddress!, tp = tb.baseAddress!
        var a0: Float = 0, a1: Float = 0, b0: Float = 0, b1: Float = 0, c0: Float = 0, c1: Float = 0, d0: Float = 0, d1: Float = 0
        for k in 0..<taps {
            let va = sp[a.start + k], vb = sp[b.start + k], vc = sp[c.start + k], vd = sp[d.start + k]
            a0 += va * tp[a.row + k]; a1 += va * tp[a.row + taps + k]
            b0 += vb * tp[b.row + k]; b1 += vb * tp[b.row + taps + k]
            c0 += vc * tp[c.row + k]; c1 += vc * tp[c.row + taps + k]
            d0 += vd * tp[d.row + k]; d1 += vd * tp[d.row + taps + k]
        }
        out[0] = Double(a0 + (a1 - a0) * a.mu)
        out[1] = Double(b0 + (b1 - b0) * b.mu)
        out[2] = Double(c0 + (c1 - c0) * c.mu)
        out[3] = Double(d0 + (d1 - d0) * d.mu)
        return true
    }

    /// The value at `x` of the band-limited signal made of only the samples in `valid`
    /// (the others taken as zero): a signal that starts or stops at a sample.
    public func value(at x: Double, in s: UnsafeBufferPointer<Float>, valid: Range<Int>) -> Double {
        let v = valid.clamped(to: 0..<s.count)
        return sum(at: x, valid: v) { Double(s[$0]) }
    }

    /// The signal's value at `x`, for a sequence of `Double` (correlations); zero outside.
    public func value(at x: Double, in s: [Double]) -> Double {
        s.withUnsafeBufferPointer { sb in sum(at: x, valid: 0..<sb.count) { sb[$0] } }
    }

    /// The interpolation sum in double precision over the samples in `valid`.
    @inline(__always)
    private func sum(at x: Double, valid: Range<Int>, _ sample: (Int) -> Double) -> Double {
        let base = Int(x.rounded(.down))
        let fp = (x - Double(base)) * Double(phases)
        var p = Int(fp)
        if p >= phases { p = phases - 1 }
        let mu = fp - Double(p)
        let taps = 2 * halfWidth
        let start = base - halfWidth + 1
        let kLo = max(0, valid.lowerBound - start), kHi = min(taps, valid.upperBound - start)
        guard kLo < kHi else { return 0 }
        var acc0 = 0.0, acc1 = 0.0
        table.withUnsafeBufferPointer { tb in
            let r0 = p * taps, r1 = (p + 1) * taps
            for k in kLo..<kHi {
                let v = sample(start + k)
                acc0 += v * Double(tb[r0 + k])
                acc1 += v * Double(tb[r1 + k])
            }
        }
        return acc0 + (acc1 - acc0) * mu
    }

    /// How far either side of its centre ``maximize(around:_:)`` searches (samples).
    public static let maximizeReach = 1.0

    /// Maximises `f` over [center − 1, center + 1] (``maximizeReach``): a 1/8-sample scan, then golden-section.
    public static func maximize(around center: Double, _ f: (Double) -> Double) -> (position: Double, value: Double) {
        var bestX = center, bestV = f(center)
        let steps = Int(maximizeReach * 8)
        for step in -steps...steps where step != 0 {
            let x = center + Double(step) / 8
            let v = f(x)
            if v > bestV { bestV = v; bestX = x }
        }
        var a = bestX - 0.125, b = bestX + 0.125
        let g = (5.0.squareRoot() - 1) / 2
        var c = b - g * (b - a), d = a + g * (b - a)
        var fc = f(c), fd = f(d)
        for _ in 0..<30 {
            if fc > fd { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c) }
            else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d) }
        }
        let x = (a + b) / 2
        return (x, f(x))
    }

    /// Finds the maximum of |s| near index `i` to sub-sample precision, by band-limited
    /// interpolation of `s` and a golden-section search over ±1 sample.
    ///
    /// - Returns: the position of the peak (in index units) and the interpolated value there.
    public func refinePeak(of s: [Double], near i: Int) -> (position: Double, value: Double) {
        let sign = s[i] >= 0 ? 1.0 : -1.0
        let r = SincInterpolator.maximize(around: Double(i)) { sign * value(at: $0, in: s) }
        return (r.position, sign * r.value)
    }
}
