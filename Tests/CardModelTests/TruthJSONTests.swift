// SPDX-License-Identifier: GPL-2.0-or-later
import CardModel
import Foundation
import LoopbenchCore
import Stimulus
import Testing
import TestSupport

@Suite("The truth as a JSON value")
struct TruthJSONTests {
    /// What the truth's JSON text reads back as: the value ``JSONValueEncoder`` must give.
    static func textRoundTrip<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: try JSONCoding.encode(value, pretty: false))
    }

    @Test("the card model's truth encoded straight to a JSON value equals its JSON text read back, on every golden configuration")
    func truthEqualsItsTextReadBack() throws {
        let inputs = try Golden.load([ModelGoldenCase].self, from: GoldenTests.file)
        #expect(inputs.count >= 50)
        var withEvents = 0, withPulse = 0
        for c in inputs {
            let s = try CardModelSettings(settings: c.settings)
            var spec = Stimulus.Spec()
            spec.sampleRate = s.guestRate
            spec.seconds = c.seconds
            let truth = CardModelLoop.simulate(s, stimulus: Stimulus.mono(spec)).truth
            let direct = truth.jsonValue
            #expect(direct == (try Self.textRoundTrip(truth)), "\(c.name)")
            if !truth.events.isEmpty { withEvents += 1 }
            if truth.pulse != nil { withPulse += 1 }
        }
        // Both kinds of truth were compared: with events and reasons, and with PulseAudio's attributes.
        #expect(withEvents >= 10 && withPulse >= 10)
    }

    struct Odd: Encodable {
        var f: Float = 0.1
        var d: Double = .nan
        var inf: Double = -.infinity
        var big: Int64 = 1 << 60
        var small: UInt8 = 7
        var missing: Int? = nil
        var flag = true
        var nested: [String: [Double?]] = ["a": [1.5, nil, 3], "b": []]
        var value: JSONValue = .object(["x": .number(.infinity), "y": .array([.null, .string("s")])])

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(f, forKey: .f)
            try c.encode(d, forKey: .d)
            try c.encode(inf, forKey: .inf)
            try c.encode(big, forKey: .big)
            try c.encode(small, forKey: .small)
            try c.encodeIfPresent(missing, forKey: .missing)
            try c.encodeNil(forKey: .explicitNil)
            try c.encode(flag, forKey: .flag)
            try c.encode(nested, forKey: .nested)
            try c.encode(value, forKey: .value)
            var u = c.nestedUnkeyedContainer(forKey: .list)
            try u.encode(2.5)
            try u.encodeNil()
            var inner = u.nestedContainer(keyedBy: Keys.self)
            try inner.encode("z", forKey: .f)
        }

        enum Keys: String, CodingKey { case f, d, inf, big, small, missing, explicitNil, flag, nested, value, list }
    }

    @Test("odd values too: a Float by its decimal form, non-finite numbers as JSONCoding writes them, a nil optional left out, an explicit null kept, nested containers")
    func oddValuesEqualTheirTextReadBack() throws {
        let got = try JSONValueEncoder.encode(Odd())
        #expect(got == (try Self.textRoundTrip(Odd())))
        guard case .object(let o) = got else { Issue.record("not an object"); return }
        #expect(o["f"] == .number(0.1) && o["d"] == .string("nan") && o["inf"] == .string("-inf"))
        #expect(o["missing"] == nil && o["explicitNil"] == .null)
    }
}
