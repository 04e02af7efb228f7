import Foundation
import Pipeline
import TestSupport
import XCTest

/// A damaged state database is reported, naming the file and a way forward, by every command that opens it
/// (before: a truncated file was silently a new workspace, a header of garbage gave a bare "SQLite error 11",
/// and a garbage page passed status and verify and failed run).
final class StateDatabaseDamageTests: XCTestCase {
    private func runOnce() throws -> (TestProject, URL) {
        let p = try TestProject()
        try p.write("pipelines/p.json", countingPipeline(counts: p.counts))
        try p.write("experiments/e.json", countingExperiment(seeds: [1, 2]))
        let spec = p.root.appendingPathComponent("experiments/e.json")
        XCTAssertTrue(try p.run(spec).succeeded)
        // Move everything from the WAL into the main file, so damaging that file damages the history.
        _ = try commandOutput("/usr/bin/sqlite3", [Workspace(p.workspace).database.path, "PRAGMA wal_checkpoint(TRUNCATE);"])
        return (p, spec)
    }

    private func databaseFiles(_ p: TestProject) -> (db: URL, others: [URL]) {
        let db = Workspace(p.workspace).database
        return (db, [URL(fileURLWithPath: db.path + "-wal"), URL(fileURLWithPath: db.path + "-shm")])
    }

    func testTruncatedDatabaseIsNotTakenForANewWorkspace() throws {
        let (p, spec) = try runOnce()
        let (db, others) = databaseFiles(p)
        for f in others { try? FileManager.default.removeItem(at: f) }
        try Data().write(to: db)
        XCTAssertThrowsError(try p.run(spec)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("state database \(db.path) is empty (0 bytes)"), text)
            XCTAssertTrue(text.contains("move it aside"), text)
        }
        XCTAssertEqual(p.count("prep"), 1, "nothing re-ran")
        // A fresh workspace whose file is empty and that holds nothing else is just new.
        let fresh = try TestProject()
        try FileManager.default.createDirectory(at: fresh.workspace, withIntermediateDirectories: true)
        try Data().write(to: Workspace(fresh.workspace).database)
        XCTAssertNoThrow(try fresh.state())
    }

    func testGarbageHeaderAndGarbagePageAreNamedByEveryCommand() throws {
        let binary = try TestProject.binary()
        for damage in ["header", "page"] {
            let (p, spec) = try runOnce()
            let (db, others) = databaseFiles(p)
            for f in others { try? FileManager.default.removeItem(at: f) }
            let handle = try FileHandle(forWritingTo: db)
            let size = try handle.seekToEnd()
            XCTAssertGreaterThan(size, 8192)
            // The header is the first 100 bytes; page 2 is the first page of a table b-tree.
            try handle.seek(toOffset: damage == "header" ? 0 : 4096)
            var rng = SystemRandomNumberGenerator()
            try handle.write(contentsOf: Data((0..<(damage == "header" ? 100 : 4096)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
            try handle.close()
            for arguments in [["status", spec.path], ["verify"], ["run", spec.path], ["gc"]] {
                let process = Process()
                process.executableURL = binary
                process.arguments = arguments + ["--workspace", p.workspace.path]
                process.currentDirectoryURL = p.root
                let err = Pipe()
                process.standardError = err
                process.standardOutput = Pipe()
                try process.run()
                let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                XCTAssertNotEqual(process.terminationStatus, 0, "\(damage): \(arguments[0]) must fail")
                XCTAssertTrue(text.contains("state database \(db.path) is damaged"), "\(damage): \(arguments[0]): \(text)")
                XCTAssertTrue(text.contains(".recover"), text)
            }
            XCTAssertEqual(p.count("prep"), 1, "nothing re-ran")
        }
    }
}
