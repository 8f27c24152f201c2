// SPDX-License-Identifier: GPL-2.0-or-later
import AudioFile
import Foundation
import LoopbenchCore
import Stimulus
#if canImport(Glibc)
import Glibc
#endif

/// The soak's benchmarks: offline analysis of long periodic captures in a child process (its
/// peak RSS and CPU time, so lengths can be compared side by side), and a card-model soak
/// against the model alone playing the same chunks.
public enum SoakBenchmark {
    /// A stereo 48 kHz capture of the periodic probe: a fixed 1234-frame delay, the right channel
    /// at half level, noise 30 dB below the probe. Written block by block.
    public static func writeCapture(minutes: Double, to path: String) throws(LoopbenchError) {
        let probe = PeriodicProbe()
        let probes = probe.probes()
        let total = Int(minutes * 60 * 48000), delay = 1234, block = 48000 * 10
        let w = try SoundFile.Writer(path: path, sampleRate: 48000, channels: 2, format: .s16)
        var rng = SeededRandom(seed: 7)
        let sigma = 0.5 * pow(10, -6.0 / 20) * pow(10, -30.0 / 20)
        var at = 0
        while at < total {
            let n = min(block, total - at)
            var l = at >= delay ? PeriodicProbe.frames(probes, periodFrames: probe.periodFrames, start: at - delay, count: n)
                                : [Float](repeating: 0, count: delay - at) + PeriodicProbe.frames(probes, periodFrames: probe.periodFrames, start: 0, count: n - (delay - at))
            for i in 0..<n { l[i] += Float(sigma * rng.gaussian()) }
            let r = l.map { $0 * 0.5 }
            try w.append([l, r])
            at += n
        }
        try w.finish()
    }

    public struct ChildRun: Sendable {
        public var wallSeconds: Double
        public var cpuSeconds: Double
        public var peakRSSMB: Double
        public var status: Int32
        /// Pages the child touched fresh (minor faults: each one zeroed or mapped by the kernel).
        public var minorFaults: Int = 0
    }

    /// Runs `executable` with `arguments` and reports its wall time, CPU time, peak RSS and minor page faults (`wait4`).
    public static func measureChild(_ executable: String, _ arguments: [String]) -> ChildRun {
        let t0 = ProgressLine.now()
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { return ChildRun(wallSeconds: 0, cpuSeconds: 0, peakRSSMB: 0, status: -1) }
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return ChildRun(wallSeconds: ProgressLine.now() - t0, cpuSeconds: cpu, peakRSSMB: Double(usage.ru_maxrss) / 1024, status: (status >> 8) & 0xFF,
                        minorFaults: usage.ru_minflt)
    }

    public struct SimResult: Sendable {
        public var audioSeconds: Double
        /// The soak's CPU seconds (all threads) and its wall-clock seconds (chunks two at a
        /// time on two cores: ``SoakRunner/runInPairs``).
        public var soakCPU: Double
        public var soakWall: Double
        /// The model alone on the same chunks, CPU seconds on one core.
        public var modelCPU: Double
        public var events: Int
        /// Analyses and probe searches answered from the memo, and those made (``AnalysisMemo``;
        /// both 0 without one).
        public var memoHits: Int
        public var memoMisses: Int
    }

    /// CPU time (user + system) of this process so far, in seconds: on a shared machine wall
    /// time measures the neighbours too.
    public static func cpuNow() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    /// A card-model soak of `seconds`, and the model alone playing the same chunks (same seeds);
    /// times are this process's CPU seconds. Without `memo` every window is analysed, as on a
    /// live backend.
    public static func sim(seconds: Double, memo: Bool, makeLoop: (Int) throws(LoopbenchError) -> any AudioLoop) throws(LoopbenchError) -> SimResult {
        let probe = PeriodicProbe()
        var options = SoakRunner.Options(durationSeconds: seconds)
        options.memo = memo ? AnalysisMemo() : nil
        let t0 = cpuNow(), w0 = ProgressLine.now()
        let r = try SoakRunner.run(makeLoop: makeLoop, probe: probe, options: options,
                                   shouldStop: { false }, onEvent: { _ in }, onStatus: { _ in })
        let soakCPU = cpuNow() - t0, soakWall = ProgressLine.now() - w0
        let probes = probe.probes()
        let chunkPeriods = Int(SoakRunner.defaultChunkSeconds / probe.periodSeconds)
        var modelCPU = 0.0
        for c in 0..<r.report.soak.chunks.count {
            let mono = PeriodicProbe.frames(probes, periodFrames: probe.periodFrames, start: c * chunkPeriods * probe.periodFrames, count: chunkPeriods * probe.periodFrames)
            let loop = try makeLoop(c)
            let t = cpuNow()
            _ = try loop.run(stimulus: AudioBuffer(sampleRate: 48000, mono: mono))
            modelCPU += cpuNow() - t
        }
        return SimResult(audioSeconds: r.report.soak.summary.durationS, soakCPU: soakCPU, soakWall: soakWall, modelCPU: modelCPU, events: r.report.soak.events.count,
                         memoHits: options.memo?.hits ?? 0, memoMisses: options.memo?.misses ?? 0)
    }
}
