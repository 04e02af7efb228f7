import CVecMath
import Foundation

/// Linear warm-up over the first `warmupFraction` of steps, then linear decay to 0 (paper §4.2: 10% warm-up).
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public var peak: Float
    public var totalSteps: Int
    public var warmupFraction: Float

    public init(peak: Float, totalSteps: Int, warmupFraction: Float = 0.1) {
        self.peak = peak; self.totalSteps = totalSteps; self.warmupFraction = warmupFraction
    }

    /// Learning rate for 0-based step `step`.
    public func rate(at step: Int) -> Float {
        let warm = max(1, Int((Float(totalSteps) * warmupFraction).rounded()))
        if step < warm { return peak * Float(step + 1) / Float(warm) }
        let rest = max(1, totalSteps - warm)
        return peak * max(0, Float(totalSteps - step) / Float(rest))
    }
}

/// AdamW (decoupled weight decay, bias-corrected moments; Loshchilov & Hutter) over ranges of one arena.
public enum AdamW {
    public struct Hyper: Codable, Sendable, Equatable {
        public var beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0
        public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0) {
            self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        }
    }

    /// One update of `count` parameters; `step` is 1-based (bias correction). `decay` false for biases/norms.
    public static func update(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>,
                              m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int,
                              lr: Float, step: Int, hyper h: Hyper, decay: Bool, gradScale: Float = 1) {
        let segment = Segment(start: 0, count: count, lr: lr, decay: decay)
        withUnsafePointer(to: segment) {
            updateArena(params: params, grads: grads, m: m, v: v, segments: UnsafeBufferPointer(start: $0, count: 1),
                        step: step, hyper: h, gradScale: gradScale)
        }
    }

    /// One tensor's range of the arena and its learning rate (already scaled) for `updateArena`.
    public struct Segment: Sendable {
        public var start: Int, count: Int, lr: Float, decay: Bool
        public init(start: Int, count: Int, lr: Float, decay: Bool) {
            self.start = start; self.count = count; self.lr = lr; self.decay = decay
        }
    }

    /// Updates every tensor of an arena in one parallel region: `segments` lie back to back from 0, in order.
    /// Element-wise, so it equals updating tensor by tensor; what it saves is a region (or a serial pass, below
    /// the parallel grain) per tensor: dozens of biases and norms per step.
    /// m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; p −= lr · (m/c1 / (√(v/c2) + ε) + wd · p), in CVecMath's
    /// vectorised build (the Swift loop was not vectorised; nor was the C loop until its square root stopped being
    /// `sqrtf`, whose errno kept it scalar: 8–10 % of a small-preset step). Each gradient is read as g · gradScale
    /// (`clipFactor`): the bits a separate clipping pass would have stored, without that pass over the arena.
    public static func updateArena(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>,
                                   m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                                   segments: UnsafeBufferPointer<Segment>, step: Int, hyper h: Hyper,
                                   gradScale: Float = 1) {
        guard let last = segments.last else { return }
        let c1 = 1 - powf(h.beta1, Float(step)), c2 = 1 - powf(h.beta2, Float(step))
        Parallel.forEachChunk(last.start + last.count) { r in
            // The segment holding r's first element (binary search), then on through the chunk.
            var lo = 0, hi = segments.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if segments[mid].start <= r.lowerBound { lo = mid } else { hi = mid - 1 }
            }
            var at = r.lowerBound, s = lo
            while at < r.upperBound {
                let seg = segments[s], end = min(r.upperBound, seg.start + seg.count)
                if end > at {
                    cvm_adamw(params + at, grads + at, m + at, v + at, end - at, seg.lr, h.beta1, h.beta2, h.eps, c1, c2,
                              seg.decay ? h.weightDecay : 0, gradScale)
                }
                at = end; s += 1
            }
        }
    }

    /// Global L2 norm of all gradients.
    public static func globalNorm(grads: UnsafePointer<Float>, count: Int) -> Float {
        // One sequential double sum, so the norm (and with it every clipped step) keeps its bits. The chain is
        // latency-bound; blocks of exact zeros (embedding rows no token used) are skipped, which adds nothing:
        // s + 0 = s.
        var s: Double = 0
        var i = 0
        while i + 16 <= count {
            let block = UnsafeRawPointer(grads + i).loadUnaligned(as: SIMD16<Float>.self)
            if any(block .!= 0) {
                for j in i..<(i + 16) { s += Double(grads[j]) * Double(grads[j]) }
            }
            i += 16
        }
        for j in i..<count { s += Double(grads[j]) * Double(grads[j]) }
        return Float(s.squareRoot())
    }

    /// What global-norm clipping multiplies every gradient by: maxNorm / (norm + 10⁻⁶) when the norm exceeds
    /// maxNorm (> 0), else 1. The trainer hands it to `updateArena` rather than scaling the arena in place.
    public static func clipFactor(norm: Float, maxNorm: Float) -> Float {
        maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1
    }
}
