import Foundation
import Kernels

/// The whole model: embeddings → blocks (dense or MoE FFN) → (final norm for pre-LN) → head.
/// Explicit forward and backward over preallocated buffers sized for (maxBatch, maxLength); no autograd.
public final class Transformer {
    public let config: ModelConfig
    public let params = ParameterSet()
    public let maxBatch: Int, maxLength: Int
    let embeddings: Embeddings
    let blocks: [Block]
    let finalNorm: Norm?
    let head: Head
    let hypernet: HyperNetwork?
    let conv: ConvExpertEmbedding?
    /// hidden[i] is the input of block i; hidden[layers] the stack output (before the final norm).
    let hidden: [FloatBuffer]
    let normed: FloatBuffer, dA: FloatBuffer, dB: FloatBuffer
    let ids: UnsafeMutablePointer<Int32>, types: UnsafeMutablePointer<Int32>
    let mask: FloatBuffer
    /// Dropout and router-jitter randomness; saved in checkpoints.
    public var rng: Rng
    private var lastContext: StepContext?

    public init(config c: ModelConfig, maxBatch: Int, maxLength: Int, seed: UInt64) {
        precondition(maxLength <= c.maxPositions, "maxLength \(maxLength) exceeds maxPositions \(c.maxPositions)")
        config = c; self.maxBatch = maxBatch; self.maxLength = maxLength
        let T = maxBatch * maxLength
        embeddings = Embeddings(config: c, maxTokens: T, params: params)
        let moeBlocks = (0..<c.layers).filter { c.isMoE(block: $0) }
        let variant = c.variant
        if variant.hasHyperExpert {
            let input = variant == .hypermoeHidden ? c.width : c.moe!.hyper.hypernetInput
            hypernet = HyperNetwork("hypernet", inputDim: input, config: c, params: params)
        } else { hypernet = nil }
        conv = variant == .hypermoeWeights ? ConvExpertEmbedding("expert_conv", config: c, blocks: moeBlocks, params: params) : nil
        let (net, convNet, ps) = (hypernet, conv, params)
        blocks = (0..<c.layers).map {
            Block(index: $0, config: c, maxBatch: maxBatch, maxLength: maxLength, hypernet: net, conv: convNet, params: ps)
        }
        finalNorm = c.preNorm ? Norm("final_norm", kind: c.norm, width: c.width, eps: c.normEps, maxRows: T, params: params) : nil
        head = Head(config: c, embedding: embeddings.wte, maxBatch: maxBatch, maxLength: maxLength, params: params)
        hidden = (0...c.layers).map { _ in FloatBuffer(count: T * c.width) }
        normed = FloatBuffer(count: finalNorm == nil ? 0 : T * c.width)
        dA = FloatBuffer(count: T * c.width); dB = FloatBuffer(count: T * c.width)
        ids = .allocate(capacity: T); types = .allocate(capacity: T)
        ids.initialize(repeating: 0, count: T); types.initialize(repeating: 0, count: T)
        mask = FloatBuffer(count: T)
        var initRng = Rng(seed: seed)
        params.allocate(rng: &initRng)
        rng = initRng.fork()
    }

    deinit { ids.deallocate(); types.deallocate() }

    var moeLayers: [MoELayer] { blocks.compactMap(\.moe) }

