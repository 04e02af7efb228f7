import Foundation

// Tensor bytes are little-endian on disk and copied as-is into Swift arrays.
#if _endian(big)
#error("safetensors data is little-endian; the typed accessors assume a little-endian host")
#endif

/// A parsed safetensors file: `u64 LE header length | JSON header | data section`.
///
/// Parsing validates the whole header up front (dtypes, shapes, offsets in range, sizes matching
/// shape × dtype, no overlaps, no unclaimed bytes — the reference reader's rules), so the typed
/// accessors afterwards can only fail on a wrong name or dtype. The file's bytes are kept (a mapped
/// `Data` when read from disk) and tensors are copied out on demand.
public struct SafeTensors: Sendable {
    /// One tensor's header entry. `offsets` are relative to the start of the data section.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        public let offsets: Range<Int>
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Where the bytes came from (a path), used in every error message.
    public let source: String
    /// The optional `__metadata__` string map; nil when the header has none.
    public let metadata: [String: String]?
    public let entries: [String: Entry]
    /// Tensor names in data-section order (the order the writer laid them out).
    public let names: [String]
    private let bytes: Data
    private let dataStart: Int

    public init(parsing data: Data, source: String = "<memory>") throws {
        self.source = source
        func fail(_ kind: SafeTensorsError.Kind) -> SafeTensorsError { SafeTensorsError(file: source, kind: kind) }

        let bytes = data.startIndex == 0 ? data : Data(data)   // keep indices zero-based
        guard bytes.count >= 8 else { throw fail(.truncated(byteCount: bytes.count)) }
        let headerLength = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self) }.littleEndian
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail(.headerBeyondFile(headerLength: headerLength, fileSize: bytes.count))
        }
        let dataStart = 8 + Int(headerLength)
        let raw = try SafeTensorsHeader.decode(bytes[8..<dataStart], source: source)
        let dataSize = bytes.count - dataStart

        var entries: [String: Entry] = [:]
        for (name, item) in raw.tensors {
            guard let dtype = SafeTensorsDType(rawValue: item.dtype) else {
                throw fail(.unknownDType(tensor: name, dtype: item.dtype))
            }
            guard item.dataOffsets.count == 2 else {
                throw fail(.invalidHeader(reason: "tensor '\(name)': data_offsets must be [begin, end]"))
            }
            let (begin, end) = (item.dataOffsets[0], item.dataOffsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw fail(.offsetsOutOfRange(tensor: name, begin: begin, end: end, dataSize: dataSize))
            }
            var count = 1
            for d in item.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow else { throw fail(.invalidShape(tensor: name, shape: item.shape)) }
                count = product
            }
            let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, expected == end - begin else {
                throw fail(.sizeMismatch(tensor: name, dtype: dtype, shape: item.shape,
                                         expectedBytes: overflow ? Int.max : expected, actualBytes: end - begin))
            }
            entries[name] = Entry(name: name, dtype: dtype, shape: item.shape, offsets: begin..<end)
        }

        // Tensors must tile the data section exactly, like the reference reader demands.
        let ordered = entries.values.sorted {
            ($0.offsets.lowerBound, $0.offsets.upperBound, $0.name) < ($1.offsets.lowerBound, $1.offsets.upperBound, $1.name)
        }
        var cursor = 0
        var previous: String?
        for e in ordered {
            if e.offsets.lowerBound < cursor { throw fail(.overlapping(tensor: e.name, other: previous ?? "")) }
            if e.offsets.lowerBound > cursor {
                throw fail(.unclaimedBytes(at: cursor, count: e.offsets.lowerBound - cursor))
            }
            if !e.offsets.isEmpty { previous = e.name }
            cursor = e.offsets.upperBound
        }
        if cursor < dataSize { throw fail(.unclaimedBytes(at: cursor, count: dataSize - cursor)) }

        self.metadata = raw.metadata
        self.entries = entries
        self.names = ordered.map(\.name)
        self.bytes = bytes
        self.dataStart = dataStart
    }

    public func entry(_ name: String) throws -> Entry {
        guard let e = entries[name] else {
            throw SafeTensorsError(file: source, kind: .missingTensor(tensor: name))
        }
        return e
    }

    /// The tensor's bytes exactly as stored (little-endian elements).
    public func rawBytes(_ name: String) throws -> Data {
        let e = try entry(name)
        return bytes.subdata(in: (dataStart + e.offsets.lowerBound)..<(dataStart + e.offsets.upperBound))
    }

    public func floats(_ name: String) throws -> [Float] { try elements(name, [.F32]) }
    public func doubles(_ name: String) throws -> [Double] { try elements(name, [.F64]) }
    public func int64s(_ name: String) throws -> [Int64] { try elements(name, [.I64]) }
    public func int32s(_ name: String) throws -> [Int32] { try elements(name, [.I32]) }
    public func uint8s(_ name: String) throws -> [UInt8] { try elements(name, [.U8, .BOOL]) }

    /// Every tensor in data-section order, ready to be written again (a lossless round trip).
    public func allTensors() throws -> [Tensor] {
        try names.map { name in
            let e = entries[name]!
            return Tensor(name: name, dtype: e.dtype, shape: e.shape, bytes: try rawBytes(name))
        }
    }

    private func elements<T: BitwiseCopyable>(_ name: String, _ accepted: [SafeTensorsDType]) throws -> [T] {
        let e = try entry(name)
        guard accepted.contains(e.dtype) else {
            throw SafeTensorsError(file: source, kind: .wrongDType(tensor: name, expected: accepted, actual: e.dtype))
        }
        let count = e.elementCount
        let start = dataStart + e.offsets.lowerBound
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                // Raw copy: the source may be unaligned inside the file, the destination is aligned.
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[start..<(start + e.offsets.count)]))
            }
            initialized = count
        }
    }
}
