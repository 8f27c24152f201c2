// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The short human summary printed by `analyze` and `measure`.
enum Summary {
    static func text(_ m: LoopMeasurement) -> String {
        var lines: [String] = []
        let ch = m.capture.channelUsed.map { " (capture channel \($0))" } ?? ""
        switch m.verdict {
        case .noSignal:
            lines.append("verdict: no-signal\(ch): the reference was not found in the capture")
            if let r = m.reason { lines.append("reason: \(r)") }
            return lines.joined(separator: "\n")
        case .clean: lines.append("verdict: clean\(ch)")
        case .crackle: lines.append("verdict: crackle\(ch): \(m.crackles) event\(m.crackles == 1 ? "" : "s")")
        }
        if let l = m.latency {
            lines.append(String(format: "latency: %.3f ms (%.3f samples at %d Hz)", l.ms, l.samples, m.sampleRate)
                + (l.confidence.map { String(format: ", confidence %.1f", $0) } ?? ""))
        }
        var facts: [String] = []
        if let d = m.driftPPM { facts.append(String(format: "drift %+.2f ppm", d)) }
        if let s = m.snrDB { facts.append(String(format: "SNR %.1f dB", s)) }
        if let g = m.gainDB { facts.append(String(format: "gain %+.2f dB", g)) }
        if m.polarity == -1 { facts.append("polarity inverted") }
        if let x = m.backendXruns { facts.append("backend xruns \(x)") }
        if !facts.isEmpty { lines.append(facts.joined(separator: ", ")) }
        for e in m.events.prefix(50) {
            lines.append(String(format: "  %-6@ at frame %d (%.4f s), %d frame%@ (%.2f ms)", e.kind.rawValue as NSString, e.captureSample, e.timeS, e.sizeSamples, (e.sizeSamples == 1 ? "" : "s") as NSString,
                                Double(e.sizeSamples) * 1000 / Double(m.sampleRate)))
        }
        if m.events.count > 50 { lines.append("  … and \(m.events.count - 50) more (see --json)") }
        if let r = m.reason, m.verdict != .noSignal { lines.append("note: \(r)") }
        if let q = m.qemu { lines += qemuLines(q) }
        return lines.joined(separator: "\n")
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
