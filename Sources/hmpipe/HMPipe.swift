import ArgumentParser
import Kernels

/// The root command. Each subcommand is its own type in its own file (swift-argument-parser style).
@main
struct HMPipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hmpipe",
        abstract: "Reproduce the HyperMoE paper's experiments: cached, resumable pipelines on CPU.",
        discussion: """
        Typical use:
          hmpipe run experiments/table3.json      expand the grid, run what is not cached
          hmpipe report experiments/table3.json   Markdown tables beside the paper's numbers
        """,
        subcommands: HMPipe.allSubcommands
    )

    /// Before anything touches BLAS: leave OpenBLAS's generic kernels if it did not recognise the CPU.
    static func main() {
        BlasCore.reexecIfGeneric()
        main(nil)
    }
}
