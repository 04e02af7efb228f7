import Foundation

/// Task losses. Each returns the mean loss and writes d(loss)/d(input) scaled by `scale`
/// (so a caller can weight several losses without another pass).
public enum Losses {
    /// Softmax cross-entropy. targets[t] < 0 means "ignore this row" (padding, unlabeled positions).
    /// `smoothing` ε > 0 is label smoothing (Szegedy et al. 2016): the target distribution is
    /// (1 − ε)·onehot + ε/C, so the loss adds ε·mean_j(−log p_j) and the gradient is p − target.
    @discardableResult
    public static func crossEntropy(dlogits: UnsafeMutablePointer<Float>?, logits: UnsafePointer<Float>,
                                    targets: UnsafePointer<Int32>, rows: Int, classes: Int,
                                    scale: Float = 1, smoothing: Float = 0, probs: UnsafeMutablePointer<Float>) -> Float {
        Softmax.forward(probs: probs, logits: logits, rows: rows, cols: classes)
        var count = 0
        for t in 0..<rows where targets[t] >= 0 { count += 1 }
        if count == 0 { return 0 }
        var loss: Double = 0
        let g = scale / Float(count)
        for t in 0..<rows {
            let y = Int(targets[t])
            let p = probs + t * classes
            if y < 0 { continue }
            precondition(y < classes, "target \(y) out of range for \(classes) classes")
            let nll = -Double(logf(max(p[y], 1e-30)))
            if smoothing > 0 {
                var uniform: Double = 0
                for j in 0..<classes { uniform -= Double(logf(max(p[j], 1e-30))) }
                loss += (1 - Double(smoothing)) * nll + Double(smoothing) * uniform / Double(classes)
            } else {
                loss += nll
            }
            if let dlogits {
                let d = dlogits + t * classes, spread = g * smoothing / Float(classes)
                for j in 0..<classes { d[j] += g * p[j] - spread }
                d[y] -= g * (1 - smoothing)
            }
        }
        return Float(loss / Double(count))
    }

    /// Mean squared error over `count` predictions.
    @discardableResult
    public static func mse(dpred: UnsafeMutablePointer<Float>?, pred: UnsafePointer<Float>,
                           target: UnsafePointer<Float>, count: Int, scale: Float = 1) -> Float {
        if count == 0 { return 0 }
        var loss: Double = 0
        for i in 0..<count {
            let e = pred[i] - target[i]
            loss += Double(e * e)
            dpred?[i] += scale * 2 * e / Float(count)
        }
        return Float(loss / Double(count))
    }
}
