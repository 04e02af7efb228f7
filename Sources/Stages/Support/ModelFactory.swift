import Foundation
import Formats
import Model

/// The model part of `train` parameters → an engine `ModelConfig`. Backbones: `minilm` (the pinned pretrained
/// encoder, upcycled into N experts per MoE block) or `scratch` (a small BERT-style encoder from random init).
struct ModelParams: Decodable {
    var variant: String
    var experts: Int?
    var topK: Int?
    var router: String?
    var every: Int?
    var capacityFactor: Float?
    var pooling: String?
    var hyperPath: String?
    var expertEmbeddingDim: Int?
    var hypernetInput: Int?
    var bottleneck: Int?
    var adapterDim: Int?
    var backbone: String
    var width: Int?
    var layers: Int?
    var heads: Int?
    var ffnWidth: Int?
    var dropout: Float?
    var balanceCoef: Float?
    var zLossCoef: Float?

    func moeConfig() throws -> MoEConfig? {
        guard let v = Variant(rawValue: variant) else {
            throw StageParameterError(path: "variant", "unknown variant '\(variant)'; known: " +
                                      Variant.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if v == .dense { return nil }
        var m = MoEConfig()
        m.variant = v
        m.experts = experts ?? 8
        m.topK = topK ?? 1
        m.every = every ?? 2
        // Upcycled backbones use the paper's GPT-2 recipe (noisy top-1, gate ≡ 1) so step 0 equals the backbone.
        let routerName = router ?? (backbone == "minilm" ? "noisy-top-k" : "switch")
        guard let r = RouterKind(rawValue: routerName) else {
            throw StageParameterError(path: "router", "unknown router '\(routerName)'; known: switch, noisy-top-k")
        }
        m.router = r
        m.capacityFactor = capacityFactor
        if let b = balanceCoef { m.balanceCoef = b }
        if let z = zLossCoef { m.zLossCoef = z }
        if let p = pooling {
            guard let v = SelectionPooling(rawValue: p) else { throw StageParameterError(path: "pooling", "mean or sum") }
            m.hyper.pooling = v
        }
        if let p = hyperPath {
            guard let v = HyperPath(rawValue: p) else { throw StageParameterError(path: "hyper_path", "grouped or per-token") }
            m.hyper.path = v
        }
        if let x = expertEmbeddingDim { m.hyper.expertEmbeddingDim = x }
        if let x = hypernetInput { m.hyper.hypernetInput = x }
        if let x = bottleneck { m.hyper.bottleneck = x }
        if let x = adapterDim { m.hyper.adapterDim = x }
        if m.topK >= m.experts { throw StageParameterError(path: "top_k", "must be below the number of experts") }
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
