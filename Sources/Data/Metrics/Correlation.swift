/// Pearson and Spearman as scipy.stats computes them (STS-B's metrics). Undefined (a constant input or
/// fewer than 2 points) → NaN, as scipy returns, so a degenerate model is never reported as 0 by accident.
public enum Correlation {
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        let n = Double(x.count)
        if x.count < 2 { return .nan }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            let dx = a - mx, dy = b - my
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        if sxx == 0 || syy == 0 { return .nan }
        let r = sxy / (sxx.squareRoot() * syy.squareRoot())
        return max(-1, min(1, r))   // scipy clips rounding overshoot too
    }

    /// Spearman's rho = Pearson of the ranks, ties getting their average rank (scipy `rankdata('average')`).
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        pearson(averageRanks(x), averageRanks(y))
    }

    /// 1-based ranks; tied values share the mean of the ranks they span.
    public static func averageRanks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] || (v[$0] == v[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            let r = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = r }
            i = j + 1
        }
        return ranks
    }
}
