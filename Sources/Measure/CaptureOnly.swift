// SPDX-License-Identifier: GPL-2.0-or-later
import AudioFile
import Foundation
import LoopbenchCore

/// `measure --capture-only`: the loop plays silence for `duration` seconds while another
/// program plays `reference` into it; the capture is analysed against the reference. The
/// latency is then where the reference starts in the recording, not a round trip: loopbench
/// did not start it.
public enum CaptureOnly {
    /// The shortest and longest recording (s): long enough for a probe, short enough to hold in memory.
    public static let durationRange = 0.1...3600.0

    public static func measure(loop: any AudioLoop, reference: String?, duration: Double?, saveCapture: String?) throws(LoopbenchError) -> LoopMeasurement {
        guard let reference else { throw .usage("--capture-only needs --reference FILE (the signal the other program plays)", subject: "reference") }
        guard let duration else { throw .usage("--capture-only needs --duration SECONDS (how long to record)", subject: "duration") }
        guard durationRange.contains(duration) else {
            throw .usage("--duration \(duration): must be between \(durationRange.lowerBound) and \(durationRange.upperBound) s", subject: "duration")
        }
        let ref = try SoundFile.read(reference)
        guard ref.sampleRate == loop.sampleRate else {
            throw .badData(reference, "the reference is at \(ref.sampleRate) Hz but the \(loop.backend) loop records at \(loop.sampleRate) Hz; set rate=\(ref.sampleRate)")
        }
        guard Double(ref.frames) / Double(ref.sampleRate) <= duration else {
            throw .usage(String(format: "--duration %g: shorter than the reference (%.3f s); record at least that long", duration, ref.duration), subject: "duration")
        }
        let frames = Int((duration * Double(loop.sampleRate)).rounded())
        let silence = AudioBuffer(sampleRate: loop.sampleRate, channels: Array(repeating: [Float](repeating: 0, count: frames), count: loop.channels))
        let got = try loop.run(stimulus: silence)
        if let saveCapture { try SoundFile.write(got.capture, to: saveCapture, format: .f32) }
        let source = LoopMeasurement.Source(backend: loop.backend, settings: loop.effectiveSettings.merging(["capture-only": .bool(true)]) { $1 })
        var played = ref
        played.channels = [ref.channels[0]]
        var m = try RoundTrip.analyse(played: played, got: got, source: source, referencePath: reference, capturePath: saveCapture, everyChannel: false)
        m.truth = nil
        let note = "capture-only: the latency is where the reference starts in this recording, not a round trip (another program played it)"
        m.reason = ([note] + [m.reason].compactMap { $0 }).joined(separator: "; ")
        return m
    }
}
