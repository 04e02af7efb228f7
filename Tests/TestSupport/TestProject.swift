import CommandStage
import Foundation
import Pipeline
import StageInterface

/// A throw-away project folder with `pipelines/`, `experiments/`, a workspace, and a `counts/` folder where
/// test commands append one line per execution — the side effect the tests count.
public struct TestProject {
    public let root: URL
    /// The kinds `run` resolves: the generic `command` kind alone unless a test passes others (the runner's tests
    /// need no more, so they build no engine module).
    public let registry: StageRegistry

    public init(registry: StageRegistry = .commandOnly) throws {
        self.registry = registry
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hmpipe-test-\(UUID().uuidString.prefix(8))")
        for dir in ["pipelines", "experiments", "counts"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
    }

    public var workspace: URL { root.appendingPathComponent(".hmpipe") }
    public var counts: URL { root.appendingPathComponent("counts") }

    public func write(_ relative: String, _ text: String) throws {
        try text.write(to: root.appendingPathComponent(relative), atomically: true, encoding: .utf8)
    }

    /// Writes `pipelines/p.json` and `experiments/e.json`; returns the experiment URL.
    @discardableResult
    public func spec(pipeline: String, experiment: String) throws -> URL {
        try write("pipelines/p.json", pipeline)
        try write("experiments/e.json", experiment)
        return root.appendingPathComponent("experiments/e.json")
    }

    /// Lines appended to counts/<name> (0 if never run).
    public func count(_ name: String) -> Int {
        guard let text = try? String(contentsOf: counts.appendingPathComponent(name), encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").count
    }

    public func options(jobs: Int = 2, _ configure: (inout RunOptions) -> Void = { _ in }) -> RunOptions {
        var o = RunOptions(workspace: workspace)
        o.jobs = jobs
        configure(&o)
        return o
    }

    public func run(_ spec: URL, jobs: Int = 2, _ configure: (inout RunOptions) -> Void = { _ in }) throws -> RunSummary {
        try Runner(options: options(jobs: jobs, configure), registry: registry, progress: ProgressReporter(style: .quiet))
            .run(specs: [spec])
    }

    public func state() throws -> StateStore { try Runner.openState(Workspace(workspace)) }

    /// The built `hmpipe` executable beside the test binary (`swift test` builds it). Missing = failure.
    public static func binary() throws -> URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [Bundle.main.bundleURL, testBinary.deletingLastPathComponent(),
                          testBinary.deletingLastPathComponent().deletingLastPathComponent()]
            .map { $0.appendingPathComponent("hmpipe") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw TestFailure("hmpipe executable not found in \(candidates.map(\.path))")
        }
        return found
    }
}

extension StageRegistry {
    /// The generic `command` kind alone: what the runner's tests use.
    public static var commandOnly: StageRegistry { StageRegistry([CommandKind()]) }
}

/// A standard two-level pipeline: `prep` (no axis) → `work` (per seed). Every execution appends to counts/.
public func countingPipeline(counts: URL, extraParam: String = "") -> String {
    #"""
    {"name": "p",
     "parameters": {"seed": {"type": "integer"}, "size": {"type": "integer", "default": 3}},
     "stages": {
       "prep": {"kind": "command", "params": {"command": "echo x >> \#(counts.path)/prep; seq ${size} > $HM_OUT/data.txt", "outputs": ["data.txt"]}},
       "work": {"kind": "command", "inputs": {"data": "prep:data.txt"},
                "params": {"command": "echo x >> \#(counts.path)/work-${seed}; \#(extraParam) cat $HM_IN_DATA > $HM_OUT/r.txt; echo ${seed} >> $HM_OUT/r.txt; echo score ${seed}.5 >> $HM_METRICS", "outputs": ["r.txt"]}}
     }}
    """#
}

public func countingExperiment(seeds: [Int], extra: String = "") -> String {
    #"""
    {"name": "e", "pipelines": ["../pipelines/p.json"], \#(extra)
     "grid": {"axes": {"seed": [\#(seeds.map(String.init).joined(separator: ","))]}},
     "profiles": {"smoke": {"axes": {"seed": [\#(seeds[0])]}}, "default": {}, "paper": {"parameters": {"size": 9}}}}
    """#
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
