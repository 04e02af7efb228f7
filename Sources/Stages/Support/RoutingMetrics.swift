import Foundation

/// Per-layer expert load of an evaluation split as stage metrics, so reports can draw routing heatmaps:
/// `expert_load.layer<l>.expert<e>` = the fraction of the split's tokens layer l (counting MoE layers from 0)
/// sent to expert e, and `routing_entropy.layer<l>` = the entropy of that distribution divided by log N
/// (1 = perfectly even, 0 = every token to one expert).
public enum RoutingMetrics {
    public static let loadPrefix = "expert_load."
    public static let entropyPrefix = "routing_entropy."

    public static func metrics(tokensPerExpert: [[Double]]) -> [String: Double] {
        var out: [String: Double] = [:]
        for (l, counts) in tokensPerExpert.enumerated() {
            let total = counts.reduce(0, +)
            guard total > 0, counts.count > 1 else { continue }
            var entropy = 0.0
            for (e, c) in counts.enumerated() {
                let p = c / total
                out["\(loadPrefix)layer\(l).expert\(e)"] = p
                if p > 0 { entropy -= p * log(p) }
            }
            out["\(entropyPrefix)layer\(l)"] = entropy / log(Double(counts.count))
        }
        return out
    }

    /// (layer, expert) of a load metric name; nil for any other name.
    public static func parseLoad(_ name: String) -> (layer: Int, expert: Int)? {
        guard name.hasPrefix(loadPrefix) else { return nil }
        let parts = name.dropFirst(loadPrefix.count).split(separator: ".")
        guard parts.count == 2, parts[0].hasPrefix("layer"), parts[1].hasPrefix("expert"),
              let l = Int(parts[0].dropFirst(5)), let e = Int(parts[1].dropFirst(6)) else { return nil }
        return (l, e)
    }
}
