/// Inverted dropout: the mask holds 0 or 1/(1−p), so eval needs no rescaling and backward is one multiply
/// (`Parallel.multiply`).
public enum Dropout {
    /// The residual sum with dropout, in one pass split over the threads: mask[i] = 0 with probability p,
    /// else 1/(1−p); v[i] ← v[i]·mask[i] (kept for the caller); out[i] = base[i] + v[i]. Element i takes the i-th
    /// draw of `rng` whatever the split (`Rng.forEachDrawChunk`), so the mask is the one a single thread would
    /// draw. `out` may be `base` (an in-place add); a separate `out` saves copying base into it first.
    public static func residualSum(out: UnsafeMutablePointer<Float>, base: UnsafePointer<Float>,
                                   _ v: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, count: Int,
                                   p: Float, rng: inout Rng) {
        let keep = 1 / (1 - p)
        rng.forEachDrawChunk(count) { r, local in
            for i in r {
                let m: Float = local.uniform() < p ? 0 : keep
                mask[i] = m
                v[i] *= m
                out[i] = base[i] + v[i]
            }
        }
    }
}
