import Foundation
import Formats
import Pipeline
import Stages
import TestSupport
import XCTest

/// Built-in kinds decode their parameters strictly at plan time (before: a misspelled `"expertz"` in the train
/// stage planned fine and trained with the default 8 experts; `max_tset`, `splitt` were ignored alike). The
/// `command` kind's own check is in `RunnerTests/CommandKindTests`.
final class StageParameterTests: XCTestCase {
    private let repo = ReleaseBinary.repo

    /// Table 3's spec over a copy of its pipeline with one stage's parameter key renamed.
    private func errors(stage: String, rename key: String, to wrong: String) throws -> [SpecError] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-params-\(UUID().uuidString.prefix(8))")
        for sub in ["pipelines", "experiments"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        var pipeline = try JSONValue.parse(Data(contentsOf: repo.appendingPathComponent("pipelines/finetune-minilm.json")))
        guard case .object(var top) = pipeline, case .object(var stages)? = top["stages"], case .object(var st)? = stages[stage],
              case .object(var params)? = st["params"], let value = params.removeValue(forKey: key) else {
            throw TestFailure("no \(stage).params.\(key) in finetune-minilm.json")
        }
        params[wrong] = value
        st["params"] = .object(params); stages[stage] = .object(st); top["stages"] = .object(stages)
        pipeline = .object(top)
        try pipeline.pretty().write(to: dir.appendingPathComponent("pipelines/finetune-minilm.json"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: repo.appendingPathComponent("experiments/table3.json"),
                                         to: dir.appendingPathComponent("experiments/table3.json"))
        do {
            _ = try StageGraph.build(try ExperimentSpec.load(dir.appendingPathComponent("experiments/table3.json")), profile: "smoke",
                                     registry: .builtIn)
        } catch let e as SpecErrors {
            return e.errors
        }
        XCTFail("\(stage).\(wrong) was accepted")
        return []
    }

    func testMisspelledParametersOfBuiltInKindsAreRejectedWithASuggestion() throws {
        for (stage, key, wrong) in [("train", "experts", "expertz"), ("data", "max_test", "max_tset"), ("test", "split", "splitt")] {
            let e = try errors(stage: stage, rename: key, to: wrong)
            XCTAssertEqual(e.count, 1, "one error for all cells: \(e)")
            XCTAssertEqual(e.first?.path, "$.stages.\(stage).params.\(wrong)", "\(e)")
            XCTAssertEqual(e.first?.suggestion, key, "\(e)")
            XCTAssertTrue(e.first?.file.hasSuffix("pipelines/finetune-minilm.json") == true, "\(e)")
            XCTAssertTrue(e.first?.message.hasPrefix("unknown parameter for kind") == true, "\(e)")
        }
    }

    func testTypeErrorsSpeakJSONAndOneDecodingServesPlanAndRun() throws {
        let train = TrainKind()
        func plan(_ text: String) -> String {
            do { _ = try train.plan(parameters: try JSONValue.parse(text)); return "ok" } catch { return "\(error)" }
        }
        let base = #""variant":"moe","backbone":"scratch","steps":2,"lr":0.001,"seed":0"#
        XCTAssertEqual(plan("{\(base),\"batch_size\":\"8\"}"), #"batch_size: expected an integer, found the string "8""#)
        XCTAssertEqual(plan("{\(base),\"batch_size\":8,\"dropout\":\"0.1\"}"), #"dropout: expected a number, found the string "0.1""#)
        XCTAssertEqual(plan("{\(base),\"batch_size\":8,\"router\":\"swich\"}"), #"router: is "swich"; expected one of switch, noisy-top-k"#)
        XCTAssertEqual(plan("{\(base),\"batch_size\":8,\"experts\":1}"), "experts: must be in 2…64")
        XCTAssertEqual(plan("{\(base),\"batch_size\":8}"), "ok")
        // The configuration `run` receives is the one `plan` checked: decoded by the same call.
        let config = try train.config(try JSONValue.parse("{\(base),\"batch_size\":8,\"experts\":4,\"top_k\":2,\"router\":\"noisy-top-k\"}"))
        XCTAssertEqual(try train.plan(config), ["model.safetensors.zst", "train.json"])
        let fetch = FetchKind()
        XCTAssertThrowsError(try fetch.plan(parameters: try JSONValue.parse(#"{"sources": [{"path": "/x", "sha256": "ab", "as": "x", "membr": "y"}]}"#))) { error in
            XCTAssertEqual((error as? StageParameterError)?.path, "sources[0].membr")
            XCTAssertEqual((error as? StageParameterError)?.suggestion, "member")
        }
    }
}

/// `train-seq2seq`'s `cross_init` is checked before anything runs, naming the parameter and the choices.
final class TrainSeq2SeqParameterTests: XCTestCase {
    func params(crossInit: String?) throws -> JSONValue {
        let cross = crossInit.map { #","cross_init":"\#($0)""# } ?? ""
        return try JSONValue.parse(#"{"variant":"moe","backbone":"minilm","steps":2,"batch_size":2,"lr":0.001,"seed":0\#(cross)}"#)
    }

    func testCrossInitMustBeFreshOrSelfAttention() throws {
        let kind = TrainSeq2SeqKind()
        XCTAssertNoThrow(try kind.validate(parameters: params(crossInit: nil)))
        XCTAssertNoThrow(try kind.validate(parameters: params(crossInit: "fresh")))
        XCTAssertNoThrow(try kind.validate(parameters: params(crossInit: "self-attention")))
        XCTAssertThrowsError(try kind.validate(parameters: params(crossInit: "copy"))) { error in
            XCTAssertEqual("\(error)", #"cross_init: is "copy"; expected one of fresh, self-attention"#)
        }
    }
}
