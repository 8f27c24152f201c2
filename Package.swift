// swift-tools-version: 6.0
// loopbench: a test bench for audio round-trip latency and crackle.
// SPDX-License-Identifier: GPL-2.0-or-later
import PackageDescription

// No unsafe flags: a package with them cannot be used as a dependency (LoopbenchKit is a
// library product). The tests still run the numeric code optimised: scripts/test builds the
// release configuration with `-Xswiftc -enable-testing` (the analyzer's tests take ten times
// as long without optimisation).
// The card model needs no exclusivity flag: it is one value type on one thread, and
// `loopbench bench model` shows no difference with `-enforce-exclusivity=unchecked`.

let package = Package(
    name: "loopbench",
    products: [
        .executable(name: "loopbench", targets: ["loopbench"]),
        .executable(name: "loopbench-guest", targets: ["loopbench-guest"]),
        .library(name: "LoopbenchKit", targets: ["LoopbenchCore", "AudioFile", "DSP", "Stimulus", "Analyzer", "Synth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // C libraries, each wrapped once behind a small Swift API.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CPulse", pkgConfig: "libpulse", providers: [.apt(["libpulse-dev"])]),
        .systemLibrary(name: "CMalloc"),

        // Layers: stimulus → loop → capture → analyzer → measurement → sweep → reports.
        .target(name: "LoopbenchCore"),
        .target(name: "AudioFile", dependencies: ["LoopbenchCore", "CSndFile"]),
        .target(name: "DSP", dependencies: ["CFFTW"]),
        .target(name: "Stimulus", dependencies: ["LoopbenchCore"]),
        .target(name: "Analyzer", dependencies: ["LoopbenchCore", "DSP"]),
        .target(name: "Synth", dependencies: ["LoopbenchCore", "DSP"]),
        .target(name: "CardModel", dependencies: ["LoopbenchCore"], exclude: ["README.md"]),
        .target(name: "PulseBackend", dependencies: ["LoopbenchCore", "CPulse"]),
        .target(name: "ALSABackend", dependencies: ["LoopbenchCore", "CALSA"]),
        .target(name: "QEMUBackend", dependencies: ["LoopbenchCore", "CardModel"]),
        .target(name: "Loops", dependencies: ["LoopbenchCore", "CardModel", "PulseBackend", "ALSABackend", "QEMUBackend"]),
        .target(name: "Measure", dependencies: ["LoopbenchCore", "Analyzer", "AudioFile", "Stimulus", "Loops"]),
        .target(name: "Sweep", dependencies: ["LoopbenchCore", "CardModel", "Measure", "Loops", "Stimulus", "Analyzer", "DSP", .product(name: "Yams", package: "Yams")]),
        .target(name: "Soak", dependencies: ["LoopbenchCore", "AudioFile", "DSP", "Stimulus", "Analyzer"]),
        .target(name: "Reports", dependencies: ["LoopbenchCore", "Sweep", "Soak"]),
        .target(name: "Diagnose", dependencies: ["LoopbenchCore", "CardModel", "Measure", "Loops", "Stimulus", "Sweep", "Reports", "QEMUBackend"]),
        .executableTarget(
            name: "loopbench",
            dependencies: [
                "LoopbenchCore", "AudioFile", "DSP", "Stimulus", "Analyzer", "Synth", "Loops", "Measure", "Sweep", "Reports", "QEMUBackend", "Diagnose", "Soak",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The player-recorder inside the QEMU test guest: libasound and Glibc only (no
        // Foundation), so the guest image stays small.
        .executableTarget(name: "loopbench-guest", dependencies: ["CALSA"]),

        .target(name: "TestSupport", dependencies: ["LoopbenchCore", "AudioFile", "DSP", "Synth"], path: "Tests/TestSupport"),
        .testTarget(name: "DSPTests", dependencies: ["DSP"]),
        .testTarget(name: "AnalyzerTests", dependencies: ["Analyzer", "Stimulus", "TestSupport", "AudioFile", "Measure", "Synth"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "AudioFile", "Stimulus"], exclude: ["Help"]),
        .testTarget(name: "CardModelTests", dependencies: ["CardModel", "Analyzer", "Stimulus", "TestSupport", "LoopbenchCore"]),
        .testTarget(name: "BackendTests", dependencies: ["PulseBackend", "ALSABackend", "Measure", "Analyzer", "Stimulus", "Soak", "TestSupport", "LoopbenchCore"]),
        .testTarget(name: "QEMUBackendTests", dependencies: ["QEMUBackend", "CardModel", "Measure", "Soak", "Stimulus", "TestSupport", "LoopbenchCore", "AudioFile"]),
        .testTarget(name: "DiagnoseTests", dependencies: ["Diagnose", "CardModel", "LoopbenchCore", "TestSupport"]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "Reports", "Loops", "LoopbenchCore", "TestSupport"]),
        .testTarget(name: "SoakTests", dependencies: ["Soak", "Reports", "Stimulus", "Loops", "Analyzer", "AudioFile", "LoopbenchCore", "TestSupport"]),
    ]
)
