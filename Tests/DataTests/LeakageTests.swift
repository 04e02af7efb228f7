import Foundation
import XCTest
import Data

/// The no-leakage rule on tiny data: document identity, splitting by document or merged group, and the check
/// that catches a leaky split (for every kind of example: pairs, sentences, derived passages, summaries).
final class LeakageTests: XCTestCase {
    /// n documents with distinct texts and every pair i < j, as `LeeSimilarityReader` builds them.
    func leePairs(_ n: Int) throws -> [Example] {
        let dir = temporaryDirectory()
        let docs = dir.appendingPathComponent("lee.cor"), sims = dir.appendingPathComponent("s.txt")
        write((0..<n).map { "Story number \($0) about topic \($0 % 3)." }.joined(separator: "\n") + "\n", to: docs)
        write((0..<n).map { i in (0..<n).map { j in j > i ? "0.\(i + j)" : (j == i ? "1" : "0") }.joined(separator: "\t") }
                .joined(separator: "\n") + "\n", to: sims)
        return try LeeSimilarityReader.read(documents: docs, similarities: sims)
    }

    func documents(_ examples: [Example]) -> Set<String> { Set(examples.flatMap { $0.sources.map(\.id) }) }

    func assertLeak(_ splits: Splits, task: String, between: String, document: String? = nil,
                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try LeakageCheck.verify(splits, task: task), file: file, line: line) { error in
            guard let leak = error as? LeakageCheck.Leak else { return XCTFail("not a Leak: \(error)", file: file, line: line) }
            XCTAssertEqual(leak.task, task, file: file, line: line)
            XCTAssertEqual(leak.splits, between, file: file, line: line)
            if let document { XCTAssertEqual(leak.document.id, document, file: file, line: line) }
            let text = leak.description
            XCTAssertTrue(text.contains("task \(task)") && text.contains(between) && text.contains("'\(leak.document.id)'"), text)
        }
    }

    func testLeePairsAreSplitByDocumentAndCrossPairsDropped() throws {
        let pairs = try leePairs(20)
        XCTAssertEqual(pairs.count, 190)
        XCTAssertEqual(pairs[0].sources.map(\.id), ["lee-doc-0", "lee-doc-1"])
        for seed: UInt64 in [0, 1, 2] {
            let s = Splits.split(pairs, seed: seed, validation: 0.1, test: 0.3)
            // 6 test, 2 validation, 12 training documents; only pairs within one side survive.
            XCTAssertEqual(documents(s.test).count, 6); XCTAssertEqual(documents(s.validation).count, 2)
            XCTAssertEqual(documents(s.train).count, 12)
            XCTAssertEqual([s.train.count, s.validation.count, s.test.count], [66, 1, 15])
            XCTAssertEqual(s.droppedAcrossSplits, 190 - 66 - 1 - 15)
            XCTAssertTrue(documents(s.train).isDisjoint(with: documents(s.test)))
            XCTAssertTrue(documents(s.train).isDisjoint(with: documents(s.validation)))
            XCTAssertNoThrow(try LeakageCheck.verify(s, task: "lee-similarity"))
        }
        let a = Splits.split(pairs, seed: 0, test: 0.3), b = Splits.split(pairs.reversed(), seed: 0, test: 0.3)
        XCTAssertEqual(Set(a.test.map(\.id)), Set(b.test.map(\.id)), "independent of the reader's order")
        XCTAssertNotEqual(documents(a.test), documents(Splits.split(pairs, seed: 1, test: 0.3).test), "seeded")
    }

    func testYesterdaysPairSplitLeaksAndTheCheckSaysWhere() throws {
        // The split before documents were tracked: every pair its own unit (one source per pair, here its id).
        let pairs = try leePairs(20)
        let byPair = pairs.map { Example(id: $0.id, sources: [SourceDocument(id: $0.id, text: $0.id)], text: $0.text, pair: $0.pair, label: $0.label) }
        let old = Splits.split(byPair, seed: 0)
        XCTAssertEqual(old.test.count, 19)
        let original = Dictionary(uniqueKeysWithValues: pairs.map { ($0.id, $0) })
        let leaky = Splits(train: old.train.map { original[$0.id]! }, validation: old.validation.map { original[$0.id]! },
                           test: old.test.map { original[$0.id]! })
        assertLeak(leaky, task: "lee-similarity", between: "train/validation")
        assertLeak(Splits(train: leaky.train, validation: [], test: leaky.test), task: "lee-similarity", between: "train/test")
    }

    func testIdenticalTextsAreOneDocumentButCaseIsNot() throws {
        // VADER files hold such duplicates under two ids; tweets rate "GREAT" and "great" apart on purpose.
        let a = Example(id: "amazon-31_5", text: "well worth the money.", label: .value(2.4))
        let b = Example(id: "amazon-77_1", text: "  well  worth the\tmoney. ", label: .value(2.25))
        let c = Example(id: "tweets-1", text: "WELL worth the money.", label: .value(3))
        XCTAssertEqual(a.sources[0].fingerprint, b.sources[0].fingerprint)
        XCTAssertNotEqual(a.sources[0].fingerprint, c.sources[0].fingerprint)
        assertLeak(Splits(train: [a], validation: [], test: [b]), task: "vader-amazon", between: "train/test", document: "amazon-31_5")
        XCTAssertNoThrow(try LeakageCheck.verify(Splits(train: [a], validation: [], test: [c]), task: "vader-tweets"))
        // The splitter keeps the two copies together, whatever the seed.
        let filler = (0..<60).map { Example(id: "f\($0)", text: "sentence \($0)", label: .value(0)) }
        for seed: UInt64 in 0..<20 {
            let s = Splits.split(filler + [a, b], seed: seed, validation: 0.2, test: 0.3)
            let side = { (id: String) in [s.train, s.validation, s.test].firstIndex { $0.contains { $0.id == id } } }
            XCTAssertEqual(side(a.id), side(b.id), "seed \(seed)")
            XCTAssertNoThrow(try LeakageCheck.verify(s, task: "vader-amazon"))
        }
    }

    func testWithoutSharedDocumentsTheGroupSplitIsUnchanged() {
        // Reference: the version-1 group split (sort, shuffle, deal). Tasks without duplicated texts keep their split.
        let ex = (0..<200).map { Example(id: "e\($0)", group: "doc\($0 / 4)", text: "text \($0)", label: .none) }
        for seed: UInt64 in [0, 3] {
            var rng = SeededRandom(seed: seed, 0x5971_7354)
            let groups = Set(ex.map(\.group)).sorted().seededShuffled(&rng)
            let s = Splits.split(ex, seed: seed)
            XCTAssertEqual(s.test.map(\.group), Array(groups.prefix(5)).flatMap { Array(repeating: $0, count: 4) })
            XCTAssertEqual(s.validation.map(\.group), Array(groups[5..<10]).flatMap { Array(repeating: $0, count: 4) })
            XCTAssertEqual(s.droppedAcrossSplits, 0)
        }
    }

    func testDerivedTasksKeepTheirSourceArticleTogether() {
        let article = "Marie Curie was born in Warsaw in 1867. She moved to Paris to study physics. In 1903 she shared the Nobel Prize with Pierre Curie. Warsaw later named a museum after Marie Curie. She died in 1934 in France. Pierre Curie had died in Paris in 1906. Marie Curie won a second Nobel Prize in 1911. Her daughter Irene Curie won one in 1935. The museum in Warsaw opened in 1967. It shows her notes from Paris."
        // The same article filed twice (lee_background.cor repeats seven) plus others: one unit for splitting.
        var docs = [(id: "abc:3", text: article), (id: "abc:9", text: article)]
        docs += (0..<30).map { (id: "abc:\(100 + $0)", text: article.replacingOccurrences(of: "Curie", with: "Name\($0)")) }
        let kinds: [(String, [Example])] = [
            ("cloze-qa", ClozeQA.make(documents: docs, seed: 1, passageSentences: 5)),
            ("bigram-shift", BigramShift.make(documents: docs, seed: 1)),
            ("lead-summary", LeadSummaries.make(documents: docs, leadSentences: 1)),
        ]
        for (task, examples) in kinds {
            XCTAssertEqual(Set(examples.filter { $0.group == "abc:3" }.map(\.sources)).count, 1, "\(task): one source per article")
            XCTAssertEqual(examples.first { $0.group == "abc:3" }?.sources.first?.fingerprint,
                           examples.first { $0.group == "abc:9" }?.sources.first?.fingerprint, "\(task): identical articles")
            for seed: UInt64 in 0..<5 {
                let s = Splits.split(examples, seed: seed, validation: 0.1, test: 0.2)
                XCTAssertNoThrow(try LeakageCheck.verify(s, task: task))
                // Deliberately leaky: one example of a test article moved into training.
                var leaky = s
                leaky.train.append(leaky.test.removeLast())
                if leaky.test.contains(where: { $0.sources == leaky.train.last!.sources }) {
                    assertLeak(leaky, task: task, between: "train/test", document: leaky.train.last!.sources[0].id)
                }
            }
            // A copy of a test article's example under another article id is still that article.
            let s = Splits.split(examples, seed: 0, validation: 0.1, test: 0.2)
            var copy = s.test[0]
            copy.id += "-copy"; copy.group = "elsewhere"
            assertLeak(Splits(train: s.train + [copy], validation: s.validation, test: s.test), task: task, between: "train/test")
        }
    }

    func testTheFirstLeakIsNamedAndCounted() {
        let d = (0..<4).map { SourceDocument(id: "doc\($0)", text: "text \($0)") }
        func ex(_ id: String, _ s: [Int]) -> Example { Example(id: id, sources: s.map { d[$0] }, text: id, label: .none) }
        let splits = Splits(train: [ex("t1", [2, 3]), ex("t2", [3]), ex("t3", [0])], validation: [ex("v1", [1])],
                            test: [ex("x1", [3]), ex("x2", [2, 3])])
        XCTAssertThrowsError(try LeakageCheck.verify(splits, task: "toy")) { e in
            let leak = e as! LeakageCheck.Leak
            XCTAssertEqual(leak.splits, "train/test")
            XCTAssertEqual(leak.document.id, "doc2")
            XCTAssertEqual([leak.trainCount, leak.otherCount, leak.leakingDocuments], [1, 1, 2])
            XCTAssertEqual(leak.description, "task toy: leakage between train/test: document 'doc2' (sha256 \(d[2].fingerprint.prefix(12))) feeds 1 train example(s) (e.g. 't1') and 1 test example(s) (e.g. 'x2'); 2 document(s) leak across train/test in all. A source document must stay in one split.")
        }
        XCTAssertEqual(LeakageCheck.documentCount(splits.test), 2)
    }
}
