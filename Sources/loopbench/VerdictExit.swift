// SPDX-License-Identifier: GPL-2.0-or-later
import ArgumentParser
import LoopbenchCore

/// Which verdicts make `measure`, `analyze` and `compare` exit non-zero, and with what:
/// 1 crackle, 2 no-signal, 3 a channel-map fault (0 clean; the sysexits statuses 64–75 stay
/// for usage, data and service errors). `--fail-on crackle,no-signal,channels` (the default),
/// any subset, or `none`.
struct FailOn: ExpressibleByArgument, Sendable, Equatable {
    var crackle: Bool
    var noSignal: Bool
    var channels: Bool

    static let statusCrackle: Int32 = 1
    static let statusNoSignal: Int32 = 2
    static let statusChannelFault: Int32 = 3
    static let `default` = FailOn(crackle: true, noSignal: true, channels: true)
    static let help = ArgumentHelp(
        "Verdicts that fail the command: a comma list of crackle (exit 1), no-signal (exit 2), channels (a channel-map fault, exit 3), or none.",
        valueName: "list")
    static let statusDiscussion = """
        Exit status: 0 clean; 1 crackle, 2 no-signal, 3 a swapped, missing, duplicated or \
        inverted channel, each only when --fail-on names it (default: all three; when several \
        apply, the highest wins); 64 usage, 65 bad data, 66 missing input, 69 sound server or \
        device unavailable, 75 busy.
        """

    /// How `--help` shows the default.
    var defaultValueDescription: String {
        let names = [crackle ? "crackle" : nil, noSignal ? "no-signal" : nil, channels ? "channels" : nil].compactMap { $0 }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }

    init(crackle: Bool, noSignal: Bool, channels: Bool) {
        self.crackle = crackle
        self.noSignal = noSignal
        self.channels = channels
    }

    init?(argument: String) {
        let items = argument.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var c = false, n = false, ch = false
        for i in items {
            switch i {
            case "crackle": c = true
            case "no-signal": n = true
            case "channels": ch = true
            case "none" where items.count == 1: break
            default: return nil
            }
        }
        self.init(crackle: c, noSignal: n, channels: ch)
    }

    /// The exit status for a set of measurements: the highest that applies (a channel fault,
    /// then no-signal: nothing was measured, then crackle).
    func status(for measurements: [LoopMeasurement]) -> Int32 {
        if channels && measurements.contains(where: { !($0.channelCheck?.faults.isEmpty ?? true) }) { return Self.statusChannelFault }
        if noSignal && measurements.contains(where: { $0.verdict == .noSignal }) { return Self.statusNoSignal }
        if crackle && measurements.contains(where: { $0.verdict == .crackle }) { return Self.statusCrackle }
        return 0
    }

    /// Throws the exit status for `measurements` when it is not 0.
    func exit(for measurements: [LoopMeasurement]) throws {
        let s = status(for: measurements)
        if s != 0 { throw ExitCode(s) }
    }
}
