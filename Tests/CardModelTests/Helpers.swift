// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import LoopbenchCore
import Stimulus

/// Runs the model on the default 2 s sweep with `settings`.
func simulate(_ settings: [String: String], seconds: Double = 1) throws -> CardModelResult {
    let s = try CardModelSettings(settings: settings)
    var spec = Stimulus.Spec()
    spec.sampleRate = s.guestRate
    spec.seconds = seconds
    return CardModelLoop.simulate(s, stimulus: Stimulus.mono(spec))
}

extension CardModelResult {
    var latencyMS: Double { truth.latencyMS ?? .nan }
    var crackles: Bool { !truth.events.isEmpty }
}
