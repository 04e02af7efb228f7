import ArgumentParser
import Foundation
import Pipeline

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash every stored artifact; damaged ones are invalidated so the next run rebuilds them.")

    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        let ws = Workspace(workspace.url)
        let result = try Maintenance.verify(workspace: ws, state: try Runner.openState(ws))
        for problem in result.problems { print("damaged: \(problem.name): \(problem.problem)") }
        print("\(result.checked) artifact(s) checked, \(result.problems.count) damaged")
        if !result.problems.isEmpty { throw ExitCode(1) }
    }
}
