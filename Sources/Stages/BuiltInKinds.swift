@_exported import StageInterface
import CommandStage

/// The kinds shipped with hmpipe: the generic `command` kind (module CommandStage) and the ML kinds over the
/// engine. The CLI passes this registry to the runner, which itself depends only on the stage interface
/// (`StageInterface`).
extension StageRegistry {
    public static var builtIn: StageRegistry {
        StageRegistry([
            CommandKind(),
            FetchKind(),
            PrepareKind(),
            TrainKind(),
            PretrainMLMKind(),
            EvaluateKind(),
            TrainSeq2SeqKind(),
            EvaluateSeq2SeqKind(),
            VocabKind(),
        ])
    }
}
