import Data
import Foundation

/// Which rows of an evaluation shard form each question, for tasks scored per question (COPA, MultiRC,
/// ReCoRD): written by `prepare` into `task.json` per evaluation split, read by `evaluate`.
public struct QuestionRows: Codable, Sendable, Equatable {
    /// Question ids, in the order of their first row.
    public var ids: [String]
    /// Per shard row: the index of its question in `ids`.
    public var question: [Int]
    /// Per shard row: the candidate's text (the COPA choice, the MultiRC answer, the ReCoRD entity).
    public var candidate: [String]
    /// Per question: its gold answer texts, when the picked candidate's text is scored against them (ReCoRD).
    public var answers: [[String]]?

    public init(ids: [String], question: [Int], candidate: [String], answers: [[String]]?) {
        self.ids = ids; self.question = question; self.candidate = candidate; self.answers = answers
    }

    /// The questions of the shard rows made from `examples[rows[i]]`; throws when an example carries no candidate.
    public init(_ examples: [Example], rows: [Int], task: String) throws {
        var index: [String: Int] = [:]
        var ids: [String] = [], question: [Int] = [], candidate: [String] = [], answers: [[String]] = []
        var withAnswers = false
        for r in rows {
            guard let c = examples[r].candidate else {
                throw StageFailure("task \(task): example '\(examples[r].id)' has no question (candidate) to be scored by")
            }
            let q: Int
            if let known = index[c.question] { q = known } else {
                q = ids.count
                index[c.question] = q
                ids.append(c.question)
                answers.append(c.answers ?? [])
                if c.answers != nil { withAnswers = true }
            }
            question.append(q)
            candidate.append(c.text)
        }
        self.init(ids: ids, question: question, candidate: candidate, answers: withAnswers ? answers : nil)
    }

    /// The examples of the first `limit` questions (in order of first appearance), every candidate of each kept:
    /// a cap on an evaluation split counts questions and never cuts one.
    public static func firstQuestions(_ examples: [Example], limit: Int) -> [Example] {
        var kept = Set<String>()
        return examples.filter { e in
            guard let q = e.candidate?.question else { return true }
            if kept.contains(q) { return true }
            guard kept.count < limit else { return false }
            kept.insert(q)
            return true
        }
    }
}
