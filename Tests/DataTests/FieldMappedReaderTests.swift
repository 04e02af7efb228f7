import Data
import XCTest

/// Any dataset by field mapping: JSON Lines or TSV, single text or pair, class / value / answer-span labels, every
/// bad row named by file, line and field.
final class FieldMappedReaderTests: XCTestCase {
    func testJSONLinesClassesByNameOrIndex() throws {
        let m = FieldMapping(format: .jsonl, text: "sentence", label: "label", labelType: .class, classes: ["neg", "pos"], id: "idx")
        let text = """
        {"idx": 7, "sentence": "A fine film.", "label": "pos"}
        {"idx": 8, "sentence": "Dull.", "label": 0}

        {"idx": 9, "sentence": "A fine film.", "label": "1"}
        """
        let ex = try FieldMappedReader.parse(text, file: "d.jsonl", mapping: m)
        XCTAssertEqual(ex.map(\.label), [.classIndex(1), .classIndex(0), .classIndex(1)])
        XCTAssertEqual(ex.map(\.id), ["7", "8", "9"])
        // Identical texts are one document: they can never land on both sides of a split.
        XCTAssertEqual(ex[0].group, ex[2].group)
        XCTAssertNotEqual(ex[0].group, ex[1].group)
    }

    func testTSVPairWithValueAndGroup() throws {
        let m = FieldMapping(format: .tsv, text: "s1", pair: "s2", label: "score", labelType: .value, group: "doc")
        let ex = try FieldMappedReader.parse("doc\ts1\ts2\tscore\nd1\tA man sings.\tA man is singing.\t4.5\nd1\tA cat.\tA dog.\t0.25\n",
                                             file: "d.tsv", mapping: m)
        XCTAssertEqual(ex.map(\.label), [.value(4.5), .value(0.25)])
        XCTAssertEqual(ex.map(\.pair), ["A man is singing.", "A dog."])
        XCTAssertEqual(ex.map(\.group), ["d1", "d1"])
        XCTAssertEqual(ex.map(\.id), ["line-2", "line-3"])
    }

    func testSpansInSQuADAndDatasetsLayouts() throws {
        let m = FieldMapping(format: .jsonl, text: "question", pair: "context", label: "answers", labelType: .span)
        let text = """
        {"question": "Who sang?", "context": "Ms Müller sang.", "answers": [{"text": "Ms Müller", "answer_start": 0}]}
        {"question": "What did she do?", "context": "Ms Müller sang.", "answers": {"text": ["sang", "sang."], "answer_start": [10, 10]}}
        """
        let ex = try FieldMappedReader.parse(text, file: "qa.jsonl", mapping: m)
        XCTAssertEqual(ex[0].label, .spans([AnswerSpan(text: "Ms Müller", start: 0)]))
        XCTAssertEqual(ex[1].label, .spans([AnswerSpan(text: "sang", start: 10), AnswerSpan(text: "sang.", start: 10)]))
    }

    func testBadRowsNameFileLineAndField() {
        func message(_ text: String, _ m: FieldMapping, file: String = "d.jsonl") -> String {
            do { _ = try FieldMappedReader.parse(text, file: file, mapping: m); return "no error" } catch { return "\(error)" }
        }
        let cls = FieldMapping(format: .jsonl, text: "t", label: "y", labelType: .class, classes: ["neg", "pos"])
        XCTAssertEqual(message("{\"t\": \"ok\", \"y\": \"pos\"}\n{\"t\": \"x\", \"y\": \"neutral\"}", cls),
                       "d.jsonl:2 [y]: unknown class 'neutral' (expected one of neg, pos, or an index 0–1)")
        XCTAssertEqual(message("{\"t\": \"x\", \"y\": 2}", cls), "d.jsonl:1 [y]: unknown class '2' (expected one of neg, pos, or an index 0–1)")
        XCTAssertEqual(message("{\"text\": \"x\", \"y\": \"pos\"}", cls), "d.jsonl:1 [t]: missing")
        XCTAssertEqual(message("{\"t\": \"  \", \"y\": \"pos\"}", cls), "d.jsonl:1 [t]: empty text")
        XCTAssertEqual(message("{\"t\": \"x\"}", cls), "d.jsonl:1 [y]: unknown class 'nothing' (expected one of neg, pos, or an index 0–1)")
        let value = FieldMapping(format: .tsv, text: "t", label: "y", labelType: .value)
        XCTAssertEqual(message("t\ty\nok\t1\nbad\thigh\n", value, file: "d.tsv"), "d.tsv:3 [y]: 'high' is not a number")
        XCTAssertEqual(message("t\tscore\nok\t1\n", value, file: "d.tsv"), "d.tsv:1 [y]: column missing from the header (have: t, score)")
        let span = FieldMapping(format: .jsonl, text: "q", pair: "c", label: "a", labelType: .span)
        XCTAssertEqual(message("{\"q\": \"?\", \"c\": \"abc\", \"a\": [{\"text\": \"bc\", \"answer_start\": 0}]}", span),
                       "d.jsonl:1 [a[0]]: answer 'bc' is not the context's text at answer_start 0")
        // A mapping that cannot work is refused before any row is read.
        XCTAssertEqual(message("", FieldMapping(format: .jsonl, text: "t", label: "y", labelType: .class, classes: ["only"])),
                       "d.jsonl [classes]: field mapping: a class label needs the list of at least two class names")
        XCTAssertEqual(message("", FieldMapping(format: .jsonl, text: "q", label: "a", labelType: .span)),
                       "d.jsonl [pair]: field mapping: a span label needs the context field as `pair` (the text is the question)")
    }
}
