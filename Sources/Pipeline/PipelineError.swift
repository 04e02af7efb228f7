/// Engine errors that are not spec problems.
public enum PipelineError: Error, CustomStringConvertible, Sendable {
    case unknownStage(String)
    case inputNotReady(stage: String, input: String)
    case corruptArtifact(String)
    case io(String)

    public var description: String {
        switch self {
        case .unknownStage(let key): return "no stage with key \(key) in this workspace (run `hmpipe run` to plan it)"
        case .inputNotReady(let stage, let input): return "stage \(stage): input '\(input)' is not available (its producer is not done)"
        case .corruptArtifact(let what): return "corrupt artifact: \(what)"
        case .io(let what): return what
        }
    }
}

/// The workspace's state database cannot be trusted. Never answered by starting afresh silently: the user
/// decides, and the message says how.
public enum StateDatabaseError: Error, CustomStringConvertible, Sendable {
    /// 0 bytes beside stored artifacts or logs: the file was truncated, the run history is gone.
    case empty(String)
    /// Not a database, or a database with damaged pages (SQLite's own words in `detail`).
    case damaged(String, detail: String)

    public var description: String {
        switch self {
        case .empty(let path):
            return "state database \(path) is empty (0 bytes) although the workspace holds artifacts and logs: it was truncated and the run history is lost. " +
                Self.wayForward(path)
        case .damaged(let path, let detail):
            return "state database \(path) is damaged (\(detail)). Try `sqlite3 \(path) .recover | sqlite3 recovered.sqlite` and move " +
                "recovered.sqlite into its place, or " + Self.wayForward(path).prefix(1).lowercased() + Self.wayForward(path).dropFirst()
        }
    }

    private static func wayForward(_ path: String) -> String {
        "Restore it from a backup, or move it aside (`mv \(path) \(path).bad`, and its -wal/-shm files) to start afresh: every stage then runs again."
    }
}
