import Kernels

/// The HyperExpert of one MoE layer (spec §6.1, §6.5, §6.6, §7): Ê_t(x) = ReLU(x D_t + β_t) U_t + γ_t,
/// added ungated to the MoE output. D, U, β, γ come from the shared `HyperNetwork`, conditioned on
///  - the selection embedding of the token's pattern (hypermoe / -selected / -weights), generated once per
///    pattern group (`.grouped`) or once per token as the official code does (`.perToken`, same numbers);
///  - the token's own hidden state (hypermoe-hidden, Table 3 row b): necessarily per token.
final class HyperExpert {
    let block: Int, width: Int, adapter: Int, hidden: Int
    let net: HyperNetwork
    let selection: SelectionEmbedding?
    let perToken: Bool
    let chunk = 32
    // group-level buffers [G × …]
    let kin, kpre, k, d, u, bd, bu, dkin, dk, dd, du, dbd, dbu, scratchK: FloatBuffer
    // token-level buffers [T × …], tokens in group order
    let xh, hh, oh, dxh, dah, dhh: FloatBuffer
    // per-token generation: chunk buffers, and (hidden variant) token-level projection state
    let kc, dc, uc, bdc, buc, dkc, ddc, duc, dbdc, dbuc: FloatBuffer
    let kinT, kpreT, kT, dkT, dkinT: FloatBuffer
    private var groupMasks: [UInt64] = []

    init(block: Int, net: HyperNetwork, selection: SelectionEmbedding?, perToken: Bool, config c: ModelConfig,
         maxTokens: Int, maxGroups: Int) {
        self.block = block; self.net = net; self.selection = selection
        self.perToken = perToken || selection == nil
        width = c.width; adapter = net.adapter; hidden = net.hidden
        let h = width, b = adapter, r = hidden, G = maxGroups, T = maxTokens, w = net.projectionInput
        let groupRows = selection == nil ? 0 : G
        func buf(_ n: Int) -> FloatBuffer { FloatBuffer(count: n) }
        kin = buf(groupRows * w); kpre = buf(groupRows * r); k = buf(groupRows * r); dkin = buf(groupRows * w)
        dk = buf(groupRows * r); scratchK = buf(max(groupRows, T) * r)
        let gen = self.perToken ? 0 : G
        d = buf(gen * h * b); u = buf(gen * b * h); bd = buf(gen * b); bu = buf(gen * h)
        dd = buf(gen * h * b); du = buf(gen * b * h); dbd = buf(gen * b); dbu = buf(gen * h)
        xh = buf(T * h); hh = buf(T * b); oh = buf(T * h); dxh = buf(T * h); dah = buf(T * b); dhh = buf(T * b)
        let cn = self.perToken ? chunk : 0
        kc = buf(cn * r); dkc = buf(cn * r); dc = buf(cn * h * b); uc = buf(cn * b * h); bdc = buf(cn * b); buc = buf(cn * h)
        ddc = buf(cn * h * b); duc = buf(cn * b * h); dbdc = buf(cn * b); dbuc = buf(cn * h)
        reluScratch = buf(T * b)
        let hiddenRows = selection == nil ? T : 0
        kinT = buf(hiddenRows * w); kpreT = buf(hiddenRows * r); kT = buf(hiddenRows * r)
        dkT = buf(hiddenRows * r); dkinT = buf(hiddenRows * w)
    }

    // MARK: forward

