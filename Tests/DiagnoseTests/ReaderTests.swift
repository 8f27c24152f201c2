// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Diagnose
import Foundation
import LoopbenchCore
import Testing
import TestSupport

func fixture(_ name: String) -> String { TestPaths.packageRoot + "/Fixtures/diagnose/" + name }
/// The error a body throws, if any.
func failure(_ body: () throws(LoopbenchError) -> Void) -> LoopbenchError? {
    do { try body(); return nil } catch { return error }
}

func text(_ name: String) -> String { (try? String(contentsOfFile: fixture(name), encoding: .utf8)) ?? "" }

/// Parses, maps; the settings and the mapping.
func mapCommandLine(_ t: String, version: String) throws(LoopbenchError) -> (Mapping, QEMUCommandLine) {
    let (s, cl) = try CommandLineReader.read(text: t, subject: "test")
    return (try SettingsMapper.map(s, release: QEMURelease(version), releaseSource: "test", subject: "test"), cl)
}

@Suite struct ReaderTests {
    @Test func shellWordsQuotingAndContinuations() throws {
        let w = try ShellWords.split("A='x y' qemu \\\n  -name \"my \\\"vm\\\"\" # comment\n -m 2G", subject: "t")
        #expect(w == ["A=x y", "qemu", "-name", "my \"vm\"", "-m", "2G"])
    }

    @Test func unbalancedQuotesAreBadData() {
        for bad in ["qemu -name 'vm", "qemu -name \"vm", "qemu -name vm\\"] {
            #expect(throws: LoopbenchError.self) { try ShellWords.split(bad, subject: "t") }
            #expect(failure { () throws(LoopbenchError) in _ = try ShellWords.split(bad, subject: "t") }?.exitStatus == .dataError)
        }
    }

    @Test func vfio2019OnQEMU52() throws {
        let (m, _) = try mapCommandLine(text("vfio-2019.sh"), version: "5.2")
        #expect(m.status == .modelled)
        #expect(m.settings["device"] == "ac97")
        #expect(m.settings["backend"] == "pa")
        // QEMU_AUDIO_TIMER_PERIOD=99 Hz → 10⁶/99 µs; QEMU_PA_SAMPLES=8192 samples = 4096 frames at 44100 Hz.
        #expect(m.settings["timer-period"] == "10101")
        #expect(m.settings["out.buffer-length"] == "92880")
        #expect(m.settings["in.buffer-length"] == "92880")
        #expect(m.settings["qemu"] == "7.2")
        #expect(m.unmapped.contains { $0.token == "-m 16G" && $0.why == .notAudio })
    }

    @Test func vfio2019IsRefusedWhereQEMURefusesIt() throws {
        // -soundhw is gone in 7.1: an error naming the version.
        let e1 = failure { () throws(LoopbenchError) in _ = try mapCommandLine(text("vfio-2019.sh"), version: "7.2") }
        #expect(e1?.exitStatus == .dataError)
        #expect(e1.map { $0.description.contains("7.1") && $0.description.contains("7.2") && $0.description.contains("-soundhw") } == true)
        // Machine type newer than the release.
        let e2 = failure { () throws(LoopbenchError) in _ = try mapCommandLine(text("vfio-2019.sh"), version: "3.1") }
        #expect(e2.map { $0.description.contains("pc-q35-4.0") && $0.description.contains("3.1") } == true)
        // The legacy variables on 8.2 (with the card given the modern way).
        let t = "QEMU_AUDIO_DRV=pa qemu-system-x86_64 -machine q35 -device intel-hda -device hda-duplex"
        let e3 = failure { () throws(LoopbenchError) in _ = try mapCommandLine(t, version: "8.2") }
        #expect(e3.map { $0.description.contains("8.2") && $0.description.contains("QEMU_AUDIO_DRV=pa") && $0.description.contains("-audiodev pa,id=snd0") } == true)
    }

    @Test func migratedLineOnQEMU72() throws {
        let (m, _) = try mapCommandLine(text("vfio-2019-audiodev.sh"), version: "7.2")
        #expect(m.settings["device"] == "ac97" && m.settings["backend"] == "pa")
        #expect(m.unmapped.contains { $0.token == "server=unix:/run/user/1000/pulse/native" && $0.why == .notModelled })
        // The same line on 3.1 has no -audiodev.
        #expect(throws: LoopbenchError.self) { try mapCommandLine(text("vfio-2019-audiodev.sh").replacingOccurrences(of: "pc-q35-4.0", with: "pc-q35-3.1"), version: "3.1") }
    }

    @Test func envBesideAudiodevIsIgnoredAndSaidSo() throws {
        let (m, _) = try mapCommandLine("QEMU_AUDIO_DRV=alsa qemu -audiodev pa,id=a,timer-period=5000 -device AC97,audiodev=a", version: "7.2")
        #expect(m.settings["backend"] == "pa" && m.settings["timer-period"] == "5000")
        #expect(m.unmapped.contains { $0.token == "QEMU_AUDIO_DRV=alsa" && $0.why == .ignored })
    }

