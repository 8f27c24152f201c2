// SPDX-License-Identifier: GPL-2.0-or-later
@testable import Analyzer
import Foundation
import Synth
@testable import LoopbenchCore
import Testing

/// The analyzer's fast numeric kernels against the direct formulations they replace: equal bit
/// for bit, so that no measurement changes.
@Suite("Kernels")
struct KernelTests {
    static func noise(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        return (0..<n).map { _ in rng.gaussian() }
    }

    /// The path fit's normal equations as the direct double loop summed them, frame by frame.
    static func direct(m: [Double], cap: [Float], lo: Int, hi: Int, taps: Int) -> (r: [Double], p: [Double], cc: Double, cm: Double, mm: Double) {
        let half = taps / 2
        var r = [Double](repeating: 0, count: taps * taps), p = [Double](repeating: 0, count: taps)
        var cc = 0.0, cm = 0.0, mm = 0.0
        for t in lo..<hi {
            let i = t - lo + half
            let c = Double(cap[t])
            cc += c * c
            cm += c * m[i]
            mm += m[i] * m[i]
            for j in 0..<taps {
                let mj = m[i - (j - half)]
                p[j] += c * mj
                for k in j..<taps { r[j * taps + k] += mj * m[i - (k - half)] }
            }
        }
        for j in 0..<taps { for k in 0..<j { r[j * taps + k] = r[k * taps + j] } }
        return (r, p, cc, cm, mm)
    }

