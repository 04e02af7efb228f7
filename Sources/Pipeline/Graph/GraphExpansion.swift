import Foundation
import Formats
import StageInterface

/// Step 3 of `StageGraph.build`: one grid cell at a time, each selected template becomes a node — parameters
/// interpolated, planned by its kind (checked, outputs named), inputs resolved to producer keys or file hashes,
/// keyed — deduplicated by key across cells. Errors are collected (each once) rather than thrown, so one pass
/// reports every problem.
struct GraphExpansion {
    let templates: [String: StageTemplate]
    let templateOrder: [String]
    /// Template → the axes it depends on (its own `${names}` and its producers').
    let directAxes: [String: Set<String>]
    let registry: StageRegistry
    let profile: ExperimentSpec.Profile
    let specFile: String
    private let compiled: [String: Interpolation.Compiled]

    private(set) var nodes: [String: StageNode] = [:]
    private(set) var errors: [SpecError] = []
    /// A node depends only on the values of the axes it uses: once built for those values it is the same in
    /// every other cell, so the shared upstream is expanded once. (template, used-axis label) → key.
    private var memo: [String: String] = [:]
    /// One plan (strict decoding, checks, outputs) per distinct (kind, parameters).
    private var planned: [String: [String]] = [:]
    private var reportedParameterErrors: Set<String> = []
    private var seenErrors: Set<String> = []
    private var fileHashes: [URL: String] = [:]

    init(templates: [String: StageTemplate], templateOrder: [String], directAxes: [String: Set<String>],
         registry: StageRegistry, profile: ExperimentSpec.Profile, specFile: String) {
        self.templates = templates
        self.templateOrder = templateOrder
        self.directAxes = directAxes
        self.registry = registry
        self.profile = profile
        self.specFile = specFile
        compiled = templates.mapValues { Interpolation.compile($0.params) }
    }

    mutating func reserve(cells: Int) {
        nodes.reserveCapacity(cells * templateOrder.count)
        memo.reserveCapacity(cells * templateOrder.count)
    }

    private mutating func fail(_ e: SpecError) { if seenErrors.insert(e.description).inserted { errors.append(e) } }

    /// The cell's template → key map; stops at the cell's first error (its later stages would only repeat it).
    mutating func expand(cell cellAxes: [String: JSONValue], variables: [String: JSONValue],
                         hashFile: (URL) throws -> String) throws -> [String: String] {
        var keys: [String: String] = [:]
        var outputsOf: [String: [String]] = [:]
        for name in templateOrder {
            let t = templates[name]!
            let used = cellAxes.filter { directAxes[name]!.contains($0.key) }
            let usedLabel = used.isEmpty ? "" : Grid.label(used)
            let memoKey = name + "\u{0}" + usedLabel
            if let key = memo[memoKey] {
                keys[name] = key
                outputsOf[name] = nodes[key]!.outputs
                continue
            }
            let kind = registry.kind(named: t.kind)!
            let params: JSONValue
            do {
                params = try Interpolation.apply(compiled[name]!, variables)
            } catch let e as Interpolation.UnknownName {
                fail(SpecError(file: specFile, path: "$.parameters",
                               "parameter '\(e.name)' (used by stage '\(name)') has no value: set it under parameters or grid.axes, or give it a default",
                               suggestion: nil))
                return keys
            } catch let e as Interpolation.BadLookup {
                fail(SpecError(file: t.file, path: t.path + ".params", "${\(e.reference)}: \(e.message)"))
                return keys
            }
            // Cells that differ only in axes this stage does not use share a plan; a parameter error is
            // reported once, not per cell.
            let paramsCanonical = params.canonical
            let planKey = t.kind + "\u{0}" + paramsCanonical
            let outputs: [String]
            if let known = planned[planKey] {
                outputs = known
            } else {
                do {
                    outputs = try kind.plan(parameters: params)
                    planned[planKey] = outputs
                } catch let e as StageParameterError {
                    let path = t.path + ".params" + (e.path.isEmpty ? "" : ".\(e.path)")
                    if reportedParameterErrors.insert(t.file + "\u{0}" + path + "\u{0}" + e.message).inserted {
                        // Only the axes this stage depends on: "task=glue-cola", not every axis of the cell.
                        let where_ = usedLabel.isEmpty ? "" : " (first in cell \(usedLabel))"
                        fail(SpecError(file: t.file, path: path, e.message + where_, suggestion: e.suggestion))
                    }
                    return keys
                }
            }
            outputsOf[name] = outputs
            var inputs: [String: ResolvedInput] = [:]
            for (inputName, source) in t.inputs {
                switch source {
                case .stage(let producer, let output):
                    let available = outputsOf[producer] ?? []
                    guard available.contains(output), let producerKey = keys[producer] else {
                        fail(SpecError(file: t.file, path: JSONSchema.append(t.path + ".inputs", key: inputName),
                                       "stage '\(producer)' has no output '\(output)' (outputs: \(available.joined(separator: ", ")))",
                                       suggestion: Suggest.nearest(output, in: available)))
                        return keys
                    }
                    inputs[inputName] = .artifact(stage: producerKey, output: output)
                case .file(let url):
                    if fileHashes[url] == nil { fileHashes[url] = try hashFile(url) }
                    inputs[inputName] = .file(path: url.path, sha256: fileHashes[url]!)
                }
            }
            let key = CacheKey.compute(kind: t.kind, kindVersion: kind.version(parameters: params), paramsCanonical: paramsCanonical, inputs: inputs)
            memo[memoKey] = key
            if nodes[key] == nil {
                nodes[key] = StageNode(key: key, kind: t.kind, template: name,
                                       name: used.isEmpty ? name : "\(name)[\(usedLabel)]",
                                       params: params, inputs: inputs, outputs: outputs, axes: used,
                                       resources: StageResources.defaults(kind: t.kind).applying(t.resources)
                                           .applying(profile.resources[name]))
            }
            keys[name] = key
        }
        return keys
    }
}
