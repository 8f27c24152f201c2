// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The short human summary printed by `analyze` and `measure`.
enum Summary {
    /// Segments and events listed in full up to this many; the JSON has them all.
    static let maxListed = 50

    static func text(_ m: LoopMeasurement) -> String {
        var lines: [String] = []
        let ch = m.capture.channelUsed.map { " (capture channel \($0))" } ?? ""
        switch m.verdict {
        case .noSignal:
            // The reason says why (not found at all, ambiguous, or found but not followed);
            // without one the reference was simply not found.
            lines.append("verdict: no-signal\(ch)" + (m.reason == nil ? ": the reference was not found in the capture" : ": no latency or events reported"))
            if let r = m.reason { lines.append("reason: \(r)") }
            if let x = m.xrunAccount { lines += xrunLines(x) }
            if let c = m.channelCheck { lines += channelLines(c) }
            return lines.joined(separator: "\n")
        case .clean: lines.append("verdict: clean\(ch)")
        case .crackle: lines.append("verdict: crackle\(ch): \(m.crackles) event\(m.crackles == 1 ? "" : "s")")
        }
        lines += latencyLines(m)
        var facts: [String] = []
        if let d = m.driftPPM {
            facts.append(m.driftUncertaintyPPM.map { String(format: "drift %+.2f ± %.2f ppm", d, $0) } ?? String(format: "drift %+.2f ppm", d))
        }
        if let s = m.snrDB { facts.append(String(format: "SNR %.1f dB", s)) }
        if let g = m.gainDB { facts.append(String(format: "gain %+.2f dB", g)) }
        if m.polarity == -1 { facts.append("polarity inverted") }
        if let x = m.backendXruns { facts.append("backend xruns \(x)") }
        if !facts.isEmpty { lines.append(facts.joined(separator: ", ")) }
        lines += segmentLines(m)
        lines += eventLines(m)
        if let x = m.xrunAccount { lines += xrunLines(x) }
        if let c = m.channelCheck { lines += channelLines(c) }
        if let r = m.reason, m.verdict != .noSignal { lines.append("note: \(r)") }
        if let q = m.qemu { lines += qemuLines(q) }
        return lines.joined(separator: "\n")
    }

    /// The headline: the latency most of the probe ran at, its range, start and end.
    static func latencyLines(_ m: LoopMeasurement) -> [String] {
        guard let l = m.latency else { return [] }
        let conf = l.confidence.map { String(format: ", confidence %.1f", $0) } ?? ""
        guard let h = m.headline, h.segmentCount > 1 else {
            let u = m.latencyUncertaintySamples.map { String(format: " ± %.3f", $0) } ?? ""
            return [String(format: "latency: %.3f ms (%.3f%@ samples at %d Hz)", l.ms, l.samples, u, m.sampleRate) + conf]
        }
        return [
            String(format: "latency: %.3f ms (%.3f samples at %d Hz) over %.1f %% of the probe (segment %d of %d)",
                   h.dominantMS, h.dominantSamples, m.sampleRate, 100 * h.dominantShare, h.dominantSegment + 1, h.segmentCount) + conf,
            String(format: "  over the run: min %.3f ms, max %.3f ms; at the start %.3f ms%@, at the end %.3f ms", h.minMS, h.maxMS, h.startMS,
                   m.latencyUncertaintySamples.map { String(format: " (± %.3f samples)", $0) } ?? "", h.endMS),
        ]
    }

    static func segmentLines(_ m: LoopMeasurement) -> [String] {
        guard let segs = m.segments, segs.count > 1 else { return [] }
        let r = Double(m.sampleRate)
        var lines = ["segments:"]
        for (i, s) in segs.prefix(maxListed).enumerated() {
            lines.append(String(format: "  %d: frames %d–%d (%.4f–%.4f s), latency %.3f ms (%.3f samples)", i + 1, s.captureStart, s.captureEnd,
                                Double(s.captureStart) / r, Double(s.captureEnd) / r, s.delaySamples * 1000 / r, s.delaySamples))
        }
        if segs.count > maxListed { lines.append("  … and \(segs.count - maxListed) more (see --json)") }
        return lines
    }

