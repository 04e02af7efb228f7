import Foundation

/// GLUE TSV files as distributed (`train.tsv`, `dev.tsv`, `test.tsv`). Columns are found by header name
/// (the layouts differ per task and test files lack the label column); CoLA has no header and fixed columns
/// `source, label, original_mark, sentence`. Labels use the order of HF `datasets`' GLUE configs.
public enum GLUETask: String, Sendable, CaseIterable, Codable {
    case cola, sst2, stsb, mrpc, qqp, mnli, qnli, rte

    /// (first text column, second text column, label column) header names.
    public var columns: (String, String?, String) {
        switch self {
        case .cola: return ("sentence", nil, "label")
        case .sst2: return ("sentence", nil, "label")
        case .stsb: return ("sentence1", "sentence2", "score")
        case .mrpc: return ("#1 String", "#2 String", "Quality")
        case .qqp: return ("question1", "question2", "is_duplicate")
        case .mnli: return ("sentence1", "sentence2", "gold_label")
        case .qnli: return ("question", "sentence", "label")
        case .rte: return ("sentence1", "sentence2", "label")
        }
    }

    public var labelNames: [String] {
        switch self {
        case .cola: return ["unacceptable", "acceptable"]
        case .sst2: return ["negative", "positive"]
        case .stsb: return []
        case .mrpc, .qqp: return ["not_equivalent", "equivalent"]
        case .mnli: return ["entailment", "neutral", "contradiction"]
        case .qnli, .rte: return ["entailment", "not_entailment"]
        }
    }
}

public enum GLUEReader {
    /// Examples of one file; label `.none` when the file has no label column (test files).
    public static func read(_ url: URL, task: GLUETask) throws -> [Example] {
        try parse(try TextFile.read(url), file: url.path, task: task)
    }

    public static func parse(_ text: String, file: String, task: GLUETask) throws -> [Example] {
        // GLUE TSVs are unquoted: a field never contains a tab, quotes are literal characters.
        var lines = TextFile.lines(text).map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let (aName, bName, labelName) = task.columns
        var aCol: Int, bCol: Int?, labelCol: Int?, idCol: Int?
        var firstLine = 1
        if task == .cola && !(lines.first?.first == "index") {
            aCol = 3; bCol = nil; labelCol = 1; idCol = nil
        } else {
            guard let header = lines.first else { return [] }
            func col(_ n: String) -> Int? { header.firstIndex(of: n) }
            guard let a = col(aName) else { throw DataError(file: file, line: 1, field: aName, "column missing from the header") }
            aCol = a
            bCol = try bName.map { n in
                guard let b = col(n) else { throw DataError(file: file, line: 1, field: n, "column missing from the header") }
                return b
            }
            labelCol = col(labelName)
            idCol = col("index") ?? col("id")
            lines.removeFirst()
            firstLine = 2
        }
        var out: [Example] = []
        for (k, f) in lines.enumerated() {
            let lineNo = k + firstLine
            if f.count == 1 && f[0].isEmpty { continue }
            let need = max(aCol, bCol ?? 0, labelCol ?? 0)
            guard f.count > need else {
                throw DataError(file: file, line: lineNo, field: "columns", "\(f.count) column(s), need at least \(need + 1)")
            }
            var label = Label.none
            if let lc = labelCol {
                let raw = f[lc].trimmingCharacters(in: .whitespaces)
                if task == .stsb {
                    guard let v = Double(raw) else { throw DataError(file: file, line: lineNo, field: labelName, "'\(raw)' is not a number") }
                    label = .value(v)
                } else if let i = Int(raw), (0..<task.labelNames.count).contains(i) {
                    label = .classIndex(i)
                } else if let i = task.labelNames.firstIndex(of: raw) {
                    label = .classIndex(i)
                } else {
                    throw DataError(file: file, line: lineNo, field: labelName, "unknown label '\(raw)' (expected one of \(task.labelNames))")
                }
            }
            let id = idCol.map { f[$0] } ?? "\(task.rawValue)-\(lineNo)"
            out.append(Example(id: id, text: f[aCol], pair: bCol.map { f[$0] }, label: label))
        }
        return out
    }
}
