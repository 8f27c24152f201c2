// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// One artifact in the model's own log: where it happened, how big, and why.
struct Artifact: Sendable {
    var kind: String
    var place: String
    var timeNs: Int
    var frames: Int
    var reason: String
    /// Guest-stream frames (domain A) removed or replaced, when known.
    var aLo: Int64 = -1
    var aHi: Int64 = -1
}

/// A rational rate converter that logs its input, so every output frame can be traced
/// back to the (fractional) input position it interpolates (QEMU's mixeng resampler is a
/// linear interpolator; `identity` when both rates are equal).
struct RateConverter: Sendable {
    let inRate: Int
    let outRate: Int
    var identity: Bool { inRate == outRate }
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
}


/// HDA codec stream state (hw/audio/hda-codec.c), positions in frames (4 bytes each).
struct HDAStream: Sendable {
    var q = RunQueue()
    var wpos = 0
    var rpos = 0
    var buftStart = 0
    var fill: Int { wpos - rpos }
}

/// The discrete-event simulation of one full-duplex run.
struct Simulation {
    let s: CardModelSettings
    let gr: Int, hrO: Int, hrI: Int
    let N: Int            // guest ring frames
    let P: Int            // prefill (stimulus starts at guest frame P)
    let stim: [Float]
    let L: Int
    let capFrames: Int
    let endNs: Int
    let T: Int            // audio timer period (ns)
    let B = 2048          // HDA ring: 8192 bytes of 16-bit stereo
    let Ms: Int, Cs: Int  // mixeng buffers (hw frames)

    // random streams
    var rngHost: NormalPairs
    var rngGuest: NormalPairs
    var rngAlsa: SeededRandom
    let hostMedian: Double, hostSigma: Double
    let guestMedian: Double, guestSigma: Double
    var stalls: [(Int, Int)] = []
    var stallIdx = 0

    // event times
    var nextDev = Int.max, nextHdaOut = Int.max, nextHdaIn = Int.max, nextTick = Int.max
    var nextGW = Int.max, nextGR = Int.max
    var lastTick = 0
    var lastTickGap = 0

    // guest playback
    var gwOut: Int64
    var lpibOut: Int64 = 0
    var viewOut: Int64 = 0
    var lapsOut: Int64 = 0
    var guestWake = 0
    var lastViewOutNs = 0
    var lastViewInNs = 0
    // guest capture
    var lpibIn: Int64 = 0
    var viewIn: Int64 = 0
    var grIn: Int64 = 0
    var capTape = RunLog()
    var capHint = 0
    var guestCap = RunLog()

    // device
    var hOut = HDAStream()
    var hIn = HDAStream()
    var corrOut: [Int: Int] = [:]
    var corrIn: [Int: Int] = [:]
    var outCorrectionTimes: [Double] = []
    var outRampDone = false
    var outFillMin = Int.max
    var outFillMax = Int.min

    // mixeng
    var mOut = RunQueue()
    var cIn = RunQueue()
    var convOut: RateConverter
    var convIn: RateConverter
    var scratch = RunQueue()
    var scratch2 = RunQueue()
    var rendered = RunQueue()

    // backend: host device clock
    let ppmFactor: Double
    let devPhase: Int
    var devFrames: Int64 = 0
    var quantum = 0
    // PA
    var paTl = 0, paMinreq = 0, paPrebuf = 0, paMaxlen = 0, paStale = 0
    var paQ = RunQueue()
    var paRequested = 0
    var paPlaying = false
    var paStarted = false
    var paRec = RunQueue()
    var openUnderrun: Int32 = -1
    // PipeWire
    var pwHigh = 0
    var pwQ = RunQueue()
    var pwRec = RunQueue()
    var pwStarted = false
    // ALSA
    var alsaCap = 0, alsaInCap = 0
    var alsaQ = RunQueue()
    var alsaRec = RunQueue()
    var alsaRunning = false
    var alsaStarted = false
    // JACK
    var jackCap = 0
    var jackQ = RunQueue()
    var jackRec = RunQueue()
    var jackStarted = false
    // wav/none
    var wavStart = 0
    var wavWritten: Int64 = 0
    var noneRead: Int64 = 0

    // log
    var artifacts: [Artifact] = []
    var xruns: [String: Int] = [:]
    var notes: [String] = []

    // occupancy (frames × ns)
    var occ = [Int](repeating: 0, count: 8)
    var lastT = 0

