// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

// PLACEHOLDER: replaced by the real implementation (owned by the ALSABackend work).
public struct ALSALoop: AudioLoop {
    public static let settingDocs: [SettingDoc] = []
    public let backend = "alsa"
    public let sampleRate = 48000
    public let channels = 1
    public var effectiveSettings: [String: JSONValue] { [:] }
    public init(settings: [String: String]) throws(LoopbenchError) {
        throw .unavailable("alsa", "the alsa backend is not built yet")
    }
    public func run(stimulus: AudioBuffer) throws(LoopbenchError) -> LoopCapture {
        throw .unavailable("alsa", "the alsa backend is not built yet")
    }
}
