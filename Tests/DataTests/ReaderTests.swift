import Foundation
import XCTest
import Data

/// Each reader on small files written here in the real format, including malformed rows.
final class ReaderTests: XCTestCase {
    func file(_ name: String, _ text: String) -> URL {
        let url = temporaryDirectory().appendingPathComponent(name)
        write(text, to: url)
        return url
    }

    func assertError(_ body: @autoclosure () throws -> Any, line: Int?, field: String?, file: StaticString = #filePath, l: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: l) { e in
            guard let d = e as? DataError else { return XCTFail("not a DataError: \(e)", file: file, line: l) }
            XCTAssertEqual(d.line, line, "\(d)", file: file, line: l)
            XCTAssertEqual(d.field, field, "\(d)", file: file, line: l)
        }
    }

    func testVADERSentimentAndRating() throws {
        let url = file("nyt.txt", "1_1\t0.4\tGood news today.\r\n1_2\t0\tNeutral line.\r\n2_1\t-1.5\tBad news.\r\n")
        let s = try VADERReader.read(url, domain: .nyt, task: .sentiment)
        XCTAssertEqual(s.map(\.label), [.classIndex(1), .classIndex(0)], "zero rating dropped")
        XCTAssertEqual(s.map(\.group), ["nyt-1", "nyt-2"], "NYT sentences grouped by article")
        XCTAssertEqual(s[0].text, "Good news today.", "no CR left over")
        XCTAssertEqual(try VADERReader.read(url, domain: .nyt, task: .rating).count, 3)
        assertError(try VADERReader.read(file("bad.txt", "1\t0.5\tok\n2\tlots\ttext\n"), domain: .movie, task: .rating), line: 2, field: "mean_rating")
        assertError(try VADERReader.read(file("bad2.txt", "1\t0.5\tok\n2\t0.1\n"), domain: .movie, task: .rating), line: 2, field: "columns")
    }

    func testGLUELayouts() throws {
        let cola = try GLUEReader.read(file("cola.tsv", "gj04\t1\t\tOur friends won't buy this analysis.\ngj04\t0\t*\tThey drank the pub.\n"), task: .cola)
        XCTAssertEqual(cola.map(\.label), [.classIndex(1), .classIndex(0)])
        XCTAssertEqual(cola[1].text, "They drank the pub.")
        let mnli = try GLUEReader.read(file("mnli.tsv", "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label\n0\t1\t2\tgov\tx\tx\tx\tx\tA man eats.\tSomeone eats.\tentailment\tentailment\n"), task: .mnli)
        XCTAssertEqual(mnli[0].pair, "Someone eats.")
        XCTAssertEqual(mnli[0].label, .classIndex(0))
        let stsb = try GLUEReader.read(file("stsb.tsv", "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n0\tmain\tf\t2012\t1\tnone\tnone\tA plane takes off.\tAn air plane is taking off.\t5.000\n"), task: .stsb)
        XCTAssertEqual(stsb[0].label, .value(5))
        let test = try GLUEReader.read(file("sst.tsv", "index\tsentence\n0\tit 's a charming journey .\n"), task: .sst2)
        XCTAssertEqual(test[0].label, .none, "test files have no labels")
        assertError(try GLUEReader.read(file("q.tsv", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t2\t3\tHow?\n"), task: .qqp), line: 2, field: "columns")
        assertError(try GLUEReader.read(file("r.tsv", "index\tsentence1\tsentence2\tlabel\n0\ta\tb\tmaybe\n"), task: .rte), line: 2, field: "label")
        assertError(try GLUEReader.read(file("m.tsv", "index\tsentence\tlabel\n"), task: .mrpc), line: 1, field: "#1 String")
    }

    func testSuperGLUE() throws {
        let copa = try SuperGLUEReader.read(file("copa.jsonl", #"{"premise": "My body cast a shadow.", "choice1": "The sun was rising.", "choice2": "The grass was cut.", "question": "cause", "idx": 0, "label": 0}"# + "\n"), task: .copa)
        XCTAssertEqual(copa.map(\.label), [.classIndex(1), .classIndex(0)])
        XCTAssertEqual(Set(copa.map(\.group)).count, 1)
        let boolq = try SuperGLUEReader.read(file("b.jsonl", #"{"question": "is it?", "passage": "It is.", "idx": 3, "label": true}"#), task: .boolq)
        XCTAssertEqual(boolq[0].label, .classIndex(1))
        let multirc = try SuperGLUEReader.read(file("m.jsonl", #"{"idx": 0, "passage": {"text": "P.", "questions": [{"question": "Q?", "idx": 0, "answers": [{"text": "a", "idx": 0, "label": 1}, {"text": "b", "idx": 1, "label": 0}]}]}}"#), task: .multirc)
        XCTAssertEqual(multirc.map(\.label), [.classIndex(1), .classIndex(0)])
        let record = try SuperGLUEReader.read(file("r.jsonl", #"{"idx": 0, "passage": {"text": "Obama met Merkel.", "entities": [{"start": 0, "end": 4}, {"start": 10, "end": 15}]}, "qas": [{"query": "@placeholder is German.", "idx": 0, "answers": [{"start": 10, "end": 15, "text": "Merkel"}]}]}"#), task: .record)
        XCTAssertEqual(record.filter { $0.label == .classIndex(1) }.map(\.pair), ["Merkel is German."])
        assertError(try SuperGLUEReader.read(file("cb.jsonl", #"{"premise": "a", "hypothesis": "b", "label": "entailment", "idx": 0}"# + "\n" + #"{"premise": "a", "label": "neutral", "idx": 1}"#), task: .cb), line: 2, field: "hypothesis")
        assertError(try SuperGLUEReader.read(file("x.jsonl", "{not json}\n"), task: .wic), line: 1, field: nil)
    }

    /// COPA, MultiRC and ReCoRD rows carry the question they answer (scored per question) and share their item's or
    /// passage's source document; a broken nested field is named by its path.
    func testSuperGLUECandidatesAndNestedFieldErrors() throws {
        let copa = try SuperGLUEReader.read(file("copa.jsonl", #"{"premise": "My body cast a shadow.", "choice1": "The sun was rising.", "choice2": "The grass was cut.", "question": "cause", "idx": 4, "label": 1}"#), task: .copa)
        XCTAssertEqual(copa.map(\.candidate), [Candidate(question: "copa-4", text: "The sun was rising."), Candidate(question: "copa-4", text: "The grass was cut.")])
        XCTAssertEqual(copa.map(\.label), [.classIndex(0), .classIndex(1)])
        XCTAssertEqual(copa[0].sources, copa[1].sources, "one item, one document")
        let multirc = #"{"idx": 2, "passage": {"text": "P.", "questions": [{"question": "Q?", "idx": 7, "answers": [{"text": "a", "idx": 0, "label": 1}, {"text": "b", "idx": 1, "label": 0}]}, {"question": "R?", "idx": 8, "answers": [{"text": "c", "idx": 2, "label": 0}]}]}}"#
        let m = try SuperGLUEReader.read(file("m.jsonl", multirc), task: .multirc)
        XCTAssertEqual(m.map { $0.candidate?.question }, ["multirc-2-q7", "multirc-2-q7", "multirc-2-q8"])
        XCTAssertEqual(Set(m.flatMap(\.sources)).count, 1, "the passage is the document of all its questions")
        assertError(try SuperGLUEReader.read(file("m2.jsonl", "\n" + multirc.replacingOccurrences(of: #""idx": 1, "label": 0"#, with: #""idx": 1, "label": "maybe""#)), task: .multirc),
                    line: 2, field: "passage.questions[0].answers[1].label")
        let record = try SuperGLUEReader.read(file("r.jsonl", #"{"idx": 0, "passage": {"text": "Obama met Merkel.", "entities": [{"start": 0, "end": 4}, {"start": 10, "end": 15}]}, "qas": [{"query": "@placeholder is German.", "idx": 3, "answers": [{"start": 10, "end": 15, "text": "Merkel"}]}]}"#), task: .record)
        XCTAssertEqual(record.map(\.candidate), [Candidate(question: "record-0-3", text: "Merkel", answers: ["Merkel"]),
                                                 Candidate(question: "record-0-3", text: "Obama", answers: ["Merkel"])])
        assertError(try SuperGLUEReader.read(file("r2.jsonl", #"{"idx": 0, "passage": {"text": "Obama.", "entities": [{"start": 0, "end": 40}]}, "qas": []}"#), task: .record),
                    line: 1, field: "passage.entities[0]")
        assertError(try SuperGLUEReader.read(file("c2.jsonl", #"{"premise": "p", "choice1": "a", "choice2": "b", "question": "cause", "idx": 0, "label": 2}"#), task: .copa),
                    line: 1, field: "label")
    }

    func testSQuAD() throws {
        let json = #"{"version": "1.1", "data": [{"title": "T", "paragraphs": [{"context": "Café in Paris opened 1886.", "qas": [{"id": "q1", "question": "Where?", "answers": [{"text": "Paris", "answer_start": 8}]}]}]}]}"#
        let ex = try SQuADReader.read(file("s.json", json))
        XCTAssertEqual(ex[0].label, .spans([AnswerSpan(text: "Paris", start: 8)]))
        XCTAssertEqual(ex[0].group, "T")
        assertError(try SQuADReader.read(file("b.json", json.replacingOccurrences(of: "\"answer_start\": 8", with: "\"answer_start\": 9"))),
                    line: nil, field: "data[0].paragraphs[0].qas[0].answers[0].answer_start")
    }

    func testWikiTextAndSummaries() throws {
        let wt = try WikiTextReader.read(file("wiki.train.raw", " \n = Valkyria = \n \n Text one . \n = = Section = = \n More . \n = Other = \n Two . \n"))
        XCTAssertEqual(wt.count, 2)
        XCTAssertEqual(wt.map(\.group), ["Valkyria", "Other"])
        let xs = try SummarizationReader.read(file("x.jsonl", #"{"document": "Long text.", "summary": "Short.", "id": "7"}"# + "\n" + #"{"article": "A.", "highlights": "H."}"#))
        XCTAssertEqual(xs.map(\.label), [.target("Short."), .target("H.")])
        assertError(try SummarizationReader.read(file("y.jsonl", #"{"document": "x"}"#)), line: 1, field: "summary")
    }

    func testWikipediaDumpDropsRedirectsAndMarkup() throws {
        let xml = """
        <mediawiki><page><title>AccessibleComputing</title><ns>0</ns><redirect title="Computer accessibility" /><revision><text xml:space="preserve">#REDIRECT [[Computer accessibility]]</text></revision></page>
        <page><title>Talk:X</title><ns>1</ns><revision><text>talk</text></revision></page>
        <page><title>Anarchism</title><ns>0</ns><revision><text xml:space="preserve">{{Redirect|Anarchist|other uses|{{nested}}}}
        '''Anarchism''' is a [[political philosophy]] that advocates [[Self-governance|self-governed]] societies.&lt;ref name="a"&gt;cite&lt;/ref&gt; See [http://example.org the site].
        [[File:Flag.svg|thumb|A [[flag]]]]
        == History ==
        * Early [[Taoism|Taoists]] &amp; others.&lt;!-- hidden --&gt;
        [[Category:Political ideologies]]</text></revision></page></mediawiki>
        """
        let articles = try WikipediaDumpReader.parse(xml, file: "dump.xml")
        XCTAssertEqual(articles.map(\.title), ["Anarchism"])
        XCTAssertEqual(articles[0].text, "Anarchism is a political philosophy that advocates self-governed societies. See the site.\n\nEarly Taoists & others.")
        assertError(try WikipediaDumpReader.parse("<page><title>A</title>", file: "d.xml"), line: 1, field: "page")
    }

    func testNewsLatin1AndLee() throws {
        let dir = temporaryDirectory()
        let docs = dir.appendingPathComponent("lee.cor")
        try Data([0x43, 0x61, 0x66, 0xE9, 0x20, 0x6F, 0x6E, 0x65, 0x0A, 0x54, 0x77, 0x6F, 0x0A, 0x54, 0x68, 0x72, 0x65, 0x65]).write(to: docs)
        XCTAssertEqual(try NewsReader.articles(docs), ["Café one", "Two", "Three"])
        let sims = dir.appendingPathComponent("s.txt")
        write("1\t0.5\t0.25\n0\t1\t0.75\n0\t0\t1\n", to: sims)
        let pairs = try LeeSimilarityReader.read(documents: docs, similarities: sims)
        XCTAssertEqual(pairs.map(\.label), [.value(0.5), .value(0.25), .value(0.75)])
        write("1\t0.5\t0.25\n0\t1\t7\n0\t0\t1\n", to: sims)
        assertError(try LeeSimilarityReader.read(documents: docs, similarities: sims), line: 2, field: "column 3")
    }

    func testSplitsAreSeededAndByGroup() {
        let ex = (0..<200).map { Example(id: "e\($0)", group: "doc\($0 / 4)", text: "t\($0)", label: .none) }
        let a = Splits.split(ex, seed: 1), b = Splits.split(ex.reversed(), seed: 1), c = Splits.split(ex, seed: 2)
        XCTAssertEqual(Set(a.test.map(\.id)), Set(b.test.map(\.id)), "independent of input order")
        XCTAssertNotEqual(Set(a.test.map(\.id)), Set(c.test.map(\.id)))
        XCTAssertEqual(a.test.count, 20); XCTAssertEqual(a.validation.count, 20); XCTAssertEqual(a.train.count, 160)
        XCTAssertTrue(Set(a.train.map(\.group)).isDisjoint(with: a.test.map(\.group)))
    }
}
