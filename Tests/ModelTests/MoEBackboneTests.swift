import Foundation
import Kernels
import Model
import XCTest

/// The pieces of the Switch-base stand-in: summed auxiliary losses, a router that gets task gradient, the
/// upcycling variants, the masked-LM head's bookkeeping and loading a pre-trained backbone into a fine-tune.
final class MoEBackboneTests: XCTestCase {
    func testAuxiliaryLossesAreSummedOverLayers() {
        var c = Tiny.config(.moe, every: 1)   // 2 MoE layers
        c.moe!.balanceCoef = 0.01; c.moe!.zLossCoef = 0.001
        let model = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 1)
        let report = model.forward(Tiny.batch(for: c), training: false)
        let layers = model.layerAuxiliaryLosses
        XCTAssertEqual(layers.count, 2)
        let balance = layers.map { $0.balance }.reduce(0, +), z = layers.map { $0.z }.reduce(0, +)
        XCTAssertGreaterThan(balance, 1.5, "each layer's balance loss is ≥ 1, so the sum of two is ≥ 2")
        XCTAssertEqual(report.balance, 0.01 * balance, accuracy: 1e-6, "summed, not averaged (the average would be half)")
        XCTAssertEqual(report.zLoss, 0.001 * z, accuracy: 1e-7)
    }

    /// The Switch router's gate is the router probability, so the task loss reaches the router; the paper's
    /// GPT-2 recipe (noisy top-1, gate ≡ 1) gives it none — the degenerate fine-tune the backbone issue found.
    func testSwitchRouterReceivesTaskGradientAndNoisyTop1DoesNot() {
        func routerGradient(_ router: RouterKind) -> Float {
            var c = Tiny.config(.moe, every: 1)
            c.moe!.router = router; c.moe!.balanceCoef = 0; c.moe!.zLossCoef = 0; c.dropout = 0
            let model = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 3)
            Tiny.randomizeRouters(model.params)
            model.forward(Tiny.batch(for: c), training: true)
            var sum: Float = 0
            for ref in model.params.refs where ref.name.hasSuffix(".router") || ref.name.hasSuffix(".gate") {
                let g = model.params.grad(ref)
                for i in 0..<ref.count { sum += abs(g[i]) }
            }
            return sum
        }
        XCTAssertGreaterThan(routerGradient(.switchTop1), 1e-4)
        XCTAssertEqual(routerGradient(.noisyTopK), 0, "k = 1: softmax over one logit, gate ≡ 1")
    }

    func similarity(_ variant: UpcyclingVariant, scale: Float) -> [Double] {
        var c = Tiny.config(.moe, experts: 4, every: 2)
        c.ffnWidth = 64
        let model = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 5)
        // Start from copies, as loading a dense FFN does.
        for ref in model.params.refs where ref.name.contains(".moe.expert.") && !ref.name.contains(".expert.0.") {
            let source = model.params.ref(named: ref.name.replacingOccurrences(of: #"\.expert\.\d+\."#, with: ".expert.0.",
                                                                               options: .regularExpression))!
            model.params.value(ref).update(from: model.params.value(source), count: ref.count)
        }
        model.diversifyExperts(variant, scale: scale, seed: 9)
        return model.expertSimilarity
    }

    func testUpcyclingVariantsSetHowAlikeTheExpertsStart() {
        XCTAssertEqual(similarity(.copies, scale: 0.5)[0], 1, accuracy: 1e-9)
        XCTAssertGreaterThan(similarity(.noise, scale: 0.05)[0], 0.99)
        XCTAssertLessThan(similarity(.noise, scale: 0.05)[0], 0.999)
        // Drop-Upcycling at r: two experts share the (1 − r)² neurons both kept; re-drawn ones are uncorrelated.
        XCTAssertEqual(similarity(.drop, scale: 0.5)[0], 0.25, accuracy: 0.12)
        XCTAssertEqual(similarity(.drop, scale: 0)[0], 1, accuracy: 1e-9)
        XCTAssertEqual(similarity(.drop, scale: 1)[0], 0, accuracy: 0.15)
    }

    func testDropUpcyclingReinitialisesExactlyTheChosenShareOfNeurons() {
        var c = Tiny.config(.moe, experts: 2, every: 1)
        c.ffnWidth = 40
        let model = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 5)
        let w2 = model.params.ref(named: "blocks.0.moe.expert.1.w2")!
        let before = Array(UnsafeBufferPointer(start: model.params.value(w2), count: w2.count))
        model.diversifyExperts(.drop, scale: 0.25, seed: 2)
        let after = Array(UnsafeBufferPointer(start: model.params.value(w2), count: w2.count))
        let h = c.width
        let changedRows = (0..<c.ffnWidth).filter { j in (0..<h).contains { before[j * h + $0] != after[j * h + $0] } }
        XCTAssertEqual(changedRows.count, 10, "r = 0.25 of 40 neurons")
    }

    func testFineTuneLoadsTheBackbonesExpertsAndRouter() throws {
        var c = Tiny.config(.moe, head: .maskedLM, every: 2)
        c.moe!.router = .switchTop1
        let backbone = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 1)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hm-backbone-\(UUID()).safetensors.zst")
        defer { try? FileManager.default.removeItem(at: url) }
        try backbone.saveWeights(to: url)

        for variant in [Variant.moe, .moeShare, .hypermoe] {
            var f = Tiny.config(variant, head: .classification(classes: 2), every: 2)
            f.moe!.router = .switchTop1
            let model = Transformer(config: f, maxBatch: 2, maxLength: 8, seed: 2)
            let copied = try model.load(moeBackbone: url)
            XCTAssertTrue(copied.contains("blocks.1.moe.router"), "\(variant)")
            XCTAssertFalse(copied.contains { $0.hasPrefix("mlm.") })
            for name in ["blocks.1.moe.expert.3.w1", "blocks.1.moe.router", "embeddings.word", "blocks.0.attn.wqkv"] {
                let a = model.params.ref(named: name)!, b = backbone.params.ref(named: name)!
                XCTAssertEqual(Array(UnsafeBufferPointer(start: model.params.value(a), count: a.count)),
                               Array(UnsafeBufferPointer(start: backbone.params.value(b), count: b.count)), "\(variant) \(name)")
            }
        }
        var other = Tiny.config(.moe, experts: 8, every: 2)
        other.moe!.router = .switchTop1
        XCTAssertThrowsError(try Transformer(config: other, maxBatch: 2, maxLength: 8, seed: 2).load(moeBackbone: url)) {
            XCTAssertTrue("\($0)".contains("other experts"), "\($0)")
        }
    }

    func testMaskedLMHeadScoresOnlyTheSelectedPositions() {
        let c = Tiny.config(.dense, head: .maskedLM)
        let model = Transformer(config: c, maxBatch: 2, maxLength: 8, seed: 4)
        let batch = Tiny.batch(for: c)
        guard case .maskedTokens(let y) = batch.labels else { return XCTFail() }
        model.forward(batch, training: false)
        XCTAssertEqual(model.maskedLMCounts.selected, y.filter { $0 >= 0 }.count)
        var none = batch
        none.labels = .maskedTokens([Int32](repeating: -1, count: y.count))
        XCTAssertEqual(model.forward(none, training: false).task, 0)
        XCTAssertEqual(model.maskedLMCounts.selected, 0)
    }
}
