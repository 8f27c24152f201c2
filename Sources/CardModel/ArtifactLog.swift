// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// One artifact in the model's own log: where it happened, how big, and why.
struct Artifact: Sendable {
    /// "underrun", "overrun", "drop" or "stale-read".
    var kind: String
    /// The buffer it happened in ("HDA ring", "PA playback", …).
    var place: String
    var timeNs: Int
    var frames: Int
    var reason: String
    /// Guest-stream frames removed or replaced (first and last), when known; -1 otherwise.
    var firstGuestFrame: Int64 = -1
    var lastGuestFrame: Int64 = -1
}

/// The index of an artifact in the log, carried by the frames it produced (`Run.cause`); -1 for none.
typealias ArtifactIndex = Int32

/// Everything that went wrong in one run, in order, and how often per place.
struct ArtifactLog: Sendable {
    private(set) var artifacts: [Artifact] = []
    /// Count per "place kind" (for example "HDA ring drop"), plus overflows that lost only silence.
    private(set) var xruns: [String: Int] = [:]

    var last: Artifact? { artifacts.last }

    /// Appends `artifact` and counts it; returns its index for the frames it produced.
    @discardableResult
    mutating func log(_ artifact: Artifact) -> ArtifactIndex {
        artifacts.append(artifact)
        xruns[artifact.place + " " + artifact.kind, default: 0] += 1
        return ArtifactIndex(artifacts.count - 1)
    }

    /// Counts an overflow that lost only silence: no artifact, but it shows in the xrun counts.
    mutating func countSilentOverflow(_ key: String) {
        xruns[key, default: 0] += 1
    }

    /// Makes the last artifact `frames` longer (an underrun whose silence goes on, a stale read that continues).
    mutating func extendLast(by frames: Int, lastGuestFrame: Int64? = nil) {
        artifacts[artifacts.count - 1].frames += frames
        if let lastGuestFrame { artifacts[artifacts.count - 1].lastGuestFrame = lastGuestFrame }
    }

    /// Makes artifact `index` `frames` longer.
    mutating func extend(_ index: ArtifactIndex, by frames: Int) {
        artifacts[Int(index)].frames += frames
    }
}

/// `frames` at `rate` in milliseconds, two decimals, for the artifacts' reasons.
func ms(_ frames: Int, _ rate: Int) -> String {
    String(format: "%.2f", Double(frames) * 1000 / Double(rate))
}
