import Foundation

/// Shell-style patterns for `--force` / `--only`. A pattern matches a node if it matches its display name
/// (`train[seed=1]`), its template name (`train`), or is a prefix of its key. `[` in names is literal, so
/// node names are compared with brackets escaped.
public struct StageGlob: Sendable {
    public let patterns: [String]
    public init(_ patterns: [String]) { self.patterns = patterns }

    public func matches(_ node: StageNode) -> Bool {
        patterns.contains { p in
            fnmatch(p, node.template, 0) == 0 || fnmatch(p, node.name, 0) == 0 || node.name == p
                || (p.count >= 6 && node.key.hasPrefix(p))
                || fnmatch(StageGlob.escapeBrackets(p), node.name, 0) == 0
        }
    }

    /// `train[seed=1]` as a literal pattern (with `*` and `?` still wild).
    static func escapeBrackets(_ p: String) -> String {
        p.replacingOccurrences(of: "[", with: "\\[").replacingOccurrences(of: "]", with: "\\]")
    }
}
