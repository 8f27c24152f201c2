// SPDX-License-Identifier: GPL-2.0-or-later
import ALSABackend
import CardModel
import LoopbenchCore
import PulseBackend
import QEMUBackend

/// Builds the loop for a backend name from `KEY=VALUE` settings.
public enum Loops {
    public static let backends = ["sim", "pulse", "alsa", "qemu"]

    /// - Throws: a usage error for an unknown backend or a bad setting.
    public static func make(backend: String, settings: [String: String]) throws(LoopbenchError) -> any AudioLoop {
        switch backend {
        case "sim": return try CardModelLoop(settings: settings)
        case "pulse": return try PulseLoop(settings: settings)
        case "alsa": return try ALSALoop(settings: settings)
        case "qemu": return try QEMULoop(settings: settings)
        default: throw .usage("--backend \(backend): unknown backend; use one of \(backends.joined(separator: ", "))", subject: "backend")
        }
    }

    /// The settings a backend accepts.
    public static func settingDocs(backend: String) throws(LoopbenchError) -> [SettingDoc] {
        switch backend {
        case "sim": return CardModelLoop.settingDocs
        case "pulse": return PulseLoop.settingDocs
        case "alsa": return ALSALoop.settingDocs
        case "qemu": return QEMULoop.settingDocs
        default: throw .usage("--backend \(backend): unknown backend; use one of \(backends.joined(separator: ", "))", subject: "backend")
        }
    }

    /// A player for `signal --play`: playback alone on a backend that makes sound.
    /// - Throws: a usage error for the card model and real guests (they make no sound here).
    public static func player(backend: String, settings: [String: String]) throws(LoopbenchError) -> any AudioPlayback {
        switch backend {
        case "pulse": return try PulsePlayer(settings: settings)
        case "alsa": return try ALSAPlayer(settings: settings)
        case "sim", "qemu":
            throw .usage("--backend \(backend): \(backend == "sim" ? "the card model" : "a QEMU guest") makes no sound to listen to; play on pulse or alsa", subject: "backend")
        default: throw .usage("--backend \(backend): unknown backend; use one of \(backends.joined(separator: ", "))", subject: "backend")
        }
    }
}
