import Foundation
import Kernels

/// The hypernetwork shared by all MoE layers of a stack (spec §6.1): projection
/// κ = ReLU([p ; l_τ] W_κ + c_κ) then four heads generating the HyperExpert's D (h×b), U (b×h) and biases
/// β (b), γ (h). Initialisation is "hyperfanin" (§6.3), so generated weights start ≈ 1e-5 and the
/// HyperMoE starts ≈ MoE. Buffers for one call are owned by the caller (each layer keeps its own for backward).
final class HyperNetwork {
    let inputDim: Int, layerDim: Int, hidden: Int, width: Int, adapter: Int
    let wk: ParameterRef, ck: ParameterRef
    let wD: ParameterRef, cD: ParameterRef, wU: ParameterRef, cU: ParameterRef
    let wBd: ParameterRef, cBd: ParameterRef, wBu: ParameterRef, cBu: ParameterRef
    let layerTable: ParameterRef

    init(_ name: String, inputDim: Int, config c: ModelConfig, params: ParameterSet) {
        let hc = c.moe!.hyper
        self.inputDim = inputDim; layerDim = hc.layerEmbeddingDim; hidden = hc.bottleneck
        width = c.width; adapter = hc.adapterDim
        let r = hidden, h = width, b = adapter, fanIn = inputDim + layerDim
        let bound = 1 / Float(fanIn).squareRoot()  // PyTorch nn.Linear default
        wk = params.add("\(name).proj.weight", [fanIn, r], .uniform(bound: bound), decay: true)
        ck = params.add("\(name).proj.bias", [r], .uniform(bound: bound))
        wD = params.add("\(name).down.weight", [r, h * b], .uniform(bound: 1e-3 * (3 / Float(r * h)).squareRoot()), decay: true)
        cD = params.add("\(name).down.bias", [h * b], .zeros)
        wU = params.add("\(name).up.weight", [r, b * h], .uniform(bound: 1e-3 * (3 / Float(r * b)).squareRoot()), decay: true)
        cU = params.add("\(name).up.bias", [b * h], .zeros)
        let biasBound = 1e-3 * (3 / Float(r)).squareRoot()
        wBd = params.add("\(name).down_bias.weight", [r, b], .uniform(bound: biasBound), decay: true)
        cBd = params.add("\(name).down_bias.bias", [b], .zeros)
        wBu = params.add("\(name).up_bias.weight", [r, h], .uniform(bound: biasBound), decay: true)
        cBu = params.add("\(name).up_bias.bias", [h], .zeros)
        layerTable = params.add("\(name).layer_embedding", [c.layers, layerDim], .normal(std: 1))
    }

    var projectionInput: Int { inputDim + layerDim }

    /// Writes l_τ into columns [inputDim, inputDim+layerDim) of `rows` rows of kin.
    func fillLayerEmbedding(kin: UnsafeMutablePointer<Float>, rows: Int, block: Int, _ p: ParameterSet) {
        let l = p.value(layerTable) + block * layerDim, w = projectionInput
        for g in 0..<rows { (kin + g * w + inputDim).update(from: l, count: layerDim) }
    }

    /// κ = ReLU(kin W_κ + c_κ); kpre keeps the pre-activation for the backward.
    func project(k: UnsafeMutablePointer<Float>, kpre: UnsafeMutablePointer<Float>, kin: UnsafePointer<Float>,
                 rows: Int, _ p: ParameterSet) {
        Linear.forward(out: kpre, inp: kin, weight: p.value(wk), bias: p.value(ck), rows: rows,
                       inDim: projectionInput, outDim: hidden)
        Activation.relu.forward(out: k, inp: kpre, count: rows * hidden)
    }

    /// D, U, β, γ for each row of κ.
    func heads(d: UnsafeMutablePointer<Float>, u: UnsafeMutablePointer<Float>, bd: UnsafeMutablePointer<Float>,
               bu: UnsafeMutablePointer<Float>, k: UnsafePointer<Float>, rows: Int, _ p: ParameterSet) {
        let r = hidden, h = width, b = adapter
        Linear.forward(out: d, inp: k, weight: p.value(wD), bias: p.value(cD), rows: rows, inDim: r, outDim: h * b)
        Linear.forward(out: u, inp: k, weight: p.value(wU), bias: p.value(cU), rows: rows, inDim: r, outDim: b * h)
        Linear.forward(out: bd, inp: k, weight: p.value(wBd), bias: p.value(cBd), rows: rows, inDim: r, outDim: b)
        Linear.forward(out: bu, inp: k, weight: p.value(wBu), bias: p.value(cBu), rows: rows, inDim: r, outDim: h)
    }

    /// Head gradients → parameter grads, and dκ (overwritten).
    func headsBackward(dk: UnsafeMutablePointer<Float>, dd: UnsafePointer<Float>, du: UnsafePointer<Float>,
                       dbd: UnsafePointer<Float>, dbu: UnsafePointer<Float>, k: UnsafePointer<Float>, rows: Int,
                       _ p: ParameterSet) {
        let r = hidden, h = width, b = adapter
        dk.update(repeating: 0, count: rows * r)
        Linear.backward(dinp: dk, dweight: p.grad(wD), dbias: p.grad(cD), dout: dd, inp: k, weight: p.value(wD),
                        rows: rows, inDim: r, outDim: h * b)
        Linear.backward(dinp: dk, dweight: p.grad(wU), dbias: p.grad(cU), dout: du, inp: k, weight: p.value(wU),
                        rows: rows, inDim: r, outDim: b * h)
        Linear.backward(dinp: dk, dweight: p.grad(wBd), dbias: p.grad(cBd), dout: dbd, inp: k, weight: p.value(wBd),
                        rows: rows, inDim: r, outDim: b)
        Linear.backward(dinp: dk, dweight: p.grad(wBu), dbias: p.grad(cBu), dout: dbu, inp: k, weight: p.value(wBu),
                        rows: rows, inDim: r, outDim: h)
    }

    /// dκ → through ReLU → projection grads; writes d(kin) (overwritten) and adds the l_τ part to the table grad.
    func projectBackward(dkin: UnsafeMutablePointer<Float>, dk: UnsafePointer<Float>, kpre: UnsafePointer<Float>,
                         kin: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, rows: Int, block: Int,
                         _ p: ParameterSet) {
        let w = projectionInput
        scratch.update(repeating: 0, count: rows * hidden)
        Activation.relu.backward(dinp: scratch, inp: kpre, dout: dk, count: rows * hidden)
        dkin.update(repeating: 0, count: rows * w)
        Linear.backward(dinp: dkin, dweight: p.grad(wk), dbias: p.grad(ck), dout: scratch, inp: kin,
                        weight: p.value(wk), rows: rows, inDim: w, outDim: hidden)
        let dl = p.grad(layerTable) + block * layerDim
        for g in 0..<rows { let src = dkin + g * w + inputDim; for i in 0..<layerDim { dl[i] += src[i] } }
    }
}
