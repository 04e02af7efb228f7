import Foundation
import Formats
import Pipeline
import Stages
import TestSupport
import XCTest
import Report

/// Training curves, routing heatmaps and the browsable `index.html` that `hmpipe report --out` writes.
final class ReportPicturesTests: XCTestCase {
    func testCurvesGroupSeedsByRowAndColumn() {
        var rows: [MetricRow] = []
        for task in ["a", "b"] { for variant in ["moe", "hypermoe"] { for seed in 0..<2 { for step in 1...3 {
            rows.append(MetricRow(cell: "\(task)\(variant)\(seed)", axes: ["task": .string(task), "variant": .string(variant), "seed": .int(Int64(seed))],
                                  stage: "train", stageKey: "k", status: .done, metric: "train_loss", step: step,
                                  value: Double(10 - step) + Double(seed) + (variant == "moe" ? 1 : 0)))
        } } } }
        rows.append(MetricRow(cell: "x", axes: [:], stage: "test", stageKey: "t", status: .done, metric: "em", step: nil, value: 3))
        let curves = CurveChart.curves(rows, rowsAxis: "variant", columnsAxis: "task")
        XCTAssertEqual(Array(curves.keys), ["train_loss"], "step-less metrics are not curves")
        let a = curves["train_loss"]!["a"]!
        XCTAssertEqual(a.count, 4)
        XCTAssertEqual(a.map(\.row), ["hypermoe", "hypermoe", "moe", "moe"])
        XCTAssertEqual(a[0].points.map(\.value), [9, 8, 7])
        let svg = CurveChart.svg(title: "T", metric: "train_loss", panels: curves["train_loss"]!, columnOrder: ["b", "a"],
                                 rowOrder: ["moe", "hypermoe"], rowLabel: { $0 == "moe" ? "MoE" : "HyperMoE" })
        // Per panel: 4 faint seed lines and 2 mean lines; 2 min–max bands.
        XCTAssertEqual(svg.components(separatedBy: "stroke-opacity=\"0.3\"").count - 1, 8)
        XCTAssertEqual(svg.components(separatedBy: "stroke-width=\"2\"").count - 1, 4)
        XCTAssertEqual(svg.components(separatedBy: "<polygon").count - 1, 4)
        XCTAssertLessThan(svg.range(of: ">b</text>")!.lowerBound, svg.range(of: ">a</text>")!.lowerBound, "panels in the given order")
        XCTAssertTrue(svg.contains(">MoE</text>") && svg.contains(">HyperMoE</text>"))
        // Columns the spec does not order come in natural order: 8 before 16 before 32.
        let numbered = Dictionary(uniqueKeysWithValues: ["experts 16", "experts 32", "experts 8"].map { ($0, a) })
        let natural = CurveChart.svg(title: "T", metric: "train_loss", panels: numbered, columnOrder: [],
                                     rowOrder: ["moe", "hypermoe"], rowLabel: { $0 })
        let at = { (c: String) in natural.range(of: ">\(c)</text>")!.lowerBound }
        XCTAssertLessThan(at("experts 8"), at("experts 16"))
        XCTAssertLessThan(at("experts 16"), at("experts 32"))
    }

    /// Curves' step axis: whole steps only, however short the run.
    func testStepTicksAreWholeSteps() {
        XCTAssertEqual(ReportChart.niceTicks(lo: 1, hi: 2, target: 4, minimumStep: 1), [1, 2])
        XCTAssertEqual(ReportChart.niceTicks(lo: 10, hi: 100, target: 4, minimumStep: 1), [0, 25, 50, 75, 100])
        let fine = ReportChart.niceTicks(lo: 4.79, hi: 4.96, target: 4)
        XCTAssertEqual(fine.map { ReportChart.tickLabel($0, fine) }, ["4.75", "4.80", "4.85", "4.90", "4.95", "5.00"])
    }

