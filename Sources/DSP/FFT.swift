// SPDX-License-Identifier: GPL-2.0-or-later
import CFFTW
import Foundation

/// A real-input FFT of one size, backed by FFTW: the only place that touches FFTW.
///
/// Plans are made once per size with `FFTW_ESTIMATE` and cached; the planner is not
/// thread-safe, so planning runs under a global lock. Executing a plan on new arrays is
/// thread-safe, so one `RealFFT` serves any number of threads, each with its own buffers
/// (``Buffers``).
public final class RealFFT: @unchecked Sendable {
    /// Transform length (real samples).
    public let size: Int
    /// Number of complex bins: `size / 2 + 1`.
    public var bins: Int { size / 2 + 1 }
    private let forwardPlan: OpaquePointer
    private let inversePlan: OpaquePointer

    nonisolated(unsafe) private static var cache: [Int: RealFFT] = [:]
    private static let plannerLock = NSLock()

    /// The shared transform of length `size` (any size; 2, 3, 5, 7 smooth sizes are fastest).
    public static func of(size: Int) -> RealFFT { planned(size, in: &cache, RealFFT.init(plannedUnderLock:)) }

    /// The transform of length `size` from `cache`, planned by `plan` under the one lock every
    /// FFTW planner call (either precision's) is made under, and kept there.
    static func planned<T>(_ size: Int, in cache: inout [Int: T], _ plan: (Int) -> T) -> T {
        plannerLock.lock()
        defer { plannerLock.unlock() }
        if let f = cache[size] { return f }
        let f = plan(size)
        cache[size] = f
        return f
    }

    private init(plannedUnderLock size: Int) {
        precondition(size >= 2)
        self.size = size
        let r = fftw_alloc_real(size)!
        let c = fftw_alloc_complex(size / 2 + 1)!
        let flags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_DESTROY_INPUT)
        forwardPlan = fftw_plan_dft_r2c_1d(Int32(size), r, c, flags)
        inversePlan = fftw_plan_dft_c2r_1d(Int32(size), c, r, flags)
        fftw_free(r)
        fftw_free(c)
    }

    /// Aligned work arrays for one thread's use of a transform.
    public final class Buffers {
        let real: UnsafeMutablePointer<Double>
        /// FFTW's own type stays inside DSP: callers see ``spectrum`` and ``samples``.
        let complex: UnsafeMutablePointer<fftw_complex>
        public let size: Int
        public init(size: Int) {
            self.size = size
            real = fftw_alloc_real(size)!
            complex = fftw_alloc_complex(size / 2 + 1)!
        }
        deinit {
            fftw_free(real)
            fftw_free(complex)
        }
        /// The complex bins as (re, im) pairs.
        public var spectrum: UnsafeMutableBufferPointer<(Double, Double)> {
            UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(complex).assumingMemoryBound(to: (Double, Double).self), count: size / 2 + 1)
        }
        public var samples: UnsafeMutableBufferPointer<Double> { UnsafeMutableBufferPointer(start: real, count: size) }
    }

    /// Transforms `buffers.real` into `buffers.complex` (the real input is destroyed).
    public func forward(_ buffers: Buffers) {
        precondition(buffers.size == size)
        fftw_execute_dft_r2c(forwardPlan, buffers.real, buffers.complex)
    }

    /// Transforms `buffers.complex` into `buffers.real`, unscaled (multiply by 1/size).
    public func inverse(_ buffers: Buffers) {
        precondition(buffers.size == size)
        fftw_execute_dft_c2r(inversePlan, buffers.complex, buffers.real)
    }

    /// The FFTW version string.
    public static var libraryVersion: String { String(cString: cfftw_version()) }

    /// The smallest size ≥ `n` whose only prime factors are 2, 3 and 5.
    public static func goodSize(atLeast n: Int) -> Int {
        var best = 1
        while best < n { best <<= 1 }
        var p5 = 1
        while p5 < best {
            var p35 = p5
            while p35 < best {
                var s = p35
                while s < n { s <<= 1 }
                if s < best { best = s }
                p35 *= 3
            }
            p5 *= 5
        }
        return best
    }
}

/// The same transform in single precision (FFTW's `fftwf_` interface): for a correlation whose
/// values only rank lags and estimate a noise floor (the whole-recording scan of a long
/// capture), where its relative error (~10⁻⁶ of the peak) is far below anything compared.
/// Planned under ``RealFFT``'s lock and cached the same way.
public final class RealFFTSingle: @unchecked Sendable {
    public let size: Int
    public var bins: Int { size / 2 + 1 }
    private let forwardPlan: OpaquePointer
    private let inversePlan: OpaquePointer

