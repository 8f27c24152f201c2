// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LoopbenchCore
import Synchronization

/// The streaming guests' QEMU processes now running. QEMU runs in a process group of its own
/// (a terminal's Ctrl-C reaches loopbench alone, which then stops the guest over its serial
/// line); a second Ctrl-C that ends loopbench at once must take them along: ``killAll()``.
public enum QEMUChildren {
    private static let running = Mutex<Set<Int32>>([])
    static func add(_ pid: Int32) { running.withLock { _ = $0.insert(pid) } }
    static func remove(_ pid: Int32) { running.withLock { _ = $0.remove(pid) } }
    /// Kills every streaming guest's QEMU (SIGKILL); safe from a signal handler's dispatch queue.
    public static func killAll() { running.withLock { for pid in $0 { kill(pid, SIGKILL) } } }
}

extension QEMULoop: StreamingAudioLoop {
    /// Frames per block the guest writes while it streams: 0.1 s at 48 kHz. A block is on the
    /// host's disk a few ms after its last frame was recorded, so an event is known about a
    /// block later than on a host backend.
    static let streamBlockFrames = 4800
    /// Slots of the capture disk's ring: 1024 blocks (102 s at 48 kHz, 20 MB in stereo). The host
    /// reads every 20 ms, far ahead of the guest coming round again.
    static let streamSlots = 1024
    /// Bytes of a block's text header (the guest's `blockHeaderBytes`).
    static let blockHeaderBytes = 512
    /// A guest that has not streamed a block this long after QEMU started did not boot (it
    /// boots in ~10 s under TCG; a loaded machine triples that).
    static let streamBootSeconds = 60.0
    /// A streaming guest that brings no block for this long has stalled (a block is 0.1 s).
    static let streamStallSeconds = 10.0