    @Test("the path fit's normal equations: p and the energies equal the direct sums bit for bit, R within 1e-13 of its largest entry", arguments: [33, 5, 1])
    func normalEquationsAreExact(taps: Int) {
        let lo = 40, hi = 1337, half = taps / 2
        let cap = Self.noise(hi + 50, seed: 3).map { Float($0) }
        var m = Self.noise(hi - lo + 2 * half, seed: 4)
        let want = Self.direct(m: m, cap: cap, lo: lo, hi: hi, taps: taps)
        m.append(contentsOf: repeatElement(0, count: NormalEquations.lanes))
        let got = NormalEquations(m: m, cap: cap, lo: lo, hi: hi, taps: taps)
        // R's first row is summed directly; the others follow by the sliding-window recursion.
        #expect(Array(got.r[0..<taps]).map(\.bitPattern) == Array(want.r[0..<taps]).map(\.bitPattern))
        let largest = want.r.map { abs($0) }.max() ?? 0
        let worst = zip(got.r, want.r).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-13 * largest, "worst \(worst) of \(largest)")
        for j in 0..<taps { for k in 0..<taps { #expect(got.r[j * taps + k].bitPattern == got.r[k * taps + j].bitPattern) } }
        #expect(got.p.map(\.bitPattern) == want.p.map(\.bitPattern))
        #expect([got.cc, got.cm, got.mm].map(\.bitPattern) == [want.cc, want.cm, want.mm].map(\.bitPattern))
        #expect(want.r.allSatisfy { $0 != 0 })
    }

    @Test("the median by selection is the sorted list's middle", arguments: [1, 2, 63, 64, 65, 1000, 1001])
    func medianBySelection(count: Int) {
        var xs = Self.noise(count, seed: UInt64(count))
        xs += xs.prefix(count / 3)   // ties
        let s = xs.sorted()
        let want = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        #expect(Stats.median(xs)?.bitPattern == want.bitPattern)
        #expect(Stats.median([]) == nil)
        // The upper median (the correlation noise's rank) likewise, also on magnitudes with zeros.
        #expect(Stats.upperMedian(xs)?.bitPattern == s[s.count / 2].bitPattern)
        let mags = xs.map { abs($0) } + [0, 0, 0]
        #expect(Stats.upperMedian(mags)?.bitPattern == mags.sorted()[mags.count / 2].bitPattern)
        #expect(Stats.upperMedian([]) == nil)
    }

    @Test("selection puts the sorted list's value at its rank, smaller ones before and larger after: ties, runs of one value, sorted and reversed input")
    func selectionIsTheSortedRank() {
        let noise = Self.noise(1500, seed: 21)
        let lists: [[Double]] = [noise, noise.map { ($0 * 3).rounded() }, [Double](repeating: 0.5, count: 700),
                                 noise.sorted(), noise.sorted().reversed(), (0..<300).map { Double($0 % 7) }, [2, 1], [1]]
        for xs in lists {
            let sorted = xs.sorted()
            for k in Set([0, xs.count / 2, xs.count - 1, xs.count / 3]) {
                var a = xs
                let v = a.withUnsafeMutableBufferPointer { Stats.select(k, in: $0) }
                // A zero's sign is the input order's (the medians take the sort for a zero).
                #expect(v == sorted[k] && (v == 0 || v.bitPattern == sorted[k].bitPattern))
                #expect(a[k] == v && a[..<k].allSatisfy { $0 <= v } && a[(k + 1)...].allSatisfy { $0 >= v })
                #expect(a.sorted() == sorted)
            }
        }
    }

    @Test("the tracker's normalisation equals the scalar loop bit for bit, and c/√(e·capE) within a few ulp", arguments: [1.0, -1.0])
    func trackerNormalisationIsExact(polarity: Double) {
        let w = 64, lo = -40, first = -w
        // A reference with a silent stretch (energies at or below the floor) and lags past both ends.
        var ref = Self.noise(700, seed: 8)
        for i in 300..<420 { ref[i] = 0 }
        var pre = [0.0]
        for v in ref { pre.append(pre.last! + v * v) }
        let energy = { (a: Int, b: Int) in pre[max(0, min(ref.count, b))] - pre[max(0, min(ref.count, a))] }
        var corr = Self.noise(801, seed: 9).map { 10 * $0 }
        corr[5] = 0
        corr[6] = -0.0
        let capE = 55.5, minE = 3.0
        let table = TrackerKernels.inverseRootEnergies(first: first, count: lo - first + corr.count, w: w, minE: minE, energy: energy)
        var want = [Double](repeating: 0, count: corr.count), old = want
        for k in 0..<corr.count {
            let e = energy(lo + k, lo + k + w)
            want[k] = max(0, polarity * corr[k] * table[lo + k - first] * (1 / capE.squareRoot())) * polarity
            if e > minE { old[k] = max(0, polarity * corr[k] / (e * capE).squareRoot()) * polarity }
        }
        let got = TrackerKernels.normalised(corr, lo: lo, invRoot: table, first: first, invCapRoot: 1 / capE.squareRoot(), polarity: polarity)
        #expect(got.map(\.bitPattern) == want.map(\.bitPattern))
        #expect(want.contains { $0 != 0 } && want.contains { $0 == 0 })
        // Zero exactly where the old quotient was zero; elsewhere within 4 ulp of it.
        for k in 0..<corr.count {
            #expect((got[k] == 0) == (old[k] == 0))
            #expect(abs(got[k] - old[k]) <= 4 * old[k].ulp)
        }
    }

    @Test("the tracker's candidate peaks are the direct loop's, with zeros, ties, NaN and both ends")
    func trackerLocalMaximaAreExact() {
        var rho = Self.noise(3001, seed: 12).map { 0.3 * $0 }
        for i in 40..<60 { rho[i] = 0 }
        rho[100] = rho[101]
        rho[200] = -rho[199]
        rho[300] = .nan
        rho[0] = 2
        rho[rho.count - 1] = -2
        for r in [rho, [0.5], [0], [], [0.1, -0.1], [Double.nan, 1]] {
            var want: [Int] = []
            for k in 0..<r.count {
                let v = abs(r[k])
                if v > 0, (k == 0 || v >= abs(r[k - 1])), (k == r.count - 1 || v > abs(r[k + 1])) { want.append(k) }
            }
            #expect(TrackerKernels.localMaxima(r) == want)
            // Above a threshold: the same peaks, those at least that large (and the largest
            // magnitude, NaN aside, is the direct loop's).
            for thr in [0.0, 0.1, 0.25, 0.5, 2.0, 3.0] {
                #expect(TrackerKernels.localMaxima(r, atLeast: thr) == want.filter { abs(r[$0]) >= thr }, "threshold \(thr)")
            }
            let top = r.filter { !$0.isNaN }.map(abs).max() ?? 0
            #expect(TrackerKernels.largestMagnitude(r) == top)
            // Without NaN (the tracker's normalised correlation has none) the largest is a peak.
            if top > 0, !r.contains(where: \.isNaN) { #expect(want.contains { abs(r[$0]) == top }, "the largest magnitude is a peak") }
        }
    }

    /// The hum fit at one frequency, one phasor, as `RoundTripAnalysis` made it before it fitted
    /// eight frequencies per SIMD pass.
    static func directSinusoidFit(_ r: [(t: Int, e: Double)], f: Double, fs: Double) -> (a: Double, b: Double) {
        let w = 2 * Double.pi * f / fs
        let step = Double(r[1].t - r[0].t)
        let cw = cos(w * step), sw = sin(w * step)
        var a = 0.0, b = 0.0
        var k = 0
        while k < r.count {
            let end = min(r.count, k + 4096)
            var c = cos(w * Double(r[k].t)), s = sin(w * Double(r[k].t))
            for j in k..<end {
                a += r[j].e * c
                b += r[j].e * s
                (c, s) = (c * cw - s * sw, s * cw + c * sw)
            }
            k = end
        }
        let n = Double(max(1, r.count(where: { $0.e != 0 })))
        return (2 * a / n, 2 * b / n)
    }

    /// The hum fits, eight frequencies per SIMD pass, against the scalar fit at each: equal bit
    /// for bit, on a residual with zeroed stretches and a count that is no multiple of eight.
    @Test("the hum's sinusoid fits equal the scalar fit bit for bit")
    func humFitsAreExact() throws {
        let x = Self.noise(13_001, seed: 9)
        let r = x.enumerated().map { (t: 8 * $0.offset, e: ($0.offset / 700) % 5 == 3 ? 0 : $0.element) }
        let a = RoundTripAnalysis(reference: AudioBuffer(sampleRate: 48000, mono: [0]), capture: AudioBuffer(sampleRate: 48000, mono: [0]), options: .init())
        let frequencies = [50.0, 41, 43, 45, 47, 53, 55, 57, 59, 100, 120.5, 1234.5, 3.0]
        let fast = a.sinusoidFits(r, frequencies: frequencies, fs: 48000)
        #expect(fast.count == frequencies.count)
        for (f, got) in zip(frequencies, fast) {
            let want = Self.directSinusoidFit(r, f: f, fs: 48000)
            #expect(got.a.bitPattern == want.a.bitPattern && got.b.bitPattern == want.b.bitPattern, "\(f) Hz: \(got) against \(want)")
        }
    }
}

/// The tracker's sub-frame refinement on a sweep's lowest octave. There a window's normalised
/// correlation peak is flatter over a frame (~1e-5) than the windowed sinc's gain at zero
/// frequency dipped between whole lags, and the maximiser landed on the whole lag: every
/// window read 1584.000 (the issue's "the first segment's delay is rounded to a whole
/// sample"). The interpolator's phases now each sum to 1; the windows read 0.007–0.074 off.
@Suite("Tracker on a low octave")
struct LowOctaveTrackerTests {
    @Test("a log sweep's first windows (20–60 Hz) at a delay of x.37 read within 0.1 frames of it, not on a whole lag")
    func lowOctaveWindowsAreNotRoundedToWholeLags() {
        let fs = 48000.0, n = 96000
        let k = log(20000 / 20) / Double(n)
        let ref = (0..<n).map { i in Float(0.5 * sin(2 * Double.pi * 20 / (k * fs) * (exp(k * Double(i)) - 1))) }
        var synth = CaptureSynth(reference: ref, delay: 1584.37)
        synth.snrDB = 60
        let cap = synth.make().capture
        let tracker = Tracker(ref: ref, cap: cap, rhoFloor: 0.5)
        var errors: [Double] = []
        for t in stride(from: 4096, through: 14336, by: 1024) {
            let p = t - 1584
            guard let pt = tracker.match(t: t, lo: p - 64, hi: p + 64) else { continue }
            errors.append(abs(pt.d - 1584.37))
        }
        #expect(errors.count >= 8)
        #expect(errors.allSatisfy { $0 <= 0.1 }, "errors \(errors.map { String(format: "%.4f", $0) })")
    }
}
