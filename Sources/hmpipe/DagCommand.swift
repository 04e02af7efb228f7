import ArgumentParser
import Foundation
import Pipeline
import Stages

struct DagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag",
        abstract: "Print the expanded stage graph of a spec (text, or Graphviz with --dot).")

    @Argument(help: "Experiment spec file.")
    var spec: String
    @Option(name: .long, help: "Profile to expand.")
    var profile: String = "default"
    @Flag(name: .long, help: "Graphviz DOT output.")
    var dot = false

    func run() throws {
        let graph = try reportingSpecErrors {
            try StageGraph.build(try ExperimentSpec.load(URL(fileURLWithPath: spec)), profile: profile, registry: .builtIn)
        }
        print(dot ? graph.dot() : graph.text())
    }
}
