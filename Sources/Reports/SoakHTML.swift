// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Soak

/// A soak's report as one self-contained HTML page: the summary, latency over time with the
/// events and the machine's samples on the same time axis, the event rate per minute, and the
/// worst minutes with their waveforms.
public enum SoakHTML {
    /// Rows of the event table; the JSON holds them all.
    static let maxTableRows = 500
    /// Worst minutes shown with waveforms.
    static let worstMinutes = 5
    static let colours = ["gap": "#d62728", "drop": "#9467bd", "repeat": "#ff7f0e", "click": "#17becf",
                          "missing-period": "#000", "lost-sync": "#7f7f7f", "stuck": "#8c564b", "backend-error": "#e377c2"]

    public static func render(_ r: SoakReport) -> String {
        let s = r.soak.summary
        let span = max(s.durationS, r.soak.series.last.map { $0.timeS + s.periodSeconds } ?? 0, 1)
        return """
        <!doctype html><html><head><meta charset="utf-8"><title>loopbench soak: \(HTMLReport.escape(s.backend)) \(HTMLReport.escape(s.startedAt))</title>
        <style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}
        svg{background:#fafafa;border:1px solid #eee}.k{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}</style></head><body>
        <h1>Soak: \(HTMLReport.escape(s.backend))\(s.interrupted ? " (interrupted)" : "")</h1>
        \(summaryTable(r))
        <h2>Latency over time, with every event</h2>
        \(legend())
        \(latencyPlot(r, span: span))
        \(r.soak.machine.isEmpty ? "<p>No machine samples (the card model's timeline is simulated audio, not wall-clock time).</p>" : "<h2>The machine, on the same time axis</h2>" + machinePlot(r, span: span))
        <h2>Events per minute</h2>
        \(rateHistogram(r, span: span))
        <h2>Worst minutes</h2>
        \(worst(r))
        <h2>Events</h2>
        \(eventTable(r))
        </body></html>
        """
    }

