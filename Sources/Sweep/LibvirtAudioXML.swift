// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation

/// Writes card-model settings as a libvirt `<sound>` + `<audio>` fragment to paste into
/// `virsh edit`. Element and attribute names are libvirt's (docs/formatdomain.rst, "Sound
/// devices" and "Audio backends", libvirt 7.2+): `timerPeriod` (µs), per direction
/// `mixingEngine`, `bufferLength` (µs), pulseaudio's `latency` (µs), and
/// `<settings frequency=…>`. What libvirt has no attribute for (ALSA period lengths, try-poll,
/// HDA's use-timer) is named in `notes`, to be passed with `<qemu:commandline>`.
public enum LibvirtAudioXML {
    public struct Result: Sendable, Equatable {
        public var xml: String
        public var notes: [String]
    }

    /// Card-model backend → libvirt `<audio type>`.
    public static let types: [String: String] = ["pa": "pulseaudio", "pipewire": "pipewire", "alsa": "alsa", "jack": "jack", "wav": "file", "none": "none"]

    static func attr(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&apos;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// - Parameters:
    ///   - settings: card-model settings (`device`, `backend`, `timer-period`, `out.latency`, …).
    ///   - keys: the settings to write (the user's and the fix's); the rest stay libvirt's and QEMU's defaults.
    ///   - soundModel/codec/audioID: the user's `<sound model>`, `<codec type>` and `<audio id>`, kept when given.
    ///   - keep: attributes of the user's `<audio>`, `<input>`, `<output>` to keep as written (server, names).
    public static func fragment(settings: [String: String], keys: Set<String>, soundModel: String? = nil, codec: String? = nil, audioID: String? = nil,
                                keep: (audio: [String: String], input: [String: String], output: [String: String]) = ([:], [:], [:])) -> Result {
        var notes: [String] = []
        let device = settings["device"] ?? "hda"
        let backend = settings["backend"] ?? "pa"
        let id = audioID ?? "1"
        var model: String
        switch device {
        case "ac97": model = "ac97"
        case "virtio-snd": model = "virtio"
        default:
            model = soundModel.flatMap { ["ich6", "ich9"].contains($0) ? $0 : nil } ?? "ich9"
            if device == "hda-notimer" { notes.append("use-timer=off has no libvirt attribute: add <qemu:commandline><qemu:arg value='-global'/><qemu:arg value='hda-duplex.use-timer=off'/></qemu:commandline>") }
        }
        var x = "<sound model='\(attr(model))'>\n"
        if model.hasPrefix("ich") { x += "  <codec type='\(attr(codec ?? "duplex"))'/>\n" }
        x += "  <audio id='\(attr(id))'/>\n</sound>\n"
        let type = types[backend] ?? backend
        var audioAttrs: [(String, String)] = [("id", id), ("type", type)]
        for k in keep.audio.keys.sorted() where !["id", "type", "timerPeriod"].contains(k) && keep.audio["type"] == type { audioAttrs.append((k, keep.audio[k]!)) }
        if keys.contains("timer-period"), let t = settings["timer-period"] { audioAttrs.append(("timerPeriod", micros(t))) }
        x += "<audio " + audioAttrs.map { "\($0.0)='\(attr($0.1))'" }.joined(separator: " ")
        var body = ""
        for (dir, p, kept) in [("input", "in.", keep.input), ("output", "out.", keep.output)] {
            var a: [(String, String)] = []
            for k in kept.keys.sorted() where ["name", "streamName", "dev", "serverName", "clientName", "connectPorts", "exactName"].contains(k) && keep.audio["type"] == type { a.append((k, kept[k]!)) }
            if keys.contains(p + "mixing-engine"), let v = settings[p + "mixing-engine"] { a.append(("mixingEngine", ["off", "false", "no", "0"].contains(v.lowercased()) ? "no" : "yes")) }
            if keys.contains(p + "buffer-length"), let v = settings[p + "buffer-length"] { a.append(("bufferLength", micros(v))) }
            if keys.contains(p + "latency"), let v = settings[p + "latency"] {
                if backend == "pa" || backend == "pipewire" { a.append(("latency", micros(v))) }
            }
            for k in ["period-length", "try-poll"] where keys.contains(p + k) {
                notes.append("\(p)\(k) has no libvirt <audio> attribute: libvirt cannot set it; a <qemu:commandline> -audiodev of your own (with its own id, the card bound to it) can")
            }
            var inner = ""
            if keys.contains(p + "frequency"), let f = settings[p + "frequency"] { inner = "    <settings frequency='\(attr(f))'/>\n" }
            if a.isEmpty && inner.isEmpty { continue }
            body += "  <\(dir)" + a.map { " \($0.0)='\(attr($0.1))'" }.joined() + (inner.isEmpty ? "/>\n" : ">\n" + inner + "  </\(dir)>\n")
        }
        x += body.isEmpty ? "/>\n" : ">\n" + body + "</audio>\n"
        return Result(xml: x, notes: notes)
    }

    /// A time setting in plain microseconds (libvirt's unit).
    static func micros(_ v: String) -> String {
        if Int(v) != nil { return v }
        return QEMUCommand.micros(v, key: "time").map(String.init) ?? v
    }
}
