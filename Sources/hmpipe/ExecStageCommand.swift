import ArgumentParser
import Foundation
import Pipeline
import Stages

struct ExecStageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec-stage",
        abstract: "Run one planned stage by key (what a cluster executor submits).")

    @Argument(help: "Stage key (or a unique prefix of at least 6 characters).")
    var key: String
    @OptionGroup var workspace: WorkspaceOption
    @Option(name: .long, help: "Threads for the stage (default: all cores).")
    var threads: Int?
    @Flag(name: .long, help: "Run it even if it is done (what `hmpipe run --force` asks a cluster job to do).")
    var force = false

    func run() throws {
        let cancellation = CancellationFlag()
        SignalTrap.install(cancellation)
        let outcome = try ExecStage.run(key: key, workspace: workspace.url, registry: .builtIn, threads: threads, force: force, cancellation: cancellation)
        print("\(key): \(outcome)")
        switch outcome {
        case .executed, .cached: return
        case .interrupted: throw ExitCode(130)
        case .held: throw ExitCode(75)   // EX_TEMPFAIL: another process owns it; try later
        default: throw ExitCode(1)
        }
    }
}
