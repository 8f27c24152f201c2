// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// Each thread's last few pairs of transform buffers, by size, for ``Correlation``: a tracker
/// correlates ~150 windows per capture at one size, and allocating (and, for a whole capture's
/// transform, faulting in) two fresh buffers each time cost a few per cent of a sweep. Every
/// correlation writes the whole of both buffers before reading them, so reusing them changes
/// no value.
enum ScratchBuffers {
    /// Sizes kept per thread: the tracker's windows, the whole-signal correlation and the
    /// reference's autocorrelation, and one more.
    static let sizesPerThread = 4
    /// Buffers of longer transforms are not kept (2 × 8 MB at this size): a minute-long
    /// capture's whole-signal transform is made once per analysis.
    static let maxKeptSize = 1 << 19

    final class Pool {
        var pairs: [(size: Int, a: RealFFT.Buffers, b: RealFFT.Buffers)] = []
    }

    static let key = "loopbench.DSP.ScratchBuffers"

    /// Two buffers of `size` for the calling thread's use until its next call.
    static func pair(size: Int) -> (RealFFT.Buffers, RealFFT.Buffers) {
        guard size <= maxKeptSize else { return (RealFFT.Buffers(size: size), RealFFT.Buffers(size: size)) }
        let dict = Thread.current.threadDictionary
        let pool: Pool
        if let p = dict[key] as? Pool { pool = p } else { pool = Pool(); dict[key] = pool }
        if let i = pool.pairs.firstIndex(where: { $0.size == size }) {
            let e = pool.pairs.remove(at: i)
            pool.pairs.append(e)
            return (e.a, e.b)
        }
        let e = (size: size, a: RealFFT.Buffers(size: size), b: RealFFT.Buffers(size: size))
        pool.pairs.append(e)
        if pool.pairs.count > sizesPerThread { pool.pairs.removeFirst() }
        return (e.a, e.b)
    }
}
