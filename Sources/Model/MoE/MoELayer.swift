import Foundation
import Kernels

/// One MoE feed-forward sub-layer: router → grouped experts (+ MoE-Share's ungated FFN) (+ HyperExpert).
final class MoELayer {
    let config: MoEConfig
    let width: Int
    let router: Router
    let bank: ExpertBank
    let share: DenseFFN?
    let hyper: HyperExpert?
    let conv: ConvExpertEmbedding?
    var plan: RoutingPlan
    let tmp: FloatBuffer, dgate: FloatBuffer, convS: FloatBuffer, convDS: FloatBuffer

    init(_ name: String, block: Int, config c: ModelConfig, maxBatch: Int, maxLength: Int,
         hypernet: HyperNetwork?, conv: ConvExpertEmbedding?, params: ParameterSet) {
        let m = c.moe!
        config = m; width = c.width
        let T = maxBatch * maxLength
        switch m.router {
        case .switchTop1:
            precondition(m.topK == 1, "the Switch router is top-1; use noisy-top-k for k > 1")
            router = SwitchRouter(name, experts: m.experts, width: c.width, jitter: m.jitter, maxTokens: T, params: params)
        case .noisyTopK:
            router = NoisyTopKRouter(name, experts: m.experts, k: m.topK, width: c.width, maxTokens: T, params: params)
        }
        bank = ExpertBank(name, count: m.experts, config: c, maxAssignments: T * m.topK, params: params)
        share = m.variant == .moeShare ? DenseFFN("\(name).share", config: c, maxTokens: T, params: params) : nil
        self.conv = m.variant == .hypermoeWeights ? conv : nil
        if m.variant.hasHyperExpert, let hypernet {
            let maxGroups = min(T, MoELayer.patternBound(experts: m.experts, k: m.topK))
            let selection: SelectionEmbedding? = m.variant == .hypermoeHidden ? nil :
                SelectionEmbedding(name, experts: m.experts, freeTable: m.variant != .hypermoeWeights,
                                   useSelected: m.variant == .hypermoeSelected, config: c, maxGroups: maxGroups,
                                   params: params)
            hyper = HyperExpert(block: block, net: hypernet, selection: selection, perToken: m.hyper.path == .perToken,
                                config: c, maxTokens: T, maxGroups: maxGroups)
        } else {
            hyper = nil
        }
        plan = RoutingPlan(k: m.topK)
        tmp = FloatBuffer(count: share == nil ? 0 : T * c.width)
        dgate = FloatBuffer(count: T * m.topK)
        let sCount = self.conv == nil ? 0 : m.experts * m.hyper.expertEmbeddingDim
        convS = FloatBuffer(count: sCount); convDS = FloatBuffer(count: sCount)
    }

    /// Distinct selection patterns possible: C(N, k).
    static func patternBound(experts n: Int, k: Int) -> Int {
        var c = 1.0
        for i in 0..<k { c = c * Double(n - i) / Double(i + 1) }
        return Int(min(c, 1e9))
    }

    var balanceLoss: Float { router.balanceLoss }
    var zLoss: Float { router.zLoss }
    /// Fraction of real tokens each expert received in the last forward (for reports and tests).
    var expertLoad: [Float] {
        var counts = [Float](repeating: 0, count: config.experts)
        var n: Float = 0
        for e in plan.expert where e >= 0 { counts[Int(e)] += 1; n += 1 }
        return counts.map { $0 / max(n, 1) }
    }

    func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, ctx: StepContext, rng: inout Rng,
                 _ p: ParameterSet) {
        let T = ctx.tokens, h = width
        Parallel.fill(out, with: 0, count: T * h)
        plan.reset(tokens: T, experts: config.experts)
        router.forward(x: x, ctx: ctx, plan: &plan, rng: &rng, p)
        plan.buildExpertOrder(experts: config.experts, batch: ctx.batch, length: ctx.length, capacityFactor: config.capacityFactor)
        bank.forward(out: out, x: x, plan: plan, p)
        if let share {
            share.forward(out: tmp.pointer, inp: x, rows: T, p)
            for i in 0..<(T * h) { out[i] += tmp[i] }
        }
        if let hyper {
            plan.buildGroups()
            if let conv { conv.forward(out: convS.pointer, experts: bank.experts, block: hyper.block, p) }
            hyper.forward(out: out, x: x, plan: plan, s: conv == nil ? nil : UnsafePointer(convS.pointer), p)
        }
    }

    /// Accumulates into dx. `auxScale` scales the aux losses (1: summed over layers, as the official code).
    func backward(dx: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, x: UnsafePointer<Float>,
                  ctx: StepContext, auxScale: Float, _ p: ParameterSet) {
        dgate.pointer.update(repeating: 0, count: ctx.tokens * config.topK)
        bank.backward(dx: dx, dgate: dgate.pointer, dout: dout, plan: plan, p)
        share?.backward(dinp: dx, dout: dout, inp: x, rows: ctx.tokens, p)
        if let hyper {
            if let conv {
                convDS.zero()
                hyper.backward(dx: dx, dout: dout, plan: plan, ds: convDS.pointer, p)
                conv.backward(ds: convDS.pointer, experts: bank.experts, block: hyper.block, p)
            } else {
                hyper.backward(dx: dx, dout: dout, plan: plan, ds: nil, p)
            }
        }
        router.backward(dx: dx, x: x, dgate: dgate.pointer, plan: plan, ctx: ctx,
                        balanceCoef: config.balanceCoef * auxScale, zCoef: config.zLossCoef * auxScale, p)
    }
}

extension MoELayer {
    /// Signs of every ReLU pre-activation on the HyperExpert path (adapter, κ projection, selection MLP, conv
    /// net) in the last forward. A finite-difference test skips a direction that flips any of them (a kink).
    var kinkSignature: [Bool] {
        guard let hyper else { return [] }
        var s: [Bool] = []
        let n = plan.groupTokens.count, G = plan.groupCount
        s += (0..<(n * hyper.adapter)).map { hyper.hh[$0] > 0 }
        if let sel = hyper.selection {
            s += (0..<(G * hyper.hidden)).map { hyper.kpre[$0] > 0 }
            s += (0..<(G * sel.processDim)).map { sel.pre[$0] > 0 }
        } else {
            s += (0..<(n * hyper.hidden)).map { hyper.kpreT[$0] > 0 }
        }
        if let conv { s += conv.signs(block: hyper.block) }
        return s
    }
}
