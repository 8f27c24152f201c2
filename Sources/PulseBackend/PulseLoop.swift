// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

// PLACEHOLDER: replaced by the real implementation (owned by the PulseBackend work).
public struct PulseLoop: AudioLoop {
    public static let settingDocs: [SettingDoc] = []
    public let backend = "pulse"
    public let sampleRate = 48000
    public let channels = 1
    public var effectiveSettings: [String: JSONValue] { [:] }
    public init(settings: [String: String]) throws(LoopbenchError) {
        throw .unavailable("pulse", "the pulse backend is not built yet")
    }
    public func run(stimulus: AudioBuffer) throws(LoopbenchError) -> LoopCapture {
        throw .unavailable("pulse", "the pulse backend is not built yet")
    }
}
