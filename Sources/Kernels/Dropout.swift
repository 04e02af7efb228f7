/// Inverted dropout: the mask holds 0 or 1/(1−p), so eval needs no rescaling and backward is one multiply.
public enum Dropout {
    public static func forward(out: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
                               inp: UnsafePointer<Float>, count: Int, p: Float, rng: inout Rng) {
        let keep = 1 / (1 - p)
        // The mask draws from the one generator in order (serial); the multiply is split over the threads.
        for i in 0..<count { mask[i] = rng.uniform() < p ? 0 : keep }
        Parallel.multiply(out, inp, mask, count: count)
    }

    /// dinp += dout ⊙ mask
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                mask: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count) { r in for i in r { dinp[i] += dout[i] * mask[i] } }
    }
}
