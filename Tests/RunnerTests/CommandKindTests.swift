import Foundation
import Pipeline
import TestSupport
import XCTest

/// The generic `command` kind decodes its parameters strictly at plan time, like the built-in ML kinds
/// (`PipelineTests/StageParameterTests`); before, its unknown key came once per cell, without a suggestion.
final class CommandKindTests: XCTestCase {
    func testCommandKindUnknownKeyIsReportedOnceWithASuggestion() throws {
        let p = try TestProject()
        try p.spec(pipeline: #"{"name": "p", "parameters": {"seed": {"type": "integer"}}, "stages": {"s": {"kind": "command", "params": {"command": "echo ${seed}", "outputs": ["o"], "evn": {}}}}}"#,
                   experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [1, 2, 3, 4]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        do {
            _ = try StageGraph.build(try ExperimentSpec.load(p.root.appendingPathComponent("experiments/e.json")))
            XCTFail("accepted")
        } catch let e as SpecErrors {
            XCTAssertEqual(e.errors.map(\.description), [
                "\(p.root.path)/pipelines/p.json: $.stages.s.params.evn: unknown parameter for kind 'command' (known: command, env, outputs) (first in cell seed=1) (did you mean 'env'?)",
            ])
        }
    }
}
