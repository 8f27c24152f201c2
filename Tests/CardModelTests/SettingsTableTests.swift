// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import LoopbenchCore
import Testing

/// The card model's settings table is the one declaration of its settings: what it documents
/// as a default is what an empty configuration reports, and every row parses its own default.
@Suite("Card-model settings table")
struct SettingsTableTests {
    static func text(_ v: JSONValue?) -> String? {
        switch v {
        case .string(let s)?: return s
        case .number(let x)?: return x == x.rounded() ? String(Int(x)) : String(x)
        default: return nil
        }
    }

    @Test("each documented default is the effective value of the defaults, and parses back to it")
    func defaultsAgree() throws {
        let defaults = try CardModelSettings(settings: [:])
        let effective = defaults.effective
        for row in CardModelSettings.settingsTable where row.doc.defaultValue != "backend" {
            let key = row.key
            if let shown = Self.text(effective[key]) {
                #expect(shown == row.doc.defaultValue, "\(key): documented default \(row.doc.defaultValue), effective \(shown)")
            }
            let parsed = try CardModelSettings(settings: [key: row.doc.defaultValue])
            #expect(parsed == defaults, "\(key)=\(row.doc.defaultValue) is not the default configuration")
        }
    }

    @Test("keys are unique, QEMU's -audiodev options come from the table, and only they")
    func qemuColumn() {
        let keys = CardModelSettings.settingsTable.map(\.key)
        #expect(Set(keys).count == keys.count)
        #expect(QEMUOptions.audiodevKeys == CardModelSettings.settingsTable.filter { $0.qemu == .audiodev }.map(\.key))
        #expect(QEMUOptions.audiodevKeys.first == "timer-period")
        #expect(!QEMUOptions.audiodevKeys.contains("host.jitter") && !QEMUOptions.audiodevKeys.contains("device"))
        #expect(QEMUOptions.timeKeys == ["timer-period", "out.latency", "in.latency", "out.buffer-length", "in.buffer-length", "out.period-length", "in.period-length"])
    }
}
