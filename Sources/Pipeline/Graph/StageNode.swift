import Formats

/// One concrete stage after grid expansion: everything needed to run it, identified by its cache key.
public struct StageNode: Sendable {
    public let key: String
    public let kind: String
    /// The template stage it came from (`train`).
    public let template: String
    /// Display name: template plus the axis values it depends on (`train[method=moe,seed=1]`).
    public let name: String
    public let params: JSONValue
    public let inputs: [String: ResolvedInput]
    public let outputs: [String]
    /// The axis values this node actually depends on (through its parameters or its inputs).
    public let axes: [String: JSONValue]
    /// What a cluster job for it requests; not part of `key`.
    public let resources: StageResources

    /// Keys of producer stages, sorted and unique. Stored, not computed: the scheduler and the topological
    /// sort ask for it in their inner loops.
    public let dependencies: [String]

    public init(key: String, kind: String, template: String, name: String, params: JSONValue, inputs: [String: ResolvedInput],
                outputs: [String], axes: [String: JSONValue], resources: StageResources) {
        self.key = key
        self.kind = kind
        self.template = template
        self.name = name
        self.params = params
        self.inputs = inputs
        self.outputs = outputs
        self.axes = axes
        self.resources = resources
        dependencies = Array(Set(inputs.values.compactMap { if case .artifact(let k, _) = $0 { return k }; return nil })).sorted()
    }

    public var shortKey: String { String(key.prefix(12)) }
}

/// One grid point: its axis values and, per template stage, the key of the node it uses.
public struct Cell: Sendable {
    public let axes: [String: JSONValue]
    public let stages: [String: String]
    public var label: String { Grid.label(axes) }
}
