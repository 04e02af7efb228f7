import Foundation
import Formats

/// `MetricRow`s as a flat table for pandas or R: CSV (RFC 4180 quoting) or JSON Lines, one row per (cell, stage,
/// metric, step), the cell's axis values as columns of their own. An axis whose name is one of the fixed columns
/// is written as `axis_NAME`, so no column is ever silently overwritten.
public enum MetricsExport {
    public enum Format: String, CaseIterable, Sendable { case csv, jsonl }

    static let fixed = ["spec", "profile", "cell", "stage", "stage_key", "status", "metric", "step", "value"]

    /// Axis names as they appear in the export, in sorted order.
    public static func axisColumns(_ rows: [MetricRow]) -> [(axis: String, column: String)] {
        Set(rows.flatMap { $0.axes.keys }).sorted().map { ($0, fixed.contains($0) ? "axis_" + $0 : $0) }
    }

    public static func render(_ rows: [MetricRow], spec: String, profile: String, format: Format) -> String {
        let axes = axisColumns(rows)
        switch format {
        case .csv:
            var out = (fixed.prefix(3) + axes.map(\.column) + fixed.dropFirst(3)).map(csvField).joined(separator: ",") + "\n"
            for r in rows {
                let axisCells = axes.map { r.axes[$0.axis].map(plain) ?? "" }
                let cells = [spec, profile, r.cell] + axisCells +
                    [r.stage, r.stageKey, r.status.rawValue, r.metric, r.step.map(String.init) ?? "", number(r.value)]
                out += cells.map(csvField).joined(separator: ",") + "\n"
            }
            return out
        case .jsonl:
            var out = ""
            for r in rows {
                var object: [String: JSONValue] = [
                    "spec": .string(spec), "profile": .string(profile), "cell": .string(r.cell), "stage": .string(r.stage),
                    "stage_key": .string(r.stageKey), "status": .string(r.status.rawValue), "metric": .string(r.metric),
                    "step": r.step.map { .int(Int64($0)) } ?? .null,
                    // JSON has no NaN/Infinity: a non-finite value (a diverged loss) is written as null.
                    "value": r.value.isFinite ? .double(r.value) : .null,
                ]
                for (axis, column) in axes { object[column] = r.axes[axis] ?? .null }
                out += JSONValue.object(object).canonical + "\n"
            }
            return out
        }
    }

    /// An axis value as a CSV cell: strings bare, everything else as its canonical JSON.
    static func plain(_ v: JSONValue) -> String { v.stringValue ?? v.canonical }

    /// Shortest round-trip text; NaN and ±inf as pandas reads them.
    static func number(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return "\(d)"
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
