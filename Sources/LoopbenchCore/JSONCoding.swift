// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// The one JSON style of loopbench: pretty, with sorted keys, so that the same
/// analysis gives byte-identical files.
public enum JSONCoding {
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    public static func encode<T: Encodable>(_ value: T, pretty: Bool = true) throws(LoopbenchError) -> Data {
        do { return try encoder(pretty: pretty).encode(value) }
        catch { throw LoopbenchError(.internalError, nil, "cannot encode JSON: \(error)") }
    }

    /// Decodes `T` from the file at `path`, with errors that name the file.
    public static func decode<T: Decodable>(_ type: T.Type, fromFile path: String) throws(LoopbenchError) -> T {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingInput(path, "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingInput(path, "cannot read the file") }
        guard !data.isEmpty else { throw .badData(path, "the file is empty") }
        do { return try JSONDecoder().decode(T.self, from: data) }
        catch let DecodingError.keyNotFound(key, ctx) {
            throw .badData(path, "not a valid \(T.self) JSON: missing \"\(key.stringValue)\" at \(pathText(ctx.codingPath))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .badData(path, "not a valid \(T.self) JSON: wrong type at \(pathText(ctx.codingPath))")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw .badData(path, "not a valid \(T.self) JSON: null at \(pathText(ctx.codingPath))")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw .badData(path, "not valid JSON: \(ctx.debugDescription)")
        } catch {
            throw .badData(path, "not valid JSON: \(error)")
        }
    }

    private static func pathText(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
