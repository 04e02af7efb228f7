import Foundation
import XCTest
import Data
import Formats
#if canImport(Glibc)
import Glibc
#endif

/// A one-file HTTP/1.0 server on 127.0.0.1 (an ephemeral port), counting requests — enough for curl.
final class TinyHTTPServer: @unchecked Sendable {
    let body: Data
    let fd: Int32
    let port: UInt16
    private let lock = NSLock()
    private var _requests = 0
    var requests: Int { lock.lock(); defer { lock.unlock() }; return _requests }

    init(body: Data) {
        self.body = body
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        listen(fd, 8)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = UInt16(bigEndian: addr.sin_port)
        Thread.detachNewThread { [self] in self.serve() }
    }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            var buf = [UInt8](repeating: 0, count: 4096)
            _ = read(c, &buf, buf.count)
            lock.lock(); _requests += 1; lock.unlock()
            let head = "HTTP/1.0 200 OK\r\nContent-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\n\r\n"
            let all = Data(head.utf8) + body
            _ = all.withUnsafeBytes { write(c, $0.baseAddress, all.count) }
            close(c)
        }
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}

final class FetcherTests: XCTestCase {
    /// outer.tar.gz ⊃ pkg/inner.tar.gz ⊃ data/a.txt, data/b.txt — the VADER sdist's shape.
    func makeNestedArchive(in dir: URL) throws -> (outer: URL, innerSHA: String) {
        let inner = dir.appendingPathComponent("build/inner")
        try FileManager.default.createDirectory(at: inner.appendingPathComponent("data"), withIntermediateDirectories: true)
        write("alpha\n", to: inner.appendingPathComponent("data/a.txt"))
        write("beta\n", to: inner.appendingPathComponent("data/b.txt"))
        let pkg = dir.appendingPathComponent("build/pkg")
        try FileManager.default.createDirectory(at: pkg, withIntermediateDirectories: true)
        try run("tar", ["-czf", pkg.appendingPathComponent("inner.tar.gz").path, "-C", inner.path, "data"])
        let outer = dir.appendingPathComponent("outer.tar.gz")
        try run("tar", ["-czf", outer.path, "-C", dir.appendingPathComponent("build").path, "pkg"])
        return (outer, try Hashing.sha256Hex(fileAt: pkg.appendingPathComponent("inner.tar.gz")))
    }

    func run(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + args
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
    }

    let alphaSHA = Hashing.sha256Hex("alpha\n")

    func testLocalNestedArchiveMember() throws {
        let dir = temporaryDirectory()
        let (outer, innerSHA) = try makeNestedArchive(in: dir)
        let f = PinnedFile(name: "a.txt", source: .local(path: outer.path),
                           members: [ArchiveMember("pkg/inner.tar.gz", sha256: innerSHA), ArchiveMember("data/a.txt")], sha256: alphaSHA)
        let fetcher = Fetcher(cacheDirectory: dir.appendingPathComponent("cache"))
        let url = try fetcher.fetch(f)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "alpha\n")
        XCTAssertEqual(url, try fetcher.fetch(f), "second fetch hits the cache")
        let missing = PinnedFile(name: "c.txt", source: .local(path: outer.path), members: [ArchiveMember("pkg/inner.tar.gz"), ArchiveMember("data/c.txt")], sha256: alphaSHA)
        XCTAssertThrowsError(try fetcher.fetch(missing)) { XCTAssertTrue("\($0)".contains("data/c.txt"), "\($0)") }
    }

    func testChecksumMismatchIsRefusedAndNothingCached() throws {
        let dir = temporaryDirectory()
        let (outer, _) = try makeNestedArchive(in: dir)
        let wrong = String(repeating: "0", count: 64)
        let cache = dir.appendingPathComponent("cache")
        let f = PinnedFile(name: "b.txt", source: .local(path: outer.path),
                           members: [ArchiveMember("pkg/inner.tar.gz"), ArchiveMember("data/b.txt")], sha256: wrong)
        XCTAssertThrowsError(try Fetcher(cacheDirectory: cache).fetch(f)) { e in
            guard case let FetchError.checksumMismatch(source, member, expected, actual) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(source.contains(outer.path)); XCTAssertEqual(member, "data/b.txt")
            XCTAssertEqual(expected, wrong); XCTAssertEqual(actual, Hashing.sha256Hex("beta\n"))
            XCTAssertTrue("\(e)".contains("nothing was cached"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.appendingPathComponent("files/\(wrong)").path))
        let badInner = PinnedFile(name: "a.txt", source: .local(path: outer.path),
                                  members: [ArchiveMember("pkg/inner.tar.gz", sha256: wrong), ArchiveMember("data/a.txt")], sha256: alphaSHA)
        XCTAssertThrowsError(try Fetcher(cacheDirectory: cache).fetch(badInner)) { XCTAssertTrue("\($0)".contains("pkg/inner.tar.gz"), "\($0)") }
    }

    func testURLSourceFetchedOncePerCache() throws {
        let dir = temporaryDirectory()
        let (outer, _) = try makeNestedArchive(in: dir)
        let server = TinyHTTPServer(body: try Data(contentsOf: outer))
        defer { server.stop() }
        let source = FetchSource.url("http://127.0.0.1:\(server.port)/files/outer.tar.gz")
        let fetcher = Fetcher(cacheDirectory: dir.appendingPathComponent("cache"))
        let a = try fetcher.fetch(PinnedFile(name: "a.txt", source: source, members: [ArchiveMember("pkg/inner.tar.gz"), ArchiveMember("data/a.txt")], sha256: alphaSHA))
        let b = try fetcher.fetch(PinnedFile(name: "b.txt", source: source, members: [ArchiveMember("pkg/inner.tar.gz"), ArchiveMember("data/b.txt")], sha256: Hashing.sha256Hex("beta\n")))
        XCTAssertEqual(try String(contentsOf: a, encoding: .utf8), "alpha\n")
        XCTAssertEqual(try String(contentsOf: b, encoding: .utf8), "beta\n")
        XCTAssertEqual(server.requests, 1, "one download serves both members")
        let wrongSource = PinnedFile(name: "x", source: .url("http://127.0.0.1:\(server.port)/other/outer.tar.gz"),
                                     sourceSHA256: String(repeating: "1", count: 64), sha256: alphaSHA)
        XCTAssertThrowsError(try fetcher.fetch(wrongSource)) { e in
            guard case FetchError.checksumMismatch = e else { return XCTFail("\(e)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("cache/sources/url-http___127.0.0.1_\(server.port)_other_outer.tar.gz").path))
    }

    func testCatalogueIsComplete() {
        XCTAssertEqual(Catalogue.all.count, 11)
        XCTAssertEqual(Set(Catalogue.all.map(\.sha256)).count, 11)
        XCTAssertTrue(Catalogue.all.allSatisfy { $0.sha256.count == 64 })
    }
}
