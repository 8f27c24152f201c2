// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

// The whole-signal find under drift, piece by piece. Drift ε slips a reference of n frames
// past itself by εn frames, so its whole-signal correlation has no single peak: each stretch
// of it peaks at its own lag. Where the reference is a train of short sweeps (the analyzer's
// own probe), those lags are a few chirps each, and between them every pairing of one chirp
// with a later one of the same direction spreads its own energy: summed over the lags 1000
// ppm spans (``RoundTripAnalysis/smearedPeak``), a box 7100 lags off held twice the energy
// of the true one. A short piece of the reference slips by a frame or two at most, and
// correlates with the capture in one sharp peak at its own delay; pieces that agree on a
// line of at most ``AnalyzerTuning/clusterDrift`` slope are the reference's alignment.
extension RoundTripAnalysis {
    /// One piece of the reference found in the capture: where it starts in the reference,
    /// the delay its correlation peaks at, the peak's height over the correlation's noise,
    /// and its sign.
    struct FoundPiece {
        var start: Int
        var delay: Double
        var z: Double
        /// Its normalised correlation: the peak over √(piece energy · capture energy where it lies).
        var rho: Double
        var sign: Double
        /// The capture's energy where it lies (where known).
        var captureEnergy = 0.0
    }

    /// The find from pieces of the reference, where the whole-signal correlation has no
    /// peak (`find` refused): its lag is where the agreeing pieces' line puts the
    /// reference's middle, its z and normalised correlation their medians, its polarity their sign; marked
    /// ``GlobalFind/smeared`` (the track must gather the whole-signal correlation again,
    /// ``smearGathered``). Nil for a reference under ``AnalyzerTuning/piecewiseFindMinPieces``
    /// pieces long, or where fewer than ``AnalyzerTuning/piecewiseFindMinAgreeing`` pieces
    /// stand out and agree.
    func piecewisePeak(_ ref: [Float], cap: [Float], _ find: GlobalFind) -> GlobalFind? {
        let len = tuning.piecewiseFindFrames
        guard ref.count >= tuning.piecewiseFindMinPieces * len else { return nil }
        let found = piecesToFind(ref, len: len).compactMap { findPiece(ref, cap: cap, start: $0, len: len, lags: find.lags) }
        guard let agreeing = agreeingPieces(found, len: len), agreeing.count >= tuning.piecewiseFindMinAgreeing else { return nil }
        // The line through the agreeing pieces' delays (at their middles), read at the reference's middle.
        let xs = agreeing.map { Double($0.start + len / 2) }, ys = agreeing.map(\.delay)
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        let slope = sxx > 0 ? sxy / sxx : 0
        let middle = (my + slope * (Double(ref.count) / 2 - mx)).rounded()
        guard middle.isFinite, abs(middle) < Double(Int32.max) else { return nil }
        let lag = Int(middle)
        guard find.lags.contains(lag), let z = Stats.median(agreeing.map(\.z)), let rho = Stats.median(agreeing.map(\.rho)) else { return nil }
        var g = find
        g.peakIndex = lag - find.lags.lowerBound
        g.lag = lag
        (g.z, g.rho) = (z, rho)
        g.smeared = true
        g.foundPolarity = agreeing.map(\.sign).reduce(0, +) >= 0 ? 1 : -1
        return g
    }

    /// Where the pieces start: in each of ``AnalyzerTuning/piecewiseFindPieces`` equal
    /// sections of the reference, the piece (on a grid of `len`) holding the most energy,
    /// so that the pieces span the reference and play something.
    func piecesToFind(_ ref: [Float], len: Int) -> [Int] {
        let slots = ref.count / len
        let sections = min(tuning.piecewiseFindPieces, slots)
        guard sections > 0 else { return [] }
        let energies = (0..<slots).map { k in ref[(k * len)..<((k + 1) * len)].reduce(0.0) { $0 + Double($1) * Double($1) } }
        return (0..<sections).compactMap { s in
            let lo = s * slots / sections, hi = max(lo + 1, (s + 1) * slots / sections)
            guard let k = (lo..<hi).max(by: { energies[$0] < energies[$1] }), energies[k] > 0 else { return nil }
            return k * len
        }
    }

    /// One piece of `len` frames from `start` correlated with the capture over the whole
    /// find's `lags` (as delays); nil where its peak stands under
    /// ``AnalyzerTuning/findZThreshold`` times its correlation's noise.
    func findPiece(_ ref: [Float], cap: [Float], start: Int, len: Int, lags: ClosedRange<Int>) -> FoundPiece? {
        // Capture frames start + lag … start + lag + len for every lag.
        let a = max(0, start + lags.lowerBound), b = min(cap.count, start + lags.upperBound + len)
        guard b - a > len, start + lags.upperBound >= a else { return nil }
        let lo = start + lags.lowerBound - a, hi = start + lags.upperBound - a
        let corr = cap.withUnsafeBufferPointer { c in
            ref.withUnsafeBufferPointer { r in
                Correlation.crossCorrelate(signal: UnsafeBufferPointer(rebasing: c[a..<b]), template: UnsafeBufferPointer(rebasing: r[start..<(start + len)]), lags: lo...hi)
            }
        }
        guard var peak = corr.indices.first else { return nil }
        for i in corr.indices where abs(corr[i]) > abs(corr[peak]) { peak = i }
        let sigma = correlationNoise(corr, awayFrom: peak)
        guard sigma > 0, abs(corr[peak]) >= tuning.findZThreshold * sigma else { return nil }
        let fine = interp.refinePeak(of: corr, near: peak)
        // Index i is capture frame a + lo + i for the piece's first frame.
        let delay = Double(a + lo) + fine.position - Double(start)
        // The capture where the piece lies (clipped to the capture: the lags reach past its end).
        let h0 = min(max(0, a + lo + peak), cap.count), h1 = min(cap.count, max(h0, a + lo + peak + len))
        let heard = energy(Array(cap[h0..<h1])), played = energy(Array(ref[start..<(start + len)]))
        let rho = heard > 0 && played > 0 ? abs(corr[peak]) / (heard * played).squareRoot() : 0
        return FoundPiece(start: start, delay: delay, z: abs(corr[peak]) / sigma, rho: rho, sign: corr[peak] >= 0 ? 1 : -1)
    }

    /// The largest set of pieces whose delays lie within what ``AnalyzerTuning/clusterDrift``
    /// moves the delay between them (plus ``AnalyzerTuning/piecewiseFindSlack`` and what it
    /// moves inside a piece) of one piece's, the most prominent on ties; nil for none.
    func agreeingPieces(_ found: [FoundPiece], len: Int) -> [FoundPiece]? {
        let slack = tuning.piecewiseFindSlack + tuning.clusterDrift * Double(len)
        let sets = found.map { a in
            found.filter { b in abs(b.delay - a.delay) <= tuning.clusterDrift * Double(abs(b.start - a.start)) + slack }
        }
        return sets.max { x, y in
            x.count != y.count ? x.count < y.count : x.map(\.z).reduce(0, +) < y.map(\.z).reduce(0, +)
        }
    }
}
