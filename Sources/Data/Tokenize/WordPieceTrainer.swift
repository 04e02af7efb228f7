/// Trains a WordPiece vocabulary on a training split, for models trained from scratch. Deterministic:
/// the same texts and settings give the same vocab.txt on every machine.
///
/// Algorithm (WordPiece's likelihood criterion, as described for BERT and HF's course): words come from
/// `BertNormalizer` (so training and tokenizing see identical words); start from all characters (word-initial
/// as is, inside a word as `##c`); repeatedly merge the adjacent pair with the highest
/// count(ab) / (count(a) · count(b)), ties broken by the pair's string, until the vocabulary is full.
/// Counts are kept incrementally: a merge re-counts only the words that contained the merged pair (found
/// through a pair → words index), so a round costs one scan over the live pairs, not over the corpus.
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
        var pairCount: [Int: Int] = [:]       // (a << 32 | b) → count over the corpus
        var single = [Int](repeating: 0, count: symbols.count)
        var wordsWith: [Int: [Int]] = [:]     // pair → words that contain (or once contained) it
        func tally(_ k: Int, _ sign: Int) {
            let s = segs[k], c = sign * counts[k]
            for x in s { single[x] += c }
            guard s.count > 1 else { return }
            for i in 0..<(s.count - 1) {
                let key = s[i] << 32 | s[i + 1]
                let n = pairCount[key, default: 0] + c
                pairCount[key] = n == 0 ? nil : n
                if sign > 0 { wordsWith[key, default: []].append(k) }
            }
        }
        for k in segs.indices { tally(k, 1) }
        while vocab.count < vocabularySize {
            // Highest count(ab) / (count(a) · count(b)); ties by the pair's string, built only for ties.
            var best: (key: Int, score: Double)? = nil
            for (key, c) in pairCount {
                let score = Double(c) / (Double(single[key >> 32]) * Double(single[key & 0xFFFF_FFFF]))
                if let b = best, score < b.score { continue }
                if let b = best, score == b.score, name(key, symbols) >= name(b.key, symbols) { continue }
                best = (key, score)
            }
            guard let chosen = best else { break }
            let a = chosen.key >> 32, b = chosen.key & 0xFFFF_FFFF
            let merged = symbols[a] + (symbols[b].hasPrefix("##") ? String(symbols[b].dropFirst(2)) : symbols[b])
            let m = id(merged)
            if m == single.count { single.append(0) }
            if inVocab.insert(merged).inserted { vocab.append(merged) }
            // Each affected word once, even if the index lists it several times.
            var seen = Set<Int>()
            for k in wordsWith.removeValue(forKey: chosen.key) ?? [] where seen.insert(k).inserted {
                let s = segs[k]
                var r: [Int] = [], i = 0
                while i < s.count {
                    if i + 1 < s.count && s[i] == a && s[i + 1] == b { r.append(m); i += 2 } else { r.append(s[i]); i += 1 }
                }
                guard r.count != s.count else { continue }   // no longer contains the pair
                tally(k, -1)
                segs[k] = r
                tally(k, 1)
            }
        }
        return vocab
    }

    private static func name(_ key: Int, _ symbols: [String]) -> String { symbols[key >> 32] + symbols[key & 0xFFFF_FFFF] }
}
