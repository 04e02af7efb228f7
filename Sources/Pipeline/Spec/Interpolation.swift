import Formats

/// `${name}` substitution in stage parameters.
///
/// A string that is exactly `"${name}"` becomes the parameter's value with its type (so `"steps": "${steps}"`
/// stays an integer); inside longer strings values are spliced as text. `$${` writes a literal `${`, and a bare
/// `$VAR` is left alone for the shell. Unknown names are errors, so typos never reach a running command.
public enum Interpolation {
    public struct UnknownName: Error, Sendable {
        public let name: String
        public let path: String
    }

    /// Names referenced anywhere in `value`.
    public static func names(in value: JSONValue) -> Set<String> {
        switch value {
        case .string(let s): return Set(tokens(s).compactMap { if case .name(let n) = $0 { return n }; return nil })
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
        case text([Token])
        case array([Compiled])
        case object([(String, Compiled)])
    }

    public static func compile(_ value: JSONValue) -> Compiled {
        switch value {
        case .string(let s):
            let parts = tokens(s)
            if parts.count == 1, case .name(let n) = parts[0] { return .whole(n) }
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
        case .text(let parts):
            var out = ""
            for part in parts {
                switch part {
                case .text(let t): out += t
                case .name(let n):
                    guard let v = variables[n] else { throw UnknownName(name: n, path: path) }
                    out += v.interpolationText
                }
            }
            return .string(out)
        case .array(let items):
            return .array(try items.enumerated().map { try apply($1, variables, path: "\(path)[\($0)]") })
        case .object(let members):
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(members.count)
            for (k, v) in members { out[k] = try apply(v, variables, path: path.isEmpty ? k : "\(path).\(k)") }
            return .object(out)
        }
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
