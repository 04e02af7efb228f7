import Data
import Foundation
import Formats

/// Scores a task per question from its candidate rows (`TaskDefinition.Scoring`), ×100 as the paper reports,
/// and writes one `predictions.jsonl` line per question — the question is the unit the report's bootstrap
/// resamples (`EvaluateScores`), since a question's candidates are not independent examples.
public enum QuestionScoring {
    public struct Result: Sendable {
        public var metrics: [String: Double]
        public var lines: [String]
    }

    /// `positive[i]`: row i's positive-class logit; `predicted[i]`, `labels[i]`: its class and gold class.
    public static func score(_ scoring: TaskDefinition.Scoring, rows: QuestionRows, positive: [Float], predicted: [Int],
                      labels: [Int]) throws -> Result {
        guard rows.question.count == positive.count else {
            throw StageFailure("task.json names \(rows.question.count) candidate rows, the shard has \(positive.count)")
        }
        var members = [[Int]](repeating: [], count: rows.ids.count)
        for (r, q) in rows.question.enumerated() { members[q].append(r) }
        func line(_ object: [String: JSONValue]) -> String { JSONValue.object(object).canonical }
        switch scoring {
        case .rows:
            throw StageFailure("a task scored per row has no questions")
        case .pickBest:
            // Ties go to the first candidate (deterministic; an untrained model scores every candidate alike).
            let best = members.map { m in m.max { positive[$0] < positive[$1] || (positive[$0] == positive[$1] && $0 > $1) } }
            if let gold = rows.answers {   // ReCoRD: the picked entity's text against the gold answers
                var em = 0.0, f1 = 0.0, lines: [String] = []
                for (q, b) in best.enumerated() {
                    let text = b.map { rows.candidate[$0] } ?? ""
                    let s = SQuADMetric.score(predictions: [text], goldAnswers: [gold[q]])
                    em += s.exactMatch; f1 += s.f1
                    lines.append(line(["question": .string(rows.ids[q]), "prediction": .array([.string(text)]),
                                       "gold": .array(gold[q].map(JSONValue.string))]))
                }
                let n = Double(max(best.count, 1))
                return Result(metrics: ["em": em / n, "f1": f1 / n, "questions": Double(best.count)], lines: lines)
            }
            // COPA: the picked candidate against the one the labels mark, as positions within the question.
            var right = 0, lines: [String] = []
            for (q, m) in members.enumerated() {
                let pick = best[q].flatMap { m.firstIndex(of: $0) } ?? -1
                let gold = m.firstIndex { labels[$0] == 1 } ?? -1
                if pick == gold && gold >= 0 { right += 1 }
                lines.append(line(["question": .string(rows.ids[q]), "prediction": .int(Int64(pick)), "label": .int(Int64(gold))]))
            }
            return Result(metrics: ["accuracy": 100 * Double(right) / Double(max(members.count, 1)), "questions": Double(members.count)],
                          lines: lines)
        case .answerSet:
            let p = members.map { $0.map { predicted[$0] } }, y = members.map { $0.map { labels[$0] } }
            let lines = zip(rows.ids, zip(p, y)).map { id, py in
                line(["question": .string(id), "predictions": .array(py.0.map { .int(Int64($0)) }),
                      "labels": .array(py.1.map { .int(Int64($0)) })])
            }
            let s = AnswerSetMetrics.score(predictions: p, labels: y)
            return Result(metrics: ["em": s.exactMatch, "f1a": s.f1a, "questions": Double(members.count)], lines: lines)
        }
    }
}
