import Foundation
import Formats

/// `hmpipe status`: per spec, how many cells and stages are done / stale / pending / failed, and *why* each
/// stale stage is stale (which parameter or input changed since it last ran) — Snakemake's `--reason`.
public struct SpecStatus: Sendable {
    public enum State: String, Sendable, CaseIterable, Comparable {
        case done, running, pending, stale, failed
        public static func < (a: State, b: State) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }
    public let spec: String
    public let profile: String
    /// Per stage key.
    public let stages: [String: State]
    /// Per cell label: the worst state of the stages it needs.
    public let cells: [String: State]
    /// Node name → why it is stale / why it failed.
    public let reasons: [String: String]
    /// Node name → the Slurm job submitted for it that no run has concluded yet (queued, running, or finished
    /// with its result not collected: the next `hmpipe run` follows it).
    public let slurmJobs: [String: String]

    public func count(_ state: State, cells: Bool = true) -> Int {
        (cells ? Array(self.cells.values) : Array(stages.values)).filter { $0 == state }.count
    }

    public static func compute(graph: StageGraph, state: StateStore, store: ArtifactStore) throws -> SpecStatus {
        let rows = try state.stages(graph.order)
        let artifacts = try state.artifacts(keys: graph.order)
        let previous = try state.specNodes(spec: graph.spec, profile: graph.profile)
        let previousRows = try state.stages(Array(Set(previous.values).subtracting(rows.keys)))
        let openJobs = Dictionary(try state.openSlurmJobs(keys: graph.order).map { ($0.stageKey, $0.jobId) }) { _, newer in newer }
        var stages: [String: State] = [:]
        var reasons: [String: String] = [:]
        for key in graph.order {
            let node = graph.nodes[key]!
            let row = rows[key]
            switch row?.status {
            case .done?:
                let ok = node.outputs.allSatisfy { name in
                    guard let a = artifacts[key]?.first(where: { $0.name == name }) else { return false }
                    return (try? store.check(a, full: false)) != nil
                }
                stages[key] = ok ? .done : .pending
                if !ok { reasons[node.name] = "artifact missing or damaged" }
            case .failed?:
                stages[key] = .failed
                reasons[node.name] = row?.error ?? "failed"
            case .running?:
                stages[key] = row?.owner?.isAlive() == false ? .pending : .running
            default:
                if openJobs[key] != nil {
                    stages[key] = .running
                } else if let oldKey = previous[node.name], oldKey != key, let old = previousRows[oldKey], old.status == .done {
                    stages[key] = .stale
                    reasons[node.name] = why(old: old, node: node, graph: graph)
                } else {
                    stages[key] = .pending
                }
            }
        }
        var cells: [String: State] = [:]
        for cell in graph.cells {
            cells[cell.label] = cell.stages.values.compactMap { stages[$0] }.max() ?? .done
        }
        let slurmJobs = Dictionary(uniqueKeysWithValues: openJobs.compactMap { key, job in graph.nodes[key].map { ($0.name, job) } })
        return SpecStatus(spec: graph.spec, profile: graph.profile, stages: stages, cells: cells, reasons: reasons,
                          slurmJobs: slurmJobs)
    }

    /// "params.n changed 3 → 5; input nums changed (numbers was rebuilt)".
    static func why(old: StageRecord, node: StageNode, graph: StageGraph) -> String {
        var parts: [String] = []
        let oldParams = (try? JSONValue.parse(old.params)) ?? .null
        parts += diff(oldParams, node.params, path: "params")
        let oldInputs = (try? JSONValue.parse(old.inputs))?.objectValue ?? [:]
        for name in Set(oldInputs.keys).union(node.inputs.keys).sorted() {
            let before = oldInputs[name].flatMap(ResolvedInput.init(json:))
            let now = node.inputs[name]
            if before == now { continue }
            switch (before, now) {
            case (.file(let path, _)?, .file?): parts.append("input \(name): file \(URL(fileURLWithPath: path).lastPathComponent) content changed")
            case (.artifact?, .artifact(let producer, _)?):
                parts.append("input \(name): upstream \(graph.nodes[producer]?.name ?? String(producer.prefix(12))) changed")
            case (nil, _): parts.append("input \(name) added")
            case (_, nil): parts.append("input \(name) removed")
            default: parts.append("input \(name) changed source")
            }
        }
        if old.kind != node.kind { parts.append("kind \(old.kind) → \(node.kind)") }
        return parts.isEmpty ? "engine or kind version changed" : parts.joined(separator: "; ")
    }

    static func diff(_ a: JSONValue, _ b: JSONValue, path: String) -> [String] {
        if a == b { return [] }
        if let x = a.objectValue, let y = b.objectValue {
            return Set(x.keys).union(y.keys).sorted().flatMap { k -> [String] in
                switch (x[k], y[k]) {
                case (nil, let v?): return ["\(path).\(k) added (\(short(v)))"]
                case (let v?, nil): return ["\(path).\(k) removed (was \(short(v)))"]
                case (let v?, let w?): return diff(v, w, path: "\(path).\(k)")
                default: return []
                }
            }
        }
        return ["\(path) changed \(short(a)) → \(short(b))"]
    }

    static func short(_ v: JSONValue) -> String {
        let text = v.canonical
        return text.count > 40 ? String(text.prefix(39)) + "…" : text
    }
}
