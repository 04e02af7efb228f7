// swift-tools-version:6.1
// hmpipe — reproduces "HyperMoE: Towards Better Mixture of Experts via Transferring Among Experts" on CPU.
// Layering (arrows = "imports"; never the other way):
//   hmpipe (CLI) → Report → Pipeline → StageInterface → Formats → CZstd;  Pipeline → CSQLite (GRDB)
//   hmpipe, Report → Stages → CommandStage, Data, Model;  CommandStage → StageInterface
//   Model → Kernels → CBLAS, CVecMath;  Data, Model → Formats
// The runner (Pipeline) and its tests (RunnerTests, over the `command` kind of CommandStage) never reach the
// engine (Model, Kernels, Data, Stages); scripts/check_layering.py, run by `make test`, keeps it so.
import PackageDescription

let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "hmpipe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hmpipe", targets: ["hmpipe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System C libraries, found through pkg-config (Debian: libopenblas-dev libzstd-dev libsqlite3-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),

        // Layer 0: element-wise float32 loops (GELU, AdamW) built for AVX-512 / AVX2 and picked by cpuid.
        .target(name: "CVecMath"),
        // Layer 0: numeric kernels (forward + backward, llm.c style) on float32 buffers.
        // Layer 0: the engine's persistent worker threads (spin briefly, then sleep) for its parallel regions.
        .target(name: "CThreadPool"),
        .target(name: "Kernels", dependencies: ["CBLAS", "CVecMath", "CThreadPool"], swiftSettings: v5),
        // Layer 0: byte formats — zstd frames, safetensors, SHA-256 helpers.
        .target(name: "Formats", dependencies: ["CZstd", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: v5),
        // Layer 1: the transformer, MoE variants, routing, checkpoints, optimiser, training step.
        .target(name: "Model", dependencies: ["Kernels", "Formats"], swiftSettings: v5),
        // Layer 1: datasets, readers, tokenizers, token shards, metrics, fetching pinned files.
        .target(name: "Data", dependencies: ["Formats"], swiftSettings: v5),
        // Layer 1: the stage interface the runner is written against: StageKind, StageContext, registry, parameter
        // decoding.
        .target(name: "StageInterface", dependencies: ["Formats"], swiftSettings: v5),
        // Layer 2: the generic `command` kind (a shell command with declared outputs). Its own module, not part of
        // StageInterface (which stays the interface, without process spawning) nor of Stages (which brings the
        // engine): the runner's tests use it without building Model, Kernels or Data.
        .target(name: "CommandStage", dependencies: ["StageInterface", "Formats",
                                               .product(name: "Subprocess", package: "swift-subprocess")],
                swiftSettings: v5),
        // Layer 2: the built-in stage kinds (fetch, prepare, train, evaluate, vocab, the seq2seq pair) + `command`.
        .target(name: "Stages", dependencies: ["StageInterface", "CommandStage", "Model", "Data", "Formats"],
                swiftSettings: v5),
        // Layer 3: spec → graph → store/state → scheduler → executors.
        .target(name: "Pipeline", dependencies: [
            // The stage interface alone: the runner compiles without the engine (Model, Kernels, Data, Stages).
            "StageInterface", "Formats", "CSQLite",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: v5),
        // Layer 4: the paper's reports (tables, claims and their statistics, figures, index.html): reads the state
        // through Pipeline and the task catalogue (data descriptions, per-example scores) through Stages.
        .target(name: "Report", dependencies: ["Pipeline", "Stages", "StageInterface", "Formats"], swiftSettings: v5),
        // Layer 5: the command line.
        .executableTarget(name: "hmpipe", dependencies: [
            "Pipeline", "Report", "Stages", "Model", "Data", "Kernels",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: v5),

        .testTarget(name: "KernelsTests", dependencies: ["Kernels"], swiftSettings: v5),
        .testTarget(name: "FormatsTests", dependencies: ["Formats"], swiftSettings: v5),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Kernels", "Formats"],
                    resources: [.copy("Golden")], swiftSettings: v5),
        .testTarget(name: "DataTests", dependencies: ["Data", "Formats"],
                    resources: [.copy("Golden")], swiftSettings: v5),
        // Helpers both test targets share (a throw-away project, the release binary, the local Slurm); no engine.
        .target(name: "TestSupport", dependencies: ["Pipeline", "StageInterface", "CommandStage", "Formats"],
                path: "Tests/TestSupport", swiftSettings: v5),
        // The runner's tests: spec, graph, store/state, scheduler, executors (local, Slurm), gc, damaged state,
        // over `command` stages; building them builds no engine module.
        .testTarget(name: "RunnerTests",
                    dependencies: ["Pipeline", "StageInterface", "CommandStage", "Formats", "TestSupport"],
                    swiftSettings: v5),
        // What needs the engine: the built-in ML kinds, the task catalogue, the report, the paper's pipelines end to end.
        .testTarget(name: "PipelineTests",
                    dependencies: ["Pipeline", "Report", "Stages", "StageInterface", "Formats", "TestSupport"],
                    exclude: ["Golden"],   // read by path (#filePath), not bundled
                    swiftSettings: v5),
    ]
)
