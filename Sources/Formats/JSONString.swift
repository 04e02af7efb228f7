/// JSON string literals, written one way everywhere.
public enum JSONString {
    /// serde_json's string escaping: short escapes where JSON has them, `\u00xx` for other controls,
    /// everything else (including non-ASCII and `/`) verbatim. Used for safetensors headers (byte-identical to
    /// the reference writer) and canonical JSON (cache keys).
    public static func quoted(_ s: String) -> String {
        // Fast path (almost every key and value): printable ASCII with nothing to escape.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) { return "\"" + s + "\"" }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
