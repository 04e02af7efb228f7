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
    @OptionGroup var overrides: OverrideOption
    @Flag(name: .long, help: "Graphviz DOT output.")
    var dot = false

    func run() throws {
        let (loaded, profile) = try overrides.load(spec, profile: profile)
        let graph = try reportingSpecErrors { try StageGraph.build(loaded, profile: profile, registry: .builtIn) }
        print(dot ? graph.dot() : graph.text())
    }
}
