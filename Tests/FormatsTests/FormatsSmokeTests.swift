import XCTest
import Formats
final class FormatsSmokeTests: XCTestCase { func testModuleLoads() { XCTAssertTrue(true) } }
