// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// Throughput of a sweep: seconds of round-trip audio simulated and analysed per wall second.
public enum SweepBenchmark {
    public struct Result: Sendable, Codable, Equatable {
        public var trials: Int
        public var jobs: Int
        /// Audio seconds that went through the loop (capture length, all trials).
        public var audioSeconds: Double
        /// Wall time of the whole sweep: model, analyzer, journal and the report summary.
        public var wallSeconds: Double
        /// audioSeconds / wallSeconds.
        public var audioSecondsPerWallSecond: Double
        enum CodingKeys: String, CodingKey {
            case trials, jobs
            case audioSeconds = "audio_s"
            case wallSeconds = "wall_s"
            case audioSecondsPerWallSecond = "audio_s_per_wall_s"
        }
    }

    /// Runs `plan` (the default sweep unless told otherwise) in a temporary folder, analysis
    /// included, and reports its throughput. `jobs` nil uses every core, as `loopbench sweep` does.
    public static func run(plan: SweepPlan = .default, jobs: Int? = nil) throws(LoopbenchError) -> Result {
        let dir = NSTemporaryDirectory() + "loopbench-sweep-bench-\(getpid())-\(UInt64(ProgressLine.now() * 1e6))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t0 = ProgressLine.now()
        let run = try SweepRunner.run(plan: plan, options: .init(outDir: dir, jobs: jobs))
        _ = SweepAnalysis.report(run: run)
        let wall = ProgressLine.now() - t0
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return Result(trials: run.trialsRun, jobs: plan.capabilities.parallelSafe ? (jobs ?? cores) : 1, audioSeconds: run.audioSeconds,
                      wallSeconds: wall, audioSecondsPerWallSecond: wall > 0 ? run.audioSeconds / wall : 0)
    }
}
