// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LoopbenchCore

/// A parsed XML element (only what a domain's audio needs: names, attributes, children, text).
public struct XMLNode: Sendable, Equatable {
    public var name: String
    public var attributes: [String: String]
    public var children: [XMLNode]
    public var text: String

    public func all(_ n: String) -> [XMLNode] { children.filter { $0.name == n } }
    public func first(_ n: String) -> XMLNode? { children.first { $0.name == n } }

    /// Parses a whole document with Foundation's `XMLParser` (libxml2), strictly: any parser
    /// error, or an end tag that does not close the open element, is bad data.
    public static func parse(_ data: Data, subject: String) throws(LoopbenchError) -> XMLNode {
        guard !data.isEmpty, !(String(decoding: data, as: UTF8.self).allSatisfy(\.isWhitespace)) else {
            throw .badData(subject, "empty: no libvirt domain XML to read")
        }
        let b = Builder()
        let p = XMLParser(data: data)
        p.delegate = b
        p.shouldProcessNamespaces = false
        let ok = p.parse()
        if !ok || p.parserError != nil || b.error != nil || b.stack.count != 1 || b.root == nil {
            let why = b.error ?? p.parserError.map { "XML parser error \(($0 as NSError).code)" } ?? "the document ends inside an element"
            throw .badData(subject, "broken XML at line \(p.lineNumber), column \(p.columnNumber): \(why)")
        }
        return b.root!
    }

    final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLNode] = [XMLNode(name: "#document", attributes: [:], children: [], text: "")]
        var root: XMLNode?
        var error: String?
        /// Deeper than any domain XML; a guard against hostile nesting.
        static let maxDepth = 64

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            guard stack.count < Self.maxDepth else { error = "nested more than \(Self.maxDepth) elements deep"; parser.abortParsing(); return }
            if stack.count == 1 && stack[0].children.count > 0 { error = "more than one root element"; parser.abortParsing(); return }
            stack.append(XMLNode(name: name, attributes: attributes, children: [], text: ""))
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard stack.count > 1, stack.last!.name == name else { error = "</\(name)> closes nothing open"; parser.abortParsing(); return }
            let node = stack.removeLast()
            stack[stack.count - 1].children.append(node)
            if stack.count == 1 { root = node }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if stack.count > 1 { stack[stack.count - 1].text += string }
        }
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if error == nil { error = "XML parser error \((parseError as NSError).code)" }
        }
    }
}

/// What a libvirt domain says about sound, kept for writing the fix back as XML.
public struct LibvirtAudio: Sendable, Equatable {
    /// `<sound model=…>` and its `<codec type=…>`.
    public var soundModel: String?
    public var codec: String?
    /// `<audio id=… type=…>` bound to the sound device, with its attributes as written.
    public var audioID: String?
    public var audioType: String?
    public var audioAttributes: [String: String] = [:]
    public var inputAttributes: [String: String] = [:]
    public var outputAttributes: [String: String] = [:]
}

/// Reads the audio setup out of `virsh dumpxml` output. The element and attribute names and what
/// QEMU options they become are libvirt's (docs/formatdomain.rst, "Sound devices" and "Audio
/// backends"): `<audio type timerPeriod>` → `-audiodev <driver>,timer-period`; `<input>`/`<output>`
/// `mixingEngine`, `fixedSettings`, `voices`, `bufferLength` → `in.`/`out.mixing-engine`,
/// `fixed-settings`, `voices`, `buffer-length`; `<settings frequency channels format>` →
/// `frequency`, `channels`, `format`; pulseaudio's `latency`, `name`, `streamName` and
/// `serverName` → `latency`, `name`, `stream-name`, `server`.
public enum LibvirtReader {
    /// libvirt audio `type` → QEMU `-audiodev` driver.
    public static let drivers: [String: String] = [
        "pulseaudio": "pa", "pipewire": "pipewire", "alsa": "alsa", "jack": "jack", "none": "none", "spice": "spice",
        "file": "wav", "sdl": "sdl", "oss": "oss", "coreaudio": "coreaudio", "dbus": "dbus",
    ]
    /// libvirt `<input>`/`<output>` attribute → QEMU per-direction option.
    public static let directionAttributes: [String: String] = [
        "mixingEngine": "mixing-engine", "fixedSettings": "fixed-settings", "voices": "voices", "bufferLength": "buffer-length",
        "latency": "latency", "name": "name", "streamName": "stream-name", "dev": "dev", "bufferCount": "buffer-count",
        "tryPoll": "try-poll", "serverName": "server-name", "clientName": "client-name", "connectPorts": "connect-ports", "exactName": "exact-name",
    ]
    /// libvirt `<audio>` attribute → QEMU `-audiodev` option (besides `id`, `type`).
    public static let audioAttributes: [String: String] = [
        "timerPeriod": "timer-period", "serverName": "server", "path": "path", "runtimeDir": "runtime-dir",
        "tryMMap": "try-mmap", "exclusive": "exclusive", "dspPolicy": "dsp-policy", "driver": "driver",
    ]
    /// `<sound model>` → the QEMU controller (libvirt's qemu_command.c: ich6 = intel-hda, ich9 = ich9-intel-hda).
    public static let controllers: [String: String] = ["ich6": "intel-hda", "ich9": "ich9-intel-hda"]

