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
}
