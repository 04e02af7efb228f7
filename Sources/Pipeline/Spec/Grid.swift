import Formats

/// Grid expansion: the cartesian product of axis values minus exclusions.
public enum Grid {
    /// Cells in a stable order: axes sorted by name, values in the order written. An exclusion is a partial
    /// cell; a cell is dropped when every axis named in some exclusion matches.
    public static func cells(axes: [String: [JSONValue]], exclude: [[String: JSONValue]] = []) -> [[String: JSONValue]] {
        var cells: [[String: JSONValue]] = [[:]]
        for name in axes.keys.sorted() {
            cells = cells.flatMap { cell in axes[name]!.map { value in cell.merging([name: value]) { _, new in new } } }
        }
        return cells.filter { cell in
            !exclude.contains { rule in rule.allSatisfy { cell[$0.key] == $0.value } }
        }
    }

    /// `seed=1,task=copy` — how cells appear in node names, status and logs.
    public static func label(_ axes: [String: JSONValue]) -> String {
        axes.keys.sorted().map { "\($0)=\(axes[$0]!.interpolationText)" }.joined(separator: ",")
    }
}
