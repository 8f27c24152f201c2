// SPDX-License-Identifier: GPL-2.0-or-later

/// The backend's xrun count set against the discontinuities the analyzer heard, and, where
/// they disagree, which case it is: xruns inside the pre-roll, reported xruns with no audible
/// effect, discontinuities no xrun was reported for. JSON member `xrun_account` (see `docs/measure.md`).
public struct XrunAccount: Codable, Sendable, Equatable {
    /// Xruns the API reported from the probe on (the measurement's `backend_xruns`).
    public var reported: Int?
    /// Xruns the API reported during the pre-roll, before the probe.
    public var reportedBeforeProbe: Int?
    /// Distinct discontinuities the analyzer found: events at one capture frame count once
    /// (a replacement is a `gap` and a `drop` at the same frame). Clicks included.
    public var measured: Int
    /// Reported xruns (placed in time) that match no discontinuity.
    public var silentXruns: Int?
    /// Discontinuities that match no reported xrun (placed in time), or the surplus of
    /// discontinuities over reported xruns when the backend cannot place its xruns.
    public var unreportedDiscontinuities: Int?
    public var reportsCaptureOverruns: Bool?
    /// The reported xruns placed on the capture's frame axis, when the backend can place them.
    public var placed: [ReportedXrun]?
    /// A discontinuity at capture frame f matches a placed xrun at x when
    /// x − before ≤ f ≤ x + after (frames): [before, after].
    public var matchWindowFrames: [Int]?
    /// Whether the two accounts agree (nothing left to explain).
    public var agrees: Bool
    /// One sentence per case, for people.
    public var explanations: [String]

    enum CodingKeys: String, CodingKey {
        case reported, measured, agrees, explanations, placed
        case matchWindowFrames = "match_window_frames"
        case reportedBeforeProbe = "reported_before_probe"
        case silentXruns = "silent_xruns"
        case unreportedDiscontinuities = "unreported_discontinuities"
        case reportsCaptureOverruns = "reports_capture_overruns"
    }

    /// What the backend said about its xruns, as ``LoopCapture`` carries it.
    public struct Reports: Sendable {
        public var duringProbe: Int?
        public var beforeProbe: Int?
        public var placed: [ReportedXrun]?
        public var reportsCaptureOverruns: Bool?
        public init(duringProbe: Int?, beforeProbe: Int?, placed: [ReportedXrun]?, reportsCaptureOverruns: Bool?) {
            self.duringProbe = duringProbe
            self.beforeProbe = beforeProbe
            self.placed = placed
            self.reportsCaptureOverruns = reportsCaptureOverruns
        }
    }

    /// How far from a reported xrun its effect may land in the capture: from when it happened to
    /// one round trip later (see ``ReportedXrun/captureFrame``), widened by this slack either
    /// side for the placing's own error: an xrun is logged when it is noticed, which after a
    /// main-loop stall can be tens of milliseconds after the queue ran dry.
    public static let matchSlackSeconds = 0.050

    /// Distinct capture frames with at least one event, in order.
    public static func incidents(_ events: [Event]) -> [Int] {
        Array(Set(events.map(\.captureSample))).sorted()
    }

    /// The reported xrun nearest to capture frame `frame` (nil when none is placed).
    public static func nearest(to frame: Int, in xruns: [ReportedXrun]) -> ReportedXrun? {
        xruns.min { abs($0.captureFrame - frame) < abs($1.captureFrame - frame) }
    }

    /// Whether a discontinuity at `frame` lies in `x`'s match window.
    public func matches(_ x: ReportedXrun, frame: Int) -> Bool {
        guard let w = matchWindowFrames, w.count == 2 else { return false }
        return frame >= x.captureFrame - w[0] && frame <= x.captureFrame + w[1]
    }

