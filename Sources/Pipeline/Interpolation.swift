import Formats

/// `${name}` substitution in stage parameters.
///
/// A string that is exactly `"${name}"` becomes the parameter's value with its type (so `"steps": "${steps}"`
/// stays an integer); inside longer strings values are spliced as text. `$${` writes a literal `${`, and a bare
/// `$VAR` is left alone for the shell. Unknown names are errors, so typos never reach a running command.
///
/// `${table[key]}` looks up an object parameter by another parameter's (string) value — e.g.
/// `"files": "${task_files[task]}"` gives each task's prepare stage its own entry of a profile's per-task file
/// table, so only that entry enters the stage's cache key. A key the table lacks removes the member whose whole
/// value the lookup is (so tasks without an entry keep the parameters, and cache keys, they had before), and
/// gives `null` anywhere else.
public enum Interpolation {
    public struct UnknownName: Error, Sendable {
        public let name: String
        public let path: String
    }

    /// `${table[key]}` applied to a table that is not an object, or a key that is not a string.
    public struct BadLookup: Error, Sendable {
        public let reference: String
        public let message: String
    }

    /// Names referenced anywhere in `value` (both names of a `${table[key]}` lookup).
    public static func names(in value: JSONValue) -> Set<String> {
        switch value {
        case .string(let s):
            return Set(tokens(s).flatMap { token -> [String] in
                guard case .name(let n) = token else { return [] }
                if let (table, key) = lookup(n) { return [table, key] }
                return [n]
            })
        case .array(let items): return items.reduce(into: []) { $0.formUnion(names(in: $1)) }
        case .object(let members): return members.values.reduce(into: []) { $0.formUnion(names(in: $1)) }
        default: return []
        }
    }

    /// Substitutes every `${name}`; throws `UnknownName` with a path relative to `value`.
    public static func apply(_ value: JSONValue, _ variables: [String: JSONValue], path: String = "") throws -> JSONValue {
        switch value {
        case .string(let s):
            let parts = tokens(s)
            if parts.count == 1, case .name(let n) = parts[0] {
                return try resolve(n, variables, path: path)
            }
            var out = ""
            for part in parts {
                switch part {
                case .text(let t): out += t
                case .name(let n): out += try resolve(n, variables, path: path).interpolationText
                }
            }
            return .string(out)
        case .array(let items):
            return .array(try items.enumerated().map { try apply($1, variables, path: "\(path)[\($0)]") })
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (k, v) in members {
                let memberPath = path.isEmpty ? k : "\(path).\(k)"
                if case .string(let s) = v, case let parts = tokens(s), parts.count == 1, case .name(let n) = parts[0],
                   let (table, key) = lookup(n), try resolveLookup(table, key, n, variables, path: memberPath) == nil {
                    continue   // the table has no entry for this key: leave the member out
                }
                out[k] = try apply(v, variables, path: memberPath)
            }
            return .object(out)
        default:
            return value
        }
    }

    /// The value of `name`, or of the lookup `table[key]`.
    static func resolve(_ name: String, _ variables: [String: JSONValue], path: String) throws -> JSONValue {
        guard let (table, key) = lookup(name) else {
            guard let v = variables[name] else { throw UnknownName(name: name, path: path) }
            return v
        }
        return try resolveLookup(table, key, name, variables, path: path) ?? .null
    }

    /// `table[key]`'s value; nil when the table has no such key.
    static func resolveLookup(_ table: String, _ key: String, _ reference: String, _ variables: [String: JSONValue],
                              path: String) throws -> JSONValue? {
        guard let t = variables[table] else { throw UnknownName(name: table, path: path) }
        guard let k = variables[key] else { throw UnknownName(name: key, path: path) }
        guard case .object(let members) = t else {
            throw BadLookup(reference: reference, message: "'\(table)' is \(t.typeName) \(t.canonical), not an object to look up '\(key)' in")
        }
        guard let keyText = k.stringValue else {
            throw BadLookup(reference: reference, message: "'\(key)' is \(k.typeName) \(k.canonical); a lookup key must be a string")
        }
        return members[keyText]
    }

    /// `table[key]` → (table, key); nil for a plain name.
    static func lookup(_ name: String) -> (String, String)? {
        guard name.hasSuffix("]"), let open = name.firstIndex(of: "["), open != name.startIndex else { return nil }
        let key = name[name.index(after: open)..<name.index(before: name.endIndex)]
        guard !key.isEmpty else { return nil }
        return (String(name[..<open]), String(key))
    }

    enum Token { case text(String), name(String) }

    static func tokens(_ s: String) -> [Token] {
        var result: [Token] = []
        var text = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i...].hasPrefix("$${") {
                text += "${"
                i = s.index(i, offsetBy: 3)
            } else if s[i...].hasPrefix("${"), let close = s[i...].firstIndex(of: "}") {
                if !text.isEmpty { result.append(.text(text)); text = "" }
                result.append(.name(String(s[s.index(i, offsetBy: 2)..<close])))
                i = s.index(after: close)
            } else {
                text.append(s[i])
                i = s.index(after: i)
            }
        }
        if !text.isEmpty || result.isEmpty { result.append(.text(text)) }
        return result
    }
}
