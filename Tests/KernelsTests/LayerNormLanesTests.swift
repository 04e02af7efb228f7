import Kernels
import XCTest

/// LayerNorm's rows run from C (CVecMath, AVX-512/AVX2 copies). They must give the bits of the 8-lane Swift loops
/// they replaced (`SwiftLanes`), which every stored checkpoint was trained with.
final class LayerNormLanesTests: XCTestCase {
    override func tearDown() { Blas.setThreads(2) }

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
            SwiftLanes.layerNormForward(out: rout.pointer, mean: rmean.pointer, rstd: rrstd.pointer,
                                        inp: x.pointer, weight: w.pointer, bias: b.pointer, rows: rows, dim: dim,
                                        eps: 1e-12)
            XCTAssertEqual(differingBits(out, rout) + differingBits(mean, rmean) + differingBits(rstd, rrstd), 0,
                           "forward values whose bits differ, dim \(dim)")
            for overwrite in [false, true] {
                let start = (0..<(rows * dim)).map { _ in rng.uniform(-1, 1) }
                let dx = FloatBuffer(start), rdx = FloatBuffer(start)
                let dw = FloatBuffer((0..<dim).map { _ in 0.25 }), rdw = FloatBuffer((0..<dim).map { _ in 0.25 })
                let db = FloatBuffer(count: dim), rdb = FloatBuffer(count: dim)
                LayerNorm.backward(dinp: dx.pointer, overwrite: overwrite, dweight: dw.pointer, dbias: db.pointer,
                                   dout: dy.pointer, inp: x.pointer, weight: w.pointer, mean: mean.pointer,
                                   rstd: rstd.pointer, rows: rows, dim: dim)
                SwiftLanes.layerNormBackward(dinp: rdx.pointer, overwrite: overwrite, dweight: rdw.pointer,
                                             dbias: rdb.pointer, dout: dy.pointer, inp: x.pointer, weight: w.pointer,
                                             mean: mean.pointer, rstd: rstd.pointer, rows: rows, dim: dim)
                XCTAssertEqual(differingBits(dx, rdx) + differingBits(dw, rdw) + differingBits(db, rdb), 0,
                               "backward values whose bits differ, dim \(dim), overwrite \(overwrite)")
            }
        }
    }
}
