import Kernels

/// What every layer needs to know about the current batch.
public struct StepContext {
    public var batch: Int
    public var length: Int
    public var tokens: Int { batch * length }
    /// [B·L], 1 for real tokens, 0 for padding.
    public var mask: UnsafePointer<Float>
    public var training: Bool
    /// Whether a backward pass follows this forward (training, or gradients without dropout): layers keep only
    /// what it needs when it does (dropout masks of ones, for instance).
    public var backward: Bool = true
}
