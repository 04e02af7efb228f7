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
