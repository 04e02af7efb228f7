import Foundation
import GRDB
import Formats

/// Every recorded metric value of a spec's cells, one row per (cell, template stage, metric, step): what
/// `hmpipe metrics` exports for analysis in pandas or R.
public struct MetricRow: Sendable, Equatable {
    public let cell: String
    public let axes: [String: JSONValue]
    public let stage: String
    public let stageKey: String
    public let status: StageStatus
    public let metric: String
    public let step: Int?
    public let value: Double

    public init(cell: String, axes: [String: JSONValue], stage: String, stageKey: String, status: StageStatus,
                metric: String, step: Int?, value: Double) {
        self.cell = cell; self.axes = axes; self.stage = stage; self.stageKey = stageKey; self.status = status
        self.metric = metric; self.step = step; self.value = value
    }
}

extension StateStore {
    /// Rows in cell, stage, metric, step order (step-less values last within a metric, as the final value).
    /// A stage shared by several cells (an upstream `prepare`, say) appears once under each cell that uses it.
    public func metricRows(spec: String, profile: String) throws -> [MetricRow] {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT cell.label, cell.axes, cell.template, cell.stageKey, stage.status, metric.name, metric.step, metric.value
                FROM cell
                JOIN metric ON metric.stageKey = cell.stageKey
                LEFT JOIN stage ON stage.key = cell.stageKey
                WHERE cell.spec = ? AND cell.profile = ?
                ORDER BY cell.label, cell.template, metric.name, (metric.step IS NULL), metric.step, metric.id
                """, arguments: [spec, profile])
            var axesByCell: [String: [String: JSONValue]] = [:]
            return rows.map { row in
                let label: String = row["label"]
                let axes = axesByCell[label] ?? {
                    let parsed = (try? JSONValue.parse(row["axes"] as String).objectValue ?? [:]) ?? [:]
                    axesByCell[label] = parsed
                    return parsed
                }()
                return MetricRow(cell: label, axes: axes, stage: row["template"], stageKey: row["stageKey"],
                                 status: StageStatus(rawValue: (row["status"] as String?) ?? "") ?? .pending,
                                 metric: row["name"], step: row["step"], value: row["value"])
            }
        }
    }
}
