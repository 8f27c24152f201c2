// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The probe signals loopbench plays.
public enum Stimulus {
    public enum Kind: String, CaseIterable, Sendable, Codable {
        /// A train of short exponential sine sweeps (50–110 ms each, seeded lengths),
        /// alternately up and down and joined without a break, faded in and out: the default. Every 20 ms of it spans well over an octave, so
        /// the delay can be tracked unambiguously through the whole capture, and the whole
        /// train still correlates to one sharp peak for the latency.
        case sweep
        /// One slow exponential (Farina) sine sweep over the whole length, with fades. Best
        /// for impulse responses; locally narrowband, so discontinuities are located less exactly.
        case ess
        /// Maximum-length sequence (binary, ±level).
        case mls
        /// White Gaussian noise, seeded.
        case noise
    }

    /// Parameters of a probe.
    public struct Spec: Sendable, Hashable, Codable {
        public var kind: Kind = .sweep
        public var sampleRate: Int = 48000
        public var seconds: Double = 2
        public var channels: Int = 1
        /// Peak level in dBFS.
        public var levelDB: Double = -6
        /// Sweep start (default: 1 kHz for the chirp train, 50 Hz for `ess`) and end in Hz; the end defaults to 0.40 × the sample rate (19.2 kHz at 48 kHz), which keeps the chirps' fades clear of Nyquist, and at most 20 kHz: a 96 kHz guest's audio usually crosses a 44.1 or 48 kHz mixer, and what sweeps above its Nyquist frequency comes back as aliases, not as the probe.
        public var startHz: Double? = nil
        public var endHz: Double? = nil
        /// Fade-in and fade-out lengths in seconds (sweep only).
        public var fadeSeconds: Double = 0.01
        public var seed: UInt64 = 1

        public init(kind: Kind = .sweep, sampleRate: Int = 48000, seconds: Double = 2, channels: Int = 1, levelDB: Double = -6, seed: UInt64 = 1) {
            self.kind = kind
            self.sampleRate = sampleRate
            self.seconds = seconds
            self.channels = channels
            self.levelDB = levelDB
            self.seed = seed
        }

        /// The sweep's start frequency after defaults.
        public var effectiveStartHz: Double { startHz ?? (kind == .ess ? 50 : min(1000, 0.05 * Double(sampleRate))) }
        /// The sweep's end frequency after defaults.
        public var effectiveEndHz: Double { endHz ?? min(0.40 * Double(sampleRate), 20_000) }

        /// Checks that the parameters make a playable probe.
        public func validate() throws(LoopbenchError) {
            guard sampleRate >= 8000 && sampleRate <= 768_000 else { throw .usage("--rate \(sampleRate): must be between 8000 and 768000 Hz", subject: "rate") }
            guard seconds > 0.05 && seconds <= 3600 else { throw .usage("--seconds \(seconds): must be between 0.05 and 3600", subject: "seconds") }
            guard channels >= 1 && channels <= 32 else { throw .usage("--channels \(channels): must be between 1 and 32", subject: "channels") }
            guard levelDB <= 0 && levelDB >= -60 else { throw .usage("--level \(levelDB): must be between -60 and 0 dBFS", subject: "level") }
            let end = effectiveEndHz
            let start = effectiveStartHz
            guard start > 0, end > start, end < Double(sampleRate) / 2 else {
                throw .usage("sweep range \(start)–\(end) Hz must lie below Nyquist (\(sampleRate / 2) Hz)", subject: "sweep")
            }
        }
    }

    /// Generates the probe as a mono signal.
    public static func mono(_ spec: Spec) -> [Float] {
        recentLock.lock()
        if let hit = recent.first(where: { $0.spec == spec }) { recentLock.unlock(); return hit.samples }
        recentLock.unlock()
        let x = make(spec)
        if x.count <= recentMaxFrames {
            recentLock.lock()
            recent = [(spec, x)] + recent.filter { $0.spec != spec }.prefix(recentCount - 1)
            recentLock.unlock()
        }
        return x
    }

    /// The last few probes made are kept: a sweep plays the same probe in every trial, and
    /// making it costs a sine per frame. Four of up to a minute at 48 kHz (~46 MB at most).
    static let recentCount = 4
    static let recentMaxFrames = 60 * 48000
    nonisolated(unsafe) private static var recent: [(spec: Spec, samples: [Float])] = []
    private static let recentLock = NSLock()

