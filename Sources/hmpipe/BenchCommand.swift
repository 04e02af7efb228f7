import ArgumentParser
import Foundation
import Kernels
import Model

/// `hmpipe bench`: engine throughput per variant at the reference configuration, one JSON object per line.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training/eval throughput of every variant against this machine's sgemm ceiling.",
        discussion: """
        Prints one JSON object per line: tokens/s, achieved GFLOP/s, the sgemm GFLOP/s measured in the same run,
        their ratio (MFU), peak RSS; then a summary line with HyperMoE/MoE throughput ratios.
        Reference config: encoder, vocab 8192, h 256, 4 heads, 4 layers, f 1024, MoE every other layer,
        8 experts, top-1, t 64, b 16, seq 128, batch 32.
        """
    )

    @Option(help: "BLAS threads (the reference figures use 2).") var threads = 2
    @Option(help: "Timed steps per variant (the median step time is reported).") var steps = 4
    @Option(help: "Batch size.") var batch = 32
    @Option(help: "Model size: reference (issue 14), small (h 128, 2 layers, f 512, seq 64), minilm (h 384, 6 layers).")
    var preset = "reference"
    @Option(help: "Sequence length (default: 128; 64 for the small preset).") var length: Int?
    @Option(help: "Comma-separated variants (dense, moe, moe-share, hypermoe, hypermoe-naive, …).")
    var variants = "dense,moe,moe-share,hypermoe,hypermoe-naive"

    func run() throws {
        guard let size = EngineBenchmark.Preset(rawValue: preset) else {
            throw ValidationError("unknown preset '\(preset)' (reference, small, minilm)")
        }
        Blas.setThreads(threads)
        let ceiling = SgemmCeiling.measure()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var results: [String: EngineBenchmark.Result] = [:]
        for name in variants.split(separator: ",").map(String.init) {
            let naive = name.hasSuffix("-naive")
            let base = naive ? String(name.dropLast("-naive".count)) : name
            guard let variant = Variant(rawValue: base) else { throw ValidationError("unknown variant '\(name)'") }
            let r = try EngineBenchmark.run(variant: variant, perToken: naive, preset: size, batch: batch,
                                            length: length, steps: steps,
                                            sgemmGflops: ceiling)
            results[name] = r
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
        }
        if let moe = results["moe"] {
            var summary: [String: Double] = ["sgemm_gflops": ceiling, "threads": Double(threads)]
            for (name, r) in results where name != "moe" {
                summary["\(name)_over_moe_train"] = r.trainTokensPerSecond / moe.trainTokensPerSecond
                summary["\(name)_over_moe_eval"] = r.evalTokensPerSecond / moe.evalTokensPerSecond
            }
            print(String(decoding: try encoder.encode(["summary": summary]), as: UTF8.self))
            print(#"{"elementwise_isa":"\#(FastMath.elementwiseISA)","blas_core":"\#(BlasCore.name)"}"#)
        }
    }
}
