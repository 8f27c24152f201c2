// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// How late this machine wakes a periodic timer, which is what the card model's `host.jitter`
/// stands for (QEMU's audio timer runs on its main loop, `audio/audio.c` `audio_timer`).
///
/// A dedicated thread sleeps to absolute deadlines `period` apart (`clock_nanosleep`,
/// `CLOCK_MONOTONIC`, `TIMER_ABSTIME`, the way `qemu_poll_ns` waits for the next timer) and records how
/// late each wake-up is. Run it under the load the VM sees (the game, the compile) to feed the
/// model your machine's own figure.
public struct HostTimerLateness: Codable, Sendable, Equatable {
    public var periodUS: Int
    public var wakeups: Int
    public var p50US: Double
    public var p90US: Double
    public var p99US: Double
    public var p999US: Double
    public var maxUS: Double
    /// `host.jitter` for the model: its p99.
    public var suggestedHostJitterUS: Int

    enum CodingKeys: String, CodingKey {
        case periodUS = "period_us", wakeups
        case p50US = "p50_us", p90US = "p90_us", p99US = "p99_us", p999US = "p999_us", maxUS = "max_us"
        case suggestedHostJitterUS = "suggested_host_jitter_us"
    }

    /// Measures for `seconds` with wake-ups every `periodUS` µs.
    public static func measure(periodUS: Int, seconds: Double) -> HostTimerLateness {
        let count = max(1, Int(seconds * 1e6 / Double(periodUS)))
        let box = LatenessBox(count: count)
        let t = Thread {
            var next = timespec()
            clock_gettime(CLOCK_MONOTONIC, &next)
            for i in 0..<count {
                next.tv_nsec += periodUS * 1000
                while next.tv_nsec >= 1_000_000_000 { next.tv_nsec -= 1_000_000_000; next.tv_sec += 1 }
                var deadline = next
                while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let late = Double(now.tv_sec - next.tv_sec) * 1e6 + Double(now.tv_nsec - next.tv_nsec) / 1e3
                box.values[i] = max(0, late)
            }
            box.done.signal()
        }
        t.stackSize = 1 << 20
        t.start()
        box.done.wait()
        return summarize(box.values, periodUS: periodUS)
    }

    static func summarize(_ values: [Double], periodUS: Int) -> HostTimerLateness {
        let v = values.sorted()
        func q(_ p: Double) -> Double { v.isEmpty ? 0 : v[min(v.count - 1, Int((p * Double(v.count - 1)).rounded()))] }
        return HostTimerLateness(periodUS: periodUS, wakeups: v.count, p50US: q(0.5), p90US: q(0.9), p99US: q(0.99), p999US: q(0.999),
                                 maxUS: v.last ?? 0, suggestedHostJitterUS: Int(q(0.99).rounded()))
    }
}

private final class LatenessBox: @unchecked Sendable {
    var values: [Double]
    let done = DispatchSemaphore(value: 0)
    init(count: Int) { values = [Double](repeating: 0, count: count) }
}
