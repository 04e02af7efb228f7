import Foundation

/// Small helpers shared by the stage kinds' `run` functions.
enum StageParameters {
    static func input(_ context: StageContext, _ name: String) throws -> URL {
        guard let url = context.inputs[name] else { throw StageFailure("missing input '\(name)'") }
        return url
    }
}
