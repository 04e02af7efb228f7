import ArgumentParser
import Foundation
import Kernels
import Model

/// `hmpipe bench-generation`: encoder–decoder generation speed, cached vs recomputed, MoE vs HyperMoE.
struct BenchGenerationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-generation",
        abstract: "Measure summarization-style generation tokens/s with and without the key/value cache.",
        discussion: """
        Prints one JSON object per (variant, beam, cache) line, then a summary with cached/recomputed speed-ups
        and HyperMoE/MoE ratios. Size: h 256, 4 heads, f 1024, vocab 8192, 4 encoder + 4 decoder layers, MoE every
        other block, 8 experts; batch 8, 128-token sources, 60 output tokens (EOS forbidden until then).
        'gflops' counts the cached decoder's matmul work, so for the recomputed path it shows useful work only.
        """
    )

    @Option(help: "BLAS threads.") var threads = 2
    @Option(help: "Sources per batch.") var batch = 8
    @Option(help: "Output tokens per sequence.") var tokens = 60
    @Option(help: "Comma-separated beam widths.") var beams = "1,4"
    @Option(help: "Comma-separated variants.") var variants = "moe,hypermoe"
    @Flag(help: "Only the cached path (for profiling).") var cachedOnly = false

    func run() throws {
        Blas.setThreads(threads)
        let ceiling = SgemmCeiling.measure()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var speed: [String: Double] = [:]
        for name in variants.split(separator: ",").map(String.init) {
            guard let variant = Variant(rawValue: name) else { throw ValidationError("unknown variant '\(name)'") }
            for beam in beams.split(separator: ",").compactMap({ Int($0) }) {
                for cached in cachedOnly ? [true] : [true, false] {
                    let r = GenerationBenchmark.run(variant: variant, beam: beam, cached: cached, batch: batch,
                                                    outputTokens: tokens, sgemmGflops: ceiling)
                    speed["\(name)_beam\(beam)_\(cached ? "cached" : "recomputed")"] = r.tokensPerSecond
                    print(String(decoding: try encoder.encode(r), as: UTF8.self))
                }
            }
        }
        var summary: [String: Double] = ["sgemm_gflops": ceiling, "threads": Double(threads)]
        for (key, cached) in speed where key.hasSuffix("_cached") {
            let stem = String(key.dropLast("_cached".count))
            if let slow = speed[stem + "_recomputed"] { summary[stem + "_cache_speedup"] = cached / slow }
            if stem.hasPrefix("hypermoe_"), let moe = speed["moe_" + stem.dropFirst("hypermoe_".count) + "_cached"] {
                summary[stem + "_over_moe"] = cached / moe
            }
        }
        print(String(decoding: try encoder.encode(["summary": summary]), as: UTF8.self))
    }
}
