// SPDX-License-Identifier: GPL-2.0-or-later
import Glibc
import Foundation
import LoopbenchCore

/// Playback only, for `signal --play`: the loop's playback PCM, its settings, no capture.
public struct ALSAPlayer: AudioPlayback {
    let settings: ALSASettings
    public var sampleRate: Int { settings.rate }
    public var channels: Int { settings.channels }

    public init(settings: [String: String]) throws(LoopbenchError) {
        self.settings = try ALSASettings(settings)
    }

    public func play(_ next: () -> [Float]?) throws(LoopbenchError) -> Int {
        let pcm = try ALSAPCM(device: settings.playbackDevice, playback: true)
        defer { pcm.close() }
        _ = try pcm.configure(settings)
        let ch = settings.channels
        var played = 0
        var raw = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        var capacity = 0
        defer { raw.deallocate() }
        while let block = next() {
            let frames = block.count / ch
            if block.count * 4 > capacity {
                raw.deallocate()
                capacity = block.count * 4
                raw = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            }
            block.withUnsafeBufferPointer { settings.format.encode($0, into: raw) }
            var done = 0
            while done < frames {
                do throws(ALSAError) {
                    done += try pcm.writei(raw + done * settings.frameBytes, frames: frames - done)
                } catch where error.isXrun || error.isWouldBlock {
                    try? pcm.prepare()  // an underrun while the caller was slow: carry on
                } catch {
                    throw .unavailable(pcm.label, "the device failed mid-play: \(error)")
                }
            }
            played += frames
        }
        pcm.drain()
        return played
    }
}
