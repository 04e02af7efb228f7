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
/// gives `null` anywhere else. `${table[key]:-name}` falls back to parameter `name` instead — e.g.
/// `"steps": "${task_steps[task]:-steps}"` gives one task a longer budget while every other task's parameters (and
/// cache key) stay exactly what `${steps}` gave them.
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
                if let l = lookup(n) { return [l.table, l.key] + (l.fallback.map { [$0] } ?? []) }
                return [n]
            })
        case .array(let items): return items.reduce(into: []) { $0.formUnion(names(in: $1)) }
        case .object(let members): return members.values.reduce(into: []) { $0.formUnion(names(in: $1)) }
        default: return []
        }
    }

    /// Substitutes every `${name}`; throws `UnknownName` with a path relative to `value`.
    public static func apply(_ value: JSONValue, _ variables: [String: JSONValue], path: String = "") throws -> JSONValue {
        try apply(compile(value), variables, path: path)
    }

    /// Parameters with their strings already split into text and `${name}` tokens: graph expansion compiles
    /// each template once and applies it per cell (tokenizing per cell was a tenth of a 100,000-cell dry run).
    public indirect enum Compiled: Sendable {
        case literal(JSONValue)
        case whole(String)          // exactly "${name}": the value keeps its type
        case lookup(String, key: String, fallback: String?)   // exactly "${table[key]}" or "${table[key]:-name}"
        case text([Token])
        case array([Compiled])
        case object([(String, Compiled)])
    }

    public static func compile(_ value: JSONValue) -> Compiled {
        switch value {
        case .string(let s):
            let parts = tokens(s)
            if parts.count == 1, case .name(let n) = parts[0] {
                if let l = lookup(n) { return .lookup(l.table, key: l.key, fallback: l.fallback) }
                return .whole(n)
            }
            if parts.allSatisfy({ if case .text = $0 { return true }; return false }) {
                return .literal(.string(parts.map { if case .text(let t) = $0 { return t }; return "" }.joined()))
            }
            return .text(parts)
        case .array(let items): return .array(items.map(compile))
        case .object(let members): return .object(members.map { ($0.key, compile($0.value)) })
        default: return .literal(value)
        }
    }

    public static func apply(_ value: Compiled, _ variables: [String: JSONValue], path: String = "") throws -> JSONValue {
        switch value {
        case .literal(let v): return v
        case .whole(let n):
            guard let v = variables[n] else { throw UnknownName(name: n, path: path) }
            return v
        case .lookup(let table, let key, let fallback):
            return try resolveLookup(table, key, fallback, variables, path: path) ?? .null
        case .text(let parts):
            var out = ""
            for part in parts {
                switch part {
                case .text(let t): out += t
                case .name(let n):
                    if let l = lookup(n) {
                        out += (try resolveLookup(l.table, l.key, l.fallback, variables, path: path) ?? .null).interpolationText
                    } else {
                        guard let v = variables[n] else { throw UnknownName(name: n, path: path) }
                        out += v.interpolationText
                    }
                }
            }
            return .string(out)
        case .array(let items):
            return .array(try items.enumerated().map { try apply($1, variables, path: "\(path)[\($0)]") })
        case .object(let members):
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(members.count)
            for (k, v) in members {
                let memberPath = path.isEmpty ? k : "\(path).\(k)"
                if case .lookup(let table, let key, let fallback) = v {
                    // The table has no entry for this key (and no fallback): leave the member out.
                    if let found = try resolveLookup(table, key, fallback, variables, path: memberPath) { out[k] = found }
                    continue
                }
                out[k] = try apply(v, variables, path: memberPath)
            }
            return .object(out)
        }
    }

    /// `table[key]`'s value; the fallback parameter's when the table has no such key; nil when there is neither.
    static func resolveLookup(_ table: String, _ key: String, _ fallback: String?, _ variables: [String: JSONValue], path: String) throws -> JSONValue? {
        guard let t = variables[table] else { throw UnknownName(name: table, path: path) }
        guard let k = variables[key] else { throw UnknownName(name: key, path: path) }
        guard case .object(let members) = t else {
            throw BadLookup(reference: "\(table)[\(key)]", message: "'\(table)' is \(t.typeName) \(t.canonical), not an object to look up '\(key)' in")
        }
        guard let keyText = k.stringValue else {
            throw BadLookup(reference: "\(table)[\(key)]", message: "'\(key)' is \(k.typeName) \(k.canonical); a lookup key must be a string")
        }
        if let found = members[keyText] { return found }
        guard let fallback else { return nil }
        guard let v = variables[fallback] else { throw UnknownName(name: fallback, path: path) }
        return v
    }

    /// `table[key]` or `table[key]:-name` → its parts; nil for a plain name.
    static func lookup(_ name: String) -> (table: String, key: String, fallback: String?)? {
        var reference = Substring(name)
        var fallback: String?
        if let sep = name.range(of: ":-") {
            let f = name[sep.upperBound...]
            guard !f.isEmpty else { return nil }
            fallback = String(f)
            reference = name[..<sep.lowerBound]
        }
        guard reference.hasSuffix("]"), let open = reference.firstIndex(of: "["), open != reference.startIndex else { return nil }
        let key = reference[reference.index(after: open)..<reference.index(before: reference.endIndex)]
        guard !key.isEmpty else { return nil }
        return (String(reference[..<open]), String(key), fallback)
    }

    public enum Token: Sendable { case text(String), name(String) }

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
