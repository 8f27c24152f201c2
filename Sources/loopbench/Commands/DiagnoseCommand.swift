// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Diagnose
import Foundation
import LoopbenchCore
import QEMUBackend

struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Read a VM's audio setup (QEMU command line, running process, libvirt XML, legacy variables), explain it on the card model, and write a fix back in the same form.")

    @Option(name: .customLong("qemu-cmdline"), help: "A QEMU command line (shell-quoted).") var cmdline: String?
    @Option(name: .customLong("qemu-cmdline-file"), help: "A file holding a QEMU command line (a script is fine: \\ continuations, comments).") var cmdlineFile: String?
    @Option(name: .long, help: "A running QEMU: read /proc/PID/cmdline and environ.") var pid: String?
    @Option(name: .long, help: "A libvirt domain XML file (virsh dumpxml).") var libvirt: String?
    @Flag(name: .long, help: "Read the legacy QEMU_AUDIO_*/QEMU_PA_*/QEMU_ALSA_* variables from this environment.") var env = false
    @Option(name: .customLong("env-file"), help: "Read legacy variables from a NAME=VALUE file.") var envFile: String?
    @Option(name: .customLong("qemu-version"), help: "The QEMU release the setup runs on (default: the installed qemu-system-x86_64).") var qemuVersion: String?
    @Option(name: .customLong("set"), help: "A card-model setting KEY=VALUE laid over what was read (host.jitter, guest.period, …).") var settings: [String] = []
    @Option(name: .long, help: "Repeats (seeds) per configuration.") var repeats: Int = 3
    @Option(name: .long, help: "Probe length in seconds per repeat.") var seconds: Double = 3
    @Option(name: .long, help: "Verify on a real backend: qemu.") var verify: String?
    @Option(name: .customLong("verify-repeats"), help: "Real-guest runs per configuration.") var verifyRepeats: Int = 1
    @Flag(name: .customLong("no-search"), help: "Explain only; do not search for a fix.") var noSearch = false
    @Option(name: .long, help: "Write diagnosis.json, diagnosis.html and summary.txt into this folder.") var out: String?
    @Option(name: .long, help: "Write the diagnosis JSON to this path, or - for stdout.") var json: String?
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func run() throws {
        try reportingErrors {
            guard (1...50).contains(repeats) else { throw LoopbenchError.usage("--repeats \(repeats): use 1..50", subject: "--repeats") }
            guard seconds.isFinite, (1...60).contains(seconds) else { throw LoopbenchError.usage("--seconds \(seconds): use 1..60", subject: "--seconds") }
            if let v = verify, v != "qemu" { throw LoopbenchError.usage("--verify \(v): the only real backend for a QEMU setup is qemu", subject: "--verify") }
            let input = try readInput()
            var options = DiagnoseOptions(evaluator: Evaluator(repeats: repeats, seconds: seconds, seed: 1, progress: ProgressLine(quiet: quiet)))
            (options.release, options.releaseSource) = try release()
            options.extra = try SettingsParser.parse(settings)
            options.search = !noSearch
            options.verify = verify
            options.verifyRepeats = verifyRepeats
            let d = try Diagnoser.run(input, options: options)
            options.evaluator.progress?.finish()
            // Everything is computed before anything is written.
            let data = try JSONCoding.encode(d)
            if let out {
                var j = data; j.append(0x0A)
                try AtomicFile.write(j, to: out + "/diagnosis.json")
                try AtomicFile.write(DiagnosisText.html(d), to: out + "/diagnosis.html")
                try AtomicFile.write(DiagnosisText.summary(d), to: out + "/summary.txt")
            }
            if let json { try emitJSON(data, to: json) }
            if !quiet && json != "-" { print(DiagnosisText.summary(d), terminator: "") }
        }
    }

    func readInput() throws(LoopbenchError) -> DiagnoseInput {
        let given = [cmdline != nil, cmdlineFile != nil, pid != nil, libvirt != nil].filter { $0 }.count
        guard given <= 1, given == 1 || env || envFile != nil else {
            throw .usage("give one of --qemu-cmdline, --qemu-cmdline-file, --pid, --libvirt (or only --env/--env-file)", subject: "diagnose")
        }
        var extraEnv: [(name: String, value: String)] = env ? EnvironmentReader.current() : []
        if let f = envFile { extraEnv += EnvironmentReader.audioVariables(try EnvironmentReader.parse(try readText(f), subject: f)) }
        var input: DiagnoseInput
        if let c = cmdline {
            let (s, cl) = try CommandLineReader.read(text: c, subject: "--qemu-cmdline")
            input = DiagnoseInput(setup: s, commandLine: cl, subject: "--qemu-cmdline")
        } else if let f = cmdlineFile {
            let (s, cl) = try CommandLineReader.read(text: try readText(f), subject: f)
            input = DiagnoseInput(setup: s, commandLine: cl, subject: f)
        } else if let p = pid {
            let proc = try ProcReader.read(pid: p)
            var cl = QEMUCommandLine(words: proc.words)
            cl.env = proc.environment + cl.env
            input = DiagnoseInput(setup: CommandLineReader.read(cl, form: .process), commandLine: cl, subject: "pid \(p)")
            if let n = proc.environmentNote { input.notes.append(n) }
        } else if let f = libvirt {
            guard let data = FileManager.default.contents(atPath: f) else { throw .missingInput(f, "cannot read the libvirt domain XML") }
            let (s, lv) = try LibvirtReader.read(data: data, subject: f)
            input = DiagnoseInput(setup: s, libvirt: lv, subject: f)
        } else {
            guard !extraEnv.isEmpty else { throw .badData(envFile ?? "environment", "no QEMU_AUDIO_*, QEMU_PA_* or QEMU_ALSA_* variable to read") }
            var s = AudioSetup(form: .environment)
            s.cards = [CardSpec(model: "hda-duplex", audiodev: nil, properties: [:], origin: .device, token: "(no card given: HDA assumed)")]
            input = DiagnoseInput(setup: s, commandLine: nil, subject: envFile ?? "environment")
            input.notes.append("only variables were given: the model assumes an HDA card (-soundhw hda before 7.1, -device intel-hda -device hda-duplex after)")
        }
        input.setup.legacyEnv += extraEnv
        if let cl = input.commandLine { input.commandLine?.env = cl.env + extraEnv.filter { e in !cl.env.contains { $0.name == e.name } } }
        return input
    }

    func readText(_ path: String) throws(LoopbenchError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingInput(path, "cannot read it") }
        guard let s = String(data: data, encoding: .utf8) else { throw .badData(path, "not UTF-8 text") }
        guard !s.allSatisfy(\.isWhitespace) else { throw .badData(path, "empty") }
        return s
    }

    func release() throws(LoopbenchError) -> (QEMURelease?, String) {
        if let v = qemuVersion {
            guard let r = QEMURelease(v) else { throw .usage("--qemu-version \(v): write a release like 7.2 or 8.2.1", subject: "--qemu-version") }
            return (r, "--qemu-version")
        }
        if let inst = try? QEMUInstallation.find(), let r = QEMURelease(inst.version) { return (r, "installed \(inst.binary)") }
        return (nil, "")
    }
}
