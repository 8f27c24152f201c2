// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// A QEMU command line as words: the environment assignments before the program, the program
/// (and any wrapper before it), and each option with its argument. Writing it back keeps every
/// word the user wrote that loopbench did not change.
public struct QEMUCommandLine: Sendable, Equatable {
    public struct Option: Sendable, Equatable {
        /// As written, with its dashes (`-audiodev`, `--device`).
        public var flag: String
        public var argument: String?
        public init(flag: String, argument: String?) { self.flag = flag; self.argument = argument }
        /// Without dashes: `audiodev`.
        public var name: String { String(flag.drop { $0 == "-" }) }
        public var words: [String] { [flag] + (argument.map { [$0] } ?? []) }
    }
    public var env: [(name: String, value: String)]
    public var program: [String]
    public var options: [Option]

    public static func == (a: Self, b: Self) -> Bool {
        a.env.map { "\($0.name)=\($0.value)" } == b.env.map { "\($0.name)=\($0.value)" } && a.program == b.program && a.options == b.options
    }

    /// QEMU options that take no argument (qemu-options.hx); any other option takes the next word.
    static let flags: Set<String> = [
        "enable-kvm", "nographic", "nodefaults", "no-user-config", "nodefconfig", "no-hpet", "no-acpi", "S", "s", "daemonize",
        "no-reboot", "no-shutdown", "snapshot", "full-screen", "usb", "no-fd-bootchk", "no-quit", "alt-grab", "ctrl-grab",
        "enable-fips", "version", "help", "h", "semihosting", "win2k-hack", "rtc-td-hack", "no-kvm", "localtime",
        "portrait", "preconfig", "only-migratable", "audio-help", "no-kvm-irqchip", "no-kvm-pit", "no-kvm-pit-reinjection",
        "curses", "sdl", "no-frame", "no-graphic", "old-param", "singlestep", "one-insn-per-tb", "msg-timestamp", "no-defaults",
    ]

    /// Splits words into environment, program and options.
    public init(words: [String]) {
        var i = 0
        env = []
        program = []
        // Leading NAME=VALUE words are the environment; wrappers (env, sudo, taskset …) and the
        // program follow, up to the first word that starts with a dash.
        while i < words.count, !words[i].hasPrefix("-"), let eq = words[i].firstIndex(of: "="), Self.isName(words[i][..<eq]) {
            env.append((String(words[i][..<eq]), String(words[i][words[i].index(after: eq)...])))
            i += 1
        }
        while i < words.count, !words[i].hasPrefix("-") {
            if words[i] == "export" && !program.contains(where: Self.isQEMUProgram) { i += 1; continue }  // a script's `export NAME=VALUE`
            if let eq = words[i].firstIndex(of: "="), Self.isName(words[i][..<eq]), !program.contains(where: Self.isQEMUProgram) {
                env.append((String(words[i][..<eq]), String(words[i][words[i].index(after: eq)...])))
            } else {
                program.append(words[i])
            }
            i += 1
        }
        options = []
        while i < words.count {
            let w = words[i]
            let name = String(w.drop { $0 == "-" })
            if w.hasPrefix("-"), !Self.flags.contains(name), i + 1 < words.count, !(words[i + 1].hasPrefix("-") && words[i + 1].count > 1) {
                options.append(Option(flag: w, argument: words[i + 1]))
                i += 2
            } else {
                options.append(Option(flag: w, argument: nil))
                i += 1
            }
        }
    }

    static func isName(_ s: Substring) -> Bool {
        guard let f = s.first, f == "_" || f.isLetter else { return false }
        return s.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    static func isQEMUProgram(_ w: String) -> Bool {
        let base = w.split(separator: "/").last.map(String.init) ?? w
        return base.hasPrefix("qemu") || base == "kvm" || base.hasPrefix("qemu-kvm")
    }

    /// The words again, environment first.
    public var words: [String] { env.map { "\($0.name)=\($0.value)" } + program + options.flatMap(\.words) }

    /// One option per line, shell-quoted, with `\` continuations: the form the diff is shown in.
    public var lines: [String] {
        var out: [String] = []
        let head = (env.map { "\($0.name)=\(ShellWords.quote($0.value))" } + program.map(ShellWords.quote)).joined(separator: " ")
        if !head.isEmpty { out.append(head) }
        for o in options { out.append(o.words.map(ShellWords.quote).joined(separator: " ")) }
        return out.enumerated().map { $0.offset < out.count - 1 ? $0.element + " \\" : $0.element }
    }
}

/// QEMU's `key=value,key=value` option syntax (util/qemu-option.c): `,,` is a literal comma, and a
/// first element without `=` is the option's implied key (`driver` for `-audiodev` and `-device`).
public enum QemuOpts {
    public static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var cur = ""
        var it = Array(text)
        var i = 0
        while i < it.count {
            if it[i] == "," {
                if i + 1 < it.count && it[i + 1] == "," { cur.append(","); i += 2; continue }
                parts.append(cur); cur = ""; i += 1; continue
            }
            cur.append(it[i]); i += 1
        }
        parts.append(cur)
        it.removeAll()
        return parts
    }

