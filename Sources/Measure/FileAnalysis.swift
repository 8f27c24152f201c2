// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import AudioFile
import LoopbenchCore

/// `loopbench analyze` on files of any length, with memory bounded by the reference, not by
/// the capture.
///
/// A capture no longer than the stretch the analysis would look at anyway (``stretchFrames``)
/// is read whole and analysed as it always was (the same result, byte for byte). A longer one
/// is read block by block (libsndfile seek and read), three times:
/// 1. each channel's mean and PCM grid (``ReferenceScan/Means``);
/// 2. the reference's whole-signal correlation with every channel, by overlap-save
///    (``ReferenceScan/Correlator``): of it only the peak and a histogram of its noise are kept;
/// 3. only the stretch around the peak: from ``leadSeconds`` before the reference's start to
///    the end of the reference plus ``followedStallSeconds``, which the analyzer then judges
///    with the whole recording's means, energy and correlation noise (``WholeCapture``) and
///    places on the whole recording's timeline.
/// What the windowed passes do (tracking, segmenting, explaining, the click scan) only ever
/// reads the capture where the reference lies, so the stretch gives them what the whole
/// recording would; the mains-hum fit is the one estimate made on the stretch alone.
public enum FileAnalysis {
    /// Frames read per block.
    public static let blockFrames = 1 << 16
    /// Capture kept before the reference's start: the tracker's backward walk stops at the
    /// reference's start, and a second covers its first windows and their search radius.
    public static let leadSeconds = 1.0
    /// Capture kept after the reference's end (at the whole-signal delay): a stall inside the
    /// reference longer than this (the loop silent for 20 s, then the rest of the probe) is
    /// followed no further; the rest of the reference is then missing from the measurement.
    public static let followedStallSeconds = 20.0
    /// The largest drift followed (1000 ppm, the analyzer's range) stretches the reference by this share.
    static let maxDrift = 1e-3
    /// The stretch starts on a multiple of this many frames: the tracker's windows (1024) and
    /// the hum fit's blocks (2048) then fall where they fall in the whole recording.
    static let stretchAlignment = 2048

    /// The most capture frames analysed around a reference of `referenceFrames` at `rate`.
    public static func stretchFrames(referenceFrames n: Int, rate: Int) -> Int {
        let extra = Double(rate) * (leadSeconds + followedStallSeconds) + maxDrift * Double(n)
        return n + Int(extra.rounded(.up)) + 2 * stretchAlignment
    }

    /// The measurement of the reference at `referencePath` in the capture at `capturePath`.
    /// - Throws: as ``Analyzer/analyze(reference:capture:options:)``, and `missingInput` or
    ///   `badData` naming a file that cannot be read.
    /// `progress(done, total, label)` is told of the two passes over a long recording, in
    /// seconds of audio read (a capture read whole is one step).
    public static func analyze(referencePath: String, capturePath: String, options: Analyzer.Options,
                               progress: ((Int, Int, String) -> Void)? = nil) throws(LoopbenchError) -> LoopMeasurement {
        let reference = try SoundFile.read(referencePath)
        let info = try SoundFile.info(capturePath)
        try Analyzer.checkComparable(referenceRate: reference.sampleRate, referenceFrames: reference.frames, captureRate: info.sampleRate,
                                     captureFrames: info.frames, captureChannels: info.channels, options: options)
        guard info.frames > stretchFrames(referenceFrames: reference.frames, rate: reference.sampleRate) else {
            return try Analyzer.analyze(reference: reference, capture: try SoundFile.read(capturePath), options: options)
        }
        let reader = try SoundFile.Reader(path: capturePath)
        let seconds = info.frames / max(1, info.sampleRate)
        let told = { (pass: Int, label: String) in progress?(pass * seconds + reader.position / max(1, info.sampleRate), 2 * seconds, label) }
        var means = ReferenceScan.Means(channels: info.channels)
        try eachBlock(reader) { means.append($0); told(0, "means") }
        let correlator = try ReferenceScan.Correlator(reference: reference, means: means, referencePath: options.referencePath ?? referencePath)
        try eachBlock(reader) { correlator.append($0); told(1, "finding the reference") }
        var whole = correlator.finish()
        let (stretch, channel) = self.stretch(whole, referenceFrames: reference.frames, rate: reference.sampleRate, channel: options.channel)
        whole.offset = stretch.lowerBound
        try reader.seek(to: stretch.lowerBound)
        let audio = AudioBuffer(sampleRate: info.sampleRate, channels: try reader.read(frames: stretch.count))
        // The stretch lies around this channel's peak: the analysis looks at it alone (the
        // other channels' stretch correlations, a quarter of the time of a 60 s capture's
        // analysis, could only pick a channel the stretch was not cut for).
        var o = options
        o.wholeCapture = whole
        o.channel = channel
        return try Analyzer.analyze(reference: reference, capture: audio, options: o)
    }

    /// Reads `reader` from its start to its end, a block at a time.
    static func eachBlock(_ reader: SoundFile.Reader, _ body: ([[Float]]) -> Void) throws(LoopbenchError) {
        try reader.seek(to: 0)
        while true {
            let block = try reader.read(frames: blockFrames)
            guard let first = block.first, !first.isEmpty else { return }
            body(block)
        }
    }

    /// The frames analysed: around the whole-signal peak of `channel` (or of the channel whose
    /// peak stands highest above its correlation's noise), at least a reference long; and that channel.
    static func stretch(_ whole: WholeCapture, referenceFrames n: Int, rate: Int, channel: Int?) -> (Range<Int>, Int) {
        let score = { (c: WholeCapture.Channel) in c.correlationNoise > 0 ? c.peakMagnitude / c.correlationNoise : c.peakMagnitude }
        let ch = channel ?? whole.channels.indices.max { score(whole.channels[$0]) < score(whole.channels[$1]) } ?? 0
        let lag = whole.channels[ch].peakLag
        let span = stretchFrames(referenceFrames: n, rate: rate)
        var start = max(0, lag - Int(leadSeconds * Double(rate)))
        start -= start % stretchAlignment
        start = min(start, max(0, whole.frames - span))
        start -= start % stretchAlignment
        return (start..<min(whole.frames, start + span), ch)
    }
}
