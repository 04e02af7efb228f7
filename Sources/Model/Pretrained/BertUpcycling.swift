import Foundation
import Kernels

/// Builds an engine config from a pretrained BERT and copies its weights in, upcycling the dense FFN of every
/// MoE block into N identical experts (the paper's GPT-2 recipe, applied to MiniLM). Attention, norms and
/// embeddings load exactly (post-LN, GELU-erf, eps from config.json).
public struct BertUpcyclingError: Error, CustomStringConvertible {
    public let problem: String
    public var description: String { "cannot load the pretrained BERT into this model: \(problem)" }
}

extension ModelConfig {
    /// The engine config matching a BERT checkpoint; `moe` and `head` are the caller's.
    public init(bert b: BertConfig, maxPositions: Int, moe: MoEConfig?, head: HeadKind) throws {
        self.init()
        guard b.hiddenAct != .relu else { throw BertUpcyclingError(problem: "relu BERTs are not supported") }
        guard b.hiddenAct == .geluErf else { throw BertUpcyclingError(problem: "only exact (erf) GELU is implemented") }
        vocabSize = b.vocabSize; self.maxPositions = min(maxPositions, b.maxPositionEmbeddings)
        typeVocabSize = b.typeVocabSize; width = b.hiddenSize; heads = b.numAttentionHeads
        layers = b.numHiddenLayers; ffnWidth = b.intermediateSize; activation = .gelu; norm = .layer
        normEps = Float(b.layerNormEps); preNorm = false; causal = false
        self.moe = moe; self.head = head
    }
}

/// Copies BERT tensors into an engine parameter set under any name prefix: the encoder-only model, and
/// both stacks of the BERT2BERT encoder–decoder use it.
struct BertImporter {
    let params: ParameterSet
    let config: ModelConfig

    func put(_ name: String, _ values: [Float], rows: Int? = nil) throws {
        guard let ref = params.ref(named: name) else { throw BertUpcyclingError(problem: "the model has no tensor \(name)") }
        let count = rows.map { $0 * ref.shape.dropFirst().reduce(1, *) } ?? values.count
        guard count == ref.count, values.count >= count else {
            throw BertUpcyclingError(problem: "\(name): model expects \(ref.shape), checkpoint gives \(values.count) values")
        }
        values.withUnsafeBufferPointer { params.value(ref).update(from: $0.baseAddress!, count: count) }
    }

    /// HF Linear weight [out, in] → engine [in, out].
    static func transposed(_ p: BertParameter) -> [Float] {
        let out = p.shape[0], inn = p.shape[1]
        var t = [Float](repeating: 0, count: out * inn)
        for o in 0..<out { for i in 0..<inn { t[i * out + o] = p.values[o * inn + i] } }
        return t
    }

    /// The projections (each BERT [out × in]) as one input-major matrix [h × (parts · h)] with the parts'
    /// columns side by side: q|k|v for self-attention, k|v for cross-attention.
    static func stacked(_ parts: [BertParameter], width h: Int) -> [Float] {
        let blocks = parts.map(transposed), n = parts.count * h
        var out = [Float](repeating: 0, count: h * n)
        for r in 0..<h {
            for (b, block) in blocks.enumerated() {
                for j in 0..<h { out[r * n + b * h + j] = block[r * h + j] }
            }
        }
        return out
    }

    func checkShapes(_ w: BertWeights, layers: Int) throws {
        let c = config
        guard w.config.hiddenSize == c.width, w.config.intermediateSize == c.ffnWidth,
              w.config.numHiddenLayers == layers, w.config.vocabSize == c.vocabSize else {
            throw BertUpcyclingError(problem: "shape mismatch: checkpoint h=\(w.config.hiddenSize) " +
                "f=\(w.config.intermediateSize) layers=\(w.config.numHiddenLayers) vocab=\(w.config.vocabSize), model " +
                "h=\(c.width) f=\(c.ffnWidth) layers=\(layers) vocab=\(c.vocabSize)")
        }
    }

    /// Word table only when `word` is true (a decoder shares the encoder's).
    func embeddings(_ w: BertWeights, name: String, positions: Int, word: Bool = true) throws {
        if word { try put("\(name).word", w.wordEmbeddings.values) }
        try put("\(name).position", w.positionEmbeddings.values, rows: positions)
        try put("\(name).token_type", w.tokenTypeEmbeddings.values)
        try put("\(name).norm.weight", w.embeddingLayerNorm.gamma.values)
        try put("\(name).norm.bias", w.embeddingLayerNorm.beta.values)
    }

