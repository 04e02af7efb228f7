import Foundation
import Formats

/// An `experiments/*.json` file: a grid over named axes, profiles, and the templates it instantiates.
public struct ExperimentSpec: Sendable {
    /// Overrides applied by `--profile`: parameter values, replacement axis values, extra exclusions.
    public struct Profile: Sendable {
        public var parameters: [String: JSONValue] = [:]
        public var axes: [String: [JSONValue]] = [:]
        public var exclude: [[String: JSONValue]] = []
        /// Template stage name → cluster resources under this profile.
        public var resources: [String: StageResources.Override] = [:]
    }

    public let file: URL
    public let name: String
    public let pipelines: [PipelineTemplate]
    public let parameters: [String: JSONValue]
    public let axes: [String: [JSONValue]]
    public let exclude: [[String: JSONValue]]
    /// `grid.order`: axes in the order cells run (the first changes slowest); axes not listed follow, sorted.
    /// Only the plan's order among stages ready together changes, never a key or a name.
    public let order: [String]
    public let profiles: [String: Profile]
    public let targets: [String]?

    /// All template parameters of all referenced pipelines.
    public var parameterDecls: [String: ParameterDecl] {
        pipelines.reduce(into: [:]) { all, p in all.merge(p.parameters) { a, _ in a } }
    }

    /// The profile named `name`, or a spec error listing the profiles there are (with the nearest name).
    public func profile(named name: String) throws -> Profile {
        guard let chosen = profiles[name] else {
            throw SpecErrors([SpecError(file: file.path, path: "$.profiles", "no profile '\(name)' (have: \(profiles.keys.sorted().joined(separator: ", ")))",
                                        suggestion: Suggest.nearest(name, in: Array(profiles.keys)))])
        }
        return chosen
    }

