/// Lead-sentence summarization pairs (XSum / CNN-DM stand-in, *derived*): the first `leadSentences`
/// sentences of a real article are the summary and the *rest* of the article is the document — XSum's own
/// recipe (its summaries are the articles' introductory sentences, removed from the body). Articles with
/// fewer than `minBodySentences` remaining sentences are skipped.
public enum LeadSummaries {
    public static func make(documents: [(id: String, text: String)], leadSentences: Int = 1,
                            minBodySentences: Int = 3) -> [Example] {
        documents.compactMap { doc in
            let s = SentenceSplitter.split(doc.text)
            guard s.count >= leadSentences + minBodySentences else { return nil }
            return Example(id: doc.id, group: doc.id, sources: [SourceDocument(id: doc.id, text: doc.text)], text: s[leadSentences...].joined(separator: " "),
                           label: .target(s[..<leadSentences].joined(separator: " ")))
        }
    }
}
