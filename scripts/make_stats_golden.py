#!/usr/bin/env python3
"""Golden numbers for Tests/PipelineTests/Golden/stats.json (the report's statistics, Sources/Pipeline/Report/Stats.swift).

Dev time only (scipy): python3 scripts/make_stats_golden.py
- t.cdf / t.ppf at several df;
- ttest_rel on paired samples (the committed Table 1/2/3 per-seed values among them) with its 95 % t-interval;
- Holm's adjusted p-values (statsmodels' multipletests formula, written out: max-accumulated (m - rank) * p, capped at 1);
- the exact power of the two-sided paired t-test (noncentral t) and the minimum detectable effect at 80 % power,
  solved with brentq; and the fewest pairs reaching 80 % power;
- hmpipe power's two-level plan (Report/PowerPlan.swift TwoLevel): with k(n) = MDE(n, sd 1)·sqrt(n), the MDE
  k(n)·sqrt(sd²/n + V), the test-example factor f = V / (effect²/k² − sd²/n) and the fewest seeds with MDE ≤ effect.
"""
import json
import numpy as np
from scipy import stats, optimize

out = {"t": [], "paired": [], "holm": [], "power": [], "mde": [], "pairs_needed": [], "two_level": []}

for df in [1, 2, 3, 5, 10, 30, 200]:
    for t in [-3.5, -1.2, 0.0, 0.4, 2.1, 7.0]:
        out["t"].append({"df": df, "t": t, "cdf": float(stats.t.cdf(t, df))})
    for p in [0.6, 0.9, 0.975, 0.995]:
        out["t"].append({"df": df, "p": p, "ppf": float(stats.t.ppf(p, df))})

PAIRS = [
    # Table 2 QA EM, HyperMoE vs MoE-Share (seeds 0, 1, 2), committed default results.
    ([16.5, 20.5, 14.0], [21.0, 23.0, 23.5]),
    # Table 2 CNN/DM stand-in ROUGE-2, HyperMoE vs MoE-Share.
    ([3.3476, 3.6519, 3.6611], [2.8636, 3.0497, 3.0344]),
    ([1.0, 2.0, 4.0, 3.5, 2.2], [0.5, 2.5, 3.0, 2.0, 2.1]),
    ([10.0, 12.0], [9.0, 10.5]),
    (list(np.linspace(0, 1, 12) ** 2), list(np.linspace(0.1, 0.9, 12))),
]
for a, b in PAIRS:
    a, b = np.array(a), np.array(b)
    d = a - b
    r = stats.ttest_rel(a, b)
    n = len(d)
    se = d.std(ddof=1) / np.sqrt(n)
    half = stats.t.ppf(0.975, n - 1) * se
    entry = {"a": a.tolist(), "b": b.tolist(), "mean": float(d.mean()), "sd": float(d.std(ddof=1)),
             "p": float(r.pvalue), "ci_low": float(d.mean() - half), "ci_high": float(d.mean() + half)}
    # Non-inferiority form: H0 mean = -margin, two-sided.
    margin = 0.5
    entry["margin"] = margin
    entry["p_margin"] = float(stats.ttest_1samp(d, -margin).pvalue)
    out["paired"].append(entry)

for ps in [[0.01, 0.04, 0.03, 0.2], [0.027, 0.12, 0.5, 0.9, 0.3, 0.04, 0.6], [0.5], [0.001, 0.001, 0.7]]:
    p = np.array(ps)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    out["holm"].append({"p": ps, "adjusted": adj.tolist()})


def power(d, n, alpha=0.05):
    df = n - 1
    crit = stats.t.ppf(1 - alpha / 2, df)
    nc = d * np.sqrt(n)
    lower = stats.nct.cdf(-crit, df, nc)   # the wrong-side rejection; scipy returns NaN where it underflows
    return float(stats.nct.sf(crit, df, nc) + (0.0 if np.isnan(lower) else lower))


for n in [2, 3, 5, 10, 40]:
    for d in [0.3, 1.0, 2.5]:
        out["power"].append({"n": n, "effect": d, "power": power(d, n)})
    for sd in [0.54, 2.0]:
        eff = optimize.brentq(lambda x: power(x, n) - 0.8, 1e-6, 40, xtol=1e-12)
        out["mde"].append({"n": n, "sd": sd, "mde": float(eff * sd)})

for effect, sd in [(0.24, 0.54), (0.5, 3.9), (2.0, 1.0), (0.32, 0.2)]:
    n = 2
    while power(effect / sd, n) < 0.8:
        n += 1
    out["pairs_needed"].append({"effect": effect, "sd": sd, "n": n})

def k(n):
    return optimize.brentq(lambda x: power(x, n) - 0.8, 1e-6, 40, xtol=1e-12) * np.sqrt(n)


for sd, n, v, effect in [(0.5, 10, 0.04, 1.0), (0.3, 5, 0.05, 1.2), (0.5, 10, 0.2, 1.0), (2.0, 3, 0.5, 5.0), (0.7, 3, 0.09, 0.5)]:
    kn = k(n)
    room = effect ** 2 / kn ** 2 - sd ** 2 / n
    seeds = 2
    while k(seeds) * np.sqrt(sd ** 2 / seeds + v) > effect:
        seeds += 1
        if seeds > 10000:
            seeds = None
            break
    out["two_level"].append({"sd": sd, "n": n, "v": v, "effect": effect, "mde": float(kn * np.sqrt(sd ** 2 / n + v)),
                             "factor": float(v / room) if room > 0 else None, "seeds": seeds})

with open("Tests/PipelineTests/Golden/stats.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote Tests/PipelineTests/Golden/stats.json:", {k: len(v) for k, v in out.items()})
