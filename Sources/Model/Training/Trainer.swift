import Foundation
import Kernels

/// One optimisation run over a model: forward + backward, global-norm clipping, AdamW with linear warm-up
/// and decay. Everything that determines the next step (weights, moments, step, RNG) is checkpointed.
/// What a `Trainer` needs of a model: its parameter arena, its RNG (checkpointed), a config (stored in
/// weights and checkpoints) and a forward that, when training, leaves gradients in `params.grads`.
public protocol TrainableModel: AnyObject {
    associatedtype Batch
    associatedtype Config: Codable & Equatable
    var config: Config { get }
    var params: ParameterSet { get }
    var rng: Rng { get set }
    func forward(_ batch: Batch, training: Bool, computeGradients: Bool?) -> LossReport
}

extension Transformer: TrainableModel {}

public struct NonFiniteLoss: Error, CustomStringConvertible {
    public let step: Int, loss: LossReport
    public var description: String {
        "training diverged at step \(step): loss task=\(loss.task) balance=\(loss.balance) z=\(loss.zLoss) is not finite " +
        "(weights left as of the previous step; lower the learning rate)"
    }
}

public final class Trainer<Model: TrainableModel> {
    public let model: Model
    public var schedule: LearningRateSchedule
    public var adam: AdamW.Hyper
    public var clipNorm: Float
    /// Learning-rate multiplier per tensor (1 for all by default): a freshly initialised head can learn faster
    /// than the pretrained body it sits on (`pretrain-mlm`'s MLM head).
    public var lrScale: @Sendable (ParameterRef) -> Float = { _ in 1 } { didSet { segments = [] } }
    /// Optimiser steps completed.
    public internal(set) var step = 0
    public private(set) var lastGradNorm: Float = 0
    /// AdamW's per-tensor ranges and learning-rate scales, built at the first step (no allocation after it).
    private var segments: [AdamW.Segment] = []
    private var scales: [Float] = []

    public init(model: Model, schedule: LearningRateSchedule, adam: AdamW.Hyper = .init(), clipNorm: Float = 1) {
        self.model = model; self.schedule = schedule; self.adam = adam; self.clipNorm = clipNorm
    }

    /// One training step. Throws (leaving weights untouched) when the loss is NaN/∞.
    @discardableResult
    public func train(_ batch: Model.Batch) throws -> LossReport {
        let report = model.forward(batch, training: true, computeGradients: nil)
        guard report.total.isFinite else { throw NonFiniteLoss(step: step, loss: report) }
        let p = model.params
        lastGradNorm = AdamW.globalNorm(grads: p.grads.pointer, count: p.total)
        let gradScale = AdamW.clipFactor(norm: lastGradNorm, maxNorm: clipNorm)   // applied inside the update
        let lr = schedule.rate(at: step)
        step += 1
        if segments.count != p.refs.count {   // once: the arena's tensors do not change after construction
            segments = p.refs.map { AdamW.Segment(start: $0.offset, count: $0.count, lr: 0, decay: $0.decay) }
            scales = p.refs.map { lrScale($0) }
        }
        for i in segments.indices { segments[i].lr = lr * scales[i] }
        segments.withUnsafeBufferPointer {
            AdamW.updateArena(params: p.values.pointer, grads: p.grads.pointer, m: p.adamM.pointer, v: p.adamV.pointer,
                              segments: $0, step: step, hyper: adam, gradScale: gradScale)
        }
        return report
    }

    /// Forward only, no dropout or jitter.
    public func evaluate(_ batch: Model.Batch) -> LossReport { model.forward(batch, training: false, computeGradients: nil) }
}
