"""Peak memory (and time) of loading GloVe 6B 50d and answering a query: seq-explorer against gensim;
and of training word2vec on a corpus file far bigger than the bundled one (streamed).

    python -m bench.embeddings_memory [--quick] [--corpus-mb 1024] [--train-words 20000000] [--only glove|word2vec]

Every scenario runs in a fresh Python process, which reports from ``/proc/self/status`` its peak
resident set (VmHWM) and its resident set split into private memory (RssAnon) and pages of
mapped files (RssFile: the memory-mapped matrix, shared with the page cache), plus the peak of
Python/numpy allocations seen by ``tracemalloc`` (from a second, traced run of the scenario:
tracing slows allocations and holds memory of its own, so RSS and times come from the plain run).

- ``baseline`` / ``gensim imports``: the imports only (numpy, pyarrow, the engine module; and gensim);
- ``ours load``: ``load_glove()`` (matrix memory-mapped, words read from parquet);
- ``ours query``: then the first query (``man : woman :: king : ?``, which computes and caches
  the row norms) and ``neighbours("frog")``;
- ``gensim load`` / ``gensim query``: the same matrix read into a gensim ``KeyedVectors``
  (``np.load`` + ``add_vectors``, as a user of gensim would hold GloVe) and the same queries.

The ratios printed are gensim / ours (above 1: ours uses less). ``--quick`` runs the same
scenarios (each takes seconds); the flag exists so that ``python -m bench`` can run everything.

**word2vec on a big corpus** (``--corpus-mb``, default 1 GiB; 64 MiB with ``--quick``): the bundled
corpus's text written out again and again into one plain file, then, each in a fresh process:

- ``word2vec streamed``: ``train_word2vec`` on the file as the CLI runs it (counting pass, then the
  first epoch re-reading it chunk by chunk), stopped after ``--train-words`` trained words; peak RSS
  and the time of the counting pass;
- ``word2vec held``: the previous design, :func:`scan_corpus` encoding the whole file into memory
  (counting and encoding only, no training), for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

STATUS = r"""
def status():  # this process's peak and current resident memory (MiB), from /proc/self/status
    fields = {}
    with open("/proc/self/status") as fin:
        for line in fin:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) / 1024
    return fields
"""

CHILD = STATUS + r"""
import json, os, sys, time, tracemalloc
which, trace = sys.argv[1], sys.argv[2] == "trace"
if trace:
    tracemalloc.start()
import numpy as np, pyarrow.parquet
if which.startswith("gensim"):  # "gensim imports" too
    from gensim.models import KeyedVectors
from engine.embeddings.glove import load_glove, glove_root, EMBEDDINGS_FILE, INDEX_FILE
out = {}
t = time.perf_counter()
if which.startswith("ours"):
    wv = load_glove()
    out["load_s"] = time.perf_counter() - t
    if which == "ours query":
        t = time.perf_counter()
        out["answer"] = wv.analogy("man", "woman", "king", topn=1)[0][0]
        out["first_query_s"] = time.perf_counter() - t
        t = time.perf_counter()
        wv.neighbours("frog", 10)
        out["next_query_s"] = time.perf_counter() - t
elif which in ("gensim load", "gensim query"):
    vectors = np.load(os.path.join(glove_root(), EMBEDDINGS_FILE))
    words = pyarrow.parquet.read_table(os.path.join(glove_root(), INDEX_FILE)).column("index").to_pylist()
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), vectors)
    del vectors, words
    out["load_s"] = time.perf_counter() - t
    if which == "gensim query":
        t = time.perf_counter()
        out["answer"] = kv.most_similar(positive=["woman", "king"], negative=["man"], topn=1)[0][0]
        out["first_query_s"] = time.perf_counter() - t
        t = time.perf_counter()
        kv.most_similar("frog", topn=10)
        out["next_query_s"] = time.perf_counter() - t
