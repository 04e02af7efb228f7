import Formats

/// Where a node's input comes from once resolved: a producer's key and output name, or a file's content hash.
public enum ResolvedInput: Sendable, Hashable {
    case artifact(stage: String, output: String)
    case file(path: String, sha256: String)

    /// The JSON recorded in the state database (and, minus the file path, in the cache key).
    public var json: JSONValue {
        switch self {
        case .artifact(let stage, let output): return ["stage": .string(stage), "output": .string(output)]
        case .file(let path, let sha): return ["file": .string(path), "sha256": .string(sha)]
        }
    }

    public init?(json: JSONValue) {
        if let stage = json["stage"]?.stringValue, let output = json["output"]?.stringValue {
            self = .artifact(stage: stage, output: output)
        } else if let path = json["file"]?.stringValue, let sha = json["sha256"]?.stringValue {
            self = .file(path: path, sha256: sha)
        } else { return nil }
    }

    var keyPart: JSONValue {
        switch self {
        case .artifact(let stage, let output): return ["stage": .string(stage), "output": .string(output)]
        case .file(_, let sha): return ["sha256": .string(sha)]   // content, not location
        }
    }
}

/// A stage's identity, Bazel action-key style: SHA-256 over canonical JSON of
/// (kind, kind version, engine version, canonical parameters, inputs). An upstream stage enters through its
/// own key, so a change anywhere upstream changes every key downstream, and keys are known before anything runs
/// (which is what makes `--dry-run` and `status` exact). File inputs enter through their content hash.
public enum CacheKey {
    /// Bump when the engine changes what a stage's outputs mean (layout of the output folder, env contract…).
    public static let engineVersion = "hmpipe-pipeline-1"

    public static func document(kind: String, kindVersion: String, params: JSONValue, inputs: [String: ResolvedInput]) -> JSONValue {
        [
            "engine": .string(engineVersion),
            "kind": .string(kind),
            "kindVersion": .string(kindVersion),
            "params": params,
            "inputs": .object(inputs.mapValues(\.keyPart)),
        ]
    }

    public static func compute(kind: String, kindVersion: String, params: JSONValue, inputs: [String: ResolvedInput]) -> String {
        compute(kind: kind, kindVersion: kindVersion, paramsCanonical: params.canonical, inputs: inputs)
    }

    /// The same key from parameters already in canonical text (graph expansion has it for its plan cache):
    /// `document(…).canonical` spelled out, its keys in sorted order, so the bytes hashed are identical.
    public static func compute(kind: String, kindVersion: String, paramsCanonical: String, inputs: [String: ResolvedInput]) -> String {
        let text = #"{"engine":"# + JSONString.quoted(engineVersion)
            + #","inputs":"# + JSONValue.object(inputs.mapValues(\.keyPart)).canonical
            + #","kind":"# + JSONString.quoted(kind)
            + #","kindVersion":"# + JSONString.quoted(kindVersion)
            + #","params":"# + paramsCanonical + "}"
        return Hashing.sha256Hex(text)
    }
}
