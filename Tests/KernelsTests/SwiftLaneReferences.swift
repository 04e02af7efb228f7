import Kernels

/// The 8-lane Swift code the element-wise kernels first ran as, kept as the definitions the C loops (`CVecMath`)
/// are held to: exp and erf against libm (FastKernelsTests), and lane for lane the attention softmax and the
/// LayerNorm rows (FastKernelsTests, LayerNormLanesTests): the bits every stored checkpoint was trained with.
extension FastMath {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func exp(_ x: V) -> V {
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
    static func erf(_ x: V) -> V {
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
    static func clamp(_ x: V, _ lo: Float, _ hi: Float) -> V {
        x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
    }

    /// Loads up to 8 floats (the tail of a row) padded with `fill`.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> V {
        if n >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var v = V(repeating: fill)
        for i in 0..<n { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self); return }
        for i in 0..<n { p[i] = v[i] }
    }
}

/// The row loops, built from the lane helpers above.
enum SwiftLanes {
    /// The attention's row softmax (in place), as it ran before CVecMath took it over.
    static func softmaxRow(_ p: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = FastMath.V
        var mv = V(repeating: -.infinity)
        var j = 0
        while j < count {
            let x = FastMath.load(p + j, min(8, count - j), fill: -.infinity)
            mv = mv.replacing(with: x, where: x .> mv)
            j += 8
        }
        var mx = mv[0]
        for i in 1..<8 { mx = Swift.max(mx, mv[i]) }
        if mx == -.infinity { p.update(repeating: 0, count: count); return }
        var sv = V(repeating: 0)
        j = 0
        while j < count {
            let n = min(8, count - j)
            var e = FastMath.exp(FastMath.load(p + j, n, fill: -.infinity) - mx)
            if n < 8 { for i in n..<8 { e[i] = 0 } }
            sv += e
            FastMath.store(e, p + j, n)
            j += 8
        }
        let inv = 1 / sv.sum()
        j = 0
        while j < count { let n = min(8, count - j); FastMath.store(FastMath.load(p + j, n) * inv, p + j, n); j += 8 }
    }

    /// dp <- p * (dp - sum of p * dp), in place.
    static func softmaxBackwardRow(_ dp: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>, count: Int) {
        var acc = FastMath.V(repeating: 0)
        var j = 0
        while j < count {
            let n = min(8, count - j)
            acc += FastMath.load(p + j, n) * FastMath.load(dp + j, n)
            j += 8
        }
        let dot = acc.sum()
        j = 0
        while j < count {
            let n = min(8, count - j)
            FastMath.store(FastMath.load(p + j, n) * (FastMath.load(dp + j, n) - dot), dp + j, n)
            j += 8
        }
    }

    /// Σ over `count` elements of `lanes(offset, n)`: an 8-lane accumulator over whole chunks, reduced lane 0…7,
    /// then the tail element by element.
    static func sum(_ count: Int, _ lanes: (Int, Int) -> FastMath.V) -> Float {
        var acc = FastMath.V(repeating: 0)
        var i = 0
        while i + 8 <= count { acc += lanes(i, 8); i += 8 }
        var total = acc.sum()
        if i < count { let tail = lanes(i, count - i); for j in 0..<(count - i) { total += tail[j] } }
        return total
    }

    /// LayerNorm forward over rows (saves mean and 1/std).
    static func layerNormForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                 weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Int, dim: Int,
                                 eps: Float) {
        for t in 0..<rows {
            let x = inp + t * dim, o = out + t * dim
            let m = sum(dim) { FastMath.load(x + $0, $1) } / Float(dim)
            let v = sum(dim) { let d = FastMath.load(x + $0, $1) - m; return d * d } / Float(dim)
            let s = 1 / (v + eps).squareRoot()
            for i in 0..<dim { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[t] = m
            rstd[t] = s
        }
    }

    /// LayerNorm backward over rows: accumulates dweight, dbias, and dinp (or stores 0 + value).
    static func layerNormBackward(dinp: UnsafeMutablePointer<Float>, overwrite: Bool,
                                  dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
                                  dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, dim: Int) {
        for t in 0..<rows {
            let x = inp + t * dim, dy = dout + t * dim, dx = dinp + t * dim
            let m = mean[t], s = rstd[t]
            let dnormMean = sum(dim) { FastMath.load(weight + $0, $1) * FastMath.load(dy + $0, $1) } / Float(dim)
            let dnormNormMean = sum(dim) {
                (FastMath.load(x + $0, $1) - m) * s * FastMath.load(weight + $0, $1) * FastMath.load(dy + $0, $1)
            } / Float(dim)
            for i in 0..<dim {
                let n = (x[i] - m) * s
                let dn = weight[i] * dy[i]
                dbias[i] += dy[i]
                dweight[i] += n * dy[i]
                let g = (dn - dnormMean - n * dnormNormMean) * s
                dx[i] = overwrite ? 0 + g : dx[i] + g
            }
        }
    }
}

/// How many values of two buffers differ in their bits (0 when they are bit for bit equal).
func differingBits(_ a: FloatBuffer, _ b: FloatBuffer) -> Int {
    zip(a.array, b.array).filter { $0.bitPattern != $1.bitPattern }.count
}