    static func summaryTable(_ r: SoakReport) -> String {
        let s = r.soak.summary
        let lat = s.latencyMS.map { String(format: "min %.3f, median %.3f, p95 %.3f, p99 %.3f, max %.3f ms", $0.min, $0.p50, $0.p95, $0.p99, $0.max) } ?? "– (no period found)"
        let kinds = s.eventsByKind.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var rows: [(String, String)] = [
            ("started", s.startedAt),
            ("length", String(format: "%.1f s (%@ timeline), %d periods of %.3f s, %d with the probe found", s.durationS, s.timeline, s.periods, s.periodSeconds, s.periodsFound)),
            ("verdict", r.measurement.verdict.rawValue + (r.measurement.reason.map { ": " + $0 } ?? "")),
            ("events", "\(r.soak.events.count)" + (kinds.isEmpty ? "" : " (\(kinds))") + String(format: ", %.2f per minute", s.eventsPerMinute)),
            ("round-trip latency", lat),
        ]
        if let x = s.backendXruns { rows.append(("backend xruns", "\(x)")) }
        if let d = s.maxSchedDelayMS { rows.append(("worst scheduling delay", String(format: "%.2f ms", d))) }
        if let settings = r.measurement.source?.settings, !settings.isEmpty {
            rows.append(("settings", settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.description)" }.joined(separator: " ")))
        }
        return "<table>" + rows.map { "<tr><th>\($0.0)</th><td>\(HTMLReport.escape($0.1))</td></tr>" }.joined() + "</table>"
    }

    static func legend() -> String {
        "<p>" + colours.sorted { $0.key < $1.key }.map { "<span class=k style=\"background:\($0.value)\"></span>\($0.key)" }.joined() + "</p>"
    }

    struct Axis {
        var x0 = 60.0, w = 1000.0
        var span: Double
        init(span: Double) { self.span = max(span, 1e-9) }
        func x(_ t: Double) -> Double { x0 + t / span * w }
    }

    static func latencyPlot(_ r: SoakReport, span: Double) -> String {
        let pts = r.soak.series.compactMap { p in p.latencyMS.map { (p.timeS, $0) } }
        let chunkLat = r.soak.chunks.compactMap { c in c.reportedLatencyMS.map { (c.startS, c.startS + c.seconds, $0) } }
        let all = pts.map(\.1) + chunkLat.map(\.2)
        let lo = (all.min() ?? 0), hi = max((all.max() ?? 1), lo + 0.01)
        let ax = Axis(span: span), h = 220.0, top = 10.0
        func y(_ v: Double) -> Double { top + h - (v - lo) / (hi - lo) * h }
        var svg = "<svg width=1080 height=270>"
        svg += "<text x=4 y=\(top + 10)>\(HTMLReport.f(hi, 2)) ms</text><text x=4 y=\(top + h)>\(HTMLReport.f(lo, 2)) ms</text>"
        for e in r.soak.events {
            svg += "<line x1=\(HTMLReport.f(ax.x(e.timeS))) x2=\(HTMLReport.f(ax.x(e.timeS))) y1=\(top) y2=\(top + h) stroke=\"\(colours[e.kind] ?? "#000")\" stroke-opacity=0.6><title>\(HTMLReport.escape(e.kind)) \(e.sizeSamples) frames at \(HTMLReport.f(e.timeS, 3)) s</title></line>"
        }
        for (a, b, v) in chunkLat {
            svg += "<line x1=\(HTMLReport.f(ax.x(a))) x2=\(HTMLReport.f(ax.x(b))) y1=\(HTMLReport.f(y(v))) y2=\(HTMLReport.f(y(v))) stroke=\"#2ca02c\" stroke-width=2><title>backend reports \(HTMLReport.f(v, 2)) ms</title></line>"
        }
        svg += "<polyline fill=none stroke=\"#1f77b4\" points=\"" + pts.map { "\(HTMLReport.f(ax.x($0.0))),\(HTMLReport.f(y($0.1)))" }.joined(separator: " ") + "\"/>"
        svg += timeTicks(ax, y: top + h + 18) + "</svg>"
        return svg + "<p>Blue: the measured round trip of every period; green: what the backend reported for its chunk; vertical lines: events.</p>"
    }

    static func timeTicks(_ ax: Axis, y: Double) -> String {
        HTMLReport.niceTicks(0, ax.span, count: 8).filter { $0 <= ax.span }.map {
            "<text x=\(HTMLReport.f(ax.x($0) - 10)) y=\(HTMLReport.f(y))>\(tickLabel($0))</text>"
        }.joined()
    }

    static func tickLabel(_ t: Double) -> String {
        t >= 120 ? String(format: "%.0f min", t / 60) : String(format: "%.0f s", t)
    }

    static func machinePlot(_ r: SoakReport, span: Double) -> String {
        let m = r.soak.machine
        let ax = Axis(span: span), h = 120.0
        let dmax = max(m.compactMap(\.schedDelayMaxMS).max() ?? 1, 1)
        var svg = "<svg width=1080 height=\(Int(2 * h + 50))>"
        svg += "<text x=4 y=14>CPU 100 %</text><text x=4 y=\(h)>0</text>"
        svg += "<polyline fill=none stroke=\"#555\" points=\"" + m.compactMap { s in s.cpuLoad.map { "\(HTMLReport.f(ax.x(s.timeS))),\(HTMLReport.f(h - $0 * (h - 10)))" } }.joined(separator: " ") + "\"/>"
        let y0 = h + 20
        svg += "<text x=4 y=\(y0 + 14)>\(HTMLReport.f(dmax, 1)) ms</text><text x=4 y=\(y0 + h)>0</text>"
        svg += "<polyline fill=none stroke=\"#d62728\" points=\"" + m.compactMap { s in s.schedDelayMaxMS.map { "\(HTMLReport.f(ax.x(s.timeS))),\(HTMLReport.f(y0 + h - $0 / dmax * (h - 10)))" } }.joined(separator: " ") + "\"/>"
        for e in r.soak.events {
            svg += "<line x1=\(HTMLReport.f(ax.x(e.timeS))) x2=\(HTMLReport.f(ax.x(e.timeS))) y1=0 y2=\(y0 + h) stroke=\"\(colours[e.kind] ?? "#000")\" stroke-opacity=0.3/>"
        }
        // A real guest's QEMU trace: its late audio-timer ticks and HDA overruns, under the plot.
        let marks = r.soak.chunks.flatMap { $0.qemuTrace ?? [] }
        for m in marks {
            let overrun = m.name == "hda_audio_overrun"
            svg += "<rect x=\(HTMLReport.f(ax.x(m.timeS) - 1)) y=\(HTMLReport.f(y0 + h + (overrun ? 2 : 8))) width=2 height=6 fill=\"\(overrun ? "#d62728" : "#ff7f0e")\"><title>\(HTMLReport.f(m.timeS, 3)) s: \(HTMLReport.escape(m.name)) \(HTMLReport.escape(m.args))</title></rect>"
        }
        svg += timeTicks(ax, y: y0 + h + 20) + "</svg>"
        let trace = marks.isEmpty ? "" : " Marks under the plot: QEMU's own trace, \(marks.filter { $0.name == "hda_audio_overrun" }.count) HDA overruns (red) and \(marks.filter { $0.name == "audio_timer_delayed" }.count) late audio-timer ticks (orange)."
        return svg + "<p>Top: CPU load of the whole machine (/proc/stat), per second. Bottom: the worst lateness of the soak's own 10 ms wake-ups, per second. Faint lines: events.\(trace)</p>"
    }

    static func perMinute(_ r: SoakReport, span: Double) -> [Int] {
        var bins = [Int](repeating: 0, count: max(1, Int((span / 60).rounded(.up))))
        for e in r.soak.events { bins[min(bins.count - 1, max(0, Int(e.timeS / 60)))] += 1 }
        return bins
    }

    static func rateHistogram(_ r: SoakReport, span: Double) -> String {
        let bins = perMinute(r, span: span)
        let top = max(bins.max() ?? 1, 1), h = 120.0
        let bw = 1000.0 / Double(bins.count)
        var svg = "<svg width=1080 height=\(Int(h + 30))><text x=4 y=14>\(top)/min</text>"
        for (i, b) in bins.enumerated() where b > 0 {
            let bh = Double(b) / Double(top) * (h - 10)
            svg += "<rect x=\(HTMLReport.f(60 + Double(i) * bw)) y=\(HTMLReport.f(h - bh)) width=\(HTMLReport.f(max(1, bw - 1))) height=\(HTMLReport.f(bh)) fill=\"#d62728\"><title>minute \(i + 1): \(b) events</title></rect>"
        }
        svg += timeTicks(Axis(span: Double(bins.count) * 60), y: h + 20) + "</svg>"
        return svg
    }

    static func worst(_ r: SoakReport) -> String {
        let s = r.soak.summary
        let bins = perMinute(r, span: max(s.durationS, 1))
        let ranked = bins.enumerated().filter { $0.element > 0 }.sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }.prefix(worstMinutes)
        guard !ranked.isEmpty else { return "<p>No events.</p>" }
        return ranked.map { (minute, n) in
            let evs = r.soak.events.filter { Int($0.timeS / 60) == minute }
            let clip = r.soak.clips.first { c in c.event < r.soak.events.count && Int(r.soak.events[c.event].timeS / 60) == minute }
            let list = evs.prefix(10).map { "\($0.kind) \($0.sizeSamples) frames at \(HTMLReport.f($0.timeS, 3)) s" }.joined(separator: "; ")
            return "<h3>Minute \(minute + 1): \(n) events</h3><p>\(HTMLReport.escape(list))\(evs.count > 10 ? " …" : "")</p>" + (clip.map { waveform($0, event: r.soak.events[$0.event]) } ?? "")
        }.joined()
    }

