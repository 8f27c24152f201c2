// SPDX-License-Identifier: GPL-2.0-or-later

/// Cross-correlation of a fixed template against a signal that arrives in blocks
/// (overlap-save): the same values as ``Correlation/crossCorrelate(signal:template:lags:)``,
/// to rounding, with the memory of one block whatever the signal's length.
///
/// `corr[k] = Σₙ signal[n + k] · template[n]` is produced for every lag `k` of `lags` in
/// order, a block of lags at a time, as soon as the signal samples it needs have arrived
/// (the signal is zero outside `0 ..< signalFrames`).
public final class StreamingCorrelation {
    public let lags: ClosedRange<Int>
    public let signalFrames: Int
    let templateCount: Int
    let fft: RealFFT
    let templateSpectrum: [(Double, Double)]
    let work: RealFFT.Buffers
    /// Lags produced per transform: the transform size less the template's span.
    public let blockLags: Int
    /// Signal frames `bufferStart ..< received`, those a lag still to come may need.
    var buffer: [Float] = []
    var bufferStart = 0
    /// The next lag to produce.
    public private(set) var nextLag: Int
    /// Signal frames received so far.
    public private(set) var received = 0

    /// A transform of at least this many times the template's length (and at least 2¹⁴): each
    /// one then produces three template lengths of lags or more, so the cost per lag stays near
    /// that of one transform of the whole signal, and the memory is a few templates.
    public static let transformTemplates = 4

    public init(template: [Float], signalFrames: Int, lags: ClosedRange<Int>) {
        self.lags = lags
        self.signalFrames = signalFrames
        templateCount = max(1, template.count)
        let size = RealFFT.goodSize(atLeast: max(Self.transformTemplates * templateCount, 1 << 14))
        let fft = RealFFT.of(size: size)
        let work = RealFFT.Buffers(size: size)
        template.withUnsafeBufferPointer { Correlation.fill(work.samples, from: $0) }
        fft.forward(work)
        templateSpectrum = Array(work.spectrum)
        self.fft = fft
        self.work = work
        blockLags = size - templateCount + 1
        nextLag = lags.lowerBound
    }

    /// Appends the next `block.count` signal frames and hands every lag whose window is now
    /// complete to `emit(lag, value)`, in order.
    public func append(_ block: ArraySlice<Float>, emit: (Int, Double) -> Void) {
        append(block) { first, values in for j in values.indices { emit(first + j, values[j]) } }
    }

    /// The same, a transform's lags at a time: `emitBlock(firstLag, values)` (the values are
    /// valid during the call only).
    public func append(_ block: ArraySlice<Float>, emitBlock: (Int, UnsafeBufferPointer<Double>) -> Void) {
        buffer.append(contentsOf: block)
        received += block.count
        drain(final: false, emit: emitBlock)
        trim()
    }

    /// Produces the remaining lags once the whole signal has arrived (zero beyond its end).
    public func finish(emit: (Int, Double) -> Void) {
        finish { first, values in for j in values.indices { emit(first + j, values[j]) } }
    }

    /// The same, a transform's lags at a time.
    public func finish(emitBlock: (Int, UnsafeBufferPointer<Double>) -> Void) { drain(final: true, emit: emitBlock) }

    /// Drops the frames before the next lag: no lag still to come reads them.
    func trim() {
        if nextLag > lags.upperBound {
            buffer.removeAll()
            bufferStart = received
            return
        }
        let drop = min(buffer.count, max(0, nextLag - bufferStart))
        guard drop > 0 else { return }
        buffer.removeFirst(drop)
        bufferStart += drop
    }

    /// One transform per block of lags whose windows lie in the frames received (or, when
    /// `final`, anywhere: frames beyond the signal are zero).
    func drain(final: Bool, emit: (Int, UnsafeBufferPointer<Double>) -> Void) {
        while nextLag <= lags.upperBound {
            let count = min(blockLags, lags.upperBound - nextLag + 1)
            let needEnd = min(signalFrames, nextLag + count - 1 + templateCount)   // one past the last frame read
            if !final, needEnd > received { return }
            transform(count: count, emit: emit)
            nextLag += count
            trim()
        }
    }

    func transform(count: Int, emit: (Int, UnsafeBufferPointer<Double>) -> Void) {
        let size = fft.size
        let samples = work.samples
        // Frame nextLag + i; zero before frame 0 and past what was received. Only frames up to
        // `count − 1 + template` into the block reach the first `count` outputs (no wrap).
        let offset = nextLag - bufferStart
        buffer.withUnsafeBufferPointer { b in
            for i in 0..<size {
                let j = offset + i
                samples[i] = j >= 0 && j < b.count ? Double(b[j]) : 0
            }
        }
        fft.forward(work)
        templateSpectrum.withUnsafeBufferPointer { Correlation.multiplyByConjugate(work.spectrum, $0) }
        fft.inverse(work)
        let scale = 1.0 / Double(size)
        for j in 0..<count {
            let k = nextLag + j
            samples[j] = k >= signalFrames || k <= -templateCount ? 0 : samples[j] * scale
        }
        emit(nextLag, UnsafeBufferPointer(rebasing: samples[0..<count]))
    }
}
