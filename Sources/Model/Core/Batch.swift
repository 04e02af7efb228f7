/// One training or evaluation batch as the engine sees it: row-major [batch, length] token data and labels.
public struct ModelBatch: Sendable {
    public enum Labels: Sendable {
        case classes([Int32])               // [B]
        case values([Float])                // [B]
        case spans(start: [Int32], end: [Int32])  // [B] token positions
        case nextTokens([Int32])            // [B·L], −1 = ignore
        case maskedTokens([Int32])          // [B·L] original token at the MLM-selected positions, −1 elsewhere
    }

    public var batch: Int
    public var length: Int
    public var ids: [Int32]
    public var types: [Int32]
    /// 1 = real token, 0 = padding.
    public var mask: [Float]
    public var labels: Labels

    public init(batch: Int, length: Int, ids: [Int32], types: [Int32]? = nil, mask: [Float]? = nil, labels: Labels) {
        precondition(ids.count == batch * length, "ids must be batch × length")
        self.batch = batch; self.length = length; self.ids = ids
        self.types = types ?? Array(repeating: 0, count: ids.count)
        self.mask = mask ?? Array(repeating: 1, count: ids.count)
        self.labels = labels
    }
}

/// What one forward pass reports.
public struct LossReport: Sendable, Equatable {
    public var task: Float
    public var balance: Float
    public var zLoss: Float
    public var total: Float { task + balance + zLoss }
}

extension LossReport {
    /// Adds the MoE layers' balance and z-losses, each weighted by its coefficient and summed over layers
    /// (`scale` 1, as the official code and spec §3.3).
    mutating func addAuxiliary(_ layers: [MoELayer], config: MoEConfig?, scale: Float) {
        guard let config else { return }
        for layer in layers {
            balance += config.balanceCoef * scale * layer.balanceLoss
            zLoss += config.zLossCoef * scale * layer.zLoss
        }
    }
}
