import Foundation
import Formats
import Stages

/// The expanded DAG of one experiment under one profile: grid cells × template stages, deduplicated by key
/// (two cells needing the same tokenized dataset share one node), in topological order.
///
/// Building it is where every spec problem that needs the templates is caught — unknown kinds, unknown
/// inputs or outputs, unknown `${names}`, type errors, kind parameter errors, cycles — all before anything runs.
public struct StageGraph: Sendable {
    public let spec: String
    public let specFile: String
    public let profile: String
    public let nodes: [String: StageNode]
    /// Keys in dependency order (producers first; ties broken by node name).
    public let order: [String]
    public let cells: [Cell]

    public static func build(_ spec: ExperimentSpec, profile: String = "default", registry: StageRegistry = .builtIn,
                             hashFile: (URL) throws -> String = { try Hashing.sha256Hex(fileAt: $0) }) throws -> StageGraph {
        let specFile = spec.file.path
        guard let chosen = spec.profiles[profile] else {
            throw SpecErrors([SpecError(file: specFile, path: "$.profiles", "no profile '\(profile)' (have: \(spec.profiles.keys.sorted().joined(separator: ", ")))",
                                        suggestion: Suggest.nearest(profile, in: Array(spec.profiles.keys)))])
        }
        let templates = spec.stageTemplates
        let decls = spec.parameterDecls
        var errors: [SpecError] = []

        // 1. Checks on the templates themselves.
        for t in templates.values.sorted(by: { $0.name < $1.name }) {
            if registry.kind(named: t.kind) == nil {
                errors.append(SpecError(file: t.file, path: t.path + ".kind", "unknown stage kind '\(t.kind)' (known: \(registry.names.joined(separator: ", ")))",
                                        suggestion: Suggest.nearest(t.kind, in: registry.names)))
            }
            for (inputName, source) in t.inputs.sorted(by: { $0.key < $1.key }) {
                let path = JSONSchema.append(t.path + ".inputs", key: inputName)
                switch source {
                case .stage(let producer, _) where templates[producer] == nil:
                    errors.append(SpecError(file: t.file, path: path, "no stage named '\(producer)'",
                                            suggestion: Suggest.nearest(producer, in: Array(templates.keys))))
                case .file(let url) where !FileManager.default.fileExists(atPath: url.path):
                    errors.append(SpecError(file: t.file, path: path, "input file not found: \(url.path)"))
                default: break
                }
            }
            for name in Interpolation.names(in: t.params).sorted() where decls[name] == nil {
                errors.append(SpecError(file: t.file, path: t.path + ".params", "unknown parameter '${\(name)}' (declared: \(decls.keys.sorted().joined(separator: ", ")))",
                                        suggestion: Suggest.nearest(name, in: Array(decls.keys))))
            }
        }
        let edges = templates.mapValues { t in t.inputs.values.compactMap { if case .stage(let p, _) = $0 { return p }; return nil } }
        if let cycle = findCycle(edges) {
            let t = templates[cycle[0]]!
            errors.append(SpecError(file: t.file, path: t.path + ".inputs", "dependency cycle: \(cycle.joined(separator: " → "))"))
        }
        if !errors.isEmpty { throw SpecErrors(errors) }

        // 2. Which templates to build, producers first.
        var selected = Set(spec.targets ?? Array(templates.keys))
        var frontier = Array(selected)
        while let name = frontier.popLast() {
            for producer in edges[name] ?? [] where !selected.contains(producer) {
                selected.insert(producer)
                frontier.append(producer)
            }
        }
        let templateOrder = topologicalOrder(Array(selected), dependencies: { edges[$0] ?? [] }, name: { $0 })

        // 3. Expand the grid.
        var base: [String: JSONValue] = [:]
        for (name, decl) in decls { if let d = decl.defaultValue { base[name] = d } }
        base.merge(spec.parameters) { _, new in new }
        base.merge(chosen.parameters) { _, new in new }
        let axes = spec.axes.merging(chosen.axes) { _, new in new }
        let axisNames = Set(axes.keys)
        var directAxes: [String: Set<String>] = [:]
        for name in templateOrder {
            var used = Interpolation.names(in: templates[name]!.params).intersection(axisNames)
            for producer in edges[name] ?? [] { used.formUnion(directAxes[producer] ?? []) }
            directAxes[name] = used
        }

        var fileHashes: [URL: String] = [:]
        var validated: Set<String> = []
        var nodes: [String: StageNode] = [:]
        var cells: [Cell] = []
        var seenErrors: Set<String> = []
        func fail(_ e: SpecError) { if seenErrors.insert(e.description).inserted { errors.append(e) } }

        for cellAxes in Grid.cells(axes: axes, exclude: spec.exclude + chosen.exclude) {
            let variables = base.merging(cellAxes) { _, new in new }
            var keys: [String: String] = [:]
            var outputsOf: [String: [String]] = [:]
            cellLoop: for name in templateOrder {
                let t = templates[name]!
                let kind = registry.kind(named: t.kind)!
                let params: JSONValue
                do {
                    params = try Interpolation.apply(t.params, variables)
                } catch let e as Interpolation.UnknownName {
                    fail(SpecError(file: specFile, path: "$.parameters",
                                   "parameter '\(e.name)' (used by stage '\(name)') has no value: set it under parameters or grid.axes, or give it a default",
                                   suggestion: nil))
                    break cellLoop
                } catch let e as Interpolation.BadLookup {
                    fail(SpecError(file: t.file, path: t.path + ".params", "${\(e.reference)}: \(e.message)"))
                    break cellLoop
                }
                let validationKey = t.kind + "\u{0}" + params.canonical
                if !validated.contains(validationKey) {
                    do {
                        try kind.validate(parameters: params)
                        validated.insert(validationKey)
                    } catch let e as StageParameterError {
                        // Only the axes this stage depends on: a problem of a shared upstream stage is one line,
                        // not one per cell of the axes it does not use.
                        let used = cellAxes.filter { directAxes[name]?.contains($0.key) ?? true }
                        let where_ = used.isEmpty ? "" : " (cell \(Grid.label(used)))"
                        fail(SpecError(file: t.file, path: t.path + ".params" + (e.path.isEmpty ? "" : ".\(e.path)"), e.message + where_))
                        break cellLoop
                    }
                }
                let outputs = try kind.outputs(parameters: params)
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
                            break cellLoop
                        }
                        inputs[inputName] = .artifact(stage: producerKey, output: output)
                    case .file(let url):
                        if fileHashes[url] == nil { fileHashes[url] = try hashFile(url) }
                        inputs[inputName] = .file(path: url.path, sha256: fileHashes[url]!)
                    }
                }
                let key = CacheKey.compute(kind: t.kind, kindVersion: kind.version(parameters: params), params: params, inputs: inputs)
                let used = cellAxes.filter { directAxes[name]!.contains($0.key) }
                if nodes[key] == nil {
                    nodes[key] = StageNode(key: key, kind: t.kind, template: name,
                                           name: used.isEmpty ? name : "\(name)[\(Grid.label(used))]",
                                           params: params, inputs: inputs, outputs: outputs, axes: used,
                                           resources: StageResources.defaults(kind: t.kind).applying(t.resources)
                                               .applying(chosen.resources[name]))
                }
                keys[name] = key
            }
            cells.append(Cell(axes: cellAxes, stages: keys))
        }
        if !errors.isEmpty { throw SpecErrors(errors) }
        let order = topologicalOrder(Array(nodes.keys), dependencies: { nodes[$0]!.dependencies }, name: { nodes[$0]!.name })
        return StageGraph(spec: spec.name, specFile: specFile, profile: profile, nodes: nodes, order: order, cells: cells)
    }

    /// Kahn's algorithm; among ready items the smallest name goes first so output is stable.
    static func topologicalOrder(_ items: [String], dependencies: (String) -> [String], name: (String) -> String) -> [String] {
        let present = Set(items)
        var remaining: [String: Int] = [:]
        var dependents: [String: [String]] = [:]
        for item in items {
            let deps = Set(dependencies(item)).intersection(present)
            remaining[item] = deps.count
            for d in deps { dependents[d, default: []].append(item) }
        }
        var ready = items.filter { remaining[$0] == 0 }.sorted { name($0) > name($1) }
        var order: [String] = []
        while let next = ready.popLast() {
            order.append(next)
            for d in dependents[next] ?? [] {
                remaining[d]! -= 1
                if remaining[d] == 0 {
                    ready.append(d)
                    ready.sort { name($0) > name($1) }
                }
            }
        }
        return order
    }

    /// The given keys plus everything they depend on.
    public func closure(of keys: some Sequence<String>) -> Set<String> {
        var result = Set<String>()
        var frontier = Array(keys)
        while let key = frontier.popLast() {
            guard result.insert(key).inserted, let node = nodes[key] else { continue }
            frontier += node.dependencies
        }
        return result
    }

    /// One line per node in dependency order: name, short key, kind, and what it reads.
    public func text() -> String {
        order.map { key in
            let node = nodes[key]!
            let deps = node.inputs.sorted(by: { $0.key < $1.key }).map { input, source -> String in
                switch source {
                case .artifact(let producer, let output): return "\(input)=\(nodes[producer]?.name ?? producer):\(output)"
                case .file(let path, _): return "\(input)=file:\(URL(fileURLWithPath: path).lastPathComponent)"
                }
            }
            return "\(node.shortKey)  \(node.name)  (\(node.kind))" + (deps.isEmpty ? "" : "  ← " + deps.joined(separator: ", "))
        }.joined(separator: "\n")
    }

    /// Graphviz DOT.
    public func dot() -> String {
        var lines = ["digraph \(JSONValue.string(spec).canonical) {", "  rankdir=LR;", "  node [shape=box];"]
        for key in order {
            let node = nodes[key]!
            lines.append("  \"\(node.shortKey)\" [label=\(JSONValue.string("\(node.name)\n\(node.kind) \(node.shortKey)").canonical)];")
        }
        for key in order {
            let node = nodes[key]!
            for (input, source) in node.inputs.sorted(by: { $0.key < $1.key }) {
                if case .artifact(let producer, _) = source {
                    lines.append("  \"\(String(producer.prefix(12)))\" -> \"\(node.shortKey)\" [label=\(JSONValue.string(input).canonical)];")
                }
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
