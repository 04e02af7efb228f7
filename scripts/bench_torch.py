#!/usr/bin/env python3
"""PyTorch eager model of hmpipe's own encoder, for `make bench-compare` (dev-time only; never run by hmpipe).

Same architecture and training step as `hmpipe bench` (Sources/Model, EngineBenchmark.swift):
  embeddings: word + position + token type (type 0), LayerNorm (eps 1e-12)          (BERT, post-LN)
  block:      r1 = x + drop(Attn(x)); n1 = LN(r1); y = LN(n1 + drop(FFN(n1)))       (dropout 0.1, none on probs)
  attention:  fused QKV with bias, scaled dot-product (SDPA), output projection with bias
  FFN:        Linear(h, f) -> exact (erf) GELU -> Linear(f, h)
  MoE block (every other block, 1, 3, ...): Switch top-1 router without bias over x * u, u ~ U[0.99, 1.01]
              (training only), gate = softmax prob of the chosen expert, dropless; aux losses averaged over
              MoE layers: 0.01 * N * sum f_i P_i and 0.001 * mean lse^2
  HyperMoE:   per MoE layer expert embeddings S (N x 64) and selection MLP 64 -> 64 -> 64 (ReLU) over the mean
              of the UNSELECTED experts' embeddings; shared hypernetwork: [p ; layer embedding (8)] -> 64 (ReLU)
              -> D (h x 16), U (16 x h), beta (16), gamma (h); HyperExpert ReLU(x D + beta) U + gamma, added
              ungated. Generated once per selection pattern (= per expert for top-1), as hmpipe's grouped path.
  head:       mean over tokens -> Linear(h, 2) -> cross-entropy
  optimiser:  AdamW (weight decay 0), global-norm clipping at 1.0

Prints one JSON line per variant: median train / eval step time and tokens/s (warm-up step excluded).
Usage: bench_torch.py --threads 2 --preset reference --variants moe,hypermoe --steps 4
"""
import argparse
import json
import os
import statistics
import sys
import time

PRESETS = {  # name: (vocab, h, heads, layers, f, seq)
    "reference": (8192, 256, 4, 4, 1024, 128),
    "small": (8192, 128, 2, 2, 512, 64),
    "minilm": (30522, 384, 12, 6, 1536, 128),
}


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="reference")
    ap.add_argument("--variants", default="moe,hypermoe")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=4)
    return ap.parse_args(argv)


ARGS = parse()
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["MKL_NUM_THREADS"] = str(ARGS.threads)
import torch  # noqa: E402  (thread settings must precede the import)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(ARGS.threads)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass

EXPERTS, EVERY, JITTER, BALANCE, ZLOSS, DROPOUT = 8, 2, 0.01, 0.01, 0.001, 0.1
T_EMB, D_PROC, T_IN, D_LAYER, R_HID, B_ADAPT = 64, 64, 64, 8, 64, 16


class FFN(nn.Module):
    def __init__(self, h, f):
        super().__init__()
        self.w1, self.w2 = nn.Linear(h, f), nn.Linear(f, h)

    def forward(self, x):
        return self.w2(F.gelu(self.w1(x)))


class HyperNet(nn.Module):
    def __init__(self, layers, h):
        super().__init__()
        self.h = h
        self.layer = nn.Parameter(torch.randn(layers, D_LAYER))
        self.proj = nn.Linear(T_IN + D_LAYER, R_HID)
        self.down, self.up = nn.Linear(R_HID, h * B_ADAPT), nn.Linear(R_HID, B_ADAPT * h)
        self.down_bias, self.up_bias = nn.Linear(R_HID, B_ADAPT), nn.Linear(R_HID, h)
        for lin in (self.down, self.up, self.down_bias, self.up_bias):
            nn.init.uniform_(lin.weight, -1e-3, 1e-3)
            nn.init.zeros_(lin.bias)

    def forward(self, p, block):
        n = p.shape[0]
        k = F.relu(self.proj(torch.cat([p, self.layer[block].expand(n, -1)], dim=-1)))
        return (self.down(k).view(n, self.h, B_ADAPT), self.up(k).view(n, B_ADAPT, self.h),
                self.down_bias(k), self.up_bias(k))


