import Foundation
import Formats

/// Reading a spec file: bytes → JSON → schema check, with every failure phrased as a `SpecError`.
enum SpecFile {
    static func load(_ url: URL, schema: JSONSchema) throws -> JSONValue {
        let file = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw SpecErrors([SpecError(file: file, path: "$", "no such file")])
        }
        guard !isDirectory.boolValue else { throw SpecErrors([SpecError(file: file, path: "$", "is a directory, not a spec file")]) }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SpecErrors([SpecError(file: file, path: "$", "cannot read the file (\(String(cString: strerror(access(file, R_OK) == 0 ? EIO : errno))))")])
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(data)
        } catch let e as JSONParseError {
            throw SpecErrors([SpecError(file: file, path: e.path, "invalid JSON: \(e.message) (line \(e.line), column \(e.column))")])
        }
        let violations = schema.validate(value)
        if !violations.isEmpty {
            throw SpecErrors(violations.map { SpecError(file: file, path: $0.path, $0.message, suggestion: $0.suggestion) })
        }
        return value
    }
}
