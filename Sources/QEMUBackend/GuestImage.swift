// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore
import Synchronization

/// The test guest: an initramfs made from the host's Debian packages (the `linux-image-amd64`
/// kernel's sound and virtio modules, `busybox-static`, libasound and its configuration) and
/// the project's own player-recorder, `loopbench-guest`. See `docs/qemu-backend.md`.
///
/// It is cached: `build` writes `initramfs.cpio` and `manifest.json` (every input's path, size
/// and content hash) into the cache folder, and reuses them while every input is unchanged.
public struct GuestImage: Sendable {
    /// The kernel the guest boots and the initramfs that goes with it.
    public var kernel: String
    public var kernelVersion: String
    public var initramfs: String
    /// True when the cached image was reused.
    public var reused: Bool
    /// Bytes of the initramfs.
    public var bytes: Int

    /// Modules the guest loads, in this order, each after its dependencies (from `modules.dep`).
    /// `snd-hda-codec-generic` comes before `snd-hda-intel`: the guest has no modprobe for the
    /// kernel's `request_module`, so the codec driver must already be there when the
    /// controller probes.
    static let rootModules = ["virtio_pci", "virtio_blk", "snd-hda-codec-generic", "snd-hda-intel", "snd-intel8x0"]
    /// busybox applets the init script uses.
    static let applets = ["sh", "mount", "insmod", "sleep", "cat", "echo", "sync", "poweroff", "ls", "dmesg", "tail", "grep"]
    /// libasound's configuration the guest needs to open `hw:0,0` and its mixer.
    static let alsaConfig = ["alsa.conf", "cards", "pcm", "ctl"]

    /// The guest's `/init` (busybox sh). It loads the modules, waits for the card and the two
    /// disks, runs the player-recorder and powers off. Markers on the console let the host
    /// say where a guest that timed out got stuck.
    static let initScript = """
    #!/bin/sh
    export PATH=/bin LD_LIBRARY_PATH=/lib
    mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
    echo "loopbench-init: modules"
    for ko in $(cat /lib/modules/load.list); do insmod "$ko" 2>/dev/null; done
    i=0
    while { [ ! -e /dev/snd/pcmC0D0c ] || [ ! -e /dev/vdb ]; } && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
    if [ ! -e /dev/snd/pcmC0D0c ]; then echo "loopbench-init: no sound card"; ls /dev/snd; dmesg | grep -iE 'snd|hda|ac97|intel8x0' | tail -20; fi
    echo "loopbench-init: audio"
    /bin/loopbench-guest /dev/vda /dev/vdb
    sync
    echo "loopbench-init: done"
    poweroff -f
    """

    /// Builds the image into `cache` (or reuses it).
    /// - Parameter guestBinary: the `loopbench-guest` executable.
    public static func build(cache: String, guestBinary: String) throws(LoopbenchError) -> GuestImage {
        // A sweep boots a guest per trial: hash the inputs (kernel, modules, libraries, some
        // 20 MB) once per process, not once per boot.
        let key = cache + "\u{0}" + guestBinary
        if let known = checked.withLock({ $0[key] }), FileManager.default.fileExists(atPath: known.initramfs) {
            return GuestImage(kernel: known.kernel, kernelVersion: known.kernelVersion, initramfs: known.initramfs, reused: true, bytes: known.bytes)
        }
        let image = try buildChecked(cache: cache, guestBinary: guestBinary)
        checked.withLock { $0[key] = image }
        return image
    }

    /// Images already checked against their inputs by this process.
    private static let checked = Mutex<[String: GuestImage]>([:])

