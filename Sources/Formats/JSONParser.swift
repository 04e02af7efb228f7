import Foundation

/// Where and why JSON text is invalid: line and column (1-based, in bytes), the JSON path of the value being
/// read (`$.grid.axes.seed[2]`), and a message in JSON's own terms.
public struct JSONParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public let line: Int
    public let column: Int
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message) (line \(line), column \(column))" }
}

/// A strict RFC 8259 parser into `JSONValue`, written for the messages spec authors need: invalid UTF-8 is
/// named by byte position, duplicate object keys and integers outside 64 bits are errors at their JSON path
/// (Foundation's parser keeps the last duplicate silently and calls a 20-digit integer "not valid JSON").
/// A number without fraction or exponent, or with one but an exact 64-bit integer value (`2.0`), is `.int`.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var path: [PathPart] = []

    private enum PathPart { case key(String), index(Int) }

    static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self))
            return try parser.document()
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func document() throws -> JSONValue {
        if let bad = JSONParser.firstInvalidUTF8(bytes) {
            i = bad
            throw error("the file is not UTF-8 text: invalid byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) at byte offset \(bad)")
        }
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        skipSpace()
        let value = try self.value(depth: 0)
        skipSpace()
        guard i == bytes.count else { throw error("unexpected \(describeHere()) after the end of the document") }
        return value
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw error("nested more than 512 levels deep") }
        guard i < bytes.count else { throw error("unexpected end of file: expected a value") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected \(describeHere()): expected a value (object, array, string, number, true, false or null)")
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        i += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("unexpected \(describeHere()): expected a quoted key") }
            let keyStart = i
            let key = try string()
            path.append(.key(key))
            if members[key] != nil {
                i = keyStart
                throw error("duplicate key '\(key)' in one object (JSON readers disagree on which one wins)")
            }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("unexpected \(describeHere()): expected ':' after the key") }
            i += 1
            skipSpace()
            members[key] = try value(depth: depth + 1)
            path.removeLast()
            skipSpace()
            guard i < bytes.count else { throw error("unexpected end of file: expected ',' or '}'") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw error("unexpected \(describeHere()): expected ',' or '}'")
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            path.append(.index(items.count))
            items.append(try value(depth: depth + 1))
            path.removeLast()
            skipSpace()
            guard i < bytes.count else { throw error("unexpected end of file: expected ',' or ']'") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw error("unexpected \(describeHere()): expected ',' or ']'")
        }
    }

    private mutating func string() throws -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
        if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        }
        var out = Array(bytes[start..<i])
        while true {
            guard i < bytes.count else { throw error("unexpected end of file inside a string") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c < 0x20 { throw error("control character 0x\(String(c, radix: 16)) inside a string (write it as an escape such as \\n)") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw error("unexpected end of file inside a string") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(e)
            case UInt8(ascii: "\\"): out.append(e)
            case UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair in a \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("\\u escape is a lone surrogate") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                i -= 1
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))' in a string")
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("unexpected end of file in a \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw error("\\u escape needs four hex digits")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    private mutating func number() throws -> JSONValue {
        let start = i
        func digits() -> Int { let s = i; while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }; return i - s }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        guard digits() > 0 else { throw error("a number needs digits after '-'") }
        if bytes[intStart] == UInt8(ascii: "0"), i - intStart > 1 { i = intStart; throw error("a number cannot start with 0 (leading zeros are not JSON)") }
        var integral = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1; integral = false
            guard digits() > 0 else { throw error("a number needs digits after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1; integral = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw error("a number needs digits in its exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        if integral {
            guard let v = Int64(text) else {
                i = start
                throw error("integer \(text) is outside the 64-bit range (−9223372036854775808 … 9223372036854775807)")
            }
            return .int(v)
        }
        guard let d = Double(text), d.isFinite else { i = start; throw error("number \(text) is outside the range of a double") }
        if d == d.rounded(), abs(d) < 9.2e18 { return .int(Int64(d)) }
        return .double(d)
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        let ok = i + w.count <= bytes.count && (0..<w.count).allSatisfy { bytes[i + $0] == w[$0] }
        guard ok else { throw error("unexpected \(describeHere()): expected a value (did you mean \(word)?)") }
        i += w.count
    }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
    }

    private func describeHere() -> String {
        guard i < bytes.count else { return "end of file" }
        let c = bytes[i]
        return c >= 0x20 && c < 0x7F ? "character '\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16, uppercase: true))"
    }

    private func error(_ message: String) -> JSONParseError {
        var line = 1, lineStart = 0
        for k in 0..<min(i, bytes.count) where bytes[k] == 0x0A { line += 1; lineStart = k + 1 }
        var text = "$"
        for part in path {
            switch part {
            case .key(let k): text = JSONPath.append(text, key: k)
            case .index(let n): text += "[\(n)]"
            }
        }
        return JSONParseError(line: line, column: i - lineStart + 1, path: text, message: message)
    }

    /// Offset of the first byte that is not part of well-formed UTF-8, or nil.
    static func firstInvalidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var k = 0
        while k < b.count {
            let c = b[k]
            if c < 0x80 { k += 1; continue }
            let n: Int, low: UInt8, high: UInt8
            switch c {
            case 0xC2...0xDF: n = 1; low = 0x80; high = 0xBF
            case 0xE0: n = 2; low = 0xA0; high = 0xBF
            case 0xE1...0xEC, 0xEE...0xEF: n = 2; low = 0x80; high = 0xBF
            case 0xED: n = 2; low = 0x80; high = 0x9F
            case 0xF0: n = 3; low = 0x90; high = 0xBF
            case 0xF1...0xF3: n = 3; low = 0x80; high = 0xBF
            case 0xF4: n = 3; low = 0x80; high = 0x8F
            default: return k
            }
            guard k + n < b.count, (low...high).contains(b[k + 1]) else { return k }
            for j in stride(from: 2, through: n, by: 1) where !(0x80...0xBF).contains(b[k + j]) { return k }
            k += n + 1
        }
        return nil
    }
}

/// JSON path text shared by the parser and the schema validator: `$.name` for identifier keys, `$["a b"]` otherwise.
public enum JSONPath {
    public static func append(_ path: String, key: String) -> String {
        let simple = !key.isEmpty && key.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }
        return simple ? "\(path).\(key)" : "\(path)[\(JSONString.quoted(key))]"
    }
}
