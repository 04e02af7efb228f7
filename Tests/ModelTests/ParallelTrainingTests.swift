import Kernels
import XCTest
import Model

/// Training above the parallel grain, where every split the engine makes is taken (matmul blocks, residual copies
/// and fills, dropout's multiply, bias broadcast and column sums, embedding scatter by dimension, the MoE
/// gather/scatter, AdamW over the arena). A fixed thread count must give the same weights on every run (a race
/// would not); one and two threads differ only in rounding (LayerNorm's backward sums per-thread partials).
final class ParallelTrainingTests: XCTestCase {
    override func tearDown() { Blas.setThreads(2) }

    private func weightsAfterTwoSteps(_ c: ModelConfig, threads: Int) throws -> ([Float], Float) {
        Blas.setThreads(threads)
        let batch = 8, length = 64   // 512 tokens × width 128: two parallel grains per activation
        let model = Transformer(config: c, maxBatch: batch, maxLength: length, seed: 11)
        let trainer = Trainer(model: model, schedule: LearningRateSchedule(peak: 1e-3, totalSteps: 10))
        let data = EngineBenchmark.syntheticBatch(c, batch: batch, length: length, seed: 12)
        try trainer.train(data)
        try trainer.train(data)
        return (model.params.values.array, trainer.lastGradNorm)
    }

    func testTwoStepsAreReproducibleAtTwoThreadsAndAgreeWithOneThread() throws {
        var noisyTop2 = EngineBenchmark.config(.small, .moe)
        noisyTop2.moe?.router = .noisyTopK; noisyTop2.moe?.topK = 2   // two assignments meet in one token
        for (name, c) in [("moe", EngineBenchmark.config(.small, .moe)),
                          ("hypermoe", EngineBenchmark.config(.small, .hypermoe)),
                          ("moe noisy top-2", noisyTop2)] {
            let first = try weightsAfterTwoSteps(c, threads: 2), second = try weightsAfterTwoSteps(c, threads: 2)
            XCTAssertEqual(first.1, second.1, "\(name): gradient norm")
            XCTAssertTrue(first.0 == second.0, "\(name): two runs at two threads differ")
            let one = try weightsAfterTwoSteps(c, threads: 1)
            XCTAssertEqual(one.1, first.1, accuracy: 1e-5 * first.1, name)
            let worst = zip(one.0, first.0).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-5, "\(name): one and two threads differ by more than rounding")
            XCTAssertGreaterThan(first.1, 0, name)
        }
    }
}
