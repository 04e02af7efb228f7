import Foundation

/// WordPiece ids back to text: a `##` piece glues to the token before it, other tokens are joined by one
/// space. The text comes out lower-cased and accent-stripped like the tokenizer's normalised input — which
/// is what ROUGE and SQuAD's answer normalisation compare anyway.
public struct WordPieceDecoder: Sendable {
    public let vocabulary: Vocabulary
    /// Ids left out of the text: the special tokens when `skipSpecialTokens` (HF's `skip_special_tokens`).
    public let skipped: Set<Int32>
    /// Re-attach punctuation and English clitics ("a , b ." → "a, b.") as HF's
    /// `clean_up_tokenization_spaces` does, so generated summaries read like text.
    public let cleanUpSpaces: Bool

    public init(vocabulary: Vocabulary, skipSpecialTokens: Bool = true, cleanUpSpaces: Bool = true) {
        self.vocabulary = vocabulary
        self.skipped = skipSpecialTokens
            ? Set(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap(vocabulary.id)) : []
        self.cleanUpSpaces = cleanUpSpaces
    }

    public func decode<C: Collection>(_ ids: C) -> String where C.Element == Int32 {
        var out = ""
        for id in ids where !skipped.contains(id) {
            let t = vocabulary.token(id)
            if t.hasPrefix("##") { out += t.dropFirst(2) } else { out += (out.isEmpty ? "" : " ") + t }
        }
        return cleanUpSpaces ? Self.cleanUp(out) : out
    }

    /// HF tokenizers' `clean_up_tokenization`, the same replacements in the same order.
    static func cleanUp(_ s: String) -> String {
        [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
         (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")]
            .reduce(s) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }
}
