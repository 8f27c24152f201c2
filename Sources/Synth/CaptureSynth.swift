// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import Foundation
import LoopbenchCore

/// Builds captures with known ground truth (used by the tests, the fixtures script and `loopbench synth`): a delay, drift, noise, and edits to the played
/// stream (gaps, drops, repeats, replacements) and clicks, at known frames.
///
/// It uses its own interpolation (FFT phase shift, and a 129-tap windowed sinc for drift),
/// independent of the analyzer's.
public struct CaptureSynth: Sendable {
    /// An edit to the played stream, at a position in the reference.
    public enum Edit: Sendable, Equatable {
        case gap(at: Int, frames: Int)
        case drop(at: Int, frames: Int)
        case `repeat`(at: Int, frames: Int)
        /// `gap` frames of silence stand where `missing` frames of the reference should be.
        case replace(at: Int, gap: Int, missing: Int)

        public var at: Int {
            switch self {
            case .gap(let a, _), .drop(let a, _), .repeat(let a, _), .replace(let a, _, _): a
            }
        }
    }

    /// The expected event, at a capture frame (rounded).
    public struct Truth: Sendable, Equatable, Codable {
        public var kind: Event.Kind
        public var captureSample: Int
        public var size: Int
        public init(kind: Event.Kind, captureSample: Int, size: Int) {
            self.kind = kind
            self.captureSample = captureSample
            self.size = size
        }
        enum CodingKeys: String, CodingKey {
            case kind
            case captureSample = "capture_sample"
            case size = "size_samples"
        }
    }

    public var reference: [Float]
    public var delay: Double
    public var driftPPM: Double = 0
    public var snrDB: Double? = nil
    public var edits: [Edit] = []
    /// A single-sample click added to the capture.
    public struct Click: Sendable, Equatable {
        public var frame: Int
        public var amplitude: Float
        public init(frame: Int, amplitude: Float) {
            self.frame = frame
            self.amplitude = amplitude
        }
    }

    /// Clicks: capture frame and amplitude (added to the capture).
    public var clicks: [Click] = []
    public var gain: Float = 1
    public var tail: Int = 4800
    public var seed: UInt64 = 1

    public init(reference: [Float], delay: Double) {
        self.reference = reference
        self.delay = delay
    }

    /// The played stream after the edits, and the truth events in played-stream frames.
    public func played() -> ([Float], [Truth]) {
        var out: [Float] = []
        var truths: [Truth] = []
        var pos = 0
        for e in edits.sorted(by: { $0.at < $1.at }) {
            let q = e.at
            out += reference[pos..<q]
            pos = q
            switch e {
            case .gap(_, let k):
                truths.append(Truth(kind: .gap, captureSample: out.count, size: k))
                out += [Float](repeating: 0, count: k)
            case .drop(_, let k):
                truths.append(Truth(kind: .drop, captureSample: out.count, size: k))
                pos += k
            case .repeat(_, let k):
                truths.append(Truth(kind: .repeat, captureSample: out.count, size: k))
                out += reference[(q - k)..<q]
            case .replace(_, let g, let mm):
                truths.append(Truth(kind: .gap, captureSample: out.count, size: g))
                truths.append(Truth(kind: .drop, captureSample: out.count, size: mm))
                out += [Float](repeating: 0, count: g)
                pos += mm
            }
        }
        out += reference[pos...]
        return (out, truths)
    }

    /// The capture and the truth events in capture frames.
    public func make() -> (capture: [Float], truth: [Truth]) {
        let (p, truths) = played()
        let total = Int(delay.rounded(.up)) + Int(Double(p.count) * (1 + driftPPM * 1e-6)) + tail
        var cap: [Float]
        if driftPPM == 0 {
            cap = CaptureSynth.fractionalDelay(p, by: delay, length: total)
        } else {
            cap = CaptureSynth.resample(p, delay: delay, stretch: 1 + driftPPM * 1e-6, length: total)
        }
        if gain != 1 { for i in cap.indices { cap[i] *= gain } }
        if let snrDB {
            // Signal power over the active span of the played signal.
            let a = max(0, Int(delay)), b = min(cap.count, a + p.count)
            var pw = 0.0
            for i in a..<b { pw += Double(cap[i]) * Double(cap[i]) }
            pw /= Double(max(1, b - a))
            let sigma = (pw / pow(10, snrDB / 10)).squareRoot()
            var rng = SeededRandom(seed: seed)
            for i in cap.indices { cap[i] += Float(sigma * rng.gaussian()) }
        }
        for c in clicks where c.frame < cap.count { cap[c.frame] += c.amplitude }
        let shift = { (x: Int) -> Int in Int((self.delay + Double(x) * (1 + self.driftPPM * 1e-6)).rounded()) }
        var t = truths.map { Truth(kind: $0.kind, captureSample: shift($0.captureSample), size: $0.size) }
        t += clicks.map { Truth(kind: .click, captureSample: $0.frame, size: 1) }
        return (cap, t.sorted { $0.captureSample < $1.captureSample })
    }