    /// Parameter values under `profile`: template defaults, then the spec's values, then the profile's.
    public func values(under profile: Profile) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for (name, decl) in parameterDecls { if let d = decl.defaultValue { values[name] = d } }
        values.merge(parameters) { _, new in new }
        values.merge(profile.parameters) { _, new in new }
        return values
    }

    /// Grid axes under `profile` (its axes replace the spec's).
    public func axes(under profile: Profile) -> [String: [JSONValue]] { axes.merging(profile.axes) { _, new in new } }

    /// All stage templates of all referenced pipelines.
    public var stageTemplates: [String: StageTemplate] {
        pipelines.reduce(into: [:]) { all, p in all.merge(p.stages) { a, _ in a } }
    }

    public static func load(_ url: URL) throws -> ExperimentSpec {
        let url = url.standardizedFileURL
        let json = try SpecFile.load(url, schema: SpecSchemas.experiment)
        let file = url.path
        let directory = url.deletingLastPathComponent()
        var errors: [SpecError] = []

        var pipelines: [PipelineTemplate] = []
        for (i, path) in json["pipelines"]!.arrayValue!.enumerated() {
            let pipelineURL = URL(fileURLWithPath: path.stringValue!, relativeTo: directory).standardizedFileURL
            guard FileManager.default.fileExists(atPath: pipelineURL.path) else {
                errors.append(SpecError(file: file, path: "$.pipelines[\(i)]", "pipeline file not found: \(pipelineURL.path)"))
                continue
            }
            do { pipelines.append(try PipelineTemplate.load(pipelineURL)) } catch let e as SpecErrors { errors += e.errors }
        }
        if !errors.isEmpty { throw SpecErrors(errors) }
        // Two templates defining the same stage or parameter would make `${x}` ambiguous.
        var seenStages: [String: String] = [:], seenParameters: [String: ParameterDecl] = [:]
        for p in pipelines {
            for name in p.stages.keys.sorted() {
                if let other = seenStages[name] {
                    errors.append(SpecError(file: p.file.path, path: "$.stages.\(name)", "stage also defined in \(other)"))
                }
                seenStages[name] = p.file.path
            }
            for (name, decl) in p.parameters {
                if let other = seenParameters[name], other != decl {
                    errors.append(SpecError(file: p.file.path, path: "$.parameters.\(name)", "parameter declared differently in another pipeline"))
                }
                seenParameters[name] = decl
            }
        }

        func values(_ v: JSONValue?, at path: String) -> [String: JSONValue] {
            let object = v?.objectValue ?? [:]
            for (name, value) in object {
                guard let decl = seenParameters[name] else {
                    errors.append(SpecError(file: file, path: JSONSchema.append(path, key: name),
                                            "'\(name)' is not a parameter of the referenced pipelines (known: \(seenParameters.keys.sorted().joined(separator: ", ")))",
                                            suggestion: Suggest.nearest(name, in: Array(seenParameters.keys))))
                    continue
                }
                if let problem = decl.mismatch(value) { errors.append(SpecError(file: file, path: JSONSchema.append(path, key: name), problem)) }
            }
            return object
        }
        func axes(_ v: JSONValue?, at path: String) -> [String: [JSONValue]] {
            let object = v?.objectValue ?? [:]
            var result: [String: [JSONValue]] = [:]
            for (name, list) in object {
                let axisPath = JSONSchema.append(path, key: name)
                guard let decl = seenParameters[name] else {
                    errors.append(SpecError(file: file, path: axisPath,
                                            "axis '\(name)' is not a parameter of the referenced pipelines (known: \(seenParameters.keys.sorted().joined(separator: ", ")))",
                                            suggestion: Suggest.nearest(name, in: Array(seenParameters.keys))))
                    continue
                }
                var firstIndex: [String: Int] = [:]
                for (i, value) in list.arrayValue!.enumerated() {
                    if let problem = decl.mismatch(value) { errors.append(SpecError(file: file, path: "\(axisPath)[\(i)]", problem)) }
                    // A repeated value would be the same cell twice (same keys): surely a slip, so say so.
                    if let first = firstIndex[value.canonical] {
                        errors.append(SpecError(file: file, path: "\(axisPath)[\(i)]", "duplicate axis value \(value.canonical) (also at [\(first)])"))
                    } else { firstIndex[value.canonical] = i }
                }
                result[name] = list.arrayValue!
            }
            return result
        }
        func exclusions(_ v: JSONValue?, at path: String, axes: Set<String>) -> [[String: JSONValue]] {
            let list = v?.arrayValue?.compactMap(\.objectValue) ?? []
            for (i, item) in list.enumerated() {
                for name in item.keys where !axes.contains(name) {
                    errors.append(SpecError(file: file, path: JSONSchema.append("\(path)[\(i)]", key: name),
                                            "'\(name)' is not a grid axis", suggestion: Suggest.nearest(name, in: Array(axes))))
                }
            }
            return list
        }

        let parameters = values(json["parameters"], at: "$.parameters")
        let gridAxes = axes(json["grid"]?["axes"], at: "$.grid.axes")
        let exclude = exclusions(json["grid"]?["exclude"], at: "$.grid.exclude", axes: Set(gridAxes.keys))
        let order = json["grid"]?["order"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for (i, name) in order.enumerated() {
            if gridAxes[name] == nil {
                errors.append(SpecError(file: file, path: "$.grid.order[\(i)]", "'\(name)' is not a grid axis",
                                        suggestion: Suggest.nearest(name, in: Array(gridAxes.keys))))
            } else if let first = order.firstIndex(of: name), first < i {
                errors.append(SpecError(file: file, path: "$.grid.order[\(i)]", "axis '\(name)' listed twice (also at [\(first)])"))
            }
        }
        var profiles: [String: Profile] = [:]
        for (name, body) in json["profiles"]!.objectValue! {
            let base = JSONSchema.append("$.profiles", key: name)
            var profile = Profile()
            profile.parameters = values(body["parameters"], at: base + ".parameters")
            profile.axes = axes(body["axes"], at: base + ".axes")
            for axis in profile.axes.keys.sorted() where gridAxes[axis] == nil {
                errors.append(SpecError(file: file, path: base + ".axes.\(axis)", "profile overrides '\(axis)', which is not a grid axis",
                                        suggestion: Suggest.nearest(axis, in: Array(gridAxes.keys))))
            }
            profile.exclude = exclusions(body["exclude"], at: base + ".exclude", axes: Set(gridAxes.keys))
            for (stage, resources) in body["resources"]?.objectValue ?? [:] {
                if seenStages[stage] == nil {
                    errors.append(SpecError(file: file, path: JSONSchema.append(base + ".resources", key: stage),
                                            "no stage named '\(stage)' in the referenced pipelines",
                                            suggestion: Suggest.nearest(stage, in: Array(seenStages.keys))))
                }
                profile.resources[stage] = StageResources.Override(json: resources)
            }
            profiles[name] = profile
        }
        let targets = json["targets"]?.arrayValue?.compactMap(\.stringValue)
        for (i, target) in (targets ?? []).enumerated() where seenStages[target] == nil {
            errors.append(SpecError(file: file, path: "$.targets[\(i)]", "no stage named '\(target)' in the referenced pipelines",
                                    suggestion: Suggest.nearest(target, in: Array(seenStages.keys))))
        }
        if !errors.isEmpty { throw SpecErrors(errors.sorted { ($0.file, $0.path) < ($1.file, $1.path) }) }
        return ExperimentSpec(file: url, name: json["name"]!.stringValue!, pipelines: pipelines, parameters: parameters,
                              axes: gridAxes, exclude: exclude, order: order, profiles: profiles, targets: targets)
    }
}
