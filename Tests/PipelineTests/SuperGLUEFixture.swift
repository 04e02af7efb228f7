import Data
import Foundation

/// Tiny SuperGLUE JSON Lines files in the layout of the official download (one object per line, the fields and
/// nesting each task's `train.jsonl` / `val.jsonl` have), item i built from `sentence(i)` so a test can repeat
/// an item in another file. Examples per item after flattening: `examplesPerItem`.
enum SuperGLUEFixture {
    static let directories: [SuperGLUETask: String] = [.boolq: "BoolQ", .cb: "CB", .copa: "COPA", .multirc: "MultiRC",
                                                       .record: "ReCoRD", .rte: "RTE", .wic: "WiC", .wsc: "WSC"]
    /// COPA: two choices; MultiRC: 3 + 2 answers of two questions; ReCoRD: three entities.
    static let examplesPerItem: [SuperGLUETask: Int] = [.copa: 2, .multirc: 5, .record: 3]

    static func jsonl(_ task: SuperGLUETask, items: [Int], sentence: (Int) -> String) throws -> String {
        try items.map { i -> String in
            let object: [String: Any]
            switch task {
            case .boolq:
                object = ["question": "is it day \(i)", "passage": "\(sentence(i)) \(sentence(i + 1))", "idx": i, "label": i % 2 == 0]
            case .cb:
                object = ["premise": sentence(i), "hypothesis": sentence(i + 3), "idx": i,
                          "label": ["entailment", "contradiction", "neutral"][i % 3]]
            case .rte:
                object = ["premise": sentence(i), "hypothesis": sentence(i + 2), "idx": i, "label": i % 2 == 0 ? "entailment" : "not_entailment"]
            case .copa:
                object = ["premise": sentence(i), "choice1": sentence(i + 1), "choice2": sentence(i + 2),
                          "question": i % 2 == 0 ? "cause" : "effect", "idx": i, "label": i % 2]
            case .wic:
                object = ["word": "day", "sentence1": sentence(i), "sentence2": sentence(i + 4), "idx": i, "label": i % 3 == 0,
                          "start1": 0, "end1": 3, "start2": 0, "end2": 3, "version": 1.1]
            case .wsc:
                object = ["text": "\(sentence(i)) It was late.", "idx": i, "label": i % 2 == 1,
                          "target": ["span1_text": "day \(i)", "span1_index": 5, "span2_text": "It", "span2_index": 8]]
            case .multirc:
                object = ["idx": i, "version": 1.1, "passage": ["text": "\(sentence(i)) \(sentence(i + 1))", "questions": [
                    ["question": "What happened on day \(i)?", "idx": 2 * i, "answers": [
                        ["text": "something on day \(i)", "idx": 5 * i, "label": 1], ["text": "nothing", "idx": 5 * i + 1, "label": 0],
                        ["text": "a party", "idx": 5 * i + 2, "label": i % 2]]],
                    ["question": "Was it day \(i + 1)?", "idx": 2 * i + 1, "answers": [
                        ["text": "yes", "idx": 5 * i + 3, "label": 0], ["text": "no", "idx": 5 * i + 4, "label": 1]]]]]]
            case .record:
                // "Alice met Bob in Paris …": entities at [0, 4], [10, 12], [17, 21], `end` inclusive as ReCoRD's files.
                let answer = [("Alice", 0, 4), ("Bob", 10, 12), ("Paris", 17, 21)][i % 3]
                object = ["idx": i, "source": "Daily mail",
                          "passage": ["text": "Alice met Bob in Paris on day \(i).\n@highlight\n\(sentence(i))",
                                      "entities": [["start": 0, "end": 4], ["start": 10, "end": 12], ["start": 17, "end": 21]]],
                          "qas": [["query": "@placeholder was seen on day \(i).", "idx": i,
                                   "answers": [["start": answer.1, "end": answer.2, "text": answer.0]]]]]
            }
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }
}