    static let occNames = ["guest ring out", "HDA ring out", "mixeng out", "backend out", "backend in", "mixeng in", "HDA ring in", "guest ring in"]

    init(settings: CardModelSettings, stimulus: [Float]) {
        s = settings
        gr = settings.guestRate
        hrO = settings.outMixingEngine ? settings.outFrequency : settings.guestRate
        hrI = settings.inMixingEngine ? settings.inFrequency : settings.guestRate
        N = max(64, settings.guestBufferUS * gr / 1_000_000)
        P = N
        stim = stimulus
        L = stimulus.count
        capFrames = L + gr
        endNs = Int((Double(P + capFrames) * 1e9 / Double(gr)).rounded()) + 400_000_000
        T = settings.timerPeriodUS * 1000
        Ms = settings.outBufferLengthUS * hrO / 1_000_000
        Cs = settings.inBufferLengthUS * hrI / 1_000_000
        var master = SeededRandom(seed: settings.seed)
        rngHost = NormalPairs(SeededRandom(seed: master.next()))
        rngGuest = NormalPairs(SeededRandom(seed: master.next()))
        var rngStall = SeededRandom(seed: master.next())
        var rngPhase = SeededRandom(seed: master.next())
        rngAlsa = SeededRandom(seed: master.next())
        (hostMedian, hostSigma) = Simulation.lognormal(p99US: settings.hostJitterUS)
        (guestMedian, guestSigma) = Simulation.lognormal(p99US: settings.guestJitterUS)
        gwOut = Int64(N)
        convOut = RateConverter(inRate: gr, outRate: hrO)
        convIn = RateConverter(inRate: hrI, outRate: gr)
        ppmFactor = 1 + settings.hostPPM * 1e-6

        // Stalls.
        if let at = settings.stallAtUS, settings.stallLengthUS > 0 {
            stalls.append((at * 1000, at * 1000 + settings.stallLengthUS * 1000))
        } else if settings.stallRate > 0 && settings.stallLengthUS > 0 {
            var t = 0.0
            while true {
                t += -log(max(1e-12, rngStall.uniform())) / settings.stallRate
                let ns = Int(t * 1e9)
                if ns > endNs { break }
                stalls.append((ns, ns + settings.stallLengthUS * 1000))
                t += Double(settings.stallLengthUS) * 1e-6
            }
        }

        // Backend parameters (frames at the backend rate), exactly as QEMU 7.2 asks PulseAudio.
        let tp = settings.timerPeriodUS
        switch settings.backend {
        case .pa:
            paTl = settings.outLatencyUS * hrO / 1_000_000
            paMinreq = max(1, min(settings.outLatencyUS >> 2, (tp >> 2) * 3) * hrO / 1_000_000)
            paPrebuf = max(1, paTl + 1 - paMinreq)
            paMaxlen = max(settings.inLatencyUS, tp * 3) * hrI / 1_000_000
            // The null sink renders in blocks of its requested latency: min(minreq (early
            // requests), fragsize = 1.5·T of the monitor's record stream).
            quantum = max(hrO / 2000, min(paMinreq, ((tp >> 1) * 3) * hrO / 1_000_000))
            paRequested = paTl
            // The record stream was connected when QEMU opened the voice and is never
            // corked: the client queue sits full of old (silent) monitor blocks.
            paStale = paMaxlen / quantum * quantum
        case .pipewire:
            pwHigh = settings.outLatencyUS * hrO / 1_000_000
            let req = max(32, Int(0.75 * Double(tp) * Double(hrO) / 1e6))
            // PipeWire rounds a node.latency request down to a power of two
            // (clock.power-of-two-quantum, flp2) [assumption, spec §8 open point].
            var q = 32
            while q * 2 <= req && q < 8192 { q *= 2 }
            quantum = q
        case .alsa:
            alsaCap = settings.outBufferLengthUS * hrO / 1_000_000
            alsaInCap = settings.inBufferLengthUS * hrI / 1_000_000
            quantum = max(16, settings.outPeriodLengthUS * hrO / 1_000_000)
        case .jack:
            quantum = settings.jackPeriod
            jackCap = 3 * max(settings.jackPeriod, 512)
        case .wav, .none:
            quantum = 0
        }
        devPhase = quantum > 0 ? Int(rngPhase.uniform() * Double(quantum) * 1e9 / Double(hrO)) : 0
    }

