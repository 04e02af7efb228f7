import Foundation
import Formats

/// `--set NAME=VALUE` on the command line: one parameter (or grid axis) changed for one invocation, applied after
/// the profile, without editing JSON (Snakemake's `--config`, DVC's `exp run -S`, Hydra's overrides).
///
/// An override becomes part of a synthesized profile, `default[lr=0.0001,steps=2000]`, so it enters cache keys like
/// any parameter (results of other values are never reused), is recorded with every run and cell in the state
/// database under that name, and a report or status with the same `--set` finds exactly those runs.
public struct ParameterOverride: Sendable, Equatable {
    public let name: String
    /// The value as typed; typed against the declaration when applied to a spec.
    public let text: String

    public init(name: String, text: String) { self.name = name; self.text = text }

    /// `NAME=VALUE`; the value may itself contain `=`.
    public init(parsing argument: String) throws {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex else {
            throw SpecErrors([SpecError(file: "--set", path: argument, "expected NAME=VALUE, e.g. --set lr=1e-4")])
        }
        self.init(name: String(argument[..<eq]), text: String(argument[argument.index(after: eq)...]))
    }

    public static func parse(_ arguments: [String]) throws -> [ParameterOverride] {
        try arguments.map(ParameterOverride.init(parsing:))
    }

    /// The synthesized profile's name: the base profile, then the overrides sorted by name.
    public static func profileName(_ base: String, _ overrides: [ParameterOverride]) -> String {
        overrides.isEmpty ? base : base + "[" + overrides.sorted { $0.name < $1.name }.map { "\($0.name)=\($0.text)" }.joined(separator: ",") + "]"
    }

    /// The value as JSON of the declared type: JSON text when it parses (1e-4, 2000, true, [1,2], "x"), the bare
    /// text for a string parameter (so `--set variant=moe` needs no quotes), an integral number for an integer.
    func value(as type: String?) -> JSONValue {
        let parsed = try? JSONValue.parse(text)
        switch (type, parsed) {
        case ("string", .string?): return parsed!
        case ("string", _): return .string(text)
        case ("integer", .double(let d)?) where d == d.rounded() && abs(d) < 1e15: return .int(Int64(d))
        case (_, let json?): return json
        default: return .string(text)
        }
    }
}

extension ExperimentSpec {
    /// This spec with `overrides` applied after `profile`: (the spec with a synthesized profile, its name). With no
    /// overrides, `self` and `profile` unchanged. A name that is a grid axis replaces the axis's values (one value,
    /// or a JSON array of values); any other name must be a declared template parameter. Unknown names, wrong
    /// types, values outside an `enum` and names set twice are errors naming `--set NAME` and suggesting the
    /// nearest name.
    public func overriding(_ overrides: [ParameterOverride], profile: String) throws -> (spec: ExperimentSpec, profile: String) {
        guard !overrides.isEmpty else { return (self, profile) }
        var chosen = try self.profile(named: profile)
        let decls = parameterDecls
        let axisNames = Set(axes.keys)
        var errors: [SpecError] = []
        var seen = Set<String>()
        for o in overrides {
            let place = "--set \(o.name)"
            guard seen.insert(o.name).inserted else {
                errors.append(SpecError(file: file.path, path: place, "set more than once")); continue
            }
            let decl = decls[o.name]
            if axisNames.contains(o.name) {
                let values: [JSONValue]
                if case .array(let items)? = try? JSONValue.parse(o.text) {
                    values = items
                } else {
                    values = [o.value(as: decl?.type)]
                }
                if values.isEmpty { errors.append(SpecError(file: file.path, path: place, "an axis needs at least one value")) }
                for v in values { if let m = decl?.mismatch(v) { errors.append(SpecError(file: file.path, path: place, m)) } }
                chosen.axes[o.name] = values
            } else if let decl {
                let v = o.value(as: decl.type)
                if let m = decl.mismatch(v) { errors.append(SpecError(file: file.path, path: place, m)) }
                chosen.parameters[o.name] = v
            } else {
                let known = Array(decls.keys) + Array(axisNames)
                errors.append(SpecError(file: file.path, path: place, "no parameter or grid axis named '\(o.name)' (declared: \(Set(known).sorted().joined(separator: ", ")))",
                                        suggestion: Suggest.nearest(o.name, in: known)))
            }
        }
        if !errors.isEmpty { throw SpecErrors(errors) }
        let name = ParameterOverride.profileName(profile, overrides)
        var profiles = self.profiles
        profiles[name] = chosen
        return (ExperimentSpec(file: file, name: self.name, pipelines: pipelines, parameters: parameters, axes: axes,
                               exclude: exclude, order: order, profiles: profiles, targets: targets), name)
    }
}
