import ArgumentParser
import Foundation
import Pipeline

/// `--workspace DIR`, shared by every command that touches the state (default `.hmpipe` in the current directory).
struct WorkspaceOption: ParsableArguments {
    @Option(name: .long, help: "Workspace folder holding state, artifacts and logs.")
    var workspace: String = ".hmpipe"

    var url: URL { URL(fileURLWithPath: workspace) }
}

/// Spec errors print as the promised "file: path: message (did you mean …)" lines and exit with status 2.
func reportingSpecErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as SpecErrors {
        FileHandle.standardError.write(Data(("error: invalid spec\n" + e.description + "\n").utf8))
        throw ExitCode(2)
    }
}