    static func lognormal(p99US: Int) -> (Double, Double) {
        guard p99US > 0 else { return (0, 0) }
        let p99 = Double(p99US) * 1000
        let median = min(50_000, p99 / 4)
        return (median, log(p99 / median) / 2.3263)
    }

    mutating func hostLate() -> Int {
        hostMedian == 0 ? 0 : Int(hostMedian * exp(hostSigma * rngHost.next()))
    }

    mutating func guestLate() -> Int {
        guestMedian == 0 ? 0 : Int(guestMedian * exp(guestSigma * rngGuest.next()))
    }

    /// When a main-loop event scheduled for `t` really runs: late by the jitter, and not
    /// before the end of a stall that covers it.
    mutating func fire(_ t: Int) -> Int {
        var x = t + hostLate()
        while stallIdx < stalls.count && stalls[stallIdx].1 <= lastT { stallIdx += 1 }
        for i in stallIdx..<stalls.count {
            let (a, b) = stalls[i]
            if a > x { break }
            if x < b { x = b }
        }
        return x
    }

    @inline(__always) func nsAtDevFrame(_ f: Int64) -> Int {
        devPhase + Int((Double(f) * 1e9 / (Double(hrO) * ppmFactor)).rounded())
    }

    @discardableResult
    mutating func logArtifact(_ a: Artifact) -> Int32 {
        artifacts.append(a)
        xruns[a.place + " " + a.kind, default: 0] += 1
        return Int32(artifacts.count - 1)
    }

    // MARK: - run

    mutating func run() {
        // Stream start at t = 0: both guest streams triggered together (snd_pcm_link).
        if s.device == .hda {
            nextHdaOut = fire(1_000_000)
            nextHdaIn = fire(1_000_000)
        }
        let gp = s.guestPeriodUS * 1000
        guestWake = gp
        nextGW = gp + guestLate()
        nextGR = nextGW
        if s.backend == .alsa && s.outTryPoll {
            nextTick = fire(0)  // enabling the voice runs audio_run once from the poll handler
        } else {
            nextTick = fire(T)
        }
        if quantum > 0 { nextDev = nsAtDevFrame(Int64(quantum)) }
        if s.backend == .pa && paStale > 0 { paRec.push(.silence(paStale)) }
        // QEMU's JACK client is activated with the voice; its capture FIFO is full of old silence.
        if s.backend == .jack { jackRec.push(.silence(jackCap)) }
        wavStart = 0

        while true {
            var t = nextDev
            if nextHdaOut < t { t = nextHdaOut }
            if nextHdaIn < t { t = nextHdaIn }
            if nextTick < t { t = nextTick }
            if nextGW < t { t = nextGW }
            if nextGR < t { t = nextGR }
            if t > endNs { break }
            accumulate(t)
            if t == nextDev {
                deviceEvent(t)
            } else if t == nextHdaOut {
                hdaOutputTimer(t)
                nextHdaOut = fire(t + 1_000_000)
            } else if t == nextHdaIn {
                hdaInputTimer(t)
                nextHdaIn = fire(t + 1_000_000)
            } else if t == nextTick {
                lastTickGap = t - lastTick
                lastTick = t
                audioRun(t)
                if s.backend == .alsa && s.outTryPoll {
                    nextTick = Int.max
                } else {
                    nextTick = fire(t + s.hostRunCostUS * 1000 + T)
                }
            } else if t == nextGW {
                guestWrite(t)
                guestWake += gp
                nextGW = max(t + 1, guestWake + guestLate())
            } else {
                guestRead(t)
                nextGR = max(t + 1, guestWake + guestLate())
            }
        }
        accumulate(endNs)
    }

    mutating func accumulate(_ t: Int) {
        let dt = t - lastT
        guard dt > 0 else { return }
        lastT = t
        occ[0] += max(0, Int(gwOut - viewOut)) * dt
        occ[1] += hOut.fill * dt
        occ[2] += mOut.total * dt
        occ[3] += (paQ.total + pwQ.total + alsaQ.total + jackQ.total) * dt
        occ[4] += (paRec.total + pwRec.total + alsaRec.total + jackRec.total) * dt
        occ[5] += cIn.total * dt
        occ[6] += hIn.fill * dt
        occ[7] += max(0, Int(viewIn - grIn)) * dt
    }

    // MARK: - guest

