import Kernels

/// Table 3 row (c) / paper App. A: expert embeddings computed from the expert weights by a depthwise-separable
/// conv net shared by all layers and experts. Input per expert: a 2-channel f×h image (c0 = W1ᵀ, c1 = W2).
///   dw 5×5/5 → ReLU → pw 2→32 → ReLU → avgpool (f/5/38, h/5/25) → dw 3×3/3 → ReLU → pw 32→t' → global avg.
/// No padding; conv biases on; no batch-norm (spec §7.1 decisions). Gradients stop at the expert weights.
/// Layout is channel-last (y, x, c) so the pointwise convs are single GEMMs.
final class ConvExpertEmbedding {
    struct Geometry {
        let f: Int, h: Int, h1: Int, w1: Int, ph: Int, pw: Int, h3: Int, w3: Int, h4: Int, w4: Int
        init(f: Int, h: Int) {
            self.f = f; self.h = h
            h1 = (f - 5) / 5 + 1; w1 = (h - 5) / 5 + 1
            ph = max(1, h1 / 38); pw = max(1, w1 / 25)
            h3 = (h1 - ph) / ph + 1; w3 = (w1 - pw) / pw + 1
            h4 = (h3 - 3) / 3 + 1; w4 = (w3 - 3) / 3 + 1
        }
    }

    let g: Geometry
    let outDim: Int
    let mid = 32
    let k1, b1, k2, b2, k4, b4, k5, b5: ParameterRef
    /// Activations per (MoE block, expert), kept for the backward.
    private let caches: [Int: [Cache]]
    final class Cache {
        let a1, a2, a3, a4, a5: FloatBuffer
        init(_ g: Geometry, mid: Int, out: Int) {
            a1 = FloatBuffer(count: g.h1 * g.w1 * 2); a2 = FloatBuffer(count: g.h1 * g.w1 * mid)
            a3 = FloatBuffer(count: g.h3 * g.w3 * mid); a4 = FloatBuffer(count: g.h4 * g.w4 * mid)
            a5 = FloatBuffer(count: g.h4 * g.w4 * out)
        }
    }
    private let d5, d4, d3, d2, d1: FloatBuffer

    init(_ name: String, config c: ModelConfig, blocks: [Int], params: ParameterSet) {
        precondition(c.width >= 15 && c.ffnWidth >= 15, "the App. A conv net needs h, f ≥ 15")
        g = Geometry(f: c.ffnWidth, h: c.width)
        outDim = c.moe!.hyper.expertEmbeddingDim
        func u(_ fanIn: Int) -> ParameterInit { .uniform(bound: 1 / Float(fanIn).squareRoot()) }
        k1 = params.add("\(name).dw1.weight", [2, 5, 5], u(25), decay: true); b1 = params.add("\(name).dw1.bias", [2], u(25))
        k2 = params.add("\(name).pw2.weight", [2, mid], u(2), decay: true); b2 = params.add("\(name).pw2.bias", [mid], u(2))
        k4 = params.add("\(name).dw4.weight", [mid, 3, 3], u(9), decay: true); b4 = params.add("\(name).dw4.bias", [mid], u(9))
        k5 = params.add("\(name).pw5.weight", [mid, outDim], u(mid), decay: true)
        b5 = params.add("\(name).pw5.bias", [outDim], u(mid))
        let geometry = g, midWidth = mid, out = outDim
        var built: [Int: [Cache]] = [:]
        for b in blocks { built[b] = (0..<c.moe!.experts).map { _ in Cache(geometry, mid: midWidth, out: out) } }
        caches = built
        d5 = FloatBuffer(count: g.h4 * g.w4 * outDim); d4 = FloatBuffer(count: g.h4 * g.w4 * mid)
        d3 = FloatBuffer(count: g.h3 * g.w3 * mid); d2 = FloatBuffer(count: g.h1 * g.w1 * mid)
        d1 = FloatBuffer(count: g.h1 * g.w1 * 2)
    }

    /// Pixel (y, x) of channel c of expert weights: c0 = W1ᵀ (W1 stored h×f), c1 = W2 (stored f×h).
    @inline(__always)
    private func pixel(_ w1: UnsafePointer<Float>, _ w2: UnsafePointer<Float>, c: Int, y: Int, x: Int) -> Float {
        c == 0 ? w1[x * g.f + y] : w2[y * g.h + x]
    }