    @Test func unknownAndNotModelledOptionsAreListed() throws {
        let (m, _) = try mapCommandLine("qemu -audiodev pa,id=a,out.channels=6,in.bogus=1,out.latency=20000 -device hda-duplex,audiodev=a", version: "7.2")
        #expect(m.settings["out.latency"] == "20000")
        #expect(m.unmapped.contains { $0.token == "out.channels=6" && $0.why == .notModelled })
        #expect(m.unmapped.contains { $0.token == "in.bogus=1" && $0.why == .unknown })
    }

    @Test func noAudioAndSilentBackendAreSaidPlainly() throws {
        let (a, _) = try mapCommandLine("qemu-system-x86_64 -m 2G -enable-kvm", version: "7.2")
        #expect(a.status == .noAudio && a.statusText.contains("no audio"))
        let (b, _) = try mapCommandLine("qemu -audiodev none,id=n -device AC97,audiodev=n", version: "7.2")
        #expect(b.status == .silentBackend && b.statusText.contains("'none'"))
        let (c, _) = try mapCommandLine("qemu -device ES1370", version: "7.2")
        #expect(c.status == .notModelled)
    }

    @Test func versionGatedDevicesAndDrivers() throws {
        #expect(throws: LoopbenchError.self) { try mapCommandLine("qemu -audiodev pipewire,id=p -device AC97,audiodev=p", version: "8.0") }
        #expect(throws: LoopbenchError.self) { try mapCommandLine("qemu -audiodev pa,id=p -device virtio-sound-pci,audiodev=p", version: "8.1") }
        #expect(throws: LoopbenchError.self) { try mapCommandLine("qemu -audiodev pa,id=p -device AC97", version: "8.2") }
        #expect(throws: LoopbenchError.self) { try mapCommandLine("qemu -audio pa,model=hda", version: "7.0") }
        let (m, _) = try mapCommandLine("qemu -audio driver=pa,model=hda,timer-period=5000", version: "7.2")
        #expect(m.settings["device"] == "hda" && m.settings["timer-period"] == "5000")
    }

    @Test func libvirtVirtManagerDefaults() throws {
        let (s, lv) = try LibvirtReader.read(data: Data(text("virt-manager-pulseaudio.xml").utf8), subject: "t")
        let m = try SettingsMapper.map(s, release: QEMURelease("7.2"), releaseSource: "t", subject: "t")
        #expect(m.settings["device"] == "hda" && m.settings["backend"] == "pa" && s.machine == "pc-q35-7.2")
        #expect(lv.soundModel == "ich9" && lv.audioType == "pulseaudio")
        #expect(m.unmapped.contains { $0.token.contains("serverName") && $0.why == .notModelled })
        let (sp, _) = try LibvirtReader.read(data: Data(text("virt-manager-spice.xml").utf8), subject: "t")
        let msp = try SettingsMapper.map(sp, release: QEMURelease("8.2"), releaseSource: "t", subject: "t")
        #expect(msp.status == .notModelled && msp.statusText.contains("SPICE client"))
    }

    @Test func libvirtPipeWireSettings() throws {
        let (s, _) = try LibvirtReader.read(data: Data(text("pipewire-settings.xml").utf8), subject: "t")
        let m = try SettingsMapper.map(s, release: QEMURelease("9.2"), releaseSource: "t", subject: "t")
        #expect(m.settings["backend"] == "pipewire" && m.settings["qemu"] == "10.0")
        #expect(m.settings["timer-period"] == "2000" && m.settings["out.latency"] == "8000" && m.settings["in.latency"] == "8000")
        #expect(m.settings["out.frequency"] == "48000" && m.settings["in.frequency"] == "48000")
        #expect(m.unmapped.contains { $0.token == "<output><settings channels='2'/>" && $0.why == .notModelled })
        // PipeWire needs QEMU 8.1.
        #expect(throws: LoopbenchError.self) { try SettingsMapper.map(s, release: QEMURelease("7.2"), releaseSource: "t", subject: "t") }
    }

    @Test func libvirtPassthroughArgumentsAndVariables() throws {
        let xml = """
        <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
          <os><type arch='x86_64' machine='pc-q35-6.2'>hvm</type></os>
          <devices><graphics type='vnc'/></devices>
          <qemu:commandline>
            <qemu:arg value='-audiodev'/><qemu:arg value='pa,id=snd0,server=/run/user/1000/pulse/native,out.latency=20000,timer-period=5000'/>
            <qemu:arg value='-device'/><qemu:arg value='ich9-intel-hda,bus=pcie.0,addr=0x1b'/>
            <qemu:arg value='-device'/><qemu:arg value='hda-micro,audiodev=snd0'/>
            <qemu:env name='QEMU_AUDIO_DRV' value='pa'/>
            <qemu:env name='DISPLAY' value=':0'/>
          </qemu:commandline>
        </domain>
        """
        let (s, _) = try LibvirtReader.read(data: Data(xml.utf8), subject: "t")
        let m = try SettingsMapper.map(s, release: QEMURelease("6.2"), releaseSource: "t", subject: "t")
        #expect(m.status == .modelled)
        #expect(m.settings["device"] == "hda" && m.settings["backend"] == "pa")
        #expect(m.settings["timer-period"] == "5000" && m.settings["out.latency"] == "20000")
        // QEMU reads no variable beside an -audiodev; DISPLAY is not audio.
        #expect(m.unmapped.contains { $0.token == "QEMU_AUDIO_DRV=pa" && $0.why == .ignored })
        #expect(m.unmapped.contains { $0.token == "<qemu:env name='DISPLAY'>" && $0.why == .notAudio })
        // A domain with a card and no <audio>: libvirt's default for VNC graphics is 'none'.
        let (n, _) = try LibvirtReader.read(data: Data("<domain><devices><graphics type='vnc'/><sound model='ich9'/></devices></domain>".utf8), subject: "t")
        let mn = try SettingsMapper.map(n, release: QEMURelease("8.2"), releaseSource: "t", subject: "t")
        #expect(mn.status == .silentBackend)
    }