    /// `(implied value, [(key, value)])`.
    public static func parse(_ text: String, implied: String) -> (String?, [(String, String)]) {
        var first: String? = nil
        var pairs: [(String, String)] = []
        for (n, p) in split(text).enumerated() {
            if let eq = p.firstIndex(of: "=") {
                let k = String(p[..<eq]), v = String(p[p.index(after: eq)...])
                if k == implied && first == nil { first = v } else { pairs.append((k, v)) }
            } else if n == 0 {
                first = p
            } else {
                pairs.append((p, "on"))  // a bare flag is `key=on` in QemuOpts
            }
        }
        return (first, pairs)
    }

    public static func join(_ first: String?, _ pairs: [(String, String)]) -> String {
        let esc: (String) -> String = { $0.replacingOccurrences(of: ",", with: ",,") }
        return ((first.map { [esc($0)] } ?? []) + pairs.map { "\($0.0)=\(esc($0.1))" }).joined(separator: ",")
    }
}

/// Reads the audio setup out of a QEMU command line.
public enum CommandLineReader {
    /// Sound devices the card model simulates (its `device` setting), by QEMU device name.
    static let modelledDevices: Set<String> = ["intel-hda", "ich9-intel-hda", "hda-duplex", "hda-micro", "hda-output", "AC97", "virtio-sound-pci"]
    /// QEMU sound devices the card model does not simulate (hw/audio/).
    static let otherSoundDevices: Set<String> = ["ES1370", "sb16", "cs4231a", "gus", "adlib", "usb-audio", "virtio-sound-device", "pcspk", "asc", "via-ac97", "es1370", "ac97"]

    public static func read(text: String, subject: String, form: AudioSetup.Form = .commandLine) throws(LoopbenchError) -> (AudioSetup, QEMUCommandLine) {
        let words = try ShellWords.split(text, subject: subject)
        guard !words.isEmpty else { throw .badData(subject, "empty: no QEMU command line to read") }
        let cl = QEMUCommandLine(words: words)
        return (read(cl, form: form), cl)
    }

    public static func read(_ cl: QEMUCommandLine, form: AudioSetup.Form) -> AudioSetup {
        var s = AudioSetup(form: form)
        for (n, v) in cl.env {
            if AudioSetup.isLegacyAudioVariable(n) { s.legacyEnv.append((n, v)) }
            else { s.unmapped.append(Unmapped("\(n)=\(v)", .notAudio, "an environment variable QEMU's audio does not read")) }
        }
        for w in cl.program.dropLast() { s.unmapped.append(Unmapped(w, .notAudio, "a wrapper before the program")) }
        for o in cl.options { readOption(o, into: &s) }
        return s
    }

    static func readOption(_ o: QEMUCommandLine.Option, into s: inout AudioSetup) {
        let token = o.words.joined(separator: " ")
        guard let arg = o.argument else {
            s.unmapped.append(Unmapped(token, o.flag.hasPrefix("-") ? .notAudio : .unknown, o.flag.hasPrefix("-") ? "not an audio option" : "a word outside any option"))
            return
        }
        switch o.name {
        case "audiodev":
            let (drv, pairs) = QemuOpts.parse(arg, implied: "driver")
            var id: String? = nil
            var opts: [BackendSpec.Option] = []
            for (k, v) in pairs {
                if k == "id" { id = v } else { opts.append(.init(key: k, value: v, token: "\(k)=\(v)")) }
            }
            s.backends.append(BackendSpec(driver: drv ?? "", id: id, options: opts, origin: .audiodev, token: token))
        case "audio":
            let (drv, pairs) = QemuOpts.parse(arg, implied: "driver")
            var opts: [BackendSpec.Option] = []
            var model: String? = nil
            for (k, v) in pairs {
                if k == "model" { model = v } else if k != "id" { opts.append(.init(key: k, value: v, token: "\(k)=\(v)")) }
            }
            if let drv { s.backends.append(BackendSpec(driver: drv, id: "audio0", options: opts, origin: .audio, token: token)) }
            if let model { s.cards.append(CardSpec(model: model, audiodev: drv == nil ? nil : "audio0", properties: [:], origin: .audio, token: token)) }
        case "soundhw":
            for m in QemuOpts.split(arg) where !m.isEmpty {
                s.cards.append(CardSpec(model: m, audiodev: nil, properties: [:], origin: .soundhw, token: "-soundhw \(m)"))
            }
        case "device":
            let (drv, pairs) = QemuOpts.parse(arg, implied: "driver")
            let name = drv ?? ""
            if modelledDevices.contains(name) || otherSoundDevices.contains(name) {
                var props: [String: String] = [:]
                for (k, v) in pairs { props[k] = v }
                s.cards.append(CardSpec(model: name, audiodev: props.removeValue(forKey: "audiodev"), properties: props, origin: .device, token: token))
            } else {
                s.unmapped.append(Unmapped(token, .notAudio, "not a sound device"))
            }
        case "machine", "M":
            let (type, pairs) = QemuOpts.parse(arg, implied: "type")
            if let type { s.machine = type }
            for (k, v) in pairs where k == "pcspk-audiodev" {
                s.unmapped.append(Unmapped("pcspk-audiodev=\(v)", .notModelled, "the PC speaker is not modelled"))
            }
        default:
            s.unmapped.append(Unmapped(token, .notAudio, "not an audio option"))
        }
    }
}
