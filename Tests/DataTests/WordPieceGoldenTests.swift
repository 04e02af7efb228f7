import Foundation
import XCTest
import Data

/// Ids and offsets identical to the reference tokenizer (HF `tokenizers` with MiniLM's tokenizer.json;
/// see scripts/make_tokenizer_golden.py) on accents, CJK, punctuation, long words, emoji, controls.
final class WordPieceGoldenTests: XCTestCase {
    struct Golden: Decodable {
        struct Single: Decodable { let text: String; let ids: [Int32]; let offsets: [[Int]] }
        struct Pair: Decodable { let a: String; let b: String; let ids: [Int32]; let type_ids: [Int32] }
        let singles: [Single]
        let pairs: [Pair]
    }

    func load() throws -> (BertTokenizer, Golden) {
        let vocab = try realVocabulary()
        let tok = try BertTokenizer(vocabularyFile: vocab)
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: goldenURL("wordpiece_golden.json")))
        return (tok, golden)
    }

    func testSinglesMatchReference() throws {
        let (tok, golden) = try load()
        XCTAssertEqual(tok.vocabulary.count, 30522)
        for g in golden.singles {
            let e = try tok.encode(g.text)
            XCTAssertEqual(e.ids, g.ids, "ids for \(g.text.debugDescription)")
            XCTAssertEqual(e.offsets.map { [$0.start, $0.end] }, g.offsets, "offsets for \(g.text.debugDescription)")
        }
    }

    func testPairsMatchReference() throws {
        let (tok, golden) = try load()
        for g in golden.pairs {
            let e = try tok.encode(g.a, g.b)
            XCTAssertEqual(e.ids, g.ids, "pair \(g.a) / \(g.b)")
            XCTAssertEqual(e.typeIDs, g.type_ids)
        }
    }
}
