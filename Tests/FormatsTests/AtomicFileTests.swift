import Foundation
import XCTest
import Formats

final class AtomicFileTests: XCTestCase {
    func testWritesReplacesAndLeavesNoTemporaries() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("a.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data([1, 2, 3]))
        try AtomicFile.write(Data(repeating: 7, count: 1 << 20), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data(repeating: 7, count: 1 << 20))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["a.bin"])
    }

    func testMissingDirectoryIsATypedError() {
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: URL(fileURLWithPath: "/nonexistent-dir/x"))) { error in
            guard let e = error as? AtomicFile.Failure else { return XCTFail("\(error)") }
            XCTAssertEqual(e.errno, ENOENT)
            XCTAssertTrue(e.description.contains("/nonexistent-dir/"), e.description)
        }
    }
}
