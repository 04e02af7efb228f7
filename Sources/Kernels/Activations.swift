import CVecMath

/// Element-wise activations. GELU is the erf form (BERT, MiniLM) with the vectorised erf of `FastMath`
/// (run by CVecMath's AVX-512/AVX2 build of the same formulas); ReLU is T5/Switch's.
public enum Activation: String, Codable, Sendable {
    case gelu, relu

    public func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count) { range in
            switch self {
            case .relu: for i in range { out[i] = max(inp[i], 0) }
            case .gelu: cvm_gelu(out + range.lowerBound, inp + range.lowerBound, range.count)
            }
        }
    }

    /// dinp += act'(inp) · dout
    public func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                         dout: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count) { range in
            switch self {
            case .relu: for i in range where inp[i] > 0 { dinp[i] += dout[i] }
            case .gelu: cvm_gelu_backward(dinp + range.lowerBound, inp + range.lowerBound, dout + range.lowerBound,
                                          range.count)
            }
        }
    }
}
