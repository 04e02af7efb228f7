import Foundation

/// The fields of a Hugging Face BERT `config.json` the encoder needs; everything else in the file
/// (dropout rates, initializer range, transformers version, …) is ignored.
public struct BertConfig: Sendable, Equatable {
    /// HF `hidden_act` names: "gelu" is the exact erf form (what MiniLM uses); "gelu_new" and
    /// "gelu_pytorch_tanh" are the tanh approximation.
    public enum Activation: String, Sendable, Equatable {
        case geluErf, geluTanh, relu
    }

    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Double
    public var hiddenAct: Activation

    public var headDim: Int { hiddenSize / numAttentionHeads }

    public init(hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int,
                vocabSize: Int, maxPositionEmbeddings: Int, typeVocabSize: Int, layerNormEps: Double = 1e-12,
                hiddenAct: Activation = .geluErf) {
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.hiddenAct = hiddenAct
    }

    public static func load(contentsOf url: URL) throws -> BertConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw BertLoadError(file: url.path, kind: .cannotRead(reason: error.localizedDescription))
        }
        return try BertConfig(parsing: data, source: url.path)
    }

    public init(parsing data: Data, source: String = "config.json") throws {
        func invalid(_ reason: String) -> BertLoadError { BertLoadError(file: source, kind: .invalidConfig(reason: reason)) }
        let raw: Raw
        do { raw = try JSONDecoder().decode(Raw.self, from: data) } catch let DecodingError.keyNotFound(key, _) {
            throw invalid("missing '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw invalid("wrong type for '\(context.codingPath.map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw invalid("not JSON (\(error))")
        }
        let activation: Activation
        switch raw.hidden_act {
        case "gelu": activation = .geluErf
        case "gelu_new", "gelu_pytorch_tanh": activation = .geluTanh
        case "relu": activation = .relu
        default: throw invalid("unsupported hidden_act '\(raw.hidden_act)'")
        }
        // Relative/rotary position variants have extra tensors and different maths: refuse them up front.
        if let kind = raw.position_embedding_type, kind != "absolute" {
            throw invalid("unsupported position_embedding_type '\(kind)' (only absolute)")
        }
        self.init(hiddenSize: raw.hidden_size, numHiddenLayers: raw.num_hidden_layers,
                  numAttentionHeads: raw.num_attention_heads, intermediateSize: raw.intermediate_size,
                  vocabSize: raw.vocab_size, maxPositionEmbeddings: raw.max_position_embeddings,
                  typeVocabSize: raw.type_vocab_size, layerNormEps: raw.layer_norm_eps ?? 1e-12, hiddenAct: activation)
        let sizes = [("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                     ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                     ("vocab_size", vocabSize), ("max_position_embeddings", maxPositionEmbeddings),
                     ("type_vocab_size", typeVocabSize)]
        for (key, value) in sizes where value <= 0 { throw invalid("'\(key)' must be positive, got \(value)") }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw invalid("hidden_size \(hiddenSize) is not divisible by num_attention_heads \(numAttentionHeads)")
        }
        guard layerNormEps > 0 else { throw invalid("layer_norm_eps must be positive, got \(layerNormEps)") }
    }

    /// The JSON keys exactly as HF writes them; `layer_norm_eps` defaults to BERT's 1e-12 when absent.
    private struct Raw: Decodable {
        let hidden_size, num_hidden_layers, num_attention_heads, intermediate_size: Int
        let vocab_size, max_position_embeddings, type_vocab_size: Int
        let layer_norm_eps: Double?
        let hidden_act: String
        let position_embedding_type: String?
    }
}
