// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// The last few zero-padded spectra that ``Correlation/crossCorrelate(signal:template:lags:reuse:)``
/// was asked to keep, by transform size and exact content (bit patterns), shared by every
/// thread of the process.
///
/// A sweep analyses 112 captures against one reference: each analysis correlates the whole
/// capture with it and the reference with itself (its period), and transformed the same
/// reference again each time. A kept spectrum is the transform's own output, copied: a
/// correlation that reuses it is bit for bit the one that would have transformed the input again.
final class SpectrumCache: @unchecked Sendable {
    struct Entry {
        var size: Int
        var input: [Float]
        var spectrum: [(Double, Double)]
    }

    /// Spectra kept: a sweep's reference at the few transform sizes its capture lengths round
    /// to, and its autocorrelation's; the least recently used goes first.
    static let capacity = 8
    /// Spectra of transforms longer than this are never kept: a sweep trial's (a 4 s capture
    /// against its 3 s probe: 336 000 frames) fits, at 4 MB a spectrum and 32 MB for all
    /// eight at most; a minute-long capture's (2.9 M frames, 23 MB) is transformed once per
    /// analysis and not worth its memory.
    static let maxTransformFrames = 1 << 19

    static let shared = SpectrumCache()
    private var entries: [Entry] = []
    private let lock = NSLock()

    /// Copies the spectrum of `input` zero-padded to `into.size` into `into.spectrum`; false
    /// when it is not kept.
    func copy(of input: UnsafeBufferPointer<Float>, into b: RealFFT.Buffers) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let i = entries.firstIndex(where: { $0.size == b.size && Self.same($0.input, input) }) else { return false }
        let e = entries.remove(at: i)
        entries.append(e)
        let out = b.spectrum
        e.spectrum.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        return true
    }

    /// Keeps the spectrum just computed in `b` for `input` (no-op for long transforms).
    func keep(_ input: UnsafeBufferPointer<Float>, from b: RealFFT.Buffers) {
        guard b.size <= Self.maxTransformFrames else { return }
        let e = Entry(size: b.size, input: Array(input), spectrum: Array(b.spectrum))
        lock.lock()
        defer { lock.unlock() }
        entries.append(e)
        if entries.count > Self.capacity { entries.removeFirst() }
    }

    /// Equal bit patterns (so −0 and +0, or two NaNs, are told apart as the transform would).
    static func same(_ a: [Float], _ b: UnsafeBufferPointer<Float>) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0, let bb = b.baseAddress else { return true }
        return a.withUnsafeBufferPointer { memcmp($0.baseAddress!, bb, 4 * a.count) == 0 }
    }
}
