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
    /// Keys in dependency order (producers first; ties broken by node name, or by `grid.order`'s axes first).
    public let order: [String]
    public let cells: [Cell]

    public static func build(_ spec: ExperimentSpec, profile: String = "default", registry: StageRegistry,
                             hashFile: (URL) throws -> String = { try Hashing.sha256Hex(fileAt: $0) }) throws -> StageGraph {
        let specFile = spec.file.path
        let chosen = try spec.profile(named: profile)
        let templates = spec.stageTemplates
        let decls = spec.parameterDecls
        // 1. Checks on the templates themselves.
        let (templateErrors, edges) = checkTemplates(templates, decls: decls, registry: registry)
        var errors = templateErrors
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
        let base = spec.values(under: chosen)
        let axes = spec.axes(under: chosen)
        let axisNames = Set(axes.keys)
        var directAxes: [String: Set<String>] = [:]
        for name in templateOrder {
            var used = Interpolation.names(in: templates[name]!.params).intersection(axisNames)
            for producer in edges[name] ?? [] { used.formUnion(directAxes[producer] ?? []) }
            directAxes[name] = used
        }

        var expansion = GraphExpansion(templates: templates, templateOrder: templateOrder, directAxes: directAxes,
                                       registry: registry, profile: chosen, specFile: specFile)
        let cellList = Grid.cells(axes: axes, exclude: spec.exclude + chosen.exclude)
        expansion.reserve(cells: cellList.count)
        var cells: [Cell] = []
        cells.reserveCapacity(cellList.count)
        for cellAxes in cellList {
            let keys = try expansion.expand(cell: cellAxes, variables: base.merging(cellAxes) { _, new in new }, hashFile: hashFile)
            cells.append(Cell(axes: cellAxes, stages: keys))
        }
        errors += expansion.errors
        let nodes = expansion.nodes
        if !errors.isEmpty { throw SpecErrors(errors) }
        // Ties go by name, which lists a node's axes sorted; `grid.order` puts its axes first instead (seed-major
        // rounds: Table 4 times every method once per seed before the next seed).
        let rankName: (StageNode) -> String = spec.order.isEmpty ? { $0.name } : { node in
            guard !node.axes.isEmpty else { return node.name }
            let first = spec.order.filter { node.axes[$0] != nil }
            let rest = node.axes.keys.filter { !spec.order.contains($0) }.sorted()
            return node.template + "[" + (first + rest).map { "\($0)=\(node.axes[$0]!.interpolationText)" }.joined(separator: ",") + "]"
        }
        let order = topologicalOrder(Array(nodes.keys), dependencies: { nodes[$0]!.dependencies }, name: { rankName(nodes[$0]!) })
        return StageGraph(spec: spec.name, specFile: specFile, profile: profile, nodes: nodes, order: order, cells: cells)
    }

    /// Step 1: checks on the templates themselves (kinds, inputs, `${names}`, cycles). Returns the errors and
    /// each template's producers.
    static func checkTemplates(_ templates: [String: StageTemplate], decls: [String: ParameterDecl],
                               registry: StageRegistry) -> (errors: [SpecError], edges: [String: [String]]) {
        var errors: [SpecError] = []
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
        return (errors, edges)
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
