import Formats
import Foundation
import Pipeline
import StageInterface
import TestSupport

/// The runner takes its stage registry from its caller (the CLI passes `StageRegistry.builtIn`); its own tests
/// pass the generic `command` kind alone, through these defaults, so this target builds no engine module.
extension StageGraph {
    static func build(_ spec: ExperimentSpec, profile: String = "default",
                      hashFile: (URL) throws -> String = { try Hashing.sha256Hex(fileAt: $0) }) throws -> StageGraph {
        try build(spec, profile: profile, registry: .commandOnly, hashFile: hashFile)
    }
}

extension ExecStage {
    static func run(key: String, workspace: URL, threads: Int? = nil, force: Bool = false,
                    cancellation: CancellationFlag = CancellationFlag()) throws -> StageOutcome {
        try run(key: key, workspace: workspace, registry: .commandOnly, threads: threads, force: force, cancellation: cancellation)
    }
}
