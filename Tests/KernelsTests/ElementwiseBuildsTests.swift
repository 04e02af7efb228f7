import Kernels
import XCTest

/// CVecMath's loops are built three times (AVX-512, AVX2+FMA, baseline x86-64) and the CPU picks one, so two nodes
/// of a cluster may run different builds. The loops written without FMA (attention softmax, LayerNorm, embedding
/// sums) must give the same bits in every build; GELU and AdamW, whose FMA contractions are part of their
/// definition, must agree between the two FMA builds. The other tests check the best build against the Swift
/// definitions; this one checks the other builds against the best.
final class ElementwiseBuildsTests: XCTestCase {
    private let best = FastMath.elementwiseISA

    override func tearDown() {
        FastMath.useElementwiseISA(best)
        Blas.setThreads(2)
    }

    /// Every output of one run of the no-FMA kernels, as bit patterns.
    private func noFMAOutputs() -> [UInt32] {
        var rng = Rng(seed: 17)
        var out: [Float] = []
        // Softmax rows (with hidden keys and a tail) and their backward.
        let count = 67, rows = 5
        var z = (0..<(rows * count)).map { _ in rng.normal() * 4 }
        for j in stride(from: 0, to: count, by: 5) { z[j] = -.infinity }
        let p = FloatBuffer(z)
        FastMath.softmaxRows(p.pointer, rows: rows, count: count)
        let dp = FloatBuffer((0..<(rows * count)).map { _ in rng.normal() })
        FastMath.softmaxBackwardRows(dp.pointer, probs: p.pointer, rows: rows, count: count)
        out += p.array + dp.array
        // LayerNorm forward and backward (dim with a tail), overwrite and accumulate.
        let dim = 131, r = 9
        let x = FloatBuffer((0..<(r * dim)).map { _ in rng.normal() + 0.3 })
        let w = FloatBuffer((0..<dim).map { _ in 1 + rng.normal() * 0.1 })
        let b = FloatBuffer((0..<dim).map { _ in rng.normal() * 0.1 })
        let y = FloatBuffer(count: r * dim), mean = FloatBuffer(count: r), rstd = FloatBuffer(count: r)
        LayerNorm.forward(out: y.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: x.pointer, weight: w.pointer,
                          bias: b.pointer, rows: r, dim: dim, eps: 1e-12)
        let dy = FloatBuffer((0..<(r * dim)).map { _ in rng.normal() })
        let dx = FloatBuffer((0..<(r * dim)).map { _ in rng.normal() })
        let dw = FloatBuffer(count: dim), db = FloatBuffer(count: dim)
        for overwrite in [false, true] {
            LayerNorm.backward(dinp: dx.pointer, overwrite: overwrite, dweight: dw.pointer, dbias: db.pointer,
                               dout: dy.pointer, inp: x.pointer, weight: w.pointer, mean: mean.pointer,
                               rstd: rstd.pointer, rows: r, dim: dim)
            out += dx.array
        }
        out += y.array + mean.array + rstd.array + dw.array + db.array
        // Embedding sums and scatter-add (repeated ids).
        let vocab = 7, length = 6, batch = 2, T = batch * length, h = 19
        let te = FloatBuffer((0..<(vocab * h)).map { _ in rng.normal() * 0.02 })
        let pe = FloatBuffer((0..<(length * h)).map { _ in rng.normal() * 0.02 })
        let tt = FloatBuffer((0..<(2 * h)).map { _ in rng.normal() * 0.02 })
        let ids: [Int32] = (0..<T).map { Int32($0 * 5 % vocab) }, types: [Int32] = (0..<T).map { Int32($0 % 2) }
        let e = FloatBuffer(count: T * h), d = FloatBuffer((0..<(T * h)).map { _ in rng.normal() })
        let gte = FloatBuffer(count: vocab * h), gpe = FloatBuffer(count: length * h), gtt = FloatBuffer(count: 2 * h)
        ids.withUnsafeBufferPointer { i in
            types.withUnsafeBufferPointer { t in
                Embedding.forward(out: e.pointer, ids: i.baseAddress!, types: t.baseAddress, wte: te.pointer,
                                  wpe: pe.pointer, wtt: tt.pointer, batch: batch, length: length, dim: h)
                Embedding.backward(dwte: gte.pointer, dwpe: gpe.pointer, dwtt: gtt.pointer, dout: d.pointer,
                                   ids: i.baseAddress!, types: t.baseAddress, batch: batch, length: length, dim: h)
            }
        }
        out += e.array + gte.array + gpe.array + gtt.array
        return out.map(\.bitPattern)
    }

    /// GELU, its two backward forms and AdamW (FMA-contracted in the vector builds).
    private func fmaOutputs() -> [UInt32] {
        var rng = Rng(seed: 23)
        let n = 1_003
        let x = FloatBuffer((0..<n).map { _ in rng.normal() * 2 }), g = FloatBuffer((0..<n).map { _ in rng.normal() })
        let y = FloatBuffer(count: n), dx = FloatBuffer((0..<n).map { _ in rng.normal() }), dset = FloatBuffer(count: n)
        Activation.gelu.forward(out: y.pointer, inp: x.pointer, count: n)
        Activation.gelu.backward(dinp: dx.pointer, inp: x.pointer, dout: g.pointer, count: n)
        Activation.gelu.backward(dinp: dset.pointer, inp: x.pointer, dout: g.pointer, count: n, overwrite: true)
        let p = FloatBuffer((0..<n).map { _ in rng.normal() }), m = FloatBuffer(count: n), v = FloatBuffer(count: n)
        AdamW.update(params: p.pointer, grads: g.pointer, m: m.pointer, v: v.pointer, count: n, lr: 1e-3, step: 2,
                     hyper: AdamW.Hyper(weightDecay: 0.01), decay: true, gradScale: 0.75)
        return (y.array + dx.array + dset.array + p.array + m.array + v.array).map(\.bitPattern)
    }

    func testEveryBuildThisCPURunsGivesTheSameBits() throws {
        let builds = FastMath.supportedISAs
        XCTAssertEqual(builds.first, best, "the default is the best build the CPU runs")
        XCTAssertFalse(FastMath.useElementwiseISA("sse9"), "an unknown build is refused")
        XCTAssertEqual(FastMath.elementwiseISA, best, "and changes nothing")
        try XCTSkipIf(builds.count < 2, "only the \(best) build runs on this CPU")
        Blas.setThreads(1)
        let reference = noFMAOutputs(), fmaReference = fmaOutputs()
        for build in builds.dropFirst() {
            XCTAssertTrue(FastMath.useElementwiseISA(build))
            XCTAssertEqual(FastMath.elementwiseISA, build)
            XCTAssertEqual(zip(noFMAOutputs(), reference).filter { $0 != $1 }.count, 0,
                           "softmax, LayerNorm and embedding values whose bits differ in the \(build) build")
            if build != "baseline" {
                XCTAssertEqual(zip(fmaOutputs(), fmaReference).filter { $0 != $1 }.count, 0,
                               "GELU and AdamW values whose bits differ in the \(build) build")
            }
        }
    }
}
