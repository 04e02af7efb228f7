import Kernels

/// The residual sum shared by every sub-layer: out ← base + drop(v) in one pass (no copy of base first; `out` may
/// be `base`), saving the dropout mask so the backward can apply it: all ones without dropout, and not written
/// at all when no backward follows (`ctx.backward` false: evaluation, generation).
enum ResidualDropout {
    static func sum(out: UnsafeMutablePointer<Float>, base: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                    mask: FloatBuffer, count: Int, p: Float, ctx: StepContext, rng: inout Rng) {
        let m = mask.pointer
        if ctx.training && p > 0 {
            Dropout.residualSum(out: out, base: base, v, mask: m, count: count, p: p, rng: &rng)
        } else if ctx.backward {
            Parallel.forEachChunk(count) { r in for i in r { m[i] = 1; out[i] = base[i] + v[i] } }
        } else {
            Parallel.forEachChunk(count) { r in for i in r { out[i] = base[i] + v[i] } }
        }
    }
}
