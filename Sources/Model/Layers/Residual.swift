import Kernels

/// One residual sub-layer around an inner function F, in two phases so the caller runs F between them
/// (no closures: F may itself need the RNG):
///   post-LN (BERT): y = N(x + drop(F(x)))      pre-LN: y = x + drop(F(N(x)))
/// Forward:  `input(x)` gives F's input; F writes `inner`; `close(out:x:)` adds the residual.
/// Backward: `openBackward(dy)` gives ∂L/∂F-output; F's backward ACCUMULATES into `dInner`; then
///           `closeBackward(dx:dy:x:)` writes ∂L/∂x.
final class Residual {
    let norm: Norm
    let preNorm: Bool, width: Int, dropout: Float
    /// normed input (pre-LN) or residual sum (post-LN); F's output; dropout mask.
    let normedOrSum, inner, mask: FloatBuffer
    let dv, dInner, dSum: FloatBuffer

    init(norm name: String, config c: ModelConfig, maxTokens T: Int, params: ParameterSet) {
        norm = Norm(name, kind: c.norm, width: c.width, eps: c.normEps, maxRows: T, params: params)
        preNorm = c.preNorm; width = c.width; dropout = c.dropout
        func buf() -> FloatBuffer { FloatBuffer(count: T * c.width) }
        normedOrSum = buf(); inner = buf(); mask = buf(); dv = buf(); dInner = buf(); dSum = buf()
    }

    func input(_ x: UnsafePointer<Float>, rows: Int, _ p: ParameterSet) -> UnsafePointer<Float> {
        guard preNorm else { return x }
        norm.forward(out: normedOrSum.pointer, inp: x, rows: rows, p)
        return UnsafePointer(normedOrSum.pointer)
    }

    func close(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, ctx: StepContext, rng: inout Rng,
               _ p: ParameterSet) {
        let n = ctx.tokens * width
        let sum = preNorm ? out : normedOrSum.pointer
        ResidualDropout.sum(out: sum, base: x, inner.pointer, mask: mask, count: n, p: dropout, ctx: ctx, rng: &rng)
        if !preNorm { norm.forward(out: out, inp: sum, rows: ctx.tokens, p) }
    }

    func openBackward(dy: UnsafePointer<Float>, rows: Int, _ p: ParameterSet) -> UnsafePointer<Float> {
        let n = rows * width
        var d = dy
        if !preNorm {
            norm.backward(dinp: dSum.pointer, overwrite: true, dout: dy, inp: normedOrSum.pointer, rows: rows, p)
            d = UnsafePointer(dSum.pointer)
        }
        Parallel.multiply(dv.pointer, d, mask.pointer, count: n)
        Parallel.fill(dInner.pointer, with: 0, count: n)
        return UnsafePointer(dv.pointer)
    }

    /// The pointer F's backward should see as its input (the same as `input` returned in the forward).
    func innerInput(_ x: UnsafePointer<Float>) -> UnsafePointer<Float> {
        preNorm ? UnsafePointer(normedOrSum.pointer) : x
    }

    func closeBackward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int,
                       _ p: ParameterSet) {
        let n = rows * width
        if preNorm {
            Parallel.copy(dx, from: dy, count: n)
            norm.backward(dinp: dx, dout: dInner.pointer, inp: x, rows: rows, p)
        } else {
            let a = dSum.pointer, b = dInner.pointer
            Parallel.forEachChunk(n) { r in for i in r { dx[i] = a[i] + b[i] } }
        }
    }
}
