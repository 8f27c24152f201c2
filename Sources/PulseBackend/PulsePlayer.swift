// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// Playback only, for `signal --play`: one playback stream with the loop's settings, no record
/// stream (so nothing accumulates however long it plays).
public struct PulsePlayer: AudioPlayback {
    let settings: PulseSettings
    public var sampleRate: Int { settings.rate }
    public var channels: Int { settings.channels }

    public init(settings: [String: String]) throws(LoopbenchError) {
        self.settings = try PulseSettings(settings)
    }

    public func play(_ next: () -> [Float]?) throws(LoopbenchError) -> Int {
        let s = settings
        let session = try PulseSession(server: s.server, appName: "loopbench", timeoutMicros: s.connectTimeoutMicros)
        defer { session.close() }
        let sink = s.sink ?? "@DEFAULT_SINK@"
        guard try session.sinkInfo(sink) != nil else {
            throw .unavailable("\(session.serverLabel) sink \(s.sink ?? "default")", s.sink == nil ? "the server has no default sink" : "no such sink")
        }
        let granted = try session.openPlayback(settings: s, sink: sink, timeoutMicros: s.connectTimeoutMicros)
        var played = 0
        while let block = next() {
            var done = 0
            let frames = block.count / s.channels
            let failure: String? = session.locked {
                while done < frames {
                    if let f = session.failure() { return f }
                    let n = min(session.writableFrames(), frames - done)
                    if n == 0 { session.unlock(); usleep(2000); session.lock(); continue }
                    if let r = block.withUnsafeBufferPointer({ session.write(UnsafeBufferPointer(rebasing: $0[(done * s.channels)..<((done + n) * s.channels)])) }) { return r }
                    done += n
                }
                return nil
            }
            if let failure { throw .unavailable("\(session.serverLabel) sink \(sink)", failure) }
            played += frames
        }
        // Let the queued audio play out: the stream's buffer, at most tlength.
        let queued = granted.tlength == UInt32.max ? 0 : Double(granted.tlength) / Double(s.frameBytes) / Double(s.rate)
        usleep(useconds_t(min(2.0, queued + 0.05) * 1e6))
        return played
    }
}
