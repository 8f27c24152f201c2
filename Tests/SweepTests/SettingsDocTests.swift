// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
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
