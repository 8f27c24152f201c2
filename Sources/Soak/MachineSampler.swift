// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Samples, beside a live soak, what a user would blame for a crackle: the machine's CPU load
/// (`/proc/stat`) and how late the soak's own periodic wake-ups come (its scheduling delay),
/// once a second, on a thread of its own.
public final class MachineSampler: @unchecked Sendable {
    /// The sampler wakes this often to measure its own lateness: 10 ms, QEMU's default audio
    /// timer period, so its delays are the ones an audio timer on this machine would see.
    public static let wakeIntervalNanos: Int64 = 10_000_000
    /// One sample per second: fine enough to line up with events, small over an hour (3600 samples).
    public static let sampleIntervalSeconds = 1.0

    private let lock = NSLock()
    private var samples: [MachineSample] = []
    private let stop = Atomic<Bool>(false)
    private var thread: Thread?
    private let t0: Double
    private let done = DispatchSemaphore(value: 0)

    /// `t0`: the run's start on the monotonic clock (``ProgressLine/now()``).
    public init(t0: Double) { self.t0 = t0 }

    public func start() {
        let th = Thread { [self] in loop() }
        th.name = "loopbench-soak-sampler"
        thread = th
        th.start()
    }

    /// Stops the thread and returns every sample.
    public func finish() -> [MachineSample] {
        if thread != nil && !stop.exchange(true, ordering: .relaxed) { done.wait() }
        lock.lock(); defer { lock.unlock() }
        return samples
    }

    /// The samples so far.
    public var snapshot: [MachineSample] {
        lock.lock(); defer { lock.unlock() }
        return samples
    }

    private func loop() {
        var last = Self.cpuTimes()
        var worst = 0.0
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        var due = Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
        var nextSample = ProgressLine.now() + Self.sampleIntervalSeconds
        while !stop.load(ordering: .relaxed) {
            due += Self.wakeIntervalNanos
            var target = timespec(tv_sec: Int(due / 1_000_000_000), tv_nsec: Int(due % 1_000_000_000))
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil)
            clock_gettime(CLOCK_MONOTONIC, &ts)
            let now = Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
            worst = max(worst, Double(now - due) / 1e6)
            // After a long stall, the next wake-ups are measured from now, not owed back to back.
            if now - due > Self.wakeIntervalNanos { due = now }
            let t = ProgressLine.now()
            if t >= nextSample {
                let cur = Self.cpuTimes()
                var load: Double? = nil
                if let a = last, let b = cur, b.total > a.total { load = Double(b.busy - a.busy) / Double(b.total - a.total) }
                last = cur
                lock.lock()
                samples.append(MachineSample(timeS: t - t0, cpuLoad: load, schedDelayMaxMS: worst, backendLatencyMS: nil))
                lock.unlock()
                worst = 0
                nextSample += Self.sampleIntervalSeconds
            }
        }
        done.signal()
    }

    /// Busy and total jiffies of all CPUs, from the first line of `/proc/stat`; nil where there is none.
    static func cpuTimes() -> (busy: UInt64, total: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let v = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard v.count >= 4 else { return nil }
        let idle = v[3] + (v.count > 4 ? v[4] : 0)  // idle + iowait
        let total = v.prefix(8).reduce(0, +)
        return (total - idle, total)
    }
}
