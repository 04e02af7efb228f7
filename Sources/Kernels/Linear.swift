/// Fully connected layer, row-vector convention `out = inp · W + b`.
/// inp [T×I], W [I×O] (row-major: input index outer), b [O], out [T×O].
public enum Linear {
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               rows: Int, inDim: Int, outDim: Int, accumulate: Bool = false) {
        if rows == 0 { return }
        if let bias, !accumulate {
            Parallel.forEachRowBlock(rows: rows, rowSize: outDim) { r in
                for t in r { (out + t * outDim).update(from: bias, count: outDim) }
            }
            Blas.sgemm(m: rows, n: outDim, k: inDim, a: inp, lda: inDim, b: weight, ldb: outDim,
                       beta: 1, c: out, ldc: outDim)
        } else {
            Blas.sgemm(m: rows, n: outDim, k: inDim, a: inp, lda: inDim, b: weight, ldb: outDim,
                       beta: accumulate ? 1 : 0, c: out, ldc: outDim)
            if let bias {
                for t in 0..<rows { let o = out + t * outDim; for j in 0..<outDim { o[j] += bias[j] } }
            }
        }
    }

    /// Accumulates (+=) into dinp, dweight and dbias: several paths may feed one tensor.
    /// Pass nil for dinp when the input needs no gradient (e.g. token ids upstream). `overwriteInput` writes
    /// dinp = dout · Wᵀ instead (sgemm's beta 0), for a scratch buffer that would otherwise be zero-filled first:
    /// OpenBLAS then zeroes each block of C inside the split product, and every value equals the accumulated one
    /// up to the sign of an exact zero.
    public static func backward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                                dbias: UnsafeMutablePointer<Float>?,
                                dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                                weight: UnsafePointer<Float>, rows: Int, inDim: Int, outDim: Int,
                                overwriteInput: Bool = false) {
        if rows == 0 { return }
        if let dinp {  // dinp += dout · Wᵀ
            Blas.sgemm(transB: true, m: rows, n: inDim, k: outDim, a: dout, lda: outDim, b: weight, ldb: outDim,
                       beta: overwriteInput ? 0 : 1, c: dinp, ldc: inDim)
        }
        // dW += inpᵀ · dout
        Blas.sgemm(transA: true, m: inDim, n: outDim, k: rows, a: inp, lda: inDim, b: dout, ldb: outDim,
                   beta: 1, c: dweight, ldc: outDim)
        if let dbias { columnSum(dout, rows: rows, cols: outDim, into: dbias) }
    }

    /// into[j] += Σ_t x[t, j]
    @inline(__always)
    public static func columnSum(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into: UnsafeMutablePointer<Float>) {
        Parallel.forEachColumnBlock(rows: rows, columns: cols) { c in
            for t in 0..<rows { let r = x + t * cols; for j in c { into[j] += r[j] } }
        }
    }
}
