import Foundation
import XCTest
import Data

/// Summarization data on a tiny hand-written vocabulary: source/target encoding and truncation, pair shards on
/// disk, teacher-forcing batch layout, and WordPiece decoding back to text.
final class Seq2SeqDataTests: XCTestCase {
    let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "the", "cafe", "!", ",",
                  "paris", "is", "in", "france", "where", "?", "'", "s", "n", "t"]
    lazy var tok = try! BertTokenizer(vocabulary: Vocabulary(tokens: tokens))

    func pair(_ document: String, _ summary: String, id: String = "d") -> Example {
        Example(id: id, text: document, label: .target(summary))
    }

    func testSourceAndTargetAreBracketedByTheVocabularysBosAndEos() throws {
        let out = try ExampleEncoder.encodePairs([pair("paris is in france", "the cafe")], tokenizer: tok,
                                                 maxSourceLength: 16, maxTargetLength: 16)
        XCTAssertEqual(out.kind, .target)
        XCTAssertEqual(out.examples[0].ids, [tok.clsID, 12, 13, 14, 15, tok.sepID])
        XCTAssertEqual(out.examples[0].label, .target([tok.clsID, 8, 9, tok.sepID]))
        XCTAssertEqual(out.sources, [0])
    }

    func testTruncationKeepsEosOnSourceAndTarget() throws {
        let out = try ExampleEncoder.encodePairs([pair("paris is in france where", "the cafe is in paris")], tokenizer: tok,
                                                 maxSourceLength: 4, maxTargetLength: 5)
        XCTAssertEqual(out.examples[0].ids, [tok.clsID, 12, 13, tok.sepID])
        XCTAssertEqual(out.examples[0].label, .target([tok.clsID, 8, 9, 13, tok.sepID]))
    }

    func testExamplesWithoutATargetAreRejectedByName() {
        let bad = Example(id: "row-7", text: "paris", label: .classIndex(1))
        XCTAssertThrowsError(try ExampleEncoder.encodePairs([bad], tokenizer: tok, maxSourceLength: 8, maxTargetLength: 8)) {
            XCTAssertTrue("\($0)".contains("row-7"), "\($0)")
        }
    }

    func testPairShardRoundTripsThroughDisk() throws {
        let examples = [pair("paris is in france", "the cafe", id: "a"), pair("where is the cafe ?", "paris", id: "b"),
                        pair("unaffable", "", id: "c")]
        let rows = try ExampleEncoder.encodePairs(examples, tokenizer: tok, maxSourceLength: 32, maxTargetLength: 8).examples
        let url = temporaryDirectory().appendingPathComponent("pairs.shard")
        try ShardFile.write(rows, kind: .target, vocabHash: tok.vocabulary.hash, to: url)
        let (kind, back) = try ShardFile.read(url, vocabHash: tok.vocabulary.hash)
        XCTAssertEqual(kind, .target)
        XCTAssertEqual(back, rows)
        XCTAssertEqual(back[2].label, .target([tok.clsID, tok.sepID]), "an empty summary is BOS EOS")
    }

    func testTeacherForcingBatchShiftsTargetsAndPadsLabelsWithTheIgnoreIndex() {
        let rows = [TokenizedExample(ids: [2, 12, 13, 3], label: .target([2, 8, 9, 3])),
                    TokenizedExample(ids: [2, 15, 3], label: .target([2, 16, 3]))]
        let b = ShardReader(examples: rows, kind: .target).makeBatch([0, 1], position: BatchPosition())
        XCTAssertEqual(b.seqLen, 4)
        XCTAssertEqual(b.ids, [2, 12, 13, 3, 2, 15, 3, 0])
        XCTAssertEqual(b.attentionMask, [1, 1, 1, 1, 1, 1, 1, 0])
        XCTAssertEqual(b.targetLength, 3)
        XCTAssertEqual(b.targetInput, [2, 8, 9, 2, 16, 0], "BOS y1 …, padded with [PAD]")
        XCTAssertEqual(b.targetMask, [1, 1, 1, 1, 1, 0])
        XCTAssertEqual(b.targetLabels, [8, 9, 3, 16, 3, Batch.ignoreIndex], "y1 … EOS, padding ignored")
    }

    func testPairBatchesStreamAndResumeLikeEveryOtherShard() {
        var rng = SeededRandom(seed: 5)
        let rows = (0..<90).map { _ in
            TokenizedExample(ids: (0..<(3 + rng.below(20))).map { _ in Int32(5 + rng.below(15)) },
                             label: .target((0..<(2 + rng.below(6))).map { _ in Int32(5 + rng.below(15)) }))
        }
        let reader = ShardReader(examples: rows, kind: .target)
        let plan = ShardReader.Plan(batchSize: 8, seed: 2, bucketBatches: 3, dropLast: true)
        var full = BatchStream(reader: reader, plan: plan)
        let uninterrupted = (0..<20).map { _ in full.next()! }
        var resumed = BatchStream(reader: reader, plan: plan, start: uninterrupted[13].position)
        XCTAssertEqual((13..<20).map { _ in resumed.next()! }, Array(uninterrupted[13...]))
        for b in uninterrupted {
            XCTAssertEqual(b.targetLabels.count, b.rows * b.targetLength)
            XCTAssertEqual(b.targetMask.filter { $0 == 1 }.count, b.targetLabels.filter { $0 != Batch.ignoreIndex }.count)
        }
    }

    func testWordPieceDecoderJoinsPiecesSkipsSpecialsAndCleansSpaces() {
        let d = WordPieceDecoder(vocabulary: tok.vocabulary)
        XCTAssertEqual(d.decode([2, 5, 6, 7, 11, 8, 9, 10, 3, 0, 0]), "unaffable, the cafe!")
        XCTAssertEqual(d.decode([2, 8, 9, 18, 19, 1, 3]), "the cafe's", "clitic re-attached, [UNK] dropped")
        let raw = WordPieceDecoder(vocabulary: tok.vocabulary, skipSpecialTokens: false, cleanUpSpaces: false)
        XCTAssertEqual(raw.decode([2, 5, 6, 7, 11, 3]), "[CLS] unaffable , [SEP]")
    }

    func testDecodingInvertsEncodingUpToNormalisation() throws {
        let text = "Where is the CAFÉ, Paris?"
        let ids = try tok.encode(text).ids
        XCTAssertEqual(WordPieceDecoder(vocabulary: tok.vocabulary).decode(ids), "where is the cafe, paris?")
    }
}
