/// SplitMix64: tiny, fast, and identical on every platform — `SystemRandomNumberGenerator` is not
/// seedable and Swift's default shuffle algorithm is not promised to stay the same across releases,
/// so splits, derived tasks and batch order all use this generator and `seededShuffle`.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// Derives an independent stream from a seed and labels (e.g. seed, epoch) without correlation.
    public init(seed: UInt64, _ streams: UInt64...) {
        var s = seed
        for x in streams { s = SeededRandom.mix(s ^ SeededRandom.mix(x &+ 0x9E37_79B9_7F4A_7C15)) }
        state = s
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededRandom.mix(state)
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n without modulo bias (Lemire's method would be faster; this is clearer).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let r = next()
            if r < limit { return Int(r % bound) }
        }
    }
}

extension Array {
    /// Fisher–Yates with `SeededRandom`, so the permutation is fixed by the seed forever.
    public func seededShuffled(_ rng: inout SeededRandom) -> [Element] {
        var a = self
        if a.count < 2 { return a }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = rng.below(i + 1)
            if i != j { a.swapAt(i, j) }
        }
        return a
    }
}
