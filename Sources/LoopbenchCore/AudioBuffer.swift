// SPDX-License-Identifier: GPL-2.0-or-later

/// Audio held as one `[Float]` per channel (planar), at one sample rate.
///
/// Every layer passes audio in this form: the stimulus writes it, a loop returns it
/// as its capture, and the analyzer reads it. Samples are nominally in [-1, 1].
public struct AudioBuffer: Sendable, Equatable {
    /// Frames per second.
    public var sampleRate: Int
    /// One array per channel, all of the same length.
    public var channels: [[Float]]

    /// Creates a buffer from planar channels, which must all have the same length.
    public init(sampleRate: Int, channels: [[Float]]) {
        precondition(!channels.isEmpty, "an AudioBuffer needs at least one channel")
        precondition(Set(channels.map(\.count)).count == 1, "channels differ in length")
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// Creates a mono buffer.
    public init(sampleRate: Int, mono: [Float]) {
        self.init(sampleRate: sampleRate, channels: [mono])
    }

    /// Number of frames (samples per channel).
    public var frames: Int { channels[0].count }
    /// Number of channels.
    public var channelCount: Int { channels.count }
    /// Length in seconds.
    public var duration: Double { Double(frames) / Double(sampleRate) }

    /// Interleaved samples, frame by frame.
    public func interleaved() -> [Float] {
        let n = frames, c = channelCount
        if c == 1 { return channels[0] }
        var out = [Float](repeating: 0, count: n * c)
        for ch in 0..<c {
            let src = channels[ch]
            for i in 0..<n { out[i * c + ch] = src[i] }
        }
        return out
    }

    /// Builds a buffer from interleaved samples.
    public init(sampleRate: Int, interleaved: [Float], channelCount: Int) {
        precondition(channelCount >= 1)
        let n = interleaved.count / channelCount
        var chans = [[Float]](repeating: [Float](repeating: 0, count: n), count: channelCount)
        for ch in 0..<channelCount {
            chans[ch].withUnsafeMutableBufferPointer { dst in
                for i in 0..<n { dst[i] = interleaved[i * channelCount + ch] }
            }
        }
        self.init(sampleRate: sampleRate, channels: chans)
    }
}
