import Foundation
import Formats

/// Reading a spec file: bytes → JSON → schema check, with every failure phrased as a `SpecError`.
enum SpecFile {
    static func load(_ url: URL, schema: JSONSchema) throws -> JSONValue {
        let file = url.path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SpecErrors([SpecError(file: file, path: "$", "cannot read file")])
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(data)
        } catch {
            throw SpecErrors([SpecError(file: file, path: "$", "invalid JSON: \(describeParseError(error))")])
        }
        let violations = schema.validate(value)
        if !violations.isEmpty {
            throw SpecErrors(violations.map { SpecError(file: file, path: $0.path, $0.message, suggestion: $0.suggestion) })
        }
        return value
    }

    /// Foundation hides the useful part ("Unexpected character … around line 3, column 5") in the debug description.
    private static func describeParseError(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }
}
