import Kernels

/// N expert FFNs of one MoE layer, computed grouped: assignments are gathered into one contiguous buffer in
/// expert order, each expert runs two GEMMs over its slice, results are gate-scaled and scattered back.
final class ExpertBank {
    let experts: [FFNWeights]
    let width: Int, inner: Int, activation: Activation
    let xp: FloatBuffer, pre: FloatBuffer, act: FloatBuffer, yp: FloatBuffer
    let dyp: FloatBuffer, dxp: FloatBuffer, scratch: FloatBuffer, scratch2: FloatBuffer

    init(_ name: String, count: Int, config c: ModelConfig, maxAssignments: Int, params: ParameterSet) {
        width = c.width; inner = c.ffnWidth; activation = c.activation
        experts = (0..<count).map { FFNWeights("\(name).expert.\($0)", width: c.width, inner: c.ffnWidth,
                                               std: c.initStd, params: params) }
        let A = maxAssignments
        xp = FloatBuffer(count: A * width); yp = FloatBuffer(count: A * width)
        dyp = FloatBuffer(count: A * width); dxp = FloatBuffer(count: A * width)
        pre = FloatBuffer(count: A * inner); act = FloatBuffer(count: A * inner)
        scratch = FloatBuffer(count: A * inner); scratch2 = FloatBuffer(count: A * inner)
    }

    /// out[t] += gate · E_e(x[t]) for every kept assignment.
    func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, plan: RoutingPlan, _ p: ParameterSet) {
        let h = width, f = inner, k = plan.k
        let order = plan.order, assignments = order.count
        Parallel.forEachRowBlock(rows: assignments, rowSize: h) { rows in
            for row in rows { (xp.pointer + row * h).update(from: x + (Int(order[row]) / k) * h, count: h) }
        }
        for (e, ffn) in experts.enumerated() {
            let lo = plan.offsets[e], n = plan.offsets[e + 1] - lo
            ffn.forward(out: yp.pointer + lo * h, pre: pre.pointer + lo * f, act: act.pointer + lo * f,
                        inp: xp.pointer + lo * h, rows: n, width: h, inner: f, activation: activation, p)
        }
        // With k = 1 every assignment row adds into its own token row, so the rows can be split; with k > 1 two
        // rows meet in one token and the order of their sums must not depend on the threads.
        let gate = plan.gate
        func scatter(_ rows: Range<Int>) {
            for row in rows {
                let a = Int(order[row]), g = gate[a], y = yp.pointer + row * h, o = out + (a / k) * h
                for i in 0..<h { o[i] += g * y[i] }
            }
        }
        if k == 1 { Parallel.forEachRowBlock(rows: assignments, rowSize: h, scatter) } else { scatter(0..<assignments) }
    }

    /// Accumulates dx; writes ∂L/∂gate per assignment into dgate (zero for dropped ones).
    func backward(dx: UnsafeMutablePointer<Float>, dgate: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                  plan: RoutingPlan, _ p: ParameterSet) {
        let h = width, f = inner, k = plan.k
        let order = plan.order, gate = plan.gate, assignments = order.count
        Parallel.forEachRowBlock(rows: assignments, rowSize: h) { rows in
            for row in rows {
                let a = Int(order[row]), g = gate[a], d = dout + (a / k) * h
                let y = yp.pointer + row * h, dy = dyp.pointer + row * h
                var dot: Float = 0
                for i in 0..<h { dot += d[i] * y[i]; dy[i] = g * d[i] }
                dgate[a] = dot
            }
        }
        Parallel.fill(dxp.pointer, with: 0, count: plan.order.count * h)
        for (e, ffn) in experts.enumerated() {
            let lo = plan.offsets[e], n = plan.offsets[e + 1] - lo
            ffn.backward(dinp: dxp.pointer + lo * h, dout: dyp.pointer + lo * h, inp: xp.pointer + lo * h,
                         pre: pre.pointer + lo * f, act: act.pointer + lo * f, scratch: scratch.pointer + lo * f,
                         scratch2: scratch2.pointer + lo * f, rows: n, width: h, inner: f, activation: activation, p)
        }
        func scatter(_ rows: Range<Int>) {
            for row in rows {
                let s = dxp.pointer + row * h, d = dx + (Int(order[row]) / k) * h
                for i in 0..<h { d[i] += s[i] }
            }
        }
        if k == 1 { Parallel.forEachRowBlock(rows: assignments, rowSize: h, scatter) } else { scatter(0..<assignments) }
    }
}
