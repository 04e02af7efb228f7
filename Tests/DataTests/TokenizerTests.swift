import Foundation
import XCTest
import Data

/// Tokenizer behaviour on a tiny hand-written vocabulary (no network): WordPiece, truncation, offsets,
/// QA span mapping, the vocabulary trainer.
final class TokenizerTests: XCTestCase {
    let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "the", "cafe", "!", ",", "paris", "is", "in", "france", "where", "?"]
    lazy var tok = try! BertTokenizer(vocabulary: Vocabulary(tokens: tokens))

    func testGreedyLongestMatchAndUnknownWords() throws {
        XCTAssertEqual(try tok.encode("Unaffable, the CAFÉ!").ids, [2, 5, 6, 7, 11, 8, 9, 10, 3])
        XCTAssertEqual(try tok.encode("unaffx").ids, [2, 1, 3], "no piece for 'x' → whole word [UNK]")
        XCTAssertEqual(try tok.encode(String(repeating: "un", count: 51)).ids, [2, 1, 3], "102 chars > 100 → [UNK]")
    }

    func testOffsetsPointIntoOriginalText() {
        let text = "Où? CAFÉ unaffable"
        let (ids, offsets) = tok.tokenize(text)
        let scalars = Array(text.unicodeScalars)
        XCTAssertEqual(ids, [1, 17, 9, 5, 6, 7])
        XCTAssertEqual(offsets.map { String(String.UnicodeScalarView(scalars[$0.start..<$0.end])) }, ["Où", "?", "CAFÉ", "un", "aff", "able"])
    }

    func testTruncationStrategies() throws {
        let a = "the the the the the", b = "paris paris"
        let lf = try tok.encode(a, b, maxLength: 8, truncation: .longestFirst)
        XCTAssertEqual(lf.ids, [2, 8, 8, 8, 3, 12, 12, 3])
        XCTAssertEqual(lf.typeIDs, [0, 0, 0, 0, 0, 1, 1, 1])
        let os = try tok.encode(b, a, maxLength: 8, truncation: .onlySecond)
        XCTAssertEqual(os.ids, [2, 12, 12, 3, 8, 8, 8, 3])
        XCTAssertThrowsError(try tok.encode(a, b, maxLength: 4, truncation: .onlySecond))
    }

    func testSpanQAEncoding() throws {
        let ex = Example(id: "q", text: "Where is Paris?", pair: "The cafe is in Paris, France!", label: .spans([AnswerSpan(text: "Paris", start: 15)]))
        let out = try ExampleEncoder.encode([ex], tokenizer: tok, maxLength: 32)
        let e = try tok.encode(ex.text, ex.pair)
        XCTAssertEqual(out.examples[0].label, .span(start: 10, end: 10))
        XCTAssertEqual(e.ids[10], 12)
        // Truncating the context before the answer drops the row for training.
        XCTAssertEqual(try ExampleEncoder.encode([ex], tokenizer: tok, maxLength: 10).examples.count, 0)
    }

    func testTrainerIsDeterministicAndCoversTheText() throws {
        let texts = ["the cat sat on the mat", "the cats sat", "a mat for the cat", "matting cats"]
        let v = WordPieceTrainer.train(texts: texts, vocabularySize: 40, minWordFrequency: 1)
        XCTAssertEqual(v, WordPieceTrainer.train(texts: texts.reversed(), vocabularySize: 40, minWordFrequency: 1))
        XCTAssertEqual(Array(v.prefix(5)), WordPieceTrainer.specialTokens)
        XCTAssertTrue(v.contains("the") && v.contains("cat"), "\(v)")
        let t = try BertTokenizer(vocabulary: Vocabulary(tokens: v))
        XCTAssertFalse(try t.encode("the cats sat on the mat").ids.contains(t.unkID))
    }
}
