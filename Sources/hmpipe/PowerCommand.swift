import ArgumentParser
import Foundation
import Pipeline
import Report
import Stages

/// `hmpipe power SPEC`: how many seeds each claim needs, and what they cost, from the runs recorded so far.
struct PowerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power",
        abstract: "Per claim of a spec: seeds (and test examples) needed to detect the paper's effect at 80 % power, and their cost in stage time.",
        discussion: """
        Uses the runs recorded in the workspace (run the spec with a few seeds first): the observed sd of each
        claim's per-seed differences, the paper's effect in the claim's direction, and each stage's recorded
        duration (started → finished) for the claim's cells. Stage time is serial; `-j 2` on 2 cores roughly
        halves the wall clock when enough stages are independent. Where the evaluate stages wrote per-example
        scores, each claim also gets the test-set sampling part of its uncertainty, and how many times today's
        test examples would detect the paper's effect at today's seed count. --from-results plans from an
        earlier report's per-seed values instead (no durations or per-example scores then).
        """
    )

    @Argument(help: "Experiment spec file.") var spec: String
    @OptionGroup var workspace: WorkspaceOption
    @Option(help: "Profile whose runs to plan from.") var profile = "default"
    @OptionGroup var overrides: OverrideOption
    @Option(help: "Target power.") var power = 0.8
    @Option(help: "Test level. Holm's strictest step tests the smallest p at alpha / (claims in the table): pass that to plan for it.")
    var alpha = 0.05
    @Option(help: "The paper's numbers.") var paperNumbers = "experiments/paper/hypermoe-paper-numbers.json"
    @Option(help: "Read per-seed values from this folder's SPEC.json reports instead of the workspace state.")
    var fromResults: String?

    func run() throws {
        guard power > 0.05, power < 1 else { throw ValidationError("--power must be between 0.05 and 1") }
        guard alpha > 0, alpha < 0.5 else { throw ValidationError("--alpha must be between 0 and 0.5") }
        let set = try ReportCommand.tables(specs: [spec], profile: profile, overrides: try overrides.overrides, paperNumbers: paperNumbers,
                                           workspace: workspace.url, fromResults: fromResults)
        guard let entry = set.entries.first(where: { $0.path == spec }) else {
            let why = set.skipped.first { $0.path == spec }?.why ?? "not reported"
            throw ValidationError("\(spec): \(why)")
        }
        var durations: [String: Double] = [:]
        var examples: ((String) -> EvaluateScores?)? = nil
        if fromResults == nil {
            let state = try Runner.openState(Workspace(workspace.url))
            examples = ReportCommand.examplesReader(state: state, workspace: workspace.url)
            let keys = Array(Set(entry.cells.flatMap { $0.stages.values.map(\.key) }))
            for (key, record) in try state.stages(keys) {
                if record.status == .done, let start = record.startedAt, let end = record.finishedAt, end > start {
                    durations[key] = end - start
                }
            }
        }
        print(PowerPlan.plan(entry, durations: durations, power: power, alpha: alpha, examples: examples).render(), terminator: "")
    }
}
