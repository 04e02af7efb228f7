import ArgumentParser
import Foundation
import Pipeline

/// `--set NAME=VALUE`, shared by every command that takes a spec: the same overrides name the same synthesized
/// profile (`default[lr=0.0001]`), so `status`, `dag`, `report` and `metrics` see what `run --set …` ran.
struct OverrideOption: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override a template parameter or grid axis after the profile (repeatable), e.g. --set lr=1e-4 --set seed=[1,2].",
        valueName: "NAME=VALUE"))
    var assignments: [String] = []

    var overrides: [ParameterOverride] {
        get throws { try reportingSpecErrors { try ParameterOverride.parse(assignments) } }
    }

    /// The spec at `path` with the overrides applied after `profile`: (spec, the profile to build and query).
    func load(_ path: String, profile: String) throws -> (spec: ExperimentSpec, profile: String) {
        let overrides = try self.overrides
        return try reportingSpecErrors { try ExperimentSpec.load(URL(fileURLWithPath: path)).overriding(overrides, profile: profile) }
    }
}