    func testRoutingMetricsAndHeatmaps() throws {
        let m = RoutingMetrics.metrics(tokensPerExpert: [[5, 5, 5, 5], [20, 0, 0, 0]])
        XCTAssertEqual(m["expert_load.layer0.expert2"], 0.25)
        XCTAssertEqual(try XCTUnwrap(m["routing_entropy.layer0"]), 1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(m["routing_entropy.layer1"]), 0, accuracy: 1e-12)
        XCTAssertEqual(RoutingMetrics.parseLoad("expert_load.layer1.expert3")?.expert, 3)
        XCTAssertNil(RoutingMetrics.parseLoad("expert_load.layer1"))

        func cell(_ variant: String, _ seed: Int, _ load: [[Double]]) -> CellResult {
            CellResult(spec: "s", profile: "default", label: "\(variant)\(seed)", axes: ["variant": .string(variant), "seed": .int(Int64(seed))],
                       stages: ["test": .init(key: "k", status: .done, metrics: RoutingMetrics.metrics(tokensPerExpert: load))])
        }
        let maps = RoutingHeatmap.maps([cell("moe", 0, [[1, 3]]), cell("moe", 1, [[3, 1]]), cell("hypermoe", 0, [[4, 0]])],
                                       rowsAxis: "variant", stage: "test")
        XCTAssertEqual(maps.map(\.row), ["moe", "hypermoe"])
        XCTAssertEqual(maps[0].load, [[0.5, 0.5]], "mean over seeds")
        XCTAssertEqual(maps[0].cells, 2)
        XCTAssertEqual(maps[1].load, [[1, 0]])
        let svg = RoutingHeatmap.svg(title: "routing", maps: maps, rowOrder: ["hypermoe", "moe"], rowLabel: { $0 })
        XCTAssertEqual(svg.components(separatedBy: "<rect x=").count - 1, 4, "one cell per (layer, expert) per map")
        XCTAssertTrue(svg.contains("<title>layer 0, expert 0: 100.0 %</title>"))
        // A label wider than the panel wraps onto a second line instead of being cut mid-word.
        let long = "(b) hypernet on the token hidden state (instead of the selection embedding)"
        let wrapped = RoutingHeatmap.svg(title: "routing", maps: maps, rowOrder: ["hypermoe", "moe"], rowLabel: { _ in long })
        let bold = wrapped.components(separatedBy: "font-weight=\"bold\">").dropFirst().map { $0.prefix { $0 != "<" } }
        XCTAssertEqual(bold.count, 4, "two lines per panel")
        let shown = (bold[0] + " " + bold[1]).replacingOccurrences(of: " …", with: "")
        XCTAssertTrue(long.hasPrefix(shown) && shown.split(separator: " ").count >= 8, "whole words, both lines: \(bold)")
        XCTAssertTrue(shown.contains("hidden state"), "\(bold)")
    }

    /// The report of a hand-built state (Figure 3's real spec; train stages with curves, test stages with routing)
    /// as the CLI writes it: tables, figure, curves, heatmaps and index.html — and that page in a real browser.
    func testReportFolderAndIndexPageInHeadlessChromium() throws {
        let repo = ReleaseBinary.repo
        let project = try TestProject()
        let state = try Runner.openState(Workspace(project.workspace))
        let graph = try StageGraph.build(try ExperimentSpec.load(repo.appendingPathComponent("experiments/figure3.json")),
                                         profile: "default", registry: .builtIn, hashFile: { _ in String(repeating: "0", count: 64) })
        try state.recordPlan(graph)
        let run = try state.beginRun(command: "test", specs: ["figure3"], profile: "default")
        var done = Set<String>()
        for cell in graph.cells {
            guard case .int(let n)? = cell.axes["experts"], case .int(let seed)? = cell.axes["seed"],
                  let train = cell.stages["train"], let test = cell.stages["test"] else { return XCTFail(cell.label) }
            if done.insert(train).inserted {
                XCTAssertEqual(try state.claim(key: train, runId: run, force: false, threads: 1), .claimed(attempt: 1))
                for step in stride(from: 10, through: 100, by: 10) {
                    try state.recordMetric(key: train, name: "train_loss", value: 5 - Double(step) / 40 + Double(seed) / 10, step: step)
                }
                XCTAssertTrue(try state.commitDone(key: train, runId: run, artifacts: []))
            }
            if done.insert(test).inserted {
                XCTAssertEqual(try state.claim(key: test, runId: run, force: false, threads: 1), .claimed(attempt: 1))
                try state.recordMetric(key: test, name: "em", value: 10 + Double(seed), step: nil)
                let load = (0..<3).map { l in (0..<Int(n)).map { e in Double((e + l) % 4 + 1) } }
                for (name, value) in RoutingMetrics.metrics(tokensPerExpert: load) { try state.recordMetric(key: test, name: name, value: value, step: nil) }
                XCTAssertTrue(try state.commitDone(key: test, runId: run, artifacts: []))
            }
        }
        let out = project.root.appendingPathComponent("results")
        let (code, log) = try ReleaseBinary.run(["report", "experiments/figure3.json", "--workspace", project.workspace.path, "--out", out.path])
        XCTAssertEqual(code, 0, log)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        for f in ["figure3.md", "figure3.svg", "figure3-curves-train_loss.svg", "figure3-routing.svg", "index.html", "README.md"] {
            XCTAssertTrue(files.contains(f), "\(f) not in \(files.sorted())")
        }
        let md = try String(contentsOf: out.appendingPathComponent("figure3.md"), encoding: .utf8)
        XCTAssertFalse(md.contains("expert_load"), "routing metrics are drawn, not listed among other metrics")
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<li><a href=\"#figure3\">Figure 3 — cloze-QA EM vs number of experts</a></li>"), html)
        XCTAssertTrue(html.contains("<i>Spec <code>figure3</code>, 27 of 27 runs done.</i>"), html)
        XCTAssertTrue(html.contains("<img src=\"figure3-curves-train_loss.svg\"") && html.contains("<img src=\"figure3-routing.svg\""), html)
        XCTAssertFalse(html.contains("<script") || html.contains("http://") || html.contains("https://"), "self-contained: no scripts, nothing fetched")
        let curves = try String(contentsOf: out.appendingPathComponent("figure3-curves-train_loss.svg"), encoding: .utf8)
        XCTAssertTrue(curves.contains(">experts 8</text>") && curves.contains(">experts 32</text>"), curves)

        try BrowserCheck.pageLoadsEveryImage(out.appendingPathComponent("index.html"), expectImages: 3,
                                              screenshot: project.root.appendingPathComponent("index.png"))
    }
}

