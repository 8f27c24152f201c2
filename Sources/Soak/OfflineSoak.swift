// SPDX-License-Identifier: GPL-2.0-or-later
import AudioFile
import Foundation
import LoopbenchCore
import Stimulus

/// Analyses a recording of a periodic probe, of any length, block by block.
public enum OfflineSoak {
    /// Frames read per block: 1 s at 48 kHz; memory is a few periods plus one block whatever the length.
    public static let blockFrames = 48_000

    /// The `distinct` probes of a periodic reference file (its first periods), checked to be one:
    /// each period's separator must be silent.
    ///
    /// - Throws: `badData` naming the file when it is not a periodic probe with this period.
    public static func probes(fromReference path: String, probe: inout PeriodicProbe) throws(LoopbenchError) -> [[Float]] {
        let r = try SoundFile.Reader(path: path)
        probe.spec.sampleRate = r.info.sampleRate
        let p = probe.periodFrames, l = probe.probeFrames
        let n = min(probe.distinct, r.info.frames / p)
        guard n >= 1 else {
            throw .badData(path, String(format: "holds %d frames, less than one %.3f s period: not a periodic probe with --period %.3f", r.info.frames, probe.periodSeconds, probe.periodSeconds))
        }
        probe.distinct = n
        var out: [[Float]] = []
        for k in 0..<n {
            let block = try r.read(frames: p)
            let x = block[0]
            let sep = x[l...]
            let rms = (sep.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, sep.count))).squareRoot()
            let prms = (x[..<l].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(l)).squareRoot()
            guard rms < Double(PeriodLocator.silenceRMS), prms > Double(PeriodLocator.silenceRMS) else {
                throw .badData(path, String(format: "period %d is not a probe followed by %.3f s of silence: not a periodic probe with --period %.3f --separator %.3f (write one with `loopbench signal --period`)",
                                            k, probe.separatorSeconds, probe.periodSeconds, probe.separatorSeconds))
            }
            out.append(Array(x[..<l]))
        }
        return out
    }

    /// Analyses `capturePath` against `probes`; `onPeriod` sees every outcome as it is found
    /// (for live printing), `shouldStop` ends the analysis early (the log says so).
    public static func analyze(capturePath: String, probe: PeriodicProbe, probes: [[Float]], log: SoakLog, channel: Int? = nil,
                               clipDirectory: String? = nil, aroundSeconds: Double = 0,
                               shouldStop: () -> Bool = { false },
                               onPeriod: (SoakStream.Outcome, [(index: Int, event: SoakEvent)]) -> Void = { _, _ in }) throws(LoopbenchError) {
        let r = try SoundFile.Reader(path: capturePath)
        guard r.info.sampleRate == probe.sampleRate else {
            throw .badData(capturePath, "sample rate \(r.info.sampleRate) Hz differs from the reference's \(probe.sampleRate) Hz")
        }
        if let channel, channel < 0 || channel >= r.info.channels {
            throw .usage("--channel \(channel): the capture has \(r.info.channels) channel(s) (0–\(r.info.channels - 1))", subject: "channel")
        }
        log.capturePath = capturePath
        log.captureChannels = r.info.channels
        let clips = ClipKeeper(log: log, sampleRate: probe.sampleRate, directory: clipDirectory, aroundSeconds: aroundSeconds)
        let stream = SoakStream(probe: probe, probes: probes, runOffset: 0, firstPeriod: 0, channel: channel,
                                historySeconds: max(2, aroundSeconds + 1))
        func take(_ outcomes: [SoakStream.Outcome]) throws(LoopbenchError) {
            for o in outcomes {
                let kept = log.add(o)
                clips.request(kept, from: stream)
                onPeriod(o, kept)
            }
            try clips.write(stream.readyClips(), stream: stream)
        }
        while r.position < r.info.frames {
            if shouldStop() { log.interrupted = true; break }
            let block = try r.read(frames: blockFrames)
            try take(stream.append(block))
            log.capturedFrames = r.position
            log.durationS = Double(r.position) / Double(probe.sampleRate)
        }
        if !log.interrupted { try take(stream.finish()) }
        try clips.write(stream.readyClips(final: true), stream: stream)
        log.channelUsed = stream.channelUsed
    }
}

/// Cuts the clips a soak keeps: a short one for the report (the first event of each minute)
/// and, with `--save-around`, an audio file around every event.
final class ClipKeeper {
    let log: SoakLog
    let rate: Int
    let directory: String?
    let around: Int
    let half: Int
    /// At most this many `--save-around` files per run: enough for a bug report, and a broken loop
    /// cannot fill the disk.
    static let maxFiles = 500
    var files = 0
    /// Clip ids: event index × 2 (+1 for the saved file).
    init(log: SoakLog, sampleRate: Int, directory: String?, aroundSeconds: Double) {
        self.log = log
        rate = sampleRate
        self.directory = directory
        around = Int(aroundSeconds * Double(sampleRate))
        half = Int(SoakLog.clipHalfSeconds * Double(sampleRate))
    }

    func request(_ kept: [(index: Int, event: SoakEvent)], from stream: SoakStream) {
        for (i, e) in kept {
            let f = e.runFrame - stream.runOffset
            if log.wantsClip(i) { stream.requestClip(id: 2 * i, from: f - half, to: f + half) }
            if directory != nil && around > 0 && files < Self.maxFiles {
                files += 1
                stream.requestClip(id: 2 * i + 1, from: f - around, to: f + around)
            }
        }
    }

    func write(_ ready: [(id: Int, from: Int, samples: [[Float]])], stream: SoakStream) throws(LoopbenchError) {
        for c in ready {
            let i = c.id / 2
            let e = log.events[i]
            let start = Double(c.from + stream.runOffset) / Double(rate)
            if c.id % 2 == 0 {
                let ch = min(stream.channelUsed ?? 0, c.samples.count - 1)
                log.addClip(.init(event: i, startS: start, sampleRate: rate, samples: c.samples[ch]))
            } else if let directory {
                let name = String(format: "%@/event-%04d-%@-%.3fs.wav", directory, i + 1, e.kind, e.timeS)
                try SoundFile.write(AudioBuffer(sampleRate: rate, channels: c.samples), to: name, format: .f32)
            }
        }
    }
}
