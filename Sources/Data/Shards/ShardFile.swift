import Foundation
import Formats

/// One token shard on disk: a 96-byte little-endian header, then one zstd frame with the columns.
///
///   0  magic "HMTOKSH\0"      8  version UInt32        12 label kind UInt8 + 3 zero bytes
///   16 vocab sha256 (32 raw)  48 example count UInt64  56 token count UInt64
///   64 compressed size UInt64 72 payload sha256 first 24 bytes (of the *uncompressed* columns)
///
/// Columns: lengths UInt32[n] · ids Int32[tokens] · token types UInt8[tokens] · labels (Int32[n] class,
/// Float32[n] value, Int32[2n] span start/end, nothing for LM; for seq2seq targets UInt32[n] target lengths
/// then Int32 target ids). The vocab hash makes reading a shard with the wrong vocabulary an error instead of
/// silent garbage; size + checksum catch truncation and bit rot. Target shards (kind 4) kept version 1: the
/// layout of kinds 0–3 is unchanged, and an older build rejects kind 4 by its kind byte with a clear error.
public enum ShardFile {
    public static let magic: [UInt8] = Array("HMTOKSH\0".utf8)
    public static let version: UInt32 = 1
    static let headerSize = 96

    public static func write(_ examples: [TokenizedExample], kind: ShardLabelKind, vocabHash: String, to url: URL) throws {
        var payload = [UInt8]()
        let tokens = examples.reduce(0) { $0 + $1.ids.count }
        payload.reserveCapacity(examples.count * 12 + tokens * 5)
        for e in examples { append(&payload, UInt32(e.ids.count)) }
        for e in examples { for t in e.ids { append(&payload, UInt32(bitPattern: t)) } }
        for e in examples {
            guard e.typeIDs.count == e.ids.count else {
                throw DataError(file: url.path, field: "typeIDs", "token types and ids differ in length")
            }
            for t in e.typeIDs { payload.append(UInt8(clamping: t)) }
        }
        for (i, e) in examples.enumerated() {
            guard e.label.kind == kind else {
                throw DataError(file: url.path, field: "label", "example \(i) has a \(e.label.kind) label in a \(kind) shard")
            }
            switch e.label {
            case .none: break
            case let .classIndex(c): append(&payload, UInt32(bitPattern: c))
            case let .value(v): append(&payload, v.bitPattern)
            case let .span(s, t): append(&payload, UInt32(bitPattern: s)); append(&payload, UInt32(bitPattern: t))
            case let .target(t): append(&payload, UInt32(t.count))
            }
        }
        for case let .target(t) in examples.map(\.label) { for id in t { append(&payload, UInt32(bitPattern: id)) } }
        let raw = Foundation.Data(payload)
        let compressed = try Zstd.compress(raw)
        var header = magic
        append(&header, version)
        header += [kind.rawValue, 0, 0, 0]
        header += hexBytes(vocabHash, count: 32)
        append(&header, UInt64(examples.count))
        append(&header, UInt64(tokens))
        append(&header, UInt64(compressed.count))
        header += hexBytes(Hashing.sha256Hex(raw), count: 24)
        precondition(header.count == headerSize)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        try (Foundation.Data(header) + compressed).write(to: tmp)
        if rename(tmp.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: tmp)
            throw DataError(file: url.path, "could not move the shard into place (errno \(errno))")
        }
    }

    /// Reads and verifies a shard. `vocabHash` (if given) must match the one it was written with.
    public static func read(_ url: URL, vocabHash: String? = nil) throws -> (kind: ShardLabelKind, examples: [TokenizedExample]) {
        let file = url.path
        guard let data = FileManager.default.contents(atPath: file) else { throw DataError(file: file, "cannot read shard") }
        let bytes = [UInt8](data)
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else {
            throw DataError(file: file, field: "header", "not a token shard (bad magic or truncated header)")
        }
        let version = u32(bytes, 8)
        guard version == ShardFile.version else {
            throw DataError(file: file, field: "version", "shard format version \(version), this build reads \(ShardFile.version)")
        }
        guard let kind = ShardLabelKind(rawValue: bytes[12]) else {
            throw DataError(file: file, field: "label kind", "unknown label kind \(bytes[12])")
        }
        let storedVocab = bytes[16..<48].map { String(format: "%02x", $0) }.joined()
        if let vocabHash, storedVocab != vocabHash {
            throw DataError(file: file, field: "vocab hash", "shard was tokenized with vocabulary \(storedVocab.prefix(12))…, expected \(vocabHash.prefix(12))…")
        }
        let n = Int(u64(bytes, 48)), tokens = Int(u64(bytes, 56)), csize = Int(u64(bytes, 64))
        guard bytes.count - headerSize == csize else {
            throw DataError(file: file, field: "checksum", "shard is truncated or has trailing bytes: \(bytes.count - headerSize) payload bytes, header says \(csize)")
        }
        let raw: Foundation.Data
        do {
            raw = try Zstd.decompress(data.subdata(in: headerSize..<bytes.count), what: file)
        } catch {
            throw DataError(file: file, field: "checksum", "corrupt payload: \(error)")
        }
        let sum = Array(hexBytes(Hashing.sha256Hex(raw), count: 24))
        guard sum == Array(bytes[72..<96]) else {
            throw DataError(file: file, field: "checksum", "payload checksum mismatch (corrupted shard)")
        }
        let labelWidth = kind == .span ? 8 : (kind == .none ? 0 : 4)
        let p = [UInt8](raw)
        // Target ids follow the per-row label column; their count is what the payload has left.
        let targetBytes = kind == .target ? p.count - (n * 4 + tokens * 5 + n * labelWidth) : 0
        guard targetBytes >= 0, targetBytes % 4 == 0, p.count == n * 4 + tokens * 5 + n * labelWidth + targetBytes else {
            throw DataError(file: file, field: "counts", "payload size does not match \(n) examples / \(tokens) tokens")
        }
        var targetPos = n * 4 + tokens * 5 + n * labelWidth
        var out: [TokenizedExample] = []
        out.reserveCapacity(n)
        var idPos = n * 4, typePos = n * 4 + tokens * 4, labelPos = n * 4 + tokens * 5
        for i in 0..<n {
            let len = Int(u32(p, i * 4))
            guard typePos + len <= n * 4 + tokens * 5 else {
                throw DataError(file: file, field: "counts", "example lengths exceed the token count")
            }
            var ids = [Int32](repeating: 0, count: len), types = [Int32](repeating: 0, count: len)
            for j in 0..<len {
                ids[j] = Int32(bitPattern: u32(p, idPos + 4 * j))
                types[j] = Int32(p[typePos + j])
            }
            idPos += 4 * len; typePos += len
            let label: ShardLabel
            switch kind {
            case .none: label = .none
            case .classIndex: label = .classIndex(Int32(bitPattern: u32(p, labelPos))); labelPos += 4
            case .value: label = .value(Float(bitPattern: u32(p, labelPos))); labelPos += 4
            case .span:
                label = .span(start: Int32(bitPattern: u32(p, labelPos)), end: Int32(bitPattern: u32(p, labelPos + 4)))
                labelPos += 8
            case .target:
                let len = Int(u32(p, labelPos)); labelPos += 4
                guard targetPos + 4 * len <= p.count else {
                    throw DataError(file: file, field: "counts", "target lengths exceed the stored target ids")
                }
                label = .target((0..<len).map { Int32(bitPattern: u32(p, targetPos + 4 * $0)) })
                targetPos += 4 * len
            }
            out.append(TokenizedExample(ids: ids, typeIDs: types, label: label))
        }
        guard targetPos == p.count else {
            throw DataError(file: file, field: "counts", "\((p.count - targetPos) / 4) stored target ids belong to no example")
        }
        return (kind, out)
    }

    @inline(__always) static func append(_ b: inout [UInt8], _ v: UInt32) {
        b += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
    }
    @inline(__always) static func append(_ b: inout [UInt8], _ v: UInt64) {
        append(&b, UInt32(v & 0xFFFF_FFFF)); append(&b, UInt32(v >> 32))
    }
    @inline(__always) static func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
    @inline(__always) static func u64(_ b: [UInt8], _ o: Int) -> UInt64 {
        UInt64(u32(b, o)) | UInt64(u32(b, o + 4)) << 32
    }
    static func hexBytes(_ hex: String, count: Int) -> [UInt8] {
        var out = [UInt8]()
        var it = hex.utf8.makeIterator()
        while out.count < count, let a = it.next(), let b = it.next() {
            out.append(UInt8(hexValue(a) << 4 | hexValue(b)))
        }
        while out.count < count { out.append(0) }
        return out
    }
    static func hexValue(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return 0
        }
    }
}

/// Writes a tokenized dataset as numbered shards `<prefix>-00000.hmshard`, …
public func writeShards(_ examples: [TokenizedExample], kind: ShardLabelKind, vocabHash: String,
                        to directory: URL, prefix: String = "shard", examplesPerShard: Int = 50_000) throws -> [URL] {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var urls: [URL] = []
    var start = 0
    repeat {
        let end = min(start + examplesPerShard, examples.count)
        let url = directory.appendingPathComponent(String(format: "%@-%05d.hmshard", prefix, urls.count))
        try ShardFile.write(Array(examples[start..<end]), kind: kind, vocabHash: vocabHash, to: url)
        urls.append(url)
        start = end
    } while start < examples.count
    return urls
}
