import Formats

/// Decodes a stage's canonical JSON parameters into its typed `Decodable` configuration, strictly:
/// - keys are the spec's snake_case (`batch_size` for a property `batchSize`);
/// - a key no property asked for is an error naming it, the keys that exist and the nearest one, so a
///   misspelled `"expertz"` fails the plan instead of silently training with the default;
/// - type errors speak JSON ("expected an integer, found a string") at the parameter's path (`sources[1].sha256`).
/// One pass over the `JSONValue` tree: no JSON text round trip.
public enum ParameterDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from json: JSONValue, kind: String) throws -> T {
        let book = Book()
        let value = try T(from: ValueDecoder(value: json, codingPath: [], book: book))
        try book.rejectUnknownKeys(kind: kind)
        return value
    }

    /// Every object read through a keyed container: its keys, the names properties asked for, the keys matched.
    final class Book {
        struct Seen { var keys: [String]; var asked: Set<String> = []; var matched: Set<String> = [] }
        var objects: [String: Seen] = [:]
        var order: [String] = []

        func open(_ path: String, keys: [String]) {
            if objects[path] == nil { objects[path] = Seen(keys: keys); order.append(path) }
        }

        func rejectUnknownKeys(kind: String) throws {
            for path in order {
                let seen = objects[path]!
                guard let unknown = seen.keys.filter({ !seen.matched.contains($0) }).sorted().first else { continue }
                let known = seen.asked.sorted()
                throw StageParameterError(path: path.isEmpty ? unknown : "\(path).\(unknown)",
                                          "unknown parameter for kind '\(kind)' (known: \(known.joined(separator: ", ")))",
                                          suggestion: Suggest.nearest(unknown, in: known))
            }
        }
    }

    public static func pathText(_ keys: [CodingKey]) -> String {
        var text = ""
        for k in keys {
            if let i = k.intValue { text += "[\(i)]" } else { text += (text.isEmpty ? "" : ".") + snake(k.stringValue) }
        }
        return text
    }

    /// `batchSize` → `batch_size` (the inverse of JSONDecoder's convertFromSnakeCase for our property names).
    static func snake(_ s: String) -> String {
        guard s.contains(where: \.isUppercase) else { return s }
        return s.reduce(into: "") { out, c in
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
    }

    static func describe(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .int(let i): return "the integer \(i)"
        case .double(let d): return "the number \(d)"
        case .string(let s): return "the string \(JSONString.quoted(s))"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func mismatch(_ expected: String, _ v: JSONValue, _ path: [CodingKey]) -> StageParameterError {
        StageParameterError(path: pathText(path), "expected \(expected), found \(describe(v))")
    }

    struct IndexKey: CodingKey {
        var intValue: Int?
        var stringValue: String { "\(intValue!)" }
        init(_ i: Int) { intValue = i }
        init?(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { return nil }
    }

    struct ValueDecoder: Decoder {
        let value: JSONValue
        let codingPath: [CodingKey]
        let book: Book
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .object(let object) = value else { throw mismatch("an object", value, codingPath) }
            let path = pathText(codingPath)
            book.open(path, keys: Array(object.keys))
            return KeyedDecodingContainer(Keyed<Key>(object: object, codingPath: codingPath, path: path, book: book))
        }

        func unkeyedContainer() throws -> UnkeyedDecodingContainer {
            guard case .array(let items) = value else { throw mismatch("an array", value, codingPath) }
            return Unkeyed(items: items, codingPath: codingPath, book: book)
        }

        func singleValueContainer() throws -> SingleValueDecodingContainer { Single(value: value, codingPath: codingPath) }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: [String: JSONValue]
        let codingPath: [CodingKey]
        let path: String
        let book: Book

        /// The JSON key for a property: its exact name (dictionary keys such as `train_file`, `MY_VAR`) or its
        /// snake_case form. Records what was asked and what matched, for the unknown-key check.
        private func lookup(_ key: Key) -> JSONValue? {
            let name = key.stringValue
            let snakeName = snake(name)
            book.objects[path]!.asked.insert(snakeName)
            for candidate in [name, snakeName] {
                if let v = object[candidate] { book.objects[path]!.matched.insert(candidate); return v }
            }
            return nil
        }

        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { lookup(key) != nil }

        private func value(_ key: Key) throws -> JSONValue {
            guard let v = lookup(key) else {
                // A required key missing beside a stray one that is nearly it: the stray is the typo to name.
                let name = snake(key.stringValue)
                let strays = object.keys.filter { !book.objects[path]!.matched.contains($0) }
                if let stray = Suggest.nearest(name, in: strays) {
                    throw StageParameterError(path: path.isEmpty ? stray : "\(path).\(stray)",
                                              "unknown parameter, and the required '\(name)' is missing", suggestion: name)
                }
                throw StageParameterError(path: pathText(codingPath + [key]), "required parameter is missing")
            }
            return v
        }

        func decodeNil(forKey key: Key) throws -> Bool { (lookup(key) ?? .null) == .null }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try T(from: ValueDecoder(value: try value(key), codingPath: codingPath + [key], book: book))
        }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try generic(key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try generic(key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try generic(key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try generic(key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try generic(key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try generic(key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try generic(key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try generic(key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try generic(key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try generic(key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try generic(key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try generic(key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try generic(key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try generic(key) }
        private func generic<T: Decodable>(_ key: Key) throws -> T {
            try T(from: ValueDecoder(value: try value(key), codingPath: codingPath + [key], book: book))
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try ValueDecoder(value: try value(key), codingPath: codingPath + [key], book: book).container(keyedBy: type)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
            try ValueDecoder(value: try value(key), codingPath: codingPath + [key], book: book).unkeyedContainer()
        }
        /// The same object again: lets one configuration be composed of several flat parameter groups.
        func superDecoder() throws -> Decoder { ValueDecoder(value: .object(object), codingPath: codingPath, book: book) }
        func superDecoder(forKey key: Key) throws -> Decoder {
            ValueDecoder(value: lookup(key) ?? .null, codingPath: codingPath + [key], book: book)
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let items: [JSONValue]
        let codingPath: [CodingKey]
        let book: Book
        var currentIndex = 0
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        private mutating func next() throws -> ValueDecoder {
            guard !isAtEnd else {
                throw StageParameterError(path: pathText(codingPath), "expected more items than the \(items.count) given")
            }
            defer { currentIndex += 1 }
            return ValueDecoder(value: items[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)], book: book)
        }
        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: try next()) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> Decoder { try next() }
    }

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        let codingPath: [CodingKey]

        func decodeNil() -> Bool { value == .null }
        func decode(_ type: Bool.Type) throws -> Bool {
            guard case .bool(let b) = value else { throw mismatch("true or false", value, codingPath) }
            return b
        }
        func decode(_ type: String.Type) throws -> String {
            guard case .string(let s) = value else { throw mismatch("a string", value, codingPath) }
            return s
        }
        func decode(_ type: Double.Type) throws -> Double {
            guard let d = value.doubleValue else { throw mismatch("a number", value, codingPath) }
            return d
        }
        func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
        private func integer<T: FixedWidthInteger>() throws -> T {
            guard case .int(let i) = value else { throw mismatch("an integer", value, codingPath) }
            guard let v = T(exactly: i) else {
                throw StageParameterError(path: pathText(codingPath), "integer \(i) is out of range (\(T.min)…\(T.max))")
            }
            return v
        }
        func decode(_ type: Int.Type) throws -> Int { try integer() }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
        func decode(_ type: UInt.Type) throws -> UInt { try integer() }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try T(from: ValueDecoder(value: value, codingPath: codingPath, book: Book()))
        }
    }
}

/// A parameter naming one of a fixed set (`variant`, `router`, `pooling`, …): decoded from its spec name with an
/// error listing the names and the nearest one.
public struct Choice<Value: RawRepresentable & CaseIterable & Sendable>: Decodable, Sendable where Value.RawValue == String {
    public let value: Value
    public init(_ value: Value) { self.value = value }
    public init(from decoder: Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let v = Value(rawValue: name) else {
            let names = Value.allCases.map(\.rawValue)
            throw StageParameterError(path: ParameterDecoder.pathText(decoder.codingPath),
                                      "is \"\(name)\"; expected one of \(names.joined(separator: ", "))",
                                      suggestion: Suggest.nearest(name, in: names))
        }
        value = v
    }
}