    static func waveform(_ c: SoakReport.Clip, event e: SoakEvent) -> String {
        let w = 1000.0, h = 120.0, n = max(c.samples.count, 2)
        let peak = max(Double(c.samples.map { abs($0) }.max() ?? 1), 1e-6)
        // At most 2000 points: min and max per pixel column keep every spike visible.
        let cols = min(n, 1000)
        var pts: [String] = []
        for i in 0..<cols {
            let a = i * n / cols, b = max(a + 1, (i + 1) * n / cols)
            let seg = c.samples[a..<min(b, c.samples.count)]
            let x = 60 + Double(i) / Double(cols) * w
            pts.append("\(HTMLReport.f(x)),\(HTMLReport.f(h / 2 - Double(seg.min() ?? 0) / peak * h / 2.2))")
            pts.append("\(HTMLReport.f(x)),\(HTMLReport.f(h / 2 - Double(seg.max() ?? 0) / peak * h / 2.2))")
        }
        let ex = 60 + (e.timeS - c.startS) * Double(c.sampleRate) / Double(n) * w
        return "<svg width=1080 height=\(Int(h))><polyline fill=none stroke=\"#1f77b4\" points=\"\(pts.joined(separator: " "))\"/>"
            + "<line x1=\(HTMLReport.f(ex)) x2=\(HTMLReport.f(ex)) y1=0 y2=\(h) stroke=\"\(colours[e.kind] ?? "#000")\"/></svg>"
            + "<p>The capture from \(HTMLReport.f(c.startS, 3)) s, \(HTMLReport.f(Double(c.samples.count) / Double(c.sampleRate) * 1000, 0)) ms; the line marks the \(HTMLReport.escape(e.kind)).</p>"
    }

    static func eventTable(_ r: SoakReport) -> String {
        guard !r.soak.events.isEmpty else { return "<p>None.</p>" }
        let rows = r.soak.events.prefix(maxTableRows).map { e in
            "<tr><td>\(HTMLReport.escape(e.wallClock ?? "–"))</td><td>\(HTMLReport.f(e.timeS, 3))</td><td>\(HTMLReport.escape(e.kind))</td><td>\(e.sizeSamples)\(e.placeUncertaintySamples.map { " (somewhere in the next \($0))" } ?? "")</td><td>\(HTMLReport.n(e.latencyMS))</td><td>\(e.backendXruns.map(String.init) ?? "–")</td><td>\(HTMLReport.escape(e.detail ?? ""))</td></tr>"
        }.joined()
        return "<table><tr><th>wall clock</th><th>time (s)</th><th>kind</th><th>size (frames)</th><th>latency (ms)</th><th>xruns</th><th></th></tr>\(rows)</table>"
            + (r.soak.events.count > maxTableRows ? "<p>\(r.soak.events.count - maxTableRows) more in soak.json.</p>" : "")
    }
}
