import Crypto
import Foundation

/// SHA-256 as lowercase hex: cache keys, artifact checksums and pinned-file verification all use this.
public enum Hashing {
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lowercase hex by table: `String(format:)` per byte cost more than the hash itself (per cache key).
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for b in digest {
            bytes.append(digits[Int(b >> 4)])
            bytes.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func sha256Hex(_ string: String) -> String { sha256Hex(Data(string.utf8)) }

    /// Streams the file in 4 MiB chunks so hashing a large artifact needs no large buffer.
    public static func sha256Hex(fileAt url: URL) throws -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }
}
