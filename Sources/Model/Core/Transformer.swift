import Foundation
import Kernels

/// The whole model: embeddings → blocks (dense or MoE FFN) → (final norm for pre-LN) → head.
/// Explicit forward and backward over preallocated buffers sized for (maxBatch, maxLength); no autograd.
public final class Transformer {
    public let config: ModelConfig
    public let params = ParameterSet()
    public let maxBatch: Int, maxLength: Int
    let stack: EncoderStack
    let head: Head
    let ids: UnsafeMutablePointer<Int32>, types: UnsafeMutablePointer<Int32>
    let mask: FloatBuffer
    /// Dropout and router-jitter randomness; saved in checkpoints.
    public var rng: Rng
    private var lastContext: StepContext?

    public init(config c: ModelConfig, maxBatch: Int, maxLength: Int, seed: UInt64) {
        precondition(maxLength <= c.maxPositions, "maxLength \(maxLength) exceeds maxPositions \(c.maxPositions)")
        config = c; self.maxBatch = maxBatch; self.maxLength = maxLength
        let T = maxBatch * maxLength
        stack = EncoderStack(prefix: "", config: c, maxBatch: maxBatch, maxLength: maxLength, params: params)
        head = Head(config: c, embedding: stack.embeddings.wte, maxBatch: maxBatch, maxLength: maxLength, params: params)
        ids = .allocate(capacity: T); types = .allocate(capacity: T)
        ids.initialize(repeating: 0, count: T); types.initialize(repeating: 0, count: T)
        mask = FloatBuffer(count: T)
        var initRng = Rng(seed: seed)
        params.allocate(rng: &initRng)
        rng = initRng.fork()
    }

    deinit { ids.deallocate(); types.deallocate() }

    var blocks: [Block] { stack.blocks }
    var hidden: [FloatBuffer] { stack.hidden }
    var moeLayers: [MoELayer] { stack.moeLayers }

    /// Forward pass; with `training` it also runs the backward, leaving gradients in `params.grads`
    /// (zeroed first). Returns the losses.
    @discardableResult
    public func forward(_ batch: ModelBatch, training: Bool, computeGradients: Bool? = nil) -> LossReport {
        precondition(batch.batch <= maxBatch && batch.length <= maxLength, "batch exceeds the preallocated size")
        let backward = computeGradients ?? training
        let T = batch.batch * batch.length
        batch.ids.withUnsafeBufferPointer { ids.update(from: $0.baseAddress!, count: T) }
        batch.types.withUnsafeBufferPointer { types.update(from: $0.baseAddress!, count: T) }
        batch.mask.withUnsafeBufferPointer { mask.pointer.update(from: $0.baseAddress!, count: T) }
        for t in 0..<T where ids[t] < 0 || Int(ids[t]) >= config.vocabSize {
            preconditionFailure("token id \(ids[t]) outside vocabulary of \(config.vocabSize)")
        }
        let ctx = StepContext(batch: batch.batch, length: batch.length, mask: UnsafePointer(mask.pointer), training: training,
                              backward: backward)
        let top = stack.forward(ids: ids, types: types, ctx: ctx, rng: &rng, params)
        if backward { params.zeroGrads() }
        let task = head.forward(hidden: top, batch: batch, ctx: ctx, dh: backward ? stack.dTop.pointer : nil,
                                vocab: config.vocabSize, params)
        let moes = moeLayers
        // Auxiliary losses are summed over MoE layers (official code, spec §3.3), not averaged.
        let scale: Float = 1
        var report = LossReport(task: task, balance: 0, zLoss: 0)
        report.addAuxiliary(moes, config: config.moe, scale: scale)
        lastContext = ctx
        guard backward else { return report }
        stack.backward(ids: ids, types: types, ctx: ctx, auxScale: scale, params)
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
        case .maskedLM: return []
        }
    }

    /// Masked-LM positions scored and predicted right (top-1) in the last forward.
    public var maskedLMCounts: (selected: Int, correct: Int) { (head.masked?.selected ?? 0, head.masked?.correct ?? 0) }

    /// Per-MoE-layer balance and z-loss of the last forward, before coefficients (the report sums them).
    public var layerAuxiliaryLosses: [(balance: Float, z: Float)] { moeLayers.map { ($0.balanceLoss, $0.zLoss) } }

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
