"""GloVe training against a plain per-entry numpy reference of the Stanford tool's loop, same counts, same settings.

    python -m bench.glove [--words N] [--max-vocab V] [--window W] [--dim D] [--epochs E] [--seeds 1,2,3] [--quick]

The Stanford GloVe C tool cannot be installed here, so the reference is its training loop
(``glove.c``) written out plainly in numpy: for each co-occurrence entry in a shuffled order,
one AdaGrad step on θ_i, e_j, b_i, b'_j exactly as glove.c takes it (gradient clipped at ±100
and times η for the vectors, no η on the biases, accumulators starting at 1, parameters at
uniform(−0.5/D, 0.5/D), x_max 100, α ¾, final vectors θ + e). Both train on the very same
co-occurrence counts (counted once by ``engine.embeddings.glove_cooccur``) with the same settings;
the vocabulary is restricted (``--max-vocab``) so that the Python loop runs in minutes.

Printed per seed and as mean ± spread (half the range): Google analogy accuracy (3CosAdd,
restrict_vocab 30,000: only questions inside the restricted vocabulary count) and WordSim-353
Spearman, both by the project's evaluator; the targets are |Δ analogy| ≤ 1 point and
|Δ WS-353| ≤ 0.02. Also the training time of both (the reference is pure Python per entry, so
its speed is no yardstick; ours is reported for the record).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np


def reference_glove(i_all, j_all, x_all, v: int, d: int, epochs: int, seed: int, eta: float = 0.05,
                    x_max: float = 100.0, alpha: float = 0.75, clip: float = 100.0) -> np.ndarray:
    """glove.c's loop, one entry at a time (float64 like glove.c's ``real``); returns θ + e."""
    rng = np.random.default_rng(seed)
    theta = (rng.random((v, d)) - 0.5) / d
    ctx = (rng.random((v, d)) - 0.5) / d
    b = (rng.random(v) - 0.5) / d
    bc = (rng.random(v) - 0.5) / d
    g_theta, g_ctx = np.ones((v, d)), np.ones((v, d))
    g_b, g_bc = np.ones(v), np.ones(v)
    logx = np.log(x_all.astype(np.float64))
    weight = np.where(x_all < x_max, (x_all / x_max) ** alpha, 1.0)
    for _ in range(epochs):
        for k in rng.permutation(len(i_all)).tolist():
            i, j = int(i_all[k]), int(j_all[k])
            w, c = theta[i], ctx[j]
            diff = float(w @ c) + b[i] + bc[j] - logx[k]
            fdiff = weight[k] * diff
            t1 = np.clip(fdiff * c, -clip, clip) * eta
            t2 = np.clip(fdiff * w, -clip, clip) * eta
            theta[i] = w - t1 / np.sqrt(g_theta[i])
            ctx[j] = c - t2 / np.sqrt(g_ctx[j])
            g_theta[i] += t1 * t1
            g_ctx[j] += t2 * t2
            b[i] -= fdiff / math.sqrt(g_b[i])
            bc[j] -= fdiff / math.sqrt(g_bc[j])
            g_b[i] += fdiff * fdiff
            g_bc[j] += fdiff * fdiff
    return (theta + ctx).astype(np.float32)


def ours(cooc, vocab, cfg, seed: int) -> tuple[np.ndarray, float]:
    import dataclasses
    import threading

    import torch

    from engine.device import select_device
    from engine.embeddings import events as te
    from engine.embeddings.glove_train import _fit
    from engine.embeddings.vectors import WordVectors

    cfg = dataclasses.replace(cfg, seed=seed)
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as train_glove does on the CPU
    t = time.perf_counter()
    for event in _fit(cfg, threading.Event(), select_device(cfg.device), cooc, vocab, 0, t, WordVectors):
        if isinstance(event, te.EmbeddingsFinished):
            torch.set_num_threads(torch_threads)
            return event.vectors.vectors, time.perf_counter() - t
    raise RuntimeError("no Finished event")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.glove", description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=None, help="first N words of the bundled corpus (default all)")
    parser.add_argument("--max-vocab", type=int, default=3000)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--dim", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="300k words, 1,000 words, 3 epochs, one seed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.words, args.max_vocab, args.epochs, args.seeds = args.words or 300_000, 1000, 3, "1"

    from bench.word2vec import load_sentences, quality
    from engine.embeddings.chunks import ChunkedCorpus
    from engine.embeddings.glove_cooccur import count_cooccurrences
    from engine.embeddings.glove_train import GloveConfig
    from engine.embeddings.vectors import WordVectors

    sentences = load_sentences(args.words)
    cfg = GloveConfig(dim=args.dim, window=args.window, epochs=args.epochs, max_vocab=args.max_vocab,
                      device=args.device, progress_interval_s=5.0)
    corpus = ChunkedCorpus.prepare(sentences, cfg.min_count, cfg.max_vocab, 200_000, 0)
    t = time.perf_counter()
    counting = count_cooccurrences(corpus, cfg.window, cfg.memory_mb)
    try:
        while True:
            next(counting)
    except StopIteration as done:
        cooc = done.value
    count_s = time.perf_counter() - t
    rec = cooc.memory
    print(f"corpus {corpus.totals.raw_words:,} words, vocabulary {len(corpus.vocab):,}, window {cfg.window}, "
          f"{cooc.entries:,} co-occurrence entries (counted in {count_s:.1f} s); D={cfg.dim}, epochs={cfg.epochs}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        o_vec, o_s = ours(cooc, corpus.vocab, cfg, seed)
        t = time.perf_counter()
        r_vec = reference_glove(rec["i"], rec["j"], rec["x"], len(corpus.vocab), cfg.dim, cfg.epochs, seed)
        r_s = time.perf_counter() - t
        o_q = quality(WordVectors(corpus.vocab.words, o_vec, name="ours"))
        r_q = quality(WordVectors(corpus.vocab.words, r_vec, name="reference"))
        rows.append({"seed": seed, "ours_s": o_s, "reference_s": r_s, "ours": o_q, "reference": r_q})
        print(f"seed {seed}: analogy ours {o_q['analogy']:.4f} reference {r_q['analogy']:.4f} "
              f"(n={o_q['analogy_evaluated']}) | ws353 ours {o_q['ws353']:.3f} reference {r_q['ws353']:.3f} | "
              f"time ours {o_s:.1f} s, reference {r_s:.1f} s", flush=True)

    def stat(side: str, key: str) -> tuple[float, float]:
        values = [r[side][key] for r in rows]
        return float(np.mean(values)), (max(values) - min(values)) / 2

    summary = {}
    for key, scale, unit in (("analogy", 100, " points"), ("ws353", 1, "")):
        (om, osp), (rm, rsp) = stat("ours", key), stat("reference", key)
        summary[key] = {"ours": om, "reference": rm, "delta": om - rm}
        print(f"{key}: ours {om * scale:.3f} ± {osp * scale:.3f}, reference {rm * scale:.3f} ± {rsp * scale:.3f}, "
              f"difference {(om - rm) * scale:+.3f}{unit}")
    if args.json:
        print(json.dumps({"entries": cooc.entries, "rows": rows, "summary": summary}))
    cooc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
