import Kernels

/// The residual add shared by every sub-layer: x ← x + drop(v), saving the dropout mask (all ones in eval)
/// so the backward can apply it.
enum ResidualDropout {
    static func add(_ x: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, mask: FloatBuffer, count: Int,
                    p: Float, training: Bool, rng: inout Rng) {
        if training && p > 0 {
            Dropout.forward(out: v, mask: mask.pointer, inp: v, count: count, p: p, rng: &rng)
        } else {
            Parallel.fill(mask.pointer, with: 1, count: count)
        }
        Parallel.forEachChunk(count) { r in for i in r { x[i] += v[i] } }
    }
}