    nonisolated(unsafe) private static var cache: [Int: RealFFTSingle] = [:]

    public static func of(size: Int) -> RealFFTSingle { RealFFT.planned(size, in: &cache, RealFFTSingle.init(plannedUnderLock:)) }

    private init(plannedUnderLock size: Int) {
        precondition(size >= 2)
        self.size = size
        let r = fftwf_alloc_real(size)!
        let c = fftwf_alloc_complex(size / 2 + 1)!
        let flags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_DESTROY_INPUT)
        forwardPlan = fftwf_plan_dft_r2c_1d(Int32(size), r, c, flags)
        inversePlan = fftwf_plan_dft_c2r_1d(Int32(size), c, r, flags)
        fftwf_free(r)
        fftwf_free(c)
    }

    /// Aligned work arrays for one thread's use of a transform.
    public final class Buffers {
        let real: UnsafeMutablePointer<Float>
        let complex: UnsafeMutablePointer<fftwf_complex>
        public let size: Int
        public init(size: Int) {
            self.size = size
            real = fftwf_alloc_real(size)!
            complex = fftwf_alloc_complex(size / 2 + 1)!
        }
        deinit {
            fftwf_free(real)
            fftwf_free(complex)
        }
        public var spectrum: UnsafeMutableBufferPointer<(Float, Float)> {
            UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(complex).assumingMemoryBound(to: (Float, Float).self), count: size / 2 + 1)
        }
        public var samples: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: real, count: size) }
    }

    public func forward(_ buffers: Buffers) {
        precondition(buffers.size == size)
        fftwf_execute_dft_r2c(forwardPlan, buffers.real, buffers.complex)
    }

    /// Unscaled (multiply by 1/size).
    public func inverse(_ buffers: Buffers) {
        precondition(buffers.size == size)
        fftwf_execute_dft_c2r(inversePlan, buffers.complex, buffers.real)
    }
}

/// Spectral measures of short signals.
public enum Spectrum {
    /// The RMS bandwidth about its mean frequency (cycles per sample) of `x`'s Hann-windowed
    /// periodogram (zero-padded 4×, DC left out): the spread of its energy over frequency.
    /// Its correlation with a copy of itself falls off over about 1/bandwidth samples, and
    /// the copy's phase turned by a filter moves its peak anywhere within that. 0 for silence.
    public static func rmsBandwidth(_ x: [Double]) -> Double {
        guard x.count >= 8 else { return 0 }
        let n = RealFFT.goodSize(atLeast: 4 * x.count)
        let power = hannPeriodogram(x, size: n)
        var p0 = 0.0, p1 = 0.0, p2 = 0.0
        for k in 1...(n / 2) {
            let p = power[k], f = Double(k) / Double(n)
            p0 += p
            p1 += p * f
            p2 += p * f * f
        }
        guard p0 > 0 else { return 0 }
        let mean = p1 / p0
        return max(0, p2 / p0 - mean * mean).squareRoot()
    }

    /// Spectral flatness (geometric over arithmetic mean of the Hann-windowed periodogram,
    /// DC and Nyquist left out): about 0.5 for white noise, near 0 for a tone or a chirp.
    public static func flatness(_ x: [Double]) -> Double {
        guard x.count >= 8 else { return 1 }
        let n = RealFFT.goodSize(atLeast: x.count)
        let power = hannPeriodogram(x, size: n)
        var logSum = 0.0, sum = 0.0, count = 0
        for k in 1..<(n / 2) {
            let p = power[k] + 1e-300
            logSum += log(p)
            sum += p
            count += 1
        }
        guard count > 0, sum > 1e-290 * Double(count) else { return 1 }
        return exp(logSum / Double(count)) / (sum / Double(count))
    }

    /// |X(k)|² for k = 0…n/2 of `x` under a Hann window, zero-padded to `n` ≥ its length.
    static func hannPeriodogram(_ x: [Double], size n: Int) -> [Double] {
        let fft = RealFFT.of(size: n)
        let b = RealFFT.Buffers(size: n)
        let w = b.samples
        for i in 0..<n { w[i] = 0 }
        let m = x.count
        for i in 0..<m { w[i] = x[i] * (0.5 - 0.5 * cos(2 * Double.pi * (Double(i) + 0.5) / Double(m))) }
        fft.forward(b)
        return b.spectrum.map { $0.0 * $0.0 + $0.1 * $0.1 }
    }
}
