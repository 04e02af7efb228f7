import Kernels

/// Decoder embeddings (word table shared with the encoder) → decoder blocks → final norm (pre-LN only), with
/// the decoder's own hypernetwork: the paper's Switch/T5 setting has one per stack, and layer embeddings
/// indexed by the block within the stack.
final class DecoderStack {
    let config: ModelConfig
    let embeddings: Embeddings
    let blocks: [DecoderBlock]
    let finalNorm: Norm?
    let hypernet: HyperNetwork?
    let conv: ConvExpertEmbedding?
    let hidden: [FloatBuffer]
    let normed: FloatBuffer
    let dTop: FloatBuffer, dScratch: FloatBuffer

    init(prefix: String, config c: ModelConfig, maxBatch: Int, maxLength: Int, maxMemory: Int, sharedWord: ParameterRef,
         params: ParameterSet) {
        config = c
        let T = maxBatch * maxLength
        embeddings = Embeddings("\(prefix)embeddings", config: c, maxTokens: T, sharedWord: sharedWord, params: params)
        (hypernet, conv) = EncoderStack.hyperParts(prefix: prefix, config: c, params: params)
        let (net, convNet) = (hypernet, conv)
        blocks = (0..<c.layers).map {
            DecoderBlock("\(prefix)blocks", index: $0, config: c, maxBatch: maxBatch, maxLength: maxLength,
                         maxMemory: maxMemory, hypernet: net, conv: convNet, params: params)
        }
        finalNorm = c.preNorm ? Norm("\(prefix)final_norm", kind: c.norm, width: c.width, eps: c.normEps, maxRows: T,
                                     params: params) : nil
        hidden = (0...c.layers).map { _ in FloatBuffer(count: T * c.width) }
        normed = FloatBuffer(count: finalNorm == nil ? 0 : T * c.width)
        dTop = FloatBuffer(count: T * c.width); dScratch = FloatBuffer(count: T * c.width)
    }

    var moeLayers: [MoELayer] { blocks.compactMap(\.ffn.moe) }

    func forward(ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, memory: Memory, ctx: StepContext,
                 rng: inout Rng, _ p: ParameterSet) -> UnsafePointer<Float> {
        embeddings.forward(out: hidden[0].pointer, ids: ids, types: types, ctx: ctx, p)
        for (i, block) in blocks.enumerated() {
            block.forward(out: hidden[i + 1].pointer, x: hidden[i].pointer, memory: memory, ctx: ctx, rng: &rng, p)
        }
        return top(rows: ctx.tokens, p)
    }

    /// The stack output from hidden[layers] (final-normed for pre-LN).
    func top(rows: Int, _ p: ParameterSet) -> UnsafePointer<Float> {
        guard let finalNorm else { return UnsafePointer(hidden[config.layers].pointer) }
        finalNorm.forward(out: normed.pointer, inp: hidden[config.layers].pointer, rows: rows, p)
        return UnsafePointer(normed.pointer)
    }

    /// Backward from ∂L/∂output in `dTop`; accumulates ∂L/∂memory into dmemory.
    func backward(ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, memory: Memory,
                  dmemory: UnsafeMutablePointer<Float>, ctx: StepContext, auxScale: Float, _ p: ParameterSet) {
        let n = ctx.tokens * config.width
        var dOut = dTop, dIn = dScratch
        if let finalNorm {
            dIn.pointer.update(repeating: 0, count: n)
            finalNorm.backward(dinp: dIn.pointer, dout: dOut.pointer, inp: hidden[config.layers].pointer, rows: ctx.tokens, p)
            swap(&dOut, &dIn)
        }
        for (i, block) in blocks.enumerated().reversed() {
            block.backward(dx: dIn.pointer, dy: dOut.pointer, x: hidden[i].pointer, memory: memory, dmemory: dmemory,
                           ctx: ctx, auxScale: auxScale, p)
            swap(&dOut, &dIn)
        }
        embeddings.backward(dout: dOut.pointer, ids: ids, types: types, ctx: ctx, p)
    }
}
