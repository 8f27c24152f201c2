// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Diagnose
import Testing
import TestSupport

/// `loopbench diagnose` end to end: refusals, nothing half-written, the JSON against its schema.
@Suite(.serialized) struct DiagnoseCLITests {
    func run(_ a: [String]) throws -> CLI.Output { try CLI.run(["diagnose"] + a) }

    func files(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }

    @Test func malformedInputsAreOneLineAnd65WithNothingWritten() throws {
        let dir = TestPaths.temporaryDirectory("diag-bad")
        let out = dir + "/out"
        try Data().write(to: URL(fileURLWithPath: dir + "/empty.sh"))
        try Data("<domain><devices><sound model='ich9'></devices></domain>".utf8).write(to: URL(fileURLWithPath: dir + "/broken.xml"))
        try Data("".utf8).write(to: URL(fileURLWithPath: dir + "/empty.xml"))
        let cases: [([String], String)] = [
            (["--qemu-cmdline", "qemu-system-x86_64 -name 'my vm -soundhw ac97"], "unbalanced single quote"),
            (["--qemu-cmdline-file", dir + "/empty.sh"], "empty"),
            (["--libvirt", dir + "/broken.xml"], "broken XML"),
            (["--libvirt", dir + "/empty.xml"], "empty"),
        ]
        for (args, mention) in cases {
            let r = try run(args + ["--qemu-version", "7.2", "--out", out, "--json", out + "/d.json"])
            #expect(r.isRefusal(65, mentioning: mention), "\(args): \(r.status) \(r.stderr)")
            #expect(files(out).isEmpty, "\(args) wrote \(files(out))")
        }
        #expect(try run(["--libvirt", dir + "/nothing.xml", "--qemu-version", "7.2"]).isRefusal(66, mentioning: "nothing.xml"))
        #expect(try run(["--pid", "2147483000", "--qemu-version", "7.2"]).isRefusal(66, mentioning: "no such process"))
        #expect(try run(["--qemu-cmdline", "qemu", "--libvirt", dir + "/broken.xml"]).isRefusal(64, mentioning: "give one of"))
        #expect(try run(["--qemu-cmdline", "qemu -soundhw ac97", "--qemu-version", "seven"]).isRefusal(64, mentioning: "--qemu-version"))
    }

    @Test func versionErrorsNameTheVersion() throws {
        let r = try run(["--qemu-cmdline-file", fixture("vfio-2019.sh"), "--qemu-version", "8.2", "--no-search"])
        #expect(r.isRefusal(65, mentioning: "8.2"), "\(r.stderr)")
        #expect(r.stderr.contains("removed in QEMU 7.1"))
    }

