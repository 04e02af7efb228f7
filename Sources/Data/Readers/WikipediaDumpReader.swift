import Foundation

/// A MediaWiki XML export (`enwiki-…-pages-articles….xml[.bz2]`): main-namespace articles as plain prose,
/// redirects dropped. A simple scanner rather than an XML parser: the export format is regular (one
/// `<page>` per article, text XML-escaped) and this keeps line numbers for errors.
public enum WikipediaDumpReader {
    public struct Article: Sendable, Hashable {
        public var title: String
        public var text: String
    }

    /// Reads `.xml` or `.xml.bz2`, recognised by content ("BZh" magic): pipeline artifacts are named by hash.
    public static func read(_ url: URL) throws -> [Article] {
        let head = (try? FileHandle(forReadingFrom: url).read(upToCount: 3)) ?? nil
        let compressed = url.pathExtension == "bz2" || head == Foundation.Data("BZh".utf8)
        let data = compressed ? try Bzip2.decompress(file: url) : try Foundation.Data(contentsOf: url)
        return try parse(try TextFile.decode(data, file: url.path, encoding: .utf8), file: url.path)
    }

    public static func parse(_ xml: String, file: String) throws -> [Article] {
        var out: [Article] = []
        var rest = Substring(xml)
        var line = 1
        while let p = rest.range(ofASCII: "<page>") {
            line += rest[..<p.lowerBound].reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
            guard let e = rest[p.upperBound...].range(ofASCII: "</page>") else {
                throw DataError(file: file, line: line, field: "page", "<page> without </page> (truncated dump?)")
            }
            let page = rest[p.upperBound..<e.lowerBound]
            rest = rest[e.upperBound...]
            let pageLine = line
            line += page.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
            guard let title = element("title", in: page) else {
                throw DataError(file: file, line: pageLine, field: "title", "page without a title")
            }
            if let ns = element("ns", in: page), ns != "0" { continue }
            if page.contains("<redirect") { continue }
            guard let raw = textElement(page) else {
                throw DataError(file: file, line: pageLine, field: "text", "page '\(title)' has no <text>")
            }
            let markup = unescape(raw)
            if markup.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("#redirect") { continue }
            let prose = WikiMarkup.plainText(markup)
            if !prose.isEmpty { out.append(Article(title: unescape(title), text: prose)) }
        }
        return out
    }

    /// Articles as language-modelling examples, one per article (the group), for the WikiText-2 stand-in.
    public static func lmExamples(_ articles: [Article]) -> [Example] {
        articles.map { Example(id: "wiki-" + $0.title, group: "wiki-" + $0.title, text: $0.text, label: .none) }
    }

    static func element(_ name: String, in page: Substring) -> String? {
        guard let a = page.range(ofASCII: "<\(name)>"), let b = page[a.upperBound...].range(ofASCII: "</\(name)>") else { return nil }
        return String(page[a.upperBound..<b.lowerBound])
    }

    static func textElement(_ page: Substring) -> String? {
        guard let a = page.range(ofASCII: "<text") else { return nil }
        guard let gt = page[a.upperBound...].firstIndex(of: ">") else { return nil }
        if page[..<gt].hasSuffix("/") { return "" }
        let body = page[page.index(after: gt)...]
        guard let b = body.range(ofASCII: "</text>") else { return nil }
        return String(body[..<b.lowerBound])
    }

    static func unescape(_ s: String) -> String {
        if !s.contains("&") { return s }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#039;", with: "'")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&nbsp;", with: " ")
            .replacingOccurrences(of: "&ndash;", with: "–").replacingOccurrences(of: "&mdash;", with: "—")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
