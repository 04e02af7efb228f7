import Foundation
import TestSupport
import XCTest

/// A training stage killed with SIGKILL mid-run (the whole `hmpipe run` process) resumes from its periodic
/// checkpoint on the next `hmpipe run` and produces bit-identical weights to a run that was never interrupted.
final class TrainResumeTests: XCTestCase {
    let repo = ReleaseBinary.repo

    func sqlite(_ db: URL, _ sql: String) throws -> String { try commandOutput("/usr/bin/sqlite3", [db.path, sql]) }

    func testKilledTrainingResumesBitIdentically() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { throw XCTSkip("sqlite3 CLI missing") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hm-resume-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let profile: [String: Any] = ["parameters": [String: Any]()]
        let spec: [String: Any] = [
            "name": "resume-check",
            "pipelines": [repo.appendingPathComponent("pipelines/finetune-minilm-sentences.json").path],
            "parameters": ["task": "vader-movie", "backbone": "scratch", "variant": "hypermoe", "experts": 4,
                           "pretrain_steps": 2, "pretrain_batch_size": 4,
                           "steps": 80, "batch_size": 8, "max_train": 400, "max_test": 32, "max_length": 64],
            "grid": ["axes": ["seed": [3]]],
            "profiles": ["smoke": profile, "default": profile, "paper": profile],
            "targets": ["train"],
        ]
        let specFile = dir.appendingPathComponent("resume.json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specFile)
        let wsA = dir.appendingPathComponent("a"), wsB = dir.appendingPathComponent("b")

        let straight = try ReleaseBinary.process(["run", specFile.path, "--workspace", wsA.path, "-j", "1"])
        try straight.run(); straight.waitUntilExit()
        XCTAssertEqual(straight.terminationStatus, 0)

        let first = try ReleaseBinary.process(["run", specFile.path, "--workspace", wsB.path, "-j", "1"])
        try first.run()
        let deadline = Date().addingTimeInterval(300)
        var checkpoint: String?
        while checkpoint == nil, first.isRunning, Date() < deadline {
            let found = FileManager.default.enumerator(atPath: wsB.appendingPathComponent("checkpoints").path)?
                .compactMap { $0 as? String }.first { $0.hasSuffix("resume.safetensors.zst") }
            checkpoint = found
            if checkpoint == nil { usleep(20_000) }
        }
        XCTAssertNotNil(checkpoint, "no periodic checkpoint appeared before the run ended")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationReason, .uncaughtSignal, "the first run had already finished")

        let second = try ReleaseBinary.process(["run", specFile.path, "--workspace", wsB.path, "-j", "1"])
        try second.run(); second.waitUntilExit()
        XCTAssertEqual(second.terminationStatus, 0)

        let query = "SELECT a.sha256 FROM artifact a JOIN stage s ON s.key = a.stageKey WHERE s.template = 'train' AND a.name = 'model.safetensors.zst'"
        let hashA = try sqlite(wsA.appendingPathComponent("state.sqlite"), query)
        let hashB = try sqlite(wsB.appendingPathComponent("state.sqlite"), query)
        XCTAssertEqual(hashA.count, 64)
        XCTAssertEqual(hashA, hashB, "resumed training must give the same weights as an uninterrupted run")
        let logs = try FileManager.default.subpathsOfDirectory(atPath: wsB.appendingPathComponent("logs").path)
            .filter { $0.hasSuffix(".log") }
            .map { try String(contentsOf: wsB.appendingPathComponent("logs").appendingPathComponent($0), encoding: .utf8) }
        XCTAssertTrue(logs.contains { $0.contains("resumed at step 50") }, "the second attempt did not resume from the checkpoint")
    }
}
