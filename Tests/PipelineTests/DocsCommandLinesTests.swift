import Foundation
import TestSupport
import XCTest

/// Every `hmpipe …` command line in the README and docs/ (in ```sh blocks) still parses: subcommands, options and
/// their values as the CLI takes them today (`hmpipe parse-check`). A renamed option or command fails here, not in a
/// newcomer's terminal.
final class DocsCommandLinesTests: XCTestCase {
    func testEveryDocumentedCommandLineParses() throws {
        let repo = ReleaseBinary.repo
        let docs = ["README.md"] + ((try? FileManager.default.contentsOfDirectory(atPath: repo.appendingPathComponent("docs").path)) ?? [])
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        var checked = 0
        for doc in docs {
            var inShell = false
            for (n, raw) in try String(contentsOf: repo.appendingPathComponent(doc), encoding: .utf8).components(separatedBy: "\n").enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("```") { inShell = !inShell && (line == "```sh" || line == "```bash"); continue }
                guard inShell, let args = Self.commandLine(line) else { continue }
                let (code, out) = try ReleaseBinary.run(["parse-check", "--"] + args)
                XCTAssertEqual(code, 0, "\(doc):\(n + 1): \(line)\n\(out)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 10, "found too few documented command lines to be checking anything")
    }

    /// The arguments after `hmpipe` of a documented line (`hmpipe …` or `.build/release/hmpipe …`), its trailing
    /// `# comment` dropped and quotes honoured; nil for other lines and for templates with placeholders (`…`, `<x>`).
    static func commandLine(_ line: String) -> [String]? {
        var text = line
        for prefix in ["$ ", ".build/release/"] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        guard text.hasPrefix("hmpipe ") else { return nil }
        if text.contains("…") || text.contains("<") || text.contains("|") { return nil }
        var args: [String] = [], current = "", quote: Character? = nil, started = false
        for c in text.dropFirst("hmpipe ".count) {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c; started = true
            } else if c == "#" && !started && current.isEmpty {
                break   // a trailing comment
            } else if c == " " {
                if started { args.append(current); current = ""; started = false }
            } else {
                current.append(c); started = true
            }
        }
        if started { args.append(current) }
        return args
    }
}
