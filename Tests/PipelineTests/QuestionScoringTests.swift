import Data
import Foundation
import Stages
import XCTest

/// Tasks scored per question (SuperGLUE's COPA, ReCoRD, MultiRC): which rows form a question, how a question is
/// scored from its candidates' logits, and that the per-question lines read back resample by question.
final class QuestionScoringTests: XCTestCase {
    func write(_ lines: [String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("questions-\(UUID()).jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testCOPAPicksTheLargerPositiveLogitPerQuestion() throws {
        // q0: choice 2 scores higher and is right; q1: choice 1 scores higher, choice 2 is right; q2: a tie → the first.
        let rows = QuestionRows(ids: ["copa-0", "copa-1", "copa-2"], question: [0, 0, 1, 1, 2, 2], candidate: ["a", "b", "c", "d", "e", "f"], answers: nil)
        let r = try QuestionScoring.score(.pickBest, rows: rows, positive: [0.1, 0.9, 2.0, -1.0, 0.5, 0.5],
                                          predicted: [0, 1, 1, 0, 1, 1], labels: [0, 1, 0, 1, 1, 0])
        XCTAssertEqual(r.metrics["accuracy"] ?? .nan, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(r.metrics["questions"], 3)
        XCTAssertEqual(r.lines[0], #"{"label":1,"prediction":1,"question":"copa-0"}"#)
        let back = try XCTUnwrap(EvaluateScores.read(try write(r.lines)))
        XCTAssertEqual(back.count, 3, "one line, one resampling unit, per question")
        XCTAssertEqual(back.metric("accuracy", on: [0, 1, 2]) ?? .nan, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(back.metric("accuracy", on: [1, 1]), 0)
    }

    func testReCoRDScoresThePickedEntitysTextAgainstTheAnswers() throws {
        let rows = QuestionRows(ids: ["record-0-0", "record-1-1"], question: [0, 0, 0, 1, 1], candidate: ["Alice", "Bob", "Paris", "Alice", "Bob"],
                                answers: [["Bob"], ["Alice", "Alice Smith"]])
        let r = try QuestionScoring.score(.pickBest, rows: rows, positive: [0.2, 0.5, 0.1, 0, 3], predicted: [0, 1, 0, 0, 1], labels: [0, 1, 0, 1, 0])
        XCTAssertEqual(r.metrics["em"], 50)
        XCTAssertEqual(r.metrics["f1"], 50)
        let back = try XCTUnwrap(EvaluateScores.read(try write(r.lines)))
        XCTAssertEqual(back.metric("em", on: [0, 0]), 100)
        XCTAssertEqual(back.metric("f1", on: [1]), 0)
    }

    func testMultiRCExactMatchPerQuestionAndF1aOverAnswers() throws {
        let rows = QuestionRows(ids: ["m-q0", "m-q1"], question: [0, 0, 1, 1, 1], candidate: ["a", "b", "c", "d", "e"], answers: nil)
        let r = try QuestionScoring.score(.answerSet, rows: rows, positive: [1, -1, 1, 1, -1], predicted: [1, 0, 1, 1, 0], labels: [1, 0, 0, 1, 1])
        XCTAssertEqual(r.metrics["em"], 50)
        XCTAssertEqual(r.metrics["f1a"] ?? .nan, 200.0 / 3, accuracy: 1e-9)
        let back = try XCTUnwrap(EvaluateScores.read(try write(r.lines)))
        XCTAssertEqual(back.count, 2)
        XCTAssertEqual(back.metric("f1a", on: [0, 1]) ?? .nan, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(back.metric("em", on: [0, 0]), 100)
        XCTAssertEqual(back.metric("f1a", on: [1]), 50, "tp 1, fp 1, fn 1 within the drawn question")
        XCTAssertThrowsError(try QuestionScoring.score(.answerSet, rows: rows, positive: [1], predicted: [1], labels: [1]))
    }

    func testRowsOfQuestionsAndCapsThatNeverCutAQuestion() throws {
        func ex(_ q: String, _ c: String) -> Example {
            Example(id: "\(q)-\(c)", text: "t", pair: c, label: .classIndex(0), candidate: Candidate(question: q, text: c, answers: q == "r1" ? ["x"] : nil))
        }
        let examples = [ex("r0", "a"), ex("r0", "b"), ex("r1", "c"), ex("r2", "d"), ex("r1", "e")]
        let rows = try QuestionRows(examples, rows: [0, 1, 2, 3, 4], task: "t")
        XCTAssertEqual(rows.ids, ["r0", "r1", "r2"])
        XCTAssertEqual(rows.question, [0, 0, 1, 2, 1])
        XCTAssertEqual(rows.answers, [[], ["x"], []])
        XCTAssertEqual(QuestionRows.firstQuestions(examples, limit: 2).map(\.id), ["r0-a", "r0-b", "r1-c", "r1-e"])
        XCTAssertThrowsError(try QuestionRows([Example(id: "plain", text: "t", label: .classIndex(0))], rows: [0], task: "t"))
    }
}
