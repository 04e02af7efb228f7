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

extension Transformer {
    /// Copies `weights` into this model. Head, routers and HyperMoE parts keep their fresh initialisation.
    /// MoE-Share's shared FFN starts as a copy of W1 with W2 = 0, so step 0 equals the pretrained model (spec §5).
    public func load(bert w: BertWeights) throws {
        let c = config, h = c.width, f = c.ffnWidth
        func fail(_ s: String) -> BertUpcyclingError { BertUpcyclingError(problem: s) }
        guard w.config.hiddenSize == h, w.config.intermediateSize == f, w.config.numHiddenLayers == c.layers,
              w.config.vocabSize == c.vocabSize else {
            throw fail("shape mismatch: checkpoint h=\(w.config.hiddenSize) f=\(w.config.intermediateSize) " +
                       "layers=\(w.config.numHiddenLayers) vocab=\(w.config.vocabSize), model h=\(h) f=\(f) " +
                       "layers=\(c.layers) vocab=\(c.vocabSize)")
        }
        func put(_ name: String, _ values: [Float], rows: Int? = nil) throws {
            guard let ref = params.ref(named: name) else { throw fail("the model has no tensor \(name)") }
            let count = rows.map { $0 * ref.shape.dropFirst().reduce(1, *) } ?? values.count
            guard count == ref.count, values.count >= count else {
                throw fail("\(name): model expects \(ref.shape), checkpoint gives \(values.count) values")
            }
            values.withUnsafeBufferPointer { params.value(ref).update(from: $0.baseAddress!, count: count) }
        }
        /// HF Linear weight [out, in] → engine [in, out].
        func transposed(_ p: BertParameter) -> [Float] {
            let out = p.shape[0], inn = p.shape[1]
            var t = [Float](repeating: 0, count: out * inn)
            for o in 0..<out { for i in 0..<inn { t[i * out + o] = p.values[o * inn + i] } }
            return t
        }
        try put("embeddings.word", w.wordEmbeddings.values)
        try put("embeddings.position", w.positionEmbeddings.values, rows: c.maxPositions)
        try put("embeddings.token_type", w.tokenTypeEmbeddings.values)
        try put("embeddings.norm.weight", w.embeddingLayerNorm.gamma.values)
        try put("embeddings.norm.bias", w.embeddingLayerNorm.beta.values)
        for (i, layer) in w.layers.enumerated() {
            let name = "blocks.\(i)"
            let q = transposed(layer.query.weight), k = transposed(layer.key.weight), v = transposed(layer.value.weight)
            var qkv = [Float](repeating: 0, count: h * 3 * h)
            for r in 0..<h {
                for j in 0..<h {
                    qkv[r * 3 * h + j] = q[r * h + j]
                    qkv[r * 3 * h + h + j] = k[r * h + j]
                    qkv[r * 3 * h + 2 * h + j] = v[r * h + j]
                }
            }
            try put("\(name).attn.wqkv", qkv)
            try put("\(name).attn.bqkv", layer.query.bias.values + layer.key.bias.values + layer.value.bias.values)
            try put("\(name).attn.wo", transposed(layer.attentionOutput.weight))
            try put("\(name).attn.bo", layer.attentionOutput.bias.values)
            try put("\(name).norm1.weight", layer.attentionLayerNorm.gamma.values)
            try put("\(name).norm1.bias", layer.attentionLayerNorm.beta.values)
            try put("\(name).norm2.weight", layer.outputLayerNorm.gamma.values)
            try put("\(name).norm2.bias", layer.outputLayerNorm.beta.values)
            let w1 = transposed(layer.intermediate.weight), b1 = layer.intermediate.bias.values
            let w2 = transposed(layer.output.weight), b2 = layer.output.bias.values
            if c.isMoE(block: i), let m = c.moe {
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
