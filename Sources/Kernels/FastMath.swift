import CVecMath

/// Vectorised float32 exp and erf (8 lanes, polynomials, no branches) and the attention row softmax. The scalar
/// libm calls were 7–12 % of a training step. The loops run from C (`CVecMath`), which is built for AVX-512/AVX2
/// as well as baseline x86-64, where this Swift module is compiled for baseline only; `exp` and `erf` here are
/// the formulas those C loops follow, kept as the reference their tests measure against libm.
///  - exp: Cephes expf (range reduction by ln 2 split in two constants, degree-6 polynomial), ≤ 2 ulp on
///    [−87.3, 88.7]; below that it returns exactly 0 (so −∞ scores of masked keys stay 0).
///  - erf: the rational approximation x·P(x²)/Q(x²) of Eigen/XLA's float erf on [−4, 4] (±1 outside),
///    max abs error 4.2e-7 against libm's erf (measured on a 10⁻⁵ grid over [−5, 5]).
public enum FastMath {
    public typealias V = SIMD8<Float>

    /// Which build of CVecMath's loops this CPU runs: "avx512", "avx2" or "baseline".
    public static var elementwiseISA: String { String(cString: cvm_isa()) }

    /// The builds this CPU can run, best first.
    public static var supportedISAs: [String] {
        let current = elementwiseISA
        defer { _ = cvm_use_isa(current) }
        return ["avx512", "avx2", "baseline"].filter { cvm_use_isa($0) != 0 }
    }

    /// Runs CVecMath's loops from another build (one this CPU supports; false otherwise): tests compare the
    /// builds' bits with it. Not for use while a parallel region runs.
    @discardableResult
    public static func useElementwiseISA(_ name: String) -> Bool { cvm_use_isa(name) != 0 }

    @inline(__always)
    public static func exp(_ x: V) -> V {
        let lo: Float = -87.33654, hi: Float = 88.72283
        let xc = clamp(x, lo, hi)
        // n = round(x / ln 2) by the 1.5·2²³ trick: the integer lands in the low mantissa bits.
        let magic: Float = 12_582_912
        let t = xc * 1.44269504088896341 + magic
        let n = t - magic
        var r = xc - n * 0.693359375
        r = r - n * -2.12194440e-4
        var y = V(repeating: 1.9875691500e-4)
        y = y * r + 1.3981999507e-3
        y = y * r + 8.3334519073e-3
        y = y * r + 4.1665795894e-2
        y = y * r + 1.6666665459e-1
        y = y * r + 5.0000001201e-1
        y = y * (r * r) + r + 1
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000   // n as an integer
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: V.self)
        return (y * scale).replacing(with: 0, where: x .< lo)
    }

    @inline(__always)
    public static func erf(_ x: V) -> V {
        let xc = clamp(x, -4, 4)
        let x2 = xc * xc
        var p = V(repeating: -2.72614225801306e-10)
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 + -2.10102402082508e-06
        p = p * x2 + -5.69250639462346e-05
        p = p * x2 + -7.34990630326855e-04
        p = p * x2 + -2.95459980854025e-03
        p = p * x2 + -1.60960333262415e-02
        var q = V(repeating: -1.45660718464996e-05)
        q = q * x2 + -2.13374055278905e-04
        q = q * x2 + -1.68282697438203e-03
        q = q * x2 + -7.37332916720468e-03
        q = q * x2 + -1.42647390514189e-02
        return xc * p / q
    }

    /// Lane-wise clamp. Mask blends: the generic `clamped`/`pointwiseMin` were not inlined (8× slower).
    @inline(__always)
    public static func clamp(_ x: V, _ lo: Float, _ hi: Float) -> V {
        x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
    }

    /// Loads up to 8 floats (the tail of a row) padded with `fill`.
    @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> V {
        if n >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var v = V(repeating: fill)
        for i in 0..<n { v[i] = p[i] }
        return v
    }

    @inline(__always)
    public static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self); return }
        for i in 0..<n { p[i] = v[i] }
    }

    /// In place over `rows` rows of `count` floats: p = exp(p − max) / Σ per row; a row whose every entry is −∞
    /// (every key hidden) becomes zeros, as exp(−∞ − −∞) would be NaN. CVecMath runs it for AVX-512/AVX2: lane
    /// for lane the 8-lane Swift loop it replaced (`exp` above, 8-lane max and sum reduced lane 0…7, no FMA), so
    /// attention probabilities keep their bits; built for baseline x86-64 here it was ~5 % of an evaluation step.
    public static func softmaxRows(_ p: UnsafeMutablePointer<Float>, rows: Int, count: Int) {
        cvm_softmax_rows(p, rows, count)
    }

    /// In place over `rows` rows: dp[j] ← p[j] · (dp[j] − Σ_i p_i dp_i), the softmax backward (same lanes).
    public static func softmaxBackwardRows(_ dp: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>,
                                           rows: Int, count: Int) {
        cvm_softmax_backward_rows(dp, p, rows, count)
    }
}
