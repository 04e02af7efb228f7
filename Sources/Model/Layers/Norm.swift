import Kernels

/// A LayerNorm or RMSNorm with its parameters and the per-row statistics its backward needs.
final class Norm {
    let kind: NormKind
    let eps: Float
    let width: Int
    let weight: ParameterRef
    let bias: ParameterRef?
    let mean: FloatBuffer, rstd: FloatBuffer

    init(_ name: String, kind: NormKind, width: Int, eps: Float, maxRows: Int, params: ParameterSet) {
        self.kind = kind; self.eps = eps; self.width = width
        weight = params.add("\(name).weight", [width], .ones)
        bias = kind == .layer ? params.add("\(name).bias", [width], .zeros) : nil
        mean = FloatBuffer(count: maxRows)
        rstd = FloatBuffer(count: maxRows)
    }

    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, _ p: ParameterSet) {
        switch kind {
        case .layer:
            LayerNorm.forward(out: out, mean: mean.pointer, rstd: rstd.pointer, inp: inp, weight: p.value(weight),
                              bias: p.value(bias!), rows: rows, dim: width, eps: eps)
        case .rms:
            RMSNorm.forward(out: out, rstd: rstd.pointer, inp: inp, weight: p.value(weight), rows: rows,
                            dim: width, eps: eps)
        }
    }

    /// Accumulates ∂L/∂inp into dinp, or with `overwrite` stores it (the bits of accumulating into zeros, without
    /// zeroing dinp first).
    func backward(dinp: UnsafeMutablePointer<Float>, overwrite: Bool = false, dout: UnsafePointer<Float>,
                  inp: UnsafePointer<Float>, rows: Int, _ p: ParameterSet) {
        switch kind {
        case .layer:
            LayerNorm.backward(dinp: dinp, overwrite: overwrite, dweight: p.grad(weight), dbias: p.grad(bias!),
                               dout: dout, inp: inp, weight: p.value(weight), mean: mean.pointer, rstd: rstd.pointer,
                               rows: rows, dim: width)
        case .rms:
            if overwrite { Parallel.fill(dinp, with: 0, count: rows * width) }
            RMSNorm.backward(dinp: dinp, dweight: p.grad(weight), dout: dout, inp: inp, weight: p.value(weight),
                             rstd: rstd.pointer, rows: rows, dim: width)
        }
    }
}
