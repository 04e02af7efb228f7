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

    /// dinp += act'(inp) · dout; with `overwrite`, dinp = 0 + act'(inp) · dout — the same bits as accumulating
    /// into a zeroed dinp, without the zero-fill pass.
    public func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                         dout: UnsafePointer<Float>, count: Int, overwrite: Bool = false) {
        Parallel.forEachChunk(count) { range in
            switch (self, overwrite) {
            case (.relu, false): for i in range where inp[i] > 0 { dinp[i] += dout[i] }
            case (.relu, true): for i in range { dinp[i] = inp[i] > 0 ? 0 + dout[i] : 0 }
            case (.gelu, false):
                cvm_gelu_backward(dinp + range.lowerBound, inp + range.lowerBound, dout + range.lowerBound, range.count)
            case (.gelu, true):
                cvm_gelu_backward_set(dinp + range.lowerBound, inp + range.lowerBound, dout + range.lowerBound,
                                      range.count)
            }
        }
    }
}
