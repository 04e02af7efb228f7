import Foundation
import Formats

/// Brings pinned files into a cache folder:
///   <cache>/sources/<source key>/<downloaded file>   one download per source (a wheel serves many files)
///   <cache>/files/<sha256>/<name>                    each verified pinned file
/// Everything lands via a temporary path and an atomic rename, and only after its sha256 matched, so a
/// crash or a mismatch never leaves a half-written or wrong file where a later run would trust it.
public struct Fetcher: Sendable {
    public var cacheDirectory: URL

    public init(cacheDirectory: URL) { self.cacheDirectory = cacheDirectory }

    /// `$HMPIPE_CACHE`, else `.hmpipe/cache` under the current directory.
    public static func defaultCacheDirectory() -> URL {
        if let env = ProcessInfo.processInfo.environment["HMPIPE_CACHE"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent(".hmpipe/cache", isDirectory: true)
    }

    /// The cached, verified file (fetched now if not yet cached).
    public func fetch(_ file: PinnedFile) throws -> URL {
        let fm = FileManager.default
        let final = cacheDirectory.appendingPathComponent("files/\(file.sha256)/\(file.name)")
        if fm.fileExists(atPath: final.path) { return final }
        var current = try fetchSource(file.source, sha256: file.sourceSHA256)
        let work = try makeTemporaryDirectory()
        defer { try? fm.removeItem(at: work) }
        for (i, m) in file.members.enumerated() {
            let out = work.appendingPathComponent("\(i)-" + (m.path.split(separator: "/").last.map(String.init) ?? "member"))
            try Archive.extract(member: m.path, from: current, to: out)
            if let expected = m.sha256 {
                let actual = try Hashing.sha256Hex(fileAt: out)
                if actual != expected {
                    throw FetchError.checksumMismatch(source: file.source.description, member: m.path,
                                                      expected: expected, actual: actual)
                }
            }
            current = out
        }
        let actual = try Hashing.sha256Hex(fileAt: current)
        if actual != file.sha256 {
            throw FetchError.checksumMismatch(source: file.source.description, member: file.members.last?.path,
                                              expected: file.sha256, actual: actual)
        }
        let staged = work.appendingPathComponent("staged")
        try fm.copyItem(at: current, to: staged)
        try install(staged, at: final)
        return final
    }

    /// The downloaded artifact of `source`, fetched at most once per cache folder. Local paths are used
    /// in place (they are the user's files; copying a 1 GB dump into the cache would only cost disk).
    public func fetchSource(_ source: FetchSource, sha256: String? = nil) throws -> URL {
        let fm = FileManager.default
        if case let .local(path) = source {
            let url = URL(fileURLWithPath: path)
            guard fm.fileExists(atPath: url.path) else { throw FetchError.missing(source: path, detail: "no such file") }
            try verify(url, sha256, source)
            return url
        }
        let dir = cacheDirectory.appendingPathComponent("sources/\(source.cacheKey)", isDirectory: true)
        if let existing = try? onlyFile(in: dir) { return existing }
        let work = try makeTemporaryDirectory()
        defer { try? fm.removeItem(at: work) }
        let download = work.appendingPathComponent("d", isDirectory: true)
        try fm.createDirectory(at: download, withIntermediateDirectories: true)
        switch source {
        case let .pypi(name, version, sdist):
            var args = ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q"]
            if sdist { args += ["--no-binary", ":all:"] }
            args += ["-d", download.path, "\(name)==\(version)"]
            try ExternalTool.run("python3", args)
        case let .url(u):
            guard let url = URL(string: u), ["http", "https"].contains(url.scheme ?? "") else {
                throw FetchError.missing(source: u, detail: "not an http(s) URL")
            }
            let name = url.lastPathComponent.isEmpty ? "download" : url.lastPathComponent
            try ExternalTool.run("curl", ["-fsSL", "--retry", "2", "-o", download.appendingPathComponent(name).path, u])
        case .local:
            fatalError("handled above")
        }
        let got = try onlyFile(in: download)
        try verify(got, sha256, source)
        try fm.createDirectory(at: dir.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            try fm.moveItem(at: download, to: dir)
        } catch {
            // Another process won the race: its copy is just as verified as ours.
            if (try? onlyFile(in: dir)) == nil { throw error }
        }
        return try onlyFile(in: dir)
    }

    private func verify(_ url: URL, _ expected: String?, _ source: FetchSource) throws {
        guard let expected else { return }
        let actual = try Hashing.sha256Hex(fileAt: url)
        if actual != expected {
            throw FetchError.checksumMismatch(source: source.description, member: nil, expected: expected, actual: actual)
        }
    }

    private func onlyFile(in dir: URL) throws -> URL {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }
        guard names.count == 1 else {
            throw FetchError.missing(source: dir.path, detail: "expected exactly one downloaded file, found \(names.count)")
        }
        return dir.appendingPathComponent(names[0])
    }

    private func makeTemporaryDirectory() throws -> URL {
        let dir = cacheDirectory.appendingPathComponent("tmp/\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    private func install(_ staged: URL, at final: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        if rename(staged.path, final.path) != 0 {
            if !fm.fileExists(atPath: final.path) {
                throw FetchError.missing(source: final.path, detail: "could not move the verified file into the cache (errno \(errno))")
            }
        }
    }
}
