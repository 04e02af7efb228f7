import Foundation
import XCTest
import Data

final class DerivedTaskTests: XCTestCase {
    let docs: [(id: String, text: String)] = [
        (id: "d1", text: "The Treaty of Paris was signed in 1783 by Britain and the United States. Benjamin Franklin led the American delegation. Dr. Smith of the U.S. Navy later wrote that Britain had lost interest. John Adams and Benjamin Franklin argued over fishing rights for months. The treaty was ratified in 1784. Many historians praise Franklin for the outcome."),
        (id: "d2", text: "Marie Curie was born in Warsaw in 1867. She moved to Paris to study physics. In 1903 she shared the Nobel Prize with Pierre Curie. Warsaw later named a museum after Marie Curie. She died in 1934 in France."),
    ]

    func testSentenceSplitterKeepsAbbreviations() {
        XCTAssertEqual(SentenceSplitter.split(docs[0].text)[2], "Dr. Smith of the U.S. Navy later wrote that Britain had lost interest.")
        XCTAssertEqual(SentenceSplitter.split(docs[0].text).count, 6)
    }

    func testBigramShiftHalfShiftedSameWords() {
        let ex = BigramShift.make(documents: docs, seed: 5, minWords: 4)
        XCTAssertEqual(BigramShift.make(documents: docs, seed: 5, minWords: 4), ex, "deterministic")
        XCTAssertGreaterThan(ex.count, 8)
        let sentences = docs.flatMap { SentenceSplitter.split($0.text) }
        for e in ex {
            // Same multiset of tokens as some original sentence, re-spaced.
            let words = e.text.split(separator: " ").sorted()
            XCTAssertTrue(sentences.contains { Set($0.filter { !$0.isWhitespace }) == Set(e.text.filter { !$0.isWhitespace }) }, e.text)
            XCTAssertFalse(words.isEmpty)
        }
        XCTAssertTrue(ex.contains { $0.label == .classIndex(1) } && ex.contains { $0.label == .classIndex(0) })
    }

    func testClozeExtraQuestionsLeaveTheFirstQuestionOfEveryPassageUnchanged() {
        let one = ClozeQA.make(documents: docs, seed: 3, passageSentences: 5)
        let four = ClozeQA.make(documents: docs, seed: 3, passageSentences: 5, questionsPerPassage: 4)
        XCTAssertEqual(four.filter { !ClozeQA.isExtraQuestion($0) }, one)
        let extras = four.filter(ClozeQA.isExtraQuestion)
        XCTAssertFalse(extras.isEmpty)
        for e in extras {
            let passage = String(e.id[..<e.id.range(of: "-q", options: .backwards)!.lowerBound])
            let first = one.first { $0.id == passage }
            XCTAssertNotNil(first, e.id)
            XCTAssertNotEqual(first?.pair, e.pair, "another sentence is the question, so the context differs")
            XCTAssertEqual(e.group, first?.group)
        }
        XCTAssertLessThanOrEqual(Dictionary(grouping: four) { $0.id.split(separator: "-q").first! }.values.map(\.count).max() ?? 0, 4)
    }

    func testClozeAnswersAreSpansOfContextAndQuestionIsNotInContext() {
        let ex = ClozeQA.make(documents: docs, seed: 3)
        XCTAssertFalse(ex.isEmpty)
        for e in ex {
            guard case let .spans(answers) = e.label, let ctx = e.pair else { return XCTFail() }
            XCTAssertTrue(e.text.contains(ClozeQA.blank))
            let scalars = Array(ctx.unicodeScalars)
            for a in answers {
                XCTAssertEqual(String(String.UnicodeScalarView(scalars[a.start..<a.end])), a.text)
            }
            let filled = e.text.replacingOccurrences(of: ClozeQA.blank, with: answers[0].text)
            XCTAssertFalse(ctx.contains(filled), "question sentence must not be in the context")
        }
    }

    func testLeadSummaries() {
        let ex = LeadSummaries.make(documents: docs, leadSentences: 1)
        XCTAssertEqual(ex.count, 2)
        XCTAssertEqual(ex[1].label, .target("Marie Curie was born in Warsaw in 1867."))
        XCTAssertTrue(ex[1].text.hasPrefix("She moved to Paris"))
    }
}