    @Test func noAudioIsSaidPlainly() throws {
        let r = try run(["--qemu-cmdline", "qemu-system-x86_64 -machine q35 -m 4G", "--qemu-version", "7.2", "--json", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let d = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(d?["status"] as? String == "no-audio")
        #expect((d?["headline"] as? String)?.contains("no audio at all") == true)
        #expect((d?["options"] as? [Any])?.isEmpty == true)
    }

    @Test func exampleWritesSchemaValidJSONAndHTML() throws {
        let out = TestPaths.temporaryDirectory("diag-ok")
        let r = try run(["--qemu-cmdline-file", fixture("vfio-2019.sh"), "--qemu-version", "5.2", "--repeats", "2", "--seconds", "2", "--out", out, "--quiet"])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
        #expect(files(out) == ["diagnosis.html", "diagnosis.json", "summary.txt"])
        #expect(SchemaCheck.validate(jsonPath: out + "/diagnosis.json", schema: "diagnosis.schema.json") == nil)
        let d = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/diagnosis.json"))) as? [String: Any]
        let settings = d?["settings"] as? [String: String]
        #expect(settings?["timer-period"] == "10101" && settings?["device"] == "ac97")
        let options = d?["options"] as? [[String: Any]] ?? []
        #expect((2...3).contains(options.count))
        for o in options {
            let e = o["evaluation"] as? [String: Any]
            #expect(e?["pass"] as? Bool == true)
            #expect((o["command_line_diff"] as? [String])?.contains("- -soundhw ac97") == true)
        }
        let html = try String(contentsOfFile: out + "/diagnosis.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("-soundhw ac97") && html.hasSuffix("</html>\n"))
    }
}

/// The sweep report's recommendation in libvirt form reads back as the same settings.
@Suite struct SweepLibvirtTests {
    @Test func sweepRecommendationHasALibvirtFormThatReadsBack() throws {
        let out = TestPaths.temporaryDirectory("sweep-libvirt")
        let r = try CLI.run(["sweep", "--axis", "timer-period=5000,10000", "--set", "out.latency=30000", "--set", "in.latency=30000",
                             "--repeats", "1", "--seconds", "2", "--out", out, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any]
        let rec = try #require(doc?["recommendation"] as? [String: Any])
        let xml = try #require(rec["libvirt_xml"] as? String)
        let settings = try #require(rec["settings"] as? [String: String])
        let domain = "<domain><devices>\(xml)</devices></domain>"
        let (s, _) = try LibvirtReader.read(data: Data(domain.utf8), subject: "rec")
        let m = try SettingsMapper.map(s, release: QEMURelease("7.2"), releaseSource: "t", subject: "rec")
        #expect(m.settings["timer-period"] == settings["timer-period"])
        #expect(m.settings["out.latency"] == "30000" && m.settings["in.latency"] == "30000")
        #expect(m.settings["device"] == "hda" && m.settings["backend"] == "pa")
        #expect(try String(contentsOfFile: out + "/report.html", encoding: .utf8).contains("libvirt form"))
    }
}

/// `--pid` on a live process and `--env-file` alone, end to end.
@Suite(.serialized) struct DiagnoseProcessTests {
    @Test func runningProcessIsReadFromProc() throws {
        // A stand-in process whose command line carries QEMU's audio options, with a legacy
        // variable in its environment that QEMU would ignore beside -audiodev. It outlives any
        // start of the command (killed below): with every suite running on two cores, a
        // 20-second stand-in had exited before `diagnose` read /proc.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import time; time.sleep(600)", "-audiodev", "pa,id=a,timer-period=5000,out.latency=30000", "-device", "AC97,audiodev=a"]
        p.environment = ["QEMU_AUDIO_DRV": "alsa", "PATH": "/usr/bin:/bin"]
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }  // SIGKILL: a test runner may hand children a blocked SIGTERM
        usleep(300_000)
        let r = try CLI.run(["diagnose", "--pid", String(p.processIdentifier), "--qemu-version", "7.2", "--no-search", "--repeats", "1", "--seconds", "1", "--json", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let d = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let s = d?["settings"] as? [String: String]
        #expect(s?["device"] == "ac97" && s?["timer-period"] == "5000" && s?["out.latency"] == "30000" && s?["backend"] == "pa")
        let unmapped = d?["unmapped"] as? [[String: String]] ?? []
        #expect(unmapped.contains { $0["token"] == "QEMU_AUDIO_DRV=alsa" && $0["why"] == "ignored" })
        #expect((d?["input"] as? [String: Any])?["form"] as? String == "process")
    }

    @Test func variablesAlone() throws {
        let dir = TestPaths.temporaryDirectory("diag-env")
        try Data("export QEMU_AUDIO_DRV=pa\nQEMU_AUDIO_TIMER_PERIOD=200\nPATH=/bin\n".utf8).write(to: URL(fileURLWithPath: dir + "/env"))
        let r = try CLI.run(["diagnose", "--env-file", dir + "/env", "--qemu-version", "5.2", "--no-search", "--repeats", "1", "--seconds", "1", "--json", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let d = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let s = d?["settings"] as? [String: String]
        #expect(s?["timer-period"] == "5000" && s?["backend"] == "pa" && s?["device"] == "hda")
        // On 7.2 (after -soundhw was removed) the assumed card is an -device one.
        let r72 = try CLI.run(["diagnose", "--env-file", dir + "/env", "--qemu-version", "7.2", "--no-search", "--repeats", "1", "--seconds", "1", "--quiet"])
        #expect(r72.status == 0, "\(r72.stderr)")
        // The same variables on 8.2: refused, naming the version.
        #expect(try CLI.run(["diagnose", "--env-file", dir + "/env", "--qemu-version", "8.2"]).isRefusal(65, mentioning: "8.2"))
        try Data("NOT A VARIABLE\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad"))
        #expect(try CLI.run(["diagnose", "--env-file", dir + "/bad", "--qemu-version", "5.2"]).isRefusal(65, mentioning: "NAME=VALUE"))
    }
}
