import Foundation
import Kernels
import XCTest

/// The speed paths of issue 14 against their plain references: vectorised exp/erf against libm, GEMMs split
/// over threads against one unsplit call, attention and LayerNorm backward at 1 and 2 threads.
final class FastKernelsTests: XCTestCase {
    override func tearDown() { Blas.setThreads(2) }

    private func lanes(_ f: (FastMath.V) -> FastMath.V, _ xs: [Float]) -> [Float] {
        var out: [Float] = []
        var i = 0
        while i < xs.count {
            var v = FastMath.V(repeating: 0)
            for j in 0..<8 where i + j < xs.count { v[j] = xs[i + j] }
            let r = f(v)
            for j in 0..<8 where i + j < xs.count { out.append(r[j]) }
            i += 8
        }
        return out
    }

    func testVectorExpIsWithinTwoUlpOfLibmAndZeroBelowRange() {
        let xs = stride(from: Float(-87), through: 88, by: 0.01).map { $0 }
        let got = lanes(FastMath.exp, xs)
        var worst: Float = 0
        for (x, g) in zip(xs, got) {
            let ref = Float(Foundation.exp(Double(x)))
            worst = max(worst, abs(g - ref) / ref.ulp)
        }
        XCTAssertLessThanOrEqual(worst, 2, "exp error in ulps")
        XCTAssertEqual(lanes(FastMath.exp, [-.infinity, -100, -88, 0]), [0, 0, 0, 1])
    }

    func testVectorErfIsWithinHalfAMicroOfLibm() {
        let xs = stride(from: Float(-6), through: 6, by: 0.0007).map { $0 }
        let got = lanes(FastMath.erf, xs)
        var worst: Float = 0
        for (x, g) in zip(xs, got) { worst = max(worst, abs(g - erff(x))) }
        XCTAssertLessThan(worst, 5e-7, "max abs erf error")
        XCTAssertEqual(lanes(FastMath.erf, [0, 10, -10]), [0, 1, -1])
    }

    func testSoftmaxRowsGiveTheBitsOfTheEightLaneSwiftLoop() {
        var rng = Rng(seed: 11)
        for count in [1, 3, 7, 8, 9, 16, 31, 64, 67, 128] {
            let rows = 6
            var z = (0..<(rows * count)).map { _ in rng.uniform(-30, 30) }
            for j in 0..<count where j % 3 == 1 { z[j] = -.infinity }          // row 0: some keys hidden
            for j in 0..<count { z[count + j] = -.infinity }                    // row 1: every key hidden
            for j in 0..<count { z[2 * count + j] = rng.uniform(-1e-3, 1e-3) } // row 2: nearly uniform
            z[3 * count] = 95                                                    // row 3: one score above exp's range
            let got = FloatBuffer(z), want = FloatBuffer(z)
            FastMath.softmaxRows(got.pointer, rows: rows, count: count)
            for r in 0..<rows { SwiftLanes.softmaxRow(want.pointer + r * count, count: count) }
            XCTAssertEqual(differingBits(got, want), 0, "softmax values whose bits differ, count \(count)")
            XCTAssertEqual(got.array[count..<(2 * count)].reduce(0, +), 0, "an all-hidden row is zeros")
            for r in [0, 2, 4] {
                XCTAssertEqual(got.array[(r * count)..<((r + 1) * count)].reduce(0, +), 1, accuracy: 1e-5)
            }

            let d = (0..<(rows * count)).map { _ in rng.uniform(-1, 1) }
            let dgot = FloatBuffer(d), dwant = FloatBuffer(d)
            FastMath.softmaxBackwardRows(dgot.pointer, probs: got.pointer, rows: rows, count: count)
            for r in 0..<rows {
                SwiftLanes.softmaxBackwardRow(dwant.pointer + r * count, probs: got.pointer + r * count, count: count)
            }
            XCTAssertEqual(differingBits(dgot, dwant), 0, "softmax-backward values whose bits differ, count \(count)")
        }
    }

