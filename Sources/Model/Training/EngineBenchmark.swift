import Foundation
import Kernels

/// Throughput of one variant at a fixed configuration, as ratios to the machine's sgemm ceiling.
public struct EngineBenchmark {
    public struct Result: Codable, Sendable {
        public var variant: String
        public var preset: String
        public var threads: Int
        public var trainTokensPerSecond: Double
        public var evalTokensPerSecond: Double
        /// Median process CPU seconds per step: at one thread a figure that other processes' load barely moves.
        public var trainCPUSeconds: Double
        public var evalCPUSeconds: Double
        /// Median CPU seconds of the calling thread per step. The calling thread runs every serial part and its
        /// share of each parallel one, so (one-thread CPU) / (this at n threads) bounds the n-thread speed-up on an
        /// idle machine, even when measured on a busy one.
        public var trainMainThreadCPUSeconds: Double
        public var evalMainThreadCPUSeconds: Double
        public var trainGflops: Double
        public var evalGflops: Double
        public var sgemmGflops: Double
        public var trainMFU: Double
        public var evalMFU: Double
        public var flopsPerTokenForward: Double
        public var parameters: Int
        public var peakRSSMegabytes: Double
    }

    /// Model sizes the benchmark knows. `reference` is issue 14's configuration; `small` is where framework
    /// overhead dominates; `minilm` is the size the tables train (MiniLM-L6 upcycled to 8 experts).
    public enum Preset: String, CaseIterable, Sendable {
        case reference, small, minilm
        /// Default sequence length for the preset.
        public var length: Int { self == .small ? 64 : 128 }
    }

    /// The reference configuration: BERT-style encoder, vocab 8192, h 256, 4 heads, 4 layers,
    /// f 1024, MoE every other layer, 8 experts, top-1, HyperMoE t = 64, b = 16.
    public static func referenceConfig(_ variant: Variant, perToken: Bool = false) -> ModelConfig {
        config(.reference, variant, perToken: perToken)
    }

    /// `small`: h 128, 2 heads, 2 layers, f 512; `minilm`: vocab 30522, h 384, 12 heads, 6 layers, f 1536.
    public static func config(_ preset: Preset, _ variant: Variant, perToken: Bool = false) -> ModelConfig {
        var c = ModelConfig()
        c.vocabSize = 8192; c.maxPositions = 128; c.width = 256; c.heads = 4; c.layers = 4; c.ffnWidth = 1024
        switch preset {
        case .reference: break
        case .small: c.width = 128; c.heads = 2; c.layers = 2; c.ffnWidth = 512
        case .minilm: c.vocabSize = 30522; c.width = 384; c.heads = 12; c.layers = 6; c.ffnWidth = 1536
        }
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

    /// Median wall and process-CPU seconds of `steps` timed steps after one warm-up (first touch of the buffers).
    static func medianSeconds(steps: Int, _ body: () throws -> Void) rethrows
        -> (wall: Double, cpu: Double, mainCPU: Double) {
        func cpuNow(_ clock: clockid_t = CLOCK_PROCESS_CPUTIME_ID) -> Double {
            var t = timespec()
            clock_gettime(clock, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        func median(_ x: [Double]) -> Double {
            let s = x.sorted(), n = s.count
            return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
        }
        try body()
        var wall: [Double] = [], cpu: [Double] = [], main: [Double] = []
        for _ in 0..<max(1, steps) {
            let start = Date(), cpuStart = cpuNow(), mainStart = cpuNow(CLOCK_THREAD_CPUTIME_ID)
            try body()
            wall.append(Date().timeIntervalSince(start))
            cpu.append(cpuNow() - cpuStart)
            main.append(cpuNow(CLOCK_THREAD_CPUTIME_ID) - mainStart)
        }
        return (median(wall), median(cpu), median(main))
    }

    /// Random token ids and alternating binary labels: what the benchmark (and the engine's thread tests) train on.
    public static func syntheticBatch(_ c: ModelConfig, batch: Int, length: Int, seed: UInt64) -> ModelBatch {
        var rng = Rng(seed: seed)
        let ids = (0..<(batch * length)).map { _ in Int32(rng.int(below: c.vocabSize)) }
        return ModelBatch(batch: batch, length: length, ids: ids, labels: .classes((0..<batch).map { Int32($0 % 2) }))
    }

    public static func run(variant: Variant, perToken: Bool = false, preset: Preset = .reference, batch: Int = 32,
                           length: Int? = nil, steps: Int = 4, sgemmGflops: Double) throws -> Result {
        let c = config(preset, variant, perToken: perToken)
        let length = length ?? preset.length
        let model = Transformer(config: c, maxBatch: batch, maxLength: length, seed: 1)
        let trainer = Trainer(model: model, schedule: LearningRateSchedule(peak: 1e-4, totalSteps: 1000))
        let data = syntheticBatch(c, batch: batch, length: length, seed: 2)
        let (trainSeconds, trainCPU, trainMain) = try medianSeconds(steps: steps) { try trainer.train(data) }
        let (evalSeconds, evalCPU, evalMain) = medianSeconds(steps: steps) { _ = trainer.evaluate(data) }
        let tokens = Double(batch * length)
        let fwd = forwardFlopsPerToken(c, length: length, batch: batch)
        let trainG = 3 * fwd * tokens / trainSeconds / 1e9, evalG = fwd * tokens / evalSeconds / 1e9
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let name = perToken ? "\(variant.rawValue)-naive" : variant.rawValue
        return Result(variant: name, preset: preset.rawValue, threads: Blas.threads,
                      trainTokensPerSecond: tokens / trainSeconds, evalTokensPerSecond: tokens / evalSeconds,
                      trainCPUSeconds: trainCPU, evalCPUSeconds: evalCPU,
                      trainMainThreadCPUSeconds: trainMain, evalMainThreadCPUSeconds: evalMain,
                      trainGflops: trainG, evalGflops: evalG, sgemmGflops: sgemmGflops,
                      trainMFU: trainG / sgemmGflops, evalMFU: evalG / sgemmGflops, flopsPerTokenForward: fwd,
                      parameters: model.parameterCount, peakRSSMegabytes: Double(usage.ru_maxrss) / 1024)
    }
}
