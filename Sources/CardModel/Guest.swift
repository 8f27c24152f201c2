// SPDX-License-Identifier: GPL-2.0-or-later

/// The guest's playback side: an ALSA application that keeps its DMA ring full, and the ring
/// as the device's DMA engine reads it.
///
/// Positions are guest-stream frames (the stimulus starts at frame `prefill`, after one ring
/// of silence). The guest only knows the DMA position through its own view of it (`guestView`),
/// which ALSA keeps modulo the ring: see ``guestViewAdvance(_:now:lastUpdateNs:ringFrames:rate:)``.
struct GuestPlayback {
    /// Frames in the guest's DMA ring (its ALSA buffer).
    let ringFrames: Int
    let rate: Int
    /// virtio-snd: the device consumes only buffers the guest queued (no free-running DMA ring).
    let queuedBuffersOnly: Bool
    /// The guest has written the stream up to here (exclusive).
    var writePosition: Int64
    /// How far the device's DMA has read the stream (HDA: LPIB, link position in buffer).
    var dmaPosition: Int64 = 0
    /// Where the guest believes the DMA is.
    var guestView: Int64 = 0
    var lastViewUpdateNs = 0

    init(ringFrames: Int, rate: Int, queuedBuffersOnly: Bool) {
        self.ringFrames = ringFrames
        self.rate = rate
        self.queuedBuffersOnly = queuedBuffersOnly
        writePosition = Int64(ringFrames)
    }

    /// Frames the guest has written that the device has not read yet, as the guest sees it.
    var fill: Int { max(0, Int(writePosition - guestView)) }

    /// The guest writer wakes: it fills its ring up to what it believes the DMA has consumed.
    /// Waking after the DMA passed its write pointer is a guest playback underrun.
    mutating func wake(now t: Int, log: inout ArtifactLog) {
        let view = queuedBuffersOnly ? dmaPosition : guestView
        if view > writePosition {
            let lost = Int(view - writePosition)
            log.log(Artifact(kind: "underrun", place: "guest ring", timeNs: t, frames: lost,
                             reason: "guest playback underrun: the guest woke \(ms(lost, rate)) ms too late to refill its \(ms(ringFrames, rate)) ms ring",
                             firstGuestFrame: writePosition, lastGuestFrame: view - 1))
            writePosition = view
        }
        writePosition = view + Int64(ringFrames)
    }

    /// The device reads `n` frames of the ring at the DMA position into `out`. Slot content is
    /// whatever the guest last wrote there; there is no check against the guest's write
    /// pointer, so reading past it replays stale ring contents (logged as a "stale-read").
    mutating func dmaRead(_ n: Int, now: Int, into out: inout RunQueue, log: inout ArtifactLog) {
        guard n > 0 else { return }
        if queuedBuffersOnly {
            out.push(Run(tag: dmaPosition, count: n, cause: -1))
            dmaPosition += Int64(n)
            return
        }
        let N = Int64(ringFrames)
        let viewAfter = guestView + guestViewAdvance(n, now: now, lastUpdateNs: lastViewUpdateNs, ringFrames: ringFrames, rate: rate)
        let lapsAfter = (dmaPosition + Int64(n) - viewAfter) / N
        var d = dmaPosition
        var left = n
        let top = writePosition - 1
        while left > 0 {
            // The newest stream frame in ring slot d (mod N), and how many slots follow in that lap.
            let m = ((top - d) % N + N) % N
            let f = top - m
            let k = min(left, Int(m) + 1)
            let expected = d - lapsAfter * N
            var cause: ArtifactIndex = -1
            if f < expected {
                if let last = log.last, last.place == "guest ring", last.kind == "stale-read", last.lastGuestFrame == expected - 1 {
                    log.extendLast(by: k, lastGuestFrame: expected + Int64(k) - 1)
                    cause = ArtifactIndex(log.artifacts.count - 1)
                } else {
                    cause = log.log(Artifact(kind: "stale-read", place: "guest ring", timeNs: now, frames: k,
                                             reason: "the device read \(ms(k, rate)) ms past the guest's write pointer and replayed stale ring contents",
                                             firstGuestFrame: expected, lastGuestFrame: expected + Int64(k) - 1))
                }
            }
            if f < 0 {
                let silent = min(k, Int(-f))
                out.push(.silence(silent, cause: cause))
                if k > silent { out.push(Run(tag: 0, count: k - silent, cause: cause)) }
            } else {
                out.push(Run(tag: f, count: k, cause: cause))
            }
            d += Int64(k)
            left -= k
        }
        dmaPosition += Int64(n)
        guestView += guestViewAdvance(n, now: now, lastUpdateNs: lastViewUpdateNs, ringFrames: ringFrames, rate: rate)
        lastViewUpdateNs = now
    }
}

