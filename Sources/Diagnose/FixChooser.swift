// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore

extension Diagnoser {
    /// Runs the candidates, picks the two or three options, writes each back in the user's form.
    static func searchFixes(_ d: inout Diagnosis, base: [String: String], forced: [String: String], mapping m: Mapping, input: DiagnoseInput, options o: DiagnoseOptions) throws(LoopbenchError) {
        var changeSets = FixSearch.candidates(base).map { c in c.merging(forced) { a, _ in a } }
        if !forced.isEmpty { changeSets.insert(forced, at: 0) }
        var tried: [(changes: [String: String], eval: Evaluation)] = []
        for (i, c) in changeSets.enumerated() {
            var s = base; for (k, v) in c { s[k] = v }
            let e = try o.evaluator.run(s, label: "candidate \(i + 1)/\(changeSets.count)")
            tried.append((c, e))
        }
        let passing = tried.filter { $0.eval.pass && $0.eval.medianMS != nil }
        d.search = .init(candidates: tried.count, passing: passing.count, repeats: o.evaluator.repeats, seconds: o.evaluator.seconds)
        var picks: [(String, [String: String], Evaluation)] = []
        if let best = passing.min(by: { ($0.eval.medianMS!, FixSearch.changeCount($0.changes)) < ($1.eval.medianMS!, FixSearch.changeCount($1.changes)) }) {
            picks.append(("lowest-latency", best.changes, best.eval))
        }
        if let few = passing.min(by: { (FixSearch.changeCount($0.changes), $0.eval.medianMS!) < (FixSearch.changeCount($1.changes), $1.eval.medianMS!) }) {
            picks.append(("fewest-changes", few.changes, few.eval))
        }
        // Safest margin: of the passing candidates nearest in latency, the cleanest under stress.
        var stress: [String: Evaluation] = [:]
        let baseJitter = (try? CardModelSettings(settings: base))?.hostJitterUS ?? CardModelSettings().hostJitterUS
        let stressed = passing.sorted { $0.eval.medianMS! < $1.eval.medianMS! }.prefix(FixSearch.stressCandidates) + passing.filter { p in picks.contains { $0.1 == p.changes } }
        for p in stressed where stress[key(p.changes)] == nil {
            var s = base; for (k, v) in p.changes { s[k] = v }
            s["host.jitter"] = String(Int(Double(baseJitter) * FixSearch.stressFactor))
            stress[key(p.changes)] = try o.evaluator.run(s, label: "stress test")
        }
        if let safe = stressed.min(by: { a, b in
            let x = stress[key(a.changes)]!, y = stress[key(b.changes)]!
            return (x.cracklesPerMinute, a.eval.medianMS!) < (y.cracklesPerMinute, b.eval.medianMS!)
        }) { picks.append(("safest-margin", safe.changes, safe.eval)) }
        // A candidate that brought no signal back is no fix, however few crackles it counts.
        let withSignal = tried.filter { $0.eval.medianMS != nil }
        if passing.isEmpty, let least = withSignal.min(by: { ($0.eval.cracklesPerMinute, $0.eval.medianMS!) < ($1.eval.cracklesPerMinute, $1.eval.medianMS!) }) {
            picks.append(("least-crackle (none passed)", least.changes, least.eval))
            d.notes.append("no candidate around your point passed every repeat; the least crackly is shown. Larger buffers (out.latency, timer-period) than this search tried are needed")
        }
        var out: [FixOption] = []
        for (label, changes, eval) in picks {
            if let i = out.firstIndex(where: { $0.changes == changes }) { out[i].labels.append(label); continue }
            var opt = FixOption(labels: [label], changes: changes, evaluation: eval, stress: stress[key(changes)], writeBackNotes: [])
            writeBack(&opt, base: base, mapping: m, input: input)
            if let v = o.verify { opt.verification = try verify(eval.settings, on: v, options: o, notes: &d.notes, label: label) }
            out.append(opt)
        }
        d.options = out
    }

    static func key(_ c: [String: String]) -> String { c.keys.sorted().map { "\($0)=\(c[$0]!)" }.joined(separator: ",") }

    static func writeBack(_ opt: inout FixOption, base: [String: String], mapping m: Mapping, input: DiagnoseInput) {
        var full = m.settings
        for (k, v) in opt.changes { full[k] = v }
        if let cl = input.commandLine {
            let (new, notes) = WriteBack.commandLine(cl, mapping: m, settings: full)
            opt.commandLineDiff = WriteBack.diff(cl.lines, new.lines)
            opt.commandLine = new.words.map(ShellWords.quote).joined(separator: " ")
            opt.writeBackNotes += notes
        }
        let lv = WriteBack.libvirt(mapping: m, settings: full, original: input.libvirt)
        opt.libvirtXML = lv.xml
        opt.writeBackNotes += lv.notes
        // libvirt writes QEMU's command line itself: a legacy form is of no use there.
        // Only for a setup that uses them already, or a QEMU too old for -audiodev.
        if m.release < QEMUVersionRules.legacyEnvRemoved && input.setup.form != .libvirt && (m.backend?.origin == .env || m.release < QEMUVersionRules.audiodev) {
            let (env, notes) = WriteBack.legacyEnvironment(settings: full, keys: WriteBack.explicitKeys(mapping: m, settings: full))
            if notes.contains(where: { $0.contains("no legacy variable") || $0.contains("no legacy form") }) {
                opt.writeBackNotes += notes.map { "legacy form: " + $0 }
            } else {
                opt.legacyEnv = env.map { "\($0.name)=\(ShellWords.quote($0.value))" }.joined(separator: " ")
                opt.writeBackNotes += notes
            }
        }
    }
}
