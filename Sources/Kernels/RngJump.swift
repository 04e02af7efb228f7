/// Jump-ahead for xoshiro256**, so a long run of draws (a dropout mask, the router's jitter) can be split over
/// the threads and still give element i the i-th number of the one stream: bit-identical to drawing serially,
/// at any thread count.
///
/// The generator's state update is linear over GF(2): state′ = M·state for a fixed 256 × 256 bit matrix M. So
/// n steps are Mⁿ·state, and Mⁿ is a product of the precomputed powers M^(2^k) for the set bits of n.
extension Rng {
    /// The state `n` draws from now (what `n` calls of `next()` would leave), in O(popcount(n)) matrix-vector
    /// products of 256 × 256 bits.
    public func jumped(by n: Int) -> Rng {
        precondition(n >= 0 && n < 1 << JumpTable.levels, "jump of \(n) draws is outside the table")
        var words = self.words
        var bits = n, k = 0
        while bits != 0 {
            if bits & 1 != 0 { words = JumpTable.shared.apply(level: k, to: words) }
            bits >>= 1; k += 1
        }
        return Rng(words: words)
    }

    /// body(range, rng) over contiguous blocks of 0..<count, split over the threads like
    /// `Parallel.forEachChunk`, where each block's `rng` starts `range.lowerBound` draws into this stream. The
    /// body must take exactly one `next()` per element; afterwards this generator is `count` draws on, as if
    /// one thread had drawn them all.
    public mutating func forEachDrawChunk(_ count: Int, _ body: (Range<Int>, inout Rng) -> Void) {
        let start = self
        let end = UnsafeMutablePointer<Rng>.allocate(capacity: 1)
        defer { end.deallocate() }
        end.initialize(to: start)
        Parallel.forEachChunk(count) { r in
            var local = r.lowerBound == 0 ? start : start.jumped(by: r.lowerBound)
            body(r, &local)
            if r.upperBound == count { end.pointee = local }
        }
        self = end.pointee
    }
}

/// M^(2^k) for k < `levels`, as 256 columns of four words each (column j = the image of state bit j),
/// built once per process by repeated squaring (~10 ms).
final class JumpTable: Sendable {
    static let levels = 48
    static let shared = JumpTable()

    private let columns: [UInt64]  // levels × 256 columns × 4 words

    private init() {
        var table = [UInt64](repeating: 0, count: JumpTable.levels * 256 * 4)
        for j in 0..<256 {  // level 0: one step of each unit state
            var unit: [UInt64] = [0, 0, 0, 0]
            unit[j >> 6] = 1 << UInt64(j & 63)
            var r = Rng(words: unit)
            _ = r.next()
            for w in 0..<4 { table[j * 4 + w] = r.words[w] }
        }
        for k in 1..<JumpTable.levels {  // M^(2^k) = (M^(2^(k−1)))²: column j is M^(2^(k−1)) applied to its column j
            let prev = (k - 1) * 1024, cur = k * 1024
            for j in 0..<256 {
                let v = JumpTable.multiply(table, base: prev,
                                           [table[prev + j * 4], table[prev + j * 4 + 1],
                                            table[prev + j * 4 + 2], table[prev + j * 4 + 3]])
                for w in 0..<4 { table[cur + j * 4 + w] = v[w] }
            }
        }
        columns = table
    }

    func apply(level: Int, to v: [UInt64]) -> [UInt64] { JumpTable.multiply(columns, base: level * 1024, v) }

    /// The XOR of the columns whose bit is set in v.
    private static func multiply(_ table: [UInt64], base: Int, _ v: [UInt64]) -> [UInt64] {
        var out: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        table.withUnsafeBufferPointer { t in
            for w in 0..<4 {
                var bits = v[w]
                while bits != 0 {
                    let j = w * 64 + bits.trailingZeroBitCount
                    let c = base + j * 4
                    out.0 ^= t[c]; out.1 ^= t[c + 1]; out.2 ^= t[c + 2]; out.3 ^= t[c + 3]
                    bits &= bits - 1
                }
            }
        }
        return [out.0, out.1, out.2, out.3]
    }
}
