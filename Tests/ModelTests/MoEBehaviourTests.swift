import Kernels
import Model
import XCTest

/// The spec's checklist (§14): routing losses, grouped ≡ per-token HyperExpert, HyperMoE reduces to MoE.
final class MoEBehaviourTests: XCTestCase {
    func zeroRouters(_ m: Transformer) {
        for ref in m.params.refs where ref.name.hasSuffix(".router") { m.params.value(ref).update(repeating: 0, count: ref.count) }
    }

    func testSwitchBalanceLossIsOneUnderUniformRouterProbabilities() {
        let c = Tiny.config(.moe)
        let m = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 1)
        zeroRouters(m)
        let r = m.forward(Tiny.batch(for: c), training: false)
        // Per layer the balance loss is 1 at uniform probabilities; the report sums the 2 MoE layers.
        let layers = Float(c.moeBlockCount)
        XCTAssertEqual(layers, 2)
        XCTAssertEqual(r.balance / c.moe!.balanceCoef, layers, accuracy: 1e-6)
        // z-loss = mean over tokens of logsumexp(z)²; with z ≡ 0 that is (log N)² per layer.
        let lse = log(Float(c.moe!.experts))
        XCTAssertEqual(r.zLoss / c.moe!.zLossCoef, layers * lse * lse, accuracy: 1e-5)
    }

    func testGroupedAndPerTokenHyperExpertAgree() {
        for variant in [Variant.hypermoe, .hypermoeSelected, .hypermoeWeights] {
            var a = Tiny.config(variant), b = a
            a.moe!.hyper.path = .grouped
            b.moe!.hyper.path = .perToken
            a.dropout = 0; b.dropout = 0
            let ma = Transformer(config: a, maxBatch: 2, maxLength: 8, seed: 5)
            let mb = Transformer(config: b, maxBatch: 2, maxLength: 8, seed: 5)
            Tiny.amplifyHypernet(ma.params); Tiny.amplifyHypernet(mb.params)
            let batch = Tiny.batch(for: a)
            let ra = ma.forward(batch, training: true), rb = mb.forward(batch, training: true)
            XCTAssertEqual(ra.task, rb.task, accuracy: 1e-5 * abs(ra.task), "\(variant) loss")
            let ga = ma.params.grads.array, gb = mb.params.grads.array
            let scale = ga.map(abs).max()!
            let worst = zip(ga, gb).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(variant): grouped vs per-token gradients differ by \(worst)")
            let oa = ma.ffnOutput(block: 0), ob = mb.ffnOutput(block: 0)
            XCTAssertEqual(oa.count, ob.count)
        }
    }

    func testHyperMoEWithZeroedGeneratorEqualsMoEPlusGeneratedBias() {
        var hc = Tiny.config(.hypermoe), mc = Tiny.config(.moe)
        hc.dropout = 0; mc.dropout = 0
        let hyper = Transformer(config: hc, maxBatch: 2, maxLength: 8, seed: 2)
        let moe = Transformer(config: mc, maxBatch: 2, maxLength: 8, seed: 9)
        hyper.copyParameters(from: moe)
        let gamma: [Float] = (0..<hc.width).map { Float($0) * 0.01 - 0.05 }
        for ref in hyper.params.refs where ref.name.hasPrefix("hypernet.") {
            let p = hyper.params.value(ref)
            let isHead = ["down.", "up.", "down_bias.", "up_bias."].contains { ref.name.hasPrefix("hypernet." + $0) }
            guard isHead else { continue }
            if ref.name == "hypernet.up_bias.bias" { for i in 0..<ref.count { p[i] = gamma[i] } }
            else { p.update(repeating: 0, count: ref.count) }
        }
        let batch = Tiny.batch(for: hc)
        hyper.forward(batch, training: false)
        moe.forward(batch, training: false)
        let oh = hyper.ffnOutput(block: 0), om = moe.ffnOutput(block: 0)
        for t in 0..<(batch.batch * batch.length) where batch.mask[t] != 0 {
            for i in 0..<hc.width {
                XCTAssertEqual(oh[t * hc.width + i], om[t * hc.width + i] + gamma[i], accuracy: 1e-6)
            }
        }
    }

    func testHyperfaninInitMakesHyperExpertTiny() {
        var hc = ModelConfig()
        hc.vocabSize = 64; hc.width = 128; hc.heads = 4; hc.layers = 2; hc.ffnWidth = 512; hc.dropout = 0
        hc.moe = MoEConfig(); hc.moe!.variant = .hypermoe; hc.moe!.every = 1
        hc.moe!.hyper.adapterDim = 16
        var mc = hc
        mc.moe!.variant = .moe
        let hyper = Transformer(config: hc, maxBatch: 2, maxLength: 8, seed: 4)
        let moe = Transformer(config: mc, maxBatch: 2, maxLength: 8, seed: 4)
        hyper.copyParameters(from: moe)
        let batch = Tiny.batch(for: hc)
        hyper.forward(batch, training: false); moe.forward(batch, training: false)
        let oh = hyper.ffnOutput(block: 0), om = moe.ffnOutput(block: 0)
        // Spec §6.3: at step 0 D, U ≈ 1e-5 and Ê(x) ≈ γ ≈ 1e-4 per element, so HyperMoE starts ≈ MoE.
        let count = Float(oh.count)
        let rmsHyper = (zip(oh, om).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / count).squareRoot()
        let rmsExpert = (om.map { $0 * $0 }.reduce(0, +) / count).squareRoot()
        XCTAssertGreaterThan(rmsHyper, 1e-6)
        XCTAssertLessThan(rmsHyper, 1e-3, "rms of Ê = \(rmsHyper); hyperfanin should make it ~1e-4")
        XCTAssertLessThan(rmsHyper / rmsExpert, 0.05, "Ê is not small next to the expert output \(rmsExpert)")
    }

    func testCapacityDropsTokensButHyperExpertStillApplies() {
        var c = Tiny.config(.hypermoe)
        c.moe!.capacityFactor = 0.25   // C = ceil(0.25·6/4) = 1 token per expert per sequence
        c.dropout = 0
        let m = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 3)
        Tiny.amplifyHypernet(m.params)
        let batch = Tiny.batch(for: c)
        m.forward(batch, training: false)
        let loads = m.expertLoads[0]
        XCTAssertEqual(loads.reduce(0, +), 1, accuracy: 1e-5)
        let out = m.ffnOutput(block: 0)
        // Every real token gets a non-zero output (the HyperExpert), even the ones capacity dropped.
        for t in 0..<(batch.batch * batch.length) where batch.mask[t] != 0 {
            let norm = (0..<c.width).map { out[t * c.width + $0] * out[t * c.width + $0] }.reduce(0, +)
            XCTAssertGreaterThan(norm, 0)
        }
    }

    /// Capacity comes from each example's real tokens, not the padded batch length, so an example's eval output
    /// is the same alone as among longer batch-mates (before: C = ⌈f·L_padded/N⌉ kept more of a short example's
    /// tokens in a batch than alone).
    func testCapacityOutputIndependentOfBatchComposition() {
        var c = Tiny.config(.hypermoe)
        c.moe!.capacityFactor = 1.0
        c.dropout = 0
        let lengths = [3, 7, 10, 5]
        let L = lengths.max()!
        let m = Transformer(config: c, maxBatch: lengths.count, maxLength: L, seed: 5)
        Tiny.amplifyHypernet(m.params)
        var rng = Rng(seed: 11)
        let sequences = lengths.map { n in (0..<n).map { _ in Int32(1 + rng.int(below: c.vocabSize - 1)) } }
        func batch(_ rows: [[Int32]]) -> ModelBatch {
            let len = rows.map(\.count).max()!
            var ids = [Int32](), mask = [Float]()
            for r in rows { ids += r + Array(repeating: 0, count: len - r.count); mask += r.map { _ in 1 } + Array(repeating: 0, count: len - r.count) }
            return ModelBatch(batch: rows.count, length: len, ids: ids, mask: mask, labels: .classes(rows.map { _ in 0 }))
        }
        m.forward(batch(sequences), training: false)
        let together = m.lastLogits
        for (i, s) in sequences.enumerated() {
            m.forward(batch([s]), training: false)
            let alone = m.lastLogits
            for j in 0..<3 {
                XCTAssertEqual(together[i * 3 + j], alone[j], accuracy: 1e-5, "example \(i) (\(s.count) tokens), logit \(j)")
            }
        }
    }

    func testEvalIsDeterministic() {
        let c = Tiny.config(.hypermoe)
        let m = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 3)
        let batch = Tiny.batch(for: c)
        let a = m.forward(batch, training: false).total, la = m.lastLogits
        m.forward(batch, training: true)
        let b = m.forward(batch, training: false).total
        XCTAssertEqual(a, b)
        XCTAssertEqual(la, m.lastLogits)
    }

    /// The parallel paths (attention's (sequence, head) blocks, HyperExpert groups) give the same numbers at one
    /// and two threads: each output is computed whole by one thread. (Tiny sizes: no matmul is split.)
    func testTrainingStepIsIdenticalAtOneAndTwoThreads() {
        defer { Blas.setThreads(2) }
        let c = Tiny.config(.hypermoe)
        let batch = Tiny.batch(for: c)
        func step(_ threads: Int) -> (Float, [Float]) {
            Blas.setThreads(threads)
            let m = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 5)
            Tiny.amplifyHypernet(m.params)
            Tiny.randomizeRouters(m.params)
            let loss = m.forward(batch, training: true).total
            return (loss, m.params.grads.array)
        }
        let one = step(1), two = step(2)
        XCTAssertEqual(one.0, two.0)
        XCTAssertEqual(one.1, two.1)
        XCTAssertGreaterThan(one.1.map(abs).max()!, 0)
    }
}
