import Pipeline
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
    /// Qualitative claims of the paper to check (one row beats another, a row improves along the columns, a gap
    /// grows along them); see `Claim`.
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
    /// Adds an "average" column: per seed, the mean over the task columns (the paper's GLUE/SuperGLUE average);
    /// with `column_groups` present in the table, one average per group instead.
    public var average: Bool?
    /// Blocks of columns whose paper numbers sit in their own table of the numbers file, each with its own
    /// average (Table 1: GLUE and SuperGLUE). A group applies when the table has any of its columns.
    public var columnGroups: [ColumnGroup]?
    public struct ColumnGroup: Decodable, Sendable {
        /// "SuperGLUE" (for captions).
        public var name: String
        /// The group's table in the paper-numbers file ("table1-superglue"): its tasks and its average.
        public var paper: String
        public var columns: [String]
        /// The name of the group's average column ("superglue-average").
        public var average: String
    }
    /// Adds a line per row with its ratio to this row (Table 4's HyperMoE/MoE).
    public var ratioTo: String?
    /// How a cell sums up its seeds (nil = `mean`).
    public var summary: Summary?
    public enum Summary: String, Codable, Sendable {
        /// Mean ± sample sd; ratio rows divide the means.
        case mean
        /// Median [min–max] — repeated timings, where one disturbed repetition must not move the figure; ratio
        /// rows give the median [min–max] of the per-seed ratios (each seed a round that ran every method).
        case median
    }
    /// Metrics where lower is better (perplexity).
    public var lowerIsBetter: [String]?

    /// A qualitative claim of the paper, tested by `ReportClaims` on paired per-seed differences.
    public struct Claim: Decodable, Sendable {
        public enum Kind: String, Decodable, Sendable {
            /// `better` beats `worse`, on average over the columns (or in `column`). The default.
            case beats
            /// `row` (every row when absent) gets better from the first column to the last (Figure 3's N).
            case improves
            /// `better` − `worse` is larger at the last column than at the first.
            case gapGrows = "gap_grows"
        }
        public var text: String
        public var kind: Kind?
        public var better: String?
        public var worse: String?
        public var row: String?
        /// For `beats`: compare in one column instead of the average over columns. A claim on a column the table
        /// does not have (one another profile adds, as the paper profile's SuperGLUE average) is left out.
        public var column: String?
        /// For `beats`: an "at least as good" claim — the non-inferiority margin in the metric's units (the
        /// claim holds when better − worse is credibly above −margin).
        public var margin: Double?
        public init(text: String, kind: Kind? = nil, better: String? = nil, worse: String? = nil, row: String? = nil,
                    column: String? = nil, margin: Double? = nil) {
            self.text = text; self.kind = kind; self.better = better; self.worse = worse; self.row = row; self.column = column
            self.margin = margin
        }

        /// What the kind needs and does not take, as a message; nil when well-formed.
        func problem() -> String? {
            switch kind ?? .beats {
            case .beats, .gapGrows:
                if better == nil || worse == nil { return "a '\((kind ?? .beats).rawValue)' claim needs 'better' and 'worse' rows" }
                if row != nil { return "'row' belongs to 'improves' claims; this one compares 'better' with 'worse'" }
                if kind == .gapGrows, column != nil { return "a 'gap_grows' claim compares the first and last columns; drop 'column'" }
            case .improves:
                if better != nil || worse != nil || column != nil {
                    return "an 'improves' claim takes 'row' (or none, for every row), not 'better', 'worse' or 'column'"
                }
            }
            if let m = margin {
                if (kind ?? .beats) != .beats { return "'margin' (non-inferiority) belongs to 'beats' claims" }
                if !(m > 0) { return "'margin' must be a positive number in the metric's units" }
            }
            return nil
        }
    }

    public func metric(for column: String) -> String { metric[column] ?? metric["default"] ?? "accuracy" }

    /// Reads the `report` block of a spec file; nil when it has none.
    public static func load(specFile: URL) throws -> ReportLayout? {
        let json = try JSONValue.parse(Data(contentsOf: specFile))
        guard let block = json["report"] else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let layout: ReportLayout
        do {
            layout = try decoder.decode(ReportLayout.self, from: JSONEncoder().encode(block))
        } catch let error as DecodingError {
            throw SpecError(file: specFile.path, path: "$.report" + error.jsonPath, error.reason)
        }
        for (i, claim) in (layout.claims ?? []).enumerated() {
            if let problem = claim.problem() { throw SpecError(file: specFile.path, path: "$.report.claims[\(i)]", problem) }
        }
        return layout
    }
}

private extension DecodingError {
    var context: Context? {
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): return c
        @unknown default: return nil
        }
    }

    /// `.claims[2].kind` for the place decoding stopped (snake_case keys as the user wrote them).
    var jsonPath: String {
        var path = (context?.codingPath ?? []).map { k in k.intValue.map { "[\($0)]" } ?? "." + k.stringValue }.joined()
        if case .keyNotFound(let key, _) = self { path += "." + key.stringValue }
        return path
    }

    var reason: String {
        switch self {
        case .keyNotFound(let key, _): return "missing required key '\(key.stringValue)'"
        case .typeMismatch(let type, _): return "expected \(type)"
        case .valueNotFound(let type, _): return "expected \(type), found null"
        case .dataCorrupted(let c): return c.debugDescription
        @unknown default: return "\(self)"
        }
    }
}
