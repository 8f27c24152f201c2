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
    /// The transforms, in double or (``init(template:signalFrames:lags:singlePrecision:)``) single precision.
    enum Engine {
        case double(RealFFT, RealFFT.Buffers, [(Double, Double)])
        /// With the lags converted to double for `emit`.
        case single(RealFFTSingle, RealFFTSingle.Buffers, [(Float, Float)], UnsafeMutableBufferPointer<Double>)
    }
    let engine: Engine
    let size: Int
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

    /// `singlePrecision`: transforms in single precision, about twice as fast; each value is
    /// then within ~10⁻⁶ of the largest |value| of the double-precision correlation, instead
    /// of ~10⁻¹⁵ (for a scan that ranks lags and bins a noise floor).
    public init(template: [Float], signalFrames: Int, lags: ClosedRange<Int>, singlePrecision: Bool = false) {
        self.lags = lags
        self.signalFrames = signalFrames
        templateCount = max(1, template.count)
        let size = RealFFT.goodSize(atLeast: max(Self.transformTemplates * templateCount, 1 << 14))
        self.size = size
        if singlePrecision {
            let fft = RealFFTSingle.of(size: size)
            let work = RealFFTSingle.Buffers(size: size)
            let w = work.samples
            for i in 0..<size { w[i] = i < template.count ? template[i] : 0 }
            fft.forward(work)
            let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: size)
            engine = .single(fft, work, Array(work.spectrum), out)
        } else {
            let fft = RealFFT.of(size: size)
            let work = RealFFT.Buffers(size: size)
            template.withUnsafeBufferPointer { Correlation.fill(work.samples, from: $0) }
            fft.forward(work)
            engine = .double(fft, work, Array(work.spectrum))
        }
        blockLags = size - templateCount + 1
        nextLag = lags.lowerBound
    }

    deinit { if case .single(_, _, _, let out) = engine { out.deallocate() } }

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
        // Frame nextLag + i; zero before frame 0 and past what was received. Only frames up to
        // `count − 1 + template` into the block reach the first `count` outputs (no wrap).
        let offset = nextLag - bufferStart
        let have = max(0, min(size, buffer.count - offset)), from = max(0, -offset)
        let scale = 1.0 / Double(size)
        // Lags past the signal's end, or whose window ends before its start, are zero.
        let j0 = min(count, max(0, 1 - templateCount - nextLag)), j1 = max(j0, min(count, signalFrames - nextLag))
        // The transform's input: the received frames `from ..< have` of it, zero elsewhere.
        func load<T: BinaryFloatingPoint>(_ samples: UnsafeMutableBufferPointer<T>) {
            buffer.withUnsafeBufferPointer { b in
                for i in 0..<min(from, size) { samples[i] = 0 }
                if have > from { for i in from..<have { samples[i] = T(b[offset + i]) } }
                for i in min(size, max(from, have))..<size { samples[i] = 0 }
            }
        }
        switch engine {
        case .double(let fft, let work, let spectrum):
            let samples = work.samples
            load(samples)
            fft.forward(work)
            spectrum.withUnsafeBufferPointer { Correlation.multiplyByConjugate(work.spectrum, $0) }
            fft.inverse(work)
            for j in 0..<count { samples[j] = j >= j0 && j < j1 ? samples[j] * scale : 0 }
            emit(nextLag, UnsafeBufferPointer(rebasing: samples[0..<count]))
        case .single(let fft, let work, let spectrum, let out):
            let samples = work.samples
            load(samples)
            fft.forward(work)
            spectrum.withUnsafeBufferPointer { Correlation.multiplyByConjugate(work.spectrum, $0) }
            fft.inverse(work)
            for j in 0..<j0 { out[j] = 0 }
            for j in j0..<j1 { out[j] = Double(samples[j]) * scale }
            for j in j1..<count { out[j] = 0 }
            emit(nextLag, UnsafeBufferPointer(rebasing: out[0..<count]))
        }
    }
}