    /// out [N×t'] = embedding of each expert of MoE block `block`.
    func forward(out: UnsafeMutablePointer<Float>, experts: [FFNWeights], block: Int, _ p: ParameterSet) {
        let caches = self.caches[block]!
        let K1 = p.value(k1), B1 = p.value(b1), K4 = p.value(k4), B4 = p.value(b4)
        for (e, ffn) in experts.enumerated() {
            let c = caches[e], w1 = UnsafePointer(p.value(ffn.w1)), w2 = UnsafePointer(p.value(ffn.w2))
            for y in 0..<g.h1 { for x in 0..<g.w1 { for ch in 0..<2 {
                var s = B1[ch]
                for dy in 0..<5 { for dx in 0..<5 {
                    s += K1[ch * 25 + dy * 5 + dx] * pixel(w1, w2, c: ch, y: 5 * y + dy, x: 5 * x + dx)
                } }
                c.a1[(y * g.w1 + x) * 2 + ch] = max(s, 0)
            } } }
            let n1 = g.h1 * g.w1
            Linear.forward(out: c.a2.pointer, inp: c.a1.pointer, weight: p.value(k2), bias: p.value(b2), rows: n1,
                           inDim: 2, outDim: mid)
            Activation.relu.forward(out: c.a2.pointer, inp: c.a2.pointer, count: n1 * mid)
            let inv = 1 / Float(g.ph * g.pw)
            for y in 0..<g.h3 { for x in 0..<g.w3 {
                let o = c.a3.pointer + (y * g.w3 + x) * mid
                o.update(repeating: 0, count: mid)
                for dy in 0..<g.ph { for dx in 0..<g.pw {
                    let src = c.a2.pointer + ((y * g.ph + dy) * g.w1 + x * g.pw + dx) * mid
                    for ch in 0..<mid { o[ch] += src[ch] * inv }
                } }
            } }
            for y in 0..<g.h4 { for x in 0..<g.w4 { for ch in 0..<mid {
                var s = B4[ch]
                for dy in 0..<3 { for dx in 0..<3 {
                    s += K4[ch * 9 + dy * 3 + dx] * c.a3[((3 * y + dy) * g.w3 + 3 * x + dx) * mid + ch]
                } }
                c.a4[(y * g.w4 + x) * mid + ch] = max(s, 0)
            } } }
            let n4 = g.h4 * g.w4
            Linear.forward(out: c.a5.pointer, inp: c.a4.pointer, weight: p.value(k5), bias: p.value(b5), rows: n4,
                           inDim: mid, outDim: outDim)
            let o = out + e * outDim
            o.update(repeating: 0, count: outDim)
            for i in 0..<n4 { for j in 0..<outDim { o[j] += c.a5[i * outDim + j] / Float(n4) } }
        }
    }

    /// ds [N×t'] → conv-net parameter gradients (the expert weights get none: stop-gradient).
    func backward(ds: UnsafePointer<Float>, experts: [FFNWeights], block: Int, _ p: ParameterSet) {
        let caches = self.caches[block]!
        let K4 = p.value(k4), dK1 = p.grad(k1), dB1 = p.grad(b1), dK4 = p.grad(k4), dB4 = p.grad(b4)
        let n4 = g.h4 * g.w4, n1 = g.h1 * g.w1
        for (e, ffn) in experts.enumerated() {
            let c = caches[e], w1 = UnsafePointer(p.value(ffn.w1)), w2 = UnsafePointer(p.value(ffn.w2))
            for i in 0..<n4 { for j in 0..<outDim { d5[i * outDim + j] = ds[e * outDim + j] / Float(n4) } }
            d4.zero()
            Linear.backward(dinp: d4.pointer, dweight: p.grad(k5), dbias: p.grad(b5), dout: d5.pointer,
                            inp: c.a4.pointer, weight: p.value(k5), rows: n4, inDim: mid, outDim: outDim)
            for i in 0..<(n4 * mid) where c.a4[i] <= 0 { d4[i] = 0 }
            d3.zero()
            for y in 0..<g.h4 { for x in 0..<g.w4 { for ch in 0..<mid {
                let d = d4[(y * g.w4 + x) * mid + ch]
                if d == 0 { continue }
                dB4[ch] += d
                for dy in 0..<3 { for dx in 0..<3 {
                    let idx = ((3 * y + dy) * g.w3 + 3 * x + dx) * mid + ch
                    dK4[ch * 9 + dy * 3 + dx] += d * c.a3[idx]
                    d3[idx] += d * K4[ch * 9 + dy * 3 + dx]
                } }
            } } }
            d2.zero()
            let inv = 1 / Float(g.ph * g.pw)
            for y in 0..<g.h3 { for x in 0..<g.w3 {
                let src = d3.pointer + (y * g.w3 + x) * mid
                for dy in 0..<g.ph { for dx in 0..<g.pw {
                    let dst = d2.pointer + ((y * g.ph + dy) * g.w1 + x * g.pw + dx) * mid
                    for ch in 0..<mid { dst[ch] = src[ch] * inv }
                } }
            } }
            for i in 0..<(n1 * mid) where c.a2[i] <= 0 { d2[i] = 0 }
            d1.zero()
            Linear.backward(dinp: d1.pointer, dweight: p.grad(k2), dbias: p.grad(b2), dout: d2.pointer,
                            inp: c.a1.pointer, weight: p.value(k2), rows: n1, inDim: 2, outDim: mid)
            for y in 0..<g.h1 { for x in 0..<g.w1 { for ch in 0..<2 {
                let i = (y * g.w1 + x) * 2 + ch
                guard c.a1[i] > 0 else { continue }
                let d = d1[i]
                dB1[ch] += d
                for dy in 0..<5 { for dx in 0..<5 {
                    dK1[ch * 25 + dy * 5 + dx] += d * pixel(w1, w2, c: ch, y: 5 * y + dy, x: 5 * x + dx)
                } }
            } } }
        }
    }
}

extension ConvExpertEmbedding {
    /// ReLU signs of the last forward of `block` (see `MoELayer.kinkSignature`).
    func signs(block: Int) -> [Bool] {
        caches[block]!.flatMap { c in [c.a1, c.a2, c.a4].flatMap { b in (0..<b.count).map { b[$0] > 0 } } }
    }
}
