import Kernels

/// A decoder block: causal self-attention, cross-attention over the encoder output, feed-forward (dense or
/// any MoE variant), each a residual sub-layer (post-LN like BERT, or pre-LN). Tensor names match the
/// encoder block's (attn, norm1, norm2, ffn/moe) so BERT2BERT loads a BERT layer into it; the cross-attention
/// and its norm (`cross`, `norm_cross`) are new.
final class DecoderBlock: StackBlock {
    let index: Int, width: Int
    let selfAttention: SelfAttention
    let cross: CrossAttention
    let ffn: FeedForward
    var moe: MoELayer? { ffn.moe }
    let attnSub: Residual, crossSub: Residual, ffnSub: Residual
    /// Outputs of the first two sub-layers [T×h] and their gradients.
    let afterAttn, afterCross, dAfterAttn, dAfterCross: FloatBuffer

    init(_ prefix: String, index: Int, config c: ModelConfig, maxBatch: Int, maxLength: Int, maxMemory: Int,
         hypernet: HyperNetwork?, conv: ConvExpertEmbedding?, params: ParameterSet) {
        self.index = index; width = c.width
        let name = "\(prefix).\(index)", T = maxBatch * maxLength
        selfAttention = SelfAttention("\(name).attn", config: c, maxBatch: maxBatch, maxLength: maxLength, params: params)
        attnSub = Residual(norm: "\(name).norm1", config: c, maxTokens: T, params: params)
        cross = CrossAttention("\(name).cross", config: c, maxBatch: maxBatch, maxLength: maxLength, maxMemory: maxMemory,
                               params: params)
        crossSub = Residual(norm: "\(name).norm_cross", config: c, maxTokens: T, params: params)
        ffn = FeedForward(name, block: index, config: c, maxBatch: maxBatch, maxLength: maxLength, hypernet: hypernet,
                          conv: conv, params: params)
        ffnSub = Residual(norm: "\(name).norm2", config: c, maxTokens: T, params: params)
        func buf() -> FloatBuffer { FloatBuffer(count: T * c.width) }
        afterAttn = buf(); afterCross = buf(); dAfterAttn = buf(); dAfterCross = buf()
    }

    func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, memory: Memory?, ctx: StepContext,
                 rng: inout Rng, _ p: ParameterSet) {
        guard let memory else { preconditionFailure("a decoder block needs the encoder memory") }
        let T = ctx.tokens
        selfAttention.forward(out: attnSub.inner.pointer, inp: attnSub.input(x, rows: T, p), ctx: ctx, p)
        attnSub.close(out: afterAttn.pointer, x: x, ctx: ctx, rng: &rng, p)
        cross.forward(out: crossSub.inner.pointer, inp: crossSub.input(afterAttn.pointer, rows: T, p), memory: memory,
                      ctx: ctx, p)
        crossSub.close(out: afterCross.pointer, x: afterAttn.pointer, ctx: ctx, rng: &rng, p)
        ffn.forward(out: ffnSub.inner.pointer, inp: ffnSub.input(afterCross.pointer, rows: T, p), ctx: ctx, rng: &rng, p)
        ffnSub.close(out: out, x: afterCross.pointer, ctx: ctx, rng: &rng, p)
    }

    /// dx is overwritten with ∂L/∂x; ∂L/∂memory is accumulated into dmemory.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, memory: Memory?,
                  dmemory: UnsafeMutablePointer<Float>?, ctx: StepContext, auxScale: Float, _ p: ParameterSet) {
        guard let memory, let dmemory else { preconditionFailure("a decoder block needs the encoder memory") }
        let T = ctx.tokens
        var dv = ffnSub.openBackward(dy: dy, rows: T, p)
        ffn.backward(dinp: ffnSub.dInner.pointer, dout: dv, inp: ffnSub.innerInput(afterCross.pointer), ctx: ctx,
                     auxScale: auxScale, p)
        ffnSub.closeBackward(dx: dAfterCross.pointer, dy: dy, x: afterCross.pointer, rows: T, p)

        dv = crossSub.openBackward(dy: dAfterCross.pointer, rows: T, p)
        cross.backward(dinp: crossSub.dInner.pointer, dmemory: dmemory, dout: dv,
                       inp: crossSub.innerInput(afterAttn.pointer), memory: memory, ctx: ctx, p)
        crossSub.closeBackward(dx: dAfterAttn.pointer, dy: dAfterCross.pointer, x: afterAttn.pointer, rows: T, p)

        dv = attnSub.openBackward(dy: dAfterAttn.pointer, rows: T, p)
        selfAttention.backward(dinp: attnSub.dInner.pointer, dout: dv, inp: attnSub.innerInput(x), ctx: ctx, p)
        attnSub.closeBackward(dx: dx, dy: dAfterAttn.pointer, x: x, rows: T, p)
    }
}