    /// `x` delayed by `d` samples (any real d ≥ 0), by a phase shift in the frequency domain.
    public static func fractionalDelay(_ x: [Float], by d: Double, length: Int) -> [Float] {
        let size = RealFFT.goodSize(atLeast: length + 2048)
        let fft = RealFFT.of(size: size)
        let buf = RealFFT.Buffers(size: size)
        let s = buf.samples
        for i in 0..<size { s[i] = i < x.count ? Double(x[i]) : 0 }
        fft.forward(buf)
        let sp = buf.spectrum
        for k in 0..<sp.count {
            let w = -2 * Double.pi * Double(k) * d / Double(size)
            let (re, im) = sp[k]
            let c = cos(w), sn = sin(w)
            sp[k] = (re * c - im * sn, re * sn + im * c)
        }
        if size % 2 == 0 { sp[sp.count - 1].1 = 0 }
        fft.inverse(buf)
        return (0..<length).map { Float(s[$0] / Double(size)) }
    }

    /// out[t] = x((t − delay) / stretch), band-limited (129-tap Kaiser sinc, β = 10).
    ///
    /// One sine per output frame: at the taps j = base − 63 … base + 64 about p = base + f,
    /// sin(π(p − j)) = (−1)^(j − base)·sin(πf) exactly, and the window comes from a table
    /// (``kaiserWindow``). Both were computed tap by tap before (a sine and a 30-term Bessel
    /// series each, 128 taps a frame): a fifth of the test suite's time went here, and the
    /// output moves by at most two units in Float's last place, one measured (`syntheticResampleIsTheSum`).
    public static func resample(_ x: [Float], delay: Double, stretch: Double, length: Int) -> [Float] {
        let half = kaiserHalfTaps
        let window = kaiserWindow
        let steps = Double(window.count - 1)
        var out = [Float](repeating: 0, count: length)
        for t in 0..<length {
            let p = (Double(t) - delay) / stretch
            if p < -Double(half) || p > Double(x.count + half) { continue }
            let base = Int(p.rounded(.down))
            let sf = sin(Double.pi * (p - Double(base)))
            var acc = 0.0
            let lo = max(0, base - half + 1), hi = min(x.count - 1, base + half)
            guard lo <= hi else { continue }
            for j in lo...hi {
                let u = p - Double(j)
                let odd = (j - base) & 1 != 0
                let sinc = abs(u) < 1e-12 ? 1.0 : (odd ? -sf : sf) / (Double.pi * u)
                let r = abs(u) / Double(half) * steps
                let i = Int(r)
                let win = i >= window.count - 1 ? 0 : window[i] + (window[i + 1] - window[i]) * (r - Double(i))
                acc += Double(x[j]) * sinc * win
            }
            out[t] = Float(acc)
        }
        return out
    }

    /// The resampler's half length: 64 taps either side (129 with the centre).
    static let kaiserHalfTaps = 64

    /// The Kaiser window I0(β√(1 − r²))/I0(β), β = 10, at r = 0, 1/2¹⁶, …, 1: linear
    /// interpolation between its points is within 10⁻⁹ of the window (its curvature is at
    /// most β²/4 ≈ 25; 25/(8·2³²) ≈ 7·10⁻¹⁰), far under Float's resolution.
    static let kaiserWindow: [Double] = {
        let beta = kaiserBeta, ib = besselI0(beta), n = 1 << 16
        return (0...n).map { k in
            let r = Double(k) / Double(n)
            return k == n ? 0 : besselI0(beta * (1 - r * r).squareRoot()) / ib
        }
    }()

    /// The window's shape parameter β.
    static let kaiserBeta = 10.0

    /// The modified Bessel function of the first kind, order 0, by its series (to 10⁻¹⁴).
    static func besselI0(_ v: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        while term > 1e-14 * sum { term *= (v / (2 * k)) * (v / (2 * k)); sum += term; k += 1 }
        return sum
    }

    /// The same sum computed tap by tap (a sine and the Bessel series at every tap): the
    /// definition ``resample(_:delay:stretch:length:)`` is checked against, slow.
    public static func resampleByDefinition(_ x: [Float], delay: Double, stretch: Double, length: Int) -> [Float] {
        let half = kaiserHalfTaps
        let beta = kaiserBeta, ib = besselI0(beta)
        var out = [Float](repeating: 0, count: length)
        for t in 0..<length {
            let p = (Double(t) - delay) / stretch
            if p < -Double(half) || p > Double(x.count + half) { continue }
            let base = Int(p.rounded(.down))
            var acc = 0.0
            for j in (base - half + 1)...(base + half) where j >= 0 && j < x.count {
                let u = p - Double(j)
                let sinc = abs(u) < 1e-12 ? 1.0 : sin(Double.pi * u) / (Double.pi * u)
                let r = u / Double(half)
                let win = abs(r) >= 1 ? 0 : besselI0(beta * (1 - r * r).squareRoot()) / ib
                acc += Double(x[j]) * sinc * win
            }
            out[t] = Float(acc)
        }
        return out
    }
}