/// The guest's capture side: the device's DMA writes the ring, the guest reader empties it.
struct GuestCapture {
    let ringFrames: Int
    let rate: Int
    /// virtio-snd: the device fills only buffers the guest queued, so the guest sees every frame.
    let queuedBuffersOnly: Bool
    /// How far the device's DMA has written the stream.
    var dmaPosition: Int64 = 0
    /// Where the guest believes the DMA is.
    var guestView: Int64 = 0
    var lastViewUpdateNs = 0
    /// The guest has read the stream up to here (exclusive).
    var readPosition: Int64 = 0
    /// What the device wrote at each DMA position.
    var dmaTape = RunLog()
    private var tapeHint = 0
    /// What the guest read, in order: the capture.
    private(set) var captured = RunLog()

    init(ringFrames: Int, rate: Int, queuedBuffersOnly: Bool) {
        self.ringFrames = ringFrames
        self.rate = rate
        self.queuedBuffersOnly = queuedBuffersOnly
    }

    /// Frames written that the guest has not read yet, as the guest sees it.
    var fill: Int { max(0, Int(guestView - readPosition)) }

    /// The device writes everything in `input` into the ring at the DMA position.
    mutating func dmaWrite(from input: inout RunQueue, now: Int) {
        let n = input.total
        guard n > 0 else { return }
        for r in input.live { dmaTape.append(r) }
        input.discard(n)
        dmaPosition += Int64(n)
        if queuedBuffersOnly {
            guestView = dmaPosition
        } else {
            guestView += guestViewAdvance(n, now: now, lastUpdateNs: lastViewUpdateNs, ringFrames: ringFrames, rate: rate)
            lastViewUpdateNs = now
        }
    }

    /// The guest reader wakes: it takes everything the DMA has written into its ring. When the
    /// device wrote over data the guest had not read, that is a guest capture overrun.
    mutating func wake(now t: Int, log: inout ArtifactLog) {
        if queuedBuffersOnly {
            if dmaPosition > readPosition {
                var out: [Run] = []
                dmaTape.slice(from: readPosition, count: Int(dmaPosition - readPosition), hint: &tapeHint, into: &out)
                for r in out { captured.append(r) }
                readPosition = dmaPosition
            }
            return
        }
        let N = Int64(ringFrames)
        var overrun: ArtifactIndex = -1
        if guestView - readPosition > N {
            let lost = Int(guestView - N - readPosition)
            overrun = log.log(Artifact(kind: "overrun", place: "guest ring in", timeNs: t, frames: lost,
                                       reason: "guest capture overrun: the device wrote \(ms(lost, rate)) ms over unread ring data"))
            // The guest re-synchronises: those frames are what the ring holds now (newer data).
        }
        let from = max(readPosition, guestView - N)
        if guestView > from {
            // The guest reads ring slots; slot content is the newest DMA position written there.
            var g = from
            var out: [Run] = []
            while g < guestView {
                let top = dmaPosition - 1
                if top < 0 { out.append(.silence(Int(guestView - g))); break }
                let m = ((top - g) % N + N) % N
                let e = top - m
                let k = min(Int(guestView - g), Int(m) + 1)
                if e < 0 {
                    let silent = min(k, Int(-e))
                    out.append(.silence(silent))
                    if k > silent { dmaTape.slice(from: 0, count: k - silent, hint: &tapeHint, into: &out) }
                } else {
                    dmaTape.slice(from: e, count: k, hint: &tapeHint, into: &out)
                }
                g += Int64(k)
            }
            if readPosition < from { captured.append(.silence(Int(from - readPosition), cause: overrun)) }
            for r in out { captured.append(r) }
        }
        readPosition = guestView
    }
}

/// How far the guest's idea of the DMA position moves for a transfer of `n` frames: ALSA
/// sees the position modulo the ring, so a jump of a whole ring or more is lost, unless
/// enough time has passed since the last update for its jiffies check to count whole
/// buffers (elapsed ≥ half the buffer time, `snd_pcm_update_hw_ptr0` in the kernel's
/// `sound/core/pcm_lib.c`).
@inline(__always) func guestViewAdvance(_ n: Int, now: Int, lastUpdateNs: Int, ringFrames N: Int, rate: Int) -> Int64 {
    if n < N { return Int64(n) }
    let halfBufferNs = Int(Double(N) * 5e8 / Double(rate))
    if now - lastUpdateNs >= halfBufferNs { return Int64(n) }
    return Int64(n % N)
}
