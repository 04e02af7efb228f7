import Kernels

/// How a dense FFN becomes N experts (the backbone issue's comparison; docs/experiments.md has the measurement).
///  - `copies`: N exact copies (sparse upcycling, Komatsuzaki et al. 2023) — experts diverge only as training
///    pushes different tokens through them;
///  - `noise`: copies plus independent Gaussian noise of `scale` × each matrix's own standard deviation;
///  - `drop`: Drop-Upcycling (Nakamura et al. 2025): per expert, a random `scale` fraction of the intermediate
///    neurons is re-initialised — those columns of W1 (and entries of b1) and rows of W2 — from a normal with
///    the original matrix's mean and standard deviation. Different experts lose different neurons.
public enum UpcyclingVariant: String, Codable, Sendable, CaseIterable { case copies, noise, drop }

extension Transformer {
    /// Applies `variant` to every MoE block's experts, which must hold copies of one dense FFN (after
    /// `load(bert:)` or `upcycle(fromDenseWeights:)`). Deterministic in `seed`; each expert draws its own stream.
    public func diversifyExperts(_ variant: UpcyclingVariant, scale: Float, seed: UInt64) {
        guard variant != .copies, let m = config.moe else { return }
        let h = config.width, f = config.ffnWidth
        for block in 0..<config.layers where config.isMoE(block: block) {
            for e in 0..<m.experts {
                var rng = Rng(seed: seed &+ UInt64(block) &* 1_000_003 &+ UInt64(e) &* 7_919)
                let name = "blocks.\(block).moe.expert.\(e)"
                guard let w1 = params.ref(named: "\(name).w1"), let b1 = params.ref(named: "\(name).b1"),
                      let w2 = params.ref(named: "\(name).w2") else { preconditionFailure("missing expert \(name)") }
                let (W1, B1, W2) = (params.value(w1), params.value(b1), params.value(w2))
                let s1 = Self.moments(W1, h * f), sb = Self.moments(B1, f), s2 = Self.moments(W2, f * h)
                switch variant {
                case .copies: break
                case .noise:
                    for i in 0..<(h * f) { W1[i] += rng.normal() * scale * s1.std }
                    for i in 0..<(f * h) { W2[i] += rng.normal() * scale * s2.std }
                case .drop:
                    // W1 is [h × f] (column j feeds neuron j), W2 is [f × h] (row j leaves neuron j).
                    var order = Array(0..<f)   // partial Fisher–Yates: the first ⌊r·f⌉ picks
                    let count = min(f, Int((scale * Float(f)).rounded()))
                    for i in 0..<count { order.swapAt(i, i + rng.int(below: f - i)) }
                    for j in order.prefix(count) {
                        for r in 0..<h { W1[r * f + j] = s1.mean + rng.normal() * s1.std }
                        B1[j] = sb.mean + rng.normal() * sb.std
                        for c in 0..<h { W2[j * h + c] = s2.mean + rng.normal() * s2.std }
                    }
                }
            }
        }
    }

    static func moments(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> (mean: Float, std: Float) {
        var s = 0.0, q = 0.0
        for i in 0..<n { s += Double(x[i]); q += Double(x[i]) * Double(x[i]) }
        let mean = s / Double(n)
        return (Float(mean), Float(max(q / Double(n) - mean * mean, 0).squareRoot()))
    }

    /// Per MoE block: the mean pairwise cosine similarity of its experts' weights (W1, b1, W2, b2 flattened
    /// into one vector per expert). 1 = identical copies.
    public var expertSimilarity: [Double] {
        guard let m = config.moe else { return [] }
        return (0..<config.layers).filter { config.isMoE(block: $0) }.map { block in
            let vectors: [[Float]] = (0..<m.experts).map { e in
                ["w1", "b1", "w2", "b2"].flatMap { part -> [Float] in
                    let ref = params.ref(named: "blocks.\(block).moe.expert.\(e).\(part)")!
                    return Array(UnsafeBufferPointer(start: params.value(ref), count: ref.count))
                }
            }
            var total = 0.0, pairs = 0
            for a in 0..<m.experts { for b in (a + 1)..<m.experts {
                total += Self.cosine(vectors[a], vectors[b]); pairs += 1
            } }
            return total / Double(max(pairs, 1))
        }
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices { dot += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i]) }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }

    /// Expert chosen by each token (top-1: the first slot) in each MoE layer of the last forward; −1 = padding.
    public var routedExperts: [[Int32]] {
        moeLayers.map { layer in
            let k = layer.plan.k
            return stride(from: 0, to: layer.plan.expert.count, by: k).map { layer.plan.expert[$0] }
        }
    }
}
