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

    /// What a backend's loops may be assumed to do (``LoopCapabilities``).
    public static func capabilities(backend: String) throws(LoopbenchError) -> LoopCapabilities {
        switch backend {
        case "sim": return CardModelLoop.capabilities
        case "pulse": return PulseLoop.capabilities
        case "alsa": return ALSALoop.capabilities
        case "qemu": return QEMULoop.capabilities
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

extension Loops {
    /// `docs/settings.md`: every loop's settings, generated from the tables the loops parse
    /// with (a test keeps the committed file equal to this).
    public static func settingsMarkdown() -> String {
        var out = """
        # Settings of every loop

        Generated from the settings tables the code parses with (`CardModelSettings.settingsTable`,
        `PulseSettings.table`, `ALSASettings.table`
        and each loop's `settingDocs`); `swift test --filter SettingsDocTests` checks that this file
        is current, and `LOOPBENCH_UPDATE_DOCS=1 swift test --filter SettingsDocTests` rewrites it.
        Give them with `--set KEY=VALUE` (`measure`, `compare`), as plan `fixed:` entries or axes
        (`sweep`), and list them with `loopbench measure --backend NAME --list-settings`.

        ## `sim`: the card model (and the names `qemu` shares)

        "QEMU" says where a setting goes on QEMU's command line: an `-audiodev` option of the same
        name, the `-device` choice, the `-audiodev` driver, the version whose defaults apply, or
        the model only. "libvirt" is its spelling in a libvirt domain's `<audio>`/`<sound>` where
        there is one.

        | key | unit | default | QEMU | libvirt | meaning |
        |---|---|---|---|---|---|

        """
        for row in CardModelSettings.settingsTable {
            let d = row.doc
            out += "| `\(d.key)` | \(d.unit.replacingOccurrences(of: "|", with: "\\|")) | \(d.defaultValue) | \(row.qemu.rawValue) | \(row.libvirt.map { "`\($0)`" } ?? "") | \(d.meaning.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        for backend in ["qemu", "pulse", "alsa"] {
            guard let docs = try? settingDocs(backend: backend) else { continue }
            let shown = backend == "qemu" ? docs.filter { d in !CardModelSettings.keys.contains(d.key) } : docs
            out += "\n## `\(backend)`\(backend == "qemu" ? ": its own settings (it also takes the card model's QEMU settings above)" : "")\n\n"
            out += "| key | unit | default | meaning |\n|---|---|---|---|\n"
            for d in shown { out += "| `\(d.key)` | \(d.unit.replacingOccurrences(of: "|", with: "\\|")) | \(d.defaultValue) | \(d.meaning.replacingOccurrences(of: "|", with: "\\|")) |\n" }
        }
        return out
    }
}