    /// The guest writer: fills its ring up to what it believes the DMA has consumed.
    mutating func guestWrite(_ t: Int) {
        let view = s.device == .virtioSnd ? lpibOut : viewOut
        if view > gwOut {
            let lost = Int(view - gwOut)
            logArtifact(Artifact(kind: "underrun", place: "guest ring", timeNs: t, frames: lost,
                                 reason: "guest playback underrun: the guest woke \(ms(lost, gr)) ms too late to refill its \(ms(N, gr)) ms ring", aLo: gwOut, aHi: view - 1))
            gwOut = view
        }
        gwOut = view + Int64(N)
    }

    /// The guest reader: takes everything the DMA has written into its ring.
    mutating func guestRead(_ t: Int) {
        if s.device == .virtioSnd {
            if lpibIn > grIn {
                var out: [Run] = []
                capTape.slice(from: grIn, count: Int(lpibIn - grIn), hint: &capHint, into: &out)
                for r in out { guestCap.append(r) }
                grIn = lpibIn
            }
            return
        }
        var overrun: Int32 = -1
        if viewIn - grIn > Int64(N) {
            let lost = Int(viewIn - Int64(N) - grIn)
            overrun = logArtifact(Artifact(kind: "overrun", place: "guest ring in", timeNs: t, frames: lost,
                                           reason: "guest capture overrun: the device wrote \(ms(lost, gr)) ms over unread ring data"))
            // The guest re-synchronises: those frames are what the ring holds now (newer data).
        }
        let from = max(grIn, viewIn - Int64(N))
        if viewIn > from {
            // The guest reads ring slots; slot content is the newest DMA position written there.
            var g = from
            var out: [Run] = []
            while g < viewIn {
                let top = lpibIn - 1
                if top < 0 { out.append(.silence(Int(viewIn - g))); break }
                let m = ((top - g) % Int64(N) + Int64(N)) % Int64(N)
                let e = top - m
                let k = min(Int(viewIn - g), Int(m) + 1)
                if e < 0 {
                    let sil = min(k, Int(-e))
                    out.append(.silence(sil))
                    if k > sil { capTape.slice(from: 0, count: k - sil, hint: &capHint, into: &out) }
                } else {
                    capTape.slice(from: e, count: k, hint: &capHint, into: &out)
                }
                g += Int64(k)
            }
            if grIn < from { guestCap.append(.silence(Int(from - grIn), cause: overrun)) }
            for r in out { guestCap.append(r) }
        }
        grIn = viewIn
    }

    /// The device reads `n` frames of the guest playback ring at the DMA position (slot content
    /// is whatever the guest last wrote there; no check against the guest's write pointer).
    /// Output lands in `scratch`.
    mutating func dmaReadOut(_ n: Int, now: Int) {
        guard n > 0 else { return }
        if s.device == .virtioSnd {
            // virtio-snd: only buffers the guest queued are consumed.
            scratch.push(Run(tag: lpibOut, count: n, cause: -1))
            lpibOut += Int64(n)
            return
        }
        let viewAfter = viewOut + guestViewAdvance(n, now: now, last: lastViewOutNs)
        let lapsAfter = (lpibOut + Int64(n) - viewAfter) / Int64(N)
        var d = lpibOut
        var left = n
        let gw = gwOut
        while left > 0 {
            let top = gw - 1
            let m = ((top - d) % Int64(N) + Int64(N)) % Int64(N)
            let f = top - m
            let k = min(left, Int(m) + 1)
            let expected = d - lapsAfter * Int64(N)
            var cause: Int32 = -1
            if f < expected {
                let size = k
                if let last = artifacts.last, last.place == "guest ring", last.kind == "stale-read", last.aHi == expected - 1 {
                    artifacts[artifacts.count - 1].frames += size
                    artifacts[artifacts.count - 1].aHi = expected + Int64(size) - 1
                    cause = Int32(artifacts.count - 1)
                } else {
                    cause = logArtifact(Artifact(kind: "stale-read", place: "guest ring", timeNs: now, frames: size,
                                                 reason: "the device read \(ms(size, gr)) ms past the guest's write pointer and replayed stale ring contents",
                                                 aLo: expected, aHi: expected + Int64(size) - 1))
                }
            }
            if f < 0 {
                let sil = min(k, Int(-f))
                scratch.push(.silence(sil, cause: cause))
                if k > sil { scratch.push(Run(tag: 0, count: k - sil, cause: cause)) }
            } else {
                scratch.push(Run(tag: f, count: k, cause: cause))
            }
            d += Int64(k)
            left -= k
        }
        lpibOut += Int64(n)
        viewOut += guestViewAdvance(n, now: now, last: lastViewOutNs)
        lastViewOutNs = now
        lapsOut = (lpibOut - viewOut) / Int64(N)
    }

