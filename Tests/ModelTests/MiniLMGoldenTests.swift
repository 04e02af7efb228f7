import Foundation
import Model
import XCTest

/// The engine's BERT forward against sentence embeddings computed independently (numpy, float64, by
/// scripts/make_minilm_golden.py) from the same pinned checkpoint: cosine ≥ 0.9999 per sentence. Also checks
/// that upcycling into N identical experts leaves the encoder's function unchanged when the gate is 1.
final class MiniLMGoldenTests: XCTestCase {
    struct Row: Decodable { let sentence: String; let ids: [Int32]; let token_type_ids: [Int32]; let embedding: [Float] }

    func minilmDirectory() throws -> URL {
        let env = ProcessInfo.processInfo.environment
        let dir = env["HMPIPE_MINILM_DIR"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".hmpipe/pinned/minilm")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("MiniLM not fetched at \(dir.path): run `make fetch-test-data` (or set HMPIPE_MINILM_DIR)")
        }
        return dir
    }

    func goldenRows() throws -> [Row] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Golden", withExtension: nil))
            .appendingPathComponent("minilm_golden.json")
        return try JSONDecoder().decode([Row].self, from: Data(contentsOf: url))
    }

    /// All golden sentences as one padded batch (exercises the padding mask too).
    func batch(_ rows: [Row]) -> ModelBatch {
        let L = rows.map(\.ids.count).max()!
        var ids = [Int32](), types = [Int32](), mask = [Float]()
        for r in rows {
            let pad = L - r.ids.count
            ids += r.ids + [Int32](repeating: 0, count: pad)
            types += r.token_type_ids + [Int32](repeating: 0, count: pad)
            mask += [Float](repeating: 1, count: r.ids.count) + [Float](repeating: 0, count: pad)
        }
        return ModelBatch(batch: rows.count, length: L, ids: ids, types: types, mask: mask,
                          labels: .classes([Int32](repeating: 0, count: rows.count)))
    }

    func cosine(_ a: [Float], _ b: [Float]) -> Double {
        let dot = zip(a, b).map { Double($0) * Double($1) }.reduce(0, +)
        let na = a.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
        let nb = b.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
        return dot / (na * nb)
    }

    func encoder(_ moe: MoEConfig?, rows: [Row]) throws -> Transformer {
        let weights = try BertWeights.load(directory: try minilmDirectory())
        let L = rows.map(\.ids.count).max()!
        let config = try ModelConfig(bert: weights.config, maxPositions: 512, moe: moe, head: .classification(classes: 2))
        let model = Transformer(config: config, maxBatch: rows.count, maxLength: L, seed: 1)
        try model.load(bert: weights)
        return model
    }

    func testDenseEncoderMatchesGoldenEmbeddings() throws {
        let rows = try goldenRows()
        let model = try encoder(nil, rows: rows)
        let got = model.sentenceEmbeddings(batch(rows))
        for (row, emb) in zip(rows, got) {
            XCTAssertGreaterThanOrEqual(cosine(row.embedding, emb), 0.9999, row.sentence)
        }
    }

    func testUpcycledEncoderWithUnitGateMatchesGolden() throws {
        var moe = MoEConfig()
        moe.variant = .moe; moe.experts = 4; moe.every = 2; moe.router = .noisyTopK; moe.topK = 1
        let rows = try goldenRows()
        let model = try encoder(moe, rows: rows)
        let got = model.sentenceEmbeddings(batch(rows))
        for (row, emb) in zip(rows, got) {
            XCTAssertGreaterThanOrEqual(cosine(row.embedding, emb), 0.9999, row.sentence)
        }
    }
}