    /// Forward pass; with `training` it also runs the backward, leaving gradients in `params.grads`
    /// (zeroed first). Returns the losses.
    @discardableResult
    public func forward(_ batch: ModelBatch, training: Bool, computeGradients: Bool? = nil) -> LossReport {
        precondition(batch.batch <= maxBatch && batch.length <= maxLength, "batch exceeds the preallocated size")
        let backward = computeGradients ?? training
        let T = batch.batch * batch.length, h = config.width
        batch.ids.withUnsafeBufferPointer { ids.update(from: $0.baseAddress!, count: T) }
        batch.types.withUnsafeBufferPointer { types.update(from: $0.baseAddress!, count: T) }
        batch.mask.withUnsafeBufferPointer { mask.pointer.update(from: $0.baseAddress!, count: T) }
        for t in 0..<T where ids[t] < 0 || Int(ids[t]) >= config.vocabSize {
            preconditionFailure("token id \(ids[t]) outside vocabulary of \(config.vocabSize)")
        }
        let ctx = StepContext(batch: batch.batch, length: batch.length, mask: UnsafePointer(mask.pointer), training: training)
        embeddings.forward(out: hidden[0].pointer, ids: ids, types: types, ctx: ctx, params)
        for (i, block) in blocks.enumerated() {
            block.forward(out: hidden[i + 1].pointer, x: hidden[i].pointer, ctx: ctx, rng: &rng, params)
        }
        var top = UnsafePointer(hidden[config.layers].pointer)
        if let finalNorm {
            finalNorm.forward(out: normed.pointer, inp: top, rows: T, params)
            top = UnsafePointer(normed.pointer)
        }
        if backward { params.zeroGrads() }
        let task = head.forward(hidden: top, batch: batch, ctx: ctx, dh: backward ? dA.pointer : nil,
                                vocab: config.vocabSize, params)
        let moes = moeLayers
        let scale = moes.isEmpty ? 0 : 1 / Float(moes.count)
        var report = LossReport(task: task, balance: 0, zLoss: 0)
        if let m = config.moe {
            for layer in moes {
                report.balance += m.balanceCoef * scale * layer.balanceLoss
                report.zLoss += m.zLossCoef * scale * layer.zLoss
            }
        }
        lastContext = ctx
        guard backward else { return report }
        var dTop = dA, dNext = dB
        if let finalNorm {
            dNext.pointer.update(repeating: 0, count: T * h)
            finalNorm.backward(dinp: dNext.pointer, dout: dTop.pointer, inp: hidden[config.layers].pointer, rows: T, params)
            swap(&dTop, &dNext)
        }
        for (i, block) in blocks.enumerated().reversed() {
            block.backward(dx: dNext.pointer, dy: dTop.pointer, x: hidden[i].pointer, ctx: ctx, auxScale: scale, params)
            swap(&dTop, &dNext)
        }
        embeddings.backward(dout: dTop.pointer, ids: ids, types: types, ctx: ctx, params)
        return report
    }

    /// Head outputs of the last forward: [B×C] logits (classification), [B] values (regression),
    /// [2][B][L] position probabilities (span), [T×V] logits (LM).
    public var lastLogits: [Float] {
        guard let ctx = lastContext else { return [] }
        switch config.head {
        case .classification(let c): return Array(UnsafeBufferPointer(start: head.logits.pointer, count: ctx.batch * c))
        case .regression: return Array(UnsafeBufferPointer(start: head.logits.pointer, count: ctx.batch))
        case .span: return Array(UnsafeBufferPointer(start: head.probs.pointer, count: 2 * ctx.tokens))
        case .causalLM: return Array(UnsafeBufferPointer(start: head.logits.pointer, count: ctx.tokens * config.vocabSize))
        }
    }

    /// Per-MoE-layer fraction of tokens routed to each expert in the last forward.
    public var expertLoads: [[Float]] { moeLayers.map(\.expertLoad) }
    public var parameterCount: Int { params.total }
}

extension Transformer {
    /// Expert choice of every routed assignment in every MoE layer of the last forward. Tests use it to see
    /// whether a perturbation changed the (discrete) routing.
    public var routingSignature: [Int32] { moeLayers.flatMap { $0.plan.expert } }
}

extension Transformer {
    /// ReLU sign pattern of the HyperExpert paths in the last forward (tests: detect kinks).
    public var kinkSignature: [Bool] { moeLayers.flatMap(\.kinkSignature) }
}

extension Transformer {
    /// The feed-forward sub-layer output of `block` in the last forward (MoE output incl. HyperExpert).
    /// Exact for eval forwards (training applies dropout to it in place).
    public func ffnOutput(block: Int) -> [Float] {
        guard let ctx = lastContext else { return [] }
        return Array(UnsafeBufferPointer(start: blocks[block].f.pointer, count: ctx.tokens * config.width))
    }

    /// Copies every tensor that `other` has under the same name and shape; returns the names copied.
    @discardableResult
    public func copyParameters(from other: Transformer) -> [String] {
        var copied: [String] = []
        for ref in params.refs {
            guard let src = other.params.ref(named: ref.name), src.shape == ref.shape else { continue }
            params.value(ref).update(from: other.params.value(src), count: ref.count)
            copied.append(ref.name)
        }
        return copied
    }
}
