// SPDX-License-Identifier: GPL-2.0-or-later

// The capture renderer's bookkeeping: reading run logs by position, the stretches of capture
// that carry the stimulus, and the artifact behind each capture frame.

/// A forward-moving reader of a ``RunLog`` (positions mostly increase).
struct LogCursor {
    let log: RunLog
    var j = 0
    init(log: RunLog) { self.log = log }

    mutating func tag(at pos: Int64) -> (Int64, Int32) {
        if pos < 0 || pos >= log.end || log.runs.isEmpty { return (-1, -1) }
        if pos < log.starts[j] { j = log.index(of: pos) ?? 0 }
        while pos >= log.starts[j] + Int64(log.runs[j].count) { j += 1 }
        let r = log.runs[j]
        return (r.tag < 0 ? -1 : r.tag + (pos - log.starts[j]), r.cause)
    }

    /// The tag and cause at `pos` and how many frames the run goes on from there (silence to the end past the log).
    mutating func run(at pos: Int64) -> (Int64, Int32, Int) {
        if pos < 0 || pos >= log.end || log.runs.isEmpty { return (-1, -1, Int.max) }
        if pos < log.starts[j] { j = log.index(of: pos) ?? 0 }
        while pos >= log.starts[j] + Int64(log.runs[j].count) { j += 1 }
        let r = log.runs[j]
        let off = pos - log.starts[j]
        return (r.tag < 0 ? -1 : r.tag + off, r.cause, r.count - Int(off))
    }

    /// The tag at `pos` without moving (pos at or just after the cursor's run).
    func peek(_ pos: Int64) -> (Int64, Int32) {
        if pos < 0 || pos >= log.end || log.runs.isEmpty { return (-1, -1) }
        var k = j
        if pos < log.starts[k] { return (-1, -1) }
        while pos >= log.starts[k] + Int64(log.runs[k].count) { k += 1 }
        let r = log.runs[k]
        return (r.tag < 0 ? -1 : r.tag + (pos - log.starts[k]), r.cause)
    }
}

/// Stretches of capture frames that carry the stimulus at one delay, built frame by frame
/// in capture order (a frame continues the open stretch when it follows it directly and its
/// delay is within half a frame of the stretch's first delay).
struct SegmentTrace {
    struct Seg { var start: Int; var end: Int; var delay: Double }
    var segs: [Seg] = []
    private var open = false
    private var cs = 0, ce = 0
    private var cd = 0.0

    /// Capture frame `q` carries stimulus frame `s` (fractional with resampling).
    @inline(__always) mutating func frame(_ q: Int, _ s: Double) {
        let d = Double(q) - s
        if open && q == ce && abs(d - cd) <= 0.5 {
            ce = q + 1
            return
        }
        if open { segs.append(Seg(start: cs, end: ce, delay: cd)) }
        open = true
        cs = q
        ce = q + 1
        cd = d
    }

    /// Capture frames `q..<q+n` all carry the stimulus at delay `d`.
    mutating func span(_ q: Int, _ n: Int, delay d: Double) {
        guard n > 0 else { return }
        if open && q == ce && abs(d - cd) <= 0.5 {
            ce = q + n
            return
        }
        if open { segs.append(Seg(start: cs, end: ce, delay: cd)) }
        open = true
        cs = q
        ce = q + n
        cd = d
    }

    mutating func finish() -> [Seg] {
        if open { segs.append(Seg(start: cs, end: ce, delay: cd)); open = false }
        return segs
    }
}

/// The artifact (cause) of each capture frame, as change points: `starts[i]` is the first
/// frame with cause `values[i]` (-1: none).
struct CauseRuns {
    private(set) var starts: [Int] = [0]
    private(set) var values: [Int32] = [-1]

    @inline(__always) mutating func set(_ q: Int, _ c: Int32) {
        if c != values[values.count - 1] {
            if starts[starts.count - 1] == q {
                values[values.count - 1] = c
                if values.count > 1 && values[values.count - 2] == c { starts.removeLast(); values.removeLast() }
            } else {
                starts.append(q)
                values.append(c)
            }
        }
    }

    /// Frames `q..<q+n` have cause `c`.
    mutating func set(_ q: Int, _ n: Int, _ c: Int32) {
        guard n > 0 else { return }
        set(q, c)
        set(q + n, -1)
    }

    /// The first cause ≥ 0 among frames `a..<b`.
    func first(in a: Int, _ b: Int) -> Int32? {
        guard a < b else { return nil }
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= a { lo = mid } else { hi = mid - 1 }
        }
        var i = lo
        while i < starts.count && starts[i] < b {
            if values[i] >= 0 { return values[i] }
            i += 1
        }
        return nil
    }
}

/// The capture (audio), the stretches of it that carry the stimulus, and the artifact
/// behind each capture frame.
struct RenderedCapture {
    var audio: [Float]
    /// Every stretch that carries the stimulus, short ones included, in capture order.
    var segments: [SegmentTrace.Seg]
    var causes: CauseRuns

    /// Whether most frames in `a..<b` carry the stimulus (an insertion that is mostly silence
    /// is a gap, one that is mostly earlier audio a repeat, as the analyzer names them).
    func mostlySignal(_ a: Int, _ b: Int) -> Bool {
        guard a < b else { return false }
        var n = 0, i = firstSegment(endingAfter: a)
        while i < segments.count && segments[i].start < b {
            n += min(b, segments[i].end) - max(a, segments[i].start)
            i += 1
        }
        return 2 * n > b - a
    }

    /// Whether any frame in `a..<b` carries the stimulus.
    func hasSignal(_ a: Int, _ b: Int) -> Bool {
        guard a < b else { return false }
        let i = firstSegment(endingAfter: a)
        return i < segments.count && segments[i].start < b
    }

    /// Index of the first stretch that ends after frame `a` (binary search; stretches are in order).
    private func firstSegment(endingAfter a: Int) -> Int {
        var lo = 0, hi = segments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid].end <= a { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
