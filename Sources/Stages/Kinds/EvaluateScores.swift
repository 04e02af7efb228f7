import Data
import Foundation
import Formats

/// An evaluate stage's per-example output read back (`predictions.jsonl` of `evaluate`, `summaries.jsonl` of
/// `evaluate-seq2seq`), so a metric can be recomputed on any resample of the test examples — what the report's
/// two-level bootstrap needs. Decomposable metrics (accuracy, EM, F1 of spans, ROUGE) are means of per-example
/// scores; Matthews, F1 of a class, Pearson and Spearman are recomputed from the resampled predictions;
/// perplexity from the resampled test blocks' summed token NLL: exp(Σ NLL / Σ tokens), the mean NLL resampled
/// then exponentiated. (LM evaluations cached before blocks were written have no lines, so no resampling.)
/// Tasks scored per question (COPA, MultiRC, ReCoRD) write one line per question, so they resample by
/// question: COPA's accuracy and ReCoRD's EM/F1 as above, MultiRC's EM as a mean over questions and its F1a
/// recomputed over every answer of the drawn questions.
public struct EvaluateScores: Sendable {
    enum Rows: Sendable {
        case classes(predictions: [Int], labels: [Int])
        case values(predictions: [Double], labels: [Double])
        /// Per example, metric name → score (×100): span EM/F1, ROUGE-1/2/L.
        case decomposable([[String: Double]])
        /// Per question, the predicted and gold class of each of its answers (MultiRC).
        case answerSets(predictions: [[Int]], labels: [[Int]])
        /// Per test block of a language model: summed token NLL (nats) and predicted tokens.
        case tokenNLL(nll: [Double], tokens: [Int])
    }
    let rows: Rows

    public var count: Int {
        switch rows {
        case .classes(let p, _): return p.count
        case .values(let p, _): return p.count
        case .decomposable(let s): return s.count
        case .answerSets(let p, _): return p.count
        case .tokenNLL(let n, _): return n.count
        }
    }

    /// Reads `file` (a `predictions.jsonl` or `summaries.jsonl`); nil when its lines carry nothing to score.
    public static func read(_ file: URL) throws -> EvaluateScores? {
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").filter { !$0.isEmpty }
        let json = try lines.enumerated().map { i, line -> JSONValue in
            do { return try JSONValue.parse(Data(line.utf8)) } catch { throw StageFailure("\(file.path) line \(i + 1): \(error)") }
        }
        guard let first = json.first else { return nil }
        if first["nll"] != nil {   // language-model blocks
            var nll: [Double] = [], tokens: [Int] = []
            for (i, j) in json.enumerated() {
                guard let x = j["nll"]?.doubleValue, let n = j["tokens"]?.intValue, n > 0 else {
                    throw StageFailure("\(file.path) line \(i + 1): expected {\"nll\": number, \"tokens\": positive integer}")
                }
                nll.append(x); tokens.append(Int(n))
            }
            return EvaluateScores(rows: .tokenNLL(nll: nll, tokens: tokens))
        }
        if first["generated"] != nil {   // summaries: ROUGE per example
            return EvaluateScores(rows: .decomposable(json.map { j in
                let s = Rouge.score(target: j["reference"]?.stringValue ?? "", prediction: j["generated"]?.stringValue ?? "")
                return ["rouge1": 100 * s.rouge1, "rouge2": 100 * s.rouge2, "rougeL": 100 * s.rougeL]
            }))
        }
        if first["gold"] != nil {   // spans: SQuAD EM / F1 per example
            return EvaluateScores(rows: .decomposable(json.map { j in
                let prediction = j["prediction"]?.arrayValue?.first?.stringValue ?? ""
                let gold = j["gold"]?.arrayValue?.compactMap(\.stringValue) ?? []
                let s = SQuADMetric.score(predictions: [prediction], goldAnswers: [gold])
                return ["em": s.exactMatch, "f1": s.f1]
            }))
        }
        if first["predictions"]?.arrayValue != nil {   // answer sets: one line per question
            func classes(_ j: JSONValue, _ key: String) -> [Int] { j[key]?.arrayValue?.map { Int($0.intValue ?? 0) } ?? [] }
            let p = json.map { classes($0, "predictions") }, y = json.map { classes($0, "labels") }
            guard zip(p, y).allSatisfy({ $0.count == $1.count }) else {
                throw StageFailure("\(file.path): a question's predictions and labels differ in length")
            }
            return EvaluateScores(rows: .answerSets(predictions: p, labels: y))
        }
        if case .int? = first["prediction"], case .int? = first["label"] {
            return EvaluateScores(rows: .classes(predictions: json.map { Int($0["prediction"]?.intValue ?? 0) },
                                                 labels: json.map { Int($0["label"]?.intValue ?? 0) }))
        }
        if first["prediction"]?.doubleValue != nil {
            return EvaluateScores(rows: .values(predictions: json.map { $0["prediction"]?.doubleValue ?? .nan },
                                                labels: json.map { $0["label"]?.doubleValue ?? .nan }))
        }
        return nil
    }

    /// `metric` (×100, as the stage reports it) on the examples at `indices` (repeats allowed); nil when this
    /// output cannot give that metric.
    public func metric(_ metric: String, on indices: [Int]) -> Double? {
        switch rows {
        case .classes(let p, let y):
            let ps = indices.map { p[$0] }, ys = indices.map { y[$0] }
            switch metric {
            case "accuracy": return 100 * ClassificationMetrics.accuracy(predictions: ps, labels: ys)
            case "matthews": return 100 * ClassificationMetrics.matthews(predictions: ps, labels: ys)
            case "f1": return 100 * ClassificationMetrics.f1(predictions: ps, labels: ys)
            case "macro_f1": return 100 * ClassificationMetrics.macroF1(predictions: ps, labels: ys)
            default: return nil
            }
        case .values(let p, let y):
            let ps = indices.map { p[$0] }, ys = indices.map { y[$0] }
            switch metric {
            case "pearson": return 100 * Correlation.pearson(ps, ys)
            case "spearman": return 100 * Correlation.spearman(ps, ys)
            default: return nil
            }
        case .decomposable(let scores):
            guard !indices.isEmpty, scores.first?[metric] != nil else { return nil }
            return indices.map { scores[$0][metric] ?? 0 }.reduce(0, +) / Double(indices.count)
        case .answerSets(let p, let y):
            let s = AnswerSetMetrics.score(predictions: indices.map { p[$0] }, labels: indices.map { y[$0] })
            switch metric {
            case "em": return s.exactMatch
            case "f1a": return s.f1a
            default: return nil
            }
        case .tokenNLL(let nll, let tokens):
            guard metric == "perplexity", !indices.isEmpty else { return nil }
            return Perplexity.fromLoss(totalNLL: indices.map { nll[$0] }.reduce(0, +), tokens: indices.map { tokens[$0] }.reduce(0, +))
        }
    }
}
