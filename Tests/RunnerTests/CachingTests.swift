import Foundation
import Formats
import Pipeline
import TestSupport
import XCTest

final class CachingTests: XCTestCase {
    func testCacheHitsAndMissesOnParameterAndInputChanges() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2]))

        var s = try p.run(spec)
        XCTAssertTrue(s.succeeded)
        XCTAssertEqual(s.executed.count, 3)
        XCTAssertEqual([p.count("prep"), p.count("work-1"), p.count("work-2")], [1, 1, 1])

        s = try p.run(spec)   // everything cached
        XCTAssertEqual(s.executed.count, 0)
        XCTAssertEqual(s.cached.count, 3)
        XCTAssertEqual([p.count("prep"), p.count("work-1"), p.count("work-2")], [1, 1, 1])

        // A new axis value runs only the new cell; the shared prep stays cached.
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2, 3]))
        s = try p.run(spec)
        XCTAssertEqual(s.executed.count, 1)
        XCTAssertEqual([p.count("prep"), p.count("work-3")], [1, 1])

        // A parameter upstream changes prep's key and therefore every key downstream.
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2, 3], extra: #""parameters": {"size": 4},"#))
        s = try p.run(spec)
        XCTAssertEqual(s.executed.count, 4)
        XCTAssertEqual([p.count("prep"), p.count("work-1"), p.count("work-3")], [2, 2, 2])

        // Back to the old parameter: all old keys are still cached (content-addressed, not "last run").
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2, 3]))
        XCTAssertEqual(try p.run(spec).executed.count, 0)
    }

    func testFileInputContentChangeInvalidates() throws {
        let p = try TestProject()
        try p.write("pipelines/script.sh", "echo v1\n")
        let spec = try p.spec(pipeline: #"""
            {"name": "p", "stages": {"s": {"kind": "command", "inputs": {"script": {"file": "script.sh"}},
             "params": {"command": "echo x >> \#(p.counts.path)/s; sh $HM_IN_SCRIPT > $HM_OUT/o", "outputs": ["o"]}}}}
            """#, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        XCTAssertEqual(try p.run(spec).executed.count, 1)
        XCTAssertEqual(try p.run(spec).executed.count, 0)
        try p.write("pipelines/script.sh", "echo v2\n")
        XCTAssertEqual(try p.run(spec).executed.count, 1)
        XCTAssertEqual(p.count("s"), 2)
    }

    func testDryRunListsExactlyWhatRunThenExecutes() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2]))
        _ = try p.run(spec)
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2, 3, 4]))
        let dry = try p.run(spec) { $0.dryRun = true }
        XCTAssertEqual(p.count("work-3"), 0, "dry run executes nothing")
        let real = try p.run(spec)
        XCTAssertEqual(Set(dry.planned.map(\.node.key)), Set(real.executed))
        XCTAssertEqual(dry.planned.count, 2)
        // --force and --only are honoured the same way.
        let forcedDry = try p.run(spec) { $0.dryRun = true; $0.force = ["work[seed=2]"] }
        let forced = try p.run(spec) { $0.force = ["work[seed=2]"] }
        XCTAssertEqual(forcedDry.planned.map(\.node.key), forced.executed)
        XCTAssertEqual(forced.executed.count, 1)
        XCTAssertEqual(p.count("work-2"), 2)
    }

    func testCorruptOrMissingArtifactIsDetectedAndRebuilt() throws {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        try p.write("experiments/e.json", countingExperiment(seeds: [1]))
        _ = try p.run(spec)
        let state = try p.state()
        let store = ArtifactStore(workspace: Workspace(p.workspace))
        let prep = try state.allStages().first { $0.template == "prep" }!
        let artifact = try state.artifacts(keys: [prep.key])[prep.key]!.first!
        let object = store.objectPath(sha256: artifact.sha256, compressed: artifact.compressed)

        // 1. Same-size corruption: `verify` finds it, the next run rebuilds only prep.
        try flipFirstByte(object)
        let verified = try Maintenance.verify(workspace: Workspace(p.workspace), state: state)
        XCTAssertEqual(verified.problems.count, 1)
        var s = try p.run(spec)
        XCTAssertEqual(s.executed, [prep.key])
        XCTAssertEqual(p.count("prep"), 2)
        XCTAssertEqual(try Hashing.sha256Hex(fileAt: object), artifact.sha256)

        // 2. Missing object: detected by a plain run.
        try FileManager.default.removeItem(at: object)
        s = try p.run(spec)
        XCTAssertEqual(s.executed, [prep.key])
        XCTAssertEqual(p.count("prep"), 3)

        // 3. Corruption found while reading an input: the producer is rebuilt before the consumer runs.
        try flipFirstByte(object)
        s = try p.run(spec) { $0.force = ["work"] }
        XCTAssertTrue(s.succeeded)
        XCTAssertEqual(p.count("prep"), 4)
        XCTAssertEqual(p.count("work-1"), 2)
        let work = try state.allStages().first { $0.template == "work" }!
        let out = try state.artifacts(keys: [work.key])[work.key]!.first!
        let text = try String(contentsOf: try store.path(for: out), encoding: .utf8)
        XCTAssertEqual(text, "1\n2\n3\n1\n", "the consumer read the rebuilt, correct input")
    }

    func testLargeArtifactsAreCompressedAndVerified() throws {
        let p = try TestProject()
        let spec = try p.spec(pipeline: #"""
            {"name": "p", "stages": {"big": {"kind": "command", "params": {"command": "seq 1 1000000 > $HM_OUT/big.txt", "outputs": ["big.txt"]}}}}
            """#, experiment: #"{"name": "e", "pipelines": ["../pipelines/p.json"], "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#)
        _ = try p.run(spec)
        let state = try p.state()
        let artifact = try state.artifacts().values.flatMap { $0 }.first!
        XCTAssertTrue(artifact.compressed)
        XCTAssertLessThan(artifact.storedSize, artifact.size)
        let path = try ArtifactStore(workspace: Workspace(p.workspace)).path(for: artifact)
        XCTAssertEqual(try Hashing.sha256Hex(fileAt: path), artifact.sha256)
    }

    private func flipFirstByte(_ url: URL) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        var data = try Data(contentsOf: url)
        data[0] ^= 0xff
        try data.write(to: url)
    }

    /// Graph expansion hashes the key document spelled out from canonical parameter text; it must be the same
    /// bytes as the document's canonical JSON, or every existing cache entry would be orphaned.
    func testKeyFromCanonicalTextEqualsTheDocumentsHash() throws {
        let params = try JSONValue.parse(#"{"b": [1, 2.5, "x\"y\u00e9"], "a": {"z": null, "y": true}, "lr": 0.0003}"#)
        let inputs: [String: ResolvedInput] = ["data": .artifact(stage: String(repeating: "a", count: 64), output: "d.txt"),
                                               "script": .file(path: "/p/s.sh", sha256: String(repeating: "b", count: 64))]
        let expected = Hashing.sha256Hex(CacheKey.document(kind: "command", kindVersion: "1", params: params, inputs: inputs).canonical)
        XCTAssertEqual(CacheKey.compute(kind: "command", kindVersion: "1", paramsCanonical: params.canonical, inputs: inputs), expected)
        XCTAssertEqual(CacheKey.compute(kind: "command", kindVersion: "1", params: params, inputs: inputs), expected)
    }
}
