/// Name → stage kind. The pipeline resolves `"kind"` strings here while validating a spec, so an unknown
/// kind is reported with the list of known ones before anything runs.
///
/// The runner knows no kind by name: the CLI hands it `StageRegistry.builtIn` (module Stages); adding a kind
/// is implementing `StageKind` (or `TypedStageKind`) and registering it there.
public struct StageRegistry: Sendable {
    public private(set) var kinds: [String: any StageKind] = [:]

    public init(_ kinds: [any StageKind] = []) {
        for kind in kinds { register(kind) }
    }

    public mutating func register(_ kind: any StageKind) { kinds[kind.name] = kind }

    public func kind(named name: String) -> (any StageKind)? { kinds[name] }

    public var names: [String] { kinds.keys.sorted() }
}