    /// The embedding sums and their scatter-add run from C: the same additions in the same order as plain loops —
    /// (e + p) + y per element, and each gradient row summing its tokens in token order — at 1 and 2 threads, with
    /// and without position and type tables, and with repeated ids (rows hit by several tokens).
    func testEmbeddingSumsAndScatterEqualThePlainLoops() {
        var rng = Rng(seed: 4)
        let vocab = 11, dim = 37, batch = 3, length = 9, T = batch * length, types = 2
        // Normal draws fill the whole mantissa; uniform ones sit on a 2⁻²⁴ grid, where these sums are exact and
        // any order of addition would pass.
        let wte = (0..<(vocab * dim)).map { _ in rng.normal() * 0.02 }
        let wpe = (0..<(length * dim)).map { _ in rng.normal() * 0.02 }
        let wtt = (0..<(types * dim)).map { _ in rng.normal() * 0.02 }
        let ids = (0..<T).map { _ in Int32(Int(rng.uniform(0, Float(vocab) - 0.01))) }
        let tys = (0..<T).map { _ in Int32(Int(rng.uniform(0, Float(types) - 0.01))) }
        let dout = (0..<(T * dim)).map { _ in rng.normal() }
        for (usePositions, useTypes) in [(true, true), (true, false), (false, true), (false, false)] {
            var want = [Float](repeating: 0, count: T * dim)
            var dte = [Float](repeating: 0.5, count: vocab * dim), dpe = [Float](repeating: 0.5, count: length * dim)
            var dtt = [Float](repeating: 0.5, count: types * dim)
            for t in 0..<T {
                for i in 0..<dim {
                    var v = wte[Int(ids[t]) * dim + i]
                    if usePositions { v += wpe[(t % length) * dim + i] }
                    if useTypes { v += wtt[Int(tys[t]) * dim + i] }
                    want[t * dim + i] = v
                    dte[Int(ids[t]) * dim + i] += dout[t * dim + i]
                    if usePositions { dpe[(t % length) * dim + i] += dout[t * dim + i] }
                    if useTypes { dtt[Int(tys[t]) * dim + i] += dout[t * dim + i] }
                }
            }
            for threads in [1, 2] {
                Blas.setThreads(threads)
                let out = FloatBuffer(count: T * dim), te = FloatBuffer(wte), pe = FloatBuffer(wpe), tt = FloatBuffer(wtt)
                let gte = FloatBuffer([Float](repeating: 0.5, count: vocab * dim))
                let gpe = FloatBuffer([Float](repeating: 0.5, count: length * dim))
                let gtt = FloatBuffer([Float](repeating: 0.5, count: types * dim)), d = FloatBuffer(dout)
                ids.withUnsafeBufferPointer { idp in
                    tys.withUnsafeBufferPointer { typ in
                        Embedding.forward(out: out.pointer, ids: idp.baseAddress!, types: useTypes ? typ.baseAddress : nil,
                                          wte: te.pointer, wpe: usePositions ? pe.pointer : nil,
                                          wtt: useTypes ? tt.pointer : nil, batch: batch, length: length, dim: dim)
                        Embedding.backward(dwte: gte.pointer, dwpe: usePositions ? gpe.pointer : nil,
                                           dwtt: useTypes ? gtt.pointer : nil, dout: d.pointer, ids: idp.baseAddress!,
                                           types: useTypes ? typ.baseAddress : nil, batch: batch, length: length,
                                           dim: dim)
                    }
                }
                let tag = "positions \(usePositions), types \(useTypes), threads \(threads)"
                XCTAssertEqual(out.array.map(\.bitPattern), want.map(\.bitPattern), "forward, " + tag)
                XCTAssertEqual(gte.array.map(\.bitPattern), dte.map(\.bitPattern), "token gradient, " + tag)
                XCTAssertEqual(gpe.array.map(\.bitPattern), dpe.map(\.bitPattern), "position gradient, " + tag)
                XCTAssertEqual(gtt.array.map(\.bitPattern), dtt.map(\.bitPattern), "type gradient, " + tag)
            }
        }
    }

