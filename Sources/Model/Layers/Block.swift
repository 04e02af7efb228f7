import Kernels

/// One transformer block: attention and feed-forward sub-layers with residuals, post-LN (BERT) or pre-LN.
/// post-LN: h1 = N1(x + drop(Attn(x)));  y = N2(h1 + drop(FFN(h1)))
/// pre-LN:  r1 = x + drop(Attn(N1(x)));  y = r1 + drop(FFN(N2(r1)))
final class Block {
    let index: Int
    let preNorm: Bool, width: Int, dropout: Float
    let attention: SelfAttention
    let norm1: Norm, norm2: Norm
    let ffn: FeedForward
    var moe: MoELayer? { ffn.moe }
    // activations [T×h]
    let n1, a, amask, r1, n2, f, fmask, r2: FloatBuffer
    // gradient scratch [T×h]
    let g1, g2, g3: FloatBuffer

    init(_ prefix: String = "blocks", index: Int, config c: ModelConfig, maxBatch: Int, maxLength: Int,
         hypernet: HyperNetwork?, conv: ConvExpertEmbedding?, params: ParameterSet) {
        self.index = index; preNorm = c.preNorm; width = c.width; dropout = c.dropout
        let name = "\(prefix).\(index)", T = maxBatch * maxLength, h = c.width
        attention = SelfAttention("\(name).attn", config: c, maxBatch: maxBatch, maxLength: maxLength, params: params)
        norm1 = Norm("\(name).norm1", kind: c.norm, width: h, eps: c.normEps, maxRows: T, params: params)
        ffn = FeedForward(name, block: index, config: c, maxBatch: maxBatch, maxLength: maxLength, hypernet: hypernet,
                          conv: conv, params: params)
        norm2 = Norm("\(name).norm2", kind: c.norm, width: h, eps: c.normEps, maxRows: T, params: params)
        func buf() -> FloatBuffer { FloatBuffer(count: T * h) }
        n1 = buf(); a = buf(); amask = buf(); r1 = buf(); n2 = buf(); f = buf(); fmask = buf(); r2 = buf()
        g1 = buf(); g2 = buf(); g3 = buf()
    }

    /// out = base + drop(v), one pass.
    private func residual(_ out: UnsafeMutablePointer<Float>, _ base: UnsafePointer<Float>,
                          _ v: UnsafeMutablePointer<Float>, mask: FloatBuffer, count: Int, ctx: StepContext,
                          rng: inout Rng) {
        ResidualDropout.sum(out: out, base: base, v, mask: mask, count: count, p: dropout, ctx: ctx, rng: &rng)
    }

    func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, ctx: StepContext, rng: inout Rng,
                 _ p: ParameterSet) {
        let T = ctx.tokens, n = T * width
        if preNorm {
            norm1.forward(out: n1.pointer, inp: x, rows: T, p)
            attention.forward(out: a.pointer, inp: n1.pointer, ctx: ctx, p)
            residual(r1.pointer, x, a.pointer, mask: amask, count: n, ctx: ctx, rng: &rng)
            norm2.forward(out: n2.pointer, inp: r1.pointer, rows: T, p)
            ffn.forward(out: f.pointer, inp: n2.pointer, ctx: ctx, rng: &rng, p)
            residual(out, r1.pointer, f.pointer, mask: fmask, count: n, ctx: ctx, rng: &rng)
        } else {
            attention.forward(out: a.pointer, inp: x, ctx: ctx, p)
            residual(r1.pointer, x, a.pointer, mask: amask, count: n, ctx: ctx, rng: &rng)
            norm1.forward(out: n1.pointer, inp: r1.pointer, rows: T, p)
            ffn.forward(out: f.pointer, inp: n1.pointer, ctx: ctx, rng: &rng, p)
            residual(r2.pointer, n1.pointer, f.pointer, mask: fmask, count: n, ctx: ctx, rng: &rng)
            norm2.forward(out: out, inp: r2.pointer, rows: T, p)
        }
    }

    /// dx is overwritten with ∂L/∂x given dy = ∂L/∂y.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                  ctx: StepContext, auxScale: Float, _ p: ParameterSet) {
        let T = ctx.tokens, n = T * width
        if preNorm {
            // r1 gets dy directly and through the FFN branch.
            // d r1, d f
            Parallel.copyAndMask(copy: g1.pointer, masked: g2.pointer, from: dy, mask: fmask.pointer, count: n)
            Parallel.fill(g3.pointer, with: 0, count: n)  // d n2
            ffn.backward(dinp: g3.pointer, dout: g2.pointer, inp: n2.pointer, ctx: ctx, auxScale: auxScale, p)
            norm2.backward(dinp: g1.pointer, dout: g3.pointer, inp: r1.pointer, rows: T, p)
            Parallel.copyAndMask(copy: dx, masked: g2.pointer, from: g1.pointer, mask: amask.pointer, count: n)  // d a
            Parallel.fill(g3.pointer, with: 0, count: n)  // d n1
            attention.backward(dinp: g3.pointer, dout: g2.pointer, inp: n1.pointer, ctx: ctx, p)
            norm1.backward(dinp: dx, dout: g3.pointer, inp: x, rows: T, p)
        } else {
            norm2.backward(dinp: g1.pointer, overwrite: true, dout: dy, inp: r2.pointer, rows: T, p)  // d r2
            Parallel.multiply(g2.pointer, g1.pointer, fmask.pointer, count: n)  // d f
            // d n1 = d r2 + FFN backward
            ffn.backward(dinp: g1.pointer, dout: g2.pointer, inp: n1.pointer, ctx: ctx, auxScale: auxScale, p)
            norm1.backward(dinp: g3.pointer, overwrite: true, dout: g1.pointer, inp: r1.pointer, rows: T, p)  // d r1
            Parallel.copyAndMask(copy: dx, masked: g2.pointer, from: g3.pointer, mask: amask.pointer, count: n)  // d a
            attention.backward(dinp: dx, dout: g2.pointer, inp: x, ctx: ctx, p)
        }
    }
}
