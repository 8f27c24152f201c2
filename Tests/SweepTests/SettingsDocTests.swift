// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Loops
import Testing
import TestSupport

/// docs/settings.md is generated from the settings tables; this keeps it current.
@Suite("Settings documentation")
struct SettingsDocTests {
    @Test("docs/settings.md is what the settings tables generate")
    func settingsDocIsCurrent() throws {
        let path = TestPaths.packageRoot + "/docs/settings.md"
        let generated = Loops.settingsMarkdown()
        if ProcessInfo.processInfo.environment["LOOPBENCH_UPDATE_DOCS"] == "1" {
            try generated.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(committed == generated, "docs/settings.md is stale: regenerate with LOOPBENCH_UPDATE_DOCS=1 swift test --filter SettingsDocTests")
        for key in ["timer-period", "host.jitter", "tlength", "writer-stall"] { #expect(committed.contains("`\(key)`")) }
    }
}

/// The pulse and alsa loops parse and report their settings from one table each; these are the
/// values the loops reported before the tables existed (written out here by hand, so a change in
/// a table's parser or reporter fails a test).
@Suite("Host loop settings tables")
struct HostSettingsTableTests {
    @Test("pulse: parsed settings are reported as before")
    func pulseEffective() throws {
        let loop = try Loops.make(backend: "pulse", settings: ["server": "unix:/x/native", "sink": " loop ", "source": "default",
                                                              "tlength": "20ms", "fragsize": "480f", "adjust-latency": "no",
                                                              "early-requests": "yes", "preroll": "250ms", "writer-stall": "0.8s:300ms",
                                                              "tail": "1s", "connect-timeout": "2s", "channels": "2", "format": "s16"])
        let e = loop.effectiveSettings
        #expect(e["server"] == .string("unix:/x/native"))
        #expect(e["sink"] == .string("loop"))
        #expect(e["source"] == .string("monitor"))
        #expect(e["tlength"] == .string("20000us"))
        #expect(e["tlength_frames"] == .number(960))
        #expect(e["fragsize"] == .string("480f"))
        #expect(e["fragsize_frames"] == .number(480))
        #expect(e["minreq"] == .string("auto"))
        #expect(e["period_frames"] == .number(240))
        #expect(e["adjust-latency"] == .string("no"))
        #expect(e["early-requests"] == .string("yes"))
        #expect(e["preroll"] == .string("250000us"))
        #expect(e["writer-stall"] != nil)
        #expect(e["channels"] == .number(2))
        #expect(e["format"] == .string("s16le"))
        #expect(e["tail"] == nil && e["connect-timeout"] == nil)
        #expect(Set(e.keys).count == 18)
    }

    @Test("alsa: device names, sizes and defaults are reported as before")
    func alsaEffective() throws {
        let same = try Loops.make(backend: "alsa", settings: ["device": "pulse", "period": "240f"]).effectiveSettings
        #expect(same["device"] == .string("pulse"))
        #expect(same["playback-device"] == nil && same["capture-device"] == nil)
        #expect(same["buffer"] == .string("40000us") && same["buffer_frames"] == .number(1920))
        #expect(same["period"] == .string("240f") && same["period_frames"] == .number(240))
        #expect(same["start-threshold"] == .string("auto") && same["preroll"] == .string("auto"))
        #expect(same["format"] == .string("FLOAT_LE") && same["rate"] == .number(48000))
        let split = try Loops.make(backend: "alsa", settings: ["device": "pulse", "capture-device": "hw:1"]).effectiveSettings
        #expect(split["device"] == .string("pulse/hw:1"))
        #expect(split["playback-device"] == .string("pulse") && split["capture-device"] == .string("hw:1"))
    }

    @Test("pulse and alsa: a mistake is a usage error naming the setting")
    func mistakes() {
        let cases: [(String, [String: String], String)] = [
            ("pulse", ["tlenght": "20ms"], "tlenght"), ("pulse", ["rate": "12"], "rate"), ("pulse", ["maxlength": "1ms"], "maxlength"),
            ("pulse", ["connect-timeout": "1ms"], "connect-timeout"), ("pulse", ["adjust-latency": "maybe"], "adjust-latency"),
            ("alsa", ["periods": "2"], "periods"), ("alsa", ["period": "50ms"], "period"), ("alsa", ["timeout": "1ms"], "timeout"),
            ("alsa", ["channels": "0"], "channels"), ("alsa", ["format": "S8"], "format"),
        ]
        for (backend, settings, key) in cases {
            do {
                _ = try Loops.make(backend: backend, settings: settings)
                Issue.record("\(backend) \(settings) was accepted")
            } catch {
                #expect(error.kind == .usage && error.subject == key, "\(backend) \(settings): \(error)")
            }
        }
    }
}
