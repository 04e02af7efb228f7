import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest

/// Messages for bad input name the file, the JSON path and what was expected (before: raw NSCocoaErrorDomain
/// codes, Swift DecodingError dumps, "not valid JSON" for a 20-digit integer, "$: cannot read file", and
/// duplicate keys or axis values accepted without a word).
final class SpecMessageTests: XCTestCase {
    private let experiment = #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#

    private func errors(_ p: TestProject, _ body: () throws -> Void) -> [SpecError] {
        do { try body() } catch let e as SpecErrors { return e.errors } catch { XCTFail("not a spec error: \(error)") }
        XCTFail("expected spec errors")
        return []
    }

    private func build(_ p: TestProject) throws {
        _ = try StageGraph.build(try ExperimentSpec.load(p.root.appendingPathComponent("experiments/e.json")))
    }

    func testFileProblemsAreNamed() throws {
        let p = try TestProject()
        try FileManager.default.createDirectory(at: p.root.appendingPathComponent("adir"), withIntermediateDirectories: true)
        try p.spec(pipeline: #"{"name": "p", "stages": {"s": {"kind": "command", "inputs": {"f": {"file": "../adir"}}, "params": {"command": "true", "outputs": ["o"]}}}}"#,
                   experiment: experiment)
        var e = errors(p) { try build(p) }
        XCTAssertEqual(e.map(\.path), ["$.stages.s.inputs.f"])
        XCTAssertTrue(e[0].message.hasPrefix("input is a directory, not a file: \(p.root.path)/adir"), "\(e)")

        let missing = p.root.appendingPathComponent("experiments/nope.json")
        e = errors(p) { _ = try ExperimentSpec.load(missing) }
        XCTAssertEqual(e.map(\.description), ["\(missing.path): $: no such file"])
        e = errors(p) { _ = try ExperimentSpec.load(p.root.appendingPathComponent("experiments")) }
        XCTAssertTrue(e[0].message.contains("is a directory"), "\(e)")

        // --workspace naming a file.
        let file = p.root.appendingPathComponent("not-a-folder")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Runner.openState(Workspace(file))) { error in
            XCTAssertEqual("\(error)", "workspace \(file.path) is a file, not a folder (give --workspace a folder)")
        }
    }

    func testJSONProblemsNameLineColumnAndPath() throws {
        let p = try TestProject()
        func load(_ bytes: Data) -> [SpecError] {
            try? bytes.write(to: p.root.appendingPathComponent("experiments/e.json"))
            return errors(p) { _ = try ExperimentSpec.load(p.root.appendingPathComponent("experiments/e.json")) }
        }
        // Non-UTF-8 bytes (latin-1 é) inside a string.
        var e = load(Data(#"{"name": "caf"#.utf8) + Data([0xE9]) + Data(#"", "pipelines": []}"#.utf8))
        XCTAssertEqual(e.count, 1)
        XCTAssertTrue(e[0].message.contains("not UTF-8 text: invalid byte 0xE9 at byte offset 13") && e[0].message.contains("line 1, column 14"), "\(e)")
        // A 20-digit integer, at its path.
        e = load(Data(#"{"name": "e", "parameters": {"count": 12345678901234567890}}"#.utf8))
        XCTAssertEqual(e.map(\.path), ["$.parameters.count"])
        XCTAssertTrue(e[0].message.contains("integer 12345678901234567890 is outside the 64-bit range"), "\(e)")
        // Duplicate keys, at the second one's path.
        e = load(Data("{\"name\": \"e\",\n \"profiles\": {\"smoke\": {}, \"smoke\": {}}}".utf8))
        XCTAssertEqual(e.map(\.path), ["$.profiles.smoke"])
        XCTAssertTrue(e[0].message.contains("duplicate key 'smoke'") && e[0].message.contains("line 2"), "\(e)")
    }

    func testDuplicateAxisValuesAreRejected() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        try p.write("experiments/e.json", #"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [1, 2, 1]}}, "profiles": {"smoke": {"axes": {"seed": [3, 3]}}, "default": {}, "paper": {}}}"#)
        let e = errors(p) { try build(p) }
        XCTAssertEqual(e.map(\.description).sorted(), [
            "\(p.root.path)/experiments/e.json: $.grid.axes.seed[2]: duplicate axis value 1 (also at [0])",
            "\(p.root.path)/experiments/e.json: $.profiles.smoke.axes.seed[1]: duplicate axis value 3 (also at [0])",
        ])
    }

    func testParserAgreesWithFoundationOnValidJSON() throws {
        let text = #"{"a": [1, -2, 3.5, 2.0, 1e-3, true, false, null, "x\"\\\/\n\u00e9\ud83d\ude00"], "b": {"c": {}}, "d": []}"#
        let value = try JSONValue.parse(text)
        XCTAssertEqual(value, .object(["a": .array([.int(1), .int(-2), .double(3.5), .int(2), .double(0.001), .bool(true), .bool(false), .null,
                                                   .string("x\"\\/\né😀")]),
                                       "b": .object(["c": .object([:])]), "d": .array([])]))
        for bad in ["{\"a\": 01}", "[1,]", "{\"a\" 1}", "tru", "\"a\u{1}\"", "[1] x"] {
            XCTAssertThrowsError(try JSONValue.parse(bad), bad)
        }
    }
}
