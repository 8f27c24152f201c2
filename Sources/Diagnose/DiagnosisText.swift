// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import Reports

/// The terminal summary and the HTML page of a diagnosis.
public enum DiagnosisText {
    static func ms(_ x: Double?) -> String { x.map { String(format: "%.1f ms", $0) } ?? "no signal" }

    /// `key=value`, or a dash for a token read but not turned into a setting (the machine type).
    static func setting(_ r: MappingRow) -> String { r.setting == "–" ? "–" : "\(r.setting)=\(r.value)" }

    static func changes(_ c: [String: String]) -> String { c.keys.sorted().map { "\($0)=\(c[$0]!)" }.joined(separator: " ") }

    public static func summary(_ d: Diagnosis) -> String {
        var t = "loopbench diagnose: \(d.input.source) (\(d.input.form.rawValue)), QEMU \(d.input.qemuVersion) (\(d.input.qemuVersionSource))\n"
        t += "\n\(d.status.uppercased()): \(d.headline)\n"
        t += "\nMapping onto the card model (qemu=\(d.input.modelVersion ?? "–")):\n"
        for r in d.mapping { t += "  \(r.token)  →  \(setting(r))" + (r.note.map { "  (\($0))" } ?? "") + "\n" }
        let audio = d.unmapped.filter { $0.why != .notAudio }
        let other = d.unmapped.filter { $0.why == .notAudio }
        if !audio.isEmpty {
            t += "Not mapped:\n"
            for u in audio { t += "  \(u.token): \(u.why.rawValue), \(u.detail)\n" }
        }
        if !other.isEmpty { t += "  \(other.count) tokens are not audio: " + other.prefix(8).map(\.token).joined(separator: "; ") + (other.count > 8 ? "; …" : "") + "\n" }
        for n in d.notes { t += "Note: \(n)\n" }
        if let c = d.current {
            if let bd = c.latencyBreakdownMS, !bd.isEmpty {
                t += "\nWhere the latency lives (mean buffer occupancy, card model):\n"
                for (k, v) in bd.sorted(by: { $0.value > $1.value }) where v >= 0.05 { t += String(format: "  %-40@ %6.2f ms\n", k as NSString, v) }
            }
            if !c.why.isEmpty { t += "Why: " + c.why.joined(separator: "; ") + "\n" }
        }
        if let s = d.sensitivityText {
            t += "\nSensitivity: \(s)\n"
            for p in d.sensitivity { t += String(format: "  host.jitter %5.1f ms p99: %@, %.1f crackles/min\n", Double(p.hostJitterUS) / 1000, p.pass ? "clean" : "crackles", p.cracklesPerMinute) }
        }
        if let v = d.verification { t += "\nOn a real \(v.backend) guest: \(ms(v.medianMS)), \(v.cracklesTotal) crackles in \(v.repeats) run(s)" + (v.why.isEmpty ? "" : " — " + v.why.prefix(3).joined(separator: "; ")) + "\n" }
        if let s = d.search {
            t += "\nFix search: \(s.candidates) candidates around your point, \(s.passing) clean in every repeat (\(s.repeats) × \(Int(s.seconds)) s each)\n"
            if d.status == "clean" { t += "Your point is already clean on the model: the options below trade latency against margin.\n" }
        }
        for o in d.options {
            t += "\n[\(o.labels.joined(separator: ", "))] \(changes(o.changes)): \(ms(o.evaluation.medianMS)), \(String(format: "%.1f", o.evaluation.cracklesPerMinute)) crackles/min"
            if let s = o.stress { t += String(format: "; at %.0f× host jitter %.1f crackles/min", FixSearch.stressFactor, s.cracklesPerMinute) }
            if let v = o.verification { t += "; real \(v.backend): \(ms(v.medianMS)), \(v.cracklesTotal) crackles" }
            t += "\n"
            if let diff = o.commandLineDiff { t += diff.filter { !$0.hasPrefix("  ") }.map { "    " + $0 }.joined(separator: "\n") + "\n" }
            if let x = o.libvirtXML, d.input.form == .libvirt { t += x.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n" }
            if let e = o.legacyEnv { t += "    legacy environment: \(e)\n" }
            for n in o.writeBackNotes { t += "    note: \(n)\n" }
        }
        return t
    }

    public static func html(_ d: Diagnosis) -> String {
        let e = HTMLReport.escape
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>loopbench diagnose — \(e(d.input.source))</title>
        <style>
        body{font:15px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1a1a1a}
        h1{font-size:22px} h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
        .ok{background:#eef6ee;border:1px solid #9c9;border-radius:6px;padding:10px 14px} .bad{background:#fdeeee;border:1px solid #d99;border-radius:6px;padding:10px 14px}
        pre{background:#f4f4f4;border:1px solid #ddd;border-radius:4px;padding:8px;white-space:pre-wrap;word-break:break-all;font-size:13px}
        table{border-collapse:collapse;font-size:13px} td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top} th{background:#f4f4f4}
        .add{color:#1b5e20} .del{color:#b71c1c} .facts{color:#555;font-size:13px}
        </style></head><body>
        <h1>loopbench diagnose — \(e(d.input.source))</h1>
        <p class="facts">\(e("\(d.input.form.rawValue) · QEMU \(d.input.qemuVersion) (\(d.input.qemuVersionSource)) · card model qemu=\(d.input.modelVersion ?? "–") · loopbench \(d.tool.version) · \(d.created)"))</p>
        <div class="\(d.status == "clean" ? "ok" : "bad")"><b>\(e(d.status))</b>: \(e(d.headline))</div>

        """
        h += "<h2>What loopbench read</h2><table><tr><th>your token</th><th>card-model setting</th><th>note</th></tr>\n"
        for r in d.mapping { h += "<tr><td><code>\(e(r.token))</code></td><td><code>\(e(setting(r)))</code></td><td>\(e(r.note ?? ""))</td></tr>\n" }
        h += "</table>\n"
        if !d.unmapped.isEmpty {
            h += "<h3>Not mapped</h3><table><tr><th>token</th><th>why</th><th>detail</th></tr>\n"
            for u in d.unmapped { h += "<tr><td><code>\(e(u.token))</code></td><td>\(e(u.why.rawValue))</td><td>\(e(u.detail))</td></tr>\n" }
            h += "</table>\n"
        }
        for n in d.notes { h += "<p class=\"facts\">\(e(n))</p>\n" }
        if let c = d.current {
            h += "<h2>Your settings on the card model</h2><p>\(e(d.headline))</p>\n"
            if let bd = c.latencyBreakdownMS, !bd.isEmpty { h += HTMLReport.breakdownBar(bd) }
            if !c.why.isEmpty { h += "<ul>" + c.why.map { "<li>\(e($0))</li>" }.joined() + "</ul>\n" }
        }
        if let s = d.sensitivityText {
            h += "<h2>How close to the edge</h2><p>\(e(s))</p><table><tr><th>host.jitter p99</th><th>result</th><th>crackles/min</th><th>median latency</th></tr>\n"
            for p in d.sensitivity { h += "<tr><td>\(e(String(format: "%.1f ms", Double(p.hostJitterUS) / 1000)))</td><td>\(p.pass ? "clean" : "crackles")</td><td>\(e(String(format: "%.1f", p.cracklesPerMinute)))</td><td>\(e(ms(p.medianMS)))</td></tr>\n" }
            h += "</table>\n"
        }
        if let v = d.verification { h += "<p>On a real \(e(v.backend)) guest: \(e(ms(v.medianMS))), \(v.cracklesTotal) crackles in \(v.repeats) run(s)." + (v.why.isEmpty ? "" : " " + e(v.why.prefix(3).joined(separator: "; "))) + "</p>\n" }
        h += options(d)
        return h + "</body></html>\n"
    }

    static func options(_ d: Diagnosis) -> String {
        let e = HTMLReport.escape
        guard !d.options.isEmpty else { return "" }
        var h = d.status == "clean" ? "<h2>Options</h2><p>Your point is already clean on the model: these trade latency against margin.</p>" : "<h2>Fixes</h2>"
        if let s = d.search { h += "<p class=\"facts\">\(e("\(s.candidates) candidates around your point, \(s.passing) clean in every repeat (\(s.repeats) × \(Int(s.seconds)) s each, card model)."))</p>\n" }
        for o in d.options {
            h += "<h3>\(e(o.labels.joined(separator: ", "))): <code>\(e(changes(o.changes)))</code></h3>\n"
            h += "<p>\(e(String(format: "%@ median, %.1f crackles per minute", ms(o.evaluation.medianMS), o.evaluation.cracklesPerMinute)))"
            if let s = o.stress { h += e(String(format: "; at %.0f× the host jitter: %.1f crackles per minute", FixSearch.stressFactor, s.cracklesPerMinute)) }
            if let v = o.verification { h += e("; on a real \(v.backend) guest: \(ms(v.medianMS)), \(v.cracklesTotal) crackles") }
            h += ".</p>\n"
            if let diff = o.commandLineDiff {
                h += "<div>Your command line, changed:</div><pre>" + diff.map { l in
                    l.hasPrefix("+") ? "<span class=\"add\">\(e(l))</span>" : l.hasPrefix("-") ? "<span class=\"del\">\(e(l))</span>" : e(l)
                }.joined(separator: "\n") + "</pre>\n"
            }
            if let x = o.libvirtXML { h += "<div>libvirt (<code>virsh edit</code>):</div><pre>\(e(x))</pre>\n" }
            if let v = o.legacyEnv { h += "<div>Legacy environment (QEMU before 8.2, no <code>-audiodev</code>):</div><pre>\(e(v))</pre>\n" }
            for n in o.writeBackNotes { h += "<p class=\"facts\">\(e(n))</p>\n" }
        }
        return h
    }
}
