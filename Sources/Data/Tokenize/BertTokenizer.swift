import Foundation

/// How to shorten a pair (or a single text) that does not fit `maxLength` (special tokens included),
/// with the semantics of HF's `truncation=` strategies.
public enum TruncationStrategy: String, Sendable, Codable {
    /// Remove one token at a time from the longer sequence (from the second when equal).
    case longestFirst = "longest_first"
    case onlyFirst = "only_first"
    /// Span QA: never cut the question, only the context.
    case onlySecond = "only_second"
}

/// Token ids plus what a model and span-QA need: token types (0 = first segment incl. [CLS] and its
/// [SEP], 1 = second segment), which segment each token came from (-1 for specials), and per-token
/// [start, end) offsets in Unicode scalars of the segment's original text ((0,0) for specials).
public struct Encoding: Sendable, Equatable {
    public var ids: [Int32]
    public var typeIDs: [Int32]
    public var sequenceIDs: [Int8]
    public var offsets: [Offset]

    public struct Offset: Sendable, Hashable, Codable {
        public var start: Int
        public var end: Int
        public init(_ start: Int, _ end: Int) { self.start = start; self.end = end }
    }

    public var count: Int { ids.count }
}

/// The BERT uncased tokenizer (MiniLM's): `BertNormalizer` + `WordPiece` + `[CLS] a [SEP] b [SEP]`.
/// Literal special-token strings in the input (e.g. "[SEP]") are kept whole, as the reference does
/// for its added tokens.
public struct BertTokenizer: Sendable {
    public let vocabulary: Vocabulary
    public let normalizer: BertNormalizer
    public let wordPiece: WordPiece
    public let clsID: Int32, sepID: Int32, padID: Int32, unkID: Int32
    public let maskID: Int32?
    private let specials: [(scalars: [Unicode.Scalar], id: Int32)]

    public init(vocabulary: Vocabulary, lowercase: Bool = true) throws {
        func need(_ t: String) throws -> Int32 {
            guard let id = vocabulary.id(t) else {
                throw DataError(file: "vocabulary", field: t, "special token missing from vocabulary")
            }
            return id
        }
        self.vocabulary = vocabulary
        self.normalizer = BertNormalizer(lowercase: lowercase)
        self.wordPiece = try WordPiece(vocabulary: vocabulary)
        clsID = try need("[CLS]"); sepID = try need("[SEP]"); padID = try need("[PAD]"); unkID = try need("[UNK]")
        maskID = vocabulary.id("[MASK]")
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { t in
            vocabulary.id(t).map { (Array(t.unicodeScalars), $0) }
        }
    }

    public init(vocabularyFile: URL, lowercase: Bool = true) throws {
        try self.init(vocabulary: try Vocabulary(contentsOf: vocabularyFile), lowercase: lowercase)
    }

    /// WordPiece ids of one text, no special tokens, with offsets into `text` (Unicode scalars).
    public func tokenize(_ text: String) -> (ids: [Int32], offsets: [Encoding.Offset]) {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int32] = []
        var raw: [(Int, Int)] = []
        ids.reserveCapacity(scalars.count / 3)
        var segmentStart = 0
        var i = 0
        // Cut the text at literal special tokens; only scan when a '[' is present.
        while i < scalars.count {
            if scalars[i] == "[", let (len, id) = specialAt(scalars, i) {
                for w in normalizer.words(scalars[segmentStart..<i], base: segmentStart) {
                    wordPiece.pieces(of: w, into: &ids, offsets: &raw)
                }
                ids.append(id); raw.append((i, i + len))
                i += len
                segmentStart = i
                continue
            }
            i += 1
        }
        for w in normalizer.words(scalars[segmentStart..<scalars.count], base: segmentStart) {
            wordPiece.pieces(of: w, into: &ids, offsets: &raw)
        }
        return (ids, raw.map { Encoding.Offset($0.0, $0.1) })
    }

    private func specialAt(_ s: [Unicode.Scalar], _ i: Int) -> (Int, Int32)? {
        for sp in specials where i + sp.scalars.count <= s.count {
            if s[i..<(i + sp.scalars.count)].elementsEqual(sp.scalars) { return (sp.scalars.count, sp.id) }
        }
        return nil
    }

    public struct TruncationError: Error, CustomStringConvertible {
        public var description: String
    }

    /// `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, truncated to `maxLength` tokens (specials included).
    public func encode(_ a: String, _ b: String? = nil, maxLength: Int? = nil,
                       truncation: TruncationStrategy = .longestFirst) throws -> Encoding {
        var first = tokenize(a)
        var second = b.map { tokenize($0) }
        if let maxLength {
            let specials = second == nil ? 2 : 3
            var excess = first.ids.count + (second?.ids.count ?? 0) + specials - maxLength
            if excess > 0 {
                switch truncation {
                case .longestFirst:
                    // HF (transformers) removes one token at a time from the longer side, ties from the second.
                    var n1 = first.ids.count, n2 = second?.ids.count ?? 0
                    while excess > 0 {
                        if n1 > n2 { n1 -= 1 } else if n2 > 0 { n2 -= 1 } else { break }
                        excess -= 1
                    }
                    if excess > 0 { throw TruncationError(description: "maxLength \(maxLength) is below the special tokens' count") }
                    first = (Array(first.ids.prefix(n1)), Array(first.offsets.prefix(n1)))
                    if let s = second { second = (Array(s.ids.prefix(n2)), Array(s.offsets.prefix(n2))) }
                case .onlyFirst:
                    guard excess <= first.ids.count else {
                        throw TruncationError(description: "only_first: the second sequence alone exceeds maxLength \(maxLength)")
                    }
                    first = (Array(first.ids.dropLast(excess)), Array(first.offsets.dropLast(excess)))
                case .onlySecond:
                    guard let s = second, excess <= s.ids.count else {
                        throw TruncationError(description: "only_second: the first sequence alone exceeds maxLength \(maxLength)")
                    }
                    second = (Array(s.ids.dropLast(excess)), Array(s.offsets.dropLast(excess)))
                }
            }
        }
        var e = Encoding(ids: [clsID], typeIDs: [0], sequenceIDs: [-1], offsets: [Encoding.Offset(0, 0)])
        e.ids += first.ids; e.typeIDs += Array(repeating: 0, count: first.ids.count)
        e.sequenceIDs += Array(repeating: 0, count: first.ids.count); e.offsets += first.offsets
        e.ids.append(sepID); e.typeIDs.append(0); e.sequenceIDs.append(-1); e.offsets.append(Encoding.Offset(0, 0))
        if let s = second {
            e.ids += s.ids; e.typeIDs += Array(repeating: 1, count: s.ids.count)
            e.sequenceIDs += Array(repeating: 1, count: s.ids.count); e.offsets += s.offsets
            e.ids.append(sepID); e.typeIDs.append(1); e.sequenceIDs.append(-1); e.offsets.append(Encoding.Offset(0, 0))
        }
        return e
    }

    /// Token indices [start, end] (inclusive) of the tokens of segment `sequence` covering the character
    /// span [charStart, charEnd) — how span-QA labels are made; nil when the span was truncated away.
    public static func tokenSpan(_ e: Encoding, sequence: Int8, charStart: Int, charEnd: Int) -> (Int, Int)? {
        var s: Int? = nil, t: Int? = nil
        for i in 0..<e.count where e.sequenceIDs[i] == sequence {
            let o = e.offsets[i]
            if o.end > charStart && o.start < charEnd {
                if s == nil { s = i }
                t = i
            }
        }
        if let s, let t { return (s, t) }
        return nil
    }
}
