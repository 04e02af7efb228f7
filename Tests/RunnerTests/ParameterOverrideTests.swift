import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest

/// `--set NAME=VALUE`: typed against the declaration, applied after the profile, part of cache keys, recorded under
/// a synthesized profile name that status, report and metrics find again.
final class ParameterOverrideTests: XCTestCase {
    private func project(seeds: [Int] = [1, 2]) throws -> (TestProject, URL) {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        try p.write("experiments/e.json", countingExperiment(seeds: seeds))
        return (p, p.root.appendingPathComponent("experiments/e.json"))
    }

    func testTypedValuesAndPrecedenceAfterTheProfile() throws {
        let (_, url) = try project()
        let spec = try ExperimentSpec.load(url)
        // paper sets size 9; --set wins over it.
        let (applied, name) = try spec.overriding([try ParameterOverride(parsing: "size=4e0")], profile: "paper")
        XCTAssertEqual(name, "paper[size=4e0]")
        XCTAssertEqual(applied.profiles[name]?.parameters["size"], .int(4))   // an integral number for an integer
        XCTAssertEqual(spec.profiles["paper"]?.parameters["size"], .int(9))  // the spec itself is untouched
        // An axis takes one value or a JSON array of values.
        let (one, oneName) = try spec.overriding([try ParameterOverride(parsing: "seed=2")], profile: "default")
        XCTAssertEqual(one.profiles[oneName]?.axes["seed"], [.int(2)])
        let (two, twoName) = try spec.overriding([try ParameterOverride(parsing: "seed=[3,4]")], profile: "default")
        XCTAssertEqual(two.profiles[twoName]?.axes["seed"], [.int(3), .int(4)])
        // No overrides: the spec and profile as they were.
        XCTAssertEqual(try spec.overriding([], profile: "smoke").profile, "smoke")
        // The value may contain '='.
        XCTAssertEqual(try ParameterOverride(parsing: "cmd=a=b").text, "a=b")
    }

    func testErrorsNameTheOverrideAndSuggest() throws {
        let (_, url) = try project()
        let spec = try ExperimentSpec.load(url)
        func message(_ args: [String], profile: String = "default") -> String {
            do { _ = try spec.overriding(try ParameterOverride.parse(args), profile: profile); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(["sizee=4"]), "\(url.path): --set sizee: no parameter or grid axis named 'sizee' (declared: seed, size) (did you mean 'size'?)")
        XCTAssertEqual(message(["size=big"]), "\(url.path): --set size: expected integer for parameter 'size', got string \"big\"")
        XCTAssertEqual(message(["seed=[1,\"x\"]"]), "\(url.path): --set seed: expected integer for parameter 'seed', got string \"x\"")
        XCTAssertEqual(message(["size=3", "size=4"]), "\(url.path): --set size: set more than once")
        XCTAssertTrue(message(["size=3"], profile: "papr").contains("no profile 'papr'"), message(["size=3"], profile: "papr"))
        XCTAssertEqual(message(["size"]), "--set: size: expected NAME=VALUE, e.g. --set lr=1e-4")
    }

    /// An override enters cache keys (never reuses results of another value) and is recorded under its profile name.
    func testOverrideRunsAreCachedSeparatelyAndFoundAgain() throws {
        let (p, url) = try project()
        XCTAssertEqual(try p.run(url).executed.count, 3)   // prep + 2 seeds, size 3
        var s = try p.run(url) { $0.overrides = [ParameterOverride(name: "size", text: "5")] }
        XCTAssertEqual(s.executed.count, 3, "size 5 is a new prep and new work stages")
        XCTAssertEqual(p.count("prep"), 2)
        s = try p.run(url) { $0.overrides = [ParameterOverride(name: "size", text: "5")] }
        XCTAssertEqual(s.executed.count, 0, "the same override is cached")
        s = try p.run(url) { $0.overrides = [ParameterOverride(name: "size", text: "3")] }
        XCTAssertEqual(s.executed.count, 0, "an override equal to the default reuses the default's results")
        s = try p.run(url) { $0.overrides = [ParameterOverride(name: "seed", text: "7")] }
        XCTAssertEqual(s.executed.count, 1, "only the new seed's work stage runs; prep is shared")

        let state = try p.state()
        XCTAssertEqual(try state.cellResults(spec: "e", profile: "default").count, 2)
        XCTAssertEqual(try state.cellResults(spec: "e", profile: "default[size=5]").count, 2)
        XCTAssertEqual(try state.cellResults(spec: "e", profile: "default[seed=7]").map(\.label), ["seed=7"])

        // The CLI: status and metrics with the same --set see those runs; a misspelled name is a spec error (exit 2).
        let ws = p.workspace.path
        var (code, log) = try ReleaseBinary.run(["status", url.path, "--workspace", ws, "--set", "size=5"])
        XCTAssertEqual(code, 0, log)
        XCTAssertTrue(log.contains("e [default[size=5]]: 2 cells: 2 done"), log)
        (code, log) = try ReleaseBinary.run(["metrics", url.path, "--workspace", ws, "--set", "seed=7"])
        XCTAssertEqual(code, 0, log)
        XCTAssertTrue(log.contains("e,default[seed=7],seed=7,7,work,"), log)
        (code, log) = try ReleaseBinary.run(["run", url.path, "--workspace", ws, "--set", "sise=5", "--dry-run"])
        XCTAssertEqual(code, 2, log)
        XCTAssertTrue(log.contains("--set sise: no parameter or grid axis named 'sise'") && log.contains("(did you mean 'size'?)"), log)
        (code, log) = try ReleaseBinary.run(["dag", url.path, "--set", "seed=[1,2,3]"])
        XCTAssertEqual(code, 0, log)
        XCTAssertTrue(log.contains("seed=3"), log)
    }
}
