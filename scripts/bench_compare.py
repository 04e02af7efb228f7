#!/usr/bin/env python3
"""`make bench-compare`: hmpipe's engine against a PyTorch eager model of the same architecture, side by side.

For each thread count and preset it alternates `hmpipe bench` and scripts/bench_torch.py (same variants, batch,
steps) for --rounds rounds, so both sides see the same machine noise, and prints the median tokens/s of each
side, hmpipe/PyTorch, HyperMoE/MoE and the 1 -> 2 thread scaling. Dev-time only: skips (exit 0) with a message
when `import torch` fails. Writes every raw JSON line to --raw for the record.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def parse():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hmpipe", default=".build/release/hmpipe")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--presets", default="reference,small")
    ap.add_argument("--variants", default="moe,hypermoe")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--raw", default=".bench-compare.jsonl")
    return ap.parse_args()


def lines(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def main():
    a = parse()
    if subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode != 0:
        print("bench-compare: skipped, `import torch` fails (pip install torch to compare against PyTorch)")
        return 0
    variants = a.variants.split(",")
    # tok[(side, preset, threads, variant, phase)] = [tokens/s per round]
    tok = {}
    raw = open(a.raw, "w")
    for threads in [int(t) for t in a.threads.split(",")]:
        for preset in a.presets.split(","):
            for rnd in range(a.rounds):
                hm = [a.hmpipe, "bench", "--threads", str(threads), "--preset", preset, "--variants", a.variants,
                      "--steps", str(a.steps)]
                pt = [sys.executable, os.path.join(HERE, "bench_torch.py"), "--threads", str(threads), "--preset",
                      preset, "--variants", a.variants, "--steps", str(a.steps)]
                # alternate which side goes first, so neither always runs on a warmer or quieter machine
                for side, cmd in ([("hmpipe", hm), ("torch", pt)] if rnd % 2 == 0 else [("torch", pt), ("hmpipe", hm)]):
                    for r in lines(cmd):
                        if "variant" not in r:
                            continue
                        r.update(side=side, round=rnd)
                        raw.write(json.dumps(r) + "\n")
                        for phase in ("train", "eval"):
                            tok.setdefault((side, preset, threads, r["variant"], phase), []).append(
                                r[f"{phase}TokensPerSecond"])
                    print(f"  {preset} threads={threads} round {rnd + 1}/{a.rounds}: {side} done", file=sys.stderr)
    raw.close()

    def med(*key):
        v = tok.get(key)
        return statistics.median(v) if v else float("nan")

    print(f"{'preset':10} {'thr':>3} {'variant':9} {'phase':5} {'hmpipe tok/s':>12} {'torch tok/s':>12} {'hm/torch':>8}")
    for (side, preset, threads, variant, phase) in sorted(k for k in tok if k[0] == "hmpipe"):
        h, t = med("hmpipe", preset, threads, variant, phase), med("torch", preset, threads, variant, phase)
        print(f"{preset:10} {threads:>3} {variant:9} {phase:5} {h:12.0f} {t:12.0f} {h / t:8.2f}")
    presets = a.presets.split(",")
    for side in ("hmpipe", "torch"):
        for preset in presets:
            for phase in ("train", "eval"):
                parts = []
                if "hypermoe" in variants and "moe" in variants:
                    for threads in [int(t) for t in a.threads.split(",")]:
                        r = med(side, preset, threads, "hypermoe", phase) / med(side, preset, threads, "moe", phase)
                        parts.append(f"hypermoe/moe@{threads}={r:.2f}")
                if a.threads == "1,2":
                    s = med(side, preset, 2, "moe", phase) / med(side, preset, 1, "moe", phase)
                    parts.append(f"moe 1->2 threads={s:.2f}x")
                print(f"{side:6} {preset:10} {phase:5} " + "  ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
