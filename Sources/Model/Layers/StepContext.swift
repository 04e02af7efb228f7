import Kernels

/// What every layer needs to know about the current batch.
public struct StepContext {
    public var batch: Int
    public var length: Int
    public var tokens: Int { batch * length }
    /// [B·L], 1 for real tokens, 0 for padding.
    public var mask: UnsafePointer<Float>
    public var training: Bool
}
