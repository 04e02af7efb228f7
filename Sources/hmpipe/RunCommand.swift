import ArgumentParser
import Foundation
import Pipeline
import Stages

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Expand experiment specs and run every stage that is not cached.",
        discussion: """
        Resumes by default: stages already done are skipped, stages left running by a dead process are re-run.
        With --executor slurm each stage becomes one sbatch job once its inputs are done (with --slurm-array, stages
        ready together share one job array); a later run (or status) follows jobs still in flight instead of
        submitting them again (docs/runner.md: Running on Slurm).
        Exit status: 0 all done (or, with --detach, nothing failed), 1 a stage failed, 2 invalid spec, 130 interrupted.
        """)

    enum ExecutorChoice: String, ExpressibleByArgument, CaseIterable { case local, slurm }
    enum InterruptChoice: String, ExpressibleByArgument, CaseIterable { case cancel, leave }

    @Argument(help: "Experiment spec files (experiments/*.json).")
    var specs: [String]
    @OptionGroup var workspace: WorkspaceOption
    @Option(name: [.customShort("j"), .long], help: "Stages run in parallel (default: number of cores).")
    var jobs: Int?
    @Option(name: .long, help: "Threads per stage (default: cores / jobs).")
    var threads: Int?
    @Option(name: .long, help: "Profile: smoke, default, paper, or one the spec defines.")
    var profile: String = "default"
    @OptionGroup var overrides: OverrideOption
    @Flag(name: [.customShort("n"), .long], help: "Print what would run, and why, without running anything.")
    var dryRun = false
    @Flag(name: [.customShort("k"), .long], help: "Keep running independent stages after a failure.")
    var keepGoing = false
    @Option(name: .long, help: "Re-run stages matching this glob even if cached (repeatable).")
    var force: [String] = []
    @Option(name: .long, help: "Run only stages matching this glob, plus what they need (repeatable).")
    var only: [String] = []
    @Option(name: .long, help: "Where stages run: local (this machine) or slurm (one sbatch job per stage).")
    var executor: ExecutorChoice = .local
    @Option(name: .long, help: "Slurm partition (default: the cluster's default).")
    var partition: String?
    @Option(name: .customLong("slurm-opt"), help: "Extra sbatch option KEY=VALUE, without the leading -- (repeatable; overrides hmpipe's own, e.g. time=30).")
    var slurmOptions: [String] = []
    @Flag(name: .customLong("slurm-array"), help: "Slurm: submit stages that become ready together (with equal resources) as one job array, not one job each.")
    var slurmArray = false
    @Flag(name: .long, help: "Slurm: submit the stages that are ready and exit; run again to follow them and submit the rest.")
    var detach = false
    @Option(name: .long, help: "Slurm, Ctrl-C: cancel or leave the submitted jobs (default: ask on a terminal, else leave).")
    var onInterrupt: InterruptChoice?

    func validate() throws {
        if executor == .local && (partition != nil || !slurmOptions.isEmpty || detach || onInterrupt != nil || slurmArray) {
            throw ValidationError("--partition, --slurm-opt, --slurm-array, --detach and --on-interrupt need --executor slurm")
        }
        for option in slurmOptions {
            do { _ = try SlurmOptions.sbatchArgument(option) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        var options = RunOptions(workspace: workspace.url)
        options.profile = profile
        options.overrides = try overrides.overrides
        // Slurm jobs wait on the cluster, not on this machine's cores: follow many at once.
        options.jobs = jobs ?? (executor == .slurm ? 64 : nil)
        options.threads = threads
        options.dryRun = dryRun
        options.keepGoing = keepGoing
        options.force = force
        options.only = only
        let cancellation = CancellationFlag()
        if !dryRun { SignalTrap.install(cancellation) }
        let runner = Runner(options: options, registry: .builtIn, executor: try makeExecutor(), cancellation: cancellation)
        let summary = try reportingSpecErrors { try runner.run(specs: specs.map { URL(fileURLWithPath: $0) }) }
        if dryRun {
            for item in summary.planned { print("would run  \(item.node.name)  \(item.node.shortKey)  (\(item.reason))") }
            print("\(summary.planned.count) stage(s) would run")
            return
        }
        let (j, t) = options.resolvedParallelism
        let exclusive = summary.planned.contains { $0.node.resources.exclusive } ? "; exclusive stages alone, \(options.exclusiveThreads) threads" : ""
        FileHandle.standardError.write(Data("""
            hmpipe: \(summary.executed.count) executed, \(summary.cached.count) cached, \(summary.failed.count) failed, \
            \(summary.skipped.count) skipped \(executor == .slurm ? "(slurm)" : "(jobs \(j), threads/stage \(t)\(exclusive))")\n
            """.utf8))
        for failure in summary.failed { FileHandle.standardError.write(Data("  failed: \(failure.name): \(failure.message)\n".utf8)) }
        if !summary.submitted.isEmpty {
            let jobs = summary.submitted.map { "\($0.name) (job \($0.jobId))" }.joined(separator: ", ")
            let waiting = summary.waiting.isEmpty ? "" : "\(summary.waiting.count) stage(s) wait for them; "
            FileHandle.standardError.write(Data("""
                  still running on Slurm: \(jobs)
                  \(waiting)run the same command again to follow the jobs\(waiting.isEmpty ? "" : " and submit the rest")\n
                """.utf8))
        }
        if summary.interrupted { throw ExitCode(130) }
        if !summary.succeeded { throw ExitCode(1) }
    }

    private func makeExecutor() throws -> any Executor {
        guard executor == .slurm else { return LocalExecutor() }
        var slurm = SlurmOptions()
        slurm.partition = partition
        slurm.extraArguments = try slurmOptions.map(SlurmOptions.sbatchArgument)
        slurm.detach = detach
        slurm.arrays = slurmArray
        slurm.threads = threads
        switch onInterrupt {
        case .cancel?: slurm.onInterrupt = .cancel
        case .leave?: slurm.onInterrupt = .leave
        case nil where isatty(STDIN_FILENO) != 0 && isatty(STDERR_FILENO) != 0:
            slurm.onInterrupt = .ask { count in
                FileHandle.standardError.write(Data("\nhmpipe: cancel \(count) submitted Slurm job(s)? [y/N] ".utf8))
                return ["y", "yes"].contains(readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? "")
            }
        case nil: slurm.onInterrupt = .leave
        }
        return SlurmExecutor(options: slurm)
    }
}
