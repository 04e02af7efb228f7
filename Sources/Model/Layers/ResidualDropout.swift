import Kernels

/// The residual add shared by every sub-layer: x ← x + drop(v), saving the dropout mask (all ones in eval)
/// so the backward can apply it.
enum ResidualDropout {
    static func add(_ x: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, mask: FloatBuffer, count: Int,
                    p: Float, training: Bool, rng: inout Rng) {
        let m = mask.pointer
        if training && p > 0 {
            Dropout.residualAdd(x, v, mask: m, count: count, p: p, rng: &rng)
        } else {
            Parallel.forEachChunk(count) { r in for i in r { m[i] = 1; x[i] += v[i] } }
        }
    }
}
