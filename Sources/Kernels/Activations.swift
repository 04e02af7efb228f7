/// Element-wise activations. GELU is the erf form (BERT, MiniLM) with the vectorised erf of `FastMath`;
/// ReLU is T5/Switch's.
public enum Activation: String, Codable, Sendable {
    case gelu, relu

    public func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count) { range in
            switch self {
            case .relu: for i in range { out[i] = max(inp[i], 0) }
            case .gelu: FastMath.gelu(out: out, inp: inp, range: range)
            }
        }
    }

    /// dinp += act'(inp) · dout
    public func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                         dout: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count) { range in
            switch self {
            case .relu: for i in range where inp[i] > 0 { dinp[i] += dout[i] }
            case .gelu: FastMath.geluBackward(dinp: dinp, inp: inp, dout: dout, range: range)
            }
        }
    }
}
