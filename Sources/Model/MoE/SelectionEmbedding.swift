import Kernels

/// Per-MoE-layer selection embedding (spec §6.1, eq. 5–6): pool the expert embeddings S (N×t') of the
/// experts a token did NOT select (or, for Figure 4, those it did), then a 2-layer MLP t' → d_p → t.
/// S is a free parameter, or (Table 3 row c) produced by `ConvExpertEmbedding` and passed in.
final class SelectionEmbedding {
    let experts: Int, embDim: Int, processDim: Int, outDim: Int
    let pooling: SelectionPooling
    let useSelected: Bool
    let table: ParameterRef?
    let w1: ParameterRef, b1: ParameterRef, w2: ParameterRef, b2: ParameterRef
    let pooled: FloatBuffer, pre: FloatBuffer, act: FloatBuffer
    let dpooled: FloatBuffer, dact: FloatBuffer, dpre: FloatBuffer

    init(_ name: String, experts: Int, freeTable: Bool, useSelected: Bool, config c: ModelConfig, maxGroups: Int,
         params: ParameterSet) {
        let hc = c.moe!.hyper
        self.experts = experts; embDim = hc.expertEmbeddingDim; processDim = hc.processDim; outDim = hc.hypernetInput
        pooling = hc.pooling; self.useSelected = useSelected
        table = freeTable ? params.add("\(name).expert_embedding", [experts, embDim], .normal(std: 1)) : nil
        let bound1 = 1 / Float(embDim).squareRoot(), bound2 = 1 / Float(processDim).squareRoot()
        w1 = params.add("\(name).select_mlp.w1", [embDim, processDim], .uniform(bound: bound1), decay: true)
        b1 = params.add("\(name).select_mlp.b1", [processDim], .uniform(bound: bound1))
        w2 = params.add("\(name).select_mlp.w2", [processDim, outDim], .uniform(bound: bound2), decay: true)
        b2 = params.add("\(name).select_mlp.b2", [outDim], .uniform(bound: bound2))
        pooled = FloatBuffer(count: maxGroups * embDim); dpooled = FloatBuffer(count: maxGroups * embDim)
        pre = FloatBuffer(count: maxGroups * processDim); act = FloatBuffer(count: maxGroups * processDim)
        dpre = FloatBuffer(count: maxGroups * processDim); dact = FloatBuffer(count: maxGroups * processDim)
    }

    /// Pooling weights of expert j for a pattern: which experts count and by how much.
    private func weights(mask: UInt64) -> [Float] {
        var w = [Float](repeating: 0, count: experts)
        var n = 0
        for j in 0..<experts where ((mask >> UInt64(j)) & 1 == 1) == useSelected { w[j] = 1; n += 1 }
        if pooling == .mean, n > 0 { for j in 0..<experts { w[j] /= Float(n) } }
        return w
    }

    /// out [G×t] row g (written at stride `ldOut`) = MLP(pool(S, mask_g)).
    func forward(out: UnsafeMutablePointer<Float>, ldOut: Int, masks: [UInt64], s: UnsafePointer<Float>?,
                 _ p: ParameterSet) {
        let S = s ?? UnsafePointer(p.value(table!))
        let G = masks.count
        for (g, mask) in masks.enumerated() {
            let e = pooled.pointer + g * embDim
            e.update(repeating: 0, count: embDim)
            for (j, wj) in weights(mask: mask).enumerated() where wj != 0 {
                let sj = S + j * embDim
                for i in 0..<embDim { e[i] += wj * sj[i] }
            }
        }
        Linear.forward(out: pre.pointer, inp: pooled.pointer, weight: p.value(w1), bias: p.value(b1), rows: G,
                       inDim: embDim, outDim: processDim)
        Activation.relu.forward(out: act.pointer, inp: pre.pointer, count: G * processDim)
        // Second layer writes straight into the strided hypernet-input rows.
        for g in 0..<G { (out + g * ldOut).update(from: p.value(b2), count: outDim) }
        Blas.sgemm(m: G, n: outDim, k: processDim, a: act.pointer, lda: processDim, b: p.value(w2), ldb: outDim,
                   beta: 1, c: out, ldc: ldOut)
    }

    /// dout rows at stride ldOut → MLP grads → dS (accumulated into the table's grad, or into `ds`).
    func backward(dout: UnsafePointer<Float>, ldOut: Int, masks: [UInt64], ds: UnsafeMutablePointer<Float>?,
                  _ p: ParameterSet) {
        let G = masks.count
        dact.pointer.update(repeating: 0, count: G * processDim)
        Blas.sgemm(transB: true, m: G, n: processDim, k: outDim, a: dout, lda: ldOut, b: p.value(w2), ldb: outDim,
                   beta: 1, c: dact.pointer, ldc: processDim)
        Blas.sgemm(transA: true, m: processDim, n: outDim, k: G, a: act.pointer, lda: processDim, b: dout, ldb: ldOut,
                   beta: 1, c: p.grad(w2), ldc: outDim)
        let db2 = p.grad(b2)
        for g in 0..<G { let r = dout + g * ldOut; for i in 0..<outDim { db2[i] += r[i] } }
        dpre.pointer.update(repeating: 0, count: G * processDim)
        Activation.relu.backward(dinp: dpre.pointer, inp: pre.pointer, dout: dact.pointer, count: G * processDim)
        dpooled.pointer.update(repeating: 0, count: G * embDim)
        Linear.backward(dinp: dpooled.pointer, dweight: p.grad(w1), dbias: p.grad(b1), dout: dpre.pointer,
                        inp: pooled.pointer, weight: p.value(w1), rows: G, inDim: embDim, outDim: processDim)
        let dS = ds ?? p.grad(table!)
        for (g, mask) in masks.enumerated() {
            let de = dpooled.pointer + g * embDim
            for (j, wj) in weights(mask: mask).enumerated() where wj != 0 {
                let d = dS + j * embDim
                for i in 0..<embDim { d[i] += wj * de[i] }
            }
        }
    }
}
