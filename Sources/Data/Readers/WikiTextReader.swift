import Foundation

/// WikiText raw files (`wiki.train.raw`, …): articles start with a level-1 heading line ` = Title = `
/// (level-2+ headings are ` = = Section = = `). One LM example per article, heading lines kept as text,
/// as the usual WikiText perplexity setups do.
public enum WikiTextReader {
    public static func read(_ url: URL) throws -> [Example] {
        try parse(try TextFile.read(url), file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> [Example] {
        var out: [Example] = []
        var title: String? = nil
        var body: [Substring] = []
        func flush() {
            let t = body.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "\n")
            if !t.isEmpty { out.append(Example(id: "wikitext-\(out.count)", group: title ?? "wikitext-\(out.count)", text: t, label: .none)) }
            body = []
        }
        for line in TextFile.lines(text) {
            let s = line.trimmingCharacters(in: .whitespaces)
            if s.hasPrefix("= ") && s.hasSuffix(" =") && !s.hasPrefix("= =") {
                flush()
                title = String(s.dropFirst(2).dropLast(2))
            }
            body.append(line)
        }
        flush()
        return out
    }
}
