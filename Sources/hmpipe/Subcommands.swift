import ArgumentParser

// The one list of subcommands. Add a line here when a command file is added.
extension HMPipe {
    static let allSubcommands: [ParsableCommand.Type] = [
        TokenizeCommand.self,
    ]
}