    /// One boot for the whole soak: the guest plays the source's cycle (``LoopStreamSource/cycleFrames``)
    /// over and over after one buffer of silence, records from the same card, and writes its
    /// capture to the capture disk block by block as it comes (a ring of ``streamSlots``); the
    /// host reads each block as soon as its header is on the disk and hands it over, from the
    /// frame the probe started at (the guest's prefill stripped, as in a run). Stopping goes
    /// through the second serial port, as for ``QEMUPlayer``. The stream starts when the guest
    /// has booted (~10 s under TCG); the blocks' time is placed on the wall clock when the
    /// guest says it is playing.
    public func stream(source: any LoopStreamSource, consumer: (LoopStreamBlock) -> Bool) throws(LoopbenchError) -> LoopStreamSummary {
        guard let cycle = source.cycleFrames, cycle > 0, cycle <= 600 * model.guestRate else {
            throw .usage("qemu: a streamed stimulus must repeat (a periodic probe) with a cycle of at most 600 s", subject: "stimulus")
        }
        let boot = try prepareBoot()
        let dir = try runFolder()
        defer { if own["keep"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let probe = dir + "/probe.img", captureDisk = dir + "/capture.img"
        let (ctl, line) = try StopLine.make(in: dir)
        defer { line.close() }
        let samples = source.frames(start: 0, count: cycle, channels: channels)
        let audio = AudioBuffer(sampleRate: model.guestRate, interleaved: samples, channelCount: channels)
        try GuestDisks.writeProbe(audio, request: .init(rate: model.guestRate, channels: channels, periodFrames: periodFrames, bufferFrames: bufferFrames, tailFrames: 0,
                                                        extra: ["mode=stream", "stop=/dev/ttyS1", "block=\(Self.streamBlockFrames)", "slots=\(Self.streamSlots)"]), to: probe)
        let blockBytes = Self.blockHeaderBytes + Self.streamBlockFrames * channels * 2
        try GuestDisks.makeCaptureDisk(captureDisk, bytes: GuestDisks.headerBytes + Self.streamSlots * blockBytes)
        let argv = commandLine(boot, dir: dir, probe: probe, captureDisk: captureDisk, extra: ["-serial", "pipe:" + ctl])
        var reader = BlockReader(path: captureDisk, channels: channels, rate: model.guestRate, blockBytes: blockBytes)
        var stopping = false, silent: LoopbenchError?, qemuPid: Int32?
        let started = Date()
        let r = Subprocess.runOwnGroup(boot.qemu.binary, Array(argv.dropFirst()), timeout: nil, grace: QEMUPlayer.stopGraceSeconds,
                                       stdoutFile: dir + "/qemu.stdout", stderrFile: dir + "/qemu.stderr", stop: { stopping }, tick: { asked in
            if reader.playingAt == nil && line.guestSaysPlaying() { reader.playingAt = Date() }
            if asked { line.askStop(every: QEMUPlayer.stopResendSeconds); return }
            while let block = reader.next() {
                if !consumer(block) { stopping = true; return }
            }
            let quiet = Date().timeIntervalSince(reader.lastBlockAt ?? started)
            if quiet > (reader.seq == 0 ? Self.streamBootSeconds : Self.streamStallSeconds) {
                silent = .unavailable("qemu guest", String(format: "no captured audio from the guest for %.0f s (%@)", quiet, reader.seq == 0 ? "it did not boot or start its stream" : "its stream stalled"))
                stopping = true
            }
        }, started: { qemuPid = $0; QEMUChildren.add($0) })
        if let qemuPid { QEMUChildren.remove(qemuPid) }
        var s = summary(reader, run: r, captureDisk: captureDisk, dir: dir, stopped: stopping && silent == nil)
        if let silent { s.failure = silent }
        return s
    }

    /// What the stream ended with: the guest's report (its xruns, what it was granted), or why
    /// it ended before it was asked to.
    private func summary(_ reader: BlockReader, run r: Subprocess.Result, captureDisk: String, dir: String, stopped: Bool) -> LoopStreamSummary {
        var notes: [String] = [], failure: LoopbenchError?
        do throws(LoopbenchError) {
            let report = try Self.guestReport(captureDisk, run: r, timeout: 0, dir: dir)
            notes.append("guest stream: \(report.int("blocks") ?? 0) blocks of \(Self.streamBlockFrames) frames, period \(report.int("period") ?? 0) and buffer \(report.int("buffer") ?? 0) frames granted, \(report.int("xruns") ?? 0) xrun(s)")
            if !stopped { failure = .unavailable("qemu guest", "the stream ended before it was stopped: \(report.headerLine)") }
        } catch {
            failure = error
        }
        if let e = reader.failure { failure = e }
        var summary = LoopStreamSummary(capturedFrames: reader.delivered, backendXruns: reader.xruns, notes: notes, failure: failure)
        // QEMU's trace, placed from the HDA output stream's start as for a run (AC'97 has none).
        let text = (try? String(contentsOfFile: dir + "/trace.log", encoding: .utf8)) ?? ""
        let (trace, anchor) = QEMUTrace.parse(text, qemuStart: 0, sampleRate: model.guestRate, prefillFrames: reader.prefill ?? 0)
        if anchor != nil { summary.qemuTrace = trace }
        return summary
    }
}

/// The host's reader of a streaming guest's capture disk: block `seq` in slot `seq mod slots`,
/// valid once its header (written after its audio) names it.
struct BlockReader {
    let path: String
    let channels: Int
    let rate: Int
    let blockBytes: Int
    var seq = 0
    /// When the last block was read.
    private(set) var lastBlockAt: Date?
    /// Frames handed over (from the probe's start on).
    private(set) var delivered = 0
    /// The guest's xruns in the last block read.
    private(set) var xruns: Int?
    /// When the guest said it started playing.
    var playingAt: Date?
    private(set) var failure: LoopbenchError?
    /// When probe frame 0 was recorded, fixed at the first block.
    private var startedAt: Date?
    /// The guest's prefill, from its blocks.
    private(set) var prefill: Int?

    init(path: String, channels: Int, rate: Int, blockBytes: Int) {
        self.path = path
        self.channels = channels
        self.rate = rate
        self.blockBytes = blockBytes
    }

    /// The next block, once it is on the disk; nil while it is not.
    mutating func next() -> LoopStreamBlock? {
        guard failure == nil, let fh = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? fh.close() }
        let base = UInt64(GuestDisks.headerBytes + (seq % QEMULoop.streamSlots) * blockBytes)
        guard (try? fh.seek(toOffset: base)) != nil, let data = try? fh.read(upToCount: blockBytes), data.count == blockBytes else { return nil }
        let head = String(decoding: data.prefix(QEMULoop.blockHeaderBytes).prefix { $0 != 0 && $0 != 10 }, as: UTF8.self)
        var f: [String: String] = [:]
        for w in head.split(separator: " ") { if let e = w.firstIndex(of: "=") { f[String(w[..<e])] = String(w[w.index(after: e)...]) } }
        guard head.hasPrefix("loopbench-block v1"), let s = f["seq"].flatMap(Int.init), s >= seq else { return nil }
        guard s == seq, let first = f["first"].flatMap(Int.init), let n = f["frames"].flatMap(Int.init), n * channels * 2 == blockBytes - QEMULoop.blockHeaderBytes else {
            failure = .badData("qemu guest", "stream block \(seq) is missing or malformed (read \(head)): the host fell behind or the guest wrote garbage")
            return nil
        }
        seq += 1
        lastBlockAt = Date()
        xruns = f["xruns"].flatMap(Int.init) ?? xruns
        let interleaved: [Float] = data.dropFirst(QEMULoop.blockHeaderBytes).withUnsafeBytes { b in
            (0..<(n * channels)).map { Float(Int16(littleEndian: b.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) / 32768 }
        }
        // The prefill: frames before the probe, dropped (the guest's capture frame j is playback frame j).
        let prefill = f["prefill"].flatMap(Int.init) ?? 0
        self.prefill = prefill
        let skip = max(0, min(n, prefill - first))
        let kept = Array(interleaved[(skip * channels)...])
        delivered += kept.count / channels
        var block = LoopStreamBlock(planar: AudioBuffer(sampleRate: rate, interleaved: kept, channelCount: channels).channels,
                                    backendXruns: xruns, reportedLatencyFrames: nil)
        // When probe frame 0 was recorded: the guest started playing (its prefill) when it said
        // so; without that word, this block's end is now.
        if startedAt == nil {
            startedAt = playingAt?.addingTimeInterval(Double(prefill) / Double(rate))
                ?? Date().addingTimeInterval(-Double(first + n - prefill) / Double(rate))
        }
        block.startedAt = startedAt
        return block
    }
}
