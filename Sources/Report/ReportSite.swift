import Pipeline
import Foundation

/// `index.html` for a folder of reports: one static page (no network, no scripts, no external fonts) with a
/// contents list, then each report — its table, captions and verdicts — followed by its figures: the paper
/// figure's chart, the training curves and the routing heatmaps written beside it.
public enum ReportSite {
    /// Writes `index.html` into `dir` from the `SPEC.md` files there and the SVGs named after them.
    @discardableResult
    public static func write(_ dir: URL) throws -> URL {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let reports = files.filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted { order($0) < order($1) }
        var contents = "", body = ""
        for name in reports {
            let spec = String(name.dropLast(3))
            let markdown = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let title = markdown.split(separator: "\n").first.map { String($0).replacingOccurrences(of: "## ", with: "") } ?? spec
            contents += "<li><a href=\"#\(spec)\">\(MarkdownHTML.escape(title))</a></li>\n"
            body += "<section id=\"\(spec)\">\n"
            body += MarkdownHTML.render(markdown) { link in link.hasSuffix(".md") ? "#" + link.dropLast(3) : link }
            let figures = files.filter { $0.hasPrefix(spec + ".") || $0.hasPrefix(spec + "-") }.filter { $0.hasSuffix(".svg") }.sorted { figureOrder($0) < figureOrder($1) }
            for figure in figures {
                body += "<figure><img src=\"\(figure)\" alt=\"\(MarkdownHTML.escape(caption(figure, spec: spec)))\"><figcaption>\(MarkdownHTML.escape(caption(figure, spec: spec)))</figcaption></figure>\n"
            }
            let data = files.filter { $0 == spec + ".csv" || $0 == spec + ".json" }.sorted()
            if !data.isEmpty { body += "<p class=\"files\">Data: " + data.map { "<a href=\"\($0)\">\($0)</a>" }.joined(separator: " · ") + "</p>\n" }
            body += "<p class=\"top\"><a href=\"#contents\">↑ contents</a></p>\n</section>\n"
        }
        let page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>hmpipe — HyperMoE reproduction results</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
        th { background: #f3f3f3; } tr:nth-child(even) td { background: #fafafa; }
        code { background: #f3f3f3; padding: 0 0.2em; } section { border-top: 2px solid #ddd; margin-top: 2em; }
        figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
        figcaption, .files, .top { color: #555; font-size: 0.9em; }
        </style></head><body>
        <h1>HyperMoE reproduction — results</h1>
        <p>Written by <code>hmpipe report --out</code> from the workspace's state database: each table in the paper's layout
        with the paper's numbers beside ours, the data and backbone behind every number, the paper's claims with their
        verdicts, then the figures: training curves (each seed faint, the mean solid) and routing heatmaps (tokens per
        expert and MoE layer on the test split).</p>
        <h2 id="contents">Contents</h2>
        <ul>
        \(contents)</ul>
        \(body)</body></html>

        """
        let url = dir.appendingPathComponent("index.html")
        try page.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Tables first, in the paper's order, then figures; anything else after, by name.
    static func order(_ name: String) -> (Int, String) {
        let known = ["table1", "table2", "table3", "table4", "figure3", "figure4"]
        return (known.firstIndex { name.hasPrefix($0 + ".") } ?? known.count, name)
    }

    static func figureOrder(_ name: String) -> (Int, String) {
        (name.contains("-curves") ? 1 : name.contains("-routing") ? 2 : 0, name)
    }

    static func caption(_ figure: String, spec: String) -> String {
        if figure == spec + ".svg" { return "The figure: each method's mean with its seeds" }
        if figure.contains("-routing") { return "Routing: share of test-split tokens per expert and MoE layer, by method (H = routing entropy, 1 = even)" }
        if figure.hasPrefix(spec + "-curves-") {
            return "Training curves: \(figure.dropFirst((spec + "-curves-").count).dropLast(4)) against step"
        }
        return figure
    }
}
