import XCTest
import Kernels

final class RngJumpTests: XCTestCase {
    /// jumped(by: n) lands where n calls of next() land, including across several table levels.
    func testJumpEqualsStepping() {
        for seed in [1, 77] as [UInt64] {
            var stepped = Rng(seed: seed)
            let start = stepped
            var done = 0
            for n in [0, 1, 2, 3, 63, 64, 1000, 4097, 70_001] {
                while done < n { _ = stepped.next(); done += 1 }
                XCTAssertEqual(start.jumped(by: n).words, stepped.words, "seed \(seed), jump \(n)")
            }
        }
    }

    /// Draw chunks split over threads give element i the i-th draw and leave the generator where a serial
    /// loop leaves it, for counts below, at and above the split size.
    func testDrawChunksMatchSerialDraws() {
        for threads in [1, 2, 3] {
            Blas.setThreads(threads)
            for count in [0, 5, Parallel.grain, 3 * Parallel.grain + 17] {
                var serial = Rng(seed: 9), split = Rng(seed: 9)
                let expected = (0..<count).map { _ in serial.uniform() }
                var got = [Float](repeating: -1, count: count)
                got.withUnsafeMutableBufferPointer { g in
                    let out = g.baseAddress
                    split.forEachDrawChunk(count) { r, local in for i in r { out![i] = local.uniform() } }
                }
                XCTAssertTrue(got == expected, "threads \(threads), count \(count)")
                XCTAssertEqual(split.words, serial.words, "threads \(threads), count \(count): generator state")
            }
        }
        Blas.setThreads(1)
    }

    /// The fused dropout add: the mask is 0 or 1/(1−p) from the serial draws, v is masked, x gains v.
    func testResidualDropoutAddMatchesDefinition() {
        Blas.setThreads(2)
        defer { Blas.setThreads(1) }
        let n = 3 * Parallel.grain, p: Float = 0.25
        var rng = Rng(seed: 3)
        let x0 = (0..<n).map { _ in rng.normal() }, v0 = (0..<n).map { _ in rng.normal() }
        var reference = Rng(seed: 11), drawn = Rng(seed: 11)
        let x = FloatBuffer(x0), v = FloatBuffer(v0), mask = FloatBuffer(count: n)
        Dropout.residualSum(out: x.pointer, base: x.pointer, v.pointer, mask: mask.pointer, count: n, p: p, rng: &drawn)
        var dropped = 0
        for i in 0..<n {
            let m: Float = reference.uniform() < p ? 0 : 1 / (1 - p)
            if m == 0 { dropped += 1 }
            XCTAssertEqual(mask[i], m)
            XCTAssertEqual(v[i], v0[i] * m)
            XCTAssertEqual(x[i], x0[i] + v0[i] * m)
        }
        XCTAssertEqual(drawn.words, reference.words)
        XCTAssertEqual(Double(dropped) / Double(n), Double(p), accuracy: 0.01)
    }

    /// The residual sum into a separate output is the copy-then-add-in-place it replaced: same draws, masks,
    /// bits; the base is left alone.
    func testResidualSumEqualsCopyThenAdd() {
        Blas.setThreads(2)
        defer { Blas.setThreads(1) }
        let n = 3 * Parallel.grain + 1, p: Float = 0.1
        var rng = Rng(seed: 5)
        let base0 = (0..<n).map { _ in rng.normal() }, v0 = (0..<n).map { _ in rng.normal() }
        var a = Rng(seed: 2), b = Rng(seed: 2)
        let copied = FloatBuffer(base0), va = FloatBuffer(v0), ma = FloatBuffer(count: n)
        Dropout.residualSum(out: copied.pointer, base: copied.pointer, va.pointer, mask: ma.pointer, count: n, p: p,
                            rng: &a)
        let base = FloatBuffer(base0), out = FloatBuffer(count: n), vb = FloatBuffer(v0), mb = FloatBuffer(count: n)
        Dropout.residualSum(out: out.pointer, base: base.pointer, vb.pointer, mask: mb.pointer, count: n, p: p, rng: &b)
        XCTAssertEqual(out.array.map(\.bitPattern), copied.array.map(\.bitPattern))
        XCTAssertEqual(mb.array, ma.array)
        XCTAssertEqual(vb.array, va.array)
        XCTAssertEqual(base.array, base0)
        XCTAssertEqual(b.words, a.words)
    }
}
