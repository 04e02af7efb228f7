import Data
import Foundation

/// A task of the user's own, read from JSON Lines or TSV by a `FieldMapping` (`task_fields` in a spec): any name
/// not in the catalogue, its head and metrics following the label type. Its files are `train_file` (split into
/// train/validation/test by document, seeded) or `train_file` + `test_file` (the test file kept as the test set).
enum CustomTask {
    static func definition(name: String, mapping: FieldMapping) -> TaskDefinition {
        let head: TaskDefinition.Head
        let metrics: [String]
        var classes = 0
        switch mapping.labelType {
        case .class:
            head = .classification
            classes = mapping.classes?.count ?? 0
            metrics = classes == 2 ? ["accuracy", "f1"] : ["accuracy"]
        case .value:
            head = .regression
            metrics = ["pearson", "spearman"]
        case .span:
            head = .span
            metrics = ["em", "f1"]
        }
        let fields = ([("text", mapping.text), ("pair", mapping.pair), ("label", mapping.label)] as [(String, String?)])
            .compactMap { k, v in v.map { "\(k)=\($0)" } }.joined(separator: ", ")
        let labelText: String
        switch mapping.labelType {
        case .class: labelText = "classes \(mapping.classes?.joined(separator: "/") ?? "")"
        case .value: labelText = "a real-valued target"
        case .span: labelText = "answer spans"
        }
        return TaskDefinition(
            name: name, paperTask: nil, metrics: metrics, head: head, classes: classes,
            dataDescription: "\(name): your \(mapping.format.rawValue) files (\(fields); \(labelText))",
            realLabels: true, requiredInputs: ["train_file"]) { inputs, _ in
                guard let train = inputs["train_file"] else {
                    throw StageParameterError(path: "files.train_file", "task \(name) needs its train_file")
                }
                let examples = try FieldMappedReader.read(train, mapping: mapping)
                guard let test = inputs["test_file"] else { return .pool(examples) }
                return .presplit(train: examples, test: try FieldMappedReader.read(test, mapping: mapping))
            }
    }
}