/// Headless Chromium (Debian `chromium`) on a local page: every `<img>` loaded, nothing on the console.
enum BrowserCheck {
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ args: [String]) throws -> (Int32, String, String) {
        guard let chromium else { throw XCTSkip("no Chromium here (Debian: apt-get install chromium); the browser check is skipped") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["90", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read stderr on its own thread: Chromium logs a lot there, and a full pipe would block it.
        final class Box: @unchecked Sendable { var data = Data() }
        let e = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { e.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e.data, as: UTF8.self))
    }

    /// Loads `page` in an iframe of a throw-away harness page whose script counts the images that loaded (the page
    /// itself has no scripts); then loads the page alone and fails on any console message; then a screenshot.
    static func pageLoadsEveryImage(_ page: URL, expectImages: Int, screenshot: URL) throws {
        let harness = page.deletingLastPathComponent().appendingPathComponent("browser-check.html")
        try """
        <!DOCTYPE html><html><body><iframe id="f" src="\(page.lastPathComponent)" width="1200" height="800"></iframe>
        <pre id="result">pending</pre>
        <script>
        document.getElementById('f').onload = function () {
          var doc = document.getElementById('f').contentDocument;
          var imgs = Array.prototype.slice.call(doc.images);
          var wait = function () {
            if (imgs.some(function (i) { return !i.complete; })) { return setTimeout(wait, 50); }
            var bad = imgs.filter(function (i) { return i.naturalWidth === 0; }).map(function (i) { return i.getAttribute('src'); });
            document.getElementById('result').textContent = 'images=' + imgs.length + ' broken=' + JSON.stringify(bad);
          };
          wait();
        };
        </script></body></html>
        """.write(to: harness, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: harness) }
        let (code, dom, stderr) = try run(["--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom", harness.absoluteString])
        XCTAssertEqual(code, 0, stderr)
        XCTAssertTrue(dom.contains("images=\(expectImages) broken=[]"), "images did not all load:\n\(dom.suffix(400))")

        let (code2, _, log) = try run(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--window-size=1200,2400",
                                        "--screenshot=\(screenshot.path)", page.absoluteString])
        XCTAssertEqual(code2, 0, log)
        let console = log.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        XCTAssertTrue(console.isEmpty, "console messages:\n\(console.joined(separator: "\n"))")
        XCTAssertTrue(FileManager.default.fileExists(atPath: screenshot.path))
        print("index.html screenshot: \(screenshot.path)")
    }
}
