#!/usr/bin/env python3
"""Golden numbers for Tests/DataTests/Golden/metric_golden.json, from the reference implementations.

Dev time only: python3 -m venv /tmp/venv && /tmp/venv/bin/pip install rouge-score numpy scipy
    /tmp/venv/bin/python scripts/make_metric_golden.py
ROUGE from Google's rouge-score (its tokenizer + nltk's PorterStemmer, default NLTK_EXTENSIONS mode);
Porter stems in both nltk modes; Pearson/Spearman from scipy.stats; MCC by sklearn's confusion-matrix
formula in numpy (sklearn is not installed here; the formula is copied from sklearn.metrics.matthews_corrcoef).
"""
import json
import numpy as np
from scipy import stats
from rouge_score import rouge_scorer
from nltk.stem import porter

WORDS = ("caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled sized "
         "hopping tanned falling hissing fizzed failing filing happy sky relational conditional rational valenci "
         "hesitanci digitizer conformabli radicalli differentli vileli analogousli vietnamization predication "
         "operator feudalism decisiveness hopefulness callousness formaliti sensitiviti sensibiliti triplicate "
         "formative formalize electriciti electrical hopeful goodness revival allowance inference airliner "
         "gyroscopic adjustable defensible irritant replacement adjustment dependent adoption homologou communism "
         "activate angulariti homologous effective bowdlerize probate rate cease controll roll generously dying "
         "lying skies news innings proceed enjoy spied flies apology analogi fully yyyy syzygy running abilities").split()
PAIRS = [
    ("The cat sat on the mat.", "The cat was sitting on the mat!"),
    ("Police killed the gunman in a shootout on Tuesday.", "The gunman was shot dead by police on Tuesday."),
    ("A B C D E", "e d c b a"),
    ("", "nothing here"),
    ("running runners ran quickly", "the runner runs quick"),
    ("Café naïve 3.5% growth — U.S. economy", "cafe growth in the us economy 3 5"),
]
CORR = [
    ([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]),
    ([1, 2, 2, 3, 3, 3], [3, 1, 2, 2, 5, 4]),
    ([0.5, -1.25, 3.0, 3.0, 2.0, 0.0, 7.5], [1.0, 0.0, 2.0, 2.5, 2.5, -3.0, 4.0]),
]
MCC = [
    ([1, 1, 0, 0, 1, 0, 1], [1, 0, 0, 0, 1, 1, 1]),
    ([0, 1, 2, 2, 1, 0, 2], [0, 2, 2, 1, 1, 0, 2]),
]

def mcc(y_true, y_pred):
    classes = sorted(set(y_true) | set(y_pred))
    idx = {c: i for i, c in enumerate(classes)}
    C = np.zeros((len(classes), len(classes)))
    for t, p in zip(y_true, y_pred):
        C[idx[t], idx[p]] += 1
    t_sum, p_sum = C.sum(axis=1), C.sum(axis=0)
    n_correct, n = np.trace(C), C.sum()
    cov_ytyp = n_correct * n - np.dot(t_sum, p_sum)
    cov_ypyp = n ** 2 - np.dot(p_sum, p_sum)
    cov_ytyt = n ** 2 - np.dot(t_sum, t_sum)
    return 0.0 if cov_ypyp * cov_ytyt == 0 else float(cov_ytyp / np.sqrt(cov_ytyt * cov_ypyp))

nl = porter.PorterStemmer()
orig = porter.PorterStemmer(porter.PorterStemmer.ORIGINAL_ALGORITHM)
rouge = []
for stem in (False, True):
    sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=stem)
    for t, p in PAIRS:
        s = sc.score(t, p)
        rouge.append({"target": t, "prediction": p, "stem": stem, "rouge1": s["rouge1"].fmeasure,
                      "rouge2": s["rouge2"].fmeasure, "rougeL": s["rougeL"].fmeasure})
out = {
    "stems": {"words": WORDS, "nltk": [nl.stem(w) for w in WORDS], "original": [orig.stem(w) for w in WORDS]},
    "rouge": rouge,
    "correlation": [{"x": x, "y": y, "pearson": float(stats.pearsonr(x, y)[0]),
                     "spearman": float(stats.spearmanr(x, y)[0])} for x, y in CORR],
    "mcc": [{"labels": t, "predictions": p, "mcc": mcc(t, p)} for t, p in MCC],
}
with open("Tests/DataTests/Golden/metric_golden.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=0)
