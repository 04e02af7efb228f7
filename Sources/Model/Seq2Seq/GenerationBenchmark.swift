import Foundation
import Kernels

/// Generation throughput of the encoder–decoder, with and without the key/value cache, at a fixed size:
/// the engine benchmark's reference width (h 256, 4 heads, f 1024, vocab 8192), 4 + 4 layers, MoE every other
/// block, 8 experts; sources of 128 tokens; exactly `outputTokens` tokens per hypothesis (EOS is forbidden
/// until then, so every configuration does the same work).
public enum GenerationBenchmark {
    public struct Result: Codable, Sendable {
        public var variant: String
        public var beam: Int
        public var batch: Int
        public var outputTokens: Int
        public var cached: Bool
        public var seconds: Double
        /// Output tokens per second, counting one sequence per source (not per beam).
        public var tokensPerSecond: Double
        /// Matmul GFLOP/s of the cached decoder steps (hypotheses × per-token decoder + logits FLOPs) / ceiling.
        public var gflops: Double
        public var sgemmGflops: Double
        public var fractionOfCeiling: Double
    }

    public static func referenceConfig(_ variant: Variant) -> Seq2SeqConfig {
        var c = EngineBenchmark.referenceConfig(variant)
        c.head = .causalLM; c.dropout = 0
        return Seq2SeqConfig(model: c, decoderLayers: 4, maxTargetPositions: 64)
    }

    /// Decoder FLOPs per generated token per hypothesis at step t (cached): projections, attention over t
    /// cached keys and Ls source keys, FFN or expert, HyperExpert, logits.
    static func decoderFlopsPerToken(_ c: Seq2SeqConfig, step t: Int, sourceLength: Int) -> Double {
        let d = c.decoder, h = Double(d.width), f = Double(d.ffnWidth)
        var total = 2 * h * Double(d.vocabSize)
        for block in 0..<d.layers {
            total += 8 * h * h + 4 * Double(t + 1) * h          // self-attention
            total += 4 * h * h + 4 * Double(sourceLength) * h   // cross-attention (keys/values cached)
            total += 4 * h * f
            if d.isMoE(block: block), let m = d.moe, m.variant.hasHyperExpert { total += 4 * h * Double(m.hyper.adapterDim) }
        }
        return total
    }

    public static func run(variant: Variant, beam: Int, cached: Bool, batch: Int = 8, sourceLength: Int = 128,
                           outputTokens: Int = 60, sgemmGflops: Double) -> Result {
        let config = referenceConfig(variant)
        let model = Seq2SeqTransformer(config: config, maxBatch: batch * beam, maxSourceLength: sourceLength,
                                       maxTargetLength: outputTokens, seed: 1)
        var rng = Rng(seed: 2)
        let sources = (0..<batch).map { _ in (0..<sourceLength).map { _ in Int32(3 + rng.int(below: config.model.vocabSize - 3)) } }
        var o = GenerationOptions(bos: 1, eos: 2)
        o.beamWidth = beam; o.maxLength = outputTokens; o.minLength = outputTokens; o.useCache = cached
        var warm = o
        warm.maxLength = 2; warm.minLength = 2
        _ = model.generate(source: sources, options: warm)   // first touch of buffers
        let start = Date()
        _ = model.generate(source: sources, options: o)
        let seconds = Date().timeIntervalSince(start)
        let flops = (0..<outputTokens).reduce(0.0) { $0 + decoderFlopsPerToken(config, step: $1, sourceLength: sourceLength) }
            * Double(batch * beam)
        let gflops = flops / seconds / 1e9
        return Result(variant: variant.rawValue, beam: beam, batch: batch, outputTokens: outputTokens, cached: cached,
                      seconds: seconds, tokensPerSecond: Double(batch * outputTokens) / seconds, gflops: gflops,
                      sgemmGflops: sgemmGflops, fractionOfCeiling: gflops / sgemmGflops)
    }
}
