import Foundation
import Formats
import StageInterface

/// `hmpipe bench-pipeline`: the performance targets, measured, one JSON object per line:
/// a no-op `run` over a fully cached 200-cell one-stage spec (target ≤ 0.3 s), `status` on it (≤ 0.3 s), a no-op
/// run of a realistic 200-cell spec (shared upstream + 3 chained stages, ≤ 0.05 s), a 100,000-cell dry run
/// (≤ 10 s), and SHA-256 of a 100 MB file (≥ 500 MB/s). Numbers are best-of-3 wall times in this process (no process start-up).
public enum PipelineBench {
    public static func run(registry: StageRegistry, directory: URL? = nil, cells: Int = 200, largeCells: Int = 100_000, hashMegabytes: Int = 100,
                           print emit: (String) -> Void = { Swift.print($0) }) throws {
        let fm = FileManager.default
        let root = directory ?? fm.temporaryDirectory.appendingPathComponent("hmpipe-bench-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: root.appendingPathComponent("experiments"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("pipelines"), withIntermediateDirectories: true)
        defer { if directory == nil { try? fm.removeItem(at: root) } }

        let pipeline = #"{"name": "bench", "parameters": {"i": {"type": "integer"}}, "stages": {"cell": {"kind": "command", "params": {"command": "echo ${i} > $HM_OUT/o.txt", "outputs": ["o.txt"]}}}}"#
        let values = (0..<cells).map(String.init).joined(separator: ",")
        let experiment = #"{"name": "bench", "pipelines": ["../pipelines/bench.json"], "grid": {"axes": {"i": ["# + values + #"]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#
        try pipeline.write(to: root.appendingPathComponent("pipelines/bench.json"), atomically: true, encoding: .utf8)
        let spec = root.appendingPathComponent("experiments/bench.json")
        try experiment.write(to: spec, atomically: true, encoding: .utf8)

        var options = RunOptions(workspace: root.appendingPathComponent(".hmpipe"))
        options.jobs = RunOptions.cores
        let cold = try timed { try Runner(options: options, registry: registry, progress: ProgressReporter(style: .quiet)).run(specs: [spec]) }
        guard cold.value.executed.count == cells else { throw PipelineError.io("bench: cold run executed \(cold.value.executed.count) of \(cells)") }
        emit(#"{"bench":"pipeline.cold_run","cells":\#(cells),"seconds":\#(fmt(cold.seconds))}"#)

        let noop = try best(of: 3) { _ = try Runner(options: options, registry: registry, progress: ProgressReporter(style: .quiet)).run(specs: [spec]) }
        emit(#"{"bench":"pipeline.noop_run","cells":\#(cells),"seconds":\#(fmt(noop)),"target_seconds":0.3,"ok":\#(noop <= 0.3)}"#)

        let status = try best(of: 3) {
            let workspace = Workspace(options.workspace)
            let state = try Runner.openState(workspace)
            let graph = try StageGraph.build(try ExperimentSpec.load(spec), registry: registry, hashFile: FileHasher(state: state).hash)
            _ = try SpecStatus.compute(graph: graph, state: state, store: ArtifactStore(workspace: workspace))
        }
        emit(#"{"bench":"pipeline.status","cells":\#(cells),"seconds":\#(fmt(status)),"target_seconds":0.3,"ok":\#(status <= 0.3)}"#)

        try realistic(root: root.appendingPathComponent("realistic"), registry: registry, emit: emit)
        try dryRun(root: root.appendingPathComponent("large"), registry: registry, cells: largeCells, emit: emit)

        let file = root.appendingPathComponent("hash-input.bin")
        var block = Data(count: 1 << 20)
        block.withUnsafeMutableBytes { raw in for i in 0..<raw.count { raw[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 13) } }
        _ = fm.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        for _ in 0..<hashMegabytes { try handle.write(contentsOf: block) }
        try handle.close()
        let hashSeconds = try best(of: 3) { _ = try Hashing.sha256Hex(fileAt: file) }
        let rate = Double(hashMegabytes) * 1.048576 / hashSeconds
        emit(#"{"bench":"sha256.file","megabytes":\#(hashMegabytes),"seconds":\#(fmt(hashSeconds)),"mb_per_s":\#(fmt(rate, 1)),"target_mb_per_s":500,"ok":\#(rate >= 500)}"#)
    }

    /// A realistic sweep: a shared data stage, then train → evaluate → summarize per cell (3 chained stages),
    /// 200 cells over two axes, typed parameters interpolated into the commands. Target: a no-op run ≤ 0.05 s.
    static func realistic(root: URL, registry: StageRegistry, emit: (String) -> Void) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("experiments"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("pipelines"), withIntermediateDirectories: true)
        let pipeline = #"""
            {"name": "sweep", "parameters": {"seed": {"type": "integer"}, "lr": {"type": "number"}, "steps": {"type": "integer", "default": 100},
                                             "width": {"type": "integer", "default": 64}, "task": {"type": "string", "default": "cloze"}},
             "stages": {
               "data": {"kind": "command", "params": {"command": "seq 1000 > $HM_OUT/train.txt; seq 100 > $HM_OUT/test.txt; echo ${task} > $HM_OUT/task.json", "outputs": ["train.txt", "test.txt", "task.json"]}},
               "train": {"kind": "command", "inputs": {"train": "data:train.txt", "task": "data:task.json"},
                         "params": {"command": "echo ${seed} ${lr} ${steps} ${width} > $HM_OUT/model.bin; echo loss 1.5 >> $HM_METRICS; echo done > $HM_OUT/train.json", "outputs": ["model.bin", "train.json"]}},
               "evaluate": {"kind": "command", "inputs": {"model": "train:model.bin", "test": "data:test.txt"},
                            "params": {"command": "cat $HM_IN_MODEL > $HM_OUT/metrics.json; echo em 20 >> $HM_METRICS", "outputs": ["metrics.json"]}},
               "summarize": {"kind": "command", "inputs": {"metrics": "evaluate:metrics.json"},
                             "params": {"command": "cat $HM_IN_METRICS > $HM_OUT/summary.txt", "outputs": ["summary.txt"]}}}}
            """#
        let lrs = (1...50).map { String(Double($0) * 1e-4) }.joined(separator: ",")
        let experiment = #"{"name": "sweep", "pipelines": ["../pipelines/sweep.json"], "grid": {"axes": {"seed": [0, 1, 2, 3], "lr": ["# + lrs
            + #"]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#
        try pipeline.write(to: root.appendingPathComponent("pipelines/sweep.json"), atomically: true, encoding: .utf8)
        let spec = root.appendingPathComponent("experiments/sweep.json")
        try experiment.write(to: spec, atomically: true, encoding: .utf8)
        var options = RunOptions(workspace: root.appendingPathComponent(".hmpipe"))
        options.jobs = RunOptions.cores
        let cold = try Runner(options: options, registry: registry, progress: ProgressReporter(style: .quiet)).run(specs: [spec])
        guard cold.executed.count == 1 + 3 * 200 else { throw PipelineError.io("bench: realistic cold run executed \(cold.executed.count) of 601") }
        let noop = try best(of: 3) {
            let s = try Runner(options: options, registry: registry, progress: ProgressReporter(style: .quiet)).run(specs: [spec])
            guard s.executed.isEmpty else { throw PipelineError.io("bench: the no-op run executed \(s.executed.count) stages") }
        }
        emit(#"{"bench":"pipeline.noop_run_realistic","cells":200,"stages":601,"seconds":\#(fmt(noop)),"target_seconds":0.05,"ok":\#(noop <= 0.05)}"#)
    }

    /// A dry run of a large sweep on an empty workspace: spec load, graph expansion (a shared stage and two
    /// chained stages per cell), planning. Target: 100,000 cells ≤ 10 s.
    static func dryRun(root: URL, registry: StageRegistry, cells: Int, emit: (String) -> Void) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("experiments"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("pipelines"), withIntermediateDirectories: true)
        let pipeline = #"""
            {"name": "large", "parameters": {"a": {"type": "integer"}, "b": {"type": "integer"}, "size": {"type": "integer", "default": 10}},
             "stages": {
               "prep": {"kind": "command", "params": {"command": "seq ${size} > $HM_OUT/data.txt", "outputs": ["data.txt"]}},
               "train": {"kind": "command", "inputs": {"d": "prep:data.txt"}, "params": {"command": "echo ${a} ${b} > $HM_OUT/m.txt", "outputs": ["m.txt"]}},
               "eval": {"kind": "command", "inputs": {"m": "train:m.txt"}, "params": {"command": "cat $HM_IN_M > $HM_OUT/r.txt", "outputs": ["r.txt"]}}}}
            """#
        let a = max(1, Int(Double(cells).squareRoot() / 3.16)), b = max(1, cells / a)
        let axis = { (n: Int) in (0..<n).map(String.init).joined(separator: ",") }
        let experiment = #"{"name": "large", "pipelines": ["../pipelines/large.json"], "grid": {"axes": {"a": ["# + axis(a) + #"], "b": ["# + axis(b)
            + #"]}}, "profiles": {"smoke": {}, "default": {}, "paper": {}}}"#
        try pipeline.write(to: root.appendingPathComponent("pipelines/large.json"), atomically: true, encoding: .utf8)
        let spec = root.appendingPathComponent("experiments/large.json")
        try experiment.write(to: spec, atomically: true, encoding: .utf8)
        var options = RunOptions(workspace: root.appendingPathComponent(".hmpipe"))
        options.dryRun = true
        let run = try timed { try Runner(options: options, registry: registry, progress: ProgressReporter(style: .quiet)).run(specs: [spec]) }
        guard run.value.planned.count == 1 + 2 * a * b else { throw PipelineError.io("bench: dry run planned \(run.value.planned.count)") }
        emit(#"{"bench":"pipeline.dry_run_large","cells":\#(a * b),"stages":\#(1 + 2 * a * b),"seconds":\#(fmt(run.seconds)),"target_seconds":10,"ok":\#(run.seconds <= 10)}"#)
    }

    static func timed<T>(_ body: () throws -> T) rethrows -> (value: T, seconds: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    static func best(of n: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<n { best = min(best, try timed(body).seconds) }
        return best
    }

    static func fmt(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }
}
