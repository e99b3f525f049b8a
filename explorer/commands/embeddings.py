"""Word-vector commands: ``analogy``, ``neighbors``, ``similarity`` and the ``eval`` group.

    seq-explorer analogy A B C [--embeddings glove|DIR|FILE] [--topn 10] [--method add|mul]
        [--include-query-words] [--json]        "A is to B as C is to ?"  → [{"word", "score"}]
    seq-explorer neighbors WORD [--topn 10] [--embeddings …] [--json]      → [{"word", "score"}]
    seq-explorer similarity W1 W2 [--embeddings …] [--json]     → {"word1", "word2", "similarity"}
    seq-explorer eval analogies [--embeddings …] [--file PATH] [--restrict-vocab 30000] [--json]
        → {"total", "semantic", "syntactic", "sections": {name: {"correct", "total"}},
           "evaluated", "skipped"}                                  (accuracies in [0, 1])
    seq-explorer eval similarity [--embeddings …] [--file wordsim353|simlex999|PATH] [--json]
        → {"spearman", "pearson", "oov_ratio", "pairs"}             (oov_ratio in [0, 1])

``--embeddings`` is ``glove`` (the default: pretrained GloVe 6B 50d), a directory written by
``word2vec train``, or a word2vec ``.txt``/``.bin`` file. An unknown word is a one-line error
that names it and suggests close spellings (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PAIR_FILES = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGY_FILE = "questions-words.txt"
SHARED_EVAL = Path("/work/shared/data/word_similarity")


def _embeddings_arg(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: when not given here, the top-level `seq-explorer --embeddings` (default glove) stands
    p.add_argument("--embeddings", default=argparse.SUPPRESS, metavar="glove|DIR|FILE",
                   help="vectors to query: glove (default), a word2vec train directory, or a word2vec .txt/.bin file")


def _json_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("analogy", help='"A is to B as C is to ?" by vector arithmetic',
                              description='Answer "A is to B as C is to ?" (3CosAdd: argmax cos(e_w, e_C − e_A + e_B), '
                                          'or 3CosMul with --method mul).')
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    _embeddings_arg(p)
    p.add_argument("--topn", type=int, default=10, help="how many answers (default 10)")
    p.add_argument("--method", choices=("add", "mul"), default="add", help="3CosAdd (add) or 3CosMul (mul)")
    p.add_argument("--include-query-words", action="store_true",
                   help="let A, B and C be answers too (the 'fair analogy' view)")
    _json_arg(p)
    p.set_defaults(handler=run_analogy)

    p = subparsers.add_parser("neighbors", help="nearest words by cosine similarity",
                              description="The words whose vectors are closest (cosine) to WORD's.")
    p.add_argument("word", metavar="WORD")
    _embeddings_arg(p)
    p.add_argument("--topn", type=int, default=10, help="how many neighbours (default 10)")
    _json_arg(p)
    p.set_defaults(handler=run_neighbors)

    p = subparsers.add_parser("similarity", help="cosine similarity of two words",
                              description="cos(e_W1, e_W2) = e_W1·e_W2 / (‖e_W1‖ ‖e_W2‖).")
    p.add_argument("word1", metavar="W1")
    p.add_argument("word2", metavar="W2")
    _embeddings_arg(p)
    _json_arg(p)
    p.set_defaults(handler=run_similarity)

    ev = subparsers.add_parser("eval", help="evaluate word vectors (eval analogies, eval similarity)",
                               description="Intrinsic evaluation of word vectors, with gensim's semantics.")
    ev.set_defaults(handler=lambda args: ev.error("choose what to evaluate: 'eval analogies' or 'eval similarity'"))
    kinds = ev.add_subparsers(dest="eval_kind", metavar="KIND")
    p = kinds.add_parser("analogies", help="accuracy on the Google analogy questions (or your file)",
                         description="Accuracy on analogy questions in the questions-words format; questions "
                                     "with a word outside the first --restrict-vocab words are skipped.")
    _embeddings_arg(p)
    p.add_argument("--file", metavar="PATH", help="analogy file (default: the bundled Google questions-words.txt)")
    p.add_argument("--restrict-vocab", type=int, default=30_000,
                   help="only the most frequent N words count (default 30000)")
    _json_arg(p)
    p.set_defaults(handler=run_eval_analogies)
    p = kinds.add_parser("similarity", help="Spearman/Pearson against human similarity judgements",
                         description="Correlation of cosine similarities with human scores; pairs with an "
                                     "unknown word are dropped and counted in oov_ratio.")
    _embeddings_arg(p)
    p.add_argument("--file", default="wordsim353", metavar="wordsim353|simlex999|PATH",
                   help="word-pair file (default wordsim353)")
    _json_arg(p)
    p.set_defaults(handler=run_eval_similarity)


# ------------------------------------------------------------------------- helpers


def _load(args: argparse.Namespace):
    from engine.embeddings.io import load_vectors

    return load_vectors(getattr(args, "embeddings", None) or "glove")


def _warn_if_undertrained(args: argparse.Namespace, wv, words) -> None:
    """One line on stderr per query word whose vector saw too little training (counts and epochs from
    the folder that ``word2vec train`` / ``glove train`` wrote); never an error."""
    from engine.embeddings.vectors import undertrained_warning

    if wv.counts is None:
        return
    epochs = None
    where = Path(str(getattr(args, "embeddings", None) or "glove")).expanduser()
    folder = where if where.is_dir() else where.parent
    try:
        info = json.loads((folder / "training.json").read_text(encoding="utf-8"))
        epochs = float(info.get("epochs_done", info.get("settings", {}).get("epochs")))
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    for word in words:
        if word in wv:
            note = undertrained_warning(word, int(wv.counts[wv.index(word)]), epochs)
            if note:
                print(f"seq-explorer: warning: {note}", file=sys.stderr)


def _positive(name: str, value: int) -> None:
    if value < 1:
        from engine.errors import InputError

        raise InputError(f"{name} must be >= 1, got {value}")


def _eval_file(name: str) -> str:
    """A bundled evaluation file (assets/eval), else the shared data copy."""
    try:
        from engine.assets import asset_path

        path = Path(asset_path("eval", name))
        if path.exists():
            return str(path)
    except Exception:  # noqa: BLE001 - an install without the assets helper
        pass
    return str(SHARED_EVAL / name)


def _print_scores(title: str, pairs: list[tuple[str, float]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(title, markup=False, highlight=False)
    table = Table(box=None, pad_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("word")
    table.add_column("cosine" if pairs and pairs[0][1] <= 1.0 + 1e-6 else "score", justify="right")
    for i, (word, score) in enumerate(pairs, 1):
        table.add_row(str(i), word, f"{score:.4f}")
    console.print(table)


def _dump(obj: object) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")


# ------------------------------------------------------------------------- handlers


def run_analogy(args: argparse.Namespace) -> int:
    _positive("--topn", args.topn)
    wv = _load(args)
    answers = wv.analogy(args.a, args.b, args.c, topn=args.topn, method=args.method,
                         exclude_query=not args.include_query_words)
    _warn_if_undertrained(args, wv, [args.a, args.b, args.c])
    if args.json:
        _dump([{"word": w, "score": s} for w, s in answers])
    else:
        method = "3CosAdd" if args.method == "add" else "3CosMul"
        _print_scores(f"{args.a} is to {args.b} as {args.c} is to ?  ({method}, {wv.name})", answers)
    return 0


def run_neighbors(args: argparse.Namespace) -> int:
    _positive("--topn", args.topn)
    wv = _load(args)
    answers = wv.neighbours(args.word, topn=args.topn)
    _warn_if_undertrained(args, wv, [args.word])
    if args.json:
        _dump([{"word": w, "score": s} for w, s in answers])
    else:
        _print_scores(f"nearest to {args.word} ({wv.name})", answers)
    return 0


def run_similarity(args: argparse.Namespace) -> int:
    wv = _load(args)
    value = wv.similarity(args.word1, args.word2)
    _warn_if_undertrained(args, wv, [args.word1, args.word2])
    if args.json:
        _dump({"word1": args.word1, "word2": args.word2, "similarity": value})
    else:
        print(f"cos({args.word1}, {args.word2}) = {value:.4f}")
    return 0


def run_eval_analogies(args: argparse.Namespace) -> int:
    from engine.embeddings.evaluate import iter_evaluate_analogies
    from engine.embeddings.events import AnalogyEvaluated, EvalProgress

    _positive("--restrict-vocab", args.restrict_vocab)
    path = args.file or _eval_file(ANALOGY_FILE)
    wv = _load(args)
    events = iter_evaluate_analogies(wv, path, restrict_vocab=args.restrict_vocab)
    result = None
    show = not args.json and sys.stderr.isatty()
    if show:
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("analogies", total=None)
            for event in events:
                if isinstance(event, EvalProgress):
                    progress.update(task, total=event.total, completed=event.done, description=event.section)
                elif isinstance(event, AnalogyEvaluated):
                    result = event.result
    else:
        for event in events:
            if isinstance(event, AnalogyEvaluated):
                result = event.result
    assert result is not None
    if args.json:
        _dump(result.to_json())
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"analogies on {wv.name}, {Path(path).name}, restrict_vocab {args.restrict_vocab:,}",
                  markup=False, highlight=False)
    table = Table(box=None, pad_edge=False)
    table.add_column("section")
    table.add_column("correct", justify="right")
    table.add_column("total", justify="right")
    table.add_column("accuracy", justify="right")
    for name, (correct, total) in result.sections.items():
        table.add_row(name, f"{correct:,}", f"{total:,}", f"{correct / total:.1%}" if total else "–")
    console.print(table)
    print(f"total {result.total:.1%} · semantic {result.semantic:.1%} · syntactic {result.syntactic:.1%} · "
          f"{result.evaluated:,} evaluated, {result.skipped:,} skipped (a word outside the vocabulary)")
    return 0


def run_eval_similarity(args: argparse.Namespace) -> int:
    from engine.embeddings.evaluate import evaluate_word_pairs

    path = _eval_file(PAIR_FILES[args.file]) if args.file in PAIR_FILES else args.file
    wv = _load(args)
    r = evaluate_word_pairs(wv, path)
    if args.json:
        _dump({"spearman": r.spearman, "pearson": r.pearson, "oov_ratio": r.oov_ratio, "pairs": r.pairs})
    else:
        print(f"{Path(path).name} on {wv.name}: Spearman {r.spearman:.4f} · Pearson {r.pearson:.4f} · "
              f"{r.pairs} pairs · {r.oov_ratio:.1%} dropped for an unknown word")
    return 0
