/// SQuAD v1.1 exact match and F1, as the official `evaluate-v1.1.py`: normalise (lowercase, drop ASCII
/// punctuation, drop the words a/an/the, collapse whitespace), token-overlap F1, max over the gold
/// answers, mean ×100 over questions.
public enum SQuADMetric {
    static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)

    public static func normalize(_ s: String) -> String {
        let lowered = s.lowercased()
        let noPunct = String(String.UnicodeScalarView(lowered.unicodeScalars.filter { !punctuation.contains($0) }))
        return removeArticles(noPunct).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// `re.sub(r'\b(a|an|the)\b', ' ', text)` with Python's Unicode word characters.
    static func removeArticles(_ s: String) -> String {
        let u = Array(s.unicodeScalars)
        func isWord(_ i: Int) -> Bool {
            guard i >= 0 && i < u.count else { return false }
            let c = u[i]
            return c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
        }
        var out = String.UnicodeScalarView()
        var i = 0
        outer: while i < u.count {
            if !isWord(i - 1) {
                for article in ["the", "an", "a"] {
                    let a = Array(article.unicodeScalars)
                    if i + a.count <= u.count && Array(u[i..<(i + a.count)]) == a && !isWord(i + a.count) {
                        out.append(" ")
                        i += a.count
                        continue outer
                    }
                }
            }
            out.append(u[i])
            i += 1
        }
        return String(out)
    }

    public static func exactMatch(_ prediction: String, _ truth: String) -> Double {
        normalize(prediction) == normalize(truth) ? 1 : 0
    }

    public static func f1(_ prediction: String, _ truth: String) -> Double {
        let p = normalize(prediction).split(separator: " ").map(String.init)
        let t = normalize(truth).split(separator: " ").map(String.init)
        var counts: [String: Int] = [:]
        for w in t { counts[w, default: 0] += 1 }
        var same = 0
        for w in p where (counts[w] ?? 0) > 0 { counts[w]! -= 1; same += 1 }
        if same == 0 { return 0 }
        let precision = Double(same) / Double(p.count), recall = Double(same) / Double(t.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// (exact match, F1), both in [0, 100], over questions; each question scores its best gold answer.
    public static func score(predictions: [String], goldAnswers: [[String]]) -> (exactMatch: Double, f1: Double) {
        precondition(predictions.count == goldAnswers.count)
        if predictions.isEmpty { return (0, 0) }
        var em = 0.0, f = 0.0
        for (p, golds) in zip(predictions, goldAnswers) {
            em += golds.map { exactMatch(p, $0) }.max() ?? 0
            f += golds.map { f1(p, $0) }.max() ?? 0
        }
        let n = Double(predictions.count)
        return (100 * em / n, 100 * f / n)
    }
}
