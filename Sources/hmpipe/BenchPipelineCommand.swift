import ArgumentParser
import Foundation
import Pipeline
import Stages

struct BenchPipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-pipeline",
        abstract: "Measure no-op runs, status, a 100,000-cell dry run and SHA-256 throughput (JSON lines).")

    @Option(name: .long, help: "Cells in the synthetic spec.")
    var cells: Int = 200
    @Option(name: .customLong("large-cells"), help: "Cells in the dry-run spec.")
    var largeCells: Int = 100_000
    @Option(name: .long, help: "Size of the hashed file in MB.")
    var megabytes: Int = 100

    func run() throws {
        try PipelineBench.run(registry: .builtIn, cells: cells, largeCells: largeCells, hashMegabytes: megabytes)
    }
}
