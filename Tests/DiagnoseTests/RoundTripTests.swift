// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Diagnose
import Foundation
import LoopbenchCore
import Testing
import TestSupport

/// Parse → change → write back → parse again: the same settings, for every form.
@Suite struct RoundTripTests {
    /// A fix: a shorter timer period and PulseAudio latency.
    static let change = ["timer-period": "5000", "out.latency": "20000", "in.latency": "20000"]

    func applied(_ m: Mapping, _ c: [String: String]) -> [String: String] { m.settings.merging(c) { $1 } }

    func roundTrip(_ t: String, version: String, change: [String: String] = RoundTripTests.change) throws -> (before: Mapping, after: Mapping, new: QEMUCommandLine, diff: [String]) {
        let (m, cl) = try mapCommandLine(t, version: version)
        let (new, _) = WriteBack.commandLine(cl, mapping: m, settings: applied(m, change))
        let again = try SettingsMapper.map(CommandLineReader.read(new, form: .commandLine), release: QEMURelease(version), releaseSource: "t", subject: "t")
        // The written words survive shell quoting too.
        let reparsed = try ShellWords.split(new.words.map(ShellWords.quote).joined(separator: " "), subject: "t")
        #expect(reparsed == new.words)
        return (m, again, new, WriteBack.diff(cl.lines, new.lines))
    }

    @Test func legacyLineMovesToAudiodevOnQEMU52() throws {
        let r = try roundTrip(text("vfio-2019.sh"), version: "5.2")
        #expect(r.after.settings == applied(r.before, Self.change))
        #expect(!r.new.options.contains { $0.name == "soundhw" })
        #expect(!r.new.env.contains { AudioSetup.isLegacyAudioVariable($0.name) })
        #expect(r.diff.contains("+ -audiodev pa,id=snd0,timer-period=5000,out.latency=20000,in.latency=20000,out.buffer-length=92880,in.buffer-length=92880"))
        #expect(r.diff.contains("+ -device AC97,audiodev=snd0"))
        #expect(r.diff.contains("- -soundhw ac97"))
        #expect(r.diff.contains("  -m 16G"))
    }

    @Test func audiodevLineKeepsItsIDAndServer() throws {
        let r = try roundTrip(text("vfio-2019-audiodev.sh"), version: "7.2")
        #expect(r.after.settings == applied(r.before, Self.change))
        #expect(r.diff.filter { $0.hasPrefix("+") } == ["+ -audiodev pa,id=pa1,server=unix:/run/user/1000/pulse/native,timer-period=5000,out.latency=20000,in.latency=20000 \\"].map { String($0.dropLast(2)) })
        #expect(r.diff.filter { $0.hasPrefix("-") }.count == 1)
    }

    @Test func oldQEMUGetsVariables() throws {
        let t = "QEMU_AUDIO_DRV=pa qemu-system-x86_64 -machine pc-i440fx-2.11 -soundhw hda"
        let c = ["timer-period": "5000"]
        let r = try roundTrip(t, version: "3.1", change: c)
        #expect(r.after.settings == applied(r.before, c))
        #expect(r.new.env.map { "\($0.name)=\($0.value)" } == ["QEMU_AUDIO_DRV=pa", "QEMU_AUDIO_TIMER_PERIOD=200"])
        #expect(r.new.options.contains { $0.name == "soundhw" })
    }

    @Test func implicitBackendIsWrittenOut() throws {
        let c = ["timer-period": "2000"]
        let r = try roundTrip("qemu-system-x86_64 -device intel-hda -device hda-duplex", version: "7.2", change: c)
        #expect(r.after.settings == applied(r.before, c))
        #expect(Array(r.new.words.suffix(6)) == ["-audiodev", "pa,id=snd0,timer-period=2000", "-device", "intel-hda", "-device", "hda-duplex,audiodev=snd0"])
    }

    func libvirtRoundTrip(_ file: String, version: String, change: [String: String]) throws -> (Mapping, Mapping, String) {
        let (s, lv) = try LibvirtReader.read(data: Data(text(file).utf8), subject: "t")
        let m = try SettingsMapper.map(s, release: QEMURelease(version), releaseSource: "t", subject: "t")
        let frag = WriteBack.libvirt(mapping: m, settings: applied(m, change), original: lv)
        let doc = "<domain><os><type machine='\(s.machine ?? "q35")'>hvm</type></os><devices>\(frag.xml)</devices></domain>"
        let (s2, _) = try LibvirtReader.read(data: Data(doc.utf8), subject: "t2")
        return (m, try SettingsMapper.map(s2, release: QEMURelease(version), releaseSource: "t", subject: "t"), frag.xml)
    }

    @Test func libvirtPulseAudioFragment() throws {
        let (m, again, xml) = try libvirtRoundTrip("virt-manager-pulseaudio.xml", version: "7.2", change: Self.change)
        #expect(again.settings == applied(m, Self.change))
        #expect(xml.contains("<sound model='ich9'>") && xml.contains("serverName='/run/user/1000/pulse/native'") && xml.contains("timerPeriod='5000'"))
        #expect(xml.contains("<output latency='20000'/>"))
    }

    @Test func libvirtPipeWireFragmentKeepsSettings() throws {
        let c = ["timer-period": "10000", "out.latency": "16000", "in.latency": "16000"]
        let (m, again, xml) = try libvirtRoundTrip("pipewire-settings.xml", version: "9.2", change: c)
        #expect(again.settings == applied(m, c))
        #expect(xml.contains("<settings frequency='48000'/>") && xml.contains("type='pipewire'"))
    }

    @Test func spiceBecomesPulseAudio() throws {
        let (m, again, xml) = try libvirtRoundTrip("virt-manager-spice.xml", version: "8.2", change: ["backend": "pa"])
        #expect(m.status == .notModelled && again.status == .modelled)
        #expect(again.settings["backend"] == "pa" && xml.contains("type='pulseaudio'"))
    }
}
