import CVecMath

/// Vectorised float32 exp and erf (8 lanes, polynomials, no branches) and the attention row softmax. The scalar
/// libm calls were 7–12 % of a training step. GELU and AdamW run the same formulas from C (`CVecMath`), which
/// is built for AVX-512/AVX2 as well as baseline x86-64; this Swift module is compiled for baseline only.
///  - exp: Cephes expf (range reduction by ln 2 split in two constants, degree-6 polynomial), ≤ 2 ulp on
///    [−87.3, 88.7]; below that it returns exactly 0 (so −∞ scores of masked keys stay 0).
///  - erf: the rational approximation x·P(x²)/Q(x²) of Eigen/XLA's float erf on [−4, 4] (±1 outside),
///    max abs error 4.2e-7 against libm's erf (measured on a 10⁻⁵ grid over [−5, 5]).
public enum FastMath {
    public typealias V = SIMD8<Float>

    /// Which build of CVecMath's loops this CPU runs: "avx512", "avx2" or "baseline".
    public static var elementwiseISA: String { String(cString: cvm_isa()) }

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

    /// In place over one row: p[j] = exp(p[j] − max) / Σ; returns (max, Σ).
    @discardableResult
    public static func softmaxRow(_ p: UnsafeMutablePointer<Float>, from z: UnsafePointer<Float>, count: Int) -> (Float, Float) {
        var mv = V(repeating: -.infinity)
        var j = 0
        while j < count {
            let x = load(z + j, min(8, count - j), fill: -.infinity)
            mv = mv.replacing(with: x, where: x .> mv)
            j += 8
        }
        var mx = mv[0]
        for i in 1..<8 { mx = Swift.max(mx, mv[i]) }
        if mx == -.infinity {   // every key hidden: all-zero row, as exp(−∞ − −∞) would be NaN
            p.update(repeating: 0, count: count)
            return (mx, 0)
        }
        var sv = V(repeating: 0)
        j = 0
        while j < count {
            let n = min(8, count - j)
            var e = exp(load(z + j, n, fill: -.infinity) - mx)
            if n < 8 { for i in n..<8 { e[i] = 0 } }
            sv += e
            store(e, p + j, n)
            j += 8
        }
        let sum = sv.sum(), inv = 1 / sum
        j = 0
        while j < count { let n = min(8, count - j); store(load(p + j, n) * inv, p + j, n); j += 8 }
        return (mx, sum)
    }
}
