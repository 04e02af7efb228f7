/// Strips MediaWiki markup to plain prose, in the spirit of gensim's `filter_wiki`: comments, templates
/// `{{…}}`, tables `{|…|}`, `<ref>`s and other tags go; `[[target|label]]` keeps the label; file, image
/// and category links go entirely; `[http://x label]` keeps the label; bold/italic quotes, heading `=`
/// marks and list bullets go. Paragraphs (blank-line separated) survive as "\n\n" so documents can be
/// split into passages.
public enum WikiMarkup {
    public static func plainText(_ markup: String) -> String {
        var s = Array(markup.unicodeScalars)
        s = removeDelimited(s, open: "<!--", close: "-->", nested: false)
        s = removeDelimited(s, open: "{{", close: "}}", nested: true)
        s = removeDelimited(s, open: "{|", close: "|}", nested: true)
        var text = String(String.UnicodeScalarView(s))
        text = removeRefs(text)
        text = removeTags(text)
        text = replaceLinks(text)
        text = replaceExternalLinks(text)
        text = text.replacingOccurrences(of: "'''", with: "").replacingOccurrences(of: "''", with: "")
        var paragraphs: [String] = []
        var current: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("=") && line.hasSuffix("=") {       // heading: its own paragraph boundary, dropped
                if !current.isEmpty { paragraphs.append(current.joined(separator: " ")); current = [] }
                continue
            }
            while let f = line.first, "*#:;".contains(f) { line.removeFirst() }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("|") || line.hasPrefix("!") || line.hasPrefix("__") {
                if !current.isEmpty { paragraphs.append(current.joined(separator: " ")); current = [] }
                continue
            }
            current.append(line)
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
        return paragraphs.map(collapseSpaces).filter { $0.count > 1 }.joined(separator: "\n\n")
    }

    static func collapseSpaces(_ s: String) -> String {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            .replacingOccurrences(of: " ,", with: ",").replacingOccurrences(of: " .", with: ".")
            .replacingOccurrences(of: "()", with: "").replacingOccurrences(of: "( )", with: "")
    }

    /// Removes `open … close` spans (nested when asked, e.g. templates inside templates).
    static func removeDelimited(_ s: [Unicode.Scalar], open: String, close: String, nested: Bool) -> [Unicode.Scalar] {
        let o = Array(open.unicodeScalars), c = Array(close.unicodeScalars)
        func at(_ i: Int, _ p: [Unicode.Scalar]) -> Bool { i + p.count <= s.count && s[i..<(i + p.count)].elementsEqual(p) }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var depth = 0
        var i = 0
        while i < s.count {
            if at(i, o) && (depth == 0 || nested) { depth += 1; i += o.count; continue }
            if depth > 0 && at(i, c) { depth -= 1; i += c.count; continue }
            if depth == 0 { out.append(s[i]) }
            i += 1
        }
        return out
    }

    static func removeRefs(_ t: String) -> String {
        var out = ""
        var rest = Substring(t)
        while let r = rest.range(ofASCII: "<ref") {
            out += rest[..<r.lowerBound]
            let after = rest[r.upperBound...]
            guard let gt = after.firstIndex(of: ">") else { rest = ""; break }
            if after[..<gt].hasSuffix("/") { rest = after[after.index(after: gt)...]; continue }   // <ref name=x/>
            if let end = after.range(ofASCII: "</ref>") { rest = after[end.upperBound...] } else { rest = after[after.index(after: gt)...] }
        }
        return out + rest
    }

    static func removeTags(_ t: String) -> String {
        var out = ""
        var inTag = false
        for ch in t {
            if ch == "<" { inTag = true; continue }
            if ch == ">" && inTag { inTag = false; continue }
            if !inTag { out.append(ch) }
        }
        return out
    }

    static let droppedNamespaces = ["file:", "image:", "category:", "media:", "wikipedia:", "wp:", "help:", "template:", "portal:"]

    /// `[[a|b]]` → b, `[[a]]` → a, `[[File:…]]` (whose caption may itself hold links) → removed.
    static func replaceLinks(_ t: String) -> String {
        let s = Array(t.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if s[i] == "[" && i + 1 < s.count && s[i + 1] == "[" {
                var depth = 1, j = i + 2
                while j + 1 < s.count && depth > 0 {
                    if s[j] == "[" && s[j + 1] == "[" { depth += 1; j += 2; continue }
                    if s[j] == "]" && s[j + 1] == "]" { depth -= 1; j += 2; continue }
                    j += 1
                }
                let inner = String(String.UnicodeScalarView(s[(i + 2)..<max(i + 2, depth == 0 ? j - 2 : j)]))
                let lower = inner.lowercased()
                if !droppedNamespaces.contains(where: { lower.hasPrefix($0) }) && !(lower.count > 3 && lower.dropFirst(2).hasPrefix(":")) {
                    let label = inner.split(separator: "|", omittingEmptySubsequences: false).last.map(String.init) ?? inner
                    out.append(contentsOf: replaceLinks(label).unicodeScalars)
                }
                i = j
                continue
            }
            out.append(s[i])
            i += 1
        }
        return String(out)
    }

    /// `[http://x.y label]` → label; `[http://x.y]` → nothing.
    static func replaceExternalLinks(_ t: String) -> String {
        var out = ""
        var rest = Substring(t)
        while let r = rest.range(ofASCII: "[http") ?? rest.range(ofASCII: "[//") {
            out += rest[..<r.lowerBound]
            let after = rest[r.lowerBound...].dropFirst()
            guard let close = after.firstIndex(of: "]") else { out += after; rest = ""; break }
            let inner = after[..<close]
            if let sp = inner.firstIndex(of: " ") { out += inner[inner.index(after: sp)...] }
            rest = after[after.index(after: close)...]
        }
        return out + rest
    }
}
