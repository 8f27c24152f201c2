// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// When things really happen: QEMU's main loop runs a timer or fd handler late by a random
/// jitter, and not at all during a stall; the guest wakes late by its own jitter.
///
/// Both jitters are lognormal, given by their 99th percentile; stalls come from the
/// `host.stalls` setting (one at a given time, or a Poisson process).
struct MainLoopScheduler {
    private var hostJitter: NormalPairs
    private var guestJitter: NormalPairs
    private let hostMedianNs: Double, hostSigma: Double
    private let guestMedianNs: Double, guestSigma: Double
    /// Main-loop stalls, in order: start and end (ns).
    private(set) var stalls: [(start: Int, end: Int)] = []
    /// The first stall that may still matter (earlier ones ended before the simulation's clock).
    private var firstLiveStall = 0

    init(settings: CardModelSettings, endNs: Int, hostRandom: SeededRandom, guestRandom: SeededRandom, stallRandom: SeededRandom) {
        hostJitter = NormalPairs(hostRandom)
        guestJitter = NormalPairs(guestRandom)
        (hostMedianNs, hostSigma) = Self.lognormal(p99US: settings.hostJitterUS)
        (guestMedianNs, guestSigma) = Self.lognormal(p99US: settings.guestJitterUS)
        var rng = stallRandom
        if let at = settings.stallAtUS, settings.stallLengthUS > 0 {
            stalls.append((at * 1000, at * 1000 + settings.stallLengthUS * 1000))
        } else if settings.stallRate > 0 && settings.stallLengthUS > 0 {
            var t = 0.0
            while true {
                t += -log(max(1e-12, rng.uniform())) / settings.stallRate
                let ns = Int(t * 1e9)
                if ns > endNs { break }
                stalls.append((ns, ns + settings.stallLengthUS * 1000))
                t += Double(settings.stallLengthUS) * 1e-6
            }
        }
    }

    /// Median (ns) and sigma of a lognormal lateness with the given p99: median min(50 µs, p99/4).
    static func lognormal(p99US: Int) -> (Double, Double) {
        guard p99US > 0 else { return (0, 0) }
        let p99 = Double(p99US) * 1000
        let median = min(50_000, p99 / 4)
        return (median, log(p99 / median) / 2.3263)
    }

    /// How late the main loop runs the next handler (ns).
    mutating func hostLateness() -> Int {
        hostMedianNs == 0 ? 0 : Int(hostMedianNs * exp(hostSigma * hostJitter.next()))
    }

    /// How late the guest wakes (ns).
    mutating func guestLateness() -> Int {
        guestMedianNs == 0 ? 0 : Int(guestMedianNs * exp(guestSigma * guestJitter.next()))
    }

    /// When a main-loop event scheduled for `t` really runs, the simulation's clock being at
    /// `now`: late by the jitter, and not before the end of a stall that covers it.
    mutating func fire(_ t: Int, now: Int) -> Int {
        var x = t + hostLateness()
        while firstLiveStall < stalls.count && stalls[firstLiveStall].end <= now { firstLiveStall += 1 }
        for i in firstLiveStall..<stalls.count {
            let (a, b) = stalls[i]
            if a > x { break }
            if x < b { x = b }
        }
        return x
    }
}

/// Standard normal draws with both halves of each Box–Muller pair used: the model draws one
/// per main-loop event, so this halves the cost of its jitter.
struct NormalPairs {
    var rng: SeededRandom
    var spare = 0.0
    var hasSpare = false
    init(_ rng: SeededRandom) { self.rng = rng }

    mutating func next() -> Double {
        if hasSpare { hasSpare = false; return spare }
        var u = rng.uniform()
        while u <= 1e-300 { u = rng.uniform() }
        let v = rng.uniform()
        let r = (-2 * log(u)).squareRoot()
        let a = 2 * Double.pi * v
        spare = r * sin(a)
        hasSpare = true
        return r * cos(a)
    }
}
