/// Name → stage kind. The pipeline resolves `"kind"` strings here while validating a spec, so an unknown
/// kind is reported with the list of known ones before anything runs.
///
/// Adding a kind: implement `StageKind` in its own file in `Sources/Stages/` and add one line to
/// `StageRegistry.builtIn`.
public struct StageRegistry: Sendable {
    public private(set) var kinds: [String: any StageKind] = [:]

    public init(_ kinds: [any StageKind] = []) {
        for kind in kinds { register(kind) }
    }

    /// The kinds shipped with hmpipe.
    public static var builtIn: StageRegistry {
        StageRegistry([
            CommandKind(),
            FetchKind(),
            PrepareKind(),
            TrainKind(),
            EvaluateKind(),
            TrainSeq2SeqKind(),
            EvaluateSeq2SeqKind(),
            VocabKind(),
        ])
    }

    public mutating func register(_ kind: any StageKind) { kinds[kind.name] = kind }

    public func kind(named name: String) -> (any StageKind)? { kinds[name] }

    public var names: [String] { kinds.keys.sorted() }
}
