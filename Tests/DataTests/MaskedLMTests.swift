import Foundation
import XCTest
import Data

/// The MoE backbone's masked-LM data: BERT's 15 % / 80-10-10 masking and the corpus-wide document order that
/// keeps every prose task's held-out documents in one nested prefix.
final class MaskedLMTests: XCTestCase {
    let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cafe", "paris", "is", "in", "france", "where", "?"]
    lazy var tok = try! BertTokenizer(vocabulary: Vocabulary(tokens: tokens))

    /// 200,000 real tokens: every rate is checked against its binomial expectation at ±4.5 standard deviations
    /// (a false alarm once in ~150,000 runs; a rate off by 1 point in 15 is 6 SD away and fails).
    func testBertMaskingRatesAndSpecialTokens() throws {
        let masking = try MaskedLM.Masking(rate: 0.15, tokenizer: tok)
        var rng = SeededRandom(seed: 1)
        let n = 200_000
        var ids = [Int32](repeating: 0, count: n)   // [CLS] word … word [SEP], 50 tokens per sequence
        for i in 0..<n {
            let k = i % 50
            ids[i] = k == 0 ? 2 : (k == 49 ? 3 : Int32(5 + i % 8))
        }
        var mask = [Float](repeating: 1, count: n)
        for i in stride(from: 10, to: n, by: 1000) { mask[i] = 0; ids[i] = 0 }   // padding
        let original = ids
        let targets = masking.apply(&ids, mask: mask, rng: &rng)
        func within(_ count: Int, of trials: Int, p: Double, _ what: String) {
            let sd = (Double(trials) * p * (1 - p)).squareRoot()
            XCTAssertEqual(Double(count), Double(trials) * p, accuracy: 4.5 * sd, what)
        }
        let eligible = (0..<n).filter { mask[$0] != 0 && original[$0] >= 5 }
        let selected = eligible.filter { targets[$0] >= 0 }
        within(selected.count, of: eligible.count, p: 0.15, "15 % selected")
        within(selected.filter { ids[$0] == 4 }.count, of: selected.count, p: 0.8, "80 % [MASK]")
        let kept = selected.filter { ids[$0] == original[$0] }.count
        // "unchanged" also happens when the random token equals the original: 10 % + 10 % · 1/13.
        within(kept, of: selected.count, p: 0.1 + 0.1 / 13, "10 % unchanged")
        for t in 0..<n where !(mask[t] != 0 && original[t] >= 5) {
            XCTAssertEqual(targets[t], -1, "special or padding position \(t) selected")
            XCTAssertEqual(ids[t], original[t])
        }
        for t in selected { XCTAssertEqual(targets[t], original[t]) }
        for t in eligible where targets[t] < 0 { XCTAssertEqual(ids[t], original[t], "unselected positions are untouched") }
        // Deterministic per seed.
        var again = original, rng2 = SeededRandom(seed: 1)
        XCTAssertEqual(masking.apply(&again, mask: mask, rng: &rng2), targets)
        XCTAssertEqual(again, ids)
    }

    func testBlocksAreFramedAndNeverSpanDocuments() {
        let docs = [Array(repeating: "the cafe is in paris", count: 10).joined(separator: " "), "where is france ?", "paris"]
        let blocks = MaskedLM.blocks(docs, tokenizer: tok, length: 16, minimum: 3)
        XCTAssertEqual(blocks.map(\.count), [16, 16, 16, 10, 6], "50 tokens → 14 + 14 + 14 + 8 (+ [CLS] [SEP]); 'paris' is too short")
        for b in blocks { XCTAssertEqual(b.first, tok.clsID); XCTAssertEqual(b.last, tok.sepID) }
        XCTAssertEqual(Array(blocks[4].dropFirst().dropLast()), tok.tokenize("where is france ?").ids)
    }

    /// Two tasks built from one corpus, split in the shared document order: their test documents are nested,
    /// so excluding the larger test set from pre-training excludes both.
    func testSharedDocumentOrderNestsTheTestSetsOfTasksOverOneCorpus() {
        let docs = (0..<60).map { (id: "d\($0)", text: "Document \($0) tells its own story. It has two sentences about item \($0 * 7).") }
        func task(_ prefix: String, keep: (Int) -> Bool, perDocument: Int) -> [Example] {
            docs.enumerated().filter { keep($0.offset) }.flatMap { i, d in
                (0..<perDocument).map { k in
                    Example(id: "\(prefix)\(d.id)-\(k)", group: prefix + d.id, sources: [SourceDocument(id: d.id, text: d.text)],
                            text: "\(k) \(d.text)", label: .classIndex(k % 2))
                }
            }
        }
        let a = task("a:", keep: { $0 % 7 != 3 }, perDocument: 2), b = task("b-", keep: { _ in true }, perDocument: 1)
        func held(_ s: Splits) -> Set<String> { Set((s.validation + s.test).flatMap { $0.sources.map(\.fingerprint) }) }
        for seed: UInt64 in 0..<4 {
            let sa = Splits.split(a, seed: seed, validation: 0.1, test: 0.1, sharedDocumentOrder: true)
            let sb = Splits.split(b, seed: seed, validation: 0.1, test: 0.25, sharedDocumentOrder: true)
            XCTAssertNoThrow(try LeakageCheck.verify(sa, task: "a"))
            let union = held(sa).union(held(sb))
            XCTAssertLessThanOrEqual(union.count, max(held(sa).count, held(sb).count) + 2,
                                     "seed \(seed): nested prefixes (a skips some documents, so up to a group's worth more)")
            let ia = Splits.split(a, seed: seed, validation: 0.1, test: 0.1), ib = Splits.split(b, seed: seed, validation: 0.1, test: 0.25)
            XCTAssertGreaterThan(held(ia).union(held(ib)).count, union.count, "seed \(seed): independent orders hold out more")
        }
    }
}
