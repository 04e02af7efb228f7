import Kernels
import XCTest

/// LayerNorm's rows run from C (CVecMath, AVX-512/AVX2 copies). They must give the bits of the 8-lane Swift loops
/// they replaced, which every stored checkpoint was trained with; those loops are kept here as the definition.
final class LayerNormLanesTests: XCTestCase {
    override func tearDown() { Blas.setThreads(2) }

    /// Σ over `count` elements of `lanes(offset, n)`: an 8-lane accumulator over whole chunks, reduced lane 0…7,
    /// then the tail element by element.
    private func sum(_ count: Int, _ lanes: (Int, Int) -> FastMath.V) -> Float {
        var acc = FastMath.V(repeating: 0)
        var i = 0
        while i + 8 <= count { acc += lanes(i, 8); i += 8 }
        var total = acc.sum()
        if i < count { let tail = lanes(i, count - i); for j in 0..<(count - i) { total += tail[j] } }
        return total
    }

    private func referenceForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
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

    private func referenceBackward(dinp: UnsafeMutablePointer<Float>, overwrite: Bool,
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

    private func differing(_ a: FloatBuffer, _ b: FloatBuffer) -> Int {
        zip(a.array, b.array).filter { $0.bitPattern != $1.bitPattern }.count
    }

    func testRowsGiveTheBitsOfTheEightLaneSwiftLoops() {
        var rng = Rng(seed: 5)
        Blas.setThreads(1)   // one block of rows: the reference sums dweight/dbias over all rows in order
        for dim in [1, 7, 8, 13, 128, 300, 384] {
            let rows = 37
            let x = FloatBuffer((0..<(rows * dim)).map { _ in rng.uniform(-3, 3) + 0.5 })
            let w = FloatBuffer((0..<dim).map { _ in rng.uniform(0.5, 1.5) })
            let b = FloatBuffer((0..<dim).map { _ in rng.uniform(-0.2, 0.2) })
            let dy = FloatBuffer((0..<(rows * dim)).map { _ in rng.uniform(-1, 1) })
            let out = FloatBuffer(count: rows * dim), mean = FloatBuffer(count: rows), rstd = FloatBuffer(count: rows)
            let rout = FloatBuffer(count: rows * dim), rmean = FloatBuffer(count: rows)
            let rrstd = FloatBuffer(count: rows)
            LayerNorm.forward(out: out.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: x.pointer,
                              weight: w.pointer, bias: b.pointer, rows: rows, dim: dim, eps: 1e-12)
            referenceForward(out: rout.pointer, mean: rmean.pointer, rstd: rrstd.pointer, inp: x.pointer,
                             weight: w.pointer, bias: b.pointer, rows: rows, dim: dim, eps: 1e-12)
            XCTAssertEqual(differing(out, rout) + differing(mean, rmean) + differing(rstd, rrstd), 0,
                           "forward values whose bits differ, dim \(dim)")
            for overwrite in [false, true] {
                let start = (0..<(rows * dim)).map { _ in rng.uniform(-1, 1) }
                let dx = FloatBuffer(start), rdx = FloatBuffer(start)
                let dw = FloatBuffer((0..<dim).map { _ in 0.25 }), rdw = FloatBuffer((0..<dim).map { _ in 0.25 })
                let db = FloatBuffer(count: dim), rdb = FloatBuffer(count: dim)
                LayerNorm.backward(dinp: dx.pointer, overwrite: overwrite, dweight: dw.pointer, dbias: db.pointer,
                                   dout: dy.pointer, inp: x.pointer, weight: w.pointer, mean: mean.pointer,
                                   rstd: rstd.pointer, rows: rows, dim: dim)
                referenceBackward(dinp: rdx.pointer, overwrite: overwrite, dweight: rdw.pointer, dbias: rdb.pointer,
                                  dout: dy.pointer, inp: x.pointer, weight: w.pointer, mean: mean.pointer,
                                  rstd: rstd.pointer, rows: rows, dim: dim)
                XCTAssertEqual(differing(dx, rdx) + differing(dw, rdw) + differing(db, rdb), 0,
                               "backward values whose bits differ, dim \(dim), overwrite \(overwrite)")
            }
        }
    }
}