    /// How far the guest's idea of the DMA position moves for a transfer of `n` frames: ALSA
    /// sees the position modulo the ring, so a jump of a whole ring or more is lost, unless
    /// enough time has passed since the last update for its jiffies check to count whole
    /// buffers (elapsed ≥ half the buffer time, snd_pcm_update_hw_ptr0).
    @inline(__always) func guestViewAdvance(_ n: Int, now: Int, last: Int) -> Int64 {
        if n < N { return Int64(n) }
        let halfBufferNs = Int(Double(N) * 5e8 / Double(gr))
        if now - last >= halfBufferNs { return Int64(n) }
        return Int64(n % N)
    }

    /// The device writes frames into the guest capture ring at the DMA position.
    /// Input comes from `scratch2`.
    mutating func dmaWriteIn(now: Int) {
        let n = scratch2.total
        guard n > 0 else { return }
        for r in scratch2.live { capTape.append(r) }
        scratch2.discard(n)
        lpibIn += Int64(n)
        if s.device == .virtioSnd { viewIn = lpibIn } else { viewIn += guestViewAdvance(n, now: now, last: lastViewInNs); lastViewInNs = now }
    }

    // MARK: - HDA codec (use-timer=on)

    mutating func hdaOutputTimer(_ now: Int) {
        let wanted = (Int64(gr) * Int64(now - hOut.buftStart)) / 1_000_000_000
        guard wanted > Int64(hOut.wpos) else { return }
        let n = min(B - hOut.fill, Int(wanted) - hOut.wpos)
        guard n > 0 else { return }
        dmaReadOut(n, now: now)
        scratch.move(scratch.total, to: &hOut.q)
        hOut.wpos += n
    }

    mutating func hdaInputTimer(_ now: Int) {
        let wanted = (Int64(gr) * Int64(now - hIn.buftStart)) / 1_000_000_000
        guard wanted > Int64(hIn.rpos) else { return }
        let n = min(hIn.fill, Int(wanted) - hIn.rpos)
        guard n > 0 else { return }
        hIn.q.move(n, to: &scratch2)
        dmaWriteIn(now: now)
        hIn.rpos += n
    }

    /// hda_timer_sync_adjust: paces the guest DMA by moving buft_start.
    mutating func hdaAdjust(_ target: Int, output: Bool, now: Int) {
        let limit = B / 8
        var corr = 0
        if target > limit { corr = 1 }
        if target < -limit { corr = -1 }
        if target < -2 * limit { corr = -4 }
        if output {
            if corr == 0 { outRampDone = true }
            corrOut[corr, default: 0] += 1
            if corr != 0 && outRampDone && outCorrectionTimes.count < 200 { outCorrectionTimes.append(Double(now) / 1e9) }
            hOut.buftStart += corr * 1_000_000
        } else {
            corrIn[corr, default: 0] += 1
            hIn.buftStart += corr * 1_000_000
        }
    }

    mutating func hdaOutputCallback(_ now: Int, avail: Int) {
        if hOut.fill == B {
            let range = hOut.q.removeAll()
            let gap = Double(lastTickGap) / 1e6
            logArtifact(Artifact(kind: "drop", place: "HDA ring", timeNs: now, frames: B,
                                 reason: String(format: "HDA ring full at the audio tick (%.1f ms after the previous one): QEMU dropped the whole %.2f ms ring", gap, Double(B) * 1000 / Double(gr)),
                                 aLo: range?.lo ?? -1, aHi: range?.hi ?? -1))
            hOut.rpos = 0
            hOut.wpos = 0
            hOut.buftStart = now
            return
        }
        let n = min(hOut.fill, avail)
        hOut.q.move(n, to: &scratch)
        convOut.feed(&scratch, to: &mOut)
        hOut.rpos += n
        if outRampDone {
            outFillMin = min(outFillMin, hOut.fill)
            outFillMax = max(outFillMax, hOut.fill)
        }
        hdaAdjust(hOut.fill - B / 2, output: true, now: now)
    }

