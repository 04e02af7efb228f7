import Foundation
import Formats

/// A WordPiece vocabulary: token string ↔ id, with a lookup that works on UTF-8 byte slices so the
/// greedy longest-match loop never allocates a `String` per probe (that alone is the difference between
/// ~1 and >5 MB/s). Continuation pieces (`##x`) live in the same table flagged by a bit in the hash.
public struct Vocabulary: Sendable {
    public let tokens: [String]
    private let index: [String: Int32]
    // Open-addressing table over (bytes without "##", isContinuation) → id; -1 = empty slot.
    private let slots: [Int32]
    private let mask: Int
    private let bytes: [UInt8]          // all keys concatenated
    private let keyStart: [Int32]       // per id: start in `bytes`
    private let keyLength: [Int32]      // per id: length in `bytes`
    private let keyContinuation: [Bool] // per id: had the "##" prefix

    /// sha256 of the vocabulary text, recorded in token shards so a shard is never read with another vocab.
    public let hash: String

    public init(tokens: [String]) {
        self.tokens = tokens
        var index: [String: Int32] = [:]
        index.reserveCapacity(tokens.count)
        var bytes: [UInt8] = []
        var starts: [Int32] = [], lengths: [Int32] = [], cont: [Bool] = []
        for (i, t) in tokens.enumerated() {
            if index[t] == nil { index[t] = Int32(i) }   // first wins, like HF on duplicate lines
            var u = Array(t.utf8)
            let isCont = u.count > 2 && u[0] == 0x23 && u[1] == 0x23
            if isCont { u.removeFirst(2) }
            starts.append(Int32(bytes.count)); lengths.append(Int32(u.count)); cont.append(isCont)
            bytes += u
        }
        var capacity = 16
        while capacity < tokens.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        bytes.withUnsafeBufferPointer { buf in
            for i in 0..<tokens.count where index[tokens[i]] == Int32(i) {
                let s = Int(starts[i]), n = Int(lengths[i])
                var h = Vocabulary.hashBytes(buf.baseAddress! + s, n, cont[i]) & mask
                while slots[h] >= 0 { h = (h + 1) & mask }
                slots[h] = Int32(i)
            }
        }
        self.index = index
        self.slots = slots
        self.mask = mask
        self.bytes = bytes
        self.keyStart = starts
        self.keyLength = lengths
        self.keyContinuation = cont
        self.hash = Hashing.sha256Hex(tokens.joined(separator: "\n") + "\n")
    }

    /// Reads a `vocab.txt` (one token per line, id = line number), as HF's `load_vocab`.
    public init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataError(file: url.path, "cannot read vocabulary file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(file: url.path, "vocabulary is not UTF-8")
        }
        // HF strips only the line terminator; tokens themselves are not trimmed. ("\r\n" is one Character.)
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        if lines.last == "" { lines.removeLast() }
        if lines.isEmpty { throw DataError(file: url.path, "vocabulary is empty") }
        self.init(tokens: lines)
    }

    public var count: Int { tokens.count }

    public func id(_ token: String) -> Int32? { index[token] }

    public func token(_ id: Int32) -> String { tokens[Int(id)] }

    @inline(__always)
    static func hashBytes(_ p: UnsafePointer<UInt8>, _ n: Int, _ cont: Bool) -> Int {
        var h: UInt64 = cont ? 0x9AE1_6A3B_2F90_404F : 0xCBF2_9CE4_8422_2325   // FNV-1a, seed differs per kind
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01B3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// Id of the piece `p[0..<n]` (continuation = it would be written with a leading "##").
    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ n: Int, continuation: Bool) -> Int32? {
        var h = Vocabulary.hashBytes(p, n, continuation) & mask
        return bytes.withUnsafeBufferPointer { buf in
            while true {
                let id = slots[h]
                if id < 0 { return nil }
                let i = Int(id)
                if keyContinuation[i] == continuation && Int(keyLength[i]) == n
                    && memcmp(buf.baseAddress! + Int(keyStart[i]), p, n) == 0 {
                    return id
                }
                h = (h + 1) & mask
            }
        }
    }
}
