/// Trains a WordPiece vocabulary on a training split, for models trained from scratch. Deterministic:
/// the same texts and settings give the same vocab.txt on every machine.
///
/// Algorithm (WordPiece's likelihood criterion, as described for BERT and HF's course): words come from
/// `BertNormalizer` (so training and tokenizing see identical words); start from all characters (word-initial
/// as is, inside a word as `##c`); repeatedly merge the adjacent pair with the highest
/// count(ab) / (count(a) · count(b)), ties broken by the pair's string, until the vocabulary is full.
/// Pair counts are recomputed each round over distinct words, which is fine for the stand-in corpora
/// (tens of thousands of distinct words, vocabularies of a few thousand).
public enum WordPieceTrainer {
    public static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    public static func train(texts: [String], vocabularySize: Int, minWordFrequency: Int = 2,
                             normalizer: BertNormalizer = BertNormalizer()) -> [String] {
        var freq: [String: Int] = [:]
        for t in texts {
            for w in normalizer.words(Array(t.unicodeScalars)[...], base: 0) {
                freq[String(decoding: w.utf8, as: UTF8.self), default: 0] += 1
            }
        }
        let words = freq.filter { $0.value >= minWordFrequency }.sorted { $0.key < $1.key }
        var symbols: [String] = []
        var symbolID: [String: Int] = [:]
        func id(_ s: String) -> Int {
            if let i = symbolID[s] { return i }
            symbolID[s] = symbols.count; symbols.append(s); return symbols.count - 1
        }
        var segs: [[Int]] = words.map { w in
            w.key.enumerated().map { id($0.offset == 0 ? String($0.element) : "##" + String($0.element)) }
        }
        let counts = words.map(\.value)
        // Every single character is in the vocabulary so any word in the training text can be spelled.
        var vocab = specialTokens + symbols.sorted()
        var inVocab = Set(vocab)
        while vocab.count < vocabularySize {
            var pair: [Int: Int] = [:]      // (a << 32 | b) → count
            var single = [Int](repeating: 0, count: symbols.count)
            for (k, s) in segs.enumerated() {
                for x in s { single[x] += counts[k] }
                if s.count > 1 { for i in 0..<(s.count - 1) { pair[s[i] << 32 | s[i + 1], default: 0] += counts[k] } }
            }
            var best: (key: Int, score: Double, name: String)? = nil
            for (key, c) in pair {
                let a = key >> 32, b = key & 0xFFFF_FFFF
                let score = Double(c) / (Double(single[a]) * Double(single[b]))
                let name = symbols[a] + symbols[b]
                if best == nil || score > best!.score || (score == best!.score && name < best!.name) { best = (key, score, name) }
            }
            guard let chosen = best else { break }
            let a = chosen.key >> 32, b = chosen.key & 0xFFFF_FFFF
            let merged = symbols[a] + (symbols[b].hasPrefix("##") ? String(symbols[b].dropFirst(2)) : symbols[b])
            let m = id(merged)
            if inVocab.insert(merged).inserted { vocab.append(merged) }
            for k in segs.indices where segs[k].count > 1 {
                var s = segs[k], i = 0
                var r: [Int] = []
                while i < s.count {
                    if i + 1 < s.count && s[i] == a && s[i + 1] == b { r.append(m); i += 2 } else { r.append(s[i]); i += 1 }
                }
                s = r
                segs[k] = s
            }
        }
        return vocab
    }
}
