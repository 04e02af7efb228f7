import Data
import Foundation
import Formats
import TestSupport
import XCTest

/// The paper-data profiles (Table 1 on GLUE and SuperGLUE, Table 3 and Figure 3 on SQuAD v1.1) on tiny files written here in
/// the originals' formats: the paper profile refuses to start until the files and hashes are there, `hmpipe data
/// check` says what is missing, wrong or malformed, and the paper-smoke profile runs them end to end.
final class PaperDataProfilesTests: XCTestCase {
    let repo = ReleaseBinary.repo

    /// Tiny GLUE/SQuAD files in the formats the downloads use; returns the `task_files` JSON with their hashes.
    private func writeData(_ root: URL, corruptSTSB: Bool = false, corruptMultiRC: Bool = false) throws -> (tables: [String: String], root: URL) {
        let fm = FileManager.default
        func write(_ relative: String, _ text: String) throws -> String {
            let url = root.appendingPathComponent(relative)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let subjects = ["The committee", "A small dog", "Our friends", "The old sailor", "Every student", "The river",
                        "My neighbour", "The orchestra", "A tired runner", "The new mayor", "Her brother", "The engine"]
        let verbs = ["approved the plan", "chased the ball", "bought the house", "crossed the sea", "read the book",
                     "flooded the valley", "painted the fence", "played the symphony", "finished the race", "opened the bridge"]
        func sentence(_ i: Int) -> String { "\(subjects[i % subjects.count]) \(verbs[(i * 7) % verbs.count]) on day \(i)." }
        // CoLA: no header; source, label, original judgement, sentence.
        func cola(_ range: Range<Int>) -> String { range.map { "src\($0 % 3)\t\($0 % 2)\t\($0 % 2 == 0 ? "*" : "")\t\(sentence($0))\n" }.joined() }
        // STS-B: header with sentence1, sentence2, score.
        func stsb(_ range: Range<Int>) -> String {
            "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n" + range.map {
                "\($0)\tmain-news\tf\t2012\t\($0)\tnone\tnone\t\(sentence($0))\t\(sentence($0 + 1))\t\(corruptSTSB && $0 == range.lowerBound + 1 ? "abc" : String(Double($0 % 6)))\n"
            }.joined()
        }
        // MNLI: its many columns, labels by name in gold_label.
        func mnli(_ range: Range<Int>) -> String {
            let labels = ["entailment", "neutral", "contradiction"]
            return "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label\n"
                + range.map { "\($0)\t\($0)\t\($0)e\tfiction\t( a )\t( b )\t(ROOT a)\t(ROOT b)\t\(sentence($0))\t\(sentence($0 + 5))\t\(labels[$0 % 3])\t\(labels[$0 % 3])\n" }.joined()
        }
        func squad(_ range: Range<Int>) throws -> String {
            let articles: [[String: Any]] = range.map { a in
                let context = (0..<3).map { sentence(a * 3 + $0) }.joined(separator: " ")
                let answer = subjects[(a * 3) % subjects.count]
                return ["title": "Article \(a)", "paragraphs": [["context": context, "qas": [
                    ["id": "q\(a)", "question": "Who \(verbs[(a * 3 * 7) % verbs.count]) on day \(a * 3)?",
                     "answers": [["text": answer, "answer_start": 0]]]]]]]
            }
            return String(decoding: try JSONSerialization.data(withJSONObject: ["version": "1.1", "data": articles]), as: UTF8.self)
        }
        var glue: [String: Any] = [:]
        for (task, dir, train, dev) in [("glue-cola", "CoLA", cola(0..<24), cola(100..<108)),
                                        ("glue-stsb", "STS-B", stsb(0..<24), stsb(100..<108)),
                                        ("glue-mnli", "MNLI", mnli(0..<24), mnli(100..<108))] {
            let trainPath = try write("glue/\(dir)/train.tsv", train)
            let devPath = try write("glue/\(dir)/\(dir == "MNLI" ? "dev_matched" : "dev").tsv", dev)
            glue[task] = ["train_file": ["path": trainPath, "sha256": try Hashing.sha256Hex(fileAt: URL(fileURLWithPath: trainPath))],
                          "test_file": ["path": devPath, "sha256": try Hashing.sha256Hex(fileAt: URL(fileURLWithPath: devPath))]]
        }
        let squadTrain = try write("squad/train-v1.1.json", try squad(0..<12))
        let squadDev = try write("squad/dev-v1.1.json", try squad(20..<24))
        let squadFiles: [String: Any] = ["squad": [
            "train_file": ["path": squadTrain, "sha256": try Hashing.sha256Hex(fileAt: URL(fileURLWithPath: squadTrain))],
            "test_file": ["path": squadDev, "sha256": try Hashing.sha256Hex(fileAt: URL(fileURLWithPath: squadDev))]]]
        // Table 2's other files: XSum/CNN-DM JSON Lines (CNN/DM in its own article/highlights fields) and WikiText raw.
        func summaries(_ range: Range<Int>, keys: (String, String)) throws -> String {
            try range.map { i -> String in
                let doc = (0..<5).map { sentence(i * 5 + $0) }.joined(separator: " ")
                return String(decoding: try JSONSerialization.data(withJSONObject: [keys.0: doc, keys.1: sentence(i * 5)], options: .sortedKeys), as: UTF8.self)
            }.joined(separator: "\n") + "\n"
        }
        func wikitext(_ range: Range<Int>) -> String {
            range.map { a in " = Article \(a) = \n \n" + (0..<4).map { " " + sentence(a * 4 + $0) + " \n" }.joined() + " \n" }.joined()
        }
        func pinned(_ path: String) throws -> [String: String] { ["path": path, "sha256": try Hashing.sha256Hex(fileAt: URL(fileURLWithPath: path))] }
        let sum: [String: Any] = [
            "xsum": ["train_file": try pinned(try write("xsum/train.jsonl", try summaries(0..<20, keys: ("document", "summary")))),
                     "test_file": try pinned(try write("xsum/validation.jsonl", try summaries(50..<56, keys: ("document", "summary"))))],
            "cnndm": ["train_file": try pinned(try write("cnndm/train.jsonl", try summaries(0..<20, keys: ("article", "highlights")))),
                      "test_file": try pinned(try write("cnndm/validation.jsonl", try summaries(50..<56, keys: ("article", "highlights"))))]]
        var table2 = squadFiles
        table2["wikitext-lm"] = ["train_file": try pinned(try write("wikitext-2/wiki.train.raw", wikitext(0..<12))),
                                 "test_file": try pinned(try write("wikitext-2/wiki.test.raw", wikitext(40..<44)))]
        // SuperGLUE: data/superglue/<Task>/{train,val}.jsonl as the download has them; MultiRC's val line 2 broken on request.
        var superglue: [String: Any] = [:]
        for g in SuperGLUETask.allCases {
            let dir = SuperGLUEFixture.directories[g]!
            var val = try SuperGLUEFixture.jsonl(g, items: Array(100..<106), sentence: sentence)
            if corruptMultiRC && g == .multirc {
                var lines = val.split(separator: "\n").map(String.init)
                lines[1] = lines[1].replacingOccurrences(of: #""label":0"#, with: #""label":"maybe""#)
                val = lines.joined(separator: "\n") + "\n"
            }
            superglue["superglue-\(g.rawValue)"] = [
                "train_file": try pinned(try write("superglue/\(dir)/train.jsonl", try SuperGLUEFixture.jsonl(g, items: Array(0..<24), sentence: sentence))),
                "test_file": try pinned(try write("superglue/\(dir)/val.jsonl", val))]
        }
        func json(_ o: Any) throws -> String { String(decoding: try JSONSerialization.data(withJSONObject: o, options: .sortedKeys), as: UTF8.self) }
        return (["glue": try json(glue), "superglue": try json(superglue), "squad": try json(squadFiles), "table2": try json(table2),
                 "xsum": try json(sum["xsum"]!), "cnndm": try json(sum["cnndm"]!)], root)
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-paperdata-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testPaperProfilesRefuseToStartNamingEachFileAndTheHashToPaste() throws {
        let ws = try temporaryDirectory().appendingPathComponent("ws").path
        var (code, out) = try ReleaseBinary.run(["run", "experiments/table1.json", "--profile", "paper", "--dry-run", "--workspace", ws])
        XCTAssertEqual(code, 2, out)
        for dir in ["CoLA", "SST-2", "STS-B", "MRPC", "QQP", "MNLI", "QNLI", "RTE"] {
            let dev = dir == "MNLI" ? "dev_matched" : "dev"
            XCTAssertTrue(out.contains("files.train_file: data/glue/\(dir)/train.tsv not found"), out)
            XCTAssertTrue(out.contains("paste the first field of `sha256sum data/glue/\(dir)/\(dev).tsv`"), out)
        }
        for dir in ["BoolQ", "CB", "COPA", "MultiRC", "ReCoRD", "RTE", "WiC", "WSC"] {
            XCTAssertTrue(out.contains("files.train_file: data/superglue/\(dir)/train.jsonl not found"), out)
            XCTAssertTrue(out.contains("paste the first field of `sha256sum data/superglue/\(dir)/val.jsonl`"), out)
        }
        XCTAssertEqual(out.components(separatedBy: "not found").count - 1, 32, "each file once, not once per cell:\n\(out)")
        for spec in ["table3", "figure3"] {
            (code, out) = try ReleaseBinary.run(["run", "experiments/\(spec).json", "--profile", "paper", "--dry-run", "--workspace", ws])
            XCTAssertEqual(code, 2, out)
            XCTAssertTrue(out.contains("data/squad/train-v1.1.json not found") && out.contains("`sha256sum data/squad/dev-v1.1.json`"), out)
        }
    }

    func testDataCheckOnGoodAndBrokenFolders() throws {
        let (tables, root) = try writeData(try temporaryDirectory())
        let tasks = "task=[\"glue-cola\",\"glue-stsb\",\"glue-mnli\"]"
        var (code, out) = try ReleaseBinary.run(["data", "check", "experiments/table1.json", "--profile", "paper-smoke",
                                                 "--set", tasks, "--set", "task_files=\(tables["glue"]!)"])
        XCTAssertEqual(code, 0, out)
        XCTAssertTrue(out.contains("table1 [paper-smoke[task=[\"glue-cola\",\"glue-stsb\",\"glue-mnli\"],task_files="), out)
        XCTAssertEqual(out.components(separatedBy: "sha256 ok").count - 1, 6, out)
        XCTAssertTrue(out.contains("glue-stsb: 24 training examples, 8 test examples parsed"), out)
        XCTAssertTrue(out.contains("train  \"The committee approved the plan on day 0.\" → class 0 of 2"), out)   // CoLA, no header
        XCTAssertTrue(out.contains("→ class 0 of 3"), out)                                                      // MNLI by label name

        // Spec hashes as shipped ("set me"): each file's real hash, ready to paste; exit 1.
        (code, out) = try ReleaseBinary.run(["data", "check", "experiments/table3.json", "--profile", "paper"])
        XCTAssertEqual(code, 1, out)
        XCTAssertEqual(out.components(separatedBy: "MISSING").count - 1, 2, out)
        let squadDev = root.appendingPathComponent("squad/dev-v1.1.json").path
        let unhashed = tables["squad"]!.replacingOccurrences(of: try Hashing.sha256Hex(fileAt: URL(fileURLWithPath: squadDev)), with: "set me")
        (code, out) = try ReleaseBinary.run(["data", "check", "experiments/table3.json", "--profile", "paper", "--set", "task_files=\(unhashed)"])
        XCTAssertEqual(code, 1, out)
        XCTAssertTrue(out.contains("the spec has no hash yet; if this is the right file, paste into table3.json (test_file of squad):\n        \"sha256\": \"\(try Hashing.sha256Hex(fileAt: URL(fileURLWithPath: squadDev)))\""), out)

        // A malformed row is named by file and line.
        let (broken, brokenRoot) = try writeData(try temporaryDirectory(), corruptSTSB: true)
        (code, out) = try ReleaseBinary.run(["data", "check", "experiments/table1.json", "--profile", "paper-smoke",
                                             "--set", tasks, "--set", "task_files=\(broken["glue"]!)"])
        XCTAssertEqual(code, 1, out)
        XCTAssertTrue(out.contains("glue-stsb: cannot be read: \(brokenRoot.path)/glue/STS-B/train.tsv:3 [score]: 'abc' is not a number"), out)
    }

    /// Your files through prepare → train → evaluate → report at the smoke budget, the columns the paper's.
    func testPaperSmokeProfilesRunYourFilesEndToEnd() throws {
        let dir = try temporaryDirectory()
        let (tables, _) = try writeData(dir.appendingPathComponent("data"))
        let ws = dir.appendingPathComponent("ws").path
        let glue = ["--profile", "paper-smoke", "--set", "task=[\"glue-cola\",\"glue-stsb\",\"glue-mnli\"]", "--set", "task_files=\(tables["glue"]!)",
                    "--workspace", ws]
        var (code, out) = try ReleaseBinary.run(["run", "experiments/table1.json"] + glue)
        XCTAssertEqual(code, 0, out)
        (code, out) = try ReleaseBinary.run(["report", "experiments/table1.json", "--format", "json"] + glue)
        XCTAssertEqual(code, 0, out)
        let table = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], out)
        let columns = (table["columns"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        XCTAssertEqual(Set(columns).intersection(["glue-cola", "glue-stsb", "glue-mnli"]).count, 3, "\(columns)")
        XCTAssertEqual(table["cellsDone"] as? Int, 9)
        XCTAssertTrue((table["caption"] as? [String] ?? []).contains { $0.contains("GLUE stsb (user TSV files") }, out)

        let squad = ["--profile", "paper-smoke", "--set", "task_files=\(tables["squad"]!)", "--workspace", ws]
        (code, out) = try ReleaseBinary.run(["run", "experiments/table3.json"] + squad)
        XCTAssertEqual(code, 0, out)
        (code, out) = try ReleaseBinary.run(["report", "experiments/table3.json", "--format", "json"] + squad)
        XCTAssertEqual(code, 0, out)
        let qa = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], out)
        XCTAssertEqual(qa["cellsDone"] as? Int, 4)
        XCTAssertTrue((qa["caption"] as? [String] ?? []).contains { $0.contains("SQuAD v1.1 (user files") }, out)

        // Table 2: XSum/CNN-DM, SQuAD and the LM column on WikiText-2 (its vocabulary trained on wiki.train.raw).
        let t2 = ["--profile", "paper-smoke", "--set", "task_files=\(tables["table2"]!)", "--set", "xsum_files=\(tables["xsum"]!)",
                  "--set", "cnndm_files=\(tables["cnndm"]!)", "--workspace", ws]
        (code, out) = try ReleaseBinary.run(["run", "experiments/table2.json"] + t2)
        XCTAssertEqual(code, 0, out)
        (code, out) = try ReleaseBinary.run(["report", "experiments/table2.json", "--format", "json"] + t2)
        XCTAssertEqual(code, 0, out)
        let t2table = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], out)
        XCTAssertEqual(t2table["cellsDone"] as? Int, t2table["cellsTotal"] as? Int, out)
        let captions = (t2table["caption"] as? [String] ?? []).joined(separator: "\n")
        for data in ["WikiText (user raw files", "SQuAD v1.1 (user files", "XSum (user JSON Lines", "CNN/DailyMail (user JSON Lines"] {
            XCTAssertTrue(captions.contains(data), "\(data) not in:\n\(captions)")
        }
    }

    /// The SuperGLUE half of Table 1's paper profile: `data check` lists its 16 files with their hashes and the first
    /// parsed examples, and names file, line and field of a broken nested row.
    func testDataCheckListsTheSuperGLUEFiles() throws {
        var (code, out) = try ReleaseBinary.run(["data", "check", "experiments/table1.json", "--profile", "paper"])
        XCTAssertEqual(code, 1, out)
        XCTAssertTrue(out.contains("32 file(s) of yours for 16 task(s)"), out)
        XCTAssertTrue(out.contains("superglue-record  test_file  data/superglue/ReCoRD/val.jsonl\n      MISSING"), out)

        let sg = "task=[\"superglue-boolq\",\"superglue-cb\",\"superglue-copa\",\"superglue-multirc\",\"superglue-record\",\"superglue-rte\",\"superglue-wic\",\"superglue-wsc\"]"
        let (tables, _) = try writeData(try temporaryDirectory())
        (code, out) = try ReleaseBinary.run(["data", "check", "experiments/table1.json", "--profile", "paper-smoke", "--set", sg,
                                             "--set", "task_files=\(tables["superglue"]!)"])
        XCTAssertEqual(code, 0, out)
        XCTAssertEqual(out.components(separatedBy: "sha256 ok").count - 1, 16, out)
        XCTAssertTrue(out.contains("superglue-multirc: 120 training examples, 30 test examples parsed"), out)   // 5 answers per passage
        XCTAssertTrue(out.contains("superglue-copa: 48 training examples, 12 test examples parsed"), out)
        XCTAssertTrue(out.contains("→ class 2 of 3"), out)                                                     // CB's neutral, by name
        XCTAssertTrue(out.contains("test   \"The river played the symphony on day 101. What happened as a result?\" | \"My neighbour read the book on day 102.\" → class 0 of 2 (question copa-101)"), out)

        let (broken, brokenRoot) = try writeData(try temporaryDirectory(), corruptMultiRC: true)
        (code, out) = try ReleaseBinary.run(["data", "check", "experiments/table1.json", "--profile", "paper-smoke", "--set", sg,
                                             "--set", "task_files=\(broken["superglue"]!)"])
        XCTAssertEqual(code, 1, out)
        XCTAssertTrue(out.contains("superglue-multirc: cannot be read: \(brokenRoot.path)/superglue/MultiRC/val.jsonl:2 [passage.questions[0].answers[1].label]: missing or not a boolean"), out)
    }

    /// All eight SuperGLUE tasks through prepare → train → evaluate → report at the smoke budget: COPA, MultiRC and
    /// ReCoRD scored per question, the SuperGLUE average beside the paper's, its claim tested.
    func testPaperSmokeRunsTheSuperGLUEColumnsEndToEnd() throws {
        let dir = try temporaryDirectory()
        let (tables, _) = try writeData(dir.appendingPathComponent("data"))
        let tasks = SuperGLUETask.allCases.map { "\"superglue-\($0.rawValue)\"" }.joined(separator: ",")
        let args = ["--profile", "paper-smoke", "--set", "task=[\(tasks)]", "--set", "task_files=\(tables["superglue"]!)",
                    "--workspace", dir.appendingPathComponent("ws").path]
        var (code, out) = try ReleaseBinary.run(["run", "experiments/table1.json", "-j", "2"] + args)
        XCTAssertEqual(code, 0, out)
        (code, out) = try ReleaseBinary.run(["report", "experiments/table1.json", "--format", "json"] + args)
        XCTAssertEqual(code, 0, out)
        let table = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], out)
        XCTAssertEqual(table["cellsDone"] as? Int, 24)
        let columns = table["columns"] as? [[String: Any]] ?? []
        XCTAssertEqual(columns.compactMap { $0["name"] as? String },
                       SuperGLUETask.allCases.map { "superglue-\($0.rawValue)" } + ["superglue-average"])
        XCTAssertEqual(columns.compactMap { $0["metric"] as? String }.prefix(8),
                       ["accuracy", "accuracy", "accuracy", "f1a", "em", "accuracy", "accuracy", "accuracy"])
        // Every cell has its value (n = 1): the per-question metrics were recorded.
        for row in table["rows"] as? [[String: Any]] ?? [] {
            let cells = row["cells"] as? [Any] ?? []
            XCTAssertEqual(cells.compactMap { ($0 as? [String: Any])?["n"] as? Int }, Array(repeating: 1, count: 9), "\(row["key"] ?? "")")
        }
        let paperRows = table["paperRows"] as? [[String: Any]] ?? []
        XCTAssertEqual((paperRows.first { ($0["label"] as? String) == "paper: HyperMoE" }?["values"] as? [Double])?.last, 64.88)
        let claims = (table["claims"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        XCTAssertTrue(claims.contains("HyperMoE beats MoE on the SuperGLUE average") && !claims.contains("HyperMoE beats MoE on the GLUE average"), "\(claims)")
        let captions = (table["caption"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(captions.contains("SuperGLUE ReCoRD (user JSON Lines files: train → train/validation, val → test; each candidate entity scored"), captions)
        XCTAssertTrue(captions.contains("`superglue-average`: per seed, the mean of the 8 SuperGLUE columns"), captions)
        XCTAssertTrue(captions.contains("test 30 rows (12 questions) from 6 documents"), captions)   // MultiRC: 6 passages, 2 questions each
    }
}
