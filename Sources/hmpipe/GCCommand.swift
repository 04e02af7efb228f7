import ArgumentParser
import Foundation
import Pipeline

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete unreferenced artifacts, decompressed copies and abandoned attempt folders.")

    @OptionGroup var workspace: WorkspaceOption
    @Flag(name: [.customShort("n"), .long], help: "Only report what would be deleted.")
    var dryRun = false

    func run() throws {
        let ws = Workspace(workspace.url)
        let r = try Maintenance.gc(workspace: ws, state: try Runner.openState(ws), dryRun: dryRun)
        print("\(dryRun ? "would remove" : "removed") \(r.removedObjects) object(s), \(r.removedWorkDirs) attempt folder(s), \(r.removedBytes) bytes")
    }
}
