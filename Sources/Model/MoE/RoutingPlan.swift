/// The routing decisions of one MoE layer for one batch, kept for the backward pass.
/// An *assignment* is one (token, slot) pair, slot < k; index a = t·k + slot.
/// Arrays keep their capacity from step to step: after the first step a plan allocates nothing.
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
    /// Counting-sort scratch.
    private var counts: [Int] = [], fill: [Int] = []

    init(k: Int) { self.k = k }

    /// a = [v] * n, reusing a's storage.
    private static func refill<T>(_ a: inout [T], _ v: T, count n: Int) {
        if a.count != n { a.removeAll(keepingCapacity: true); a.append(contentsOf: repeatElement(v, count: n)) }
        else { for i in 0..<n { a[i] = v } }
    }

    mutating func reset(tokens: Int, experts: Int) {
        self.tokens = tokens
        Self.refill(&expert, -1, count: tokens * k)
        Self.refill(&gate, 0, count: tokens * k)
        Self.refill(&kept, false, count: tokens * k)
        Self.refill(&patternOf, 0, count: tokens)
        Self.refill(&groupOfToken, -1, count: tokens)
        order.removeAll(keepingCapacity: true)
        Self.refill(&offsets, 0, count: experts + 1)
    }

    /// Applies per-sequence capacity (position priority), then groups kept assignments by expert.
    /// A sequence's capacity is C_b = ⌈factor · n_b / N⌉ with n_b its *real* (routed) tokens, never the padded
    /// length: an example then keeps the same tokens, so gives the same output, whatever it is batched with.
    mutating func buildExpertOrder(experts: Int, batch: Int, length: Int, capacityFactor: Float?) {
        if let capacityFactor {
            Self.refill(&counts, 0, count: experts)   // used slots per expert in the current sequence
            for b in 0..<batch {
                for j in 0..<experts { counts[j] = 0 }
                var real = 0
                for l in 0..<length where expert[(b * length + l) * k] >= 0 { real += 1 }
                let capacity = Int((Double(capacityFactor) * Double(real) / Double(experts)).rounded(.up))
                for l in 0..<length {
                    for s in 0..<k {
                        let a = (b * length + l) * k + s
                        let e = Int(expert[a])
                        guard e >= 0 else { continue }
                        if counts[e] < capacity { counts[e] += 1; kept[a] = true } else { kept[a] = false }
                    }
                }
            }
        } else {
            for a in 0..<expert.count { kept[a] = expert[a] >= 0 }
        }
        Self.refill(&counts, 0, count: experts)
        for a in 0..<expert.count where kept[a] { counts[Int(expert[a])] += 1 }
        offsets[0] = 0
        for j in 0..<experts { offsets[j + 1] = offsets[j] + counts[j] }
        Self.refill(&order, 0, count: offsets[experts])
        Self.refill(&fill, 0, count: experts)
        for j in 0..<experts { fill[j] = offsets[j] }
        for a in 0..<expert.count where kept[a] {
            let e = Int(expert[a])
            order[fill[e]] = Int32(a)
            fill[e] += 1
        }
    }

    /// Groups valid tokens by selection pattern (for top-1, the pattern is the expert: ≤ N groups).
    /// Groups are numbered in order of first appearance; at most C(N, k) of them, found by a linear search.
    mutating func buildGroups() {
        groupMasks.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
        for t in 0..<tokens where expert[t * k] >= 0 {
            var mask: UInt64 = 0
            for s in 0..<k { mask |= 1 << UInt64(expert[t * k + s]) }
            patternOf[t] = mask
            var g = 0
            while g < groupMasks.count && groupMasks[g] != mask { g += 1 }
            if g == groupMasks.count { groupMasks.append(mask); counts.append(0) }
            groupOfToken[t] = Int32(g)
            counts[g] += 1
        }
        groupOffsets.removeAll(keepingCapacity: true)
        groupOffsets.append(0)
        for c in counts { groupOffsets.append(groupOffsets[groupOffsets.count - 1] + c) }
        Self.refill(&groupTokens, 0, count: groupOffsets[groupOffsets.count - 1])
        Self.refill(&fill, 0, count: counts.count)
        for g in 0..<counts.count { fill[g] = groupOffsets[g] }
        for t in 0..<tokens where groupOfToken[t] >= 0 {
            let g = Int(groupOfToken[t])
            groupTokens[fill[g]] = Int32(t)
            fill[g] += 1
        }
    }

    var groupCount: Int { groupMasks.count }
}
