import Kernels
import XCTest

/// `AdamW.updateArena` (one parallel region over every tensor) against `AdamW.update` tensor by tensor.
final class AdamWArenaTests: XCTestCase {
    override func tearDown() { Blas.setThreads(2) }

    func testTheArenaUpdateEqualsThePerTensorUpdateBitForBit() {
        // Tensors of awkward sizes on both sides of the parallel grain, with and without decay, own rates.
        let sizes = [3, 70_001, 17, 40_000, 1, 65_536, 129]
        var segments: [AdamW.Segment] = [], start = 0
        for (i, n) in sizes.enumerated() {
            segments.append(AdamW.Segment(start: start, count: n, lr: 1e-3 * Float(i + 1), decay: i % 2 == 0))
            start += n
        }
        var rng = Rng(seed: 4)
        let grads = (0..<start).map { _ in rng.normal() }, initial = (0..<start).map { _ in rng.normal() }
        let hyper = AdamW.Hyper(weightDecay: 0.01)
        func run(arena: Bool, threads: Int) -> [Float] {
            Blas.setThreads(threads)
            let p = FloatBuffer(initial), g = FloatBuffer(grads), m = FloatBuffer(count: start), v = FloatBuffer(count: start)
            for step in 1...3 {
                if arena {
                    segments.withUnsafeBufferPointer {
                        AdamW.updateArena(params: p.pointer, grads: g.pointer, m: m.pointer, v: v.pointer, segments: $0,
                                          step: step, hyper: hyper)
                    }
                } else {
                    for s in segments {
                        AdamW.update(params: p.pointer + s.start, grads: g.pointer + s.start, m: m.pointer + s.start,
                                     v: v.pointer + s.start, count: s.count, lr: s.lr, step: step, hyper: hyper,
                                     decay: s.decay)
                    }
                }
            }
            return p.array + m.array + v.array
        }
        let reference = run(arena: false, threads: 1)
        XCTAssertNotEqual(reference, initial + Array(repeating: 0, count: 2 * start))
        XCTAssertTrue(run(arena: true, threads: 1) == reference)
        XCTAssertTrue(run(arena: true, threads: 2) == reference)
        XCTAssertTrue(run(arena: true, threads: 3) == reference)
    }

    /// The norm skips zero blocks, and the clipping factor is applied inside the update instead of by a pass over
    /// the arena: the norm and every updated parameter and moment are exactly those of the plain definition (a
    /// sequential double sum, then g ← g·k in place, then the update), whose bits the committed results were
    /// trained with.
    func testClippingInsideTheUpdateEqualsTheSequentialDefinition() {
        var rng = Rng(seed: 21)
        let n = 5 * Parallel.grain + 7
        var values = (0..<n).map { _ in rng.normal() * 0.01 }
        for i in stride(from: 0, to: n, by: 97) { for j in i..<min(n, i + 40) { values[j] = 0 } }  // zero runs
        values[3] = -0.0
        var s: Double = 0
        for x in values { s += Double(x) * Double(x) }
        let norm = Float(s.squareRoot()), k = 0.5 / (norm + 1e-6)
        XCTAssertGreaterThan(norm, 0.5)
        let p0 = (0..<n).map { _ in rng.normal() }, h = AdamW.Hyper(weightDecay: 0.01)
        let clipped = FloatBuffer(values.map { $0 * k })
        let want = FloatBuffer(p0), wm = FloatBuffer(count: n), wv = FloatBuffer(count: n)
        Blas.setThreads(1)
        AdamW.update(params: want.pointer, grads: clipped.pointer, m: wm.pointer, v: wv.pointer, count: n, lr: 1e-3,
                     step: 1, hyper: h, decay: true)
        for threads in [1, 2] {
            Blas.setThreads(threads)
            let g = FloatBuffer(values)
            XCTAssertEqual(AdamW.globalNorm(grads: g.pointer, count: n), norm)
            XCTAssertEqual(AdamW.clipFactor(norm: norm, maxNorm: 0.5), k)
            let p = FloatBuffer(p0), m = FloatBuffer(count: n), v = FloatBuffer(count: n)
            AdamW.update(params: p.pointer, grads: g.pointer, m: m.pointer, v: v.pointer, count: n, lr: 1e-3, step: 1,
                         hyper: h, decay: true, gradScale: k)
            XCTAssertTrue(p.array.map(\.bitPattern) == want.array.map(\.bitPattern), "params, threads \(threads)")
            XCTAssertTrue(m.array.map(\.bitPattern) == wm.array.map(\.bitPattern), "m, threads \(threads)")
            XCTAssertTrue(v.array.map(\.bitPattern) == wv.array.map(\.bitPattern), "v, threads \(threads)")
        }
        Blas.setThreads(1)
    }

    /// The update is element-wise IEEE arithmetic: every element, in the vector body and in the scalar tail alike,
    /// equals the definition with the FMA contractions clang makes (m and v as one fused multiply-add each, the step
    /// as two) and correctly rounded division and square root. It pins the arithmetic, not the speed: the scalar
    /// loop that called libm's `sqrtf` matched it too, which is why vectorising it left every result bit-identical;
    /// an approximate (rsqrt) or reassociated body would not.
    func testTheUpdateEqualsItsDefinitionElementByElement() throws {
        try XCTSkipIf(FastMath.elementwiseISA == "baseline", "the baseline build has no FMA, so no contractions")
        let n = 1_003  // a vector body and a tail
        var rng = Rng(seed: 8)
        let g = (0..<n).map { _ in rng.normal() * 0.1 }, p0 = (0..<n).map { _ in rng.normal() }
        let m0 = (0..<n).map { _ in rng.normal() * 0.01 }, v0 = (0..<n).map { _ in abs(rng.normal()) * 1e-4 }
        let h = AdamW.Hyper(weightDecay: 0.01), lr: Float = 3e-3, step = 3
        for decay in [false, true] {
            let p = FloatBuffer(p0), gb = FloatBuffer(g), m = FloatBuffer(m0), v = FloatBuffer(v0)
            AdamW.update(params: p.pointer, grads: gb.pointer, m: m.pointer, v: v.pointer, count: n, lr: lr,
                         step: step, hyper: h, decay: decay)
            let c1 = 1 - powf(h.beta1, Float(step)), c2 = 1 - powf(h.beta2, Float(step))
            let wd: Float = decay ? h.weightDecay : 0
            for i in 0..<n {
                let mi = ((1 - h.beta1) * g[i]).addingProduct(h.beta1, m0[i])
                let vi = ((1 - h.beta2) * g[i] * g[i]).addingProduct(h.beta2, v0[i])
                let u = (mi / c1) / ((vi / c2).squareRoot() + h.eps)
                let pi = p0[i].addingProduct(-lr, u.addingProduct(wd, p0[i]))
                XCTAssertEqual(m[i].bitPattern, mi.bitPattern, "m[\(i)]")
                XCTAssertEqual(v[i].bitPattern, vi.bitPattern, "v[\(i)]")
                XCTAssertEqual(p[i].bitPattern, pi.bitPattern, "p[\(i)], decay \(decay)")
                if m[i] != mi || v[i] != vi || p[i].bitPattern != pi.bitPattern { return }  // one report, not n
            }
            XCTAssertNotEqual(p.array, p0)
        }
    }
}
