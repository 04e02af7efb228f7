import ArgumentParser

// The one list of subcommands. Add a line here when a command file is added.
extension HMPipe {
    static let allSubcommands: [ParsableCommand.Type] = [
        RunCommand.self,
        StatusCommand.self,
        DagCommand.self,
        VerifyCommand.self,
        GCCommand.self,
        ExecStageCommand.self,
        BenchPipelineCommand.self,
        BenchCommand.self,
        BenchGenerationCommand.self,
        BenchDataCommand.self,
        EmbedCommand.self,
        FetchCommand.self,
        ReportCommand.self,
        MetricsCommand.self,
        DataCommand.self,
        ParseCheckCommand.self,
        PowerCommand.self,
        TokenizeCommand.self,
    ]
}
