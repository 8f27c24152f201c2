// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// One setting of a loop, declared once: its documentation, how a `KEY=VALUE` value is parsed
/// into the loop's settings value, and how the effective value is reported. A loop's table of
/// these drives its parsing, `--list-settings`, the effective settings in every report, and the
/// generated `docs/settings.md`.
public struct SettingSpec<Settings>: Sendable {
    public let doc: SettingDoc
    /// Parses `value` (trimmed) into the settings; `key` is the setting's own, for messages.
    public let parse: @Sendable (_ settings: inout Settings, _ value: String, _ key: String) throws(LoopbenchError) -> Void
    /// The value as a report shows it, every default filled in; nil where it does not apply
    /// (an option of another backend).
    public let effective: @Sendable (Settings) -> JSONValue?

    public var key: String { doc.key }

    public init(_ key: String, unit: String, default defaultValue: String, _ meaning: String,
                parse: @escaping @Sendable (_ settings: inout Settings, _ value: String, _ key: String) throws(LoopbenchError) -> Void,
                effective: @escaping @Sendable (Settings) -> JSONValue?) {
        doc = SettingDoc(key: key, unit: unit, defaultValue: defaultValue, meaning: meaning)
        self.parse = parse
        self.effective = effective
    }
}

extension Array {
    /// Applies the given `KEY=VALUE` settings in table order; a key the table does not have is a
    /// usage error naming it and listing the keys (`loopName` says whose settings they are).
    /// Returns the keys that were given.
    @discardableResult
    public func apply<S>(_ given: [String: String], to settings: inout S, loopName: String) throws(LoopbenchError) -> Set<String>
    where Element == SettingSpec<S> {
        let known = Set(map(\.key))
        for key in given.keys.sorted() where !known.contains(key) {
            throw .usage("\(key)=\(given[key] ?? ""): unknown \(loopName) setting; use one of \(map(\.key).joined(separator: ", "))", subject: key)
        }
        for spec in self {
            guard let raw = given[spec.key] else { continue }
            try spec.parse(&settings, raw.trimmingCharacters(in: .whitespaces), spec.key)
        }
        return Set(given.keys)
    }

    /// The effective settings of `settings`, as reports show them.
    public func effective<S>(_ settings: S) -> [String: JSONValue] where Element == SettingSpec<S> {
        var d: [String: JSONValue] = [:]
        for spec in self { if let v = spec.effective(settings) { d[spec.key] = v } }
        return d
    }
}

/// The value parsers the settings tables share; each error names the key and says what is allowed.
public enum SettingValue {
    /// A time (`10ms`, `500us`, plain microseconds), whole microseconds within `range`.
    public static func time(_ v: String, _ k: String, _ range: ClosedRange<Int>) throws(LoopbenchError) -> Int {
        let us = try TimeValue.microseconds(v, key: k)
        let r = Int(us.rounded())
        guard range.contains(r) else {
            throw .usage("\(k)=\(v): must be between \(range.lowerBound) and \(range.upperBound) µs", subject: k)
        }
        return r
    }

    public static func int(_ v: String, _ k: String, _ range: ClosedRange<Int>) throws(LoopbenchError) -> Int {
        guard let i = Int(v), range.contains(i) else {
            throw .usage("\(k)=\(v): must be an integer between \(range.lowerBound) and \(range.upperBound)", subject: k)
        }
        return i
    }

    /// on/off (also true/false, yes/no, 1/0).
    public static func flag(_ v: String, _ k: String) throws(LoopbenchError) -> Bool {
        switch v.lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: throw .usage("\(k)=\(v): must be on or off", subject: k)
        }
    }

    public static func choice<E: RawRepresentable & CaseIterable>(_ v: String, _ k: String, _: E.Type) throws(LoopbenchError) -> E where E.RawValue == String {
        guard let e = E(rawValue: v.lowercased()) else {
            throw .usage("\(k)=\(v): must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))", subject: k)
        }
        return e
    }
}