    /// Sets the backend's reports against `events`. `probeSpan` is where the probe lies in the
    /// capture (nil when no signal was found); `roundTripFrames` the loop's latency, the
    /// window in which an xrun's effect lands.
    public static func account(events: [Event], reports r: Reports, sampleRate: Int, probeSpan: Range<Int>?,
                               roundTripFrames: Double?) -> XrunAccount? {
        guard r.duringProbe != nil || r.placed != nil else { return nil }
        let found = incidents(events)
        var a = XrunAccount(reported: r.duringProbe, reportedBeforeProbe: r.beforeProbe, measured: found.count,
                            reportsCaptureOverruns: r.reportsCaptureOverruns, placed: r.placed, agrees: true, explanations: [])
        if let before = r.beforeProbe, before > 0 {
            a.explanations.append("\(before) \(plural(before, "xrun")) reported inside the pre-roll, before the probe (not in backend_xruns)")
        }
        let reported = r.placed?.count ?? r.duringProbe ?? 0
        guard let span = probeSpan else {
            if reported > 0 {
                a.agrees = false
                a.explanations.append("\(reported) \(plural(reported, "xrun")) reported; no probe was found to set them against")
            }
            return a
        }
        if let placed = r.placed {
            accountPlaced(&a, placed: placed, found: found, span: span, reach: Int((roundTripFrames ?? 0).rounded()) + Int(matchSlackSeconds * Double(sampleRate)),
                          sampleRate: sampleRate, reportsCaptureOverruns: r.reportsCaptureOverruns)
        } else if let n = r.duringProbe {
            if n > found.count {
                a.silentXruns = n - found.count
                a.explanations.append("\(n - found.count) reported \(plural(n - found.count, "xrun")) with no audible effect")
            } else if found.count > n {
                a.unreportedDiscontinuities = found.count - n
                a.explanations.append(unreportedSentence(found.count - n, r.reportsCaptureOverruns))
            }
        }
        a.agrees = (a.silentXruns ?? 0) == 0 && (a.unreportedDiscontinuities ?? 0) == 0
        return a
    }

    /// Xruns placed in time: each is matched to the discontinuities within `reach` frames of it;
    /// those that cannot reach the probe at all (in the tail after it) are said apart.
    static func accountPlaced(_ a: inout XrunAccount, placed: [ReportedXrun], found: [Int], span: Range<Int>, reach: Int,
                              sampleRate: Int, reportsCaptureOverruns: Bool?) {
        let slack = Int(matchSlackSeconds * Double(sampleRate))
        // An xrun's effect lands from (about) when it happened to one round trip later.
        a.matchWindowFrames = [slack, reach]
        func matches(_ x: ReportedXrun, _ f: Int) -> Bool { a.matches(x, frame: f) }
        let outside = placed.filter { $0.captureFrame - slack > span.upperBound || $0.captureFrame + reach < span.lowerBound }
        let inside = placed.filter { x in !outside.contains(x) }
        let silent = inside.filter { x in !found.contains { matches(x, $0) } }
        let unexplained = found.filter { f in !placed.contains { matches($0, f) } }
        a.silentXruns = silent.count
        a.unreportedDiscontinuities = unexplained.count
        if !outside.isEmpty {
            a.explanations.append("\(outside.count) reported \(plural(outside.count, "xrun")) outside the probe (before it reached the capture or in the tail after it)")
        }
        for x in silent {
            a.explanations.append(String(format: "reported %@ with no audible effect (capture %.3f s)", x.what, Double(x.captureFrame) / Double(sampleRate)))
        }
        if !unexplained.isEmpty { a.explanations.append(unreportedSentence(unexplained.count, reportsCaptureOverruns)) }
        if silent.isEmpty && unexplained.isEmpty && !found.isEmpty {
            a.explanations.append("every discontinuity lies within one round trip of a reported xrun, and every xrun during the probe near one")
        }
    }

    static func unreportedSentence(_ n: Int, _ reportsCaptureOverruns: Bool?) -> String {
        "\(n) \(plural(n, "discontinuity", "discontinuities")) with no reported xrun"
            + (reportsCaptureOverruns == false ? " (this API does not report capture overruns)" : "")
    }

    static func plural(_ n: Int, _ one: String, _ many: String? = nil) -> String { n == 1 ? one : (many ?? one + "s") }
}
