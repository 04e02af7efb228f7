import Foundation

/// Reading text files the way the real inputs need: UTF-8 (with a latin-1 fallback only when asked,
/// for the ABC/Lee news files), BOM dropped, CRLF or LF line ends, 1-based line numbers for errors.
public enum TextFile {
    public enum Encoding: Sendable { case utf8, latin1, utf8OrLatin1 }

    public static func read(_ url: URL, encoding: Encoding = .utf8) throws -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataError(file: url.path, "cannot read file")
        }
        return try decode(data, file: url.path, encoding: encoding)
    }

    public static func decode(_ data: Foundation.Data, file: String, encoding: Encoding) throws -> String {
        var d = data
        if d.starts(with: [0xEF, 0xBB, 0xBF]) { d = d.dropFirst(3) }
        switch encoding {
        case .latin1:
            // Every byte is a latin-1 character: decode directly (scalar value = byte value).
            return String(String.UnicodeScalarView(d.map { Unicode.Scalar($0) }))
        case .utf8, .utf8OrLatin1:
            if let s = String(data: d, encoding: .utf8) { return s }
            if encoding == .utf8OrLatin1 { return try decode(d, file: file, encoding: .latin1) }
            // Find the first bad line so the user can look at it.
            var line = 1
            var start = d.startIndex
            for i in d.indices where d[i] == 0x0A {
                if String(data: d[start..<i], encoding: .utf8) == nil { break }
                line += 1
                start = d.index(after: i)
            }
            throw DataError(file: file, line: line, "not valid UTF-8")
        }
    }

    /// Lines without their terminators ("\n" or "\r\n"); a final empty line after the last newline is dropped.
    public static func lines(_ text: String) -> [Substring] {
        // "\r\n" is one Character in Swift, so split on both rather than on "\n" alone.
        var out = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if out.last == "" { out.removeLast() }
        return out
    }
}
