import Foundation

/// Every failure in the data layer says *where*: a file (or source), a line when there is one, and the
/// field that was wrong — so a user with a malformed GLUE file can fix it without reading our code.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int?
    public var field: String?
    public var message: String

    public init(file: String, line: Int? = nil, field: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let field { s += " [\(field)]" }
        return s + ": " + message
    }
}
