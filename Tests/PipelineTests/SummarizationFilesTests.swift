import Foundation
import TestSupport
import XCTest

/// The paper profile's path for summarization: the user's own XSum-format JSON Lines, given to `prepare` by
/// path + sha256, trained and scored end to end through the release binary; a wrong sha256 stops the run.
final class SummarizationFilesTests: XCTestCase {
    let repo = ReleaseBinary.repo

    func sha256(_ url: URL) throws -> String { String(try commandOutput("/usr/bin/sha256sum", [url.path]).prefix(64)) }

    func jsonl(_ rows: [[String: String]], to url: URL) throws {
        let lines = try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    func spec(_ dir: URL, train: URL, test: URL, testSHA: String) throws -> URL {
        let files: [String: Any] = ["train_file": ["path": train.path, "sha256": try sha256(train)],
                                    "test_file": ["path": test.path, "sha256": testSHA]]
        let parameters: [String: Any] = [
            "variant": "hypermoe", "backbone": "scratch", "experts": 2, "every": 1, "xsum_task": "xsum", "xsum_files": files,
            "sum_width": 32, "sum_layers": 1, "sum_decoder_layers": 1, "sum_heads": 2, "sum_steps": 2, "sum_batch_size": 4,
            "sum_max_source_length": 32, "sum_max_target_length": 12, "sum_max_target_positions": 16, "sum_beam": 2,
            "sum_max_length": 8, "sum_min_length": 2, "sum_eval_batch_size": 4,
            "pretrain_steps": 2, "pretrain_batch_size": 4,
            "sum_scratch_shape": ["scratch": ["width": 32, "layers": 1, "heads": 2]]]
        let spec: [String: Any] = ["name": "xsum-files", "pipelines": [repo.appendingPathComponent("pipelines/summarize-minilm.json").path],
                                   "parameters": parameters, "targets": ["xsum_test"],
                                   "profiles": ["smoke": [String: Any](), "default": [String: Any](), "paper": [String: Any]()]]
        let url = dir.appendingPathComponent("xsum-files-\(testSHA.prefix(6)).json")
        try JSONSerialization.data(withJSONObject: spec).write(to: url)
        return url
    }

    func testUserJSONLinesAreSummarizedAndScoredAndAWrongChecksumStopsTheRun() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { throw XCTSkip("sqlite3 CLI missing") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-xsum-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let towns = ["Paris", "Lyon", "Nantes", "Lille", "Nice", "Brest", "Dijon", "Reims"]
        func row(_ i: Int) -> [String: String] {
            let t = towns[i % towns.count]
            return ["id": "doc-\(i)", "document": "The council of \(t) met on Monday. It voted on the new bridge. Work starts in \(2020 + i).",
                    "summary": "\(t) votes for a bridge."]
        }
        let train = dir.appendingPathComponent("train.jsonl"), test = dir.appendingPathComponent("validation.jsonl")
        try jsonl((0..<24).map(row), to: train)
        try jsonl((100..<104).map(row), to: test)
        let workspace = dir.appendingPathComponent("ws")

        let good = try spec(dir, train: train, test: test, testSHA: try sha256(test))
        let (code, log) = try ReleaseBinary.run(["run", good.path, "--profile", "smoke", "--workspace", workspace.path])
        XCTAssertEqual(code, 0, log)
        let db = workspace.appendingPathComponent("state.sqlite").path
        let metrics = try commandOutput("/usr/bin/sqlite3", [db, "select m.name from metric m join stage s on m.stageKey = s.key where s.template = 'xsum_test' and m.name like 'rouge%' order by m.name"])
        XCTAssertEqual(metrics, "rouge1\nrouge2\nrougeL")
        let summaries = try commandOutput("/usr/bin/sqlite3", [db, "select a.sha256 from artifact a join stage s on a.stageKey = s.key where s.template = 'xsum_test' and a.name = 'summaries.jsonl'"])
        let stored = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("cas/\(summaries.prefix(2))").path)
            .first { $0.hasPrefix(summaries) && !$0.hasSuffix(".zst") }, "summaries.jsonl \(summaries) not stored plainly")
        let lines = try String(contentsOf: workspace.appendingPathComponent("cas/\(summaries.prefix(2))/\(stored)"), encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(lines.count, 4, "one line per document of the user's test file")
        XCTAssertTrue(lines[0].contains(#""id":"doc-100""#) && lines[0].contains(#""reference":"Nice votes for a bridge.""#), String(lines[0]))

        let bad = try spec(dir, train: train, test: test, testSHA: String(repeating: "0", count: 64))
        let (badCode, badLog) = try ReleaseBinary.run(["run", bad.path, "--profile", "smoke", "--workspace", workspace.path])
        XCTAssertEqual(badCode, 1, badLog)
        XCTAssertTrue(badLog.contains("validation.jsonl"), badLog)
    }
}
