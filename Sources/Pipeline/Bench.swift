import Foundation
import Formats

/// `hmpipe bench-pipeline`: the issue's performance targets, measured, one JSON object per line:
/// a no-op `run` over a fully cached 200-cell spec (target ≤ 0.3 s), `status` on it (≤ 0.3 s), and SHA-256
/// of a 100 MB file (≥ 500 MB/s). Numbers are best-of-3 wall times in this process (no process start-up).
public enum PipelineBench {
    public static func run(directory: URL? = nil, cells: Int = 200, hashMegabytes: Int = 100,
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
        let cold = try timed { try Runner(options: options, progress: ProgressReporter(style: .quiet)).run(specs: [spec]) }
        guard cold.value.executed.count == cells else { throw PipelineError.io("bench: cold run executed \(cold.value.executed.count) of \(cells)") }
        emit(#"{"bench":"pipeline.cold_run","cells":\#(cells),"seconds":\#(fmt(cold.seconds))}"#)

        let noop = try best(of: 3) { _ = try Runner(options: options, progress: ProgressReporter(style: .quiet)).run(specs: [spec]) }
        emit(#"{"bench":"pipeline.noop_run","cells":\#(cells),"seconds":\#(fmt(noop)),"target_seconds":0.3,"ok":\#(noop <= 0.3)}"#)

        let status = try best(of: 3) {
            let workspace = Workspace(options.workspace)
            let state = try Runner.openState(workspace)
            let graph = try StageGraph.build(try ExperimentSpec.load(spec), hashFile: FileHasher(state: state).hash)
            _ = try SpecStatus.compute(graph: graph, state: state, store: ArtifactStore(workspace: workspace))
        }
        emit(#"{"bench":"pipeline.status","cells":\#(cells),"seconds":\#(fmt(status)),"target_seconds":0.3,"ok":\#(status <= 0.3)}"#)

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
