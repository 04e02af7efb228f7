import Foundation
import Kernels
import XCTest

/// Kernel-level behaviour with hand-computed expectations (the model-level finite-difference checks in
/// ModelTests cover the backward passes).
final class KernelsTests: XCTestCase {
    func testSgemmMatchesNaiveProductWithStridesAndTransposes() {
        var rng = Rng(seed: 1)
        let m = 5, n = 4, k = 3
        let a = (0..<(k * m)).map { _ in rng.uniform(-1, 1) }   // stored k×m: op(A) = Aᵀ
        let b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }   // stored k×n
        var c = [Float](repeating: 1, count: m * n)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            Blas.sgemm(transA: true, m: m, n: n, k: k, alpha: 2, a: pa.baseAddress!, lda: m, b: pb.baseAddress!, ldb: n,
                       beta: 0.5, c: pc.baseAddress!, ldc: n)
        } } }
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k { s += a[p * m + i] * b[p * n + j] }
            XCTAssertEqual(c[i * n + j], 2 * s + 0.5, accuracy: 1e-5)
        } }
    }

    func testScheduleWarmsUpLinearlyThenDecaysToZero() {
        let s = LearningRateSchedule(peak: 1, totalSteps: 100, warmupFraction: 0.1)
        XCTAssertEqual(s.rate(at: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 55), 0.5, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 100), 0, accuracy: 1e-6)
    }

    func testAdamWStepMatchesHandComputation() {
        let p = FloatBuffer([1, -2]), g = FloatBuffer([0.5, -0.25]), m = FloatBuffer(count: 2), v = FloatBuffer(count: 2)
        let h = AdamW.Hyper(weightDecay: 0.1)
        AdamW.update(params: p.pointer, grads: g.pointer, m: m.pointer, v: v.pointer, count: 2, lr: 0.01, step: 1,
                     hyper: h, decay: true)
        // Step 1: m̂ = g, v̂ = g², so the Adam step is sign(g) (up to eps), plus decoupled decay lr·wd·p.
        XCTAssertEqual(p[0], 1 - 0.01 * (1 + 0.1 * 1), accuracy: 1e-6)
        XCTAssertEqual(p[1], -2 - 0.01 * (-1 + 0.1 * -2), accuracy: 1e-6)
        AdamW.update(params: p.pointer, grads: g.pointer, m: m.pointer, v: v.pointer, count: 2, lr: 0.01, step: 2,
                     hyper: h, decay: false)
        XCTAssertEqual(p[0], 0.989 - 0.01, accuracy: 1e-5)   // same gradient again: m̂/√v̂ = 1, no decay
    }

    func testGlobalNormClipping() {
        let g = FloatBuffer([3, 4])
        XCTAssertEqual(AdamW.globalNorm(grads: g.pointer, count: 2), 5)
        XCTAssertEqual(AdamW.clipFactor(norm: 5, maxNorm: 1), 1 / (5 + 1e-6))
        XCTAssertEqual(AdamW.clipFactor(norm: 5, maxNorm: 10), 1)   // under the limit: untouched
        XCTAssertEqual(AdamW.clipFactor(norm: 5, maxNorm: 0), 1)    // 0 = no clipping
        // The factor is applied inside the update: a clipped step moves as if the gradient were [0.6, 0.8].
        let p = FloatBuffer([0, 0]), m = FloatBuffer(count: 2), v = FloatBuffer(count: 2)
        AdamW.update(params: p.pointer, grads: g.pointer, m: m.pointer, v: v.pointer, count: 2, lr: 0.01, step: 1,
                     hyper: AdamW.Hyper(), decay: false, gradScale: AdamW.clipFactor(norm: 5, maxNorm: 1))
        XCTAssertEqual(m[0], 0.1 * 0.6, accuracy: 1e-6)
        XCTAssertEqual(m[1], 0.1 * 0.8, accuracy: 1e-6)
        XCTAssertEqual(g.array, [3, 4], "the gradients themselves are not rewritten")
    }

    func testRngIsReproducibleAndItsStateRoundTrips() {
        var a = Rng(seed: 42), b = Rng(seed: 42)
        XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in b.next() })
        var c = Rng(words: a.words)
        XCTAssertEqual(a.next(), c.next())
        var d = Rng(seed: 43)
        XCTAssertNotEqual(Rng(seed: 42).words, d.words)
        let u = (0..<10_000).map { _ in d.uniform() }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(u.reduce(0, +) / 10_000, 0.5, accuracy: 0.02)
    }

    func testSoftmaxAndLogSumExp() {
        let z = FloatBuffer([1, 2, 3, 1000, 1000, 1000])
        let p = FloatBuffer(count: 6), lse = FloatBuffer(count: 2)
        Softmax.forward(probs: p.pointer, logits: z.pointer, rows: 2, cols: 3, lse: lse.pointer)
        XCTAssertEqual(p[0] + p[1] + p[2], 1, accuracy: 1e-6)
        XCTAssertEqual(p[3], 1.0 / 3, accuracy: 1e-6)   // large logits stay finite
        XCTAssertEqual(lse[0], log(exp(1) + exp(2) + exp(3)), accuracy: 1e-5)
        XCTAssertEqual(lse[1], 1000 + log(3), accuracy: 1e-3)
    }

    func testLayerNormNormalises() {
        let x = FloatBuffer([1, 2, 3, 4]), w = FloatBuffer([1, 1, 1, 1]), b = FloatBuffer(count: 4)
        let out = FloatBuffer(count: 4), mean = FloatBuffer(count: 1), rstd = FloatBuffer(count: 1)
        LayerNorm.forward(out: out.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: x.pointer, weight: w.pointer,
                          bias: b.pointer, rows: 1, dim: 4, eps: 0)
        XCTAssertEqual(mean[0], 2.5, accuracy: 1e-6)
        XCTAssertEqual(out.array.reduce(0, +), 0, accuracy: 1e-5)
        XCTAssertEqual(out.array.map { $0 * $0 }.reduce(0, +) / 4, 1, accuracy: 1e-5)
    }

    func testAttentionHonoursCausalAndPaddingMasks() {
        // Batch 1, length 3, width 2, one head; the value rows differ, so outputs show which keys were used.
        var qkv = [Float]()
        for l in 0..<3 { qkv += [0.3, -0.2] + [0.1, 0.4] + [Float(l + 1), Float(10 * (l + 1))] }
        let buf = FloatBuffer(qkv), out = FloatBuffer(count: 6), probs = FloatBuffer(count: 9)
        let shape = AttentionShape(batch: 1, length: 3, heads: 1, width: 2)
        Attention.forward(out: out.pointer, probs: probs.pointer, qkv: buf.pointer, keyMask: nil, causal: true, shape: shape)
        XCTAssertEqual(out[0], 1, accuracy: 1e-6)     // position 0 sees only itself
        XCTAssertEqual(out[1], 10, accuracy: 1e-5)
        XCTAssertEqual(probs[1], 0)
        XCTAssertEqual(probs[2], 0)
        let mask = FloatBuffer([1, 1, 0])
        Attention.forward(out: out.pointer, probs: probs.pointer, qkv: buf.pointer, keyMask: mask.pointer, causal: false,
                          shape: shape)
        for row in 0..<3 { XCTAssertEqual(probs[row * 3 + 2], 0, "a padded key must get no attention") }
        XCTAssertEqual(probs[0] + probs[1], 1, accuracy: 1e-6)
    }

    func testParallelChunksCoverEveryElementOnce() {
        let n = Parallel.grain * 3 + 7
        let seen = FloatBuffer(count: n)
        Parallel.forEachChunk(n) { range in for i in range { seen[i] += 1 } }
        XCTAssertTrue(seen.array.allSatisfy { $0 == 1 })
    }

    func testCrossEntropyIgnoresNegativeTargets() {
        let logits = FloatBuffer([0, 0, 5, -5]), probs = FloatBuffer(count: 4), d = FloatBuffer(count: 4)
        let loss = [Int32(0), -1].withUnsafeBufferPointer {
            Losses.crossEntropy(dlogits: d.pointer, logits: logits.pointer, targets: $0.baseAddress!, rows: 2, classes: 2,
                                probs: probs.pointer)
        }
        XCTAssertEqual(loss, log(2), accuracy: 1e-6)
        XCTAssertEqual(d[2], 0)
        XCTAssertEqual(d[3], 0)
        XCTAssertEqual(d[0], -0.5, accuracy: 1e-6)
    }
}

final class BlasCoreTests: XCTestCase {
    func testPreferredCoreFollowsCPUFlags() {
        let info = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl\nbugs\t: none\n"
        XCTAssertEqual(BlasCore.preferredCoreType(cpuFlags: BlasCore.cpuFlags(cpuinfo: info)), "SkylakeX")
        XCTAssertEqual(BlasCore.preferredCoreType(cpuFlags: ["avx2", "fma", "avx512f"]), "Haswell")
        XCTAssertNil(BlasCore.preferredCoreType(cpuFlags: ["sse2", "sse3"]))
        XCTAssertEqual(BlasCore.cpuFlags(cpuinfo: "no flags here"), [])
    }

    /// Under `make test` OPENBLAS_CORETYPE is set from the CPU flags; OpenBLAS must have honoured it.
    func testOpenBLASUsesTheRequestedCore() throws {
        let requested = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? ""
        try XCTSkipIf(requested.isEmpty, "OPENBLAS_CORETYPE is not set (make test sets it from the CPU flags)")
        XCTAssertEqual(BlasCore.name.lowercased(), requested.lowercased())
    }
}
