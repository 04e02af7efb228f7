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
