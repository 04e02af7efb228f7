import Pipeline
import Foundation

/// The two-level bootstrap of a claim's mean difference: each replicate draws the seeds with replacement, then
/// the test examples with replacement (one draw per column, shared by every method and seed — they all scored
/// the same test set, so examples pair too), recomputes every cell's metric on the drawn examples, and averages
/// the claim's per-seed difference over the drawn seeds. The 2.5 % and 97.5 % quantiles of the replicates give
/// an interval that includes test-set sampling error as well as seed-to-seed variation. Deterministic: a fixed
/// SplitMix64 seed.
public enum Bootstrap {
    /// One cell value in a claim's per-seed difference: weight × metric(row, column, seed).
    public struct Term: Codable, Sendable, Equatable {
        public var row: String
        public var column: String
        public var weight: Double
        public init(row: String, column: String, weight: Double) { self.row = row; self.column = column; self.weight = weight }
    }

    /// `metric(row, column, seed, indices)`: the cell's metric on those examples (nil: not recomputable).
    /// `examples[column]`: how many test examples the column has. nil when a cell cannot be recomputed.
    public static func interval(terms: [Term], seeds: [String], examples: [String: Int], replicates: Int = 2000, seed: UInt64 = 20240219,
                                metric: (String, String, String, [Int]) -> Double?) -> (low: Double, high: Double)? {
        guard !seeds.isEmpty, !terms.isEmpty, terms.allSatisfy({ (examples[$0.column] ?? 0) > 0 }) else { return nil }
        var rng = SplitMix64(seed: seed)
        let columns = Array(Set(terms.map(\.column))).sorted()
        var draws: [Double] = []
        draws.reserveCapacity(replicates)
        for _ in 0..<replicates {
            let drawnSeeds = seeds.indices.map { _ in seeds[rng.below(seeds.count)] }
            guard let value = replicate(terms: terms, columns: columns, seeds: drawnSeeds, examples: examples, rng: &rng, metric: metric) else { return nil }
            if value.isFinite { draws.append(value) }   // a correlation of constant predictions is undefined
        }
        // More than 5 % undefined replicates (tiny test sets): no honest interval.
        guard draws.count >= replicates * 95 / 100, !draws.isEmpty else { return nil }
        draws.sort()
        func quantile(_ q: Double) -> Double {   // linear interpolation between order statistics
            let x = q * Double(draws.count - 1), i = Int(x), f = x - Double(i)
            return i + 1 < draws.count ? draws[i] * (1 - f) + draws[i + 1] * f : draws[i]
        }
        return (quantile(0.025), quantile(0.975))
    }

    /// The test-set sampling variance of the claim's mean difference at its current seeds and test sizes: the
    /// seeds held fixed, the test examples redrawn (one draw per column, shared as in `interval`), the variance of
    /// the replicates. Over seeds it is what the paired t-test leaves out; `PowerPlan.TwoLevel` scales it by
    /// 1/(test examples). nil when a cell cannot be recomputed or a replicate is undefined.
    public static func exampleVariance(terms: [Term], seeds: [String], examples: [String: Int], replicates: Int = 400,
                                       seed: UInt64 = 20240219, metric: (String, String, String, [Int]) -> Double?) -> Double? {
        guard !seeds.isEmpty, !terms.isEmpty, replicates >= 2, terms.allSatisfy({ (examples[$0.column] ?? 0) > 0 }) else { return nil }
        var rng = SplitMix64(seed: seed)
        let columns = Array(Set(terms.map(\.column))).sorted()
        var draws: [Double] = []
        for _ in 0..<replicates {
            guard let value = replicate(terms: terms, columns: columns, seeds: seeds, examples: examples, rng: &rng, metric: metric),
                  value.isFinite else { return nil }
            draws.append(value)
        }
        let mean = draws.reduce(0, +) / Double(draws.count)
        return draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)
    }

    /// One replicate: each column's test examples drawn with replacement (one draw shared by every term and
    /// seed), the claim's weighted sum of cell metrics per seed, averaged over `seeds`; nil when a cell cannot
    /// be recomputed.
    static func replicate(terms: [Term], columns: [String], seeds: [String], examples: [String: Int], rng: inout SplitMix64,
                          metric: (String, String, String, [Int]) -> Double?) -> Double? {
        var indices: [String: [Int]] = [:]
        for c in columns { let n = examples[c]!; indices[c] = (0..<n).map { _ in rng.below(n) } }
        var total = 0.0
        for s in seeds {
            for t in terms {
                guard let v = metric(t.row, t.column, s, indices[t.column]!) else { return nil }
                total += t.weight * v
            }
        }
        return total / Double(seeds.count)
    }

    /// Steele, Lea & Flood's SplitMix64: small, fast, and the same stream on every platform.
    public struct SplitMix64 {
        var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in 0..<n (multiply-shift; the bias is below 2⁻³² for the sizes used here).
        public mutating func below(_ n: Int) -> Int { Int(((next() >> 32) &* UInt64(n)) >> 32) }
    }
}
