import Foundation
import Kernels

/// One optimisation run over a model: forward + backward, global-norm clipping, AdamW with linear warm-up
/// and decay. Everything that determines the next step (weights, moments, step, RNG) is checkpointed.
public final class Trainer {
    public let model: Transformer
    public var schedule: LearningRateSchedule
    public var adam: AdamW.Hyper
    public var clipNorm: Float
    /// Optimiser steps completed.
    public internal(set) var step = 0
    public private(set) var lastGradNorm: Float = 0

    public init(model: Transformer, schedule: LearningRateSchedule, adam: AdamW.Hyper = .init(), clipNorm: Float = 1) {
        self.model = model; self.schedule = schedule; self.adam = adam; self.clipNorm = clipNorm
    }

    public struct NonFiniteLoss: Error, CustomStringConvertible {
        public let step: Int, loss: LossReport
        public var description: String {
            "training diverged at step \(step): loss task=\(loss.task) balance=\(loss.balance) z=\(loss.zLoss) is not finite " +
            "(weights left as of the previous step; lower the learning rate)"
        }
    }

    /// One training step. Throws (leaving weights untouched) when the loss is NaN/∞.
    @discardableResult
    public func train(_ batch: ModelBatch) throws -> LossReport {
        let report = model.forward(batch, training: true)
        guard report.total.isFinite else { throw NonFiniteLoss(step: step, loss: report) }
        let p = model.params
        lastGradNorm = AdamW.clipGlobalNorm(grads: p.grads.pointer, count: p.total, maxNorm: clipNorm)
        let lr = schedule.rate(at: step)
        step += 1
        for ref in p.refs {
            AdamW.update(params: p.value(ref), grads: p.grad(ref), m: p.adamM.pointer + ref.offset,
                         v: p.adamV.pointer + ref.offset, count: ref.count, lr: lr, step: step, hyper: adam,
                         decay: ref.decay)
        }
        return report
    }

    /// Forward only, no dropout or jitter.
    public func evaluate(_ batch: ModelBatch) -> LossReport { model.forward(batch, training: false) }
}
