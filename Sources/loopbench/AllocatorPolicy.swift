// SPDX-License-Identifier: GPL-2.0-or-later
import CMalloc

/// How this process's allocator treats large blocks (glibc's `mallopt`).
///
/// An analysis allocates and frees arrays of megabytes over and over: the capture's stretch,
/// its transforms, the aligned reference, the residual. Left to its defaults, glibc maps each
/// block of 128 kB and more afresh (the threshold only grows as blocks are freed) and hands
/// freed memory back to the kernel, so every new array faults its pages in again, zeroed by
/// the kernel: a 60 s stereo capture took 29 300 page faults for a peak of 90 MB, and the
/// kernel's share of its time was a quarter. Here blocks up to 32 MB (the most `mallopt`
/// allows on 64-bit) come from the heap and freed memory stays there for the next array:
/// 15 800 faults, 0.30 → 0.25 s wall for `loopbench analyze` on that capture, the same peak
/// (`loopbench bench analyze` measures both). The cost: a process keeps its high-water mark
/// until it exits rather than shrinking after it.
enum AllocatorPolicy {
    /// Blocks up to this size come from the heap (glibc caps it at half its 64 MB heap size).
    static let mmapThreshold: Int32 = 32 << 20
    /// Freed memory at the heap's top is kept below this (in effect: always kept).
    static let trimThreshold: Int32 = .max

    static func apply() {
        // Each call returns 0 when glibc refuses the value; the defaults then stand, which
        // changes only the speed.
        _ = mallopt(M_MMAP_THRESHOLD, mmapThreshold)
        _ = mallopt(M_TRIM_THRESHOLD, trimThreshold)
    }
}
