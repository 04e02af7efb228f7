import Foundation

/// How a BERT2BERT warm start fills the decoder's cross-attention, which BERT does not have.
public enum CrossAttentionInit: String, Codable, Sendable, CaseIterable {
    /// Random, as in Rothe, Narayan & Severyn (2020).
    case fresh
    /// A copy of the same BERT layer's self-attention (q, k, v, output, and its norm as `norm_cross`): encoder
    /// outputs and decoder states are both in BERT's space, so the decoder can attend to the document from the
    /// first step instead of first learning to.
    case selfAttention = "self-attention"
}

extension Seq2SeqTransformer {
    /// BERT2BERT warm start (Rothe, Narayan & Severyn 2020): the encoder is the pretrained BERT (its FFNs
    /// upcycled into experts in MoE blocks); the decoder's self-attention, norms and FFNs are the same BERT's
    /// bottom `decoderLayers` layers (upcycled likewise), its position/type tables and embedding norm copies of
    /// BERT's, the word table shared; cross-attention and its norm as `cross` says.
    public func load(bert w: BertWeights, cross: CrossAttentionInit = .fresh) throws {
        let enc = BertImporter(params: params, config: config.encoder)
        try enc.checkShapes(w, layers: config.model.layers)
        guard config.decoderLayers <= w.layers.count else {
            throw BertUpcyclingError(problem: "decoder has \(config.decoderLayers) layers, the checkpoint only \(w.layers.count)")
        }
        try enc.embeddings(w, name: "encoder.embeddings", positions: config.model.maxPositions)
        for (i, layer) in w.layers.enumerated() {
            try enc.layer(layer, name: "encoder.blocks.\(i)", isMoE: config.encoder.isMoE(block: i))
        }
        let dec = BertImporter(params: params, config: config.decoder)
        try dec.embeddings(w, name: "decoder.embeddings", positions: config.maxTargetPositions, word: false)
        for (i, layer) in w.layers.prefix(config.decoderLayers).enumerated() {
            try dec.layer(layer, name: "decoder.blocks.\(i)", isMoE: config.decoder.isMoE(block: i))
            if cross == .selfAttention { try dec.crossAttention(layer, name: "decoder.blocks.\(i)") }
        }
    }

    /// Expert choice of every routed assignment in every MoE layer (both stacks) of the last forward.
    public var routingSignature: [Int32] { moeLayers.flatMap { $0.plan.expert } }
    /// ReLU sign pattern of the HyperExpert paths in the last forward (tests: detect kinks).
    public var kinkSignature: [Bool] { moeLayers.flatMap(\.kinkSignature) }
    /// Per-MoE-layer fraction of tokens routed to each expert in the last forward (encoder layers first).
    public var expertLoads: [[Float]] { moeLayers.map(\.expertLoad) }
}