    static func make(_ spec: Spec) -> [Float] {
        let n = Int((spec.seconds * Double(spec.sampleRate)).rounded())
        let amp = pow(10, spec.levelDB / 20)
        var out = [Float](repeating: 0, count: n)
        switch spec.kind {
        case .sweep: chirpTrain(spec, amp: amp, into: &out)
        case .ess: slowSweep(spec, amp: amp, into: &out)
        case .mls: mls(spec, amp: amp, into: &out)
        case .noise:
            var rng = SeededRandom(seed: spec.seed &+ noiseSeedOffset)
            let rms = amp / 3.0  // peaks near the level, clipped at it
            for i in 0..<n { out[i] = Float(max(-amp, min(amp, rms * rng.gaussian()))) }
        }
        return out
    }

    /// The noise probe's generator is seeded away from the plain seed: `loopbench synth`
    /// adds its noise from ``SeededRandom`` at its own seed (1 by default, as the probe's), and
    /// with the same stream the noise it added was the probe itself at delay 0, 20 dB down.
    /// A 2400-frame gap in the noise probe then read as a drop of the delay's 1234 frames and
    /// a repeat of 3634: the analyzer followed that copy through the gap's silence.
    static let noiseSeedOffset: UInt64 = 0x0015_E5EE

    /// The default probe: a train of short log chirps.
    private static func chirpTrain(_ spec: Spec, amp: Double, into out: inout [Float]) {
        let n = out.count
        let fs = Double(spec.sampleRate)
        // Chirps alternate up and down and join with a continuous phase and frequency,
        // so the train never falls silent between them (a silent junction would hide
        // where a gap starts); only the train's two ends are faded.
        let f1 = spec.effectiveStartHz, f2 = spec.effectiveEndHz
        var rng = SeededRandom(seed: spec.seed &+ 0x5EED)
        let R = log(f2 / f1)
        var start = 0
        var previousLengths: [Int] = []
        var up = true
        var phase = 2 * Double.pi * rng.uniform()
        while start < n {
            // Lengths differ by at least 15 % from the last chirp of the same direction,
            // so that no stretch of the train resembles another one nearby. (One
            // excluded interval always leaves room.)
            var len = 0
            repeat {
                len = Int((0.050 + 0.060 * rng.uniform()) * fs)
            } while previousLengths.count >= 2 && abs(Double(previousLengths[previousLengths.count - 2] - len)) < 0.15 * Double(previousLengths[previousLengths.count - 2])
            previousLengths.append(len)
            if n - (start + len) < Int(0.04 * fs) { len = n - start }
            let T = Double(len) / fs
            for i in 0..<len {
                let t = Double(i) / fs
                let ph = up ? 2 * Double.pi * f1 * T / R * (exp(t * R / T) - 1)
                            : 2 * Double.pi * f2 * T / R * (1 - exp(-t * R / T))
                out[start + i] = Float(amp * sin(phase + ph))
            }
            let endPh = up ? 2 * Double.pi * f1 * T / R * (exp(R) - 1) : 2 * Double.pi * f2 * T / R * (1 - exp(-R))
            phase = (phase + endPh).truncatingRemainder(dividingBy: 2 * Double.pi)
            start += len
            up.toggle()
        }
        let fade = min(n / 4, max(1, Int(spec.fadeSeconds * fs)))
        for i in 0..<fade {
            let w = Float(0.5 - 0.5 * cos(Double.pi * Double(i) / Double(fade)))
            out[i] *= w
            out[n - 1 - i] *= w
        }
    }

    /// One slow exponential sweep (ESS) over the whole length, faded at both ends.
    private static func slowSweep(_ spec: Spec, amp: Double, into out: inout [Float]) {
        let n = out.count
        let fs = Double(spec.sampleRate)
        let f1 = spec.effectiveStartHz, f2 = spec.effectiveEndHz
        let T = Double(n) / fs
        let R = log(f2 / f1)
        let k = 2 * Double.pi * f1 * T / R
        let fade = max(1, Int(spec.fadeSeconds * fs))
        for i in 0..<n {
            let t = Double(i) / fs
            var v = sin(k * (exp(t * R / T) - 1))
            if i < fade { v *= 0.5 - 0.5 * cos(Double.pi * Double(i) / Double(fade)) }
            let j = n - 1 - i
            if j < fade { v *= 0.5 - 0.5 * cos(Double.pi * Double(j) / Double(fade)) }
            out[i] = Float(amp * v)
        }
    }