    static func buildChecked(cache: String, guestBinary: String) throws(LoopbenchError) -> GuestImage {
        let inputs = try GuestInputs.gather(guestBinary: guestBinary)
        let manifest = inputs.manifest()
        let fm = FileManager.default
        let imagePath = cache + "/initramfs.cpio", manifestPath = cache + "/manifest.json"
        if let old = try? String(contentsOfFile: manifestPath, encoding: .utf8), old == manifest,
           let attrs = try? fm.attributesOfItem(atPath: imagePath), let size = attrs[.size] as? Int, size > 0 {
            return GuestImage(kernel: inputs.kernel, kernelVersion: inputs.kernelVersion, initramfs: imagePath, reused: true, bytes: size)
        }
        do {
            try fm.createDirectory(atPath: cache, withIntermediateDirectories: true)
        } catch {
            throw .io(cache, "cannot create the guest image cache folder: \(error.localizedDescription)")
        }
        var cpio = CPIOWriter()
        for dir in ["bin", "lib", "lib64", "lib/modules", "proc", "sys", "dev", "usr", "usr/share", "usr/share/alsa"] {
            cpio.directory(dir)
        }
        try cpio.file("bin/busybox", from: inputs.busybox, mode: 0o755)
        for a in applets { cpio.symlink("bin/\(a)", target: "busybox") }
        try cpio.file("bin/loopbench-guest", from: guestBinary, mode: 0o755)
        for lib in inputs.libraries {
            let name = (lib as NSString).lastPathComponent
            if name.hasPrefix("ld-linux") {
                try cpio.file("lib64/\(name)", from: lib, mode: 0o755)
            } else {
                try cpio.file("lib/\(name)", from: lib, mode: 0o755)
            }
        }
        var loadList = ""
        for m in inputs.modules {
            let name = (m as NSString).lastPathComponent
            try cpio.file("lib/modules/\(name)", from: m, mode: 0o644)
            loadList += "/lib/modules/\(name)\n"
        }
        cpio.data("lib/modules/load.list", Array(loadList.utf8), mode: 0o644)
        for f in inputs.alsaFiles {
            let rel = "usr/share/alsa/" + f.dropFirst(inputs.alsaRoot.count + 1)
            try cpio.file(String(rel), from: f, mode: 0o644)
        }
        cpio.data("init", Array(initScript.utf8), mode: 0o755)
        let bytes = cpio.finish()
        try AtomicFile.write(Data(bytes), to: imagePath)
        try AtomicFile.write(Data(manifest.utf8), to: manifestPath)
        return GuestImage(kernel: inputs.kernel, kernelVersion: inputs.kernelVersion, initramfs: imagePath, reused: false, bytes: bytes.count)
    }

    /// The default cache folder: `$LOOPBENCH_QEMU_CACHE`, else `$XDG_CACHE_HOME/loopbench/qemu-guest`,
    /// else `~/.cache/loopbench/qemu-guest`.
    public static var defaultCache: String {
        let env = ProcessInfo.processInfo.environment
        if let c = env["LOOPBENCH_QEMU_CACHE"], !c.isEmpty { return c }
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return base + "/loopbench/qemu-guest"
    }

    /// `loopbench-guest` beside the running executable (SwiftPM builds both into one folder),
    /// or `$LOOPBENCH_GUEST_BINARY`.
    public static func locateGuestBinary() throws(LoopbenchError) -> String {
        if let p = ProcessInfo.processInfo.environment["LOOPBENCH_GUEST_BINARY"], !p.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: p) else {
                throw .missingInput(p, "LOOPBENCH_GUEST_BINARY is not an executable file")
            }
            return p
        }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dirs = [(exe as NSString).deletingLastPathComponent]
        // Under `swift test` the running executable is the test runner, inside the same bin folder.
        for arg in [CommandLine.arguments[0]] + Array(CommandLine.arguments.dropFirst()) where arg.contains(".build/") {
            if let r = arg.range(of: ".xctest") {
                dirs.append((String(arg[..<r.lowerBound]) as NSString).deletingLastPathComponent)
            }
        }
        for d in dirs {
            let p = d + "/loopbench-guest"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw .missingInput("loopbench-guest", "the guest player-recorder was not found beside \(exe); build it with `swift build --product loopbench-guest` (scripts/demo-qemu does) or set LOOPBENCH_GUEST_BINARY")
    }
}

/// Everything that goes into the guest image, found on the host.
struct GuestInputs {
    var kernel: String
    var kernelVersion: String
    var busybox: String
    var modules: [String]
    var libraries: [String]
    var alsaRoot: String
    var alsaFiles: [String]
    var guestBinary: String

