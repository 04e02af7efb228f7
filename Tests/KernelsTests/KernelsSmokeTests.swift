import XCTest
import Kernels
final class KernelsSmokeTests: XCTestCase { func testModuleLoads() { XCTAssertTrue(true) } }
