/// Greedy longest-match-first WordPiece over one normalized word, as BERT: the first piece is looked up
/// as is, later ones with the `##` prefix; if any position has no match, the *whole* word becomes `[UNK]`.
/// Words longer than `maxInputCharsPerWord` scalars are `[UNK]` without trying.
public struct WordPiece: Sendable {
    public let vocabulary: Vocabulary
    public let unkID: Int32
    public var maxInputCharsPerWord: Int

    public init(vocabulary: Vocabulary, unknownToken: String = "[UNK]", maxInputCharsPerWord: Int = 100) throws {
        guard let unk = vocabulary.id(unknownToken) else {
            throw DataError(file: "vocabulary", field: unknownToken, "unknown token missing from vocabulary")
        }
        self.vocabulary = vocabulary
        self.unkID = unk
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    /// Appends (id, original start, original end) for each piece of `word`.
    public func pieces(of word: BertNormalizer.Word, into ids: inout [Int32], offsets: inout [(Int, Int)]) {
        let n = word.scalarStarts.count
        if n > maxInputCharsPerWord {
            ids.append(unkID); offsets.append((word.start, word.end)); return
        }
        let mark = ids.count
        let total = word.utf8.count
        let ok: Bool = word.utf8.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            var start = 0
            while start < n {
                var end = n
                var found: Int32? = nil
                let b0 = Int(word.scalarStarts[start])
                while start < end {
                    let b1 = end == n ? total : Int(word.scalarStarts[end])
                    if let id = vocabulary.lookup(base + b0, b1 - b0, continuation: start > 0) { found = id; break }
                    end -= 1
                }
                guard let id = found else { return false }
                ids.append(id)
                offsets.append((Int(word.origin[start]), Int(word.origin[end - 1]) + 1))
                start = end
            }
            return true
        }
        if !ok {
            ids.removeSubrange(mark...); offsets.removeSubrange(mark...)
            ids.append(unkID); offsets.append((word.start, word.end))
        }
    }
}
