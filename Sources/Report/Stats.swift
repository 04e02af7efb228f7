import Pipeline
import Foundation

/// The statistics the report's verdicts rest on: Student's t distribution (from the regularised incomplete
/// beta function), the paired t-test and its confidence interval, Holm's step-down correction, and the minimum
/// detectable effect of a paired t-test (exact, through the noncentral t). Checked against scipy
/// (scripts/make_stats_golden.py → Tests/PipelineTests/Golden/stats.json).
public enum Stats {
    // MARK: t distribution

    /// Regularised incomplete beta I_x(a, b), by Lentz's continued fraction (Numerical Recipes §6.4), using the
    /// symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    public static func incompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x > (a + 1) / (a + b + 2) { return 1 - incompleteBeta(1 - x, b, a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...400 {
            let m = Double(m)
            // Even step.
            var num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; f *= d * c
            // Odd step.
            num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return exp(lnFront) * f / a
    }

    /// P(T ≤ t) for Student's t with `df` degrees of freedom.
    public static func tCDF(_ t: Double, df: Double) -> Double {
        guard t.isFinite else { return t > 0 ? 1 : 0 }
        let tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)   // P(T > |t|)
        return t >= 0 ? 1 - tail : tail
    }

    /// The t quantile: the t with P(T ≤ t) = p, by bisection on the CDF (monotone, so it cannot miss).
    public static func tQuantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0 && p < 1, "quantile of p = \(p)")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -tQuantile(1 - p, df: df) }
        var lo = 0.0, hi = 1.0
        while tCDF(hi, df: df) < p { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if tCDF(mid, df: df) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-13 * max(1, hi) { break }
        }
        return (lo + hi) / 2
    }

    // MARK: paired t-test

    /// The one-sample t-test of paired differences against `null` (0, or −margin for non-inferiority).
    public struct PairedTest: Codable, Sendable, Equatable {
        public var n: Int
        public var mean: Double
        /// Sample standard deviation of the differences (n − 1); nil for n < 2.
        public var sd: Double?
        /// 95 % t-interval of the mean difference; nil for n < 2.
        public var ciLow: Double?
        public var ciHigh: Double?
        /// Two-sided p-value of H0: mean = null; nil for n < 2 (and 0 when every difference is identical and
        /// not the null — a t statistic of ±∞).
        public var p: Double?
    }

    public static func pairedTest(_ diffs: [Double], null: Double = 0, confidence: Double = 0.95) -> PairedTest {
        let n = diffs.count
        let mean = diffs.reduce(0, +) / Double(max(n, 1))
        guard n >= 2 else { return PairedTest(n: n, mean: mean, sd: nil, ciLow: nil, ciHigh: nil, p: nil) }
        let sd = (diffs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot()
        let se = sd / Double(n).squareRoot()
        let df = Double(n - 1)
        let half = tQuantile(1 - (1 - confidence) / 2, df: df) * se
        let p: Double
        if se == 0 { p = mean == null ? 1 : 0 } else { p = 2 * tCDF(-abs((mean - null) / se), df: df) }
        return PairedTest(n: n, mean: mean, sd: sd, ciLow: mean - half, ciHigh: mean + half, p: p)
    }

    // MARK: multiplicity

    /// Holm's step-down adjusted p-values (monotone, capped at 1), in the input's order.
    public static func holm(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * p[i]))
            adjusted[i] = running
        }
        return adjusted
    }

    // MARK: power

    /// Power of the two-sided paired t-test at level `alpha` with n pairs when the true mean difference is
    /// `effect` standard deviations: P(|T'| > t_crit) with T' noncentral t (df n − 1, noncentrality effect·√n),
    /// integrated over the chi distribution of the sample sd (Simpson's rule on w = √V, V ~ χ²(df)).
    public static func pairedPower(standardizedEffect effect: Double, n: Int, alpha: Double = 0.05) -> Double {
        guard n >= 2 else { return 0 }
        let df = Double(n - 1), delta = effect * Double(n).squareRoot()
        let crit = tQuantile(1 - alpha / 2, df: df)
        func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
        // Density of w = √V: f(w) = 2w · χ²_df(w²) = w^(df−1) e^(−w²/2) / (2^(df/2−1) Γ(df/2)).
        let lnNorm = (df / 2 - 1) * log(2.0) + lgamma(df / 2)
        let upper = df.squareRoot() + 12, steps = 4000
        let h = upper / Double(steps)
        var sum = 0.0
        for i in 0...steps {
            let w = Double(i) * h
            let density = w == 0 ? (df == 1 ? exp(-lnNorm) : 0) : exp((df - 1) * log(w) - w * w / 2 - lnNorm)
            let s = crit * w / df.squareRoot()   // reject when Z + δ > s or Z + δ < −s
            let reject = phi(delta - s) + phi(-delta - s)
            let weight = (i == 0 || i == steps) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
            sum += weight * density * reject
        }
        return sum * h / 3
    }

    /// Minimum detectable mean difference of a two-sided paired t-test with n pairs whose differences have
    /// standard deviation `sd`: the effect found with probability `power` at level `alpha`. nil for n < 2.
    public static func minimumDetectableEffect(sd: Double, n: Int, power: Double = 0.8, alpha: Double = 0.05) -> Double? {
        guard n >= 2 else { return nil }
        var lo = 0.0, hi = 1.0
        while pairedPower(standardizedEffect: hi, n: n, alpha: alpha) < power { lo = hi; hi *= 2; if hi > 1e6 { return nil } }
        for _ in 0..<100 {
            let mid = (lo + hi) / 2
            if pairedPower(standardizedEffect: mid, n: n, alpha: alpha) < power { lo = mid } else { hi = mid }
            if hi - lo < 1e-9 { break }
        }
        return (lo + hi) / 2 * sd
    }

    /// The fewest pairs (≥ 2) whose paired t-test detects `effect` with probability `power`, given the
    /// differences' standard deviation; nil when even `limit` pairs do not (or the effect is 0).
    public static func pairsNeeded(effect: Double, sd: Double, power: Double = 0.8, alpha: Double = 0.05, limit: Int = 10_000) -> Int? {
        guard effect != 0 else { return nil }
        if sd == 0 { return 2 }
        let d = abs(effect) / sd
        var lo = 2, hi = 2
        while pairedPower(standardizedEffect: d, n: hi, alpha: alpha) < power {
            lo = hi; hi *= 2
            if hi > limit { return nil }
        }
        while lo < hi {   // smallest n in [lo, hi] with enough power (power grows with n)
            let mid = (lo + hi) / 2
            if pairedPower(standardizedEffect: d, n: mid, alpha: alpha) >= power { hi = mid } else { lo = mid + 1 }
        }
        return hi
    }
}
