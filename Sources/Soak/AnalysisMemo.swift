// SPDX-License-Identifier: GPL-2.0-or-later
import Analyzer
import Foundation
import LoopbenchCore

/// The analyzer's answers (and the probe locator's) for capture it has already seen, on a
/// deterministic loop.
///
/// The card model has no noise: a period whose probe, place in its chunk and path state repeat
/// comes back sample for sample as it did before (eight probes take turns, chunks restart the
/// model, its resamplers' phase repeats every period). Ten minutes of the card model at QEMU's
/// defaults held 26 different analysis windows in 605. The analyzer and the locator are
/// functions of their input: a stretch equal bit for bit to one already measured gets that
/// answer back. Nothing is approximated: every bit is compared, so a soak's results are exactly
/// those of measuring everything (`SoakTests`, memo on and off). Real backends never repeat a
/// stretch bit for bit (noise), so only deterministic loops keep a memo (``SoakRunner``).
public final class AnalysisMemo: @unchecked Sendable {
    /// Analysis windows kept: about a second of capture each (~200 kB mono at 48 kHz), ~52 MB at most.
    public static let windows = 256
    /// Stretches searched for a probe kept: up to ~1.9 s each (~370 kB), ~47 MB at most.
    public static let searches = 128

    let measurements = ExactMemo<LoopMeasurement>(capacity: AnalysisMemo.windows)
    let locations = ExactMemo<(lag: Int, score: Double)?>(capacity: AnalysisMemo.searches)

    public init() {}

    /// The probes the answers were computed with: the keys name probes by their number, so a
    /// memo handed probes other than those it holds answers for starts afresh.
    private var probes: [[Float]] = []
    private let probesLock = NSLock()

    /// Binds the memo to `probes` (compared bit for bit); a different set clears it.
    func use(probes p: [[Float]]) {
        probesLock.lock()
        defer { probesLock.unlock() }
        if p.count == probes.count, ExactMemo<Int>.same(probes, p.map { $0[...] }) { return }
        measurements.clear()
        locations.clear()
        probes = p
    }

    /// Answers given from the memo, and answers computed.
    public var hits: Int { measurements.hits + locations.hits }
    public var misses: Int { measurements.misses + locations.misses }

    /// The analyzer's measurement of `capture` against the reference `referenceKey` names
    /// (`reference()` builds it, only when the window is new).
    func measurement(referenceKey: [Int], channel: Int?, capture: [[Float]], sampleRate: Int, reference: () -> [Float]) throws(LoopbenchError) -> LoopMeasurement {
        let slices = capture.map { $0[...] }
        return try measurements.value(tag: referenceKey + [channel ?? -1, sampleRate], content: slices) { () throws(LoopbenchError) in
            try Analyzer.analyze(reference: AudioBuffer(sampleRate: sampleRate, mono: reference()),
                                 capture: AudioBuffer(sampleRate: sampleRate, channels: capture), options: .init(channel: channel))
        }
    }

    /// ``PeriodLocator/locate(_:probeEnergy:in:)`` of probe number `probe`.
    func locate(probe: Int, _ p: [Float], probeEnergy: Double, in signal: ArraySlice<Float>) -> (lag: Int, score: Double)? {
        locations.value(tag: [probe, p.count], content: [signal]) { () throws(Never) in PeriodLocator.locate(p, probeEnergy: probeEnergy, in: signal) }
    }
}
