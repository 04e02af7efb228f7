import Pipeline
import Foundation

/// The Markdown `hmpipe report` writes, as HTML: headings, paragraphs, bullet lists, pipe tables, `code`,
/// **bold**, _italic_ and links. Only that subset — this renders our own reports, not arbitrary Markdown.
enum MarkdownHTML {
    static func render(_ markdown: String, linkMap: (String) -> String = { $0 }) -> String {
        var html = "", paragraph: [String] = [], list: [String] = [], table: [[String]] = []
        func flush() {
            if !paragraph.isEmpty { html += "<p>" + paragraph.map { inline($0, linkMap) }.joined(separator: " ") + "</p>\n"; paragraph = [] }
            if !list.isEmpty { html += "<ul>\n" + list.map { "<li>" + inline($0, linkMap) + "</li>\n" }.joined() + "</ul>\n"; list = [] }
            if !table.isEmpty {
                html += "<table>\n"
                for (i, cells) in table.enumerated() where i != 1 {
                    let tag = i == 0 ? "th" : "td"
                    html += "<tr>" + cells.map { "<\(tag)>" + inline($0, linkMap) + "</\(tag)>" }.joined() + "</tr>\n"
                }
                html += "</table>\n"
                table = []
            }
        }
        for raw in markdown.components(separatedBy: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { flush(); continue }
            if line.hasPrefix("#") {
                flush()
                let level = min(line.prefix { $0 == "#" }.count + 1, 6)
                html += "<h\(level)>" + inline(String(line.drop { $0 == "#" }).trimmingCharacters(in: .whitespaces), linkMap) + "</h\(level)>\n"
            } else if line.hasPrefix("|") {
                if !list.isEmpty || !paragraph.isEmpty { let t = table; table = []; flush(); table = t }
                table.append(line.dropFirst().dropLast(line.hasSuffix("|") ? 1 : 0).components(separatedBy: " | ").map { $0.trimmingCharacters(in: .whitespaces) })
            } else if line.hasPrefix("- ") {
                if !paragraph.isEmpty || !table.isEmpty { let l = list; list = []; flush(); list = l }
                list.append(String(line.dropFirst(2)))
            } else if raw.hasPrefix("  "), !list.isEmpty {
                list[list.count - 1] += " " + line   // a wrapped or nested bullet continues the last item
            } else {
                if !list.isEmpty || !table.isEmpty { flush() }
                paragraph.append(line)
            }
        }
        flush()
        return html
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Inline markup. Code spans are set aside first (nothing inside them is touched), so emphasis may still
    /// enclose them: `_Spec `table3`, 4 of 4 runs done._`.
    static func inline(_ text: String, _ linkMap: (String) -> String) -> String {
        var codes: [String] = [], s = ""
        for (i, piece) in text.components(separatedBy: "`").enumerated() {
            if i % 2 == 1 { s += "\u{1}\(codes.count)\u{1}"; codes.append("<code>" + escape(piece) + "</code>") } else { s += escape(piece) }
        }
        s = replace(s, #"\*\*(.+?)\*\*"#) { "<b>\($0[1])</b>" }
        s = replace(s, #"(^|[\s(|])_(\S(?:.*?\S)?)_(?=$|[\s.,;:)|])"#) { "\($0[1])<i>\($0[2])</i>" }
        s = replace(s, #"\[([^\]]+)\]\(([^)\s]+)\)"#) { "<a href=\"\(linkMap($0[2]))\">\($0[1])</a>" }
        for (i, code) in codes.enumerated() { s = s.replacingOccurrences(of: "\u{1}\(i)\u{1}", with: code) }
        return s
    }

    static func replace(_ s: String, _ pattern: String, _ with: ([String]) -> String) -> String {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return s }
        let ns = s as NSString
        var out = "", last = 0
        for m in re.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
            out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
            let groups = (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
            out += with(groups)
            last = m.range.location + m.range.length
        }
        return out + ns.substring(from: last)
    }
}
