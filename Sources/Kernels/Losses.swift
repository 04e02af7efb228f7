import Foundation

/// Task losses. Each returns the mean loss and writes d(loss)/d(input) scaled by `scale`
/// (so a caller can weight several losses without another pass).
public enum Losses {
    /// Softmax cross-entropy. targets[t] < 0 means "ignore this row" (padding, unlabeled positions).
    /// `rowMask` optionally hides logits (e.g. padded span positions) with −∞ before the softmax.
    @discardableResult
    public static func crossEntropy(dlogits: UnsafeMutablePointer<Float>?, logits: UnsafePointer<Float>,
                                    targets: UnsafePointer<Int32>, rows: Int, classes: Int,
                                    scale: Float = 1, probs: UnsafeMutablePointer<Float>) -> Float {
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
            loss -= Double(logf(max(p[y], 1e-30)))
            if let dlogits {
                let d = dlogits + t * classes
                for j in 0..<classes { d[j] += g * p[j] }
                d[y] -= g
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