    /// out[t] += Ê_t(x[t]) for every real token. `s` overrides the free expert embeddings (conv variant).
    func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, plan: RoutingPlan,
                 s: UnsafePointer<Float>?, _ p: ParameterSet) {
        let h = width, n = plan.groupTokens.count
        groupMasks = plan.groupMasks
        let xh = xh.pointer
        forEachTokenRow(plan) { row, t in (xh + row * h).update(from: x + t * h, count: h) }
        if let selection {
            let G = groupMasks.count, w = net.projectionInput
            selection.forward(out: kin.pointer, ldOut: w, masks: groupMasks, s: s, p)
            net.fillLayerEmbedding(kin: kin.pointer, rows: G, block: block, p)
            net.project(k: k.pointer, kpre: kpre.pointer, kin: kin.pointer, rows: G, p)
        } else {
            let w = net.projectionInput
            let kin = kinT.pointer
            Parallel.forEachRowBlock(rows: n, rowSize: w) { r in
                for row in r { (kin + row * w).update(from: xh + row * h, count: h) }
            }
            net.fillLayerEmbedding(kin: kin, rows: n, block: block, p)
            net.project(k: kT.pointer, kpre: kpreT.pointer, kin: kin, rows: n, p)
        }
        if perToken { applyPerToken(plan: plan, p) } else { applyGrouped(plan: plan, p) }
        let oh = oh.pointer
        forEachTokenRow(plan) { row, t in
            let o = out + t * h, src = oh + row * h
            for i in 0..<h { o[i] += src[i] }
        }
    }

    /// body(row, token) for every row of the group-sorted token buffers, split over the threads by rows: each
    /// token appears in one row only, so the blocks write disjoint memory on both sides and no bit changes.
    private func forEachTokenRow(_ plan: RoutingPlan, _ body: (Int, Int) -> Void) {
        plan.groupTokens.withUnsafeBufferPointer { tokens in
            Parallel.forEachRowBlock(rows: tokens.count, rowSize: width) { r in
                for row in r { body(row, Int(tokens[row])) }
            }
        }
    }

    private func applyGrouped(plan: RoutingPlan, _ p: ParameterSet) {
        let h = width, b = adapter, G = groupMasks.count
        net.heads(d: d.pointer, u: u.pointer, bd: bd.pointer, bu: bu.pointer, k: k.pointer, rows: G, p)
        forEachGroup(plan) { g, parallel in
            let lo = plan.groupOffsets[g], n = plan.groupOffsets[g + 1] - lo
            adapterForward(rows: lo, count: n, d: d.pointer + g * h * b, u: u.pointer + g * b * h,
                           bd: bd.pointer + g * b, bu: bu.pointer + g * h, parallel: parallel)
        }
    }

    /// body(g, parallel) for every group. With several threads the groups are shared out by token count (group g
    /// to the thread holding its middle token) and each group's matmuls stay single-threaded; a group writes only
    /// its own token rows and its own generated-weight gradients, so results do not depend on the split.
    private func forEachGroup(_ plan: RoutingPlan, _ body: (Int, Bool) -> Void) {
        let G = groupMasks.count, workers = min(Blas.threads, G)
        if workers <= 1 { for g in 0..<G { body(g, true) }; return }
        let total = max(1, plan.groupOffsets[G])
        Parallel.run(workers) { w in
            for g in 0..<G {
                let middle = (plan.groupOffsets[g] + plan.groupOffsets[g + 1]) / 2
                if min(workers - 1, middle * workers / total) == w { body(g, false) }
            }
        }
    }

    /// Rows [lo, lo+n) of the token buffers through one generated adapter.
    private func adapterForward(rows lo: Int, count n: Int, d: UnsafePointer<Float>, u: UnsafePointer<Float>,
                                bd: UnsafePointer<Float>, bu: UnsafePointer<Float>, parallel: Bool = true) {
        let h = width, b = adapter
        if n == 0 { return }
        let H = hh.pointer + lo * b, O = oh.pointer + lo * h
        for i in 0..<n { (H + i * b).update(from: bd, count: b) }
        Blas.sgemm(m: n, n: b, k: h, a: xh.pointer + lo * h, lda: h, b: d, ldb: b, beta: 1, c: H, ldc: b,
                   parallel: parallel)
        // A = ReLU(H) computed into dah's slot would clobber backward state; recompute from H when needed.
        for i in 0..<n { (O + i * h).update(from: bu, count: h) }
        withRelu(H, rows: lo, count: n * b) { A in
            Blas.sgemm(m: n, n: h, k: b, a: A, lda: b, b: u, ldb: h, beta: 1, c: O, ldc: h, parallel: parallel)
        }
    }

    /// ReLU(H) for token rows starting at `lo`, in those rows of the scratch (groups may run at once).
    private let reluScratch: FloatBuffer
    private func withRelu(_ H: UnsafePointer<Float>, rows lo: Int, count: Int, _ body: (UnsafePointer<Float>) -> Void) {
        let A = reluScratch.pointer + lo * adapter
        for i in 0..<count { A[i] = max(H[i], 0) }
        body(A)
    }

    /// Rows of κ for the token-chunk [lo, lo+n): the group's κ (naive path) or the token's own (hidden).
    private func chunkKappa(plan: RoutingPlan, lo: Int, n: Int) -> UnsafePointer<Float> {
        let r = hidden
        if selection == nil { return UnsafePointer(kT.pointer + lo * r) }
        for i in 0..<n {
            let t = Int(plan.groupTokens[lo + i]), g = Int(plan.groupOfToken[t])
            (kc.pointer + i * r).update(from: k.pointer + g * r, count: r)
        }
        return UnsafePointer(kc.pointer)
    }

    private func applyPerToken(plan: RoutingPlan, _ p: ParameterSet) {
        let h = width, b = adapter, total = plan.groupTokens.count
        var lo = 0
        while lo < total {
            let n = min(chunk, total - lo)
            let kap = chunkKappa(plan: plan, lo: lo, n: n)
            net.heads(d: dc.pointer, u: uc.pointer, bd: bdc.pointer, bu: buc.pointer, k: kap, rows: n, p)
            for i in 0..<n {
                adapterForward(rows: lo + i, count: 1, d: dc.pointer + i * h * b, u: uc.pointer + i * b * h,
                               bd: bdc.pointer + i * b, bu: buc.pointer + i * h)
            }
            lo += n
        }
    }

    // MARK: backward

    /// Accumulates into dx (and into `ds`, the conv variant's embedding gradient, when given).
    func backward(dx: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, plan: RoutingPlan,
                  ds: UnsafeMutablePointer<Float>?, _ p: ParameterSet) {
        let h = width, n = plan.groupTokens.count
        let oh = oh.pointer, dxh = dxh.pointer
        forEachTokenRow(plan) { row, t in (oh + row * h).update(from: dout + t * h, count: h) }
        Parallel.fill(dxh, with: 0, count: n * h)
        if perToken { backwardPerToken(plan: plan, p) } else { backwardGrouped(plan: plan, p) }
        if let selection {
            let G = groupMasks.count, w = net.projectionInput
            net.projectBackward(dkin: dkin.pointer, dk: dk.pointer, kpre: kpre.pointer, kin: kin.pointer,
                                scratch: scratchK.pointer, rows: G, block: block, p)
            selection.backward(dout: dkin.pointer, ldOut: w, masks: groupMasks, ds: ds, p)
        } else {
            let w = net.projectionInput
            net.projectBackward(dkin: dkinT.pointer, dk: dkT.pointer, kpre: kpreT.pointer, kin: kinT.pointer,
                                scratch: scratchK.pointer, rows: n, block: block, p)
            let dkin = dkinT.pointer
            Parallel.forEachRowBlock(rows: n, rowSize: h) { r in
                for row in r {
                    let src = dkin + row * w, d = dxh + row * h
                    for i in 0..<h { d[i] += src[i] }
                }
            }
        }
        forEachTokenRow(plan) { row, t in
            let d = dx + t * h, src = dxh + row * h
            for i in 0..<h { d[i] += src[i] }
        }
    }

    /// Adapter backward for token rows [lo, lo+n) (dO in oh): writes dD, dU, dβ, dγ (overwritten), adds dxh.
    private func adapterBackward(rows lo: Int, count n: Int, d: UnsafePointer<Float>, u: UnsafePointer<Float>,
                                 dd: UnsafeMutablePointer<Float>, du: UnsafeMutablePointer<Float>,
                                 dbd: UnsafeMutablePointer<Float>, dbu: UnsafeMutablePointer<Float>,
                                 parallel: Bool = true) {
        let h = width, b = adapter
        dd.update(repeating: 0, count: h * b); du.update(repeating: 0, count: b * h)
        dbd.update(repeating: 0, count: b); dbu.update(repeating: 0, count: h)
        if n == 0 { return }
        let H = hh.pointer + lo * b, dO = oh.pointer + lo * h, dA = dah.pointer + lo * b, dH = dhh.pointer + lo * b
        withRelu(H, rows: lo, count: n * b) { A in   // dU = Aᵀ dO
            Blas.sgemm(transA: true, m: b, n: h, k: n, a: A, lda: b, b: dO, ldb: h, c: du, ldc: h, parallel: parallel)
        }
        Linear.columnSum(dO, rows: n, cols: h, into: dbu)
        Blas.sgemm(transB: true, m: n, n: b, k: h, a: dO, lda: h, b: u, ldb: h, c: dA, ldc: b,  // dA = dO Uᵀ
                   parallel: parallel)
        for i in 0..<(n * b) { dH[i] = H[i] > 0 ? dA[i] : 0 }
        Blas.sgemm(transA: true, m: h, n: b, k: n, a: xh.pointer + lo * h, lda: h, b: dH, ldb: b, c: dd, ldc: b,
                   parallel: parallel)
        Linear.columnSum(dH, rows: n, cols: b, into: dbd)
        Blas.sgemm(transB: true, m: n, n: h, k: b, a: dH, lda: b, b: d, ldb: b, beta: 1, c: dxh.pointer + lo * h, ldc: h,
                   parallel: parallel)
    }

    private func backwardGrouped(plan: RoutingPlan, _ p: ParameterSet) {
        let h = width, b = adapter, G = groupMasks.count
        forEachGroup(plan) { g, parallel in
            let lo = plan.groupOffsets[g], n = plan.groupOffsets[g + 1] - lo
            adapterBackward(rows: lo, count: n, d: d.pointer + g * h * b, u: u.pointer + g * b * h,
                            dd: dd.pointer + g * h * b, du: du.pointer + g * b * h, dbd: dbd.pointer + g * b,
                            dbu: dbu.pointer + g * h, parallel: parallel)
        }
        net.headsBackward(dk: dk.pointer, dd: dd.pointer, du: du.pointer, dbd: dbd.pointer, dbu: dbu.pointer,
                          k: k.pointer, rows: G, p)
    }

    private func backwardPerToken(plan: RoutingPlan, _ p: ParameterSet) {
        let h = width, b = adapter, r = hidden, total = plan.groupTokens.count
        if selection != nil { dk.pointer.update(repeating: 0, count: groupMasks.count * r) }
        var lo = 0
        while lo < total {
            let n = min(chunk, total - lo)
            let kap = chunkKappa(plan: plan, lo: lo, n: n)
            net.heads(d: dc.pointer, u: uc.pointer, bd: bdc.pointer, bu: buc.pointer, k: kap, rows: n, p)
            for i in 0..<n {
                adapterBackward(rows: lo + i, count: 1, d: dc.pointer + i * h * b, u: uc.pointer + i * b * h,
                                dd: ddc.pointer + i * h * b, du: duc.pointer + i * b * h, dbd: dbdc.pointer + i * b,
                                dbu: dbuc.pointer + i * h)
            }
            let dkOut = selection == nil ? dkT.pointer + lo * r : dkc.pointer
            net.headsBackward(dk: dkOut, dd: ddc.pointer, du: duc.pointer, dbd: dbdc.pointer, dbu: dbuc.pointer,
                              k: kap, rows: n, p)
            if selection != nil {  // κ_t = κ_group(t): sum the token gradients into their group
                for i in 0..<n {
                    let t = Int(plan.groupTokens[lo + i]), g = Int(plan.groupOfToken[t])
                    let dst = dk.pointer + g * r, src = dkc.pointer + i * r
                    for j in 0..<r { dst[j] += src[j] }
                }
            }
            lo += n
        }
    }
}
