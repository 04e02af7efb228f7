import Foundation
import Formats

/// A validator for the subset of JSON Schema (2020-12) that hmpipe's own schemas use:
/// `type` (string or list), `properties`, `required`, `additionalProperties` (bool or schema),
/// `propertyNames.pattern`, `items`, `minItems`, `minProperties`, `enum`, `const`, `minimum`, `pattern`,
/// `anyOf`, `oneOf` (treated as anyOf), `$ref` to `#/$defs/…`, and `description` (ignored).
///
/// Written by hand because the project has no Python and no Swift JSON Schema package is vendored; keeping to
/// this subset keeps it small. Unknown schema keywords are a programming error and trap in `init`.
public struct JSONSchema: Sendable {
    public let root: JSONValue

    static let supported: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
        "additionalProperties", "propertyNames", "items", "minItems", "minProperties", "enum", "const",
        "minimum", "pattern", "anyOf", "oneOf", "default", "examples",
    ]

    public init(_ root: JSONValue) {
        self.root = root
        JSONSchema.checkKeywords(root)
    }

    private static func checkKeywords(_ schema: JSONValue) {
        guard let object = schema.objectValue else { return }
        for key in object.keys { precondition(supported.contains(key), "JSONSchema: unsupported keyword \(key)") }
        for (key, value) in object {
            switch key {
            case "properties", "$defs": value.objectValue?.values.forEach(checkKeywords)
            case "items", "additionalProperties", "propertyNames": checkKeywords(value)
            case "anyOf", "oneOf": value.arrayValue?.forEach(checkKeywords)
            default: break
            }
        }
    }

    /// One violation: JSON path, what was expected, and a suggested key for unknown properties.
    public struct Violation: Sendable, Equatable {
        public let path: String
        public let message: String
        public let suggestion: String?
    }

    public func validate(_ value: JSONValue) -> [Violation] {
        var out: [Violation] = []
        check(value, against: root, path: "$", into: &out)
        return out
    }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        guard let ref = schema["$ref"]?.stringValue else { return schema }
        let prefix = "#/$defs/"
        precondition(ref.hasPrefix(prefix), "JSONSchema: only #/$defs/ refs are supported")
        guard let target = root["$defs"]?[String(ref.dropFirst(prefix.count))] else {
            preconditionFailure("JSONSchema: dangling $ref \(ref)")
        }
        return resolve(target)
    }

    private func check(_ value: JSONValue, against rawSchema: JSONValue, path: String, into out: inout [Violation]) {
        let schema = resolve(rawSchema)
        if case .bool(let allowed) = schema {
            if !allowed { out.append(Violation(path: path, message: "no value allowed here", suggestion: nil)) }
            return
        }
        if let alternatives = (schema["anyOf"] ?? schema["oneOf"])?.arrayValue {
            var best: [Violation]? = nil
            for alternative in alternatives {
                var trial: [Violation] = []
                check(value, against: alternative, path: path, into: &trial)
                if trial.isEmpty { best = []; break }
                if best == nil || trial.count < best!.count { best = trial }
            }
            if let best, !best.isEmpty {
                // Report the closest alternative's problems only if its type matched; otherwise list the types.
                let types = alternatives.compactMap { describeType(resolve($0)) }
                if best.allSatisfy({ $0.path == path }) && !types.isEmpty {
                    out.append(Violation(path: path, message: "expected \(types.joined(separator: " or ")), got \(describe(value))", suggestion: nil))
                } else {
                    out += best
                }
            }
        }
        if let type = schema["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            if !allowed.contains(where: { matches(value, type: $0) }) {
                out.append(Violation(path: path, message: "expected \(allowed.joined(separator: " or ")), got \(describe(value))", suggestion: nil))
                return
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            let names = options.map(\.canonical)
            out.append(Violation(path: path, message: "expected one of \(names.joined(separator: ", ")), got \(value.canonical)",
                                 suggestion: value.stringValue.flatMap { Suggest.nearest($0, in: options.compactMap(\.stringValue)) }))
        }
        if let constant = schema["const"], constant != value {
            out.append(Violation(path: path, message: "expected \(constant.canonical), got \(value.canonical)", suggestion: nil))
        }
        if let minimum = schema["minimum"]?.doubleValue, let number = value.doubleValue, number < minimum {
            out.append(Violation(path: path, message: "expected a number ≥ \(minimum.formatted()), got \(value.canonical)", suggestion: nil))
        }
        if let pattern = schema["pattern"]?.stringValue, let string = value.stringValue,
           string.range(of: pattern, options: .regularExpression) == nil {
            out.append(Violation(path: path, message: "expected a string matching /\(pattern)/, got \(value.canonical)", suggestion: nil))
        }
        if case .array(let items) = value {
            if let minItems = schema["minItems"]?.intValue, items.count < minItems {
                out.append(Violation(path: path, message: "expected at least \(minItems) item(s), got \(items.count)", suggestion: nil))
            }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() { check(item, against: itemSchema, path: "\(path)[\(i)]", into: &out) }
            }
        }
        if case .object(let members) = value {
            let properties = schema["properties"]?.objectValue ?? [:]
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                out.append(Violation(path: path, message: "missing required key '\(name)'", suggestion: nil))
            }
            if let minProperties = schema["minProperties"]?.intValue, members.count < minProperties {
                out.append(Violation(path: path, message: "expected at least \(minProperties) key(s), got \(members.count)", suggestion: nil))
            }
            for name in members.keys.sorted() {
                let childPath = JSONSchema.append(path, key: name)
                if let pattern = schema["propertyNames"]?["pattern"]?.stringValue,
                   name.range(of: pattern, options: .regularExpression) == nil {
                    out.append(Violation(path: childPath, message: "key '\(name)' must match /\(pattern)/", suggestion: nil))
                }
                if let propertySchema = properties[name] {
                    check(members[name]!, against: propertySchema, path: childPath, into: &out)
                } else if let extra = schema["additionalProperties"] {
                    if case .bool(false) = extra {
                        let known = properties.keys.sorted()
                        out.append(Violation(path: childPath,
                                             message: "unknown key '\(name)' (expected one of: \(known.joined(separator: ", ")))",
                                             suggestion: Suggest.nearest(name, in: known)))
                    } else {
                        check(members[name]!, against: extra, path: childPath, into: &out)
                    }
                }
            }
        }
    }

    /// `$.a.b` for identifier-like keys, `$["odd key"]` otherwise.
    public static func append(_ path: String, key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-"
        }
        return plain ? "\(path).\(key)" : "\(path)[\(JSONValue.string(key).canonical)]"
    }

    private func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .int), ("string", .string),
             ("array", .array), ("object", .object), ("number", .int), ("number", .double): return true
        default: return false
        }
    }

    private func describeType(_ schema: JSONValue) -> String? {
        if let type = schema["type"] { return type.stringValue ?? type.arrayValue?.compactMap(\.stringValue).joined(separator: " or ") }
        return nil
    }

    private func describe(_ value: JSONValue) -> String {
        switch value {
        case .object, .array: return value.typeName
        default: return "\(value.typeName) \(value.canonical)"
        }
    }
}
