// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// What went wrong (the names are those of the truth's `artifacts` and `xruns_by_place`).
enum ArtifactKind: String, Sendable {
    /// A queue ran dry and silence played.
    case underrun
    /// A writer overtook its reader.
    case overrun
    /// Audio was thrown away (a full HDA ring, a block that did not fit a capture queue).
    case drop
    /// The device read past the guest's write pointer and replayed old ring contents.
    case staleRead = "stale-read"
}

/// The buffer an artifact happened in.
enum ArtifactPlace: String, Sendable {
    case guestRing = "guest ring"
    case guestRingIn = "guest ring in"
    case hdaRing = "HDA ring"
    case pulseAudioPlayback = "PA playback"
    case pulseAudioRecord = "PA record"
    case pipeWirePlayback = "PipeWire playback"
    case alsaPlayback = "ALSA playback"
    case alsaCapture = "ALSA capture"
    case jackPlayback = "JACK playback"
    case jackCapture = "JACK capture"
}

/// One artifact in the model's own log: where it happened, how big, and why.
struct Artifact: Sendable {
    var kind: ArtifactKind
    var place: ArtifactPlace
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
        xruns[artifact.place.rawValue + " " + artifact.kind.rawValue, default: 0] += 1
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
