import Foundation

/// JSON Lines: one object per non-empty line, parsed with JSONSerialization so readers can check each field
/// and name it (and the line) when it is missing or has the wrong type. A nested record (SuperGLUE's
/// `passage.questions[2]`) names its field by its path from the line's object.
public struct JSONRecord {
    public let object: [String: Any]
    public let file: String
    public let line: Int
    /// Where this object sits in the line's object, "" for the line itself ("passage.questions[2].").
    public let path: String

    public init(object: [String: Any], file: String, line: Int, path: String = "") {
        self.object = object; self.file = file; self.line = line; self.path = path
    }

    func error(_ key: String, _ message: String) -> DataError { DataError(file: file, line: line, field: path + key, message) }

    public func string(_ key: String) throws -> String {
        guard let v = object[key] as? String else { throw error(key, "missing or not a string") }
        return v
    }
    public func int(_ key: String) throws -> Int {
        if let v = object[key] as? Int { return v }
        if let v = object[key] as? Bool { return v ? 1 : 0 }
        throw error(key, "missing or not an integer")
    }
    public func bool(_ key: String) throws -> Bool {
        if let v = object[key] as? Bool { return v }
        if let v = object[key] as? Int, v == 0 || v == 1 { return v == 1 }
        throw error(key, "missing or not a boolean")
    }
    public func record(_ key: String) throws -> JSONRecord {
        guard let v = object[key] as? [String: Any] else { throw error(key, "missing or not an object") }
        return JSONRecord(object: v, file: file, line: line, path: path + key + ".")
    }
    public func records(_ key: String) throws -> [JSONRecord] {
        guard let v = object[key] as? [[String: Any]] else { throw error(key, "missing or not a list of objects") }
        return v.enumerated().map { JSONRecord(object: $1, file: file, line: line, path: path + "\(key)[\($0)].") }
    }
    public func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }
}

public enum JSONLines {
    public static func read(_ url: URL) throws -> [JSONRecord] { try parse(try TextFile.read(url), file: url.path) }

    public static func parse(_ text: String, file: String) throws -> [JSONRecord] {
        var out: [JSONRecord] = []
        for (i, line) in TextFile.lines(text).enumerated() where !line.allSatisfy(\.isWhitespace) {
            let obj: Any
            do { obj = try JSONSerialization.jsonObject(with: Foundation.Data(line.utf8)) } catch {
                throw DataError(file: file, line: i + 1, "not valid JSON: \(error.localizedDescription)")
            }
            guard let dict = obj as? [String: Any] else { throw DataError(file: file, line: i + 1, "not a JSON object") }
            out.append(JSONRecord(object: dict, file: file, line: i + 1))
        }
        return out
    }
}
