// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore
import Sweep

/// The report's real-QEMU parts: `--verify qemu`'s predicted-against-measured table, and for a
/// sweep on real guests, the three witnesses of every trial (the analyzer's events, QEMU's trace,
/// the guest's xruns) with the exact QEMU command line.
extension HTMLReport {
    static func realGuestSections(_ r: SweepReport) -> String {
        var h = ""
        if let v = r.verification { h += verificationSection(v) }
        if r.backend == "qemu" { h += witnessSection(r) }
        return h
    }

    static func verificationSection(_ v: SweepVerification) -> String {
        var h = "<h2>Verified on a real QEMU guest?</h2>\n<p class=\"\(v.verified ? "rec" : "norec")\">\(escape(v.text))</p>\n"
        h += "<table><tr><th>role</th><th>point</th><th>model predicted</th><th>real guest measured (\(v.repeats) repeats)</th><th>agrees</th></tr>\n"
        for row in v.rows {
            let pred = (row.predictedPass ? "clean" : "fails") + (row.predictedLatencyMS.map { String(format: ", %.2f ms", $0) } ?? "")
            h += "<tr\(row.agrees ? "" : " class=\"fail\"")><td>\(row.role)</td><td>\(escape(row.label))</td><td>\(escape(pred))</td><td>\(escape(CalibrationReport.cell(row.measured)))</td><td>\(row.agrees ? "yes" : "<b>no</b>")</td></tr>\n"
        }
        h += "</table>\n"
        if let c = v.verifiedChoice, let args = c.qemuArguments, c.label != v.rows.first?.label {
            h += "<div>The lowest-latency point that ran clean on the real guest, \(escape(c.label)):</div><pre>\(escape(args))</pre>\n"
        }
        if let c = v.rows.first?.commandLine { h += "<div>Exact QEMU command line of the recommendation's first real run:</div><pre>\(escape(c))</pre>\n" }
        return h
    }

    static func witnessSection(_ r: SweepReport) -> String {
        var h = "<h2>Three witnesses per trial</h2>\n<p class=\"facts\">The analyzer's events, QEMU's own trace (hda_audio_overrun, hda_audio_adjust, audio_timer_delayed) and the guest's ALSA xruns. A flag marks an overrun the analyzer did not see, or damage that no witness explains.</p>\n"
        h += "<table><tr><th>trial</th><th>verdict</th><th>analyzer events</th><th>QEMU overruns</th><th>QEMU adjusts</th><th>timer delayed</th><th>guest xruns</th><th>flags</th></tr>\n"
        var firstCommand: String?
        for p in r.points {
            for t in p.trials {
                guard let q = t.measurement.qemu else { continue }
                firstCommand = firstCommand ?? q.commandLine
                func count(_ n: String) -> Int { q.trace.filter { $0.name == n }.count }
                let flags = q.witnessFlags.isEmpty ? "" : "\(q.witnessFlags.count): " + q.witnessFlags.prefix(2).joined(separator: "; ")
                h += "<tr\(q.witnessFlags.isEmpty ? "" : " class=\"fail\"")><td>\(escape(r.label(p.settings))) #\(t.info.repeatIndex + 1)</td><td>\(t.measurement.verdict.rawValue)</td>"
                h += "<td>\(t.measurement.events.count)</td><td>\(count("hda_audio_overrun"))</td><td>\(count("hda_audio_adjust"))</td><td>\(count("audio_timer_delayed"))</td>"
                h += "<td>\(q.guest.xruns)</td><td>\(escape(flags))</td></tr>\n"
            }
        }
        h += "</table>\n"
        if let c = firstCommand { h += "<div>Exact QEMU command line of the first trial (every trial's is in report.json):</div><pre>\(escape(c))</pre>\n" }
        return h
    }
}
