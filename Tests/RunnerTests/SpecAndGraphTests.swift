import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest

final class SpecAndGraphTests: XCTestCase {
    func testGridExpansionExclusionsAndDedup() throws {
        let p = try TestProject()
        let url = try p.spec(pipeline: #"""
            {"name": "p", "parameters": {"seed": {"type": "integer"}, "op": {"type": "string"}},
             "stages": {
               "prep": {"kind": "command", "params": {"command": "true > $HM_OUT/a", "outputs": ["a"]}},
               "tok": {"kind": "command", "inputs": {"a": "prep:a"}, "params": {"command": "echo ${op} > $HM_OUT/t", "outputs": ["t"]}},
               "train": {"kind": "command", "inputs": {"t": "tok:t"}, "params": {"command": "echo ${seed} > $HM_OUT/m", "outputs": ["m"]}}
             }}
            """#, experiment: #"""
            {"name": "e", "pipelines": ["../pipelines/p.json"],
             "grid": {"axes": {"seed": [1, 2, 3], "op": ["a", "b"]}, "exclude": [{"op": "b", "seed": 3}]},
             "profiles": {"smoke": {"axes": {"seed": [1]}}, "default": {}, "paper": {}}}
            """#)
        let graph = try StageGraph.build(try ExperimentSpec.load(url))
        XCTAssertEqual(graph.cells.count, 5)
        XCTAssertEqual(graph.cells.map(\.label), ["op=a,seed=1", "op=a,seed=2", "op=a,seed=3", "op=b,seed=1", "op=b,seed=2"])
        let byTemplate = Dictionary(grouping: graph.nodes.values, by: \.template)
        XCTAssertEqual(byTemplate["prep"]?.count, 1, "prep depends on no axis: one shared node")
        XCTAssertEqual(byTemplate["tok"]?.count, 2, "tok depends on op only")
        XCTAssertEqual(byTemplate["train"]?.count, 5, "train depends on op (via tok) and seed")
        XCTAssertEqual(Set(byTemplate["tok"]!.map(\.name)), ["tok[op=a]", "tok[op=b]"])
        // Producers come before consumers.
        let position = Dictionary(uniqueKeysWithValues: graph.order.enumerated().map { ($1, $0) })
        for node in graph.nodes.values { for dep in node.dependencies { XCTAssertLessThan(position[dep]!, position[node.key]!) } }
        // A profile overrides axis values.
        XCTAssertEqual(try StageGraph.build(try ExperimentSpec.load(url), profile: "smoke").cells.count, 2)
        XCTAssertTrue(graph.dot().contains("->"))
    }

    /// `grid.order` changes which of the stages ready together comes first (seed-major rounds for Table 4's
    /// timed stages), never a key or a name; an unknown or repeated axis there is a spec error.
    func testGridOrderPutsItsAxesFirstInThePlan() throws {
        let p = try TestProject()
        func graph(order: String) throws -> StageGraph {
            let url = try p.spec(pipeline: #"""
                {"name": "p", "parameters": {"seed": {"type": "integer"}, "op": {"type": "string"}},
                 "stages": {"run": {"kind": "command", "params": {"command": "echo ${op}${seed} > $HM_OUT/m", "outputs": ["m"]}}}}
                """#, experiment: #"""
                {"name": "e", "pipelines": ["../pipelines/p.json"],
                 "grid": {"axes": {"seed": [0, 1], "op": ["a", "b"]}\#(order)},
                 "profiles": {"smoke": {}, "default": {}, "paper": {}}}
                """#)
            return try StageGraph.build(try ExperimentSpec.load(url))
        }
        let plain = try graph(order: "")
        let names = { (g: StageGraph) in g.order.map { g.nodes[$0]!.name } }
        XCTAssertEqual(names(plain), ["run[op=a,seed=0]", "run[op=a,seed=1]", "run[op=b,seed=0]", "run[op=b,seed=1]"])
        let rounds = try graph(order: #", "order": ["seed"]"#)
        XCTAssertEqual(names(rounds), ["run[op=a,seed=0]", "run[op=b,seed=0]", "run[op=a,seed=1]", "run[op=b,seed=1]"])
        XCTAssertEqual(Set(rounds.nodes.keys), Set(plain.nodes.keys))
        for (order, message) in [(#", "order": ["sed"]"#, "'sed' is not a grid axis"), (#", "order": ["seed", "seed"]"#, "listed twice")] {
            XCTAssertThrowsError(try graph(order: order)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
    }

    func testCycleIsReportedWithItsPath() throws {
        XCTAssertEqual(findCycle(["a": ["b"], "b": ["c"], "c": ["a"], "d": []]), ["a", "b", "c", "a"])
        XCTAssertNil(findCycle(["a": ["b"], "b": []]))
        let p = try TestProject()
        let url = try p.spec(pipeline: #"""
            {"name": "p", "stages": {
               "a": {"kind": "command", "inputs": {"x": "b:o"}, "params": {"command": "true", "outputs": ["o"]}},
               "b": {"kind": "command", "inputs": {"x": "a:o"}, "params": {"command": "true", "outputs": ["o"]}}}}
            """#, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        XCTAssertThrowsError(try StageGraph.build(try ExperimentSpec.load(url))) { error in
            XCTAssertTrue("\(error)".contains("dependency cycle: a → b → a"), "\(error)")
        }
    }

    func testMalformedSpecsNameFilePathExpectationAndSuggestion() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        func errors(_ experiment: String) throws -> [SpecError] {
            try p.write("experiments/e.json", experiment)
            do {
                _ = try StageGraph.build(try ExperimentSpec.load(p.root.appendingPathComponent("experiments/e.json")))
            } catch let e as SpecErrors {
                return e.errors
            }
            XCTFail("expected spec errors")
            return []
        }
        // Misspelled top-level key.
        var e = try errors(#"{"name": "e", "pipelines": ["../pipelines/p.json"], "profils": {}}"#)
        XCTAssertTrue(e.contains { $0.path == "$.profils" && $0.suggestion == "profiles" && $0.file.hasSuffix("experiments/e.json") }, "\(e)")
        XCTAssertTrue(e.contains { $0.path == "$" && $0.message.contains("missing required key 'profiles'") }, "\(e)")
        // Missing required profile, wrong type in an axis, misspelled axis.
        e = try errors(#"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [1, "two"], "sede": [1]}}, "profiles": {"smoke": {}, "default": {}}}"#)
        XCTAssertTrue(e.contains { $0.path == "$.profiles" && $0.message.contains("'paper'") }, "\(e)")
        // Schema errors stop before semantic checks, so fix the profile and check the axis problems.
        e = try errors(#"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [1, "two"], "sede": [1]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        XCTAssertTrue(e.contains { $0.path == "$.grid.axes.seed[1]" && $0.message.contains("expected integer") }, "\(e)")
        XCTAssertTrue(e.contains { $0.path == "$.grid.axes.sede" && $0.suggestion == "seed" }, "\(e)")
        // A report claim of a kind that does not exist, or with a misspelled key, is caught before anything runs.
        e = try errors(#"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}, "report": {"claims": [{"text": "t", "kind": "gap-grows", "beter": "a"}]}}"#)
        XCTAssertTrue(e.contains { $0.path == "$.report.claims[0].kind" }, "\(e)")
        XCTAssertTrue(e.contains { $0.path == "$.report.claims[0].beter" && $0.suggestion == "better" }, "\(e)")
        // Unknown kind and unknown input stage in a pipeline file.
        try p.write("pipelines/p.json", #"""
            {"name": "p", "stages": {
               "a": {"kind": "comand", "params": {"command": "true", "outputs": ["o"]}},
               "b": {"kind": "command", "inputs": {"x": "aa:o"}, "params": {"command": "echo ${nope}", "outputs": ["o"]}}}}
            """#)
        e = try errors(#"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        XCTAssertTrue(e.contains { $0.path == "$.stages.a.kind" && $0.suggestion == "command" && $0.file.hasSuffix("pipelines/p.json") }, "\(e)")
        XCTAssertTrue(e.contains { $0.path == "$.stages.b.inputs.x" && $0.suggestion == "a" }, "\(e)")
        XCTAssertTrue(e.contains { $0.path == "$.stages.b.params" && $0.message.contains("${nope}") }, "\(e)")
        // Kind parameter validation happens before anything runs.
        try p.write("pipelines/p.json", #"{"name": "p", "stages": {"a": {"kind": "command", "params": {"command": "true", "outputs": ["../x"], "comand": 1}}}}"#)
        e = try errors(#"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        XCTAssertTrue(e.contains { $0.path.hasPrefix("$.stages.a.params.") }, "\(e)")
        // Syntax error.
        e = try errors(#"{"name": "e", "#)
        XCTAssertTrue(e.contains { $0.path == "$" && $0.message.hasPrefix("invalid JSON") }, "\(e)")
        XCTAssertTrue(SpecError(file: "f.json", path: "$.x", "bad", suggestion: "y").description == "f.json: $.x: bad (did you mean 'y'?)")
    }

    func testPublishedSchemasEqualEmbeddedOnes() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for (file, text) in [("experiment", SpecSchemas.experimentText), ("pipeline", SpecSchemas.pipelineText)] {
            let published = try JSONValue.parse(Data(contentsOf: repo.appendingPathComponent("docs/schema/\(file).schema.json")))
            XCTAssertEqual(published, try JSONValue.parse(text), "docs/schema/\(file).schema.json differs from SpecSchemas")
        }
        // And the shipped example validates.
        let graph = try StageGraph.build(try ExperimentSpec.load(repo.appendingPathComponent("experiments/example-commands.json")))
        XCTAssertEqual(graph.cells.count, 5)
    }

    func testCanonicalJSONIsKeyOrderIndependent() throws {
        let a = try JSONValue.parse(#"{"b": [1, 2.5, "x\n"], "a": {"z": true, "y": null}}"#)
        let b = try JSONValue.parse(#"{"a": {"y": null, "z": true}, "b": [1, 2.5, "x\n"]}"#)
        XCTAssertEqual(a.canonical, b.canonical)
        XCTAssertEqual(a.canonical, #"{"a":{"y":null,"z":true},"b":[1,2.5,"x\n"]}"#)
        XCTAssertEqual(try JSONValue.parse("3").typeName, "integer")
        XCTAssertEqual(try JSONValue.parse("0.5").typeName, "number")
    }
}
