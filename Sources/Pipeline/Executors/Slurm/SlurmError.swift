/// What went wrong talking to Slurm, naming the command and what it printed.
public enum SlurmError: Error, Equatable, CustomStringConvertible {
    /// A Slurm client exited non-zero (e.g. `sbatch: error: invalid partition specified: gpu`).
    case commandFailed(command: String, status: String, stderr: String)
    /// A Slurm client did not answer in time (a hung or unreachable controller).
    case timedOut(command: String, seconds: Int)
    /// The client could not be started at all (not installed, not on PATH).
    case cannotStart(command: String, reason: String)
    /// `sbatch --parsable` printed something that is not a job id.
    case unparsableSubmission(output: String)
    /// A `--slurm-opt` that is not `KEY=VALUE` or `KEY`.
    case badOption(String)

    public var description: String {
        switch self {
        case .commandFailed(let command, let status, let stderr):
            return "\(command) failed (\(status)): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .timedOut(let command, let seconds): return "\(command) gave no answer within \(seconds) s"
        case .cannotStart(let command, let reason):
            return "cannot run \(command): \(reason) (is Slurm installed and SLURM_CONF set? scripts/slurm-local.sh starts a local one)"
        case .unparsableSubmission(let output): return "sbatch printed no job id: '\(output)'"
        case .badOption(let option): return "--slurm-opt '\(option)': expected KEY=VALUE (an sbatch long option without --) or KEY"
        }
    }
}