    @Test func brokenXMLAndEmptyInputsAreBadData() {
        for bad in ["<domain><devices><sound model='ich9'></devices></domain>", "<domain>", "", "   ", "<notdomain/>", "<domain/><domain/>"] {
            let e = failure { () throws(LoopbenchError) in _ = try LibvirtReader.read(data: Data(bad.utf8), subject: "x.xml") }
            #expect(e?.exitStatus == .dataError, "\(bad)")
        }
        #expect(throws: LoopbenchError.self) { try CommandLineReader.read(text: "  \n", subject: "t") }
    }

    @Test func procReaderReadsAProcess() throws {
        let root = TestPaths.temporaryDirectory("proc")
        try FileManager.default.createDirectory(atPath: root + "/42", withIntermediateDirectories: true)
        try Data("qemu-system-x86_64\0-audiodev\0pa,id=a,timer-period=2000\0-device\0AC97,audiodev=a\0".utf8).write(to: URL(fileURLWithPath: root + "/42/cmdline"))
        try Data("PATH=/bin\0QEMU_AUDIO_DRV=pa\0".utf8).write(to: URL(fileURLWithPath: root + "/42/environ"))
        let p = try ProcReader.read(pid: "42", root: root)
        #expect(p.words == ["qemu-system-x86_64", "-audiodev", "pa,id=a,timer-period=2000", "-device", "AC97,audiodev=a"])
        #expect(p.environment.map(\.name) == ["QEMU_AUDIO_DRV"])
        #expect(failure { () throws(LoopbenchError) in _ = try ProcReader.read(pid: "43", root: root) }?.exitStatus == .noInput)
        try Data().write(to: URL(fileURLWithPath: root + "/42/cmdline"))
        #expect(failure { () throws(LoopbenchError) in _ = try ProcReader.read(pid: "42", root: root) }?.exitStatus == .dataError)
    }

    @Test func legacyVariablesConvertAsQEMUDoes() {
        let r = LegacyEnvironment.convert([("QEMU_AUDIO_DRV", "alsa"), ("QEMU_AUDIO_TIMER_PERIOD", "200"), ("QEMU_ALSA_DAC_PERIOD_SIZE", "256"),
                                           ("QEMU_ALSA_ADC_SIZE_IN_USEC", "1"), ("QEMU_ALSA_ADC_BUFFER_SIZE", "50000")])
        let o = Dictionary(uniqueKeysWithValues: r.options.map { ($0.key, $0.value) })
        #expect(r.driver == "alsa")
        #expect(o["timer-period"] == "5000")
        #expect(o["out.period-length"] == "5805")  // 256 frames at 44100 Hz
        #expect(o["in.buffer-length"] == "50000")
        // Integer division of the Hz (600 Hz → 1666 µs, not 1667); the per-direction frequency.
        let t = LegacyEnvironment.convert([("QEMU_AUDIO_TIMER_PERIOD", "600"), ("QEMU_AUDIO_DAC_FIXED_FREQ", "48000"), ("QEMU_PA_SAMPLES", "4096")])
        let to = Dictionary(uniqueKeysWithValues: t.options.map { ($0.key, $0.value) })
        #expect(to["timer-period"] == "1666")
        #expect(to["out.frequency"] == "48000" && to["out.buffer-length"] == "42667" && to["in.buffer-length"] == "46440")
        // QEMU's 32-bit frames_to_usecs wraps above 4294 frames: 8192 frames at 44.1 kHz become 88368 µs, not 185760.
        let w = LegacyEnvironment.convert([("QEMU_PA_SAMPLES", "16384")])
        #expect(w.options.first { $0.key == "out.buffer-length" }?.value == "88368")
        #expect(w.unmapped.contains { $0.detail.contains("88368") && $0.detail.contains("185760") })
        // Backend-specific variables are read only for their driver.
        let a = LegacyEnvironment.convert([("QEMU_AUDIO_DRV", "alsa"), ("QEMU_PA_SAMPLES", "4096")])
        #expect(a.options.isEmpty && a.unmapped.contains { $0.token == "QEMU_PA_SAMPLES=4096" && $0.why == .ignored })
    }
}
