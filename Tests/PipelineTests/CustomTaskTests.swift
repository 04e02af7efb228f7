import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest

/// A dataset of the user's own, by field mapping, through the paper's own pipelines: `task_fields` says how to
/// read it, `task_files` where it is — no new code.
final class CustomTaskTests: XCTestCase {
    let repo = ReleaseBinary.repo

    private func file(_ dir: URL, _ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return #"{"path": "\#(url.path)", "sha256": "\#(try Hashing.sha256Hex(fileAt: url))"}"#
    }

    func testOwnClassValueAndSpanDatasetsTrainAndEvaluate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-custom-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let words = ["river", "mountain", "city", "forest", "harbour", "valley", "desert", "island"]
        let sentiment = try file(dir, "sentiment.jsonl", (0..<40).map {
            #"{"review": "The \#(words[$0 % 8]) trip number \#($0) was \#($0 % 2 == 0 ? "wonderful" : "awful").", "stars": "\#($0 % 2 == 0 ? "good" : "bad")"}"#
        }.joined(separator: "\n"))
        let similarity = try file(dir, "similarity.tsv", "a\tb\tsim\n" + (0..<40).map {
            "The \(words[$0 % 8]) is near \($0).\tA \(words[($0 + $0 % 3) % 8]) lies close to \($0).\t\(Double($0 % 7) * 0.7)"
        }.joined(separator: "\n"))
        // Every label equal: Pearson/Spearman are undefined on its test split (scipy: NaN).
        let constant = try file(dir, "constant.tsv", "a\tb\tsim\n" + (0..<40).map { "Sentence \($0).\tOther \($0 * 3).\t1.0" }.joined(separator: "\n"))
        let qa = try file(dir, "qa.jsonl", (0..<40).map {
            let context = "The \(words[$0 % 8]) festival \($0) was opened by Mayor Lee\($0)."
            let start = context.unicodeScalars.count - "Lee\($0).".unicodeScalars.count
            return #"{"q": "Who opened festival \#($0)?", "ctx": "\#(context)", "answers": {"text": ["Lee\#($0)"], "answer_start": [\#(start)]}}"#
        }.joined(separator: "\n"))

        let smoke = #""experts": 2, "steps": 2, "batch_size": 4, "max_train": 16, "max_test": 8, "eval_batch_size": 8, "backbone": "scratch", "variant": "moe", "pretrain_steps": 2, "pretrain_batch_size": 4"#
        let sentences = dir.appendingPathComponent("own.json")
        try #"""
        {"name": "own", "pipelines": ["\#(repo.path)/pipelines/finetune-minilm-sentences.json"],
         "parameters": {\#(smoke),
           "task_fields": {
             "my-sentiment": {"format": "jsonl", "text": "review", "label": "stars", "label_type": "class", "classes": ["bad", "good"]},
             "my-similarity": {"format": "tsv", "text": "a", "pair": "b", "label": "sim", "label_type": "value"},
             "my-constant": {"format": "tsv", "text": "a", "pair": "b", "label": "sim", "label_type": "value"}},
           "task_files": {"my-sentiment": {"train_file": \#(sentiment)}, "my-similarity": {"train_file": \#(similarity)},
                          "my-constant": {"train_file": \#(constant)}}},
         "grid": {"axes": {"task": ["my-sentiment", "my-similarity", "my-constant"]}},
         "profiles": {"smoke": {}, "default": {}, "paper": {}}}
        """#.write(to: sentences, atomically: true, encoding: .utf8)
        let spans = dir.appendingPathComponent("ownqa.json")
        try #"""
        {"name": "ownqa", "pipelines": ["\#(repo.path)/pipelines/finetune-minilm.json"],
         "parameters": {\#(smoke), "task": "my-qa",
           "task_fields": {"my-qa": {"format": "jsonl", "text": "q", "pair": "ctx", "label": "answers", "label_type": "span"}},
           "task_files": {"my-qa": {"train_file": \#(qa)}}},
         "profiles": {"smoke": {}, "default": {}, "paper": {}}}
        """#.write(to: spans, atomically: true, encoding: .utf8)

        let ws = dir.appendingPathComponent("ws").path
        for spec in [sentences, spans] {
            let (code, out) = try ReleaseBinary.run(["run", spec.path, "--workspace", ws])
            XCTAssertEqual(code, 0, out)
        }
        let state = try Runner.openState(Workspace(URL(fileURLWithPath: ws)))
        var finals: [String: [String: Double]] = [:]
        for (spec, cells) in [("own", try state.cellResults(spec: "own")), ("ownqa", try state.cellResults(spec: "ownqa"))] {
            for cell in cells { finals["\(spec):\(cell.axes["task"]?.stringValue ?? "my-qa")"] = cell.stages["test"]?.metrics }
        }
        // Each task is scored with the metrics of its label type.
        XCTAssertNotNil(finals["own:my-sentiment"]?["accuracy"], "\(finals)")
        XCTAssertNotNil(finals["own:my-similarity"]?["pearson"], "\(finals)")
        XCTAssertNotNil(finals["ownqa:my-qa"]?["em"], "\(finals)")
        // An undefined correlation fails nothing and is recorded as nothing (never a made-up number).
        XCTAssertNotNil(finals["own:my-constant"]?["eval_loss"], "\(finals)")
        XCTAssertNil(finals["own:my-constant"]?["pearson"], "\(finals)")

        // data check previews them through the same mapping.
        let (code, out) = try ReleaseBinary.run(["data", "check", sentences.path, "--profile", "default"])
        XCTAssertEqual(code, 0, out)
        XCTAssertTrue(out.contains("train  \"The river trip number 0 was wonderful.\" → class 1 of 2"), out)
        XCTAssertTrue(out.contains("my-similarity: 40 training examples, 0 test examples parsed"), out)

        // A misspelled mapping key, or a built-in task's name, is a spec error before anything runs.
        let bad = try String(contentsOf: sentences, encoding: .utf8).replacingOccurrences(of: #""label_type": "value""#, with: #""labeltype": "value""#)
        try bad.write(to: sentences, atomically: true, encoding: .utf8)
        let (badCode, badOut) = try ReleaseBinary.run(["run", sentences.path, "--workspace", ws, "--dry-run"])
        XCTAssertEqual(badCode, 2, badOut)
        XCTAssertTrue(badOut.contains("$.stages.data.params.fields.labeltype: unknown parameter, and the required 'label_type' is missing (first in cell task=my-similarity) (did you mean 'label_type'?)"), badOut)
    }
}
