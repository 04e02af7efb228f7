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

    /// Clipping skips zero blocks in its norm and scales over the threads: the norm and the scaled gradients are
    /// exactly those of the plain sequential definition (whose bits the committed results were trained with).
    func testClipEqualsTheSequentialDefinition() {
        var rng = Rng(seed: 21)
        let n = 5 * Parallel.grain + 7
        var values = (0..<n).map { _ in rng.normal() * 0.01 }
        for i in stride(from: 0, to: n, by: 97) { for j in i..<min(n, i + 40) { values[j] = 0 } }  // zero runs
        values[3] = -0.0
        var s: Double = 0
        for x in values { s += Double(x) * Double(x) }
        let norm = Float(s.squareRoot()), k = 0.5 / (norm + 1e-6)
        for threads in [1, 2] {
            Blas.setThreads(threads)
            let g = FloatBuffer(values)
            XCTAssertEqual(AdamW.clipGlobalNorm(grads: g.pointer, count: n, maxNorm: 0.5), norm)
            XCTAssertTrue(g.array == values.map { $0 * k }, "threads \(threads)")
        }
        Blas.setThreads(1)
        XCTAssertGreaterThan(norm, 0.5)
    }
}
