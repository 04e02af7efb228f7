import Kernels

/// A block's feed-forward sub-layer: one dense FFN, or an MoE layer (any variant) when the block is an MoE block.
final class FeedForward {
    let dense: DenseFFN?
    let moe: MoELayer?

    init(_ name: String, block: Int, config c: ModelConfig, maxBatch: Int, maxLength: Int, hypernet: HyperNetwork?,
         conv: ConvExpertEmbedding?, params: ParameterSet) {
        if c.isMoE(block: block) {
            moe = MoELayer("\(name).moe", block: block, config: c, maxBatch: maxBatch, maxLength: maxLength,
                           hypernet: hypernet, conv: conv, params: params)
            dense = nil
        } else {
            dense = DenseFFN("\(name).ffn", config: c, maxTokens: maxBatch * maxLength, params: params)
            moe = nil
        }
    }

    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, ctx: StepContext, rng: inout Rng,
                 _ p: ParameterSet) {
        if let moe { moe.forward(out: out, x: inp, ctx: ctx, rng: &rng, p) } else {
            dense!.forward(out: out, inp: inp, rows: ctx.tokens, p)
        }
    }

    /// Accumulates into dinp.
    func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                  ctx: StepContext, auxScale: Float, _ p: ParameterSet) {
        if let moe { moe.backward(dx: dinp, dout: dout, x: inp, ctx: ctx, auxScale: auxScale, p) } else {
            dense!.backward(dinp: dinp, dout: dout, inp: inp, rows: ctx.tokens, p)
        }
    }
}