    static func gather(guestBinary: String) throws(LoopbenchError) -> GuestInputs {
        let (kernel, version) = try findKernel()
        let busybox = "/bin/busybox"
        guard FileManager.default.isExecutableFile(atPath: busybox), isStatic(busybox) else {
            throw .unavailable("busybox", "no static busybox at /bin/busybox; install Debian's busybox-static (scripts/bootstrap --qemu)")
        }
        let modules = try moduleLoadOrder(version: version, roots: GuestImage.rootModules)
        let libs = try sharedLibraries(of: guestBinary)
        let alsaRoot = "/usr/share/alsa"
        var files: [String] = []
        for entry in GuestImage.alsaConfig {
            let p = alsaRoot + "/" + entry
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
                throw .unavailable(p, "libasound's configuration is missing; install libasound2-data")
            }
            if isDir.boolValue {
                let sub = (FileManager.default.subpaths(atPath: p) ?? []).sorted()
                for s in sub where !isDirectory(p + "/" + s) { files.append(p + "/" + s) }
            } else {
                files.append(p)
            }
        }
        return GuestInputs(kernel: kernel, kernelVersion: version, busybox: busybox, modules: modules, libraries: libs,
                           alsaRoot: alsaRoot, alsaFiles: files, guestBinary: guestBinary)
    }

    /// The newest kernel in /boot that has its modules in /lib/modules (or `$LOOPBENCH_QEMU_KERNEL`).
    static func findKernel() throws(LoopbenchError) -> (String, String) {
        let fm = FileManager.default
        if let k = ProcessInfo.processInfo.environment["LOOPBENCH_QEMU_KERNEL"], !k.isEmpty {
            let name = (k as NSString).lastPathComponent
            let version = name.hasPrefix("vmlinuz-") ? String(name.dropFirst(8)) : name
            guard fm.isReadableFile(atPath: k) else { throw .missingInput(k, "LOOPBENCH_QEMU_KERNEL is not a readable file") }
            guard fm.fileExists(atPath: "/lib/modules/\(version)/modules.dep") else {
                throw .missingInput(k, "no modules for kernel \(version) in /lib/modules/\(version)")
            }
            return (k, version)
        }
        let versions = ((try? fm.contentsOfDirectory(atPath: "/lib/modules")) ?? []).filter {
            fm.fileExists(atPath: "/boot/vmlinuz-\($0)") && fm.fileExists(atPath: "/lib/modules/\($0)/modules.dep")
        }.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        guard let v = versions.last else {
            throw .unavailable("kernel", "no kernel for the guest: /boot/vmlinuz-* with modules in /lib/modules; install Debian's linux-image-amd64 (scripts/bootstrap --qemu)")
        }
        let path = "/boot/vmlinuz-\(v)"
        guard fm.isReadableFile(atPath: path) else {
            throw .unavailable(path, "the guest kernel is not readable by this user (Debian installs it mode 0600); run as root or copy it and set LOOPBENCH_QEMU_KERNEL")
        }
        return (path, v)
    }

    /// The modules to load, each after its dependencies, from `modules.dep`.
    static func moduleLoadOrder(version: String, roots: [String]) throws(LoopbenchError) -> [String] {
        let base = "/lib/modules/\(version)"
        guard let text = try? String(contentsOfFile: base + "/modules.dep", encoding: .utf8) else {
            throw .unavailable(base + "/modules.dep", "cannot read the kernel's module list")
        }
        var deps: [String: [String]] = [:]
        var byName: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let path = String(line[..<colon])
            deps[path] = line[line.index(after: colon)...].split(separator: " ").map(String.init)
            byName[moduleName(path)] = path
        }
        var order: [String] = []
        var seen: Set<String> = []
        func visit(_ path: String) {
            guard !seen.contains(path) else { return }
            seen.insert(path)
            // modules.dep lists the deepest dependency last: load from the end.
            for d in (deps[path] ?? []).reversed() { visit(d) }
            order.append(path)
        }
        for r in roots {
            guard let p = byName[r.replacingOccurrences(of: "-", with: "_")] else {
                throw .unavailable("kernel \(version)", "module \(r) not found in \(base)/modules.dep")
            }
            visit(p)
        }
        for p in order where p.hasSuffix(".xz") || p.hasSuffix(".zst") || p.hasSuffix(".gz") {
            throw .unavailable(base + "/" + p, "compressed modules are not supported (busybox insmod loads plain .ko files)")
        }
        return order.map { base + "/" + $0 }
    }

    static func moduleName(_ path: String) -> String {
        var n = (path as NSString).lastPathComponent
        if let dot = n.firstIndex(of: ".") { n = String(n[..<dot]) }
        return n.replacingOccurrences(of: "-", with: "_")
    }

    /// The shared libraries `ldd` lists for `binary`, with the dynamic loader.
    static func sharedLibraries(of binary: String) throws(LoopbenchError) -> [String] {
        let r = Subprocess.run("/usr/bin/ldd", [binary], timeout: 20)
        guard r.status == 0 else {
            throw .unavailable(binary, "ldd failed: \(r.stderr.split(separator: "\n").first ?? "")")
        }
        var libs: [String] = []
        for line in r.stdout.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count, words[arrow + 1].hasPrefix("/") {
                libs.append(String(words[arrow + 1]))
            } else if let first = words.first, first.hasPrefix("/") {
                libs.append(String(first))
            }
        }
        // The name the loader asks for (the soname) is kept; reading follows the link to its target.
        return libs
    }

    static func isStatic(_ path: String) -> Bool {
        let r = Subprocess.run("/usr/bin/ldd", [path], timeout: 10)
        return r.stdout.contains("not a dynamic executable") || r.stderr.contains("not a dynamic executable")
    }

    static func isDirectory(_ p: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: p, isDirectory: &d) && d.boolValue
    }

    /// One line per input: path, size and FNV-1a hash of its content; the init script's hash last.
    func manifest() -> String {
        var lines = ["loopbench guest image v1", "kernel-version \(kernelVersion)"]
        // The player-recorder is named by its role: the same build from another folder is the same input.
        let all = [("kernel", kernel), ("busybox", busybox), ("loopbench-guest", guestBinary)] + (modules + libraries + alsaFiles).map { ($0, $0) }
        for (name, p) in all {
            let data = FileManager.default.contents(atPath: p) ?? Data()
            lines.append("\(name) \(data.count) \(String(FNV1a.hash(data), radix: 16))")
        }
        lines.append("init \(String(FNV1a.hash(Data(GuestImage.initScript.utf8)), radix: 16))")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// 64-bit FNV-1a: a content hash for cache manifests (not for security).
enum FNV1a {
    static func hash(_ data: Data) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { b in
            for byte in b { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        return h
    }
}

/// An uncompressed `newc` cpio archive, the format the kernel unpacks as an initramfs.
struct CPIOWriter {
    private(set) var bytes: [UInt8] = []
    private var inode = 1

    mutating func directory(_ path: String) { entry(path, mode: 0o040755, content: []) }
    mutating func symlink(_ path: String, target: String) { entry(path, mode: 0o120777, content: Array(target.utf8)) }
    mutating func data(_ path: String, _ content: [UInt8], mode: Int) { entry(path, mode: 0o100000 | mode, content: content) }

    mutating func file(_ path: String, from source: String, mode: Int) throws(LoopbenchError) {
        guard let d = FileManager.default.contents(atPath: source) else {
            throw .missingInput(source, "cannot read this input of the guest image")
        }
        data(path, [UInt8](d), mode: mode)
    }

    private mutating func entry(_ name: String, mode: Int, content: [UInt8]) {
        func hex(_ v: Int) -> String {
            let s = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, 8 - s.count)) + s
        }
        let nameBytes = Array(name.utf8) + [0]
        let fields = [inode, mode, 0, 0, 1, 0, content.count, 0, 0, 0, 0, nameBytes.count, 0]
        inode += 1
        bytes += Array("070701".utf8)
        for f in fields { bytes += Array(hex(f).utf8) }
        bytes += nameBytes
        pad()
        bytes += content
        pad()
    }

    private mutating func pad() { while bytes.count % 4 != 0 { bytes.append(0) } }

    mutating func finish() -> [UInt8] {
        entry("TRAILER!!!", mode: 0, content: [])
        while bytes.count % 512 != 0 { bytes.append(0) }
        return bytes
    }
}
