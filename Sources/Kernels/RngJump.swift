/// Jump-ahead for xoshiro256**, so a long run of draws (a dropout mask, the router's jitter) can be split over
/// the threads and still give element i the i-th number of the one stream: bit-identical to drawing serially,
/// at any thread count.
///
/// The generator's state update is linear over GF(2): state′ = M·state for a fixed 256 × 256 bit matrix M. So
/// n steps are Mⁿ·state, and Mⁿ is a product of the precomputed powers M^(2^k) for the set bits of n.
extension Rng {
    /// The state `n` draws from now (what `n` calls of `next()` would leave), in popcount(n) matrix-vector
    /// products of 256 × 256 bits; no allocation.
    public func jumped(by n: Int) -> Rng {
        precondition(n >= 0 && n < 1 << JumpTable.levels, "jump of \(n) draws is outside the table")
        var jumped = self
        var bits = n, k = 0
        while bits != 0 {
            if bits & 1 != 0 { jumped.state = JumpTable.shared.apply(level: k, to: jumped.state) }
            bits >>= 1; k += 1
        }
        return jumped
    }

    /// body(range, rng) over contiguous blocks of 0..<count, split over the threads like
    /// `Parallel.forEachChunk`, where each block's `rng` starts `range.lowerBound` draws into this stream. The
    /// body must take exactly one `next()` per element; afterwards this generator is `count` draws on, as if
    /// one thread had drawn them all.
    public mutating func forEachDrawChunk(_ count: Int, _ body: (Range<Int>, inout Rng) -> Void) {
        let start = self
        var end = start
        withUnsafeMutablePointer(to: &end) { end in
            Parallel.forEachChunk(count) { r in
                var local = r.lowerBound == 0 ? start : start.jumped(by: r.lowerBound)
                body(r, &local)
                if r.upperBound == count { end.pointee = local }   // only the last block writes it
            }
        }
        self = end
    }
}

/// M^(2^k) for k < `levels`, as 256 columns of four words each (column j = the image of state bit j),
/// built once per process by repeated squaring (under a millisecond) and never freed.
final class JumpTable: @unchecked Sendable {  // immutable after init
    typealias State = (UInt64, UInt64, UInt64, UInt64)
    static let levels = 48
    static let shared = JumpTable()

    private let columns: UnsafeMutablePointer<UInt64>  // levels × 256 columns × 4 words

    private init() {
        columns = .allocate(capacity: JumpTable.levels * 1024)
        for j in 0..<256 {  // level 0: one step of each unit state
            var unit: State = (0, 0, 0, 0)
            let bit = UInt64(1) << UInt64(j & 63)
            switch j >> 6 { case 0: unit.0 = bit; case 1: unit.1 = bit; case 2: unit.2 = bit; default: unit.3 = bit }
            var r = Rng(words: [0, 0, 0, 0])
            r.state = unit
            _ = r.next()
            store(r.state, at: j * 4)
        }
        for k in 1..<JumpTable.levels {  // M^(2^k) = (M^(2^(k−1)))²: column j is M^(2^(k−1)) applied to its column j
            for j in 0..<256 {
                let c = (k - 1) * 1024 + j * 4
                store(apply(level: k - 1, to: (columns[c], columns[c + 1], columns[c + 2], columns[c + 3])),
                      at: k * 1024 + j * 4)
            }
        }
    }

    private func store(_ s: State, at i: Int) {
        columns[i] = s.0; columns[i + 1] = s.1; columns[i + 2] = s.2; columns[i + 3] = s.3
    }

    /// M^(2^level)·v: the XOR of the columns whose bit is set in v.
    func apply(level: Int, to v: State) -> State {
        var out: State = (0, 0, 0, 0)
        let base = columns + level * 1024
        func add(_ word: UInt64, _ w: Int) {
            var bits = word
            while bits != 0 {
                let c = base + (w * 64 + bits.trailingZeroBitCount) * 4
                out.0 ^= c[0]; out.1 ^= c[1]; out.2 ^= c[2]; out.3 ^= c[3]
                bits &= bits - 1
            }
        }
        add(v.0, 0); add(v.1, 1); add(v.2, 2); add(v.3, 3)
        return out
    }
}
