// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// Encodes an `Encodable` value straight into a ``JSONValue``: the value that writing it with
/// ``JSONCoding/encode(_:pretty:)`` and reading the text back as a `JSONValue` gives, without
/// the text. The card model's truth travels in every measurement as a `JSONValue`, and the round
/// trip through text took ~2.5 % of a default sweep.
///
/// As the text round trip does: a `nil` optional member is left out (synthesized `Codable`
/// skips it), an explicit `encodeNil` is `null`, integers and doubles are numbers (a `Float`
/// by its shortest decimal form, as the text carries it), and a non-finite number is the
/// string `ConvertToString` writes ("inf", "-inf", "nan", ``JSONCoding``'s strategy).
public enum JSONValueEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let box = Box()
        try put(value, into: box, path: [])
        return box.resolved
    }

    /// Where one value ends up: set once, or filled as an object or array by its containers.
    final class Box {
        var value: JSONValue?
        var object: [String: Box]?
        var array: [Box]?

        var resolved: JSONValue {
            if let object { return .object(object.mapValues(\.resolved)) }
            if let array { return .array(array.map(\.resolved)) }
            return value ?? .null
        }
    }

    static func number(_ d: Double) -> JSONValue {
        if d.isNaN { return .string("nan") }
        if d.isInfinite { return .string(d > 0 ? "inf" : "-inf") }
        return .number(d)
    }

    static func number(_ f: Float) -> JSONValue {
        guard f.isFinite else { return number(Double(f)) }
        return .number(Double("\(f)") ?? Double(f))
    }

    struct ValueEncoder: Encoder {
        let box: Box
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if box.object == nil { box.object = [:] }
            return KeyedEncodingContainer(Keyed<Key>(box: box, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if box.array == nil { box.array = [] }
            return Unkeyed(box: box, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(box: box, codingPath: codingPath) }
    }

    /// Encodes `value` into `box` the way the text round trip would read it back.
    static func put<T: Encodable>(_ value: T, into box: Box, path: [any CodingKey]) throws {
        switch value {
        case let v as Double: box.value = number(v)
        case let v as Float: box.value = number(v)
        case let v as String: box.value = .string(v)
        case let v as Bool: box.value = .bool(v)
        case let v as any BinaryInteger: box.value = .number(Double(v))
        case let v as any BinaryFloatingPoint: box.value = number(Double(v))
        case let v as JSONValue: box.value = v.canonical
        default: try value.encode(to: ValueEncoder(box: box, codingPath: path))
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: Box
        var codingPath: [any CodingKey]

        func child(_ key: Key) -> Box {
            let b = Box()
            box.object![key.stringValue] = b
            return b
        }

        mutating func encodeNil(forKey key: Key) throws { child(key).value = .null }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try put(value, into: child(key), path: codingPath + [key]) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            ValueEncoder(box: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            ValueEncoder(box: child(key), codingPath: codingPath + [key]).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { ValueEncoder(box: child(Key(stringValue: "super")!), codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(box: child(key), codingPath: codingPath + [key]) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let box: Box
        var codingPath: [any CodingKey]
        var count: Int { box.array?.count ?? 0 }

        func next() -> Box {
            let b = Box()
            box.array!.append(b)
            return b
        }

        mutating func encodeNil() throws { next().value = .null }
        mutating func encode<T: Encodable>(_ value: T) throws { try put(value, into: next(), path: codingPath) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            ValueEncoder(box: next(), codingPath: codingPath).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { ValueEncoder(box: next(), codingPath: codingPath).unkeyedContainer() }
        mutating func superEncoder() -> any Encoder { ValueEncoder(box: next(), codingPath: codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let box: Box
        var codingPath: [any CodingKey]
        mutating func encodeNil() throws { box.value = .null }
        mutating func encode<T: Encodable>(_ value: T) throws { try put(value, into: box, path: codingPath) }
    }
}

extension JSONValue {
    /// The value as reading its own JSON text back gives it: numbers stay numbers, and a
    /// non-finite number becomes the string ``JSONCoding`` writes for it.
    var canonical: JSONValue {
        switch self {
        case .number(let d): JSONValueEncoder.number(d)
        case .array(let a): .array(a.map(\.canonical))
        case .object(let o): .object(o.mapValues(\.canonical))
        default: self
        }
    }
}
