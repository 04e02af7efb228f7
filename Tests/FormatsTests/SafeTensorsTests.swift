import Foundation
import XCTest
import Formats

final class SafeTensorsTests: XCTestCase {
    static let sample: [SafeTensors.Tensor] = [
        .init(name: "b", shape: [3], uint8s: [1, 2, 3]),
        .init(name: "a", shape: [2, 2], floats: [1.5, -2, 0.25, 3]),
        .init(name: "c", shape: [2], int64s: [-7, 1 << 40]),
    ]

    func testRoundTripOfEveryDType() throws {
        let f32: [Float] = [0, -1, .pi, .infinity, -0.0, 1e-38]
        let tensors: [SafeTensors.Tensor] = [
            .init(name: "f32", shape: [2, 3], floats: f32),
            .init(name: "f64", shape: [2], doubles: [.pi, -1e300]),
            .init(name: "i64", shape: [1, 2], int64s: [.min, .max]),
            .init(name: "i32", shape: [3], int32s: [.min, 0, .max]),
            .init(name: "u8", shape: [2, 2], uint8s: [0, 1, 254, 255]),
            .init(name: "scalar", shape: [], floats: [42]),
            .init(name: "empty", shape: [0, 4], floats: []),
            .init(name: "bf16", dtype: .BF16, shape: [2], bytes: Data([0x80, 0x3f, 0x00, 0xc0])),
            .init(name: "bool", dtype: .BOOL, shape: [2], bytes: Data([1, 0])),
        ]
        let metadata = ["step": "12", "note": "é/\"x\"\n\u{1}"]
        let bytes = try SafeTensors.serialize(tensors, metadata: metadata)
        let file = try SafeTensors(parsing: bytes)
        XCTAssertEqual(file.metadata, metadata)
        XCTAssertEqual(Set(file.names), Set(tensors.map(\.name)))
        XCTAssertEqual(try file.floats("f32").map(\.bitPattern), f32.map(\.bitPattern))
        XCTAssertEqual(try file.doubles("f64"), [.pi, -1e300])
        XCTAssertEqual(try file.int64s("i64"), [.min, .max])
        XCTAssertEqual(try file.int32s("i32"), [.min, 0, .max])
        XCTAssertEqual(try file.uint8s("u8"), [0, 1, 254, 255])
        XCTAssertEqual(try file.floats("scalar"), [42])
        XCTAssertEqual(try file.entry("scalar").shape, [])
        XCTAssertEqual(try file.floats("empty"), [])
        XCTAssertEqual(try file.entry("empty").shape, [0, 4])
        XCTAssertEqual(try file.rawBytes("bf16"), Data([0x80, 0x3f, 0x00, 0xc0]))
        XCTAssertEqual(try file.uint8s("bool"), [1, 0])
        for t in tensors { XCTAssertEqual(try file.entry(t.name).dtype, t.dtype, t.name) }
        // Re-serialising what was read gives the same bytes, and input order does not matter.
        XCTAssertEqual(try SafeTensors.serialize(file.allTensors(), metadata: file.metadata), bytes)
        XCTAssertEqual(try SafeTensors.serialize(tensors.reversed(), metadata: metadata), bytes)
        // Parsing works on a slice of a larger buffer too (non-zero startIndex).
        let padded = Data([9, 9, 9]) + bytes
        XCTAssertEqual(try SafeTensors(parsing: padded[3...]).int32s("i32"), [.min, 0, .max])
    }

