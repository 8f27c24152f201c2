// SPDX-License-Identifier: GPL-2.0-or-later
import Diagnose
import Foundation
import LoopbenchCore
import Testing
import TestSupport

/// Seeded mutations of every input `diagnose` reads: command lines, libvirt XML and variable
/// files. Each is parsed and mapped in process; a trap fails the whole run, and every refusal
/// must be bad data (65) or a usage error (64), never anything else.
@Suite struct DiagnoseFuzzTests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["LOOPBENCH_FUZZ_SEED"].flatMap { UInt64($0) } ?? 15
    static let cases = 300
    static let hostile: [String] = ["'", "\"", "\\", "<", ">", "&", "=", ",", ",,", "\0", "\n", "-audiodev", "-device", "-soundhw", "id=", "audiodev=",
                                    "timer-period=0", "timer-period=-1", "out.latency=99999999999", "<audio", "</sound>", "<!--", "]]>", "&#0;", "é", "\u{1B}[31m", "9999999999"]

    struct Mutator {
        var rng: SeededRandom
        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }
        mutating func mutate(_ s: String) -> (String, String) {
            var chars = Array(s)
            var what: [String] = []
            for _ in 0..<(1 + int(4)) {
                let at = int(chars.count + 1)
                switch int(4) {
                case 0 where !chars.isEmpty:
                    let n = 1 + int(min(40, chars.count - min(at, chars.count - 1)))
                    let a = min(at, chars.count - 1)
                    chars.removeSubrange(a..<min(chars.count, a + n)); what.append("delete \(n)@\(a)")
                case 1:
                    let h = DiagnoseFuzzTests.hostile[int(DiagnoseFuzzTests.hostile.count)]
                    chars.insert(contentsOf: h, at: min(at, chars.count)); what.append("insert \(h.debugDescription)@\(at)")
                case 2 where chars.count > 2:
                    let a = int(chars.count), b = int(chars.count)
                    chars.swapAt(a, b); what.append("swap \(a),\(b)")
                default:
                    chars = Array(String(chars.prefix(at))); what.append("truncate \(at)")
                }
            }
            return (String(chars), what.joined(separator: "; "))
        }
    }

    func accepts(_ e: LoopbenchError?) -> Bool { e == nil || e!.exitStatus == .dataError || e!.exitStatus == .usage }

    @Test func commandLines() {
        var m = Mutator(rng: SeededRandom(seed: Self.seed))
        let inputs = [text("vfio-2019.sh"), text("vfio-2019-audiodev.sh"), "qemu -audio driver=pa,model=hda -audiodev alsa,id=a,out.period-length=5805"]
        for i in 0..<Self.cases {
            let (t, what) = m.mutate(inputs[i % inputs.count])
            for v in ["3.1", "5.2", "7.2", "8.2", "10.0"] {
                let e = failure { () throws(LoopbenchError) in _ = try mapCommandLine(t, version: v) }
                #expect(accepts(e), "seed \(Self.seed) case \(i) (\(what)) on \(v): \(e?.description ?? "")")
            }
        }
    }

    @Test func libvirtXML() {
        var m = Mutator(rng: SeededRandom(seed: Self.seed &+ 1))
        let inputs = ["virt-manager-pulseaudio.xml", "virt-manager-spice.xml", "pipewire-settings.xml"].map(text)
        for i in 0..<Self.cases {
            let (t, what) = m.mutate(inputs[i % inputs.count])
            let e = failure { () throws(LoopbenchError) in
                let (s, lv) = try LibvirtReader.read(data: Data(t.utf8), subject: "f.xml")
                let map = try SettingsMapper.map(s, release: QEMURelease("10.0"), releaseSource: "t", subject: "f.xml")
                _ = WriteBack.libvirt(mapping: map, settings: map.settings, original: lv)
            }
            #expect(accepts(e), "seed \(Self.seed) case \(i) (\(what)): \(e?.description ?? "")")
        }
    }

    @Test func variableFiles() {
        var m = Mutator(rng: SeededRandom(seed: Self.seed &+ 2))
        let input = "export QEMU_AUDIO_DRV=alsa\nQEMU_AUDIO_TIMER_PERIOD=200\nQEMU_ALSA_DAC_PERIOD_SIZE=256\nQEMU_PA_SAMPLES=4096\n"
        for i in 0..<Self.cases {
            let (t, what) = m.mutate(input)
            let e = failure { () throws(LoopbenchError) in
                let env = try EnvironmentReader.parse(t, subject: "env")
                var s = AudioSetup(form: .environment)
                s.legacyEnv = env
                s.cards = [CardSpec(model: "hda", audiodev: nil, properties: [:], origin: .soundhw, token: "hda")]
                _ = try SettingsMapper.map(s, release: QEMURelease("5.2"), releaseSource: "t", subject: "env")
            }
            #expect(accepts(e), "seed \(Self.seed) case \(i) (\(what)): \(e?.description ?? "")")
        }
    }
}

/// The same mutations through the command itself, in a child process: it exits (never on a
/// signal) with a sysexits status, and a refusal leaves `--out` empty.
@Suite(.serialized) struct DiagnoseCLIFuzzTests {
    static let cases = 24

    @Test func mutatedInputsThroughTheCommand() throws {
        var m = DiagnoseFuzzTests.Mutator(rng: SeededRandom(seed: DiagnoseFuzzTests.seed &+ 3))
        let dir = TestPaths.temporaryDirectory("diag-cli-fuzz")
        let inputs: [(String, String)] = [("vfio-2019.sh", "--qemu-cmdline-file"), ("pipewire-settings.xml", "--libvirt"), ("virt-manager-pulseaudio.xml", "--libvirt")]
        for i in 0..<Self.cases {
            let (name, flag) = inputs[i % inputs.count]
            let (t, what) = m.mutate(text(name))
            let path = dir + "/case\(i)-" + name
            try Data(t.utf8).write(to: URL(fileURLWithPath: path))
            let out = dir + "/out\(i)"
            let r = try CLI.run(["diagnose", flag, path, "--qemu-version", "5.2", "--no-search", "--repeats", "1", "--seconds", "1", "--out", out, "--quiet"])
            #expect(!r.signalled && CLI.Output.sysexits.contains(r.status), "case \(i) (\(what)): \(r.status) \(r.stderr)")
            if r.status != 0 {
                #expect(r.stderrLines.count == 1, "case \(i) (\(what)): \(r.stderr)")
                #expect(((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).isEmpty, "case \(i) wrote into --out")
            }
        }
    }
}