    mutating func hdaInputCallback(_ now: Int, avail: Int) {
        let n = min(B - hIn.fill, avail)
        let got = readConverted(n)
        scratch.move(got, to: &hIn.q)
        hIn.wpos += got
        hdaAdjust(-(hIn.fill - B / 2), output: false, now: now)
    }

    /// AUD_read: `n` guest frames out of the capture mixeng (resampled from the hw rate).
    /// Output lands in `scratch`.
    mutating func readConverted(_ n: Int) -> Int {
        guard n > 0 else { return 0 }
        if convIn.identity {
            return cIn.move(n, to: &scratch)
        }
        let m = min(convIn.inFor(n), cIn.total)
        cIn.move(m, to: &scratch2)
        let before = convIn.outTotal
        convIn.feed(&scratch2, to: &scratch)
        return Int(convIn.outTotal - before)
    }

    // MARK: - audio_run

    mutating func audioRun(_ now: Int) {
        // audio_run_out (7.0+ order: callbacks first, then the hw voice writes to the backend).
        let hwFree = backendFreeOut(now)
        var guestFree: Int
        if s.outMixingEngine {
            let live = mOut.total
            let freeHw = max(0, min(Ms - live, hwFree - live))
            guestFree = convOut.identity ? freeHw : Int(Int64(freeHw) * Int64(gr) / Int64(hrO))
        } else {
            guestFree = hwFree
        }
        if guestFree > 0 { deviceOutput(now, avail: guestFree) }
        let w = min(mOut.total, backendFreeOut(now))
        if w > 0 { backendWrite(now, w) }

        // audio_run_in
        if s.inMixingEngine {
            let cFree = Cs - cIn.total
            backendRead(now, min(backendAvailIn(now), max(0, cFree)))
        } else {
            backendRead(now, backendAvailIn(now))
        }
        let availGuest = convIn.identity ? cIn.total : convIn.outFor(cIn.total)
        if availGuest > 0 { deviceInput(now, avail: availGuest) }
    }

    mutating func deviceOutput(_ now: Int, avail: Int) {
        switch s.device {
        case .hda:
            hdaOutputCallback(now, avail: avail)
        case .hdaNoTimer:
            // hda_audio_compat_output_cb: 256-byte chunks straight from guest memory.
            let n = avail / 64 * 64
            dmaReadOut(n, now: now)
            convOut.feed(&scratch, to: &mOut)
        case .ac97:
            // po_callback(free): walks the BDL, copying up to `free` bytes from the guest.
            dmaReadOut(avail, now: now)
            convOut.feed(&scratch, to: &mOut)
        case .virtioSnd:
            let n = min(avail, Int(gwOut - lpibOut))
            dmaReadOut(n, now: now)
            convOut.feed(&scratch, to: &mOut)
        }
    }

    mutating func deviceInput(_ now: Int, avail: Int) {
        switch s.device {
        case .hda:
            hdaInputCallback(now, avail: avail)
        case .hdaNoTimer:
            let n = avail / 64 * 64
            scratch.move(readConverted(n), to: &scratch2)
            dmaWriteIn(now: now)
        case .ac97:
            scratch.move(readConverted(avail), to: &scratch2)
            dmaWriteIn(now: now)
        case .virtioSnd:
            let n = min(avail, Int(grIn + Int64(N) - lpibIn))
            scratch.move(readConverted(n), to: &scratch2)
            dmaWriteIn(now: now)
        }
    }

    // MARK: - backends

    mutating func backendFreeOut(_ now: Int) -> Int {
        switch s.backend {
        case .pa: return paRequested
        case .pipewire: return max(0, pwHigh - pwQ.total)
        case .alsa: return max(0, alsaCap - alsaQ.total)
        case .jack: return max(0, jackCap - jackQ.total)
        case .wav, .none:
            var allowed = Int64(now - wavStart) * Int64(hrO) / 1_000_000_000 - wavWritten
            if allowed < 0 || allowed > 65536 {
                wavStart = now
                wavWritten = 0
                allowed = 0
            }
            return Int(allowed)
        }
    }

    mutating func backendWrite(_ now: Int, _ n: Int) {
        switch s.backend {
        case .pa:
            mOut.move(n, to: &paQ)
            paRequested -= n
        case .pipewire:
            mOut.move(n, to: &pwQ)
            pwStarted = true
        case .alsa:
            mOut.move(n, to: &alsaQ)
            alsaStarted = true
        case .jack:
            mOut.move(n, to: &jackQ)
            jackStarted = true
        case .wav, .none:
            mOut.discard(n)
            wavWritten += Int64(n)
        }
    }

