import Kernels

/// Embeddings → blocks → final norm (pre-LN only): the body of the encoder-only `Transformer` and the encoder
/// of `Seq2SeqTransformer`. Owns the stack's hypernetwork and conv expert-embedding net (one per stack,
/// spec §6.1). `prefix` namespaces its tensors ("" keeps the encoder-only names BERT loading expects).
final class EncoderStack {
    let config: ModelConfig
    let embeddings: Embeddings
    let blocks: [Block]
    let finalNorm: Norm?
    let hypernet: HyperNetwork?
    let conv: ConvExpertEmbedding?
    /// hidden[i] is the input of block i; hidden[layers] the stack output (before the final norm).
    let hidden: [FloatBuffer]
    let normed: FloatBuffer
    /// Gradient ping-pong buffers; the caller writes ∂L/∂output into `dTop` before `backward`.
    let dTop: FloatBuffer, dScratch: FloatBuffer

    init(prefix: String, config c: ModelConfig, maxBatch: Int, maxLength: Int, sharedWord: ParameterRef? = nil,
         params: ParameterSet) {
        config = c
        let T = maxBatch * maxLength
        embeddings = Embeddings("\(prefix)embeddings", config: c, maxTokens: T, sharedWord: sharedWord, params: params)
        (hypernet, conv) = EncoderStack.hyperParts(prefix: prefix, config: c, params: params)
        let (net, convNet) = (hypernet, conv)
        blocks = (0..<c.layers).map {
            Block("\(prefix)blocks", index: $0, config: c, maxBatch: maxBatch, maxLength: maxLength, hypernet: net,
                  conv: convNet, params: params)
        }
        finalNorm = c.preNorm ? Norm("\(prefix)final_norm", kind: c.norm, width: c.width, eps: c.normEps, maxRows: T,
                                     params: params) : nil
        hidden = (0...c.layers).map { _ in FloatBuffer(count: T * c.width) }
        normed = FloatBuffer(count: finalNorm == nil ? 0 : T * c.width)
        dTop = FloatBuffer(count: T * c.width); dScratch = FloatBuffer(count: T * c.width)
    }

    /// The stack's shared hypernetwork and (Table 3 row c) conv expert-embedding net, registered in this order.
    static func hyperParts(prefix: String, config c: ModelConfig, params: ParameterSet)
        -> (HyperNetwork?, ConvExpertEmbedding?) {
        let variant = c.variant
        var hypernet: HyperNetwork?
        if variant.hasHyperExpert {
            let input = variant == .hypermoeHidden ? c.width : c.moe!.hyper.hypernetInput
            hypernet = HyperNetwork("\(prefix)hypernet", inputDim: input, config: c, params: params)
        }
        let moeBlocks = (0..<c.layers).filter { c.isMoE(block: $0) }
        let conv = variant == .hypermoeWeights
            ? ConvExpertEmbedding("\(prefix)expert_conv", config: c, blocks: moeBlocks, params: params) : nil
        return (hypernet, conv)
    }

    var moeLayers: [MoELayer] { blocks.compactMap(\.moe) }

    /// Runs the stack; returns its output (final-normed for pre-LN), [T×h].
    func forward(ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, ctx: StepContext, rng: inout Rng,
                 _ p: ParameterSet) -> UnsafePointer<Float> {
        embeddings.forward(out: hidden[0].pointer, ids: ids, types: types, ctx: ctx, p)
        for (i, block) in blocks.enumerated() {
            block.forward(out: hidden[i + 1].pointer, x: hidden[i].pointer, ctx: ctx, rng: &rng, p)
        }
        guard let finalNorm else { return UnsafePointer(hidden[config.layers].pointer) }
        finalNorm.forward(out: normed.pointer, inp: hidden[config.layers].pointer, rows: ctx.tokens, p)
        return UnsafePointer(normed.pointer)
    }

    /// Backward from ∂L/∂output in `dTop` (consumed) to the embedding tables.
    func backward(ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, ctx: StepContext, auxScale: Float,
                  _ p: ParameterSet) {
        let n = ctx.tokens * config.width
        var dOut = dTop, dIn = dScratch
        if let finalNorm {
            dIn.pointer.update(repeating: 0, count: n)
            finalNorm.backward(dinp: dIn.pointer, dout: dOut.pointer, inp: hidden[config.layers].pointer, rows: ctx.tokens, p)
            swap(&dOut, &dIn)
        }
        for (i, block) in blocks.enumerated().reversed() {
            block.backward(dx: dIn.pointer, dy: dOut.pointer, x: hidden[i].pointer, ctx: ctx, auxScale: auxScale, p)
            swap(&dOut, &dIn)
        }
        embeddings.backward(dout: dOut.pointer, ids: ids, types: types, ctx: ctx, p)
    }
}
