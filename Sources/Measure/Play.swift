// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore
import Stimulus

/// `signal --play`: the probe once, or a steady tone until asked to stop, on a player.
public enum Play {
    /// Block length (s) handed to the player: short enough that Ctrl-C ends the sound promptly.
    public static let blockSeconds = 0.05

    /// Silence (s) played before a probe: a new stream's first milliseconds into a running sink
    /// can be lost (a PulseAudio null sink renders ahead, and its monitor has already taken
    /// what the new stream is mixed into), so the probe itself starts after this lead-in.
    public static let leadInSeconds = 0.2

    /// Plays `signal` once after ``leadInSeconds`` of silence, or until `stop()` is true.
    /// Returns the signal's frames played (the lead-in not counted).
    public static func buffer(_ signal: AudioBuffer, on player: any AudioPlayback, stop: () -> Bool) throws(LoopbenchError) -> Int {
        let lead = [Float](repeating: 0, count: Int(leadInSeconds * Double(signal.sampleRate)) * signal.channelCount)
        let interleaved = lead + signal.interleaved()
        let ch = signal.channelCount
        let block = max(1, Int(blockSeconds * Double(signal.sampleRate))) * ch
        var at = 0
        let played = try player.play {
            guard at < interleaved.count, !stop() else { return nil }
            let end = min(interleaved.count, at + block)
            defer { at = end }
            return Array(interleaved[at..<end])
        }
        return max(0, played - lead.count / ch)
    }

    /// Plays a tone until `stop()` is true, then fades it out.
    public static func tone(_ generator: ToneGenerator, on player: any AudioPlayback, stop: () -> Bool) throws(LoopbenchError) -> Int {
        var g = generator
        let frames = max(1, Int(blockSeconds * Double(g.sampleRate)))
        return try player.play {
            if stop() { g.finish() }
            return g.next(frames)
        }
    }
}
