/// The routing decisions of one MoE layer for one batch, kept for the backward pass.
/// An *assignment* is one (token, slot) pair, slot < k; index a = t·k + slot.
struct RoutingPlan {
    let k: Int
    var tokens = 0
    /// Expert of each assignment; −1 for padding tokens (never routed).
    var expert: [Int32] = []
    var gate: [Float] = []
    /// false when capacity dropped the assignment (expert output 0; the HyperExpert still applies).
    var kept: [Bool] = []
    /// Kept assignment indices sorted by expert (counting sort, stable = position priority).
    var order: [Int32] = []
    var offsets: [Int] = []
    /// HyperExpert groups: tokens with the same selection pattern (bitmask over experts).
    var patternOf: [UInt64] = []
    var groupMasks: [UInt64] = []
    var groupTokens: [Int32] = []   // valid tokens sorted by group
    var groupOffsets: [Int] = []
    var groupOfToken: [Int32] = []  // group index per token, −1 for padding

    init(k: Int) { self.k = k }

    mutating func reset(tokens: Int, experts: Int) {
        self.tokens = tokens
        expert = Array(repeating: -1, count: tokens * k)
        gate = Array(repeating: 0, count: tokens * k)
        kept = Array(repeating: false, count: tokens * k)
        patternOf = Array(repeating: 0, count: tokens)
        groupOfToken = Array(repeating: -1, count: tokens)
        order.removeAll(keepingCapacity: true)
        offsets = Array(repeating: 0, count: experts + 1)
    }

    /// Applies per-sequence capacity (position priority), then groups kept assignments by expert.
    /// A sequence's capacity is C_b = ⌈factor · n_b / N⌉ with n_b its *real* (routed) tokens, never the padded
    /// length: an example then keeps the same tokens, so gives the same output, whatever it is batched with.
    mutating func buildExpertOrder(experts: Int, batch: Int, length: Int, capacityFactor: Float?) {
        if let capacityFactor {
            var used = [Int](repeating: 0, count: experts)
            for b in 0..<batch {
                for j in 0..<experts { used[j] = 0 }
                var real = 0
                for l in 0..<length where expert[(b * length + l) * k] >= 0 { real += 1 }
                let capacity = Int((Double(capacityFactor) * Double(real) / Double(experts)).rounded(.up))
                for l in 0..<length {
                    for s in 0..<k {
                        let a = (b * length + l) * k + s
                        let e = Int(expert[a])
                        guard e >= 0 else { continue }
                        if used[e] < capacity { used[e] += 1; kept[a] = true } else { kept[a] = false }
                    }
                }
            }
        } else {
            for a in 0..<expert.count { kept[a] = expert[a] >= 0 }
        }
        var counts = [Int](repeating: 0, count: experts)
        for a in 0..<expert.count where kept[a] { counts[Int(expert[a])] += 1 }
        offsets[0] = 0
        for j in 0..<experts { offsets[j + 1] = offsets[j] + counts[j] }
        order = Array(repeating: 0, count: offsets[experts])
        var fill = Array(offsets[0..<experts])
        for a in 0..<expert.count where kept[a] {
            let e = Int(expert[a])
            order[fill[e]] = Int32(a)
            fill[e] += 1
        }
    }

    /// Groups valid tokens by selection pattern (for top-1, the pattern is the expert: ≤ N groups).
    mutating func buildGroups() {
        var index: [UInt64: Int] = [:]
        groupMasks.removeAll(keepingCapacity: true)
        var counts: [Int] = []
        for t in 0..<tokens where expert[t * k] >= 0 {
            var mask: UInt64 = 0
            for s in 0..<k { mask |= 1 << UInt64(expert[t * k + s]) }
            patternOf[t] = mask
            let g: Int
            if let existing = index[mask] { g = existing } else {
                g = groupMasks.count
                index[mask] = g
                groupMasks.append(mask)
                counts.append(0)
            }
            groupOfToken[t] = Int32(g)
            counts[g] += 1
        }
        groupOffsets = [0]
        for c in counts { groupOffsets.append(groupOffsets.last! + c) }
        groupTokens = Array(repeating: 0, count: groupOffsets.last!)
        var fill = Array(groupOffsets.dropLast())
        for t in 0..<tokens where groupOfToken[t] >= 0 {
            let g = Int(groupOfToken[t])
            groupTokens[fill[g]] = Int32(t)
            fill[g] += 1
        }
    }

    var groupCount: Int { groupMasks.count }
}
