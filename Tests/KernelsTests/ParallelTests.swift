import Foundation
import Kernels
import Synchronization
import XCTest

/// The engine's thread pool (`Parallel.run` on `CThreadPool`): every index exactly once, from any caller.
final class ParallelTests: XCTestCase {
    override func tearDown() { Blas.setThreads(2) }

    func testEveryIndexRunsExactlyOnceAcrossManyRegions() {
        for threads in [1, 2, 4] {
            Blas.setThreads(threads)
            for iterations in [0, 1, 2, 3, 7, 64] {
                let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(1, iterations))
                defer { hits.deallocate() }
                for _ in 0..<200 {   // many back-to-back regions: workers spinning, then re-claiming
                    hits.update(repeating: 0, count: max(1, iterations))
                    Parallel.run(iterations) { i in hits[i] += 1 }
                    XCTAssertEqual((0..<iterations).map { hits[$0] }, Array(repeating: 1, count: iterations),
                                   "threads \(threads), iterations \(iterations)")
                }
            }
        }
    }

    func testAWorkerRunsIndicesWhenTheCallerIsBusy() {
        Blas.setThreads(2)
        // Index 0 waits until index 1 has run: if one thread ran both, the wait would end at the deadline instead.
        let flag = Atomic<Int>(0)
        var ranOnWorker = false
        for _ in 0..<50 {
            var released = false
            flag.store(0, ordering: .sequentiallyConsistent)
            let deadline = Date().addingTimeInterval(2)
            Parallel.run(2) { i in
                if i == 1 { flag.store(1, ordering: .sequentiallyConsistent); return }
                while flag.load(ordering: .sequentiallyConsistent) == 0, Date() < deadline {}
                released = flag.load(ordering: .sequentiallyConsistent) == 1
            }
            if released { ranOnWorker = true }
        }
        XCTAssertTrue(ranOnWorker)
    }

    func testNestedAndConcurrentRegionsRunInlineAndComplete() {
        Blas.setThreads(2)
        let sums = UnsafeMutablePointer<Int>.allocate(capacity: 8 * 4)
        defer { sums.deallocate() }
        sums.update(repeating: 0, count: 32)
        // Four callers at once (only one can own the pool; the others run inline), each nesting a region.
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for _ in 0..<100 {
                Parallel.run(8) { i in
                    Parallel.run(3) { j in if j == 0 { sums[caller * 8 + i] += 1 } }
                }
            }
        }
        XCTAssertEqual((0..<32).map { sums[$0] }, Array(repeating: 100, count: 32))
    }
}

/// The element-wise and reduction kernels split over the pool give the one-thread numbers bit for bit above the grain.
final class SplitKernelsTests: XCTestCase {
    override func tearDown() { Blas.setThreads(2) }

    func testSplitKernelsEqualTheirOneThreadResults() {
        var rng = Rng(seed: 21)
        let batch = 4, length = 128, dim = 128, vocab = 50, T = batch * length   // T·dim = 2 grains: split in two
        let ids = (0..<T).map { _ in Int32(rng.int(below: vocab)) }   // repeated ids: scatter-adds meet
        let types = (0..<T).map { Int32($0 % 2) }
        let wte = FloatBuffer((0..<(vocab * dim)).map { _ in rng.normal() })
        let wpe = FloatBuffer((0..<(length * dim)).map { _ in rng.normal() })
        let wtt = FloatBuffer((0..<(2 * dim)).map { _ in rng.normal() })
        let dout = FloatBuffer((0..<(T * dim)).map { _ in rng.normal() })
        func run(_ threads: Int) -> [[Float]] {
            Blas.setThreads(threads)
            let out = FloatBuffer(count: T * dim)
            let dwte = FloatBuffer(count: vocab * dim), dwpe = FloatBuffer(count: length * dim)
            let dwtt = FloatBuffer(count: 2 * dim), colSum = FloatBuffer(count: dim)
            ids.withUnsafeBufferPointer { i in types.withUnsafeBufferPointer { y in
                Embedding.forward(out: out.pointer, ids: i.baseAddress!, types: y.baseAddress!, wte: wte.pointer,
                                  wpe: wpe.pointer, wtt: wtt.pointer, batch: batch, length: length, dim: dim)
                Embedding.backward(dwte: dwte.pointer, dwpe: dwpe.pointer, dwtt: dwtt.pointer, dout: dout.pointer,
                                   ids: i.baseAddress!, types: y.baseAddress!, batch: batch, length: length, dim: dim)
            } }
            Linear.columnSum(dout.pointer, rows: T, cols: dim, into: colSum.pointer)
            var drop = Rng(seed: 5)
            let mask = FloatBuffer(count: T * dim), dropped = FloatBuffer(dout.array)
            let residual = FloatBuffer(count: T * dim)
            Dropout.residualSum(out: residual.pointer, base: residual.pointer, dropped.pointer, mask: mask.pointer,
                                count: T * dim, p: 0.1, rng: &drop)
            let copy = FloatBuffer(count: T * dim), product = FloatBuffer(count: T * dim)
            Parallel.copy(copy.pointer, from: out.pointer, count: T * dim)
            Parallel.multiply(product.pointer, out.pointer, dout.pointer, count: T * dim)
            Parallel.fill(out.pointer + 5, with: 2.5, count: 40_000)
            return [out.array, dwte.array, dwpe.array, dwtt.array, colSum.array, mask.array, dropped.array,
                    residual.array, copy.array, product.array, drop.words.map { Float($0 >> 40) }]
        }
        let one = run(1), two = run(2)
        for (i, (a, b)) in zip(one, two).enumerated() { XCTAssertTrue(a == b, "output \(i) differs at two threads") }
        XCTAssertEqual(one[0][5], 2.5)
        XCTAssertGreaterThan(one[1].map(abs).max()!, 0)
    }
}
