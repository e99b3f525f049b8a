"""Google analogy evaluation on GloVe 6B 50d: seq-explorer against gensim, same run, same vectors.

    python -m bench.analogy [--quick] [--threads N] [--restrict 30000,300000]

For each ``restrict_vocab`` both evaluate the same questions-words file (``--quick``: the
questions between every 3rd word pair of each section, ~1/9 of them, same structure) on the
same GloVe matrix: ``engine.embeddings.evaluate.evaluate_analogies`` and gensim 4.4 ``KeyedVectors.evaluate_word_analogies``. Printed: both
times, the speed ratio (gensim time / ours), both accuracies, and how many questions got a
different verdict (must be 0; the exit status is 1 otherwise). Wall time and CPU time of this
process are both shown: on a shared machine the CPU-time ratio is the steadier of the two. Load the vectors and fill the
norms before timing (both sides), so only the evaluation is measured.

``--threads`` (default 1) caps the BLAS threads of both sides: on a shared, oversubscribed
machine spinning BLAS threads make every timing meaningless.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time


def _machine() -> str:
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as fin:
            for line in fin:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} CPUs, load average {load}"


def _sample_file(src: str, every: int) -> str:
    """A smaller analogy set with the file's structure: in each section only the word pairs whose
    number (in order of first appearance) is a multiple of ``every``, and the questions between two
    kept pairs (about 1/every² of the questions; every offset b − a still meets every kept c)."""
    out = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf8")
    with open(src, encoding="utf8") as fin, out:
        ids: dict[tuple[str, str], int] = {}
        for line in fin:
            if line.startswith(": "):
                out.write(line)
                ids = {}
                continue
            words = line.split()
            if len(words) != 4:
                continue
            first = ids.setdefault((words[0], words[1]), len(ids))
            second = ids.setdefault((words[2], words[3]), len(ids))
            if first % every == 0 and second % every == 0:
                out.write(line)
    return out.name


def _gensim_verdicts(sections) -> dict[tuple, list[bool]]:
    verdicts: dict[tuple, list[bool]] = {}
    for s in sections[:-1]:  # the last one is gensim's "Total accuracy"
        for q in s["correct"]:
            verdicts.setdefault((s["section"],) + tuple(q), []).append(True)
        for q in s["incorrect"]:
            verdicts.setdefault((s["section"],) + tuple(q), []).append(False)
    return verdicts


def _mismatches(mine: dict[tuple, list[bool]], theirs: dict[tuple, list[bool]]) -> int:
    """Questions whose verdicts differ (a question only one side answered counts too)."""
    count = 0
    for key in set(mine) | set(theirs):
        a, b = mine.get(key, []), theirs.get(key, [])
        count += sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analogy", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="every 3rd word pair of each section, ~1/9 of the questions (about 2 minutes)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for both sides (default 1)")
    parser.add_argument("--restrict", default="30000,300000", help="restrict_vocab values, comma-separated")
    args = parser.parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import numpy as np
    from gensim.models import KeyedVectors

    from engine.embeddings.evaluate import evaluate_analogies
    from engine.embeddings.glove import load_glove
    from explorer.commands.embeddings import ANALOGY_FILE, _eval_file

    path = _eval_file(ANALOGY_FILE)
    if args.quick:
        path = _sample_file(path, 3)
    print(f"machine: {_machine()}")
    print(f"file: {path}{' (every 3rd word pair of each section)' if args.quick else ''}; BLAS threads {args.threads}")
    wv = load_glove()
    wv.norms  # noqa: B018 - computed once, outside the timing
    kv = KeyedVectors(wv.dim)
    kv.add_vectors(list(wv.words), np.asarray(wv.vectors))
    kv.fill_norms()

    failed = False
    rows = []
    for restrict in (int(x) for x in args.restrict.split(",")):
        start, cpu = time.perf_counter(), time.process_time()
        ours = evaluate_analogies(wv, path, restrict_vocab=restrict)
        t_ours, c_ours = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        score, sections = kv.evaluate_word_analogies(path, restrict_vocab=restrict)
        t_gensim, c_gensim = time.perf_counter() - start, time.process_time() - cpu
        theirs = _gensim_verdicts(sections)
        mine: dict[tuple, list[bool]] = {}
        for v in ours.verdicts:
            mine.setdefault((v.section, v.a, v.b, v.c, v.expected), []).append(v.correct)
        mismatches = _mismatches(mine, theirs)
        failed |= mismatches > 0
        rows.append((restrict, ours.evaluated, ours.skipped, t_ours, t_gensim, c_ours, c_gensim, ours.total, score,
                     mismatches))
        print(f"restrict_vocab {restrict:>7,}: {ours.evaluated:,} evaluated, {ours.skipped:,} skipped | "
              f"wall ours {t_ours:7.2f} s, gensim {t_gensim:7.2f} s, ratio {t_gensim / t_ours:5.1f}x | "
              f"CPU ours {c_ours:7.2f} s, gensim {c_gensim:7.2f} s, ratio {c_gensim / c_ours:5.1f}x | "
              f"accuracy ours {ours.total:.4f}, gensim {score:.4f} | verdict mismatches {mismatches}", flush=True)
    print(f"after: {_machine()}")
    print("\n| restrict_vocab | evaluated | skipped | wall ours / gensim (s) | ratio | CPU ours / gensim (s) | ratio "
          "| accuracy ours / gensim | mismatches |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r, ev, sk, t1, t2, c1, c2, acc, gacc, mm in rows:
        print(f"| {r:,} | {ev:,} | {sk:,} | {t1:.2f} / {t2:.2f} | {t2 / t1:.1f}× | {c1:.2f} / {c2:.2f} | {c2 / c1:.1f}× "
              f"| {acc:.4f} / {gacc:.4f} | {mm} |")
    if args.quick:
        os.unlink(path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
