// SPDX-License-Identifier: GPL-2.0-or-later
import DSP
import LoopbenchCore

/// PLACEHOLDER until the real analysis lands.
struct RoundTripAnalysis {
    let reference: AudioBuffer
    let capture: AudioBuffer
    let options: Analyzer.Options
    func run() throws(LoopbenchError) -> LoopMeasurement {
        LoopMeasurement(source: options.source, sampleRate: capture.sampleRate,
                    reference: .init(path: options.referencePath, frames: reference.frames, channels: reference.channelCount, channelUsed: 0),
                    capture: .init(path: options.capturePath, frames: capture.frames, channels: capture.channelCount, channelUsed: 0),
                    verdict: .noSignal, latency: nil, driftPPM: nil, snrDB: nil, gainDB: nil, polarity: nil, segments: nil, events: [])
    }
}
