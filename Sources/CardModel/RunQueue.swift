// SPDX-License-Identifier: GPL-2.0-or-later

/// A stretch of frames moving through the model, run-length encoded.
///
/// `tag` names the content of the first frame in the stage's index space (a guest stream
/// frame, a resampler output index, …); the following frames are `tag + 1`, `tag + 2`, ….
/// A negative tag is silence. `cause` is the index of the artifact (in the model's log)
/// that produced these frames, or -1 for ordinary audio.
struct Run: Sendable, Equatable {
    var tag: Int64
    var count: Int
    var cause: Int32

    static func silence(_ count: Int, cause: Int32 = -1) -> Run { Run(tag: -1, count: count, cause: cause) }

    /// The run without its first `n` frames.
    func dropping(_ n: Int) -> Run {
        Run(tag: tag < 0 ? tag : tag + Int64(n), count: count - n, cause: cause)
    }

    /// Whether `next` continues this run so the two can be merged.
    func continues(with next: Run) -> Bool {
        guard cause == next.cause else { return false }
        if tag < 0 { return next.tag < 0 }
        return next.tag == tag + Int64(count)
    }
}

/// A FIFO of runs: every buffer on the path (HDA ring, mixeng, PA queue, …) is one.
///
/// Storage is reused: `buf[head..<tail]` are the live runs; slots are overwritten rather
/// than removed, so steady traffic allocates and moves nothing.
struct RunQueue: Sendable {
    private var buf: [Run] = []
    private var head = 0
    private var tail = 0
    private(set) var total = 0

    init() { buf.reserveCapacity(64) }

    var isEmpty: Bool { total == 0 }

    /// The live runs, front first.
    var live: ArraySlice<Run> { buf[head..<tail] }

    mutating func push(_ r: Run) {
        guard r.count > 0 else { return }
        total += r.count
        if tail > head, buf[tail - 1].continues(with: r) {
            buf[tail - 1].count += r.count
            return
        }
        if tail < buf.count { buf[tail] = r } else { buf.append(r) }
        tail += 1
    }

    /// Moves up to `n` frames from the front of this queue to the back of `dst`; returns how many moved.
    @discardableResult
    mutating func move(_ n: Int, to dst: inout RunQueue) -> Int {
        var left = min(n, total)
        let moved = left
        while left > 0 {
            let r = buf[head]
            if r.count <= left {
                dst.push(r)
                left -= r.count
                head += 1
            } else {
                dst.push(Run(tag: r.tag, count: left, cause: r.cause))
                buf[head] = r.dropping(left)
                left = 0
            }
        }
        total -= moved
        compact()
        return moved
    }

    /// Discards up to `n` frames from the front; returns the smallest and largest non-silent tag dropped.
    @discardableResult
    mutating func discard(_ n: Int) -> (lo: Int64, hi: Int64)? {
        var left = min(n, total)
        total -= left
        var lo = Int64.max, hi = Int64.min
        while left > 0 {
            let r = buf[head]
            let k = min(r.count, left)
            if r.tag >= 0 {
                lo = min(lo, r.tag)
                hi = max(hi, r.tag + Int64(k) - 1)
            }
            if k == r.count { head += 1 } else { buf[head] = r.dropping(k) }
            left -= k
        }
        compact()
        return lo <= hi ? (lo, hi) : nil
    }

    mutating func removeAll() -> (lo: Int64, hi: Int64)? { discard(total) }

    private mutating func compact() {
        if head == tail {
            head = 0
            tail = 0
        } else if head > 256 && head * 2 > tail {
            for k in head..<tail { buf[k - head] = buf[k] }
            tail -= head
            head = 0
        }
    }
}

/// An append-only record of runs by position (the capture DMA tape, the guest's capture,
/// the resamplers' input), with lookup by position.
struct RunLog: Sendable {
    private(set) var starts: [Int64] = []
    private(set) var runs: [Run] = []
    private(set) var end: Int64 = 0

    mutating func append(_ r: Run) {
        guard r.count > 0 else { return }
        if let last = runs.last, last.continues(with: r) {
            runs[runs.count - 1].count += r.count
        } else {
            starts.append(end)
            runs.append(r)
        }
        end += Int64(r.count)
    }

    /// Index of the run holding position `pos`, searching near `hint` first.
    func index(of pos: Int64, hint: Int = 0) -> Int? {
        guard pos >= 0, pos < end, !runs.isEmpty else { return nil }
        var h = min(max(hint, 0), runs.count - 1)
        if starts[h] <= pos && pos < starts[h] + Int64(runs[h].count) { return h }
        if h + 1 < runs.count, starts[h + 1] <= pos, pos < starts[h + 1] + Int64(runs[h + 1].count) { return h + 1 }
        var lo = 0, hi = runs.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= pos { lo = mid } else { hi = mid - 1 }
        }
        h = lo
        return h
    }

    /// The content tag and cause at `pos` (silence with cause -1 when outside the log).
    func tag(at pos: Int64, hint: inout Int) -> (tag: Int64, cause: Int32) {
        guard let i = index(of: pos, hint: hint) else { return (-1, -1) }
        hint = i
        let r = runs[i]
        return (r.tag < 0 ? -1 : r.tag + (pos - starts[i]), r.cause)
    }

    /// Runs covering positions [from, from + count), silence where the log holds nothing.
    func slice(from: Int64, count: Int, hint: inout Int, into out: inout [Run]) {
        var pos = from
        var left = count
        while left > 0 {
            if pos >= end || pos < 0 {
                let n = pos < 0 ? min(left, Int(-pos)) : left
                out.append(.silence(n))
                pos += Int64(n)
                left -= n
                continue
            }
            guard let i = index(of: pos, hint: hint) else { break }
            hint = i
            let r = runs[i]
            let off = pos - starts[i]
            let n = min(left, r.count - Int(off))
            out.append(Run(tag: r.tag < 0 ? -1 : r.tag + off, count: n, cause: r.cause))
            pos += Int64(n)
            left -= n
        }
    }
}
