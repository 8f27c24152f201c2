// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import Foundation
import LoopbenchCore
import QEMUBackend

/// `loopbench qemu …`: the real-QEMU backend's own tools.
struct QEMUGroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qemu",
        abstract: "The real-QEMU backend: build the test guest, check the installation.",
        discussion: "Measuring a real guest is `loopbench measure --backend qemu` (and sweep, compare, calibrate). See docs/qemu-backend.md.",
        subcommands: [QEMUImageCommand.self, QEMUCheckCommand.self])
}

/// `loopbench qemu image`: builds the guest initramfs (or says it is up to date).
struct QEMUImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Build the test guest (kernel modules, busybox, libasound, loopbench-guest) into the cache; rebuilt only when an input changes.")

    @Option(name: .long, help: "Cache folder (default: $LOOPBENCH_QEMU_CACHE, else ~/.cache/loopbench/qemu-guest).") var cache: String?
    @Flag(name: .long, help: "Rebuild even when the manifest says the image is up to date.") var force = false
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func run() throws {
        try reportingErrors {
            let dir = cache ?? GuestImage.defaultCache
            if force { try? FileManager.default.removeItem(atPath: dir + "/manifest.json") }
            let image = try GuestImage.build(cache: dir, guestBinary: try GuestImage.locateGuestBinary())
            if !quiet {
                print("guest image: \(image.initramfs) (\(image.bytes / 1024) KiB, \(image.reused ? "up to date" : "built")); kernel \(image.kernel); manifest \(dir)/manifest.json")
            }
        }
    }
}

/// `loopbench qemu check`: what the backend would use, or the one line that says what is missing.
struct QEMUCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that QEMU, its PulseAudio module, a guest kernel and the guest image are there.")

    func run() throws {
        try reportingErrors {
            let q = try QEMUInstallation.find()
            try q.requireDriver("pa")
            let image = try GuestImage.build(cache: GuestImage.defaultCache, guestBinary: try GuestImage.locateGuestBinary())
            print("qemu: \(q.binary) \(q.version), audio drivers \(q.audioDrivers.joined(separator: ", "))")
            print("guest: kernel \(image.kernel), image \(image.initramfs) (\(image.reused ? "up to date" : "built"))")
            let server = ProcessInfo.processInfo.environment["PULSE_SERVER"] ?? "not set"
            print("PulseAudio for -audiodev pa: PULSE_SERVER=\(server)")
        }
    }
}
