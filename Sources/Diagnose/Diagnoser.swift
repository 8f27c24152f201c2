// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore
import QEMUBackend

/// What was read, in the form it came in (kept for writing the fix back).
public struct DiagnoseInput: Sendable {
    public var setup: AudioSetup
    public var commandLine: QEMUCommandLine?
    public var libvirt: LibvirtAudio?
    /// Named in errors and in the report.
    public var subject: String
    public var notes: [String] = []
    public init(setup: AudioSetup, commandLine: QEMUCommandLine? = nil, libvirt: LibvirtAudio? = nil, subject: String) {
        self.setup = setup; self.commandLine = commandLine; self.libvirt = libvirt; self.subject = subject
    }
}

public struct DiagnoseOptions: Sendable {
    public var release: QEMURelease?
    public var releaseSource: String = "--qemu-version"
    /// Model-only settings (`host.jitter`, `guest.period`, …) laid over the mapped ones.
    public var extra: [String: String] = [:]
    public var evaluator: Evaluator
    public var search = true
    /// `qemu` to verify on a real guest.
    public var verify: String?
    public var verifyRepeats = 1
    public var created = Date()
    public init(evaluator: Evaluator) { self.evaluator = evaluator }
}

public enum Diagnoser {
    public static func run(_ input: DiagnoseInput, options o: DiagnoseOptions) throws(LoopbenchError) -> Diagnosis {
        let m = try SettingsMapper.map(input.setup, release: o.release, releaseSource: o.releaseSource, subject: input.subject)
        var settings = m.settings
        for (k, v) in o.extra { settings[k] = v }
        var d = Diagnosis(created: ISO8601DateFormatter().string(from: o.created),
                          input: .init(form: input.setup.form, source: input.subject, machine: input.setup.machine, qemuVersion: m.release.description,
                                       qemuVersionSource: m.releaseSource, modelVersion: m.settings["qemu"]),
                          status: m.status.rawValue, headline: m.statusText, mapping: m.rows, unmapped: m.unmapped, notes: input.notes + m.notes,
                          settings: settings, current: nil, sensitivity: [], sensitivityText: nil, options: [], search: nil, verification: nil)
        // What the search starts from: the user's point, or (none, spice) the same with a host sound server.
        var searchBase: [String: String]? = nil
        var forced: [String: String] = [:]
        switch m.status {
        case .modelled:
            try validate(settings, subject: input.subject)
            let cur = try o.evaluator.run(settings, label: "your settings")
            d.current = cur
            (d.sensitivity, d.sensitivityText) = try sensitivity(settings, current: cur, evaluator: o.evaluator)
            d.status = cur.verdicts["no-signal", default: 0] == cur.repeats ? "no-signal" : cur.pass ? "clean" : "crackles"
            d.headline = headline(cur)
            searchBase = settings
            if let v = o.verify { d.verification = try verify(settings, on: v, options: o, notes: &d.notes, label: "your settings") }
        case .silentBackend, .notModelled:
            if m.card != nil, m.settings["device"] != nil {
                forced = ["backend": "pa"]
                var s = settings; s["backend"] = "pa"
                if (try? CardModelSettings(settings: s)) != nil { searchBase = s }
            }
        case .noAudio:
            break
        }
        if o.search, let base = searchBase {
            try searchFixes(&d, base: base, forced: forced, mapping: m, input: input, options: o)
        }
        return d
    }

    /// Runs settings on a real backend. A backend that is not there stops the diagnosis (69);
    /// a setting that backend cannot take (the pipewire driver on a QEMU without it) is a note.
    static func verify(_ s: [String: String], on backend: String, options o: DiagnoseOptions, notes: inout [String], label: String) throws(LoopbenchError) -> Evaluation? {
        do {
            let e = try o.evaluator.run(s, backend: backend, repeats: o.verifyRepeats, label: "\(label) on \(backend)")
            if backend == "qemu", let inst = try? QEMUInstallation.find(), !notes.contains(where: { $0.hasPrefix("verified on") }) {
                notes.append("verified on the installed QEMU \(inst.version) (\(inst.binary)), a small Linux guest under TCG, through loopbench's private PulseAudio loop; the card-model settings were passed, not your server or device names")
            }
            return e
        } catch {
            if error.kind == .usage { notes.append("\(label): not verified on \(backend): \(error.description)"); return nil }
            throw error
        }
    }

    static func validate(_ s: [String: String], subject: String) throws(LoopbenchError) {
        do { _ = try CardModelSettings(settings: s) } catch {
            throw .badData(subject, "the setup cannot run on the card model: \(error.message)")
        }
    }

    static func headline(_ e: Evaluation) -> String {
        let lat = e.medianMS.map { String(format: "%.1f ms round trip (median of %d)", $0, e.repeats) } ?? "no round trip measured"
        if e.verdicts["no-signal", default: 0] == e.repeats { return e.why.first ?? "no signal came back: the loop returned nothing of the probe" }
        if e.pass { return "clean: \(lat), no crackle in \(e.repeats) × \(Int(e.seconds)) s" }
        return String(format: "crackles: %@, %.1f crackles per minute", lat, e.cracklesPerMinute) + (e.why.count > 1 ? " — \(e.why[1])" : "")
    }

    /// The same settings at several host-jitter levels; the margin in words.
    static func sensitivity(_ s: [String: String], current: Evaluation, evaluator: Evaluator) throws(LoopbenchError) -> ([SensitivityPoint], String) {
        let base = (try? CardModelSettings(settings: s))?.hostJitterUS ?? CardModelSettings().hostJitterUS
        var pts: [SensitivityPoint] = []
        for f in FixSearch.jitterFactors {
            let j = Int(Double(base) * f)
            let e: Evaluation
            if f == 1 { e = current } else { var t = s; t["host.jitter"] = String(j); e = try evaluator.run(t, label: "host.jitter=\(j)") }
            pts.append(.init(hostJitterUS: j, pass: e.pass, cracklesPerMinute: e.cracklesPerMinute, medianMS: e.medianMS))
        }
        let ms: (Int) -> String = { String(format: "%.1f ms", Double($0) / 1000) }
        let clean = pts.filter(\.pass).map(\.hostJitterUS)
        let text: String
        if clean.count == pts.count { text = "clean at every tested host jitter up to \(ms(pts.last!.hostJitterUS)) p99 (the audio timer's lateness): a wide margin" }
        else if clean.isEmpty { text = "crackles even at \(ms(pts.first!.hostJitterUS)) p99 host jitter: no margin; the buffers are too small for this timer period" }
        else {
            let breaks = pts.first { !$0.pass && $0.hostJitterUS > (clean.max() ?? 0) }?.hostJitterUS ?? pts.last!.hostJitterUS
            text = "clean up to \(ms(clean.max()!)) p99 host jitter, crackles from \(ms(breaks)) (the model's default is \(ms(base)); a loaded host or a busy main loop reaches several ms)"
        }
        return (pts, text)
    }
}