    func testGeluAndItsDerivativeMatchTheScalarFormulas() {
        XCTAssertTrue(["avx512", "avx2", "baseline"].contains(FastMath.elementwiseISA))
        var rng = Rng(seed: 3)
        let n = 1003   // not a multiple of 8: the tail path runs too
        let x = FloatBuffer((0..<n).map { _ in rng.uniform(-6, 6) })
        let dout = FloatBuffer((0..<n).map { _ in rng.uniform(-1, 1) })
        let y = FloatBuffer(count: n), dx = FloatBuffer((0..<n).map { _ in 0.5 })
        Activation.gelu.forward(out: y.pointer, inp: x.pointer, count: n)
        Activation.gelu.backward(dinp: dx.pointer, inp: x.pointer, dout: dout.pointer, count: n)
        for i in 0..<n {
            let v = Double(x[i]), cdf = 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot()))
            let pdf = Foundation.exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()
            XCTAssertEqual(Double(y[i]), v * cdf, accuracy: 2e-6)
            XCTAssertEqual(Double(dx[i]), 0.5 + (cdf + v * pdf) * Double(dout[i]), accuracy: 2e-6)
        }
    }

    /// Runs one product at `threads` into a fresh C (initialised to 1) and returns C.
    private func product(threads: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                         a: FloatBuffer, b: FloatBuffer) -> [Float] {
        Blas.setThreads(threads)
        let c = FloatBuffer((0..<(m * n)).map { _ in 1 })
        Blas.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a.pointer, lda: transA ? m : k,
                   b: b.pointer, ldb: transB ? k : n, beta: 2, c: c.pointer, ldc: n)
        return c.array
    }

    func testSplitProductsEqualTheUnsplitProductForEveryTransposeAndSide() {
        var rng = Rng(seed: 5)
        // Tall (split by rows) and wide (split by columns), odd sizes, above the split threshold.
        for (m, n, k) in [(1000, 72, 40), (72, 1000, 40)] {
            let a = FloatBuffer((0..<(m * k)).map { _ in rng.uniform(-1, 1) })
            let b = FloatBuffer((0..<(k * n)).map { _ in rng.uniform(-1, 1) })
            XCTAssertGreaterThanOrEqual(m * n * k, Blas.splitMACs)
            for transA in [false, true] { for transB in [false, true] {
                let one = product(threads: 1, transA: transA, transB: transB, m: m, n: n, k: k, a: a, b: b)
                let two = product(threads: 2, transA: transA, transB: transB, m: m, n: n, k: k, a: a, b: b)
                let worst = zip(one, two).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-4, "m \(m) n \(n) transA \(transA) transB \(transB)")
                // spot-check against the definition
                let i = m / 3, j = n / 2
                var s: Float = 0
                for p in 0..<k { s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]) }
                XCTAssertEqual(two[i * n + j], 0.5 * s + 2, accuracy: 1e-4)
            } }
        }
    }

    func testAttentionIsIdenticalAtOneAndTwoThreads() {
        var rng = Rng(seed: 7)
        let shape = AttentionShape(batch: 3, length: 17, heads: 2, width: 8)
        let T = 3 * 17, h = 8
        let qkv = FloatBuffer((0..<(T * 3 * h)).map { _ in rng.uniform(-1, 1) })
        let dout = FloatBuffer((0..<(T * h)).map { _ in rng.uniform(-1, 1) })
        let mask = FloatBuffer((0..<T).map { $0 % 17 < 14 ? 1 : 0 })
        func run(_ threads: Int) -> ([Float], [Float]) {
            Blas.setThreads(threads)
            let out = FloatBuffer(count: T * h), probs = FloatBuffer(count: 3 * 2 * 17 * 17)
            let dqkv = FloatBuffer(count: T * 3 * h), scratch = FloatBuffer(count: Attention.scratchCount(queries: 17, keys: 17))
            Attention.forward(out: out.pointer, probs: probs.pointer, qkv: qkv.pointer, keyMask: mask.pointer,
                              causal: false, shape: shape)
            Attention.backward(dqkv: dqkv.pointer, dout: dout.pointer, qkv: qkv.pointer, probs: probs.pointer,
                               scratch: scratch.pointer, shape: shape)
            for r in 0..<(3 * 2 * 17) {
                XCTAssertEqual((0..<17).map { probs[r * 17 + $0] }.reduce(0, +), 1, accuracy: 1e-5)
                XCTAssertEqual(probs[r * 17 + 15], 0, "a padded key gets exactly 0")
            }
            return (out.array, dqkv.array)
        }
        let one = run(1), two = run(2)
        XCTAssertEqual(one.0, two.0)
        XCTAssertEqual(one.1, two.1)
    }

    func testLayerNormBackwardAgreesAcrossThreadCounts() {
        var rng = Rng(seed: 9)
        let rows = 300, dim = 256   // rows·dim above the parallel grain
        let x = FloatBuffer((0..<(rows * dim)).map { _ in rng.uniform(-2, 2) })
        let dy = FloatBuffer((0..<(rows * dim)).map { _ in rng.uniform(-1, 1) })
        let w = FloatBuffer((0..<dim).map { _ in rng.uniform(0.5, 1.5) }), bias = FloatBuffer(count: dim)
        func run(_ threads: Int) -> [Float] {
            Blas.setThreads(threads)
            let out = FloatBuffer(count: rows * dim), mean = FloatBuffer(count: rows), rstd = FloatBuffer(count: rows)
            LayerNorm.forward(out: out.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: x.pointer, weight: w.pointer,
                              bias: bias.pointer, rows: rows, dim: dim, eps: 1e-12)
            let dx = FloatBuffer(count: rows * dim), dw = FloatBuffer(count: dim), db = FloatBuffer(count: dim)
            LayerNorm.backward(dinp: dx.pointer, dweight: dw.pointer, dbias: db.pointer, dout: dy.pointer, inp: x.pointer,
                               weight: w.pointer, mean: mean.pointer, rstd: rstd.pointer, rows: rows, dim: dim)
            return out.array + dx.array + dw.array + db.array
        }
        let one = run(1), two = run(2)
        XCTAssertEqual(Array(one.prefix(2 * rows * dim)), Array(two.prefix(2 * rows * dim)), "rows are independent")
        for (a, b) in zip(one.suffix(2 * dim), two.suffix(2 * dim)) { XCTAssertEqual(a, b, accuracy: 1e-3) }
        // dbias is the column sum of dy
        let db = Array(two.suffix(dim))
        XCTAssertEqual(db[5], (0..<rows).map { dy[$0 * dim + 5] }.reduce(0, +), accuracy: 1e-3)
    }

    /// The overwriting backward passes (no zero-fill first) leave exactly the bits that accumulating into a
    /// zeroed buffer leaves — including where the product is a negative zero — at one and two threads.
    func testOverwritingBackwardEqualsAccumulatingIntoZeros() {
        var rng = Rng(seed: 13)
        let rows = 300, inDim = 96, outDim = 128, n = rows * inDim   // above the split sizes
        var x = (0..<n).map { _ in rng.uniform(-3, 3) }
        var dout = (0..<n).map { _ in rng.uniform(-1, 1) }
        for i in stride(from: 0, to: n, by: 7) { dout[i] = -0.0 }
        for i in stride(from: 3, to: n, by: 11) { x[i] = 0 }
        let dy = FloatBuffer((0..<(rows * outDim)).map { _ in rng.uniform(-1, 1) })
        let w = FloatBuffer((0..<(inDim * outDim)).map { _ in rng.uniform(-0.5, 0.5) })
        let inp = FloatBuffer(x), g = FloatBuffer(dout)
        func bits(_ b: FloatBuffer) -> [UInt32] { b.array.map(\.bitPattern) }
        for threads in [1, 2] {
            Blas.setThreads(threads)
            for act in [Activation.gelu, .relu] {
                let acc = FloatBuffer(count: n), set = FloatBuffer((0..<n).map { _ in Float.nan })
                act.backward(dinp: acc.pointer, inp: inp.pointer, dout: g.pointer, count: n)
                act.backward(dinp: set.pointer, inp: inp.pointer, dout: g.pointer, count: n, overwrite: true)
                XCTAssertEqual(bits(set), bits(acc), "\(act) at \(threads) threads")
            }
            let acc = FloatBuffer(count: n), set = FloatBuffer((0..<n).map { _ in Float.nan })
            let dw1 = FloatBuffer(count: inDim * outDim), dw2 = FloatBuffer(count: inDim * outDim)
            Linear.backward(dinp: acc.pointer, dweight: dw1.pointer, dbias: nil, dout: dy.pointer, inp: inp.pointer,
                            weight: w.pointer, rows: rows, inDim: inDim, outDim: outDim)
            Linear.backward(dinp: set.pointer, dweight: dw2.pointer, dbias: nil, dout: dy.pointer, inp: inp.pointer,
                            weight: w.pointer, rows: rows, inDim: inDim, outDim: outDim, overwriteInput: true)
            XCTAssertEqual(set.array, acc.array, "Linear dinp at \(threads) threads")
            XCTAssertEqual(bits(dw2), bits(dw1))

            // LayerNorm (rows above the split size): dinp stored, and its weight/bias gradients still accumulate.
            let dim = outDim, lnRows = n / dim
            let mean = FloatBuffer(count: lnRows), rstd = FloatBuffer(count: lnRows), out = FloatBuffer(count: n)
            let lw = FloatBuffer((0..<dim).map { Float($0 % 5) * 0.25 }), lb = FloatBuffer(count: dim)
            LayerNorm.forward(out: out.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: inp.pointer,
                              weight: lw.pointer, bias: lb.pointer, rows: lnRows, dim: dim, eps: 1e-12)
            var grads: [[Float]] = []
            for overwrite in [false, true] {
                let dx = overwrite ? FloatBuffer((0..<n).map { _ in Float.nan }) : FloatBuffer(count: n)
                let dwl = FloatBuffer([Float](repeating: 0.5, count: dim)), dbl = FloatBuffer(count: dim)
                LayerNorm.backward(dinp: dx.pointer, overwrite: overwrite, dweight: dwl.pointer, dbias: dbl.pointer,
                                   dout: g.pointer, inp: inp.pointer, weight: lw.pointer, mean: mean.pointer,
                                   rstd: rstd.pointer, rows: lnRows, dim: dim)
                grads.append(dx.array + dwl.array + dbl.array)
            }
            XCTAssertEqual(grads[1].map(\.bitPattern), grads[0].map(\.bitPattern), "LayerNorm at \(threads) threads")
            XCTAssertFalse(grads[1].contains { $0.isNaN }, "every dinp element written")
        }
        Blas.setThreads(1)
    }

    /// A residual's gradient copy and masked copy in one pass equal the two passes.
    func testCopyAndMaskEqualsCopyThenMultiply() {
        var rng = Rng(seed: 17)
        let n = 3 * Parallel.grain + 5
        let src = FloatBuffer((0..<n).map { _ in rng.normal() })
        let mask = FloatBuffer((0..<n).map { _ in rng.uniform() < 0.1 ? 0 : 1 / 0.9 })
        for threads in [1, 2] {
            Blas.setThreads(threads)
            let c = FloatBuffer(count: n), m = FloatBuffer(count: n)
            Parallel.copyAndMask(copy: c.pointer, masked: m.pointer, from: src.pointer, mask: mask.pointer, count: n)
            XCTAssertEqual(c.array, src.array)
            XCTAssertEqual(m.array, (0..<n).map { src[$0] * mask[$0] })
        }
        Blas.setThreads(1)
    }
}