    /// The exact bytes Python's `safetensors.numpy.save` (0.8.0) produced for `sample` with
    /// metadata {"format": "pt"}: I64 first, then F32, then U8; header padded with 3 spaces to 200.
    func testHeaderLayoutIsByteExact() throws {
        let bytes = try SafeTensors.serialize(Self.sample, metadata: ["format": "pt"])
        let header = #"{"__metadata__":{"format":"pt"},"c":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"#
            + #""a":{"dtype":"F32","shape":[2,2],"data_offsets":[16,32]},"b":{"dtype":"U8","shape":[3],"data_offsets":[32,35]}}   "#
        XCTAssertEqual(Array(bytes.prefix(8)), [200, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(String(decoding: bytes[8..<208], as: UTF8.self), header)
        XCTAssertEqual(hex(bytes[208...]), "f9ffffffffffffff00000000000100000000c03f000000c00000803e00004040010203")
        XCTAssertEqual(Hashing.sha256Hex(bytes), "8c0f1516a6710f5654d284fc702dedfc87644f7044ac0339b138f8c4256abb42")
        // No metadata → no __metadata__ key; header of 54 bytes padded with 2 spaces.
        let plain = try SafeTensors.serialize([.init(name: "x", shape: [1], floats: [1])])
        XCTAssertEqual(String(decoding: plain[8..<(plain.count - 4)], as: UTF8.self),
                       #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"# + "  ")
    }

    func testCompressedRoundTrip() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("ckpt.safetensors.zst")
        let values = (0..<16384).map { Float($0 % 97) * 0.5 }
        let big = SafeTensors.Tensor(name: "w", shape: [256, 64], floats: values)
        try SafeTensors.write(Self.sample + [big], metadata: ["step": "3"], to: url)
        let onDisk = try Data(contentsOf: url)
        XCTAssertEqual(Array(onDisk.prefix(4)), [0x28, 0xB5, 0x2F, 0xFD], "a zstd frame")
        XCTAssertEqual(try Zstd.decompress(onDisk), try SafeTensors.serialize(Self.sample + [big], metadata: ["step": "3"]))
        XCTAssertLessThan(onDisk.count, values.count * 4 / 2)
        let back = try SafeTensors.read(contentsOf: url)
        XCTAssertEqual(back.source, url.path)
        XCTAssertEqual(try back.floats("w"), values)
        XCTAssertEqual(try back.int64s("c"), [-7, 1 << 40])
        XCTAssertEqual(back.metadata, ["step": "3"])
        // Plain files go through the same entry points.
        let plainURL = dir.appendingPathComponent("ckpt.safetensors")
        try SafeTensors.write(Self.sample, to: plainURL)
        XCTAssertEqual(try Data(contentsOf: plainURL), try SafeTensors.serialize(Self.sample))
        XCTAssertEqual(try SafeTensors.read(contentsOf: plainURL).uint8s("b"), [1, 2, 3])
        // A truncated compressed file is reported against its path.
        try onDisk.prefix(onDisk.count / 2).write(to: url)
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: url)) { error in
            guard let e = error as? SafeTensorsError, case .cannotRead = e.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(e.file, url.path)
        }
    }

    func testWriterRejectsBadInput() {
        assertSafeTensorsError(try SafeTensors.serialize([.init(name: "a", shape: [2], floats: [1])], destination: "out"),
                               file: "out", .sizeMismatch(tensor: "a", dtype: .F32, shape: [2], expectedBytes: 8, actualBytes: 4))
        assertSafeTensorsError(try SafeTensors.serialize(Self.sample + [Self.sample[0]]), .duplicateTensor(tensor: "b"))
        assertSafeTensorsError(try SafeTensors.serialize([.init(name: "__metadata__", shape: [0], floats: [])]),
                               .reservedName(tensor: "__metadata__"))
    }

    func testReadingMissingFileNamesIt() {
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors"))) { error in
            guard let e = error as? SafeTensorsError, case .cannotRead = e.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(e.file, "/nonexistent/x.safetensors")
            XCTAssertTrue(e.description.hasPrefix("/nonexistent/x.safetensors: "))
        }
    }
}

// MARK: helpers shared by the Formats tests

func assertSafeTensorsError<T>(_ body: @autoclosure () throws -> T, file: String? = nil, _ kind: SafeTensorsError.Kind,
                               line: UInt = #line) {
    XCTAssertThrowsError(try body(), line: line) { error in
        guard let e = error as? SafeTensorsError else { return XCTFail("not a SafeTensorsError: \(error)", line: line) }
        XCTAssertEqual(e.kind, kind, line: line)
        if let file { XCTAssertEqual(e.file, file, line: line) }
        XCTAssertTrue(e.description.hasPrefix(e.file + ": "), e.description, line: line)
    }
}

func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 { bytes.map { String(format: "%02x", $0) }.joined() }

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hmpipe-formats-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
