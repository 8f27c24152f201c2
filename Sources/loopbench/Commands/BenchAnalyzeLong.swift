// SPDX-License-Identifier: GPL-2.0-or-later
import AudioFile
import Foundation
import LoopbenchCore
import Soak
import Synth

extension BenchCommand {
    /// `loopbench analyze` in a child process on stereo 48 kHz recordings of `analyzeMinutes`
    /// holding the 2 s reference 10 s in: wall and CPU time, peak RSS, side by side.
    func analyzeLongBench(reference ref: [Float], dir: String) throws {
        for minutes in analyzeMinutes {
            let path = dir + "/long-\(minutes).wav"
            try Self.writeLongRecording(reference: ref, minutes: minutes, to: path)
            let r = SoakBenchmark.measureChild(Self.executable, ["analyze", "--reference", dir + "/ref.wav", "--capture", path, "--quiet"])
            say(String(format: "analyze: %g min stereo recording (s16), 2 s reference: %.2f s wall, %.2f s CPU (%.0f× real time), peak RSS %.0f MB, %d page faults, exit %d",
                       minutes, r.wallSeconds, r.cpuSeconds, minutes * 60 / max(1e-9, r.cpuSeconds), r.peakRSSMB, r.minorFaults, r.status))
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// `loopbench analyze` as a user runs it, in a child process, on the files `bench analyze`
    /// times in process: the command's start, its allocator's page faults and its exit count
    /// here. (No peak RSS: a child started by posix_spawn reports its parent's, by now large.)
    func analyzeCommandBench(dir: String) {
        let runs = (0..<max(1, repeats)).map { _ in
            SoakBenchmark.measureChild(Self.executable, ["analyze", "--reference", dir + "/ref.wav", "--capture", dir + "/cap.wav", "--quiet"])
        }.sorted { $0.wallSeconds < $1.wallSeconds }
        let r = runs[runs.count / 2]
        say(String(format: "analyze: the same as a command (loopbench analyze in a child process, median of %d): %.3f s wall, %.3f s CPU, %d page faults, exit %d",
                   runs.count, r.wallSeconds, r.cpuSeconds, r.minorFaults, r.status))
    }

    /// The reference 480 000.37 frames (10 s) in, on both channels (the right at half level),
    /// noise 20 dB below the reference's power throughout; written a block at a time.
    static func writeLongRecording(reference ref: [Float], minutes: Double, to path: String) throws(LoopbenchError) {
        let total = Int(minutes * 60 * 48000), block = 48000 * 10
        let delayed = CaptureSynth.fractionalDelay(ref, by: 480_000.37, length: 480_001 + ref.count)
        let power = ref.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(ref.count)
        let sigma = (power / 100).squareRoot()
        var rng = SeededRandom(seed: 11)
        let w = try SoundFile.Writer(path: path, sampleRate: 48000, channels: 2, format: .s16)
        var at = 0
        while at < total {
            let n = min(block, total - at)
            var l = (0..<n).map { i in Float(sigma * rng.gaussian()) + (at + i < delayed.count ? delayed[at + i] : 0) }
            for i in l.indices { l[i] = min(1, max(-1, l[i])) }
            try w.append([l, l.map { $0 * 0.5 }])
            at += n
        }
        try w.finish()
    }
}
