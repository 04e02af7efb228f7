import Foundation
import Kernels

/// Switch top-1 router (spec §3.1): z = (x̃ ⊙ u) W_r with multiplicative jitter u ~ U[1−ε, 1+ε] on the
/// router input only, in training only; π = softmax(z); expert = argmax; gate = π[expert].
/// Auxiliary losses over real (non-padding) tokens: Switch load balance α·N·Σ f_i P_i and z-loss β·mean lse².
final class SwitchRouter: Router {
    let weight: ParameterRef
    let experts: Int, width: Int, jitter: Float
    let jittered: FloatBuffer, noise: FloatBuffer, logits: FloatBuffer, probs: FloatBuffer, lse: FloatBuffer
    let dlogits: FloatBuffer, dxr: FloatBuffer
    var usedJitter = false
    /// Per-layer losses of the last forward, before coefficients.
    private(set) var balanceLoss: Float = 0
    private(set) var zLoss: Float = 0
    private var fractions: [Float] = []
    private var validCount = 0

    init(_ name: String, experts: Int, width: Int, jitter: Float, maxTokens: Int, params: ParameterSet) {
        self.experts = experts; self.width = width; self.jitter = jitter
        // Switch paper init (truncated normal, std √(0.1/h)); HF's N(0,1) is only for loading checkpoints.
        weight = params.add("\(name).router", [width, experts], .truncatedNormal(std: (0.1 / Float(width)).squareRoot()),
                            decay: true)
        jittered = FloatBuffer(count: maxTokens * width)
        noise = FloatBuffer(count: maxTokens * width)
        logits = FloatBuffer(count: maxTokens * experts)
        probs = FloatBuffer(count: maxTokens * experts)
        lse = FloatBuffer(count: maxTokens)
        dlogits = FloatBuffer(count: maxTokens * experts)
        dxr = FloatBuffer(count: maxTokens * width)
    }

    func forward(x: UnsafePointer<Float>, ctx: StepContext, plan: inout RoutingPlan, rng: inout Rng, _ p: ParameterSet) {
        let T = ctx.tokens, h = width, N = experts
        usedJitter = ctx.training && jitter > 0
        var routerInput = x
        if usedJitter {
            let u = noise.pointer, xu = jittered.pointer, jitter = jitter
            rng.forEachDrawChunk(T * h) { r, local in  // element i takes draw i, however it is split
                for i in r {
                    u[i] = local.uniform(1 - jitter, 1 + jitter)
                    xu[i] = x[i] * u[i]
                }
            }
            routerInput = UnsafePointer(jittered.pointer)
        }
        Linear.forward(out: logits.pointer, inp: routerInput, weight: p.value(weight), bias: nil, rows: T, inDim: h, outDim: N)
        Softmax.forward(probs: probs.pointer, logits: logits.pointer, rows: T, cols: N, lse: lse.pointer)
        fractions = Array(repeating: 0, count: N)
        var meanProb = [Float](repeating: 0, count: N)
        validCount = 0
        var zSum: Float = 0
        for t in 0..<T where ctx.mask[t] != 0 {
            let row = probs.pointer + t * N
            var best = 0
            for j in 1..<N where row[j] > row[best] { best = j }
            plan.expert[t] = Int32(best)
            plan.gate[t] = row[best]
            fractions[best] += 1
            for j in 0..<N { meanProb[j] += row[j] }
            zSum += lse[t] * lse[t]
            validCount += 1
        }
        let n = Float(max(validCount, 1))
        balanceLoss = 0
        for j in 0..<N {
            fractions[j] /= n
            balanceLoss += fractions[j] * meanProb[j] / n
        }
        balanceLoss *= Float(N)
        zLoss = zSum / n
    }

    /// `dgate[t]` = ∂L/∂gate_t from the task path. Adds the aux-loss gradients (coefficients already scaled
    /// by the caller) and accumulates into dx.
    func backward(dx: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, dgate: UnsafePointer<Float>,
                  plan: RoutingPlan, ctx: StepContext, balanceCoef: Float, zCoef: Float, _ p: ParameterSet) {
        let T = ctx.tokens, h = width, N = experts
        let n = Float(max(validCount, 1))
        dlogits.pointer.update(repeating: 0, count: T * N)
        var dprob = [Float](repeating: 0, count: N)
        for t in 0..<T where ctx.mask[t] != 0 {
            let pr = probs.pointer + t * N, dz = dlogits.pointer + t * N
            let m = Int(plan.expert[t])
            // Balance loss: ∂/∂π_tj = coef·N·f_j / n (f is a count: no gradient), through the softmax.
            for j in 0..<N { dprob[j] = balanceCoef * Float(N) * fractions[j] / n }
            // Gate: ∂p_m/∂z_j = p_m (δ_jm − π_j)
            dprob[m] += dgate[t]
            Softmax.backwardRow(dlogits: dz, probs: pr, dprobs: dprob, cols: N)
            // z-loss: ∂(lse²)/∂z_j = 2·lse·π_j
            let zk = zCoef * 2 * lse[t] / n
            for j in 0..<N { dz[j] += zk * pr[j] }
        }
        let input = usedJitter ? UnsafePointer(jittered.pointer) : x
        if usedJitter {
            dxr.pointer.update(repeating: 0, count: T * h)
            Linear.backward(dinp: dxr.pointer, dweight: p.grad(weight), dbias: nil, dout: dlogits.pointer, inp: input,
                            weight: p.value(weight), rows: T, inDim: h, outDim: N)
            for i in 0..<(T * h) { dx[i] += dxr[i] * noise[i] }
        } else {
            Linear.backward(dinp: dx, dweight: p.grad(weight), dbias: nil, dout: dlogits.pointer, inp: input,
                            weight: p.value(weight), rows: T, inDim: h, outDim: N)
        }
    }
}