    mutating func backendAvailIn(_ now: Int) -> Int {
        switch s.backend {
        case .pa: return paRec.total
        case .pipewire: return pwRec.total
        case .alsa: return alsaRec.total
        case .jack: return jackRec.total
        case .wav, .none: return max(0, Int(Int64(now) * Int64(hrI) / 1_000_000_000 - noneRead))
        }
    }

    mutating func backendRead(_ now: Int, _ n: Int) {
        guard n > 0 else { return }
        switch s.backend {
        case .pa: paRec.move(n, to: &cIn)
        case .pipewire: pwRec.move(n, to: &cIn)
        case .alsa: alsaRec.move(n, to: &cIn)
        case .jack: jackRec.move(n, to: &cIn)
        case .wav, .none:
            cIn.push(.silence(n))
            noneRead += Int64(n)
        }
    }

    /// One quantum of the host sound card (device clock): the sink renders, the monitor records.
    mutating func deviceEvent(_ now: Int) {
        let q = quantum
        switch s.backend {
        case .pa: paRender(now, q)
        case .pipewire: pwProcess(now, q)
        case .alsa: alsaPeriod(now, q)
        case .jack: jackProcess(now, q)
        case .wav, .none: break
        }
        devFrames += Int64(q)
        nextDev = nsAtDevFrame(devFrames + Int64(q))
    }

    /// Silence the sink plays for an open underrun (extends the artifact's size).
    mutating func underrunSilence(_ n: Int) {
        if openUnderrun >= 0 {
            artifacts[Int(openUnderrun)].frames += n
            rendered.push(.silence(n, cause: openUnderrun))
        } else {
            rendered.push(.silence(n))
        }
    }

    mutating func paRender(_ now: Int, _ b: Int) {
        if !paPlaying && paQ.total >= paPrebuf {
            paPlaying = true
            paStarted = true
            openUnderrun = -1
        }
        if paPlaying {
            let got = paQ.move(min(b, paQ.total), to: &rendered)
            if got < b {
                openUnderrun = logArtifact(Artifact(kind: "underrun", place: "PA playback", timeNs: now, frames: 0,
                                                    reason: "PulseAudio playback queue ran dry: silence until prebuf (\(ms(paPrebuf, hrO)) ms) was queued again"))
                underrunSilence(b - got)
                paPlaying = false
            }
        } else {
            underrunSilence(b)
        }
        // The server asks for what is missing (in minreq units unless prebuffering).
        let missing = paTl - paQ.total - paRequested
        if missing > 0 && (missing >= paMinreq || !paPlaying || s.paGrants == .continuous) {
            paRequested += missing
        }
        // Monitor → record stream (client queue limited to maxlength).
        let maxlength = ms(paMaxlen, hrI)
        if !droppedRendered(queued: paRec.total, limit: paMaxlen, now: now, place: "PA record", silentOverflow: "PA record overflow (silence)", reason: { [hrI] n in
            "PA record queue at maxlength (\(maxlength) ms): a \(ms(n, hrI)) ms monitor block was discarded"
        }) {
            rendered.move(rendered.total, to: &paRec)
        }
    }

    mutating func pwProcess(_ now: Int, _ q: Int) {
        let got = pwQ.move(min(q, pwQ.total), to: &rendered)
        if got < q {
            if pwStarted {
                let c = logArtifact(Artifact(kind: "underrun", place: "PipeWire playback", timeNs: now, frames: q - got,
                                             reason: "PipeWire ring short by \(ms(q - got, hrO)) ms at a graph cycle: silence filled in"))
                rendered.push(.silence(q - got, cause: c))
            } else {
                rendered.push(.silence(q - got))
            }
        }
        rendered.move(rendered.total, to: &pwRec)
    }

