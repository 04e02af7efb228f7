/// Masked-LM data for the MoE backbone's continued pre-training (BERT, Devlin et al. 2019 §3.1).
public enum MaskedLM {
    /// Documents → `[CLS] … [SEP]` blocks of at most `length` tokens. A block never spans two documents
    /// (so a document's tokens stay on its side of any split); a document's tail shorter than `minimum`
    /// tokens is dropped rather than padded into a nearly empty block.
    public static func blocks(_ documents: [String], tokenizer: BertTokenizer, length: Int, minimum: Int = 16) -> [[Int32]] {
        precondition(length >= 4, "a block needs [CLS], [SEP] and two tokens")
        let body = length - 2
        var out: [[Int32]] = []
        for text in documents {
            let ids = tokenizer.tokenize(text).ids
            var s = 0
            while s < ids.count {
                let e = min(s + body, ids.count)
                if e - s >= min(minimum, body) { out.append([tokenizer.clsID] + ids[s..<e] + [tokenizer.sepID]) }
                s = e
            }
        }
        return out
    }

    /// BERT's masking: each real, non-special position is selected with probability `rate`; a selected
    /// position becomes `[MASK]` (80 %), a uniformly random vocabulary token (10 %) or stays (10 %), and is
    /// the only kind of position with a target. Per-token Bernoulli selection as Hugging Face's
    /// `DataCollatorForLanguageModeling`, rather than BERT's fixed count per sequence.
    public struct Masking: Sendable {
        public var rate: Double
        public var maskID: Int32
        public var vocabularySize: Int
        /// Never selected: [PAD], [CLS], [SEP] (and [UNK]: predicting it teaches nothing).
        public var special: Set<Int32>

        public init(rate: Double = 0.15, tokenizer: BertTokenizer) throws {
            guard let mask = tokenizer.maskID else {
                throw DataError(file: "vocab.txt", field: "[MASK]", "the vocabulary has no [MASK] token: masked-LM needs one")
            }
            self.rate = rate; maskID = mask; vocabularySize = tokenizer.vocabulary.count
            special = [tokenizer.padID, tokenizer.clsID, tokenizer.sepID, tokenizer.unkID]
        }

        public init(rate: Double, maskID: Int32, vocabularySize: Int, special: Set<Int32>) {
            self.rate = rate; self.maskID = maskID; self.vocabularySize = vocabularySize; self.special = special
        }

        /// Masks `ids` in place ([B·L] row-major, `mask` 1 = real token); returns the targets: the original
        /// token at every selected position, −1 elsewhere.
        public func apply(_ ids: inout [Int32], mask: [Float], rng: inout SeededRandom) -> [Int32] {
            var targets = [Int32](repeating: -1, count: ids.count)
            for t in ids.indices where mask[t] != 0 && !special.contains(ids[t]) {
                guard uniform(&rng) < rate else { continue }
                targets[t] = ids[t]
                let r = uniform(&rng)
                if r < 0.8 { ids[t] = maskID } else if r < 0.9 { ids[t] = Int32(rng.below(vocabularySize)) }
            }
            return targets
        }

        private func uniform(_ rng: inout SeededRandom) -> Double { Double(rng.next() >> 11) * 0x1p-53 }
    }
}
