/// Inverted dropout: the mask holds 0 or 1/(1−p), so eval needs no rescaling and backward is one multiply
/// (`Parallel.multiply`; the residual add applies it in the same pass as the add).
public enum Dropout {
    /// mask[i] = 0 with probability p, else 1/(1−p): the draws come from the one generator in order (serial);
    /// whatever applies the mask can be split over the threads.
    public static func drawMask(_ mask: UnsafeMutablePointer<Float>, count: Int, p: Float, rng: inout Rng) {
        let keep = 1 / (1 - p)
        for i in 0..<count { mask[i] = rng.uniform() < p ? 0 : keep }
    }
}
