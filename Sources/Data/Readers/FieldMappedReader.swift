import Foundation

/// How to read any dataset exported as JSON Lines or a TSV with a header (for example `datasets`' `to_json`):
/// which field is the text, the optional second text, the label and what kind of label it is. One mapping serves
/// single texts and pairs with a class, a real-valued target or a SQuAD-style answer span.
public struct FieldMapping: Codable, Sendable, Equatable {
    public enum Format: String, Codable, Sendable { case jsonl, tsv }
    public enum LabelType: String, Codable, Sendable {
        /// One of `classes` (by name, or by index into `classes`).
        case `class`
        /// A real number (regression).
        case value
        /// Extractive QA: `text` is the question, `pair` the context, `label` the answers — SQuAD's list
        /// `[{"text", "answer_start"}]` or `datasets`' `{"text": […], "answer_start": […]}`.
        case span
    }

    public var format: Format
    public var text: String
    public var pair: String?
    public var label: String
    public var labelType: LabelType
    /// Class names, in label-index order (required for `class`).
    public var classes: [String]?
    /// Field naming the source document: examples sharing it are never split apart (no leakage). Default: each
    /// example is its own document, identical texts counting as one.
    public var group: String?
    /// Field with a stable example id (default: the line number).
    public var id: String?


    public init(format: Format, text: String, pair: String? = nil, label: String, labelType: LabelType,
                classes: [String]? = nil, group: String? = nil, id: String? = nil) {
        self.format = format; self.text = text; self.pair = pair; self.label = label; self.labelType = labelType
        self.classes = classes; self.group = group; self.id = id
    }

    /// What a spec got wrong, as (field, message); nil when the mapping is usable.
    public var problem: (field: String, message: String)? {
        if text.isEmpty { return ("text", "name the field holding the text") }
        if label.isEmpty { return ("label", "name the field holding the label") }
        switch labelType {
        case .class:
            guard let c = classes, c.count >= 2 else { return ("classes", "a class label needs the list of at least two class names") }
            if Set(c).count != c.count { return ("classes", "class names must be distinct") }
        case .span:
            if pair == nil { return ("pair", "a span label needs the context field as `pair` (the text is the question)") }
        case .value: break
        }
        return nil
    }
}

public enum FieldMappedReader {
    public static func read(_ url: URL, mapping: FieldMapping) throws -> [Example] {
        try parse(try TextFile.read(url), file: url.path, mapping: mapping)
    }

    public static func parse(_ text: String, file: String, mapping m: FieldMapping) throws -> [Example] {
        if let (field, message) = m.problem { throw DataError(file: file, field: field, "field mapping: \(message)") }
        let rows: [(line: Int, value: (String) -> Any?)]
        switch m.format {
        case .jsonl:
            rows = try JSONLines.parse(text, file: file).map { r in (r.line, { r.object[$0] }) }
        case .tsv:
            let lines = TextFile.lines(text)
            guard let headerLine = lines.first else { return [] }
            let header = headerLine.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            for name in [m.text, m.label] + [m.pair, m.group, m.id].compactMap({ $0 }) where !header.contains(name) {
                throw DataError(file: file, line: 1, field: name, "column missing from the header (have: \(header.joined(separator: ", ")))")
            }
            rows = lines.dropFirst().enumerated().compactMap { k, line in
                if line.isEmpty { return nil }
                let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                return (k + 2, { name in header.firstIndex(of: name).flatMap { $0 < cells.count ? cells[$0] : nil } })
            }
        }
        var out: [Example] = []
        for (line, value) in rows {
            func string(_ field: String) throws -> String {
                guard let v = value(field), !(v is NSNull) else { throw DataError(file: file, line: line, field: field, "missing") }
                if let s = v as? String { return s }
                if let n = v as? NSNumber { return n.stringValue }
                throw DataError(file: file, line: line, field: field, "not a string")
            }
            func nonEmpty(_ field: String) throws -> String {
                let s = try string(field)
                guard !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw DataError(file: file, line: line, field: field, "empty text") }
                return s
            }
            let text = try nonEmpty(m.text)
            let pair = try m.pair.map(nonEmpty)
            let label: Label
            switch m.labelType {
            case .class:
                let classes = m.classes!
                let raw = value(m.label)
                if let n = raw as? NSNumber, !(raw is Bool), let i = Int(exactly: n.doubleValue), classes.indices.contains(i) {
                    label = .classIndex(i)
                } else if let s = try? string(m.label), let i = classes.firstIndex(of: s) ?? Int(s).flatMap({ classes.indices.contains($0) ? $0 : nil }) {
                    label = .classIndex(i)
                } else {
                    let shown = raw.map { "\($0)" } ?? "nothing"
                    throw DataError(file: file, line: line, field: m.label, "unknown class '\(shown)' (expected one of \(classes.joined(separator: ", ")), or an index 0–\(classes.count - 1))")
                }
            case .value:
                let raw = value(m.label)
                if let n = raw as? NSNumber, !(raw is Bool) { label = .value(n.doubleValue) }
                else if let s = raw as? String, let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite { label = .value(d) }
                else { throw DataError(file: file, line: line, field: m.label, "'\(raw.map { "\($0)" } ?? "nothing")' is not a number") }
            case .span:
                label = .spans(try spans(value(m.label), context: pair!, file: file, line: line, field: m.label))
            }
            let id = try m.id.map(string) ?? "line-\(line)"
            // Identical texts are one document unless a group field says otherwise: a duplicate must not sit on
            // both sides of a split.
            let group = try m.group.map(string) ?? (pair.map { text + "\u{0}" + $0 } ?? text)
            out.append(Example(id: id, group: group, text: text, pair: pair, label: label))
        }
        return out
    }

    /// SQuAD's `[{"text", "answer_start"}]` or `datasets`' `{"text": [...], "answer_start": [...]}`, each answer
    /// checked to be the context's text at its offset (in Unicode scalars, as SQuAD counts).
    static func spans(_ raw: Any?, context: String, file: String, line: Int, field: String) throws -> [AnswerSpan] {
        var pairs: [(Any?, Any?)] = []
        if let list = raw as? [[String: Any]] {
            pairs = list.map { ($0["text"], $0["answer_start"]) }
        } else if let columns = raw as? [String: Any], let texts = columns["text"] as? [Any], let starts = columns["answer_start"] as? [Any],
                  texts.count == starts.count {
            pairs = Array(zip(texts.map { Optional($0) }, starts.map { Optional($0) }))
        } else {
            throw DataError(file: file, line: line, field: field, "expected answers as [{\"text\", \"answer_start\"}] or {\"text\": […], \"answer_start\": […]}")
        }
        guard !pairs.isEmpty else { throw DataError(file: file, line: line, field: field, "no answers") }
        let scalars = Array(context.unicodeScalars)
        return try pairs.enumerated().map { k, p in
            guard let text = p.0 as? String, let start = (p.1 as? NSNumber)?.intValue else {
                throw DataError(file: file, line: line, field: "\(field)[\(k)]", "needs a text and an integer answer_start")
            }
            let span = AnswerSpan(text: text, start: start)
            guard start >= 0, span.end <= scalars.count,
                  String(String.UnicodeScalarView(scalars[start..<span.end])) == text else {
                throw DataError(file: file, line: line, field: "\(field)[\(k)]", "answer '\(text)' is not the context's text at answer_start \(start)")
            }
            return span
        }
    }
}
