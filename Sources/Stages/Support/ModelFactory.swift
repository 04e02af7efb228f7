import Foundation
import Formats
import Model

/// Where a `train`/`train-seq2seq` model starts: the pinned pretrained MiniLM (upcycled into N experts per MoE
/// block) or a small BERT-style model from random init.
enum Backbone: String, CaseIterable, Sendable { case minilm, scratch }

/// The model part of `train` parameters → an engine `ModelConfig`. Every choice is decoded into the engine's
/// own enum here, once; an omitted field keeps the engine's default (`MoEConfig`, `HyperConfig`), which is
/// therefore written in one place.
struct ModelParams: Decodable, Sendable {
    var variant: Choice<Variant>
    var experts: Int?
    var topK: Int?
    var router: Choice<RouterKind>?
    var every: Int?
    var capacityFactor: Float?
    var pooling: Choice<SelectionPooling>?
    var hyperPath: Choice<HyperPath>?
    var expertEmbeddingDim: Int?
    var hypernetInput: Int?
    var bottleneck: Int?
    var adapterDim: Int?
    var backbone: Choice<Backbone>
    var width: Int?
    var layers: Int?
    var heads: Int?
    var ffnWidth: Int?
    var dropout: Float?
    var balanceCoef: Float?
    var zLossCoef: Float?

    func moeConfig() throws -> MoEConfig? {
        if variant.value == .dense { return nil }
        var m = MoEConfig()
        m.variant = variant.value
        if let x = experts { m.experts = x }
        if let x = topK { m.topK = x }
        if let x = every { m.every = x }
        // Upcycled backbones use the paper's GPT-2 recipe (noisy top-1, gate ≡ 1) so step 0 equals the backbone.
        m.router = router?.value ?? (backbone.value == .minilm ? .noisyTopK : .switchTop1)
        m.capacityFactor = capacityFactor
        if let b = balanceCoef { m.balanceCoef = b }
        if let z = zLossCoef { m.zLossCoef = z }
        if let p = pooling { m.hyper.pooling = p.value }
        if let p = hyperPath { m.hyper.path = p.value }
        if let x = expertEmbeddingDim { m.hyper.expertEmbeddingDim = x }
        if let x = hypernetInput { m.hyper.hypernetInput = x }
        if let x = bottleneck { m.hyper.bottleneck = x }
        if let x = adapterDim { m.hyper.adapterDim = x }
        guard m.experts >= 2, m.experts <= 64 else { throw StageParameterError(path: "experts", "must be in 2…64") }
        guard m.every >= 1 else { throw StageParameterError(path: "every", "must be positive") }
        if let c = capacityFactor, !(c > 0) { throw StageParameterError(path: "capacity_factor", "must be positive") }
        if m.topK < 1 || m.topK >= m.experts { throw StageParameterError(path: "top_k", "must be in 1…experts−1") }
        if m.router == .switchTop1, m.topK != 1 { throw StageParameterError(path: "top_k", "the switch router is top-1") }
        return m
    }

    func head(_ task: TaskInfo) -> HeadKind {
        switch task.head {
        case .classification: return .classification(classes: task.classes)
        case .regression: return .regression
        case .span: return .span
        case .lm: return .causalLM
        case .seq2seq: return .causalLM   // unused: Seq2SeqConfig ignores the encoder config's head
        }
    }

    /// Engine config; for `minilm` also the weights to load.
    func build(task: TaskInfo, backbone: (config: URL, weights: URL)?) throws -> (ModelConfig, BertWeights?) {
        let moe = try moeConfig()
        switch backbone {
        case let (config, weights)?:
            let bert = try BertWeights(config: try BertConfig.load(contentsOf: config),
                                       tensors: try SafeTensors.read(contentsOf: weights))
            guard bert.config.vocabSize == task.vocabSize else {
                throw StageFailure("the backbone's vocabulary (\(bert.config.vocabSize)) differs from the data's (\(task.vocabSize))")
            }
            var c = try ModelConfig(bert: bert.config, maxPositions: task.maxLength, moe: moe, head: head(task))
            if let d = dropout { c.dropout = d }
            return (c, bert)
        case nil:
            var c = ModelConfig()
            c.vocabSize = task.vocabSize; c.maxPositions = task.maxLength
            c.width = width ?? 128; c.layers = layers ?? 4; c.heads = heads ?? 4; c.ffnWidth = ffnWidth ?? 4 * c.width
            c.moe = moe; c.head = head(task)
            if task.head == .lm {   // GPT-2 style: causal, pre-LN with a final norm, tied output embedding
                c.causal = true; c.preNorm = true; c.typeVocabSize = 0
            }
            if let d = dropout { c.dropout = d }
            return (c, nil)
        }
    }
}
