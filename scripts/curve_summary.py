#!/usr/bin/env python3
"""Where did each learning curve flatten? Dev-time helper for choosing default budgets (docs/experiments.md).

Reads `hmpipe metrics SPEC --format csv` on stdin, takes one stepped metric (default validation_loss), averages it
over seeds per (cell without its seed, stage, step) and prints, per curve, the mean at every recorded step and
the step where it flattened: the first step after which the curve improves by less than `--share` (default 10 %)
of its whole improvement (first point to best point). A curve still improving at its last step by more than
that share, and at its best there, is marked "still falling".

    hmpipe metrics experiments/table1.json --format csv | python3 scripts/curve_summary.py
"""
import argparse
import csv
import sys
from collections import defaultdict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--metric", default="validation_loss")
    ap.add_argument("--share", type=float, default=0.10)
    args = ap.parse_args()
    rows = list(csv.DictReader(sys.stdin))
    if not rows:
        sys.exit("no rows on stdin (pipe `hmpipe metrics SPEC --format csv` into this script)")
    fixed = {"spec", "profile", "cell", "seed", "stage_key", "status", "metric", "step", "value"}
    axes = [c for c in rows[0].keys() if c not in fixed]
    # curve → step → stage key → value: a stage shared by several cells (a backbone) counts once.
    curves: dict = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        if r["metric"] != args.metric or not r["step"]:
            continue
        key = tuple((a, r[a]) for a in axes if a != "stage" and r[a] != "") + (("stage", r["stage"]),)
        curves[key][int(r["step"])][r["stage_key"]] = float(r["value"])
    if not curves:
        sys.exit(f"no stepped metric {args.metric!r} in the input")
    for key in sorted(curves):
        points = sorted((s, sum(v.values()) / len(v), len(v)) for s, v in curves[key].items())
        values = [v for _, v, _ in points]
        best = min(values)
        total = values[0] - best
        flat = None
        for i, (step, value, _) in enumerate(points):
            if value - min(values[i:]) <= args.share * max(total, 1e-12):
                flat = step
                break
        last_drop = values[-2] - values[-1] if len(values) > 1 else 0.0
        # Still falling = the best point is the last and the last step alone gained more than the share (a
        # rebound after a bump, best earlier, is noise around a flat curve).
        still = len(values) > 1 and values[-1] <= best and last_drop > args.share * max(total, 1e-12)
        label = " ".join(f"{a}={v}" for a, v in key)
        series = ", ".join(f"{s}: {v:.3f}" for s, v, _ in points)
        seeds = max(n for _, _, n in points)
        verdict = "still falling at the last step" if still else f"flat from step {flat}"
        print(f"{label} (mean of {seeds} run(s)): {series} -> {verdict}")


if __name__ == "__main__":
    main()
