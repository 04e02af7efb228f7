import Foundation
import Kernels

/// Encoder–decoder transformer (Switch-Transformer style; paper §5 summarization): encoder stack, decoder stack
/// with cross-attention, LM head tied to the shared word table, label-smoothed CE on the target tokens.
/// MoE blocks (any variant) in both stacks; one hypernetwork per stack. Explicit forward and backward over
/// buffers preallocated for (maxBatch, maxSourceLength, maxTargetLength), as `Transformer`.
public final class Seq2SeqTransformer {
    public let config: Seq2SeqConfig
    public let params = ParameterSet()
    public let maxBatch: Int, maxSourceLength: Int, maxTargetLength: Int
    let encoder: EncoderStack
    let decoder: DecoderStack
    let head: Head
    let sourceIds, sourceTypes, targetIds, targetTypes: UnsafeMutablePointer<Int32>
    let sourceMask, targetMask: FloatBuffer
    public var rng: Rng
    /// Incremental-decoding state, built on first use of `generate` (sized for maxBatch rows).
    var decodeCache: DecodeCache?
    /// Real source tokens each encoder MoE layer sent to each expert, summed over every `generate` call (the
    /// evaluation's routing metrics: the test documents' routing through the encoder). Empty until the first call.
    public internal(set) var encoderRouting: [[Double]] = []

    public init(config: Seq2SeqConfig, maxBatch: Int, maxSourceLength: Int, maxTargetLength: Int, seed: UInt64) {
        precondition(maxSourceLength <= config.model.maxPositions, "maxSourceLength exceeds maxPositions")
        precondition(maxTargetLength <= config.maxTargetPositions, "maxTargetLength exceeds maxTargetPositions")
        self.config = config; self.maxBatch = maxBatch
        self.maxSourceLength = maxSourceLength; self.maxTargetLength = maxTargetLength
        encoder = EncoderStack(prefix: "encoder.", config: config.encoder, maxBatch: maxBatch,
                               maxLength: maxSourceLength, params: params)
        decoder = DecoderStack(prefix: "decoder.", config: config.decoder, maxBatch: maxBatch, maxLength: maxTargetLength,
                               maxMemory: maxSourceLength, sharedWord: encoder.embeddings.wte, params: params)
        head = Head(config: config.decoder, embedding: encoder.embeddings.wte, maxBatch: maxBatch,
                    maxLength: maxTargetLength, params: params)
        head.labelSmoothing = config.labelSmoothing
        let S = maxBatch * maxSourceLength, T = maxBatch * maxTargetLength
        sourceIds = .allocate(capacity: S); sourceTypes = .allocate(capacity: S)
        targetIds = .allocate(capacity: T); targetTypes = .allocate(capacity: T)
        sourceTypes.initialize(repeating: 0, count: S); targetTypes.initialize(repeating: 0, count: T)
        sourceIds.initialize(repeating: 0, count: S); targetIds.initialize(repeating: 0, count: T)
        sourceMask = FloatBuffer(count: S); targetMask = FloatBuffer(count: T)
        var initRng = Rng(seed: seed)
        params.allocate(rng: &initRng)
        rng = initRng.fork()
    }

    deinit {
        sourceIds.deallocate(); sourceTypes.deallocate(); targetIds.deallocate(); targetTypes.deallocate()
    }

    public var parameterCount: Int { params.total }
    var moeLayers: [MoELayer] { encoder.moeLayers + decoder.moeLayers }

    /// Runs the encoder on `count` sources already in `sourceIds`/`sourceMask`; returns the memory. `backward`:
    /// whether the encoder's backward follows (it keeps its dropout masks only then; generation passes false).
    func encode(batch: Int, length: Int, training: Bool, backward: Bool = false) -> Memory {
        let ctx = StepContext(batch: batch, length: length, mask: UnsafePointer(sourceMask.pointer), training: training,
                              backward: backward)
        let top = encoder.forward(ids: sourceIds, types: sourceTypes, ctx: ctx, rng: &rng, params)
        return Memory(states: top, mask: UnsafePointer(sourceMask.pointer), length: length)
    }

    func checkVocabulary(_ ids: [Int32]) {
        for id in ids where id < 0 || Int(id) >= config.model.vocabSize {
            preconditionFailure("token id \(id) outside vocabulary of \(config.model.vocabSize)")
        }
    }

    /// Teacher-forced forward; with `training` (or `computeGradients`) also the backward, gradients in
    /// `params.grads` (zeroed first). The task loss is the mean over labelled target tokens.
    @discardableResult
    public func forward(_ b: Seq2SeqBatch, training: Bool, computeGradients: Bool? = nil) -> LossReport {
        precondition(b.batch <= maxBatch && b.sourceLength <= maxSourceLength && b.targetLength <= maxTargetLength,
                     "batch exceeds the preallocated size")
        checkVocabulary(b.source); checkVocabulary(b.targetInput)
        let backward = computeGradients ?? training
        b.source.withUnsafeBufferPointer { sourceIds.update(from: $0.baseAddress!, count: $0.count) }
        b.sourceMask.withUnsafeBufferPointer { sourceMask.pointer.update(from: $0.baseAddress!, count: $0.count) }
        b.targetInput.withUnsafeBufferPointer { targetIds.update(from: $0.baseAddress!, count: $0.count) }
        b.targetMask.withUnsafeBufferPointer { targetMask.pointer.update(from: $0.baseAddress!, count: $0.count) }
        let memory = encode(batch: b.batch, length: b.sourceLength, training: training, backward: backward)
        let encCtx = StepContext(batch: b.batch, length: b.sourceLength, mask: memory.mask, training: training,
                                 backward: backward)
        let ctx = StepContext(batch: b.batch, length: b.targetLength, mask: UnsafePointer(targetMask.pointer),
                              training: training, backward: backward)
        let top = decoder.forward(ids: targetIds, types: targetTypes, memory: memory, ctx: ctx, rng: &rng, params)
        if backward { params.zeroGrads() }
        let lmBatch = ModelBatch(batch: b.batch, length: b.targetLength, ids: b.targetInput, mask: b.targetMask,
                                 labels: .nextTokens(b.labels))
        let task = head.forward(hidden: top, batch: lmBatch, ctx: ctx, dh: backward ? decoder.dTop.pointer : nil,
                                vocab: config.model.vocabSize, params)
        let moes = moeLayers
        let scale: Float = 1   // auxiliary losses summed over both stacks' MoE layers (spec §3.3)
        var report = LossReport(task: task, balance: 0, zLoss: 0)
        report.addAuxiliary(moes, config: config.model.moe, scale: scale)
        guard backward else { return report }
        encoder.dTop.pointer.update(repeating: 0, count: b.batch * b.sourceLength * config.model.width)
        decoder.backward(ids: targetIds, types: targetTypes, memory: memory, dmemory: encoder.dTop.pointer, ctx: ctx,
                         auxScale: scale, params)
        encoder.backward(ids: sourceIds, types: sourceTypes, ctx: encCtx, auxScale: scale, params)
        return report
    }
}

extension Seq2SeqTransformer: TrainableModel {}
