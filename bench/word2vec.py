"""word2vec training against gensim ``Word2Vec``, same corpus and settings, in the same run.

    python -m bench.word2vec [--words N] [--epochs E] [--seeds 1,2,3] [--quick]
        [--only sg-ns,cbow-ns,sg-hs,sg-ns-pp,cbow-ns-pp] [--kernel auto|batched] [--json]

For each of skip-gram + negative sampling, CBOW + negative sampling and skip-gram +
hierarchical softmax (and the two negative-sampling ones with ``negatives="per-pair"``, the
course's K fresh negatives per pair, which is what gensim does): training wall time of both
(vocabulary building excluded for both), raw words/s (corpus words × epochs / seconds) and their
ratio, the same ratio per CPU-second (process CPU time: steadier than wall time on a shared
machine), then quality side by side: Google analogy accuracy at ``restrict_vocab=30,000`` and
WordSim-353 Spearman, both computed by the project's evaluator on both models' vectors. gensim
runs with ``workers = cores``. Each seed trains gensim then ours right after it (interleaved, so
a change of load hits both); the summary gives mean ± spread (half the range) over the seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

CONFIGS = {
    "sg-ns": dict(model="skipgram", loss="negative"),
    "cbow-ns": dict(model="cbow", loss="negative"),
    "sg-hs": dict(model="skipgram", loss="hierarchical"),
    "sg-ns-pp": dict(model="skipgram", loss="negative", negatives="per-pair"),
    "cbow-ns-pp": dict(model="cbow", loss="negative", negatives="per-pair"),
}


def _eval_file(name: str) -> Path:
    from engine.assets import asset_path

    for candidate in (asset_path("eval", name), Path("/work/shared/data/word_similarity") / name):
        if candidate.is_file():
            return candidate
    if name == "questions-words.txt":
        import gensim.test.utils as gtu

        return Path(gtu.datapath("questions-words.txt"))
    import gensim.test.utils as gtu

    return Path(gtu.datapath("wordsim353.tsv"))


def load_sentences(words: int | None) -> list[list[str]]:
    from engine.embeddings.corpus import default_corpus_paths, iter_sentences

    out, n = [], 0
    for s in iter_sentences(default_corpus_paths()):
        out.append(s)
        n += len(s)
        if words is not None and n >= words:
            break
    return out


def quality(wv) -> dict:
    from engine.embeddings.evaluate import evaluate_analogies, evaluate_word_pairs

    a = evaluate_analogies(wv, str(_eval_file("questions-words.txt")), restrict_vocab=30_000)
    p = evaluate_word_pairs(wv, str(_eval_file("wordsim353.tsv")))
    return {"analogy": a.total, "analogy_evaluated": a.evaluated, "ws353": p.spearman}


def run_gensim(sentences, kind: dict, args, cores: int, seed: int = 1) -> tuple[float, object]:
    from gensim.models import Word2Vec

    from engine.embeddings.vectors import WordVectors

    sg = 1 if kind["model"] == "skipgram" else 0
    hs = 1 if kind["loss"] == "hierarchical" else 0
    model = Word2Vec(vector_size=args.dim, window=args.window, min_count=args.min_count, sample=args.sample,
                     sg=sg, hs=hs, negative=0 if hs else args.negative, workers=cores, epochs=args.epochs, seed=seed)
    model.build_vocab(sentences)
    t, c = time.perf_counter(), time.process_time()
    model.train(sentences, total_examples=model.corpus_count, epochs=args.epochs)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    wv = WordVectors(model.wv.index_to_key, model.wv.vectors, name="gensim")
    return seconds, cpu, wv


def run_ours(sentences, kind: dict, args, cores: int, seed: int = 1) -> tuple[float, object]:
    from engine.embeddings import events as te
    from engine.embeddings.word2vec import Word2VecConfig, train_word2vec

    cfg = Word2VecConfig(dim=args.dim, window=args.window, min_count=args.min_count, sample=args.sample,
                         negative=args.negative, epochs=args.epochs, seed=seed, device=args.device, workers=cores,
                         progress_interval_s=1.0, kernel=args.kernel, **kind)
    t = c = None
    for event in train_word2vec(cfg, sentences=sentences):
        if isinstance(event, te.EmbeddingsStarted):
            t, c = time.perf_counter(), time.process_time()
        elif isinstance(event, te.EmbeddingsFinished):
            return time.perf_counter() - t, time.process_time() - c, event.vectors
    raise RuntimeError("training ended without a Finished event")


def _spread(values: list[float]) -> tuple[float, float]:
    return sum(values) / len(values), (max(values) - min(values)) / 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.word2vec", description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=None, help="use the first N words of the bundled corpus (default: all)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (each trains both)")
    parser.add_argument("--quick", action="store_true", help="500k words, 1 epoch, one seed (about a minute)")
    parser.add_argument("--only", default="sg-ns,cbow-ns,sg-hs,sg-ns-pp,cbow-ns-pp",
                        help="comma-separated subset of " + ",".join(CONFIGS))
    parser.add_argument("--kernel", default="auto", help="ours: auto (compiled loops on the CPU) or batched")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.words, args.epochs, args.seeds = args.words or 500_000, 1, "1"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    sentences = load_sentences(args.words)
    n_words = sum(map(len, sentences))
    seeds = [int(x) for x in args.seeds.split(",")]
    print(f"corpus: {n_words:,} words, {len(sentences):,} sentences; epochs={args.epochs}; cores={cores}; "
          f"seeds {seeds}; kernel {args.kernel}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    rows = []
    for name in args.only.split(","):
        kind = CONFIGS[name]
        gensim_kind = {k: v for k, v in kind.items() if k != "negatives"}
        for seed in seeds:
            load = os.getloadavg()[0]
            g_s, g_cpu, g_wv = run_gensim(sentences, gensim_kind, args, cores, seed)
            o_s, o_cpu, o_wv = run_ours(sentences, kind, args, cores, seed)
            g_q, o_q = quality(g_wv), quality(o_wv)
            g_rate, o_rate = n_words * args.epochs / g_s, n_words * args.epochs / o_s
            row = {"config": name, "seed": seed, "load": load, "gensim_s": g_s, "ours_s": o_s,
                   "gensim_words_per_s": g_rate, "ours_words_per_s": o_rate, "speed_ratio": o_rate / g_rate,
                   "gensim_cpu_s": g_cpu, "ours_cpu_s": o_cpu, "cpu_ratio": g_cpu / o_cpu, "gensim": g_q, "ours": o_q}
            rows.append(row)
            print(f"{name:10s} seed {seed} load {load:4.1f} | words/s gensim {g_rate:10,.0f} ours {o_rate:10,.0f} "
                  f"ratio {o_rate / g_rate:5.2f}x (per CPU-second {g_cpu / o_cpu:4.2f}x) | "
                  f"analogy@30k gensim {g_q['analogy']:.4f} ours {o_q['analogy']:.4f} (n={o_q['analogy_evaluated']}) | "
                  f"ws353 gensim {g_q['ws353']:.3f} ours {o_q['ws353']:.3f}", flush=True)
    print("\n| config | speed ratio | per CPU-second | analogy gensim | analogy ours | WS-353 gensim | WS-353 ours |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.only.split(","):
        mine = [r for r in rows if r["config"] == name]
        cells = [_spread([r["speed_ratio"] for r in mine]), _spread([r["cpu_ratio"] for r in mine])]
        quality_cells = [_spread([100 * r[side]["analogy"] for r in mine]) for side in ("gensim", "ours")]
        quality_cells += [_spread([r[side]["ws353"] for r in mine]) for side in ("gensim", "ours")]
        print(f"| {name} | " + " | ".join(f"{m:.2f}× ± {sp:.2f}" for m, sp in cells) + " | "
              + " | ".join(f"{m:.2f} % ± {sp:.2f}" for m, sp in quality_cells[:2]) + " | "
              + " | ".join(f"{m:.3f} ± {sp:.3f}" for m, sp in quality_cells[2:]) + " |", flush=True)
    if args.json:
        print(json.dumps({"words": n_words, "epochs": args.epochs, "cores": cores, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
