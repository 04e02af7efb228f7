import Foundation

/// How `hmpipe run --executor slurm` submits and follows jobs.
public struct SlurmOptions: Sendable {
    /// What Ctrl-C on an attached run does with jobs already submitted.
    public enum InterruptPolicy: Sendable {
        case cancel
        case leave
        /// Ask (on a TTY); the closure gets the number of jobs in flight and returns true to cancel them.
        case ask(@Sendable (Int) -> Bool)
    }

    /// `--partition`; nil = the cluster's default partition.
    public var partition: String?
    /// `--slurm-opt` values as sbatch arguments (`--KEY=VALUE`), appended after hmpipe's own.
    public var extraArguments: [String] = []
    /// Submit what is ready and return; a later `hmpipe run` attaches to the jobs and submits what follows.
    public var detach = false
    public var onInterrupt: InterruptPolicy = .leave
    /// Threads each job's stage uses; nil = the CPUs it requested.
    public var threads: Int?
    /// The `hmpipe` executable jobs run: by default this very binary, by absolute path.
    public var binary: URL = SlurmOptions.currentExecutable
    /// Where jobs start (on the shared filesystem): by default where `hmpipe run` was started.
    public var workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    /// First poll interval; it grows ×1.5 per poll up to `maxPollSeconds` (squeue is one call for all jobs).
    public var pollSeconds = 0.5
    public var maxPollSeconds = 5.0
    /// How long a job may be gone from squeue (or ended there) without its exit file before it counts as dead:
    /// on NFS a file written on the node can take several seconds to become visible here.
    public var missingExitGraceSeconds = 15.0
    /// Resubmissions of a stage whose job the cluster ended (time limit, node failure, preemption) in one run;
    /// training resumes from its periodic checkpoint each time.
    public var resubmits = 2
    /// `--slurm-array`: stages ready within `arrayWindowSeconds` of each other, with equal resources, go out as
    /// one job array (at most `arrayMaxSize` elements, under the clusters' usual MaxArraySize of 1001).
    public var arrays = false
    public var arrayWindowSeconds = 1.0
    public var arrayMaxSize = 1000

    public init() {}

    /// `--slurm-opt KEY=VALUE` → `--KEY=VALUE`; a bare `KEY` → `--KEY` (flags like `exclusive`).
    public static func sbatchArgument(_ option: String) throws -> String {
        let key = String(option.prefix { $0 != "=" })
        guard let first = key.unicodeScalars.first, CharacterSet.letters.contains(first),
              key.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }) else {
            throw SlurmError.badOption(option)
        }
        return "--" + option
    }

    public static var currentExecutable: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if exe.path != "/proc/self/exe" { return exe }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}
