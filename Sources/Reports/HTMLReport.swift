// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Sweep

/// `report.html`: one self-contained page, inline SVG, no script, no network. Every string
/// from the report goes through ``HTMLReport/escape(_:)``.
public enum HTMLReport {
    /// Escapes text for HTML content and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func f(_ x: Double, _ d: Int = 1) -> String {
        let t = String(format: "%.\(d)f", x)
        // No "-0.0": a value that rounds to zero is zero.
        return t.hasPrefix("-") && Double(t) == 0 ? String(t.dropFirst()) : t
    }
    static func n(_ x: Double?, _ d: Int = 2) -> String { x.map { f($0, d) } ?? "–" }

    // MARK: colours

    /// A perceptual-ish sequential scale (dark blue → teal → yellow), t in [0, 1].
    static func seq(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(1, max(0, t)) * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(x))
        let u = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        return String(format: "rgb(%d,%d,%d)", Int(a.0 + (b.0 - a.0) * u), Int(a.1 + (b.1 - a.1) * u), Int(a.2 + (b.2 - a.2) * u))
    }
    static func textOn(_ t: Double) -> String { t > 0.55 ? "#111" : "#fff" }

    /// Crackle rate: white-green at zero, then orange to dark red on a log scale.
    static func crackleColour(_ rate: Double, max top: Double) -> (String, String) {
        if rate <= 0 { return ("#e8f5e9", "#1b5e20") }
        let t = top > 0 ? log1p(rate) / log1p(top) : 1
        let r = 255 - Int(100 * t), g = Int(200 - 180 * t), b = Int(120 - 100 * t)
        return (String(format: "rgb(%d,%d,%d)", r, max(0, g), max(0, b)), t > 0.4 ? "#fff" : "#111")
    }

    // MARK: page

    public static func render(_ r: SweepReport, worst: WorstTrace?) -> String {
        var h = ""
        let title = "loopbench sweep — \(r.backend)" + (r.fixed.isEmpty ? "" : " (" + r.fixed.keys.sorted().map { "\($0)=\(r.fixed[$0]!)" }.joined(separator: ", ") + ")")
        h += """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1320px;padding:0 16px;color:#1a1a1a}
        h1{font-size:24px;margin:0 0 4px} h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px} h3{font-size:16px;margin:16px 0 6px}
        .facts{color:#555;font-size:13px} .rec{background:#eef6ee;border:1px solid #9c9;border-radius:6px;padding:12px 16px;margin:16px 0}
        .norec{background:#fdeeee;border:1px solid #d99;border-radius:6px;padding:12px 16px;margin:16px 0}
        pre{background:#f4f4f4;border:1px solid #ddd;border-radius:4px;padding:8px 10px;white-space:pre-wrap;word-break:break-all;font-size:13px}
        table{border-collapse:collapse;font-size:13px} td,th{border:1px solid #ddd;padding:3px 6px;text-align:right;vertical-align:top} th{background:#f4f4f4}
        td.l,th.l{text-align:left} tr.fail td{background:#fff5f5} tr.best td{background:#eef6ee;font-weight:600}
        .fig{display:inline-block;vertical-align:top;margin:0 18px 14px 0} .cap{font-size:13px;color:#444;max-width:900px}
        svg text{font-family:system-ui,sans-serif} .why{font-size:12px;color:#444;text-align:left;max-width:520px}
        </style></head><body>
        <h1>\(escape(title))</h1>

        """
        h += "<p class=\"facts\">" + escape(
            "loopbench \(r.tool.version) · \(r.created) · \(r.run.trialsDone) of \(r.run.trialsTotal) trials" + (r.run.trialsFailed > 0 ? " (\(r.run.trialsFailed) failed)" : "")
            + " · \(r.points.count) points × \(r.repeats) repeats (seeds \(r.seed)…\(r.seed + UInt64(max(0, r.repeats - 1)))) · \(Axis.formatNumber(r.seconds)) s probe per trial"
            + " · pass = at most \(r.criteria["max_crackles_per_trial"] ?? 0) crackles in every repeat"
            + " · host: \(r.host.cpu), \(r.host.cores) cores, \(r.host.os)") + "</p>\n"
        if r.run.interrupted {
            h += "<p class=\"norec\"><b>Interrupted:</b> only \(r.run.trialsDone) of \(r.run.trialsTotal) trials finished. Run the same command again with <code>--resume</code> to complete it.</p>\n"
        }
        h += recommendation(r)
        h += realGuestSections(r)
        h += heatmaps(r)
        h += axisPlots(r)
        h += paretoPlot(r)
        if let w = worst { h += worstSection(r, w) }
        h += pointTable(r)
        h += "<p class=\"facts\">Settings held fixed: " + escape(r.fixed.isEmpty ? "none" : r.fixed.keys.sorted().map { "\($0)=\(r.fixed[$0]!)" }.joined(separator: ", "))
        if !r.ties.isEmpty { h += escape(" · tied: " + r.ties.keys.sorted().map { "\($0) follows \(r.ties[$0]!)" }.joined(separator: ", ")) }
        h += ". The full data are in report.json (one measurement per trial) and report.csv.</p>\n</body></html>\n"
        return h
    }

    static func recommendation(_ r: SweepReport) -> String {
        guard let rec = r.recommendation else {
            return "<div class=\"norec\"><b>No recommendation.</b> \(escape(r.recommendationReason ?? ""))</div>\n"
        }
        var h = "<div class=\"rec\"><h2 style=\"margin-top:0;border:0\">Recommendation: \(escape(r.label(rec.settings)))</h2>\n"
        h += "<p>\(escape(rec.text))</p>\n"
        if let c = rec.commandLine { h += "<div>QEMU command line:</div><pre>\(escape(c))</pre>\n" }
        if let x = rec.libvirtXML { h += "<div>libvirt form (<code>virsh edit</code>):</div><pre>\(escape(x))</pre>\n" }
        if let e = rec.legacyEnv { h += "<div>Legacy environment form (QEMU before 8.2, only when no <code>-audiodev</code> is given):</div><pre>\(escape(e))</pre>\n" }
        if let n = rec.legacyNote { h += "<p class=\"facts\">\(escape(n))</p>\n" }
        if let s = rec.hostSettings { h += "<pre>\(escape(s))</pre>\n" }
        if !rec.margin.isEmpty {
            h += "<div>Failing neighbours toward lower latency (the edge):</div><ul>\n"
            for m in rec.margin {
                h += "<li><b>\(escape(r.label(m.settings)))</b>" + (m.latencyMS.map { escape(String(format: " (%.2f ms)", $0)) } ?? "") + ": \(escape(m.why))</li>\n"
            }
            h += "</ul>\n"
        }
        if let bd = r.points[rec.index].summary.latencyBreakdownMS, !bd.isEmpty { h += breakdownBar(bd) }
        h += "</div>\n"
        return h
    }

    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    public static func breakdownBar(_ bd: [String: Double]) -> String {
        // Buffers only: a total ("round trip …") would count twice.
        let items = bd.filter { $0.value >= 0.05 && !$0.key.lowercased().hasPrefix("round trip") }.sorted { $0.value > $1.value }
        let total = items.reduce(0) { $0 + $1.value }
        guard total > 0 else { return "" }
        let w = 900.0
        var x = 0.0
        var s = "<div>Where the latency lives: the mean occupancy of each buffer on the path (card model). These are time averages, one per buffer; they do not add up to the round trip, which runs from the guest's playback DMA position to its capture DMA position.</div>\n<svg width=\"\(Int(w))\" height=\"\(30 + 18 * ((items.count + 2) / 3))\" role=\"img\" aria-label=\"latency breakdown\">\n"
        for (i, it) in items.enumerated() {
            let bw = it.value / total * w
            s += "<rect x=\"\(f(x))\" y=\"0\" width=\"\(f(bw))\" height=\"22\" fill=\"\(palette[i % palette.count])\"><title>\(escape(it.key)): \(escape(f(it.value, 2))) ms</title></rect>\n"
            if bw > 60 { s += "<text x=\"\(f(x + 4))\" y=\"15\" font-size=\"12\" fill=\"#fff\">\(escape(f(it.value, 1))) ms</text>\n" }
            x += bw
        }
        for (i, it) in items.enumerated() {
            let lx = Double(i % 3) * 300, ly = 40 + Double(i / 3) * 18
            s += "<rect x=\"\(f(lx))\" y=\"\(f(ly - 10))\" width=\"12\" height=\"12\" fill=\"\(palette[i % palette.count])\"/>"
            s += "<text x=\"\(f(lx + 16))\" y=\"\(f(ly))\" font-size=\"12\">\(escape(it.key)) \(escape(f(it.value, 2))) ms</text>\n"
        }
        return s + "</svg>\n"
    }

    // MARK: heatmaps

    /// Groups of points for small multiples: one group per combination of the axes beyond the first two.
    static func groups(_ r: SweepReport) -> [(String, [SweepReport.Point])] {
        guard r.axes.count > 2 else { return [("", r.points)] }
        var order: [String] = []
        var map: [String: [SweepReport.Point]] = [:]
        for p in r.points {
            let key = r.axes[2...].map { "\($0.key)=\(p.settings[$0.key] ?? "")" }.joined(separator: " ")
            if map[key] == nil { order.append(key) }
            map[key, default: []].append(p)
        }
        return order.map { ($0, map[$0]!) }
    }

    static func heatmaps(_ r: SweepReport) -> String {
        guard !r.axes.isEmpty, !r.points.isEmpty else { return "" }
        var h = "<h2>Latency and crackle rate over the grid</h2>\n<p class=\"cap\">Each cell is one grid point: the median round-trip latency over its repeats, and the crackles per minute of probe. "
        h += "A red outline with ✗ marks a point that failed (a crackle or no signal in some repeat); ★ marks the recommendation. Hover a cell for details.</p>\n"
        let lats = r.points.compactMap { $0.summary.latencyMS?.median }
        let lo = lats.min() ?? 0, hi = lats.max() ?? 1
        let cmax = r.points.map(\.summary.cracklesPerMinute).max() ?? 0
        for (caption, pts) in groups(r) {
            if !caption.isEmpty { h += "<h3>\(escape(caption))</h3>\n" }
            h += "<div class=\"fig\">" + heatmap(r, pts, title: "median latency (ms)", legend: latencyLegend(lo, hi)) { p in
                guard let l = p.summary.latencyMS?.median else { return ("#ccc", "#333", "no signal") }
                let t = hi > lo ? (l - lo) / (hi - lo) : 0.5
                return (seq(t), textOn(t), f(l, 1))
            } + "</div>\n"
            h += "<div class=\"fig\">" + heatmap(r, pts, title: "crackles per minute", legend: crackleLegend(cmax)) { p in
                let c = crackleColour(p.summary.cracklesPerMinute, max: cmax)
                return (c.0, c.1, f(p.summary.cracklesPerMinute, p.summary.cracklesPerMinute < 10 ? 1 : 0))
            } + "</div>\n"
        }
        return h
    }

    static func latencyLegend(_ lo: Double, _ hi: Double) -> String {
        var s = ""
        for i in 0..<10 { s += "<rect x=\"\(f(Double(i) * 14))\" y=\"0\" width=\"14\" height=\"10\" fill=\"\(seq(Double(i) / 9))\"/>" }
        s += "<text x=\"0\" y=\"23\" font-size=\"11\">\(escape(f(lo, 1))) ms</text><text x=\"140\" y=\"23\" font-size=\"11\" text-anchor=\"end\">\(escape(f(hi, 1))) ms</text>"
        return s
    }

    static func crackleLegend(_ top: Double) -> String {
        var s = ""
        let steps = [0.0, 0.25, 0.5, 0.75, 1.0].map { $0 * max(top, 1) }
        for (i, v) in steps.enumerated() { s += "<rect x=\"\(f(Double(i) * 28))\" y=\"0\" width=\"28\" height=\"10\" fill=\"\(crackleColour(v, max: max(top, 1)).0)\"/>" }
        s += "<text x=\"0\" y=\"23\" font-size=\"11\">0 (clean)</text><text x=\"140\" y=\"23\" font-size=\"11\" text-anchor=\"end\">\(escape(f(top, 0)))/min</text>"
        return s
    }

    static func heatmap(_ r: SweepReport, _ pts: [SweepReport.Point], title: String, legend: String, cell: (SweepReport.Point) -> (String, String, String)) -> String {
        let xAxis = r.axes.count >= 2 ? r.axes[1] : r.axes[0]
        let yAxis: Axis? = r.axes.count >= 2 ? r.axes[0] : nil
        let cw = 78.0, ch = 34.0, left = 110.0, top = 44.0
        let cols = xAxis.values.count, rows = yAxis?.values.count ?? 1
        let w = max(left + cw * Double(cols) + 10, left + 150), hgt = top + ch * Double(rows) + 70
        var s = "<svg width=\"\(Int(w))\" height=\"\(Int(hgt))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
        s += "<text x=\"\(f(left))\" y=\"16\" font-size=\"14\" font-weight=\"600\">\(escape(title))</text>\n"
        s += "<text x=\"\(f(left + cw * Double(cols) / 2))\" y=\"\(f(top + ch * Double(rows) + 32))\" font-size=\"12\" text-anchor=\"middle\">\(escape(xAxis.key)) →</text>\n"
        s += "<g transform=\"translate(\(f(left)),\(f(top + ch * Double(rows) + 40)))\">\(legend)</g>\n"
        if let y = yAxis { s += "<text x=\"12\" y=\"\(f(top - 8))\" font-size=\"12\">\(escape(y.key)) ↓</text>\n" }
        for (i, v) in xAxis.values.enumerated() {
            s += "<text x=\"\(f(left + cw * (Double(i) + 0.5)))\" y=\"\(f(top + ch * Double(rows) + 16))\" font-size=\"12\" text-anchor=\"middle\">\(escape(v))</text>\n"
        }
        for (j, v) in (yAxis?.values ?? [""]).enumerated() {
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(top + ch * (Double(j) + 0.5) + 4))\" font-size=\"12\" text-anchor=\"end\">\(escape(v))</text>\n"
        }
        for p in pts {
            let xi = r.axes.count >= 2 ? p.coordinates[1] : p.coordinates[0]
            let yi = r.axes.count >= 2 ? p.coordinates[0] : 0
            let x = left + cw * Double(xi), y = top + ch * Double(yi)
            let (fill, fg, text) = cell(p)
            let best = r.recommendation?.index == p.index
            let tip = r.label(p.settings) + String(format: ": latency %@ ms, %d crackles in %d trials", n(p.summary.latencyMS?.median), p.summary.cracklesTotal, p.summary.trials)
                + (p.summary.pass ? ", passes" : ", FAILS: " + p.summary.why.prefix(2).joined(separator: "; "))
            s += "<g><title>\(escape(tip))</title><rect x=\"\(f(x + 1))\" y=\"\(f(y + 1))\" width=\"\(f(cw - 2))\" height=\"\(f(ch - 2))\" fill=\"\(fill)\""
            if !p.summary.pass { s += " stroke=\"#c00\" stroke-width=\"2.5\"" }
            if best { s += " stroke=\"#000\" stroke-width=\"3.5\"" }
            s += "/>"
            let mark = best ? "★ " : (p.summary.pass ? "" : "✗ ")
            s += "<text x=\"\(f(x + cw / 2))\" y=\"\(f(y + ch / 2 + 4))\" font-size=\"12\" text-anchor=\"middle\" fill=\"\(fg)\">\(escape(mark + text))</text></g>\n"
        }
        return s + "</svg>"
    }

    // MARK: line plots

    struct Frame {
        var x0: Double, y0: Double, w: Double, h: Double
        var xmin: Double, xmax: Double, ymin: Double, ymax: Double
        func x(_ v: Double) -> Double { x0 + (xmax > xmin ? (v - xmin) / (xmax - xmin) : 0.5) * w }
        func y(_ v: Double) -> Double { y0 + h - (ymax > ymin ? (v - ymin) / (ymax - ymin) : 0.5) * h }
    }

    static func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = ceil(lo / step) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(t); t += step }
        return out
    }

    static func axesFrame(_ fr: Frame, xLabel: String, yLabel: String, xTicks: [(Double, String)]? = nil) -> String {
        var s = "<rect x=\"\(f(fr.x0))\" y=\"\(f(fr.y0))\" width=\"\(f(fr.w))\" height=\"\(f(fr.h))\" fill=\"none\" stroke=\"#999\"/>\n"
        for t in niceTicks(fr.ymin, fr.ymax) {
            s += "<line x1=\"\(f(fr.x0))\" x2=\"\(f(fr.x0 + fr.w))\" y1=\"\(f(fr.y(t)))\" y2=\"\(f(fr.y(t)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(fr.x0 - 5))\" y=\"\(f(fr.y(t) + 4))\" font-size=\"11\" text-anchor=\"end\">\(escape(Axis.formatNumber((t * 1000).rounded() / 1000)))</text>\n"
        }
        let xt = xTicks ?? niceTicks(fr.xmin, fr.xmax).map { ($0, Axis.formatNumber(($0 * 1000).rounded() / 1000)) }
        for (v, label) in xt {
            s += "<line x1=\"\(f(fr.x(v)))\" x2=\"\(f(fr.x(v)))\" y1=\"\(f(fr.y0 + fr.h))\" y2=\"\(f(fr.y0 + fr.h + 4))\" stroke=\"#999\"/>"
            s += "<text x=\"\(f(fr.x(v)))\" y=\"\(f(fr.y0 + fr.h + 16))\" font-size=\"11\" text-anchor=\"middle\">\(escape(label))</text>\n"
        }
        s += "<text x=\"\(f(fr.x0 + fr.w / 2))\" y=\"\(f(fr.y0 + fr.h + 32))\" font-size=\"12\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text x=\"\(f(fr.x0 - 44))\" y=\"\(f(fr.y0 + fr.h / 2))\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(fr.x0 - 44)) \(f(fr.y0 + fr.h / 2)))\">\(escape(yLabel))</text>\n"
        return s
    }

    /// Median latency against each axis, one line per combination of the other axes; whiskers
    /// from min to max; failing points drawn as red crosses.
    static func axisPlots(_ r: SweepReport) -> String {
        let all = r.points.compactMap { $0.summary.latencyMS }
        guard !all.isEmpty else { return "" }
        var h = "<h2>Latency against each axis</h2>\n<p class=\"cap\">Dots: median over the repeats, whiskers: min to max. A red ✗ is a failing point. One line per value of the other axes.</p>\n"
        let ymin = 0.0, ymax = (all.map(\.max).max() ?? 1) * 1.08
        for (ai, axis) in r.axes.enumerated() {
            let numeric = axis.values.allSatisfy { Double($0) != nil }
            let xs = axis.values.enumerated().map { numeric ? Double($0.element)! : Double($0.offset) }
            let fr = Frame(x0: 64, y0: 26, w: 520, h: 250, xmin: xs.min()!, xmax: xs.max()! + (xs.count == 1 ? 1 : 0), ymin: ymin, ymax: ymax)
            var s = "<svg width=\"820\" height=\"330\" role=\"img\" aria-label=\"latency against \(escape(axis.key))\">\n"
            s += "<text x=\"64\" y=\"16\" font-size=\"14\" font-weight=\"600\">median latency (ms) against \(escape(axis.key))</text>\n"
            s += axesFrame(fr, xLabel: axis.key, yLabel: "latency (ms)", xTicks: numeric ? zip(xs, axis.values).map { ($0, $1) } : axis.values.enumerated().map { (Double($0.offset), $0.element) })
            // Series: points sharing every other coordinate.
            var series: [String: [SweepReport.Point]] = [:]
            var order: [String] = []
            for p in r.points {
                let key = r.axes.enumerated().filter { $0.offset != ai }.map { "\($0.element.key)=\(p.settings[$0.element.key] ?? "")" }.joined(separator: " ")
                if series[key] == nil { order.append(key) }
                series[key, default: []].append(p)
            }
            for (si, key) in order.enumerated() {
                let colour = palette[si % palette.count]
                let pts = series[key]!.sorted { $0.coordinates[ai] < $1.coordinates[ai] }
                let line = pts.compactMap { p in p.summary.latencyMS.map { "\(f(fr.x(xs[p.coordinates[ai]]))),\(f(fr.y($0.median)))" } }
                if line.count > 1 { s += "<polyline points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n" }
                for p in pts {
                    guard let l = p.summary.latencyMS else { continue }
                    let x = fr.x(xs[p.coordinates[ai]])
                    s += "<g><title>\(escape(r.label(p.settings) + String(format: ": median %.2f ms (min %.2f, max %.2f)", l.median, l.min, l.max) + (p.summary.pass ? "" : ", fails")))</title>"
                    s += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(fr.y(l.min)))\" y2=\"\(f(fr.y(l.max)))\" stroke=\"\(colour)\"/>"
                    if p.summary.pass {
                        s += "<circle cx=\"\(f(x))\" cy=\"\(f(fr.y(l.median)))\" r=\"4\" fill=\"\(colour)\"/>"
                    } else {
                        let y = fr.y(l.median)
                        s += "<path d=\"M\(f(x - 4)),\(f(y - 4))L\(f(x + 4)),\(f(y + 4))M\(f(x - 4)),\(f(y + 4))L\(f(x + 4)),\(f(y - 4))\" stroke=\"#c00\" stroke-width=\"2.2\"/>"
                    }
                    s += "</g>\n"
                }
                if si < 12 {
                    let ly = 34 + Double(si) * 18
                    s += "<line x1=\"600\" x2=\"618\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(colour)\" stroke-width=\"2\"/><text x=\"622\" y=\"\(f(ly))\" font-size=\"11\">\(escape(key.isEmpty ? "all" : key))</text>\n"
                } else if si == 12 {
                    s += "<text x=\"600\" y=\"\(f(34 + 12 * 18))\" font-size=\"11\">… \(order.count - 12) more lines</text>\n"
                }
            }
            h += "<div class=\"fig\">" + s + "</svg></div>\n"
        }
        return h
    }

    static func paretoPlot(_ r: SweepReport) -> String {
        let pts = r.points.filter { $0.summary.latencyMS != nil }
        guard !pts.isEmpty else { return "" }
        let h = "<h2>Latency against crackle rate (Pareto front)</h2>\n<p class=\"cap\">Every point with a signal; the line joins the points that no other point beats on both latency and crackle rate. Points on the zero line are clean.</p>\n"
        let lats = pts.map { $0.summary.latencyMS!.median }
        let rates = pts.map(\.summary.cracklesPerMinute)
        let fr = Frame(x0: 64, y0: 26, w: 620, h: 240, xmin: 0, xmax: (lats.max() ?? 1) * 1.05, ymin: 0, ymax: max(1, (rates.max() ?? 1) * 1.08))
        var s = "<svg width=\"760\" height=\"320\" role=\"img\" aria-label=\"Pareto front\">\n"
        s += axesFrame(fr, xLabel: "median latency (ms)", yLabel: "crackles per minute")
        let front = r.pareto.map { "\(f(fr.x($0.latencyMS))),\(f(fr.y($0.cracklesPerMinute)))" }
        if front.count > 1 { s += "<polyline points=\"\(front.joined(separator: " "))\" fill=\"none\" stroke=\"#444\" stroke-dasharray=\"4 3\"/>\n" }
        let onFront = Set(r.pareto.map(\.index))
        for p in pts {
            let x = fr.x(p.summary.latencyMS!.median), y = fr.y(p.summary.cracklesPerMinute)
            let colour = p.summary.pass ? "#2e7d32" : "#c62828"
            s += "<g><title>\(escape(r.label(p.settings) + String(format: ": %.2f ms, %.1f crackles/min", p.summary.latencyMS!.median, p.summary.cracklesPerMinute)))</title>"
            s += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(onFront.contains(p.index) ? 5.5 : 3.5)\" fill=\"\(colour)\" fill-opacity=\"0.75\"/></g>\n"
        }
        if let rec = r.recommendation {
            let x = fr.x(rec.latencyMS), y = fr.y(0)
            s += "<text x=\"\(f(x + 6))\" y=\"\(f(y - 8))\" font-size=\"12\" font-weight=\"600\">★ recommended</text>\n"
        }
        s += "<circle cx=\"710\" cy=\"40\" r=\"4\" fill=\"#2e7d32\"/><text x=\"718\" y=\"44\" font-size=\"11\">passes</text>"
        s += "<circle cx=\"710\" cy=\"58\" r=\"4\" fill=\"#c62828\"/><text x=\"718\" y=\"62\" font-size=\"11\">fails</text>\n"
        return h + "<div class=\"fig\">" + s + "</svg></div>\n"
    }

    // MARK: worst trial

    static let kindColour = ["gap": "#d62728", "drop": "#9467bd", "repeat": "#ff7f0e", "click": "#8c564b"]

    static func worstSection(_ r: SweepReport, _ w: WorstTrace) -> String {
        var h = "<h2>The worst trial</h2>\n"
        h += "<p class=\"cap\">" + escape("\(r.label(w.settings)), repeat \(w.repeatIndex + 1), seed \(w.seed): verdict \(w.verdict), \(w.crackles) crackle\(w.crackles == 1 ? "" : "s")"
            + (w.latencyMS.map { String(format: ", latency %.2f ms", $0) } ?? "") + ". ")
        h += "Top: the capture; middle: the residual (capture minus the reference, aligned and scaled by the analyzer), where a discontinuity shows as a burst; "
        h += "bottom: the delay the analyzer measured over time. Coloured lines mark the analyzer's events; triangles above mark the card model's own events (hover for the model's reason).</p>\n"
        let dur = Double(w.frames) / Double(w.sampleRate)
        let width = 1180.0, left = 64.0, pw = width - left - 20
        func xs(_ frame: Int) -> Double { left + Double(frame) / Double(max(1, w.frames)) * pw }
        var s = "<svg width=\"\(Int(width))\" height=\"560\" role=\"img\" aria-label=\"worst trial waveform, residual and delay\">\n"
        let ampMax = max(0.01, (w.captureMax + w.captureMin.map { -$0 }).max().map(Double.init) ?? 1)
        let resMax = max(0.001, (w.residualMax + w.residualMin.map { -$0 }).max().map(Double.init) ?? 1)
        s += band(w.captureMin, w.captureMax, left: left, pw: pw, y0: 40, hgt: 140, scale: ampMax, colour: "#4e79a7", label: "capture")
        s += band(w.residualMin, w.residualMax, left: left, pw: pw, y0: 220, hgt: 140, scale: resMax, colour: "#e15759", label: String(format: "residual (note the scale: ±%.3g)", resMax))
        // Stretches between the analyzer's segments have no delay fit: nothing is subtracted
        // there, so the residual is the capture itself. Grey them out so they do not read as errors.
        var unfit = 0
        for (a, b) in zip(w.delayTrack, w.delayTrack.dropFirst()) where b.captureStart - a.captureEnd > w.sampleRate / 200 {
            let x0 = xs(a.captureEnd), x1 = xs(b.captureStart)
            s += "<rect x=\"\(f(x0))\" y=\"220\" width=\"\(f(x1 - x0))\" height=\"140\" fill=\"#999\" fill-opacity=\"0.75\"><title>no delay fit from \(escape(f(Double(a.captureEnd) / Double(w.sampleRate), 3))) s to \(escape(f(Double(b.captureStart) / Double(w.sampleRate), 3))) s: the residual here is the raw capture</title></rect>\n"
            unfit += 1
        }
        for e in w.events {
            let x = xs(e.captureSample)
            s += "<g><title>\(escape("analyzer: \(e.kind) of \(e.sizeSamples) frames at frame \(e.captureSample) (\(f(Double(e.captureSample) / Double(w.sampleRate), 3)) s)"))</title>"
            s += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"40\" y2=\"360\" stroke=\"\(kindColour[e.kind] ?? "#333")\" stroke-width=\"1.2\" stroke-opacity=\"0.8\"/></g>\n"
        }
        for e in w.truthEvents {
            let x = xs(e.captureSample)
            s += "<g><title>\(escape("model: \(e.kind), \(e.sizeSamples) frames at frame \(e.captureSample)" + (e.reason.map { ": \($0)" } ?? "")))</title>"
            s += "<path d=\"M\(f(x - 5)),24L\(f(x + 5)),24L\(f(x)),33Z\" fill=\"\(kindColour[e.kind] ?? "#333")\"/></g>\n"
        }
        s += delayTrackSVG(w, left: left, pw: pw, duration: dur)
        s += "</svg>\n"
        h += s
        var legend = "<p class=\"facts\">" + (unfit > 0 ? "Grey bands in the residual: stretches the analyzer could not align (between its segments); nothing is subtracted there. " : "") + "Event colours: "
        legend += kindColour.keys.sorted().map { "<span style=\"color:\(kindColour[$0]!);font-weight:600\">\(escape($0))</span>" }.joined(separator: " · ") + ".</p>\n"
        h += legend
        h += modelLogTable(w)
        return h
    }


    /// One min/max envelope (the capture or the residual) in its frame, with its scale.
    static func band(_ lo: [Float], _ hi: [Float], left: Double, pw: Double, y0: Double, hgt: Double, scale: Double, colour: String, label: String) -> String {
        var t = "<text x=\"\(f(left))\" y=\"\(f(y0 - 6))\" font-size=\"13\" font-weight=\"600\">\(escape(label))</text>\n"
        t += "<rect x=\"\(f(left))\" y=\"\(f(y0))\" width=\"\(f(pw))\" height=\"\(f(hgt))\" fill=\"#fafafa\" stroke=\"#999\"/>\n"
        let mid = y0 + hgt / 2
        var up: [String] = [], dn: [String] = []
        for i in 0..<lo.count {
            let x = left + (Double(i) + 0.5) / Double(max(1, lo.count)) * pw
            up.append("\(f(x)),\(f(mid - Double(hi[i]) / scale * hgt / 2))")
            dn.append("\(f(x)),\(f(mid - Double(lo[i]) / scale * hgt / 2))")
        }
        t += "<polygon points=\"\((up + dn.reversed()).joined(separator: " "))\" fill=\"\(colour)\" stroke=\"\(colour)\" stroke-width=\"0.6\"/>\n"
        t += "<text x=\"\(f(left - 5))\" y=\"\(f(y0 + 10))\" font-size=\"10\" text-anchor=\"end\">\(escape(String(format: "%+.3g", scale)))</text>"
        t += "<text x=\"\(f(left - 5))\" y=\"\(f(y0 + hgt))\" font-size=\"10\" text-anchor=\"end\">\(escape(String(format: "%+.3g", -scale)))</text>\n"
        return t
    }

    /// The delay the analyzer measured over the capture: a flat step per segment, a dotted riser
    /// between segments (a discontinuity).
    static func delayTrackSVG(_ w: WorstTrace, left: Double, pw: Double, duration dur: Double) -> String {
        var s = ""
        let dly = w.delayTrack.map(\.delayMS)
        let dmin = (dly.min() ?? (w.latencyMS ?? 0)) , dmax = (dly.max() ?? (w.latencyMS ?? 1))
        let pad = max(0.5, (dmax - dmin) * 0.15)
        let fr = Frame(x0: left, y0: 400, w: pw, h: 110, xmin: 0, xmax: dur, ymin: dmin - pad, ymax: dmax + pad)
        s += "<text x=\"\(f(left))\" y=\"394\" font-size=\"13\" font-weight=\"600\">delay (ms) over time (s)</text>\n"
        s += axesFrame(fr, xLabel: "time in the capture (s)", yLabel: "delay (ms)")
        if !w.delayTrack.isEmpty {
            // Each segment is a flat step; a thin dotted riser joins it to the next (a discontinuity).
            var steps = "", risers = ""
            var last: (Double, Double)? = nil
            for d in w.delayTrack {
                let x0 = fr.x(Double(d.captureStart) / Double(w.sampleRate)), x1 = fr.x(Double(d.captureEnd) / Double(w.sampleRate))
                let y = fr.y(d.delayMS)
                if let (lx, ly) = last { risers += "M\(f(lx)),\(f(ly))L\(f(x0)),\(f(ly))L\(f(x0)),\(f(y))" }
                steps += "M\(f(x0)),\(f(y))L\(f(max(x1, x0 + 1))),\(f(y))"
                last = (x1, y)
            }
            s += "<path d=\"\(risers)\" fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"1\" stroke-dasharray=\"2 2\"/>\n"
            s += "<path d=\"\(steps)\" fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"2.5\"/>\n"
        } else {
            s += "<text x=\"\(f(left + 10))\" y=\"460\" font-size=\"12\">no delay track (no signal)</text>\n"
        }
        return s
    }

    /// The card model's own log of the trial's events, with its reasons (at most 25 rows).
    static func modelLogTable(_ w: WorstTrace) -> String {
        var h = ""
        let reasons = w.truthEvents.compactMap { e in e.reason.map { (e, $0) } }
        if !reasons.isEmpty {
            h += "<h3>What the card model logged for this trial</h3>\n<table><tr><th>time (s)</th><th>kind</th><th>frames</th><th class=\"l\">reason</th></tr>\n"
            for (e, why) in reasons.prefix(25) {
                h += "<tr><td>\(escape(f(Double(e.captureSample) / Double(w.sampleRate), 3)))</td><td class=\"l\">\(escape(e.kind))</td><td>\(e.sizeSamples)</td><td class=\"l\">\(escape(why))</td></tr>\n"
            }
            if reasons.count > 25 { h += "<tr><td colspan=\"4\" class=\"l\">… and \(reasons.count - 25) more</td></tr>\n" }
            h += "</table>\n"
        }
        return h
    }

    // MARK: table

    static func pointTable(_ r: SweepReport) -> String {
        let keys = r.axes.map(\.key)
        var h = "<h2>Every point</h2>\n<table><tr>"
        for k in keys { h += "<th>\(escape(k))</th>" }
        h += "<th>latency median</th><th>p95</th><th>min</th><th>max</th><th>jitter</th><th>crackles</th><th>per min</th><th>by kind</th><th>drift ppm</th><th>xruns</th><th>pass</th><th class=\"l\">why it fails</th></tr>\n"
        for p in r.points {
            let s = p.summary
            let cls = r.recommendation?.index == p.index ? " class=\"best\"" : (s.pass ? "" : " class=\"fail\"")
            h += "<tr\(cls)>"
            for k in keys { h += "<td>\(escape(p.settings[k] ?? ""))</td>" }
            h += "<td>\(n(s.latencyMS?.median))</td><td>\(n(s.latencyMS?.p95))</td><td>\(n(s.latencyMS?.min))</td><td>\(n(s.latencyMS?.max))</td><td>\(n(s.jitterMS, 3))</td>"
            h += "<td>\(s.cracklesTotal)</td><td>\(n(s.cracklesPerMinute, 1))</td><td class=\"l\">\(escape(s.cracklesByKind.keys.sorted().map { "\($0) \(s.cracklesByKind[$0]!)" }.joined(separator: ", ")))</td>"
            h += "<td>\(n(s.driftPPM, 1))</td><td>\(s.backendXruns.map(String.init) ?? "–")</td><td>\(s.pass ? "yes" : "<b>no</b>")</td>"
            h += "<td class=\"why\">\(escape(s.why.prefix(3).joined(separator: " · ") + (s.why.count > 3 ? " · …" : "")))</td></tr>\n"
        }
        return h + "</table>\n<p class=\"facts\">Latency columns in ms. Jitter: standard deviation of the latency over the repeats.</p>\n"
    }
}
