// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The QEMU on this machine: its binary, version and audio drivers.
public struct QEMUInstallation: Sendable {
    public var binary: String
    /// e.g. `7.2.22`.
    public var version: String
    /// The `-audiodev` drivers it can load (Debian ships `pa` in `qemu-system-gui`).
    public var audioDrivers: [String]

    /// Major.minor, the key of the version's defaults in the card model (`7.2`).
    public var series: String {
        let parts = version.split(separator: ".")
        return parts.count >= 2 ? "\(parts[0]).\(parts[1])" : version
    }

    /// `$LOOPBENCH_QEMU`, else `qemu-system-x86_64` on the PATH; looked up once per process.
    public static func find() throws(LoopbenchError) -> QEMUInstallation { try cached.get() }

    private static let cached = Result { () throws(LoopbenchError) in try lookUp() }

    static func lookUp() throws(LoopbenchError) -> QEMUInstallation {
        let env = ProcessInfo.processInfo.environment
        var binary = env["LOOPBENCH_QEMU"].flatMap { $0.isEmpty ? nil : $0 }
        if binary == nil {
            for dir in (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
                let p = "\(dir)/qemu-system-x86_64"
                if FileManager.default.isExecutableFile(atPath: p) { binary = p; break }
            }
        }
        guard let binary, FileManager.default.isExecutableFile(atPath: binary) else {
            throw .unavailable("qemu-system-x86_64", "QEMU is not installed; install Debian's qemu-system-x86 and qemu-system-gui (scripts/bootstrap --qemu)")
        }
        let v = Subprocess.run(binary, ["--version"], timeout: 20)
        guard v.status == 0, let version = parseVersion(v.stdout) else {
            throw .unavailable(binary, "cannot read its version: \((v.stdout + v.stderr).split(separator: "\n").first ?? "no output")")
        }
        let a = Subprocess.run(binary, ["-audiodev", "help"], timeout: 20)
        let drivers = parseDrivers(a.stdout)
        return QEMUInstallation(binary: binary, version: version, audioDrivers: drivers)
    }

    /// `QEMU emulator version 7.2.22 (Debian …)` → `7.2.22`.
    static func parseVersion(_ text: String) -> String? {
        guard let r = text.range(of: "version ") else { return nil }
        let v = text[r.upperBound...].prefix { $0.isNumber || $0 == "." }
        return v.split(separator: ".").count >= 2 ? String(v) : nil
    }

    /// The lines after `Available audio drivers:`.
    static func parseDrivers(_ text: String) -> [String] {
        var out: [String] = []
        var inList = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Available audio drivers") { inList = true; continue }
            if inList {
                let w = line.trimmingCharacters(in: .whitespaces)
                if !w.isEmpty && !w.contains(" ") { out.append(w) }
            }
        }
        return out
    }

    /// Refuses an audio driver this QEMU cannot load, naming the package that carries it.
    public func requireDriver(_ name: String) throws(LoopbenchError) {
        guard audioDrivers.contains(name) else {
            let hint = name == "pa" ? "; Debian ships it in qemu-system-gui (scripts/bootstrap --qemu)" : ""
            throw .unavailable(binary, "QEMU \(version) has no '\(name)' audio driver (it lists \(audioDrivers.joined(separator: ", ")))\(hint)")
        }
    }
}