    /// A maximum-length sequence (Fibonacci LFSR), one period covering the length.
    private static func mls(_ spec: Spec, amp: Double, into out: inout [Float]) {
        let n = out.count
        // Order so that one period covers the length (capped at 2^20 - 1, then repeated).
        var order = 10
        while (1 << order) - 1 < n && order < 20 { order += 1 }
        let taps: [Int: [Int]] = [10: [10, 7], 11: [11, 9], 12: [12, 11, 10, 4], 13: [13, 12, 11, 8], 14: [14, 13, 12, 2],
                                  15: [15, 14], 16: [16, 15, 13, 4], 17: [17, 14], 18: [18, 11], 19: [19, 18, 17, 14], 20: [20, 17]]
        var reg: UInt32 = UInt32(truncatingIfNeeded: spec.seed | 1) & ((1 << order) - 1)
        if reg == 0 { reg = 1 }
        let tp = taps[order]!
        for i in 0..<n {
            let bit = reg & 1
            out[i] = Float(bit == 1 ? amp : -amp)
            var fb: UInt32 = 0
            for t in tp { fb ^= (reg >> UInt32(order - t)) & 1 }
            reg = (reg >> 1) | (fb << UInt32(order - 1))
        }
    }

    /// Seed stride between channels of a channel-unique probe: large and odd, so that channel
    /// k of one seed never equals channel j of a nearby seed (repeats use seeds 1, 2, 3, …).
    public static let channelSeedStride: UInt64 = 1_000_003

    /// Whether a kind can tell channels apart by seed (`ess` has no seed: every channel would be the same).
    public static func tellsChannelsApart(_ kind: Kind) -> Bool { kind != .ess }

    /// Generates the probe with a different one on every channel: the same kind, level and
    /// length, channel k drawn from seed `seed + k × channelSeedStride`. Two sweep trains of
    /// different seeds correlate with each other at about 0.05 (normalised), against 1 for the
    /// right one, so each capture channel shows which played channel it carries.
    public static func channelUnique(_ spec: Spec) -> AudioBuffer {
        let chans = (0..<spec.channels).map { k -> [Float] in
            var s = spec
            s.seed = spec.seed &+ UInt64(k) &* channelSeedStride
            return mono(s)
        }
        return AudioBuffer(sampleRate: spec.sampleRate, channels: chans)
    }

    /// Generates the probe with `spec.channels` identical channels.
    public static func generate(_ spec: Spec) -> AudioBuffer {
        let m = mono(spec)
        return AudioBuffer(sampleRate: spec.sampleRate, channels: Array(repeating: m, count: spec.channels))
    }
}

/// A steady sine, block by block with a continuous phase, for `signal --play --tone`: faded in
/// over its first ``fadeSeconds`` so it starts without a click, and faded out over one block
/// on ``finish()``.
public struct ToneGenerator: Sendable {
    public let frequency: Double
    public let amplitude: Double
    public let sampleRate: Int
    public let channels: Int
    /// Fade length (s): 10 ms, long enough to start and stop without a click.
    public static let fadeSeconds = 0.010
    private var frame = 0
    private var phase = 0.0
    private var finishing = false
    public private(set) var finished = false

    public init(frequency: Double, levelDB: Double, sampleRate: Int, channels: Int) {
        self.frequency = frequency
        self.amplitude = pow(10, levelDB / 20)
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// Asks for a fade-out: the next block is the last.
    public mutating func finish() { finishing = true }

    /// The next `frames` frames, interleaved; nil once the fade-out has been given.
    public mutating func next(_ frames: Int) -> [Float]? {
        guard !finished else { return nil }
        let fade = max(1, Int(Self.fadeSeconds * Double(sampleRate)))
        let n = finishing ? min(frames, fade) : frames
        var out = [Float](repeating: 0, count: n * channels)
        let w = 2 * Double.pi * frequency / Double(sampleRate)
        for i in 0..<n {
            let f = frame + i
            // The phase accumulates in Double and wraps at 2π: it stays exact to far below a
            // sample's worth however long the tone runs.
            var v = amplitude * sin(phase)
            phase += w
            if phase >= 2 * Double.pi { phase -= 2 * Double.pi }
            if f < fade { v *= Double(f) / Double(fade) }
            if finishing { v *= Double(n - i) / Double(n) }
            for c in 0..<channels { out[i * channels + c] = Float(v) }
        }
        frame += n
        if finishing { finished = true }
        return out
    }
}