    /// A decoder block's cross-attention (`cross`, `norm_cross`) as a copy of the layer's self-attention.
    func crossAttention(_ layer: BertLayerWeights, name: String) throws {
        try put("\(name).cross.wq", Self.transposed(layer.query.weight))
        try put("\(name).cross.bq", layer.query.bias.values)
        try put("\(name).cross.wkv", Self.stacked([layer.key.weight, layer.value.weight], width: config.width))
        try put("\(name).cross.bkv", layer.key.bias.values + layer.value.bias.values)
        try put("\(name).cross.wo", Self.transposed(layer.attentionOutput.weight))
        try put("\(name).cross.bo", layer.attentionOutput.bias.values)
        try put("\(name).norm_cross.weight", layer.attentionLayerNorm.gamma.values)
        try put("\(name).norm_cross.bias", layer.attentionLayerNorm.beta.values)
    }

    /// Self-attention, its norm (`norm1`), the FFN's norm (`norm2`) and the FFN of block `name`; an MoE
    /// block gets N exact copies of the dense FFN (upcycling). MoE-Share's shared FFN starts as a copy of
    /// W1 with W2 = 0, so step 0 equals the pretrained model (spec §5).
    func layer(_ layer: BertLayerWeights, name: String, isMoE: Bool) throws {
        try put("\(name).attn.wqkv", Self.stacked([layer.query.weight, layer.key.weight, layer.value.weight], width: config.width))
        try put("\(name).attn.bqkv", layer.query.bias.values + layer.key.bias.values + layer.value.bias.values)
        try put("\(name).attn.wo", Self.transposed(layer.attentionOutput.weight))
        try put("\(name).attn.bo", layer.attentionOutput.bias.values)
        try put("\(name).norm1.weight", layer.attentionLayerNorm.gamma.values)
        try put("\(name).norm1.bias", layer.attentionLayerNorm.beta.values)
        try put("\(name).norm2.weight", layer.outputLayerNorm.gamma.values)
        try put("\(name).norm2.bias", layer.outputLayerNorm.beta.values)
        let w1 = Self.transposed(layer.intermediate.weight), b1 = layer.intermediate.bias.values
        let w2 = Self.transposed(layer.output.weight), b2 = layer.output.bias.values
        if isMoE, let m = config.moe {
            for e in 0..<m.experts {   // upcycling: N exact copies of the dense FFN
                let p = "\(name).moe.expert.\(e)"
                try put("\(p).w1", w1); try put("\(p).b1", b1); try put("\(p).w2", w2); try put("\(p).b2", b2)
            }
            if m.variant == .moeShare {
                try put("\(name).moe.share.w1", w1); try put("\(name).moe.share.b1", b1)
                try put("\(name).moe.share.w2", [Float](repeating: 0, count: w2.count))
                try put("\(name).moe.share.b2", [Float](repeating: 0, count: b2.count))
            }
        } else {
            try put("\(name).ffn.w1", w1); try put("\(name).ffn.b1", b1)
            try put("\(name).ffn.w2", w2); try put("\(name).ffn.b2", b2)
        }
    }
}

extension Transformer {
    /// Copies `weights` into this model. Head, routers and HyperMoE parts keep their fresh initialisation.
    public func load(bert w: BertWeights) throws {
        let importer = BertImporter(params: params, config: config)
        try importer.checkShapes(w, layers: config.layers)
        try importer.embeddings(w, name: "embeddings", positions: config.maxPositions)
        for (i, layer) in w.layers.enumerated() {
            try importer.layer(layer, name: "blocks.\(i)", isMoE: config.isMoE(block: i))
        }
    }

    /// Mean-pooled (over real tokens), L2-normalised final hidden states — how sentence encoders like
    /// MiniLM are used, and how `hmpipe embed` checks that a backbone loaded right. Returns [B][h].
    public func sentenceEmbeddings(_ batch: ModelBatch) -> [[Float]] {
        forward(batch, training: false)
        let h = config.width, L = batch.length
        let top = hidden[config.layers]
        return (0..<batch.batch).map { b in
            var v = [Float](repeating: 0, count: h)
            var n: Float = 0
            for l in 0..<L where batch.mask[b * L + l] != 0 {
                n += 1
                for i in 0..<h { v[i] += top[(b * L + l) * h + i] }
            }
            let norm = max(v.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
            return v.map { $0 / norm }
        }
    }
}
