/// Why a fetch failed, phrased so the user sees which source and member, and what to check.
public enum FetchError: Error, CustomStringConvertible, Equatable, Sendable {
    case checksumMismatch(source: String, member: String?, expected: String, actual: String)
    case toolFailed(tool: String, arguments: [String], status: Int32, stderr: String)
    case missing(source: String, detail: String)

    public var description: String {
        switch self {
        case let .checksumMismatch(source, member, expected, actual):
            return "sha256 mismatch for \(source)\(member.map { " member \($0)" } ?? ""): expected \(expected), got \(actual) — nothing was cached"
        case let .toolFailed(tool, args, status, stderr):
            let tail = stderr.split(separator: "\n").suffix(5).joined(separator: "\n")
            return "\(tool) \(args.joined(separator: " ")) failed with status \(status):\n\(tail)"
        case let .missing(source, detail):
            return "\(source): \(detail)"
        }
    }
}
