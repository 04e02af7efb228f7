import Foundation
import Formats

/// The `report` block of an experiment spec: how its cells become the paper's table.
public struct ReportLayout: Decodable, Sendable {
    /// Key of the paper's table in the paper-numbers file (e.g. "table3").
    public var paper: String
    public var title: String
    /// The grid axis whose values are the table's rows (methods or ablation rows); several axes joined by
    /// commas make one row per combination ("variant,hyper_path").
    public var rows: String
    /// The grid axis whose values are the columns (tasks); nil = one column, the spec's `task` parameter.
    public var columns: String?
    /// Template stage whose final metrics fill the cells.
    public var stage: String
    /// Metric per column (the paper's metric for that task); `default` applies to the rest.
    public var metric: [String: String]
    /// Instead of an axis: fixed columns, each a `stage.metric` (e.g. "train.train_samples_per_second").
    public var metricColumns: [String]?
    /// Which paper task each of our columns stands in for (for the paper's numbers and captions).
    public var paperTask: [String: String]?
    /// One line naming the backbone for the caption.
    public var backbone: String
    /// Row order and display labels.
    public var rowLabels: [String: String]?
    public var rowOrder: [String]?
    /// Qualitative claims of the paper to check: "better" row should beat "worse" row.
    public var claims: [Claim]?
    /// With `metric_columns`: which task each column measures (for the caption's data line); `${parameter}`
    /// takes the task from the spec's (profile's) parameter.
    public var columnTasks: [String: String]?
    /// Paper columns this build cannot run yet, shown as "not yet runnable" beside the paper's numbers.
    public var unavailable: [Unavailable]?
    public struct Unavailable: Decodable, Sendable {
        public var name: String
        public var metric: String
        public var paperTask: String
        public var reason: String
    }
    /// Adds an "average" column: per seed, the mean over the task columns (the paper's GLUE/SuperGLUE average).
    public var average: Bool?
    /// Adds a line per row with its ratio to this row (Table 4's HyperMoE/MoE).
    public var ratioTo: String?
    /// Metrics where lower is better (perplexity).
    public var lowerIsBetter: [String]?

    public struct Claim: Decodable, Sendable {
        public var text: String
        public var better: String
        public var worse: String
        /// Compare the average over columns (default) or one column.
        public var column: String?
        public init(text: String, better: String, worse: String, column: String? = nil) {
            self.text = text; self.better = better; self.worse = worse; self.column = column
        }
    }

    public func metric(for column: String) -> String { metric[column] ?? metric["default"] ?? "accuracy" }

    /// Reads the `report` block of a spec file; nil when it has none.
    public static func load(specFile: URL) throws -> ReportLayout? {
        let json = try JSONValue.parse(Data(contentsOf: specFile))
        guard let block = json["report"] else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ReportLayout.self, from: JSONEncoder().encode(block))
    }
}
