import Pipeline
import Foundation
import Formats

/// The paper's published numbers (experiments/paper/hypermoe-paper-numbers.json), looked up by table,
/// row (method) and paper task.
public struct PaperNumbers: Sendable {
    let json: JSONValue

    public init(file: URL) throws { json = try JSONValue.parse(Data(contentsOf: file)) }
    /// No published numbers (for uses that only need a builder's axis helpers).
    public static let none = PaperNumbers(json: .object([:]))
    init(json: JSONValue) { self.json = json }

    public var source: String { json["source"]?.stringValue ?? "" }

    /// The paper's value for `method` on `task` in `table`, if published.
    public func value(table: String, method: String, task: String) -> Double? {
        guard let t = json["tables"]?[table] else { return nil }
        if task == "average" { return t["average"]?[method]?.doubleValue }
        if let v = t["tasks"]?[task]?[method]?.doubleValue { return v }
        if let v = t["rows"]?[method]?[task]?.doubleValue { return v }
        if let v = t["rows"]?[task]?[method]?.doubleValue { return v }   // Table 4: rows are task-phases
        return nil
    }

    public func rowLabel(table: String, method: String) -> String? {
        json["tables"]?[table]?["rows"]?[method]?["label"]?.stringValue ?? json["methods"]?[method]?.stringValue
    }

    /// Methods with published numbers in `table`, in the paper's order when it has rows.
    public func methods(table: String) -> [String] {
        guard let t = json["tables"]?[table] else { return [] }
        if let rows = t["rows"]?.objectValue {
            if rows.values.contains(where: { $0["label"] != nil }) { return rows.keys.sorted { order($0) < order($1) } }
            return ["moe", "hypermoe", "ratio"]   // Table 4
        }
        return ["moe", "moe-share", "hypermoe"]
    }

    private func order(_ m: String) -> Int {
        ["moe", "hypermoe-hidden", "hypermoe-weights", "moe-share", "hypermoe-selected", "hypermoe"].firstIndex(of: m) ?? 99
    }
}
