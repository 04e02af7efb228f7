import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest

/// `"exclusive": true` in a stage's resources: the scheduler never runs it beside another stage of the run,
/// whatever `-j` is, and gives it every core (Table 4's timed stages).
final class ExclusiveStageTests: XCTestCase {
    /// Six independent stages, three of them exclusive, at -j 4: every stage records its start and end (a
    /// monotonic nanosecond clock) and a marker file while it runs. No stage may have been running while an
    /// exclusive one ran. Without the rule all six would start together (they have no dependencies), so the
    /// test fails if the scheduler ignores the flag.
    func testAnExclusiveStageNeverOverlapsAnotherAtHighParallelism() throws {
        let p = try TestProject()
        let running = p.root.appendingPathComponent("running")
        try FileManager.default.createDirectory(at: running, withIntermediateDirectories: true)
        let log = p.root.appendingPathComponent("intervals.log")
        // A stage: leave a marker, note "start", hold for a moment, note whether anyone else ran alongside
        // an exclusive stage (marker files seen), note "end", remove the marker.
        func stage(_ name: String, exclusive: Bool) -> String {
            let check = exclusive
                ? "others=$(ls \(running.path) | grep -v '^\(name)-${seed}$' | tr '\\\\n' ' '); [ -z \\\"$others\\\" ] || echo \\\"overlap \(name)-${seed} with $others\\\" >> \(log.path)"
                : "ls \(running.path) | grep -q '^timed' && echo \\\"overlap \(name)-${seed} with an exclusive stage\\\" >> \(log.path)"
            let command = "touch \(running.path)/\(name)-${seed}; echo \\\"start \(name)-${seed} $(date +%s%N)\\\" >> \(log.path); "
                + "\(check); sleep 0.3; \(check); echo \\\"end \(name)-${seed} $(date +%s%N)\\\" >> \(log.path); "
                + "rm \(running.path)/\(name)-${seed}; echo ok > $HM_OUT/o"
            let resources = exclusive ? #", "resources": {"exclusive": true}"# : ""
            return #""\#(name)": {"kind": "command", "params": {"command": "\#(command)", "outputs": ["o"]}\#(resources)}"#
        }
        let spec = try p.spec(pipeline: """
            {"name": "p", "parameters": {"seed": {"type": "integer"}}, "stages": {
              \(stage("free", exclusive: false)), \(stage("timed", exclusive: true))}}
            """, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "grid": {"axes": {"seed": [1, 2, 3]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        let summary = try p.run(spec, jobs: 4)
        XCTAssertTrue(summary.succeeded, "\(summary.failed)")
        XCTAssertEqual(summary.executed.count, 6)

        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasPrefix("overlap") }, [], "a stage saw another running beside an exclusive one")
        // The same from the recorded intervals: each exclusive interval is disjoint from every other interval.
        var start: [String: Int] = [:], end: [String: Int] = [:]
        for line in lines {
            let f = line.split(separator: " ")
            guard f.count == 3, let t = Int(f[2]) else { continue }
            if f[0] == "start" { start[String(f[1])] = t } else if f[0] == "end" { end[String(f[1])] = t }
        }
        XCTAssertEqual(Set(start.keys), Set(end.keys))
        XCTAssertEqual(start.count, 6)
        for a in start.keys where a.hasPrefix("timed") {
            for b in start.keys where b != a {
                XCTAssertTrue(end[a]! <= start[b]! || end[b]! <= start[a]!, "\(a) overlaps \(b)")
            }
        }
        // Alone, an exclusive stage gets every core (what it times must not depend on -j); the others their share.
        let threads = Dictionary(uniqueKeysWithValues: try p.state().allStages().map { ($0.name, $0.threads) })
        XCTAssertEqual(threads["timed[seed=1]"], RunOptions.cores)
        XCTAssertEqual(threads["free[seed=1]"], p.options(jobs: 4).resolvedParallelism.threads)
    }

    /// The flag comes from a template's or a profile's resources (a profile can switch it on or off per stage
    /// name), is checked as a boolean by the schema, never enters cache keys, and asks Slurm for a whole node.
    func testTheFlagIsReadFromTemplateAndProfileAndIsABoolean() throws {
        let p = try TestProject()
        func build(template: String, profile: String) throws -> StageGraph {
            try p.write("pipelines/p.json", #"""
                {"name": "p", "stages": {
                  "a": {"kind": "command", "params": {"command": "echo 1 > $HM_OUT/o", "outputs": ["o"]}\#(template)},
                  "b": {"kind": "command", "params": {"command": "echo 2 > $HM_OUT/o", "outputs": ["o"]}}}}
                """#)
            try p.write("experiments/e.json", #"""
                {"name": "e", "pipelines": ["../pipelines/p.json"],
                 "profiles": {"smoke": {}, "default": {\#(profile)}, "paper": {}}}
                """#)
            return try StageGraph.build(try ExperimentSpec.load(p.root.appendingPathComponent("experiments/e.json")))
        }
        let plain = try build(template: "", profile: "")
        XCTAssertTrue(plain.nodes.values.allSatisfy { !$0.resources.exclusive }, "off by default")
        let flagged = try build(template: #", "resources": {"exclusive": true}"#,
                                profile: #""resources": {"b": {"exclusive": true, "cpus": 2}}"#)
        XCTAssertEqual(Set(plain.nodes.keys), Set(flagged.nodes.keys), "the flag must not invalidate results")
        let byName = Dictionary(uniqueKeysWithValues: flagged.nodes.values.map { ($0.name, $0.resources) })
        XCTAssertEqual(byName["a"], StageResources(cpus: 1, memoryMB: 1024, timeMinutes: 60, exclusive: true))
        XCTAssertEqual(byName["b"], StageResources(cpus: 2, memoryMB: 1024, timeMinutes: 60, exclusive: true))
        let off = try build(template: #", "resources": {"exclusive": true}"#, profile: #""resources": {"a": {"exclusive": false}}"#)
        XCTAssertEqual(off.nodes.values.first { $0.name == "a" }?.resources.exclusive, false, "the profile overrides the template")

        XCTAssertThrowsError(try build(template: #", "resources": {"exclusive": "yes"}"#, profile: "")) { error in
            XCTAssertTrue("\(error)".contains("exclusive"), "\(error)")
        }

        let script = SlurmJobScript(key: "k", name: "a", binary: URL(fileURLWithPath: "/opt/hmpipe"),
                                    workspace: Workspace(URL(fileURLWithPath: "/ws")), threads: 1, force: false)
        let cwd = URL(fileURLWithPath: "/p")
        XCTAssertTrue(script.sbatchArguments(resources: byName["a"]!, partition: nil, workingDirectory: cwd, extra: []).contains("--exclusive"))
        XCTAssertFalse(script.sbatchArguments(resources: plain.nodes.values.first!.resources, partition: nil, workingDirectory: cwd,
                                              extra: []).contains("--exclusive"))
    }
}
