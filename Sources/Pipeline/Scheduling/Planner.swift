import Foundation
import StageInterface

/// Decides which nodes a run must execute and why — shared by `run`, `run --dry-run` and `status`, so what
/// dry-run prints is exactly what run then does.
public struct Plan: Sendable {
    public struct Item: Sendable {
        public let node: StageNode
        public let reason: String
    }
    /// All nodes of all specs, merged by key (a stage shared by two specs is one node).
    public let nodes: [String: StageNode]
    /// Every selected key, producers first.
    public let order: [String]
    /// The keys to execute, in order, with the reason for each.
    public let toRun: [Item]
    /// Selected keys already done with their artifacts present.
    public let upToDate: [String]
    /// Done stages whose stored artifact is missing or has the wrong size (they are in `toRun` too).
    public let brokenArtifacts: [String: String]
}

public enum Planner {
    public static func plan(graphs: [StageGraph], state: StateStore, store: ArtifactStore,
                            only: StageGlob? = nil, force: StageGlob? = nil) throws -> Plan {
        var nodes: [String: StageNode] = [:]
        var order: [String] = []
        for graph in graphs {
            for key in graph.order where nodes[key] == nil {
                nodes[key] = graph.nodes[key]
                order.append(key)
            }
        }
        // Concatenated topological orders stay topological: a key seen in an earlier spec already has its
        // producers placed before it.
        var selected = Set(order)
        if let only {
            var wanted = Set(order.filter { only.matches(nodes[$0]!) })
            var frontier = Array(wanted)
            while let key = frontier.popLast() {
                for dep in nodes[key]!.dependencies where wanted.insert(dep).inserted { frontier.append(dep) }
            }
            selected = wanted
        }
        order = order.filter(selected.contains)

        let rows = try state.planningRows(order)
        let artifacts = try state.artifactRows(keys: order)
        var toRun: [Plan.Item] = []
        var upToDate: [String] = []
        var broken: [String: String] = [:]
        for key in order {
            let node = nodes[key]!
            let row = rows[key]
            var reason: String? = nil
            if force?.matches(node) == true {
                reason = "forced"
            } else if let row, row.status == .done {
                let stored = artifacts[key] ?? []
                for output in node.outputs {
                    guard let record = stored.first(where: { $0.name == output }) else { reason = "artifact '\(output)' not recorded"; break }
                    do { try store.check(record, full: false) } catch {
                        reason = "artifact '\(output)' \(error)"
                        break
                    }
                }
                if let reason { broken[key] = reason }
            } else {
                switch row?.status {
                case nil, .pending?: reason = row?.error.map { "pending (\($0))" } ?? "never run"
                case .failed?: reason = "failed before" + (row?.error.map { ": \($0)" } ?? "")
                case .interrupted?: reason = "interrupted before" + (row?.error.map { ": \($0)" } ?? "")
                case .running?: reason = "running elsewhere (\(row?.owner?.description ?? "?"))"
                case .done?: reason = nil
                }
            }
            if let reason { toRun.append(Plan.Item(node: node, reason: reason)) } else { upToDate.append(key) }
        }
        return Plan(nodes: nodes, order: order, toRun: toRun, upToDate: upToDate, brokenArtifacts: broken)
    }
}
