import Foundation
import XCTest
import Formats

/// Each way a file can be broken maps to its own error, naming the file and, where there is one, the tensor.
final class SafeTensorsMalformedTests: XCTestCase {
    /// Builds a file from a header string (unpadded) and a data section.
    func file(_ header: String, data: Data = Data(), headerLength: UInt64? = nil) -> Data {
        var out = Data()
        withUnsafeBytes(of: (headerLength ?? UInt64(header.utf8.count)).littleEndian) { out.append(contentsOf: $0) }
        out.append(Data(header.utf8))
        out.append(data)
        return out
    }

    func parse(_ bytes: Data) throws -> SafeTensors { try SafeTensors(parsing: bytes, source: "bad.safetensors") }

    func check(_ bytes: Data, _ kind: SafeTensorsError.Kind, line: UInt = #line) {
        assertSafeTensorsError(try parse(bytes), file: "bad.safetensors", kind, line: line)
    }

    func testTruncatedBeforeHeaderLength() {
        check(Data([1, 2, 3]), .truncated(byteCount: 3))
        check(Data(), .truncated(byteCount: 0))
    }

    func testHeaderLengthBeyondFile() throws {
        check(file("{}", headerLength: 100), .headerBeyondFile(headerLength: 100, fileSize: 10))
        check(file("{}", headerLength: .max), .headerBeyondFile(headerLength: .max, fileSize: 10))
        // A valid file cut short loses data bytes: the last tensor's offsets now run past the end.
        let whole = try SafeTensors.serialize(SafeTensorsTests.sample)
        check(whole.prefix(whole.count - 2), .offsetsOutOfRange(tensor: "b", begin: 32, end: 35, dataSize: 33))
        // Cut inside the header.
        check(whole.prefix(20), .headerBeyondFile(headerLength: UInt64(whole.count - 8 - 35), fileSize: 20))
    }

    func testBadJSON() {
        for header in ["{\"a\":", "not json", "[1,2]", #"{"a":{"dtype":"F32","shape":[1]}}"#,
                       #"{"__metadata__":{"k":1}}"#, #"{"a":{"dtype":"F32","shape":"x","data_offsets":[0,4]}}"#] {
            XCTAssertThrowsError(try parse(file(header, data: Data(count: 4))), header) { error in
                guard let e = error as? SafeTensorsError, case .invalidHeader(let reason) = e.kind else {
                    return XCTFail("\(header): \(error)")
                }
                XCTAssertFalse(reason.isEmpty)
                XCTAssertEqual(e.file, "bad.safetensors")
            }
        }
        var notUTF8 = file("{}")
        notUTF8[8] = 0xFF
        check(notUTF8, .invalidHeader(reason: "not UTF-8"))
        check(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, data: Data(count: 4)),
              .invalidHeader(reason: "tensor 'a': data_offsets must be [begin, end]"))
    }

    func testUnknownDType() {
        check(file(#"{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}"#, data: Data(count: 16)),
              .unknownDType(tensor: "a", dtype: "F128"))
    }

    func testOffsetsOutOfRange() {
        check(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: Data(count: 4)),
              .offsetsOutOfRange(tensor: "a", begin: 0, end: 8, dataSize: 4))
        check(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: Data(count: 4)),
              .offsetsOutOfRange(tensor: "a", begin: 4, end: 0, dataSize: 4))
    }

    func testSizeNotMatchingShapeTimesDType() {
        check(file(#"{"a":{"dtype":"F64","shape":[2,2],"data_offsets":[0,16]}}"#, data: Data(count: 16)),
              .sizeMismatch(tensor: "a", dtype: .F64, shape: [2, 2], expectedBytes: 32, actualBytes: 16))
        check(file(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: Data(count: 4)),
              .invalidShape(tensor: "a", shape: [-1]))
    }

    func testOverlappingAndUnclaimedBytes() {
        check(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                   data: Data(count: 8)), .overlapping(tensor: "b", other: "a"))
        check(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: Data(count: 8)),
              .unclaimedBytes(at: 0, count: 4))
        check(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: Data(count: 6)),
              .unclaimedBytes(at: 4, count: 2))
    }

    func testAccessorErrors() throws {
        let st = try parse(SafeTensors.serialize(SafeTensorsTests.sample))
        assertSafeTensorsError(try st.floats("nope"), file: "bad.safetensors", .missingTensor(tensor: "nope"))
        assertSafeTensorsError(try st.floats("c"), .wrongDType(tensor: "c", expected: [.F32], actual: .I64))
        assertSafeTensorsError(try st.int64s("a"), .wrongDType(tensor: "a", expected: [.I64], actual: .F32))
    }

    func testDescriptionsNameFileAndTensor() {
        let e = SafeTensorsError(file: "m.safetensors",
                                 kind: .sizeMismatch(tensor: "w", dtype: .F32, shape: [2, 3], expectedBytes: 24, actualBytes: 20))
        XCTAssertEqual(e.description, "m.safetensors: tensor 'w': shape [2, 3] × F32 needs 24 bytes but data_offsets span 20")
    }
}
