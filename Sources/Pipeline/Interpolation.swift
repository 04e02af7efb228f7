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
        switch value {
        case .string(let s):
            let parts = tokens(s)
            if parts.count == 1, case .name(let n) = parts[0] {
                guard let v = variables[n] else { throw UnknownName(name: n, path: path) }
                return v
            }
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
            for (k, v) in members { out[k] = try apply(v, variables, path: path.isEmpty ? k : "\(path).\(k)") }
            return .object(out)
        default:
            return value
        }
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
