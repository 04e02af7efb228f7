import Kernels
import Model
import XCTest

/// Finite-difference checks of every encoder-only variant, head and router (see `FiniteDifference`).
final class GradientCheckTests: XCTestCase {
    func check(_ config: ModelConfig, amplify: Bool = false, amplifyStd: Float = 0.05, randomizeRouter: Bool = false, tolerance: Double = 1e-3,
               file: StaticString = #filePath, line: UInt = #line) {
        let model = Transformer(config: config, maxBatch: 2, maxLength: 8, seed: 11)
        if amplify { Tiny.amplifyHypernet(model.params, std: amplifyStd) }
        if randomizeRouter { Tiny.randomizeRouters(model.params) }
        FiniteDifference.check(model, batch: Tiny.batch(for: config), label: "\(config.variant)", tolerance: tolerance,
                               file: file, line: line)
    }

    func testDenseClassification() { check(Tiny.config(.dense)) }
    func testDenseRegressionPreNorm() { check(Tiny.config(.dense, head: .regression, preNorm: true)) }
    func testDenseCausalLM() { check(Tiny.config(.dense, head: .causalLM, preNorm: true, causal: true)) }
    func testDenseMaskedLM() { check(Tiny.config(.dense, head: .maskedLM)) }
    func testMoEMaskedLMEveryOtherLayer() { check(Tiny.config(.moe, head: .maskedLM, every: 2)) }
    func testMoESpan() { check(Tiny.config(.moe, head: .span)) }
    func testMoE() { check(Tiny.config(.moe)) }
    func testMoEEveryOtherLayer() { check(Tiny.config(.moe, every: 2)) }
    func testMoEShare() { check(Tiny.config(.moeShare)) }
    func testHyperMoE() { check(Tiny.config(.hypermoe), amplify: true) }
    func testHyperMoESelected() { check(Tiny.config(.hypermoeSelected), amplify: true) }
    func testHyperMoEHidden() { check(Tiny.config(.hypermoeHidden), amplify: true) }
    func testHyperMoEWeights() { check(Tiny.config(.hypermoeWeights), amplify: true) }
    func testHyperMoEPerToken() {
        var c = Tiny.config(.hypermoe)
        c.moe!.hyper.path = .perToken
        check(c, amplify: true)
    }
    func testHyperMoESumPoolingLM() {
        var c = Tiny.config(.hypermoe, head: .causalLM, preNorm: true, causal: true)
        c.moe!.hyper.pooling = .sum
        // Sum pooling makes the κ inputs ~√(N−1)× larger; float32 noise of the LM loss then reaches ~4e-3.
        check(c, amplify: true, tolerance: 5e-3)
    }
    func testNoisyTop2MoE() {
        var c = Tiny.config(.moe)
        c.moe!.router = .noisyTopK; c.moe!.topK = 2
        check(c, randomizeRouter: true)
    }
    func testNoisyTop2HyperMoE() {
        var c = Tiny.config(.hypermoe)
        c.moe!.router = .noisyTopK; c.moe!.topK = 2
        check(c, amplify: true, amplifyStd: 0.1, randomizeRouter: true)
    }
    func testHyperMoECapacityDropping() {
        var c = Tiny.config(.hypermoe)
        c.moe!.capacityFactor = 0.5
        check(c, amplify: true)
    }
}
