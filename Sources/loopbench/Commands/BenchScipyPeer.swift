// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

extension BenchCommand {
    /// The peer issue 13's analysis target is set against: a plain scipy cross-correlation of the
    /// same files (scipy.io.wavfile, then scipy.signal.correlate with method='fft' on each
    /// capture channel and its arg-max), timed inside Python from reading the files to the
    /// peaks, so the interpreter's start is not counted. Both float64 (what the int16 samples
    /// become by default) and float32; the median of `repeats` runs each.
    static let scipyPeer = """
        import sys, time
        import numpy as np
        from scipy.io import wavfile
        from scipy.signal import correlate
        import warnings
        warnings.simplefilter('ignore')
        def once(dtype):
            t = time.perf_counter()
            _, ref = wavfile.read(sys.argv[1]); _, cap = wavfile.read(sys.argv[2])
            ref = ref.astype(dtype); cap = cap.astype(dtype)
            if ref.ndim > 1: ref = ref[:, 0]
            chans = cap.T if cap.ndim > 1 else [cap]
            peaks = [int(np.argmax(correlate(c, ref, mode='full', method='fft'))) - (len(ref) - 1) for c in chans]
            return time.perf_counter() - t, peaks
        n = int(sys.argv[3])
        for dtype in (np.float64, np.float32):
            runs = sorted(once(dtype) for _ in range(n))
            print(np.dtype(dtype).name, runs[len(runs) // 2][0], *runs[len(runs) // 2][1])
        """

    /// Runs ``scipyPeer`` on the files; per dtype its median time and the peak lag of each
    /// channel, or nil (with why) when python3 with numpy and scipy is not there.
    func scipyPeerTimes(reference: String, capture: String) -> (times: [(dtype: String, seconds: Double, peaks: [Int])], why: String?) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", Self.scipyPeer, reference, capture, String(max(1, repeats))]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return ([], "python3 could not be started (\(error))") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            return ([], "python3 with numpy and scipy is needed (\(errText.split(separator: "\n").last.map(String.init) ?? "exit \(p.terminationStatus)"))")
        }
        var times: [(String, Double, [Int])] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let w = line.split(separator: " ")
            guard w.count >= 2, let s = Double(w[1]) else { continue }
            times.append((String(w[0]), s, w.dropFirst(2).compactMap { Int($0) }))
        }
        return (times, times.isEmpty ? "the peer printed nothing" : nil)
    }
}
