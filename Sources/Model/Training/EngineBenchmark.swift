import Foundation
import Kernels

/// Throughput of one variant at a fixed configuration, as ratios to the machine's sgemm ceiling.
public struct EngineBenchmark {
    public struct Result: Codable, Sendable {
        public var variant: String
        public var trainTokensPerSecond: Double
        public var evalTokensPerSecond: Double
        public var trainGflops: Double
        public var evalGflops: Double
        public var sgemmGflops: Double
        public var trainMFU: Double
        public var evalMFU: Double
        public var flopsPerTokenForward: Double
        public var parameters: Int
        public var peakRSSMegabytes: Double
    }

    /// The reference configuration: BERT-style encoder, vocab 8192, h 256, 4 heads, 4 layers,
    /// f 1024, MoE every other layer, 8 experts, top-1, HyperMoE t = 64, b = 16.
    public static func referenceConfig(_ variant: Variant, perToken: Bool = false) -> ModelConfig {
        var c = ModelConfig()
        c.vocabSize = 8192; c.maxPositions = 128; c.width = 256; c.heads = 4; c.layers = 4; c.ffnWidth = 1024
        c.head = .classification(classes: 2)
        if variant == .dense { c.moe = nil } else {
            var m = MoEConfig()
            m.variant = variant; m.experts = 8; m.every = 2; m.topK = 1
            m.hyper.hypernetInput = 64; m.hyper.adapterDim = 16
            m.hyper.path = perToken ? .perToken : .grouped
            c.moe = m
        }
        return c
    }

    /// Matmul FLOPs of one forward per token (the quantity MFU is defined over; backward = 2× forward).
    public static func forwardFlopsPerToken(_ c: ModelConfig, length: Int, batch: Int) -> Double {
        let h = Double(c.width), f = Double(c.ffnWidth), L = Double(length)
        var total = 0.0
        for block in 0..<c.layers {
            total += 8 * h * h + 4 * L * h   // QKV + output projection + scores + weighted values
            guard c.isMoE(block: block), let m = c.moe else { total += 4 * h * f; continue }
            let n = Double(m.experts), k = Double(m.topK)
            total += 4 * h * f * k + 2 * h * n
            if m.variant == .moeShare { total += 4 * h * f }
            if m.variant.hasHyperExpert {
                let b = Double(m.hyper.adapterDim), r = Double(m.hyper.bottleneck)
                total += 4 * h * b   // applying the HyperExpert
                let generate = 2 * r * (2 * h * b + h + b)
                if m.hyper.path == .perToken || m.variant == .hypermoeHidden { total += generate }
                else { total += generate * n / (L * Double(batch)) }   // once per pattern per batch
            }
        }
        return total + 2 * h * 2
    }

    public static func run(variant: Variant, perToken: Bool = false, batch: Int = 32, length: Int = 128,
                           steps: Int = 4, sgemmGflops: Double) throws -> Result {
        let c = referenceConfig(variant, perToken: perToken)
        let model = Transformer(config: c, maxBatch: batch, maxLength: length, seed: 1)
        let trainer = Trainer(model: model, schedule: LearningRateSchedule(peak: 1e-4, totalSteps: 1000))
        var rng = Rng(seed: 2)
        let ids = (0..<(batch * length)).map { _ in Int32(rng.int(below: c.vocabSize)) }
        let data = ModelBatch(batch: batch, length: length, ids: ids,
                              labels: .classes((0..<batch).map { Int32($0 % 2) }))
        try trainer.train(data)   // warm-up (first-touch of buffers)
        var start = Date()
        for _ in 0..<steps { try trainer.train(data) }
        let trainSeconds = Date().timeIntervalSince(start) / Double(steps)
        trainer.evaluate(data)
        start = Date()
        for _ in 0..<steps { trainer.evaluate(data) }
        let evalSeconds = Date().timeIntervalSince(start) / Double(steps)
        let tokens = Double(batch * length)
        let fwd = forwardFlopsPerToken(c, length: length, batch: batch)
        let trainG = 3 * fwd * tokens / trainSeconds / 1e9, evalG = fwd * tokens / evalSeconds / 1e9
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let name = perToken ? "\(variant.rawValue)-naive" : variant.rawValue
        return Result(variant: name, trainTokensPerSecond: tokens / trainSeconds, evalTokensPerSecond: tokens / evalSeconds,
                      trainGflops: trainG, evalGflops: evalG, sgemmGflops: sgemmGflops,
                      trainMFU: trainG / sgemmGflops, evalMFU: evalG / sgemmGflops, flopsPerTokenForward: fwd,
                      parameters: model.parameterCount, peakRSSMegabytes: Double(usage.ru_maxrss) / 1024)
    }
}
