import Foundation
import XCTest
import Formats

/// Interop with the reference implementation: Python's `safetensors` must read what we write, and its
/// writer must produce the very same bytes. Skipped when that package is not importable (CI installs it).
/// `HMPIPE_PYTHON` picks the interpreter (default `python3` on PATH).
final class SafeTensorsPythonTests: XCTestCase {
    func testPythonSafetensorsReadsOurFileAndWritesTheSameBytes() throws {
        let python = ProcessInfo.processInfo.environment["HMPIPE_PYTHON"] ?? "python3"
        guard (try? run(python, ["-c", "import safetensors, numpy"]))?.status == 0 else {
            throw XCTSkip("\(python) cannot import safetensors + numpy (pip install safetensors numpy to run this test)")
        }
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("ours.safetensors")
        let tensors: [SafeTensors.Tensor] = [
            .init(name: "layer.0.weight", shape: [2, 3], floats: [1, -2, 3.5, 0, 1e-7, -1e30]),
            .init(name: "f64", shape: [2], doubles: [.pi, -0.5]),
            .init(name: "step", shape: [1], int64s: [1 << 40]),
            .init(name: "i32", shape: [2, 1], int32s: [-3, 7]),
            .init(name: "mask", shape: [3], uint8s: [0, 1, 255]),
        ]
        try SafeTensors.write(tensors, metadata: ["format": "hmpipe", "step": "40"], to: url)
        try SafeTensors.write(tensors, metadata: ["format": "hmpipe", "step": "40"],
                              to: dir.appendingPathComponent("ours.safetensors.zst"))
        let script = """
        import sys, numpy as np
        from safetensors import safe_open
        from safetensors.numpy import load_file, save
        path = sys.argv[1]
        t = load_file(path)
        want = {
            "layer.0.weight": np.array([[1, -2, 3.5], [0, 1e-7, -1e30]], dtype=np.float32),
            "f64": np.array([np.pi, -0.5], dtype=np.float64),
            "step": np.array([1 << 40], dtype=np.int64),
            "i32": np.array([[-3], [7]], dtype=np.int32),
            "mask": np.array([0, 1, 255], dtype=np.uint8),
        }
        assert sorted(t) == sorted(want), sorted(t)
        for k, v in want.items():
            assert t[k].dtype == v.dtype and t[k].shape == v.shape and np.array_equal(t[k], v), (k, t[k])
        with safe_open(path, framework="numpy") as f:
            assert f.metadata() == {"format": "hmpipe", "step": "40"}, f.metadata()
        import shutil, subprocess
        if shutil.which("zstd"):  # the compressed checkpoint is a plain zstd frame of the same bytes
            plain = subprocess.run(["zstd", "-d", "-c", path + ".zst"], check=True, capture_output=True).stdout
            assert plain == open(path, "rb").read(), "zstd -d of the .zst differs from the plain file"
        # Python's writer keeps __metadata__ in a Rust HashMap, so its key order changes from process to process;
        # compare the parsed headers and the data sections byte for byte.
        import json
        def parts(b):
            n = int.from_bytes(b[:8], "little")
            return json.loads(b[8:8 + n]), b[8 + n:]
        same = parts(save(want, metadata={"format": "hmpipe", "step": "40"})) == parts(open(path, "rb").read())
        print("identical" if same else "different")
        """
        let result = try run(python, ["-c", script, url.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "identical",
                       "Python's writer lays out the same tensors differently")
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