    /// One line per event: kind, size, time, and the nearest xrun the backend placed in time.
    static func eventLines(_ m: LoopMeasurement) -> [String] {
        guard !m.events.isEmpty else { return [] }
        let r = Double(m.sampleRate)
        let placed = m.xrunAccount?.placed
        var lines = ["events:"]
        for e in m.events.prefix(maxListed) {
            var line = String(format: "  %-6@ at frame %d (%.4f s), %d frame%@ (%.2f ms)", e.kind.rawValue as NSString, e.captureSample, e.timeS, e.sizeSamples,
                              (e.sizeSamples == 1 ? "" : "s") as NSString, Double(e.sizeSamples) * 1000 / r)
            if let placed, let account = m.xrunAccount {
                if let x = XrunAccount.nearest(to: e.captureSample, in: placed) {
                    line += String(format: "; %@ backend xrun: %@ at %.4f s (%+.1f ms)",
                                   (account.matches(x, frame: e.captureSample) ? "nearest" : "none within a round trip; nearest") as NSString,
                                   x.what as NSString, Double(x.captureFrame) / r, Double(x.captureFrame - e.captureSample) * 1000 / r)
                } else {
                    line += "; no backend xrun reported"
                }
            }
            lines.append(line)
        }
        if m.events.count > maxListed { lines.append("  … and \(m.events.count - maxListed) more (see --json)") }
        if placed == nil && m.backendXruns != nil { lines.append("  (this backend does not say when its xruns happened)") }
        return lines
    }

    static func xrunLines(_ x: XrunAccount) -> [String] {
        guard !x.explanations.isEmpty else { return [] }
        let head = "reported against measured: \(x.reported.map(String.init) ?? "?") xrun\(x.reported == 1 ? "" : "s") reported, \(x.measured) discontinuit\(x.measured == 1 ? "y" : "ies") heard"
        return [head] + x.explanations.map { "  \($0)" }
    }

    static func channelLines(_ c: ChannelCheck) -> [String] {
        var lines = ["channels:"]
        for ch in c.channels {
            guard let k = ch.playedChannel else {
                lines.append("  capture \(ch.captureChannel): no probe")
                continue
            }
            var s = "  capture \(ch.captureChannel): played channel \(k), \(ch.verdict.rawValue)"
            if let l = ch.latencyMS { s += String(format: ", latency %.3f ms", l) }
            if let g = ch.gainDB { s += String(format: ", gain %+.2f dB", g) }
            s += ch.polarity == -1 ? ", inverted" : ""
            s += ch.events.isEmpty ? "" : ", \(ch.events.count) event\(ch.events.count == 1 ? "" : "s")"
            lines.append(s)
        }
        lines += c.faults.isEmpty ? ["  every channel where it belongs"] : c.faults.map { "  fault: \($0.text)" }
        return lines
    }

    /// A real guest's three witnesses: the guest's ALSA, QEMU's trace, and where they disagree with the analyzer.
    static func qemuLines(_ q: QEMURun) -> [String] {
        var lines: [String] = []
        let g = q.guest
        lines.append("guest: period \(g.periodFrames ?? 0), buffer \(g.bufferFrames ?? 0) frames, \(g.linked == true ? "linked" : "not linked"), "
                     + "\(g.xruns) ALSA xrun\(g.xruns == 1 ? "" : "s")" + (g.xrunsAt.isEmpty ? "" : " (\(g.xrunsAt.joined(separator: ", ")))"))
        var counts: [String: Int] = [:]
        for e in q.trace { counts[e.name, default: 0] += 1 }
        let traced = counts.keys.sorted().map { "\($0) ×\(counts[$0]!)" }.joined(separator: ", ")
        lines.append("QEMU \(q.version) trace: " + (traced.isEmpty ? "no events" : traced) + String(format: "; run %.1f s wall", q.wallSeconds))
        for f in q.witnessFlags.prefix(20) { lines.append("  witness: \(f)") }
        if q.witnessFlags.count > 20 { lines.append("  … and \(q.witnessFlags.count - 20) more witness flags (see --json)") }
        lines.append("qemu command: \(q.commandLine)")
        return lines
    }
}
