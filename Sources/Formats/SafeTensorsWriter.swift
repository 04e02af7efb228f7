import Foundation

extension SafeTensors {
    /// One tensor to write: name, dtype, shape and its little-endian bytes.
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var dtype: SafeTensorsDType
        public var shape: [Int]
        public var bytes: Data

        public init(name: String, dtype: SafeTensorsDType, shape: [Int], bytes: Data) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        public init(name: String, shape: [Int], floats: [Float]) { self.init(name, .F32, shape, floats) }
        public init(name: String, shape: [Int], doubles: [Double]) { self.init(name, .F64, shape, doubles) }
        public init(name: String, shape: [Int], int64s: [Int64]) { self.init(name, .I64, shape, int64s) }
        public init(name: String, shape: [Int], int32s: [Int32]) { self.init(name, .I32, shape, int32s) }
        public init(name: String, shape: [Int], uint8s: [UInt8]) { self.init(name, .U8, shape, uint8s) }

        private init<T: BitwiseCopyable>(_ name: String, _ dtype: SafeTensorsDType, _ shape: [Int], _ values: [T]) {
            self.init(name: name, dtype: dtype, shape: shape, bytes: values.withUnsafeBytes { Data($0) })
        }
    }

    /// The bytes of a safetensors file holding `tensors`, identical to what Python's
    /// `safetensors.numpy.save` produces for the same tensors: layout by descending dtype then name
    /// (keeps every tensor aligned to its element size), header padded with spaces to 8 bytes.
    /// Input order does not matter, so equal inputs always give equal bytes.
    /// `destination` only names the target in errors.
    public static func serialize(_ tensors: [Tensor], metadata: [String: String]? = nil,
                                 destination: String = "<memory>") throws -> Data {
        func fail(_ kind: SafeTensorsError.Kind) -> SafeTensorsError { SafeTensorsError(file: destination, kind: kind) }
        var seen = Set<String>()
        for t in tensors {
            if t.name == SafeTensorsHeader.metadataKey { throw fail(.reservedName(tensor: t.name)) }
            if !seen.insert(t.name).inserted { throw fail(.duplicateTensor(tensor: t.name)) }
            guard t.shape.allSatisfy({ $0 >= 0 }) else { throw fail(.invalidShape(tensor: t.name, shape: t.shape)) }
            let expected = t.shape.reduce(1, *) * t.dtype.byteSize
            guard expected == t.bytes.count else {
                throw fail(.sizeMismatch(tensor: t.name, dtype: t.dtype, shape: t.shape,
                                         expectedBytes: expected, actualBytes: t.bytes.count))
            }
        }
        let ordered = tensors.sorted {
            // Names compare as UTF-8 bytes, as Rust's String ordering does (Swift's `<` normalises Unicode).
            $0.dtype.layoutRank != $1.dtype.layoutRank ? $0.dtype.layoutRank > $1.dtype.layoutRank
                : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
        }
        var offset = 0
        let layout = ordered.map { t -> (name: String, dtype: SafeTensorsDType, shape: [Int], offsets: Range<Int>) in
            defer { offset += t.bytes.count }
            return (t.name, t.dtype, t.shape, offset..<(offset + t.bytes.count))
        }
        let header = SafeTensorsHeader.encode(metadata: metadata, tensors: layout)
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(header)
        for t in ordered { out.append(t.bytes) }
        return out
    }
}
