/// ROUGE-1/2/L F-measure as Google's `rouge-score` (`RougeScorer(..., use_stemmer=)`): its tokenizer
/// (lowercase, every run of non-[a-z0-9] becomes a space, Porter-stem tokens longer than 3 chars),
/// n-gram overlap by clipped counts, ROUGE-L by LCS; precision over the prediction, recall over the target.
public enum Rouge {
    public struct Score: Sendable, Hashable {
        public var precision: Double
        public var recall: Double
        public var fmeasure: Double
    }

    public static func tokenize(_ text: String, stem: Bool, stemmer: PorterStemmer = PorterStemmer()) -> [String] {
        var tokens: [String] = []
        var cur = String.UnicodeScalarView()
        for s in text.lowercased().unicodeScalars {
            if (s >= "a" && s <= "z") || (s >= "0" && s <= "9") { cur.append(s) } else if !cur.isEmpty {
                tokens.append(String(cur)); cur = String.UnicodeScalarView()
            }
        }
        if !cur.isEmpty { tokens.append(String(cur)) }
        if stem { tokens = tokens.map { $0.count > 3 ? stemmer.stem($0) : $0 } }
        return tokens
    }

    static func fscore(_ overlap: Int, _ predCount: Int, _ targetCount: Int) -> Score {
        let p = Double(overlap) / Double(max(predCount, 1)), r = Double(overlap) / Double(max(targetCount, 1))
        return Score(precision: p, recall: r, fmeasure: p + r > 0 ? 2 * p * r / (p + r) : 0)
    }

    public static func rougeN(target: [String], prediction: [String], n: Int) -> Score {
        func grams(_ t: [String]) -> [[String]: Int] {
            var c: [[String]: Int] = [:]
            if t.count >= n { for i in 0...(t.count - n) { c[Array(t[i..<(i + n)]), default: 0] += 1 } }
            return c
        }
        let tg = grams(target), pg = grams(prediction)
        var overlap = 0
        for (g, c) in tg { overlap += min(c, pg[g] ?? 0) }
        return fscore(overlap, pg.values.reduce(0, +), tg.values.reduce(0, +))
    }

    public static func rougeL(target: [String], prediction: [String]) -> Score {
        if target.isEmpty || prediction.isEmpty { return Score(precision: 0, recall: 0, fmeasure: 0) }
        var prev = [Int](repeating: 0, count: prediction.count + 1)
        for t in target {
            var cur = [Int](repeating: 0, count: prediction.count + 1)
            for (j, p) in prediction.enumerated() {
                cur[j + 1] = t == p ? prev[j] + 1 : max(prev[j + 1], cur[j])
            }
            prev = cur
        }
        return fscore(prev[prediction.count], prediction.count, target.count)
    }

    /// (ROUGE-1, ROUGE-2, ROUGE-L) F-measures of one prediction against one target.
    public static func score(target: String, prediction: String, stem: Bool = true) -> (rouge1: Double, rouge2: Double, rougeL: Double) {
        let t = tokenize(target, stem: stem), p = tokenize(prediction, stem: stem)
        return (rougeN(target: t, prediction: p, n: 1).fmeasure, rougeN(target: t, prediction: p, n: 2).fmeasure,
                rougeL(target: t, prediction: p).fmeasure)
    }

    /// Corpus score: mean of per-pair F-measures ×100 (what rouge-score's aggregator's mid reports, without bootstrap).
    public static func corpus(targets: [String], predictions: [String], stem: Bool = true) -> (rouge1: Double, rouge2: Double, rougeL: Double) {
        precondition(targets.count == predictions.count)
        if targets.isEmpty { return (0, 0, 0) }
        var a = 0.0, b = 0.0, c = 0.0
        for (t, p) in zip(targets, predictions) {
            let s = score(target: t, prediction: p, stem: stem)
            a += s.rouge1; b += s.rouge2; c += s.rougeL
        }
        let n = Double(targets.count)
        return (100 * a / n, 100 * b / n, 100 * c / n)
    }
}
