import Foundation
import Formats

/// Typed stage parameters: a stage's canonical JSON parameters decoded into a Codable struct
/// (snake_case keys in spec files), with errors that name the offending key.
enum StageParameters {
    static func decode<T: Decodable>(_ type: T.Type, from json: JSONValue) throws -> T {
        let data = try JSONEncoder().encode(json)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw StageParameterError(path: path(ctx.codingPath + [key]), "required parameter is missing")
        } catch let DecodingError.typeMismatch(t, ctx) {
            throw StageParameterError(path: path(ctx.codingPath), "expected \(t)")
        } catch let DecodingError.valueNotFound(t, ctx) {
            throw StageParameterError(path: path(ctx.codingPath), "expected \(t), found null")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw StageParameterError(path: path(ctx.codingPath), ctx.debugDescription)
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { k in k.intValue.map { "[\($0)]" } ?? snake(k.stringValue) }.joined(separator: ".")
    }

    private static func snake(_ s: String) -> String {
        s.reduce(into: "") { out, c in
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
    }

    static func input(_ context: StageContext, _ name: String) throws -> URL {
        guard let url = context.inputs[name] else { throw StageFailure("missing input '\(name)'") }
        return url
    }
}
