import ArgumentParser
import Foundation
import Pipeline

struct BenchPipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-pipeline",
        abstract: "Measure no-op run and status over a cached 200-cell spec, and SHA-256 throughput (JSON lines).")

    @Option(name: .long, help: "Cells in the synthetic spec.")
    var cells: Int = 200
    @Option(name: .long, help: "Size of the hashed file in MB.")
    var megabytes: Int = 100

    func run() throws {
        try PipelineBench.run(cells: cells, hashMegabytes: megabytes)
    }
}
