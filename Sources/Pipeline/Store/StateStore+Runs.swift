import Foundation
import Formats
import GRDB

/// Runs (one row per `hmpipe run` / exec-stage) and the recorded plan: which key each node and cell resolved to.
extension StateStore {
    // MARK: Runs

    public func beginRun(command: String, specs: [String], profile: String) throws -> String {
        let me = ProcessIdentity.current
        let record = RunRecord(id: UUID().uuidString.lowercased(), command: command, specs: specs.joined(separator: ","), profile: profile,
                               host: me.host, pid: me.pid, startedAt: StateStore.now, finishedAt: nil, status: "running",
                               executed: 0, cached: 0, failed: 0)
        try writer.write { db in try record.insert(db) }
        return record.id
    }

    public func finishRun(_ id: String, status: String, executed: Int, cached: Int, failed: Int) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE run SET status = ?, finishedAt = ?, executed = ?, cached = ?, failed = ? WHERE id = ?",
                           arguments: [status, StateStore.now, executed, cached, failed, id])
        }
    }

    public func runs() throws -> [RunRecord] {
        try writer.read { db in try RunRecord.fetchAll(db, sql: "SELECT * FROM run ORDER BY startedAt") }
    }

    // MARK: Planning

    /// Records the planned graph: a `pending` row for every new key, and which key each node and cell of
    /// (spec, profile) resolves to now. One transaction, writes only what changed (a no-op run stays fast).
    public func recordPlan(_ graph: StageGraph) throws {
        let now = StateStore.now
        try writer.write { db in
            let existing = Set(try String.fetchAll(db, sql: "SELECT key FROM stage"))
            for key in graph.order where !existing.contains(key) {
                let node = graph.nodes[key]!
                try StageRecord(key: key, kind: node.kind, template: node.template, name: node.name,
                                params: node.params.canonical,
                                inputs: JSONValue.object(node.inputs.mapValues(\.json)).canonical,
                                outputs: JSONValue.array(node.outputs.map { .string($0) }).canonical,
                                status: .pending, attempt: 0).insert(db)
            }
            var current: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, key FROM specNode WHERE spec = ? AND profile = ?",
                                        arguments: [graph.spec, graph.profile]) {
                current[row["name"]] = row["key"]
            }
            for key in graph.order {
                let node = graph.nodes[key]!
                if current[node.name] != key {
                    try SpecNodeRecord(spec: graph.spec, profile: graph.profile, name: node.name, key: key, updatedAt: now).save(db)
                }
            }
            var cells: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT label, template, stageKey FROM cell WHERE spec = ? AND profile = ?",
                                        arguments: [graph.spec, graph.profile]) {
                cells[(row["label"] as String) + "\u{0}" + (row["template"] as String)] = row["stageKey"]
            }
            for cell in graph.cells {
                let axes = JSONValue.object(cell.axes).canonical
                for (template, key) in cell.stages where cells[cell.label + "\u{0}" + template] != key {
                    try CellRecord(spec: graph.spec, profile: graph.profile, label: cell.label, axes: axes,
                                   template: template, stageKey: key).save(db)
                }
            }
        }
    }
}
