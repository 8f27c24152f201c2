// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// The probe for long runs: a short probe repeated with a known period, each one followed by a
/// separator of silence, so that every period is a fresh, independent latency and crackle check
/// and the analysis can re-lock after any damage.
///
/// Period `k` plays probe `k mod distinct` in frames `k·P ..< k·P + L` (P the period, L the
/// probe), then `P − L` frames of silence. The `distinct` probes are the same kind of chirp
/// train with different seeds, so that a whole period lost (or one played twice) is told from
/// an unchanged loop: with identical periods a loss of exactly one period would leave nothing
/// to see.
public struct PeriodicProbe: Sendable, Equatable, Codable {
    /// The probe of one period (kind, rate, level, seed); its `seconds` is ignored.
    public var spec: Stimulus.Spec
    /// The period in seconds.
    public var periodSeconds: Double
    /// The silence after each probe, in seconds.
    public var separatorSeconds: Double
    /// How many different probes take turns.
    public var distinct: Int

    /// One second: 0.9 s of chirp train, a 0.1 s separator.
    public static let defaultPeriodSeconds = 1.0
    /// Long enough for the analysis window's margins (40 ms each side) to hold only silence,
    /// short enough to leave 90 % of the time covered by the probe.
    public static let defaultSeparatorSeconds = 0.1
    /// Eight different probes: up to seven whole periods lost in a row are recognised as such.
    public static let defaultDistinct = 8

    public init(spec: Stimulus.Spec = Stimulus.Spec(), periodSeconds: Double = PeriodicProbe.defaultPeriodSeconds,
                separatorSeconds: Double = PeriodicProbe.defaultSeparatorSeconds, distinct: Int = PeriodicProbe.defaultDistinct) {
        self.spec = spec
        self.periodSeconds = periodSeconds
        self.separatorSeconds = separatorSeconds
        self.distinct = distinct
    }

    public var sampleRate: Int { spec.sampleRate }
    /// Frames per period.
    public var periodFrames: Int { Int((periodSeconds * Double(spec.sampleRate)).rounded()) }
    /// Frames of probe in each period.
    public var probeFrames: Int { periodFrames - Int((separatorSeconds * Double(spec.sampleRate)).rounded()) }

    /// - Throws: a usage error naming `--period` or `--separator` when they do not make a probe.
    public func validate() throws(LoopbenchError) {
        var s = spec
        s.seconds = Double(probeFrames) / Double(spec.sampleRate)
        guard periodSeconds >= 0.25 && periodSeconds <= 60 else { throw .usage("--period \(periodSeconds): must be between 0.25 and 60 s", subject: "period") }
        guard separatorSeconds >= 0.05 && separatorSeconds <= periodSeconds / 2 else {
            throw .usage("--separator \(separatorSeconds): must be between 0.05 s and half the period (\(periodSeconds / 2) s)", subject: "separator")
        }
        guard spec.kind == .sweep || spec.kind == .noise || spec.kind == .mls else {
            throw .usage("--kind \(spec.kind.rawValue): a periodic probe must be broadband at every instant (sweep, noise or mls)", subject: "kind")
        }
        guard distinct >= 1 && distinct <= 64 else { throw .usage("distinct probes \(distinct): must be 1 to 64", subject: "distinct") }
        try s.validate()
    }

    /// Probe `k mod distinct`, mono, `probeFrames` long.
    public func probe(_ k: Int) -> [Float] {
        var s = spec
        s.seconds = Double(probeFrames) / Double(spec.sampleRate)
        s.channels = 1
        s.seed = spec.seed &+ UInt64(((k % distinct) + distinct) % distinct)
        let m = Stimulus.mono(s)
        return m.count == probeFrames ? m : Array(m.prefix(probeFrames)) + [Float](repeating: 0, count: max(0, probeFrames - m.count))
    }

    /// All `distinct` probes, in order.
    public func probes() -> [[Float]] { (0..<distinct).map(probe) }

    /// Frames `start ..< start + count` of the periodic stream (mono), built from `probes`.
    public static func frames(_ probes: [[Float]], periodFrames: Int, start: Int, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        guard let l = probes.first?.count else { return out }
        var i = 0
        while i < count {
            let g = start + i
            let k = g / periodFrames, off = g % periodFrames
            if off < l {
                let n = min(l - off, count - i)
                let p = probes[k % probes.count]
                for j in 0..<n { out[i + j] = p[off + j] }
                i += n
            } else {
                i += min(periodFrames - off, count - i)
            }
        }
        return out
    }
}
