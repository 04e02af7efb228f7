import Formats

/// What one stage asks a cluster for: CPUs, memory, wall time — and whether it must run alone. Set per stage
/// template (`"resources"` beside `"params"`) and per experiment profile (`"resources": {"train": {…}}`, by
/// template stage name), over defaults per stage kind. Resources never enter cache keys: a longer time limit
/// must not invalidate a result.
public struct StageResources: Sendable, Equatable {
    public var cpus: Int
    public var memoryMB: Int
    public var timeMinutes: Int
    /// The scheduler never runs this stage beside another stage of the run (whatever `-j` is): a stage that
    /// times something (Table 4's throughput) must not share the cores, and it gets every core (or `--threads`)
    /// whatever `-j` is, so what it times does not depend on `-j`. On Slurm the job also asks for a whole
    /// node (`--exclusive`).
    public var exclusive: Bool

    public init(cpus: Int, memoryMB: Int, timeMinutes: Int, exclusive: Bool = false) {
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.timeMinutes = timeMinutes
        self.exclusive = exclusive
    }

    /// Training is the only kind that uses more than one core for long; the rest are short and single-threaded
    /// most of the time. Limits are generous because a job killed at its limit costs more than a queue wait.
    public static func defaults(kind: String) -> StageResources {
        switch kind {
        // Training kinds share a default; the encoder–decoder (≈ 90M parameters + Adam) fits the same 4 GiB.
        case "train", "train-seq2seq": return StageResources(cpus: 2, memoryMB: 4096, timeMinutes: 240)
        case "evaluate", "evaluate-seq2seq": return StageResources(cpus: 1, memoryMB: 2048, timeMinutes: 60)
        default: return StageResources(cpus: 1, memoryMB: 1024, timeMinutes: 60)
        }
    }

    /// A partial `resources` object from a spec (schema-checked: positive integers, a boolean `exclusive`,
    /// known names only).
    public struct Override: Sendable, Equatable {
        public var cpus: Int?
        public var memoryMB: Int?
        public var timeMinutes: Int?
        public var exclusive: Bool?

        public init(cpus: Int? = nil, memoryMB: Int? = nil, timeMinutes: Int? = nil, exclusive: Bool? = nil) {
            self.cpus = cpus
            self.memoryMB = memoryMB
            self.timeMinutes = timeMinutes
            self.exclusive = exclusive
        }

        public init(json: JSONValue?) {
            cpus = (json?["cpus"]?.intValue).map(Int.init)
            memoryMB = (json?["memory_mb"]?.intValue).map(Int.init)
            timeMinutes = (json?["time_minutes"]?.intValue).map(Int.init)
            if case .bool(let b)? = json?["exclusive"] { exclusive = b } else { exclusive = nil }
        }
    }

    /// These resources with every field the override sets replaced.
    public func applying(_ override: Override?) -> StageResources {
        guard let override else { return self }
        return StageResources(cpus: override.cpus ?? cpus, memoryMB: override.memoryMB ?? memoryMB,
                              timeMinutes: override.timeMinutes ?? timeMinutes, exclusive: override.exclusive ?? exclusive)
    }
}
