// SPDX-License-Identifier: GPL-2.0-or-later
@testable import AudioFile
import Testing

/// The readers refuse a file with a NaN or an infinite sample; the check runs eight lanes at a
/// time (v · 0 summed) and the tail one by one, so every position and length is tried.
@Suite("Sound file samples are finite")
struct SoundFileFiniteTests {
    @Test("a NaN, +∞ or −∞ at any place in 1–40 samples is found; finite extremes, −0 and subnormals are not")
    func everyPlace() {
        let finite: [Float] = [0, -0.0, 1, -1, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude, 0.5]
        for n in 1...40 {
            let clean = (0..<n).map { finite[$0 % finite.count] }
            #expect(SoundFile.allFinite(clean), "\(n) finite samples")
            for bad in [Float.nan, .infinity, -.infinity, Float(bitPattern: 0x7FC0_0001)] {
                for at in 0..<n {
                    var x = clean
                    x[at] = bad
                    #expect(!SoundFile.allFinite(x), "\(bad) at \(at) of \(n)")
                }
            }
        }
        #expect(SoundFile.allFinite([]))
    }
}
