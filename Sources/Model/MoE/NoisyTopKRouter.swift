import Foundation
import Kernels

/// The paper's eq. (2) (Shazeer et al. 2017; the official GPT-2 code): H = x W_g + ε ⊙ (softplus(x W_noise) + 0.01),
/// ε ~ N(0,1) in training only; G = softmax over the top-k entries of H (so k = 1 gives gate ≡ 1).
/// Balance loss CV²(Importance) + CV²(Load) with the smooth load estimator P(t,i) = Φ((clean − θ)/σ), θ the
/// k-th (or (k+1)-th, for selected experts) largest noisy logit — computed on logits (spec decision 15).
/// W_g and W_noise start at zero, as in the paper and the official code.
final class NoisyTopKRouter: Router {
    let experts: Int, k: Int, width: Int
    let wg: ParameterRef, wn: ParameterRef
    let clean, raw, sigma, eps, noisy, dclean, draw: FloatBuffer
    private(set) var balanceLoss: Float = 0
    let zLoss: Float = 0
    private var training = false
    private var importance: [Float] = [], load: [Float] = []
    /// Per token: experts ordered by noisy logit (descending), the top k+1 of them.
    private var ranked: [Int32] = []

    init(_ name: String, experts: Int, k: Int, width: Int, maxTokens: Int, params: ParameterSet) {
        precondition(k >= 1 && k < experts, "top-k needs 1 ≤ k < N")
        self.experts = experts; self.k = k; self.width = width
        wg = params.add("\(name).gate", [width, experts], .zeros, decay: true)
        wn = params.add("\(name).noise", [width, experts], .zeros, decay: true)
        let n = maxTokens * experts
        clean = FloatBuffer(count: n); raw = FloatBuffer(count: n); sigma = FloatBuffer(count: n)
        eps = FloatBuffer(count: n); noisy = FloatBuffer(count: n); dclean = FloatBuffer(count: n); draw = FloatBuffer(count: n)
    }

    private static func phi(_ u: Float) -> Float { expf(-0.5 * u * u) * 0.3989422804 }
    private static func cdf(_ u: Float) -> Float { 0.5 * erfcf(-u * 0.7071067811865476) }

    /// CV²(v) = Var(v) / (mean² + 1e-10), unbiased variance (torch.var), and its gradient.
    private static func cv2(_ v: [Float]) -> (Float, [Float]) {
        let n = Float(v.count), mean = v.reduce(0, +) / n
        let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
        let den = mean * mean + 1e-10
        let grad = v.map { 2 * ($0 - mean) / (n - 1) / den - variance * 2 * mean / n / (den * den) }
        return (variance / den, grad)
    }

    func forward(x: UnsafePointer<Float>, ctx: StepContext, plan: inout RoutingPlan, rng: inout Rng, _ p: ParameterSet) {
        let T = ctx.tokens, N = experts
        training = ctx.training
        Linear.forward(out: clean.pointer, inp: x, weight: p.value(wg), bias: nil, rows: T, inDim: width, outDim: N)
        Linear.forward(out: raw.pointer, inp: x, weight: p.value(wn), bias: nil, rows: T, inDim: width, outDim: N)
        for i in 0..<(T * N) {
            let r = raw[i]
            sigma[i] = (r > 20 ? r : log1pf(expf(r))) + 0.01
            eps[i] = training ? rng.normal() : 0
            noisy[i] = clean[i] + eps[i] * sigma[i]
        }
        ranked = Array(repeating: -1, count: T * (k + 1))
        importance = Array(repeating: 0, count: N)
        load = Array(repeating: 0, count: N)
        var order = Array(0..<N)
        for t in 0..<T where ctx.mask[t] != 0 {
            let h = noisy.pointer + t * N
            order.sort { h[$0] > h[$1] || (h[$0] == h[$1] && $0 < $1) }
            for s in 0...k { ranked[t * (k + 1) + s] = Int32(order[s]) }
            var mx = -Float.infinity
            for s in 0..<k { mx = max(mx, h[order[s]]) }
            var sum: Float = 0
            for s in 0..<k { sum += expf(h[order[s]] - mx) }
            for s in 0..<k {
                let g = expf(h[order[s]] - mx) / sum
                plan.expert[t * k + s] = Int32(order[s])
                plan.gate[t * k + s] = g
                importance[order[s]] += g
            }
            for i in 0..<N {
                if training {
                    let selected = order[0..<k].contains(i)
                    let theta = h[order[selected ? k : k - 1]]
                    load[i] += Self.cdf((clean[t * N + i] - theta) / sigma[t * N + i])
                } else if order[0..<k].contains(i) {
                    load[i] += 1
                }
            }
        }
        balanceLoss = Self.cv2(importance).0 + Self.cv2(load).0
    }

    func backward(dx: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, dgate: UnsafePointer<Float>,
                  plan: RoutingPlan, ctx: StepContext, balanceCoef: Float, zCoef: Float, _ p: ParameterSet) {
        let T = ctx.tokens, N = experts
        let dImportance = Self.cv2(importance).1.map { $0 * balanceCoef }
        let dLoad = Self.cv2(load).1.map { $0 * balanceCoef }
        dclean.pointer.update(repeating: 0, count: T * N)
        draw.pointer.update(repeating: 0, count: T * N)
        var dnoisy = [Float](repeating: 0, count: N), dsigma = [Float](repeating: 0, count: N)
        var dg = [Float](repeating: 0, count: k)
        for t in 0..<T where ctx.mask[t] != 0 {
            let h = noisy.pointer + t * N
            for i in 0..<N { dnoisy[i] = 0; dsigma[i] = 0 }
            // Gates: softmax over the top-k noisy logits.
            var dot: Float = 0
            for s in 0..<k {
                let e = Int(plan.expert[t * k + s])
                dg[s] = dgate[t * k + s] + dImportance[e]
                dot += plan.gate[t * k + s] * dg[s]
            }
            for s in 0..<k {
                let e = Int(plan.expert[t * k + s])
                dnoisy[e] += plan.gate[t * k + s] * (dg[s] - dot)
            }
            // Smooth load estimator.
            let top = ranked[(t * (k + 1))..<(t * (k + 1) + k)].map(Int.init)
            for i in 0..<N {
                let selected = top.contains(i)
                let thetaIndex = Int(ranked[t * (k + 1) + (selected ? k : k - 1)])
                let s = sigma[t * N + i], u = (clean[t * N + i] - h[thetaIndex]) / s
                let du = Self.phi(u) * dLoad[i]
                dclean[t * N + i] += du / s
                dnoisy[thetaIndex] -= du / s
                dsigma[i] -= du * u / s
            }
            for i in 0..<N {
                dclean[t * N + i] += dnoisy[i]
                let ds = dsigma[i] + dnoisy[i] * eps[t * N + i]
                let r = raw[t * N + i]
                draw[t * N + i] = ds / (1 + expf(-r))   // softplus' = sigmoid
            }
        }
        Linear.backward(dinp: dx, dweight: p.grad(wg), dbias: nil, dout: dclean.pointer, inp: x, weight: p.value(wg),
                        rows: T, inDim: width, outDim: N)
        Linear.backward(dinp: dx, dweight: p.grad(wn), dbias: nil, dout: draw.pointer, inp: x, weight: p.value(wn),
                        rows: T, inDim: width, outDim: N)
    }
}
