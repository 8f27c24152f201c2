// SPDX-License-Identifier: GPL-2.0-or-later

/// QEMU's mixing engine (`audio/audio.c`, `audio/mixeng.c`): per direction a buffer at the
/// backend's rate (`out.buffer-length`, `in.buffer-length`) and a resampler between the
/// guest's rate and the backend's.
struct MixingEngine {
    /// Backend-rate frames waiting for the backend (the hw voice's mix buffer).
    var playbackBuffer = RunQueue()
    /// Backend-rate frames read from the backend, waiting for the guest's device.
    var captureBuffer = RunQueue()
    /// Guest rate → backend rate.
    var playbackResampler: RateConverter
    /// Backend rate → guest rate.
    var captureResampler: RateConverter
    /// Capacity of each buffer (backend frames).
    let playbackCapacity: Int
    let captureCapacity: Int

    init(guestRate: Int, playbackRate: Int, captureRate: Int, playbackCapacity: Int, captureCapacity: Int) {
        playbackResampler = RateConverter(inRate: guestRate, outRate: playbackRate)
        captureResampler = RateConverter(inRate: captureRate, outRate: guestRate)
        self.playbackCapacity = playbackCapacity
        self.captureCapacity = captureCapacity
    }

    /// `AUD_read`: up to `n` guest frames out of the capture buffer (resampled from the
    /// backend's rate) appended to `out`; `scratch` carries the resampler's input. Returns how many.
    mutating func readForGuest(_ n: Int, into out: inout RunQueue, via scratch: inout RunQueue) -> Int {
        guard n > 0 else { return 0 }
        if captureResampler.identity {
            return captureBuffer.move(n, to: &out)
        }
        let m = min(captureResampler.inFor(n), captureBuffer.total)
        captureBuffer.move(m, to: &scratch)
        let before = captureResampler.outTotal
        captureResampler.feed(&scratch, to: &out)
        return Int(captureResampler.outTotal - before)
    }
}

/// A rational rate converter that logs its input, so every output frame can be traced
/// back to the (fractional) input position it interpolates (QEMU's mixeng resampler is a
/// linear interpolator, `audio/rate_template.h`; `identity` when both rates are equal).
struct RateConverter: Sendable {
    let inRate: Int
    let outRate: Int
    var identity: Bool { inRate == outRate }
    /// Every input run, by input position.
    var log = RunLog()
    var inTotal: Int64 = 0
    var outTotal: Int64 = 0

    init(inRate: Int, outRate: Int) {
        self.inRate = inRate
        self.outRate = outRate
    }

    /// Output frames that `inFrames` more input would yield (floor).
    func outFor(_ inFrames: Int) -> Int {
        identity ? inFrames : Int((inTotal + Int64(inFrames)) * Int64(outRate) / Int64(inRate) - outTotal)
    }

    /// Input frames needed to produce at least `outFrames` more output.
    func inFor(_ outFrames: Int) -> Int {
        if identity { return outFrames }
        let need = ((outTotal + Int64(outFrames)) * Int64(inRate) + Int64(outRate) - 1) / Int64(outRate)
        return max(0, Int(need - inTotal))
    }

    /// Converts everything in `src` and appends the result to `dst`.
    mutating func feed(_ src: inout RunQueue, to dst: inout RunQueue) {
        if identity {
            src.move(src.total, to: &dst)
            return
        }
        for r in src.live { log.append(r) }
        inTotal += Int64(src.total)
        src.discard(src.total)
        let newOut = inTotal * Int64(outRate) / Int64(inRate)
        if newOut > outTotal {
            dst.push(Run(tag: outTotal, count: Int(newOut - outTotal), cause: -1))
            outTotal = newOut
        }
    }

    /// Input position (fractional) that output frame `k` interpolates.
    func inputPosition(of k: Int64) -> (Int64, Double) {
        let num = k * Int64(inRate)
        return (num / Int64(outRate), Double(num % Int64(outRate)) / Double(outRate))
    }

    /// The input tag behind output tag `tag` (the first of the two frames it interpolates); -1 for silence.
    func sourceTag(of tag: Int64) -> Int64 {
        if tag < 0 { return -1 }
        if identity { return tag }
        let (i, _) = inputPosition(of: tag)
        var hint = 0
        return log.tag(at: i, hint: &hint).tag
    }
}