out.update(status())
out["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
print(json.dumps(out))
"""

SCENARIOS = ("baseline", "ours load", "ours query", "gensim imports", "gensim load", "gensim query")

W2V_CHILD = STATUS + r"""
import json, sys, threading, time
which, path, train_words = sys.argv[1], sys.argv[2], int(sys.argv[3])
from engine.embeddings import events as te
out = {}
t = time.perf_counter()
if which == "word2vec held":
    from engine.embeddings.corpus import iter_sentences
    from engine.embeddings.vocab import scan_corpus
    vocab, corpus = scan_corpus(iter_sentences(path), 5)
    out.update(words=int(corpus.raw_words), vocab=len(vocab), count_s=time.perf_counter() - t)
else:
    from engine.embeddings.word2vec import Word2VecConfig, train_word2vec
    stop = threading.Event()
    for event in train_word2vec(Word2VecConfig(corpus=path, epochs=1, device="cpu"), stop):
        if isinstance(event, te.EmbeddingsStarted):
            out.update(words=event.corpus_words, vocab=event.vocab_size, count_s=time.perf_counter() - t)
            t = time.perf_counter()
        elif isinstance(event, te.Progress) and event.words_done >= train_words:
            stop.set()
        elif isinstance(event, te.EmbeddingsFinished):
            out.update(trained_words=event.words_done, train_s=time.perf_counter() - t)
out.update(status())
print(json.dumps(out))
"""


def make_corpus(path: str, megabytes: int) -> int:
    """Write the bundled corpus's text again and again into ``path`` until it holds ``megabytes`` MiB."""
    import gzip

    from engine.embeddings.corpus import default_corpus_paths

    text = b"".join(gzip.open(p, "rb").read() + b"\n\n" for p in default_corpus_paths())
    target = megabytes * 2**20
    if os.path.exists(path) and os.path.getsize(path) >= target:
        return os.path.getsize(path)
    with open(path, "wb") as out:
        written = 0
        while written < target:
            piece = text[: target - written]
            out.write(piece)
            written += len(piece)
    return written


def run_word2vec(args) -> None:
    import tempfile

    path = os.path.join(tempfile.gettempdir(), f"seq-explorer-bench-corpus-{args.corpus_mb}mb.txt")
    size = make_corpus(path, args.corpus_mb)
    print(f"\nword2vec on a {size / 2**20:,.0f} MiB corpus file ({path}), first {args.train_words:,} words trained")
    print("| scenario | corpus words | vocabulary | peak RSS (MiB) | counting pass | trained |")
    print("|---|---:|---:|---:|---:|---|")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    for which in ("word2vec streamed", "word2vec held"):
        proc = subprocess.run([sys.executable, "-c", W2V_CHILD, which, path, str(args.train_words)],
                              capture_output=True, text=True, env=env, timeout=3600)
        if proc.returncode != 0:
            print(f"| {which} | failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode} |")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        trained = (f"{r['trained_words']:,} words in {r['train_s']:.0f} s" if "trained_words" in r else "—")
        print(f"| {which} | {r['words']:,} | {r['vocab']:,} | {r['VmHWM']:,.0f} | {r['count_s']:.0f} s | {trained} |",
              flush=True)


def run(which: str) -> dict:
    """RSS and times from a plain run; the tracemalloc peak from a second, traced run (tracing
    slows allocation down and takes memory of its own, so it must not colour the first)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = {}
    for trace in ("plain", "trace"):
        proc = subprocess.run([sys.executable, "-c", CHILD, which, trace], capture_output=True, text=True,
                              env=env, timeout=600)
        if proc.returncode != 0:
            raise SystemExit(f"{which} failed:\n{proc.stderr}")
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        if trace == "plain":
            out = got
        else:
            out["tracemalloc_peak"] = got["tracemalloc_peak"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.embeddings_memory", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="same GloVe scenarios; a 64 MiB word2vec corpus")
    parser.add_argument("--corpus-mb", type=int, default=1024, help="size of the word2vec corpus file (MiB)")
    parser.add_argument("--train-words", type=int, default=20_000_000, help="stop word2vec after this many words")
    parser.add_argument("--only", choices=("glove", "word2vec"), default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.corpus_mb, args.train_words = min(args.corpus_mb, 64), min(args.train_words, 2_000_000)
    from bench.analogy import _machine

    print(f"machine: {_machine()}")
    if args.only != "glove":
        run_word2vec(args)
    if args.only == "word2vec":
        return 0
    res = {name: run(name) for name in SCENARIOS}
    print("\n| scenario | peak RSS (MiB) | private RssAnon | mapped RssFile | tracemalloc peak | time |")
    print("|---|---:|---:|---:|---:|---|")
    for name in SCENARIOS:
        r = res[name]
        times = ", ".join(f"{k[:-2].replace('_', ' ')} {r[k]:.2f} s" for k in ("load_s", "first_query_s", "next_query_s")
                          if k in r)
        print(f"| {name} | {r['VmHWM']:.0f} | {r['RssAnon']:.0f} | {r['RssFile']:.0f} | "
              f"{r['tracemalloc_peak']:.0f} | {times} |")
    ours_load = res["ours load"]["VmHWM"] - res["baseline"]["VmHWM"]
    ours_query = res["ours query"]["VmHWM"] - res["baseline"]["VmHWM"]
    gen_load = res["gensim load"]["VmHWM"] - res["gensim imports"]["VmHWM"]
    gen_query = res["gensim query"]["VmHWM"] - res["gensim imports"]["VmHWM"]
    print(f"\npeak RSS above the imports: load ours {ours_load:.0f} MiB vs gensim {gen_load:.0f} MiB "
          f"(ratio {gen_load / max(ours_load, 1e-9):.1f}x); load + query ours {ours_query:.0f} MiB vs gensim "
          f"{gen_query:.0f} MiB (ratio {gen_query / max(ours_query, 1e-9):.1f}x)")
    private = res["ours query"]["RssAnon"] - res["baseline"]["RssAnon"]
    print(f"private memory added by load + query, ours: {private:.0f} MiB "
          f"(the 76 MiB matrix stays a shared file mapping); answers: ours {res['ours query']['answer']}, "
          f"gensim {res['gensim query']['answer']}")
    print(f"time: load ours {res['ours load']['load_s']:.2f} s vs gensim {res['gensim load']['load_s']:.2f} s; "
          f"first query ours {res['ours query']['first_query_s']:.3f} s vs gensim "
          f"{res['gensim query']['first_query_s']:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