class MoE(nn.Module):
    def __init__(self, h, f, block, hypernet):
        super().__init__()
        self.block = block
        self.router = nn.Linear(h, EXPERTS, bias=False)
        self.experts = nn.ModuleList([FFN(h, f) for _ in range(EXPERTS)])
        self.hypernet = [hypernet] if hypernet is not None else None  # shared: not this module's parameter
        if hypernet is not None:
            self.S = nn.Parameter(torch.randn(EXPERTS, T_EMB))
            self.select = nn.Sequential(nn.Linear(T_EMB, D_PROC), nn.ReLU(), nn.Linear(D_PROC, T_IN))

    def forward(self, x):  # x: (T, h) -> (y, balance, z)
        T = x.shape[0]
        xr = x * torch.empty_like(x).uniform_(1 - JITTER, 1 + JITTER) if self.training else x
        logits = self.router(xr)
        lse = torch.logsumexp(logits, dim=-1)
        probs = torch.softmax(logits, dim=-1)
        gate, idx = probs.max(dim=-1)
        counts = torch.bincount(idx, minlength=EXPERTS)
        balance = EXPERTS * torch.sum(counts.to(x.dtype) / T * probs.mean(0))
        zloss = (lse * lse).mean()
        order = torch.argsort(idx)
        sizes = counts.tolist()
        xs = x.index_select(0, order).split(sizes)
        gs = gate.index_select(0, order).unsqueeze(-1).split(sizes)
        if self.hypernet is not None:
            unselected = (self.S.sum(0, keepdim=True) - self.S) / (EXPERTS - 1)
            D, U, bd, bu = (t.unbind(0) for t in self.hypernet[0](self.select(unselected), self.block))
        outs = []
        for e, n in enumerate(sizes):
            if n == 0:
                continue
            y = self.experts[e](xs[e]) * gs[e]
            if self.hypernet is not None:
                y = y + torch.addmm(bu[e], F.relu(torch.addmm(bd[e], xs[e], D[e])), U[e])
            outs.append(y)
        ys = torch.cat(outs, dim=0)
        return torch.empty_like(ys).index_copy(0, order, ys), balance, zloss


class Block(nn.Module):
    def __init__(self, h, heads, f, block, moe, hypernet):
        super().__init__()
        self.heads = heads
        self.qkv, self.out = nn.Linear(h, 3 * h), nn.Linear(h, h)
        self.norm1, self.norm2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        self.ffn = MoE(h, f, block, hypernet) if moe else FFN(h, f)
        self.moe = moe

    def forward(self, x):
        B, L, h = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        a = self.out(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(B, L, h))
        n1 = self.norm1(x + F.dropout(a, DROPOUT, self.training))
        flat = n1.reshape(B * L, h)
        if self.moe:
            f, balance, z = self.ffn(flat)
        else:
            f, balance, z = self.ffn(flat), None, None
        y = self.norm2(n1 + F.dropout(f.view(B, L, h), DROPOUT, self.training))
        return y, balance, z


class Encoder(nn.Module):
    def __init__(self, preset, variant):
        super().__init__()
        vocab, h, heads, layers, f, seq = PRESETS[preset]
        self.word, self.pos, self.token_type = nn.Embedding(vocab, h), nn.Embedding(seq, h), nn.Embedding(2, h)
        self.norm = nn.LayerNorm(h, eps=1e-12)
        hypernet = HyperNet(layers, h) if variant == "hypermoe" else None
        self.hypernet = hypernet
        moe = [variant != "dense" and b % EVERY == EVERY - 1 for b in range(layers)]
        self.blocks = nn.ModuleList([Block(h, heads, f, b, moe[b], hypernet) for b in range(layers)])
        self.head = nn.Linear(h, 2)
        self.n_moe = sum(moe)

    def forward(self, ids):
        L = ids.shape[1]
        x = self.word(ids) + self.pos.weight[:L] + self.token_type.weight[0]
        x = self.norm(x)
        balance = z = x.new_zeros(())
        for blk in self.blocks:
            x, b, zl = blk(x)
            if b is not None:
                balance, z = balance + b, z + zl
        scale = 1 / max(self.n_moe, 1)
        return self.head(x.mean(1)), BALANCE * scale * balance + ZLOSS * scale * z


def median_seconds(steps, fn):
    """Median wall and process-CPU seconds per step after one warm-up step."""
    fn()
    wall, cpu = [], []
    for _ in range(max(1, steps)):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main():
    a = ARGS
    vocab, h, heads, layers, f, seq = PRESETS[a.preset]
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(0, vocab, (a.batch, seq), generator=g)
    labels = torch.arange(a.batch) % 2
    tokens = a.batch * seq
    for variant in a.variants.split(","):
        torch.manual_seed(1)
        model = Encoder(a.preset, variant)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0)

        def train_step():
            opt.zero_grad(set_to_none=True)
            logits, aux = model(ids)
            (F.cross_entropy(logits, labels) + aux).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

        def eval_step():
            with torch.no_grad():
                model(ids)

        model.train()
        train_s, train_cpu = median_seconds(a.steps, train_step)
        model.eval()
        eval_s, eval_cpu = median_seconds(a.steps, eval_step)
        print(json.dumps(dict(side="torch", variant=variant, preset=a.preset, threads=torch.get_num_threads(),
                              trainTokensPerSecond=tokens / train_s, evalTokensPerSecond=tokens / eval_s,
                              trainCPUSeconds=train_cpu, evalCPUSeconds=eval_cpu,
                              parameters=sum(p.numel() for p in model.parameters()), torch=torch.__version__)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