    mutating func alsaPeriod(_ now: Int, _ p: Int) {
        if !alsaRunning && alsaStarted && alsaQ.total > 0 {
            alsaRunning = true
            openUnderrun = -1
        }
        if alsaRunning {
            let got = alsaQ.move(min(p, alsaQ.total), to: &rendered)
            if got < p {
                openUnderrun = logArtifact(Artifact(kind: "underrun", place: "ALSA playback", timeNs: now, frames: 0,
                                                    reason: "ALSA playback xrun (-EPIPE): QEMU recovers with snd_pcm_prepare; silence until it writes again"))
                underrunSilence(p - got)
                alsaRunning = false
            }
        } else {
            underrunSilence(p)
        }
        if !droppedRendered(queued: alsaRec.total, limit: alsaInCap, now: now, place: "ALSA capture", reason: { [hrI] n in
            "ALSA capture ring full (xrun): a \(ms(n, hrI)) ms period was lost"
        }) {
            rendered.move(rendered.total, to: &alsaRec)
        }
        // Poll mode: the fd turns writable at the period boundary; the main loop gets to it
        // somewhere within the next period [assumption fitted to QEMU commit 467447320a:
        // 23–61 ms between runs with 23.2 ms periods, 5.8–11.9 ms with 5.8 ms periods].
        if s.outTryPoll {
            let periodNs = Int(Double(p) * 1e9 / Double(hrO))
            let t = fire(now + Int(rngAlsa.uniform() * Double(periodNs)))
            if t < nextTick { nextTick = t }
        }
    }

    mutating func jackProcess(_ now: Int, _ p: Int) {
        let got = jackQ.move(min(p, jackQ.total), to: &rendered)
        if got < p {
            if jackStarted {
                let c = logArtifact(Artifact(kind: "underrun", place: "JACK playback", timeNs: now, frames: p - got,
                                             reason: "JACK FIFO short by \(ms(p - got, hrO)) ms in the process callback (modelled as silence)"))
                rendered.push(.silence(p - got, cause: c))
            } else {
                rendered.push(.silence(p - got))
            }
        }
        if !droppedRendered(queued: jackRec.total, limit: jackCap, now: now, place: "JACK capture", reason: { [hrI] n in
            "JACK capture FIFO full: a \(ms(n, hrI)) ms period was lost"
        }) {
            rendered.move(rendered.total, to: &jackRec)
        }
    }

    /// The block the host device just rendered, bound for a capture-side queue holding `queued`
    /// frames: when it does not fit under `limit` it is lost whole (logged as a drop when it
    /// held any of the stimulus, else counted under `silentOverflow`) and this returns true.
    mutating func droppedRendered(queued: Int, limit: Int, now: Int, place: String,
                                  silentOverflow: String? = nil, reason: (Int) -> String) -> Bool {
        guard queued + rendered.total > limit else { return false }
        let n = rendered.total
        let r = rendered.removeAll()
        if containsSignal(r) {
            logArtifact(Artifact(kind: "drop", place: place, timeNs: now, frames: n, reason: reason(n),
                                 aLo: aTag(r!.lo), aHi: aTag(r!.hi)))
        } else if let silentOverflow {
            xruns[silentOverflow, default: 0] += 1
        }
        return true
    }

    /// Whether a dropped range of backend tags holds any of the stimulus.
    func containsSignal(_ r: (lo: Int64, hi: Int64)?) -> Bool {
        guard let r else { return false }
        let lo = aTag(r.lo), hi = aTag(r.hi)
        return hi >= Int64(P) && lo < Int64(P + L)
    }

    /// The guest-stream frame (domain A) a backend-domain tag stands for.
    func aTag(_ b: Int64) -> Int64 {
        if b < 0 { return -1 }
        if convOut.identity { return b }
        let (i, _) = convOut.inputPosition(of: b)
        var h = 0
        return convOut.log.tag(at: i, hint: &h).tag
    }
}

func ms(_ frames: Int, _ rate: Int) -> String {
    String(format: "%.2f", Double(frames) * 1000 / Double(rate))
}

/// Standard normal draws with both halves of each Box–Muller pair used: the model draws one
/// per main-loop event, so this halves the cost of its jitter.
struct NormalPairs {
    var rng: SeededRandom
    var spare = 0.0
    var hasSpare = false
    init(_ rng: SeededRandom) { self.rng = rng }

    mutating func next() -> Double {
        if hasSpare { hasSpare = false; return spare }
        var u = rng.uniform()
        while u <= 1e-300 { u = rng.uniform() }
        let v = rng.uniform()
        let r = (-2 * log(u)).squareRoot()
        let a = 2 * Double.pi * v
        spare = r * sin(a)
        hasSpare = true
        return r * cos(a)
    }
}
