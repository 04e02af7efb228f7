import Foundation
import Formats
import StageInterface

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

    public static func build(_ spec: ExperimentSpec, profile: String = "default", registry: StageRegistry,
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
                case .file(let url):
                    var isDirectory: ObjCBool = false
                    if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                        errors.append(SpecError(file: t.file, path: path, "input file not found: \(url.path)"))
                    } else if isDirectory.boolValue {
                        errors.append(SpecError(file: t.file, path: path, "input is a directory, not a file: \(url.path) (name one file; inputs are tracked by content hash)"))
                    } else if access(url.path, R_OK) != 0 {
                        errors.append(SpecError(file: t.file, path: path, "input file is not readable: \(url.path)"))
                    }
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
        var planned: [String: [String]] = [:]
        var reportedParameterErrors: Set<String> = []
        var nodes: [String: StageNode] = [:]
        var cells: [Cell] = []
        var seenErrors: Set<String> = []
        func fail(_ e: SpecError) { if seenErrors.insert(e.description).inserted { errors.append(e) } }

        let compiled = templates.mapValues { Interpolation.compile($0.params) }
        // A node depends only on the values of the axes it uses (its own and its producers'): once built for
        // those values it is the same in every other cell, so the shared upstream is expanded once.
        var memo: [String: String] = [:]
        let cellList = Grid.cells(axes: axes, exclude: spec.exclude + chosen.exclude)
        nodes.reserveCapacity(cellList.count * templateOrder.count)
        memo.reserveCapacity(cellList.count * templateOrder.count)
        for cellAxes in cellList {
            let variables = base.merging(cellAxes) { _, new in new }
            var keys: [String: String] = [:]
            var outputsOf: [String: [String]] = [:]
            cellLoop: for name in templateOrder {
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
                    break cellLoop
                }
                // One plan (strict decoding, checks, outputs) per distinct parameter set: cells that differ only
                // in axes this stage does not use share it. A parameter error is reported once, not per cell.
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
                            let where_ = cellAxes.isEmpty ? "" : " (first in cell \(Grid.label(cellAxes)))"
                            fail(SpecError(file: t.file, path: path, e.message + where_, suggestion: e.suggestion))
                        }
                        break cellLoop
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
                            break cellLoop
                        }
                        inputs[inputName] = .artifact(stage: producerKey, output: output)
                    case .file(let url):
                        if fileHashes[url] == nil { fileHashes[url] = try hashFile(url) }
                        inputs[inputName] = .file(path: url.path, sha256: fileHashes[url]!)
                    }
                }
                let key = CacheKey.compute(kind: t.kind, kindVersion: kind.version, paramsCanonical: paramsCanonical, inputs: inputs)
                memo[memoKey] = key
                if nodes[key] == nil {
                    nodes[key] = StageNode(key: key, kind: t.kind, template: name,
                                           name: used.isEmpty ? name : "\(name)[\(usedLabel)]",
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

    /// Kahn's algorithm; among ready items the smallest name goes first so output is stable. The ready set is
    /// a binary heap over integer ids (a re-sorted array was quadratic: 100,000 evaluation nodes become ready
    /// together when their shared producer is placed).
    static func topologicalOrder(_ items: [String], dependencies: (String) -> [String], name: (String) -> String) -> [String] {
        var id: [String: Int] = [:]
        id.reserveCapacity(items.count)
        for (i, item) in items.enumerated() { id[item] = i }
        let names = items.map(name)
        var remaining = [Int](repeating: 0, count: items.count)
        var dependents = [[Int]](repeating: [], count: items.count)
        for (i, item) in items.enumerated() {
            var seen = Set<Int>()
            for d in dependencies(item) { if let j = id[d], seen.insert(j).inserted { dependents[j].append(i) } }
            remaining[i] = seen.count
        }
        // Names ranked once (by UTF-8 bytes), so the heap compares integers.
        var rank = [Int](repeating: 0, count: items.count)
        for (r, i) in items.indices.sorted(by: { names[$0].utf8.lexicographicallyPrecedes(names[$1].utf8) }).enumerated() { rank[i] = r }
        var ready = MinHeap(less: { rank[$0] < rank[$1] })
        for i in items.indices where remaining[i] == 0 { ready.push(i) }
        var order: [String] = []
        order.reserveCapacity(items.count)
        while let next = ready.pop() {
            order.append(items[next])
            for d in dependents[next] {
                remaining[d] -= 1
                if remaining[d] == 0 { ready.push(d) }
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

/// A binary min-heap of ints under a caller's ordering (the topological sort's ready set).
struct MinHeap {
    private var items: [Int] = []
    private let less: (Int, Int) -> Bool
    init(less: @escaping (Int, Int) -> Bool) { self.less = less }

    mutating func push(_ x: Int) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, less(items[l], items[m]) { m = l }
                if r < items.count, less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
