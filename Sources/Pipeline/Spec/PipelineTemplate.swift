import Foundation
import Formats

/// A declared, typed template parameter (`"n": {"type": "integer", "default": 3}`).
public struct ParameterDecl: Sendable, Equatable {
    public let name: String
    public let type: String
    public let defaultValue: JSONValue?
    public let allowed: [JSONValue]?

    /// nil when `value` fits; otherwise what was expected.
    public func mismatch(_ value: JSONValue) -> String? {
        let fits: Bool
        switch (type, value) {
        case ("string", .string), ("integer", .int), ("number", .int), ("number", .double), ("boolean", .bool),
             ("array", .array), ("object", .object): fits = true
        default: fits = false
        }
        if !fits { return "expected \(type) for parameter '\(name)', got \(value.typeName) \(value.canonical)" }
        if let allowed, !allowed.contains(value) {
            return "expected one of \(allowed.map(\.canonical).joined(separator: ", ")) for parameter '\(name)', got \(value.canonical)"
        }
        return nil
    }
}

/// Where a stage input comes from: another stage's named output, or a file in the repository.
public enum InputSource: Sendable, Equatable {
    case stage(String, output: String)
    case file(URL)
}

/// One stage template: a kind, parameters with `${…}` placeholders, and named inputs.
public struct StageTemplate: Sendable {
    public let name: String
    public let kind: String
    public let params: JSONValue
    public let inputs: [String: InputSource]
    /// Cluster resources set on the template (over the kind's defaults).
    public let resources: StageResources.Override?
    /// The pipeline file and JSON path this came from, for error messages.
    public let file: String
    public var path: String { JSONSchema.append("$.stages", key: name) }
}

/// A `pipelines/*.json` file: typed parameters and stage templates.
public struct PipelineTemplate: Sendable {
    public let file: URL
    public let name: String
    public let parameters: [String: ParameterDecl]
    public let stages: [String: StageTemplate]

    public static func load(_ url: URL) throws -> PipelineTemplate {
        let json = try SpecFile.load(url, schema: SpecSchemas.pipeline)
        let file = url.path
        var errors: [SpecError] = []
        var parameters: [String: ParameterDecl] = [:]
        for (name, decl) in json["parameters"]?.objectValue ?? [:] {
            let p = ParameterDecl(name: name, type: decl["type"]!.stringValue!, defaultValue: decl["default"],
                                  allowed: decl["enum"]?.arrayValue)
            if let value = p.defaultValue, let problem = p.mismatch(value) {
                errors.append(SpecError(file: file, path: "$.parameters.\(name).default", problem))
            }
            parameters[name] = p
        }
        var stages: [String: StageTemplate] = [:]
        let directory = url.deletingLastPathComponent()
        for (name, body) in json["stages"]!.objectValue! {
            var inputs: [String: InputSource] = [:]
            for (inputName, source) in body["inputs"]?.objectValue ?? [:] {
                if let ref = source.stringValue {
                    let parts = ref.split(separator: ":", maxSplits: 1).map(String.init)
                    inputs[inputName] = .stage(parts[0], output: parts[1])
                } else if let path = source["file"]?.stringValue {
                    inputs[inputName] = .file(URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL)
                }
            }
            stages[name] = StageTemplate(name: name, kind: body["kind"]!.stringValue!, params: body["params"] ?? .object([:]),
                                         inputs: inputs, resources: body["resources"].map { StageResources.Override(json: $0) },
                                         file: file)
        }
        if !errors.isEmpty { throw SpecErrors(errors) }
        return PipelineTemplate(file: url, name: json["name"]!.stringValue!, parameters: parameters, stages: stages)
    }
}
