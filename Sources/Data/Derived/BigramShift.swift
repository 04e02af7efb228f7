/// Bigram-shift acceptability (SentEval's BShift, our CoLA stand-in, *derived*): real sentences, half of
/// them with two adjacent words swapped; label 1 = shifted (unacceptable order), 0 = original. Sentences
/// are re-spaced token by token (words and punctuation separated) for *both* classes, and only two words —
/// never punctuation — are swapped, so spacing and punctuation carry no label signal.
public enum BigramShift {
    public static let labelNames = ["original", "shifted"]

    /// - Parameters: documents (id, text); sentences of `minWords...maxWords` words are used.
    public static func make(documents: [(id: String, text: String)], seed: UInt64,
                            minWords: Int = 5, maxWords: Int = 40) -> [Example] {
        var rng = SeededRandom(seed: seed, 0xB5_41F7)
        var out: [Example] = []
        for doc in documents {
            let source = SourceDocument(id: doc.id, text: doc.text)   // the article is the unit of splitting
            for (k, sentence) in SentenceSplitter.split(doc.text).enumerated() {
                let tokens = tokenize(sentence)
                let words = tokens.indices.filter { isWord(tokens[$0]) }
                guard words.count >= minWords && words.count <= maxWords else { continue }
                var t = tokens
                var label = 0
                if rng.below(2) == 1 {
                    // Adjacent word pairs that differ (swapping "the the" changes nothing).
                    let candidates = tokens.indices.dropLast().filter {
                        isWord(tokens[$0]) && isWord(tokens[$0 + 1]) && tokens[$0].lowercased() != tokens[$0 + 1].lowercased()
                    }
                    guard !candidates.isEmpty else { continue }
                    let i = candidates[rng.below(candidates.count)]
                    t.swapAt(i, i + 1)
                    label = 1
                }
                out.append(Example(id: "\(doc.id)-s\(k)", group: doc.id, sources: [source], text: t.joined(separator: " "), label: .classIndex(label)))
            }
        }
        return out
    }

    /// Words (letters/digits with inner apostrophes or hyphens) and single punctuation marks.
    static func tokenize(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        let chars = Array(s)
        for (i, c) in chars.enumerated() {
            let inner = (c == "'" || c == "-" || c == "’") && !cur.isEmpty && i + 1 < chars.count && (chars[i + 1].isLetter || chars[i + 1].isNumber)
            if c.isLetter || c.isNumber || inner { cur.append(c); continue }
            if !cur.isEmpty { out.append(cur); cur = "" }
            if !c.isWhitespace { out.append(String(c)) }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    static func isWord(_ t: String) -> Bool { t.first.map { $0.isLetter || $0.isNumber } ?? false }
}
