/// Inverted dropout: the mask holds 0 or 1/(1−p), so eval needs no rescaling and backward is one multiply.
public enum Dropout {
    public static func forward(out: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
                               inp: UnsafePointer<Float>, count: Int, p: Float, rng: inout Rng) {
        let keep = 1 / (1 - p)
        for i in 0..<count {
            mask[i] = rng.uniform() < p ? 0 : keep
            out[i] = inp[i] * mask[i]
        }
    }

    /// dinp += dout ⊙ mask
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                mask: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { dinp[i] += dout[i] * mask[i] }
    }
}
