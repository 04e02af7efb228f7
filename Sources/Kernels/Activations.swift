import Foundation

/// Element-wise activations. GELU is the exact erf form (BERT, MiniLM); ReLU is T5/Switch's.
public enum Activation: String, Codable, Sendable {
    case gelu, relu

    public func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count) { range in
            switch self {
            case .relu: for i in range { out[i] = max(inp[i], 0) }
            case .gelu:
                for i in range {
                    let x = inp[i]
                    out[i] = 0.5 * x * (1 + erff(x * 0.70710678118654752))
                }
            }
        }
    }

    /// dinp += act'(inp) · dout
    public func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                         dout: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count) { range in
            switch self {
            case .relu: for i in range where inp[i] > 0 { dinp[i] += dout[i] }
            case .gelu:
                let c: Float = 0.39894228040143268  // 1/√(2π)
                for i in range {
                    let x = inp[i]
                    let cdf = 0.5 * (1 + erff(x * 0.70710678118654752))
                    let pdf = c * expf(-0.5 * x * x)
                    dinp[i] += (cdf + x * pdf) * dout[i]
                }
            }
        }
    }
}
