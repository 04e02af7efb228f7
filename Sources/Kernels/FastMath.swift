import CVecMath

/// The element-wise and row kernels' entry points that do not belong to one layer: the attention row softmax and
/// its backward, and which build of `CVecMath` (AVX-512, AVX2+FMA or baseline x86-64, picked by cpuid) runs them.
/// The formulas, shared with GELU (all in `Sources/CVecMath/cvecmath.c`):
///  - exp: Cephes expf (range reduction by ln 2 split in two constants, degree-6 polynomial), ≤ 2 ulp on
///    [−87.3, 88.7]; below that it returns exactly 0 (so −∞ scores of masked keys stay 0).
///  - erf: the rational approximation x·P(x²)/Q(x²) of Eigen/XLA's float erf on [−4, 4] (±1 outside),
///    max abs error 4.2e-7 against libm's erf (measured on a 10⁻⁵ grid over [−5, 5]).
/// They first ran here as 8-lane Swift code (the scalar libm calls had been 7–12 % of a training step); this module
/// is compiled for baseline x86-64 only, so they moved to C. The 8-lane Swift versions are now the definitions
/// the tests hold the C loops to (`Tests/KernelsTests/SwiftLaneReferences.swift`).
public enum FastMath {
    /// Which build of CVecMath's loops this CPU runs: "avx512", "avx2" or "baseline".
    public static var elementwiseISA: String { String(cString: cvm_isa()) }

    /// The builds this CPU can run, best first.
    public static var supportedISAs: [String] {
        let all = ["avx512", "avx2", "baseline"]
        return Array(all.drop { $0 != String(cString: cvm_best_isa()) })
    }

    /// Runs CVecMath's loops from another build (one this CPU supports; false otherwise): tests compare the
    /// builds' bits with it. Not for use while a parallel region runs.
    @discardableResult
    public static func useElementwiseISA(_ name: String) -> Bool { cvm_use_isa(name) != 0 }

    /// In place over `rows` rows of `count` floats: p = exp(p − max) / Σ per row; a row whose every entry is −∞
    /// (every key hidden) becomes zeros, as exp(−∞ − −∞) would be NaN. Lane for lane the 8-lane Swift loop it
    /// replaced (the exp formula above, 8-lane max and sum reduced lane 0…7, no FMA), so attention probabilities
    /// keep their bits; compiled here for baseline x86-64 it had been ~5 % of an evaluation step.
    public static func softmaxRows(_ p: UnsafeMutablePointer<Float>, rows: Int, count: Int) {
        cvm_softmax_rows(p, rows, count)
    }

    /// In place over `rows` rows: dp[j] ← p[j] · (dp[j] − Σ_i p_i dp_i), the softmax backward (same lanes).
    public static func softmaxBackwardRows(_ dp: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>,
                                           rows: Int, count: Int) {
        cvm_softmax_backward_rows(dp, p, rows, count)
    }
}