    public static func read(data: Data, subject: String) throws(LoopbenchError) -> (AudioSetup, LibvirtAudio) {
        let root = try XMLNode.parse(data, subject: subject)
        guard root.name == "domain" else { throw .badData(subject, "not a libvirt domain: the root element is <\(root.name)>, not <domain>") }
        var s = AudioSetup(form: .libvirt)
        var lv = LibvirtAudio()
        if let t = root.first("os")?.first("type"), let m = t.attributes["machine"] { s.machine = m }
        let devices = root.first("devices")
        s.graphics = devices?.first("graphics")?.attributes["type"]
        var audios: [String: XMLNode] = [:]
        for a in devices?.all("audio") ?? [] { audios[a.attributes["id"] ?? "1"] = a }
        for snd in devices?.all("sound") ?? [] {
            let model = snd.attributes["model"] ?? ""
            let codec = snd.first("codec")?.attributes["type"]
            let bound = snd.first("audio")?.attributes["id"]
            if lv.soundModel == nil { lv.soundModel = model; lv.codec = codec; lv.audioID = bound }
            let token = "<sound model='\(model)'>" + (codec.map { "<codec type='\($0)'/>" } ?? "")
            if let ctl = controllers[model] {
                s.cards.append(CardSpec(model: "hda-\(codec ?? "duplex")", audiodev: bound ?? audios.keys.sorted().first, properties: ["controller": ctl], origin: .libvirt, token: token))
            } else if model == "ac97" {
                s.cards.append(CardSpec(model: "AC97", audiodev: bound ?? audios.keys.sorted().first, properties: [:], origin: .libvirt, token: token))
            } else if model == "virtio" {
                s.cards.append(CardSpec(model: "virtio-sound-pci", audiodev: bound ?? audios.keys.sorted().first, properties: [:], origin: .libvirt, token: token))
            } else {
                s.cards.append(CardSpec(model: model, audiodev: bound, properties: [:], origin: .libvirt, token: token))
            }
        }
        for id in audios.keys.sorted() { s.backends.append(backend(audios[id]!, id: id, lv: &lv, bound: lv.audioID ?? audios.keys.sorted().first)) }
        readPassthrough(root, into: &s)
        return (s, lv)
    }

    static func backend(_ a: XMLNode, id: String, lv: inout LibvirtAudio, bound: String?) -> BackendSpec {
        let type = a.attributes["type"] ?? ""
        let token = "<audio id='\(id)' type='\(type)'>"
        var opts: [BackendSpec.Option] = []
        for k in a.attributes.keys.sorted() where k != "id" && k != "type" {
            let v = a.attributes[k]!
            opts.append(.init(key: audioAttributes[k] ?? "libvirt:\(k)", value: v, token: "<audio \(k)='\(v)'>"))
        }
        for dir in ["input", "output"] {
            guard let d = a.first(dir) else { continue }
            let p = dir == "input" ? "in." : "out."
            for k in d.attributes.keys.sorted() {
                var v = d.attributes[k]!
                if v == "yes" { v = "on" } else if v == "no" { v = "off" }
                opts.append(.init(key: p + (directionAttributes[k] ?? "libvirt:\(k)"), value: v, token: "<\(dir) \(k)='\(d.attributes[k]!)'>"))
            }
            if let st = d.first("settings") {
                for k in st.attributes.keys.sorted() {
                    opts.append(.init(key: p + k, value: st.attributes[k]!, token: "<\(dir)><settings \(k)='\(st.attributes[k]!)'/>"))
                }
            }
            if dir == "input" { if id == bound { lv.inputAttributes = d.attributes } } else if id == bound { lv.outputAttributes = d.attributes }
        }
        if id == bound { lv.audioType = type; lv.audioAttributes = a.attributes }
        return BackendSpec(driver: drivers[type] ?? "libvirt:\(type)", id: id, options: opts, origin: .libvirt, token: token)
    }

    /// `<qemu:commandline>`: `<qemu:arg value=…>` words and `<qemu:env name value>` entries.
    static func readPassthrough(_ root: XMLNode, into s: inout AudioSetup) {
        for cl in root.children where cl.name.hasSuffix(":commandline") {
            let words = cl.children.filter { $0.name.hasSuffix(":arg") }.compactMap { $0.attributes["value"] }
            if !words.isEmpty {
                let sub = CommandLineReader.read(QEMUCommandLine(words: words), form: .libvirt)
                s.backends += sub.backends
                s.cards += sub.cards
                s.unmapped += sub.unmapped.map { Unmapped("<qemu:arg> " + $0.token, $0.why, $0.detail) }
                if s.machine == nil { s.machine = sub.machine }
            }
            for e in cl.children where e.name.hasSuffix(":env") {
                let n = e.attributes["name"] ?? "", v = e.attributes["value"] ?? ""
                if AudioSetup.isLegacyAudioVariable(n) { s.legacyEnv.append((n, v)) }
                else { s.unmapped.append(Unmapped("<qemu:env name='\(n)'>", .notAudio, "not an audio variable")) }
            }
        }
    }
}
