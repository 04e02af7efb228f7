import ArgumentParser
import Foundation
import Pipeline
import Stages

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per spec: cells done / stale / pending / failed, and why stages are stale.")

    @Argument(help: "Experiment spec files.")
    var specs: [String]
    @OptionGroup var workspace: WorkspaceOption
    @Option(name: .long, help: "Profile to inspect.")
    var profile: String = "default"
    @OptionGroup var overrides: OverrideOption

    func run() throws {
        let ws = Workspace(workspace.url)
        let state = try Runner.openState(ws)
        let hasher = FileHasher(state: state)
        for path in specs {
            let (loaded, profile) = try overrides.load(path, profile: self.profile)
            let graph = try reportingSpecErrors { try StageGraph.build(loaded, profile: profile, registry: .builtIn, hashFile: hasher.hash) }
            let status = try SpecStatus.compute(graph: graph, state: state, store: ArtifactStore(workspace: ws))
            let states = SpecStatus.State.allCases
            let cells = states.map { "\(status.count($0)) \($0.rawValue)" }.joined(separator: ", ")
            let stages = states.map { "\(status.count($0, cells: false)) \($0.rawValue)" }.joined(separator: ", ")
            print("\(graph.spec) [\(graph.profile)]: \(graph.cells.count) cells: \(cells)")
            print("  \(graph.nodes.count) stages: \(stages)")
            for (name, reason) in status.reasons.sorted(by: { $0.key < $1.key }) { print("  \(name): \(reason)") }
            for (name, job) in status.slurmJobs.sorted(by: { $0.key < $1.key }) { print("  \(name): slurm job \(job) submitted") }
        }
    }
}
