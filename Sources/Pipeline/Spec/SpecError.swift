import Foundation

/// A problem in a spec file, reported before anything runs: which file, where in it (a JSON path such as
/// `$.profiles.smoke.axes.seed[1]`), what was expected, and — for misspelled keys — the nearest valid key.
public struct SpecError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let path: String
    public let message: String
    public let suggestion: String?

    public init(file: String, path: String, _ message: String, suggestion: String? = nil) {
        self.file = file
        self.path = path
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        var text = "\(file): \(path): \(message)"
        if let suggestion { text += " (did you mean '\(suggestion)'?)" }
        return text
    }
}

/// Several spec problems at once, so a user fixes them in one pass instead of one per run.
public struct SpecErrors: Error, CustomStringConvertible, Sendable {
    public let errors: [SpecError]
    public init(_ errors: [SpecError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
