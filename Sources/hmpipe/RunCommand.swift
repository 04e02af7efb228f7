import ArgumentParser
import Foundation
import Pipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Expand experiment specs and run every stage that is not cached.",
        discussion: """
        Resumes by default: stages already done are skipped, stages left running by a dead process are re-run.
        Exit status: 0 all done, 1 a stage failed, 2 invalid spec, 130 interrupted.
        """)

    @Argument(help: "Experiment spec files (experiments/*.json).")
    var specs: [String]
    @OptionGroup var workspace: WorkspaceOption
    @Option(name: [.customShort("j"), .long], help: "Stages run in parallel (default: number of cores).")
    var jobs: Int?
    @Option(name: .long, help: "Threads per stage (default: cores / jobs).")
    var threads: Int?
    @Option(name: .long, help: "Profile: smoke, default, paper, or one the spec defines.")
    var profile: String = "default"
    @Flag(name: [.customShort("n"), .long], help: "Print what would run, and why, without running anything.")
    var dryRun = false
    @Flag(name: [.customShort("k"), .long], help: "Keep running independent stages after a failure.")
    var keepGoing = false
    @Option(name: .long, help: "Re-run stages matching this glob even if cached (repeatable).")
    var force: [String] = []
    @Option(name: .long, help: "Run only stages matching this glob, plus what they need (repeatable).")
    var only: [String] = []

    func run() throws {
        var options = RunOptions(workspace: workspace.url)
        options.profile = profile
        options.jobs = jobs
        options.threads = threads
        options.dryRun = dryRun
        options.keepGoing = keepGoing
        options.force = force
        options.only = only
        let cancellation = CancellationFlag()
        if !dryRun { SignalTrap.install(cancellation) }
        let runner = Runner(options: options, cancellation: cancellation)
        let summary = try reportingSpecErrors { try runner.run(specs: specs.map { URL(fileURLWithPath: $0) }) }
        if dryRun {
            for item in summary.planned { print("would run  \(item.node.name)  \(item.node.shortKey)  (\(item.reason))") }
            print("\(summary.planned.count) stage(s) would run")
            return
        }
        let (j, t) = options.resolvedParallelism
        FileHandle.standardError.write(Data("""
            hmpipe: \(summary.executed.count) executed, \(summary.cached.count) cached, \(summary.failed.count) failed, \
            \(summary.skipped.count) skipped (jobs \(j), threads/stage \(t))\n
            """.utf8))
        for failure in summary.failed { FileHandle.standardError.write(Data("  failed: \(failure.name): \(failure.message)\n".utf8)) }
        if summary.interrupted { throw ExitCode(130) }
        if !summary.succeeded { throw ExitCode(1) }
    }
}
