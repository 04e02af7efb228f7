import Foundation
import XCTest
import Data

final class ShardTests: XCTestCase {
    func sample(_ n: Int, kind: ShardLabelKind) -> [TokenizedExample] {
        var rng = SeededRandom(seed: 7)
        return (0..<n).map { i in
            let len = 2 + rng.below(30)
            let ids = (0..<len).map { _ in Int32(rng.below(30000)) }
            let types = (0..<len).map { $0 < len / 2 ? Int32(0) : 1 }
            let label: ShardLabel
            switch kind {
            case .none: label = .none
            case .classIndex: label = .classIndex(Int32(i % 3))
            case .value: label = .value(Float(i) * 0.25 - 3)
            case .span: label = .span(start: 1, end: Int32(len - 1))
            case .target: label = .target((0..<(i % 7)).map { _ in Int32(rng.below(30000)) })   // incl. empty
            }
            return TokenizedExample(ids: ids, typeIDs: types, label: label)
        }
    }

    func testRoundTripEveryLabelKind() throws {
        let dir = temporaryDirectory()
        for kind in [ShardLabelKind.none, .classIndex, .value, .span, .target] {
            let ex = sample(123, kind: kind)
            let urls = try writeShards(ex, kind: kind, vocabHash: String(repeating: "ab", count: 32), to: dir,
                                       prefix: "k\(kind.rawValue)", examplesPerShard: 50)
            XCTAssertEqual(urls.count, 3)
            let r = try ShardReader(files: urls, vocabHash: String(repeating: "ab", count: 32))
            XCTAssertEqual(r.count, 123)
            XCTAssertEqual(r.kind, kind)
            XCTAssertEqual((0..<r.count).map(r.example), ex)
        }
    }

    func testWrongVocabTruncationAndCorruptionAreErrors() throws {
        let dir = temporaryDirectory()
        let url = try writeShards(sample(40, kind: .classIndex), kind: .classIndex, vocabHash: String(repeating: "0", count: 64), to: dir)[0]
        XCTAssertThrowsError(try ShardFile.read(url, vocabHash: String(repeating: "1", count: 64))) {
            XCTAssertTrue("\($0)".contains("vocab"), "\($0)")
        }
        var bytes = try Data(contentsOf: url)
        let truncated = dir.appendingPathComponent("t.hmshard")
        try bytes.prefix(bytes.count - 10).write(to: truncated)
        XCTAssertThrowsError(try ShardFile.read(truncated)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
        bytes[bytes.count - 20] ^= 0x55
        let corrupt = dir.appendingPathComponent("c.hmshard")
        try bytes.write(to: corrupt)
        XCTAssertThrowsError(try ShardFile.read(corrupt)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
    }

    func testBatchesArePaddedWithLabels() {
        let ex = [TokenizedExample(ids: [5, 6, 7], label: .none), TokenizedExample(ids: [8], label: .none)]
        let r = ShardReader(examples: ex, kind: .none)
        let b = r.makeBatch([0, 1], position: BatchPosition())
        XCTAssertEqual(b.seqLen, 3)
        XCTAssertEqual(b.ids, [5, 6, 7, 8, 0, 0])
        XCTAssertEqual(b.attentionMask, [1, 1, 1, 1, 0, 0])
        XCTAssertEqual(b.lmTargets, [6, 7, -100, -100, -100, -100])
        XCTAssertEqual(b.tokenCount, 4)
    }

    func testShufflingIsDeterministicAndEpochsDiffer() {
        let r = ShardReader(examples: sample(500, kind: .classIndex), kind: .classIndex)
        let plan = ShardReader.Plan(batchSize: 16, seed: 3, bucketBatches: 4)
        XCTAssertEqual(r.batches(epoch: 0, plan: plan), r.batches(epoch: 0, plan: plan))
        XCTAssertNotEqual(r.batches(epoch: 0, plan: plan), r.batches(epoch: 1, plan: plan))
        XCTAssertEqual(r.batches(epoch: 0, plan: plan).flatMap { $0 }.sorted(), Array(0..<500), "every example once per epoch")
        // Bucketing pads less than random batching.
        func padding(_ bs: [[Int]]) -> Int { bs.reduce(0) { acc, b in acc + b.count * (b.map(r.length).max() ?? 0) - b.map(r.length).reduce(0, +) } }
        var noBucket = plan; noBucket.bucketBatches = 1
        XCTAssertLessThan(padding(r.batches(epoch: 0, plan: plan)), padding(r.batches(epoch: 0, plan: noBucket)))
    }

    func testResumeMidEpochIsIdentical() {
        let r = ShardReader(examples: sample(300, kind: .value), kind: .value)
        let plan = ShardReader.Plan(batchSize: 32, seed: 11, dropLast: true)
        var full = BatchStream(reader: r, plan: plan)
        let uninterrupted = (0..<25).map { _ in full.next()! }
        var first = BatchStream(reader: r, plan: plan)
        for _ in 0..<13 { _ = first.next() }
        let saved = first.position
        XCTAssertEqual(saved, BatchPosition(epoch: 1, batch: 4), "9 batches per epoch with dropLast")
        var resumed = BatchStream(reader: r, plan: plan, start: saved)
        let rest = (13..<25).map { _ in resumed.next()! }
        XCTAssertEqual(rest, Array(uninterrupted[13...]))
    }
}
