import Foundation

/// BERT's "basic tokenizer" for the uncased models, as the reference (`tokenizers`' BertNormalizer +
/// BertPreTokenizer, same output as `transformers.BertTokenizer`): drop NUL/U+FFFD/control chars, map
/// whitespace to space, put spaces around CJK ideographs, strip accents (NFD, drop Mn), lowercase, then split
/// on whitespace and isolate every punctuation char. Each output scalar remembers the index of the original
/// scalar it came from, so tokens map back to character offsets in the user's text (span QA needs that).
public struct BertNormalizer: Sendable {
    public var lowercase: Bool
    public var stripAccents: Bool
    public var handleChineseChars: Bool

    public init(lowercase: Bool = true, stripAccents: Bool? = nil, handleChineseChars: Bool = true) {
        self.lowercase = lowercase
        // HF: strip_accents=None means "follow lowercase".
        self.stripAccents = stripAccents ?? lowercase
        self.handleChineseChars = handleChineseChars
    }

    /// A pre-token: UTF-8 bytes of the normalized word, the scalar-start byte positions within it, and the
    /// original scalar index of each normalized scalar.
    public struct Word: Sendable {
        public var utf8: [UInt8]
        public var scalarStarts: [Int32]
        public var origin: [Int32]
        /// Original scalar range covered, [start, end).
        public var start: Int { Int(origin.first ?? 0) }
        public var end: Int { Int((origin.last ?? -1) + 1) }
    }

    /// Splits `scalars` (original indices offset by `base`) into normalized words.
    public func words(_ scalars: ArraySlice<Unicode.Scalar>, base: Int) -> [Word] {
        var out: [Word] = []
        var cur = Word(utf8: [], scalarStarts: [], origin: [])
        func flush() {
            if !cur.origin.isEmpty { out.append(cur); cur = Word(utf8: [], scalarStarts: [], origin: []) }
        }
        func push(_ s: Unicode.Scalar, _ o: Int32) {
            // Whitespace splits; punctuation is a word of its own; everything else extends the word.
            if s.properties.isWhitespace { flush(); return }
            if BertNormalizer.isPunctuation(s) {
                flush()
                cur.scalarStarts.append(0); cur.utf8 += Array(String(s).utf8); cur.origin.append(o)
                flush()
                return
            }
            cur.scalarStarts.append(Int32(cur.utf8.count))
            if s.value < 0x80 { cur.utf8.append(UInt8(s.value)) } else { cur.utf8 += Array(String(s).utf8) }
            cur.origin.append(o)
        }
        var pos = base
        for s in scalars {
            let o = Int32(pos)
            pos += 1
            let v = s.value
            if v < 0x80 {   // ASCII fast path: the common case in English text
                if v == 0 { continue }
                if v == 9 || v == 10 || v == 13 || v == 32 { flush(); continue }
                if v < 32 || v == 127 { continue }
                if BertNormalizer.isPunctuation(s) { push(s, o); continue }
                let c = (lowercase && v >= 65 && v <= 90) ? Unicode.Scalar(v + 32)! : s
                cur.scalarStarts.append(Int32(cur.utf8.count)); cur.utf8.append(UInt8(c.value)); cur.origin.append(o)
                continue
            }
            if v == 0xFFFD || BertNormalizer.isControl(s) { continue }
            if BertNormalizer.isWhitespace(s) { flush(); continue }
            let isolate = handleChineseChars && BertNormalizer.isCJK(v)
            var pieces: [Unicode.Scalar] = [s]
            if stripAccents {
                pieces = String(s).decomposedStringWithCanonicalMapping.unicodeScalars
                    .filter { $0.properties.generalCategory != .nonspacingMark }
            }
            if lowercase {
                pieces = pieces.flatMap { Array($0.properties.lowercaseMapping.unicodeScalars) }
            }
            if isolate { flush() }
            for p in pieces { push(p, o) }
            if isolate { flush() }
        }
        flush()
        return out
    }

    /// BERT: \t \n \r and Unicode category Zs are whitespace (mapped to a space when cleaning).
    @inline(__always)
    public static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        if s == " " || s == "\t" || s == "\n" || s == "\r" { return true }
        return s.properties.isWhitespace || s.properties.generalCategory == .spaceSeparator
    }

    /// BERT: categories C* except \t \n \r are control characters and are removed.
    @inline(__always)
    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// BERT: all non-letter/number ASCII printable chars (so `$`, `^`, `` ` `` count) plus Unicode P*.
    @inline(__always)
    public static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        if v < 0x80 { return false }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// The CJK Unified Ideograph blocks BERT spaces out (not Hangul or Kana — those stay words).
    @inline(__always)
    public static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v)
            || (0x2B820...0x2CEAF).contains(v) || (0xF900...0xFAFF).contains(v)
            || (0x2F800...0x2FA1F).contains(v)
    }
}
