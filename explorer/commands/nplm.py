"""The neural language model that learns embeddings: ``nplm train | predict | neighbours``.

    seq-explorer nplm train [--corpus default|PATH] [--context 4] [--dim 50] [--hidden 100] [--epochs 1]
        [--max-words 1000000] [--max-vocab 10000] [--min-count 5] [--batch-size 256] [--lr 0.001]
        [--seed S] [--device auto|cpu|cuda] [--threads N] [--out DIR] [--json]
    seq-explorer nplm predict DIR TEXT [--top 10] [--json]       → [{"word", "probability"}]
    seq-explorer nplm neighbours DIR WORD [--top 10] [--json]    → [{"word", "score"}] (cosine, from E)

"I want a glass of orange ___": the model reads the last n words of TEXT and gives the
probability of every next word; its embedding matrix E, learned on the way, has neighbours
like word2vec's. DIR is both a checkpoint and a vectors directory: ``--embeddings DIR`` of the
query commands (``neighbors``, ``analogy``) and of ``task train`` reads E from it. Ctrl+C during
training saves what was learned and exits 130.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from explorer.commands._signals import StopOnSigint

EXIT_INTERRUPTED = 130


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("nplm", help="the neural language model that learns embeddings (nplm train, …)",
                                  description="Bengio et al.'s neural language model: n previous words → the next.")
    group.set_defaults(handler=lambda args: group.error("choose an nplm command, e.g. 'nplm train'"))
    sub = group.add_subparsers(dest="nplm_command", metavar="COMMAND")
    p = sub.add_parser("train", help="train the model on a corpus; its E are word embeddings",
                       description="Train the NPLM. Ctrl+C saves what was learned and exits.")
    p.add_argument("--corpus", default="default", metavar="{default,PATH}",
                   help="the bundled Gutenberg + Wikipedia sample or a UTF-8 text file (.gz ok)")
    for flag, default, meta, text in (
        ("--context", "4", "N", "previous words read (default 4)"), ("--dim", "50", "D", "embedding size"),
        ("--hidden", "100", "H", "hidden layer size"), ("--epochs", "1", "N", "passes over the corpus"),
        ("--max-words", "1000000", "N", "read at most N corpus words (the softmax is O(V) per word)"),
        ("--max-vocab", "10000", "N", "keep the N most frequent words"), ("--min-count", "5", "N", "drop rarer words"),
        ("--batch-size", "256", "B", "windows per step"), ("--lr", "0.001", "LR", "Adam learning rate"),
        ("--seed", "1", "S", "seed"), ("--device", "auto", "{auto,cpu,cuda}", "where to train"),
    ):
        p.add_argument(flag, default=default, metavar=meta, help=text)
    p.add_argument("--threads", default=None, metavar="N", help="torch CPU threads (1 is often fastest on a busy machine)")
    p.add_argument("--out", default=None, metavar="DIR", help="output directory (default runs/nplm)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout (no progress bar)")
    p.set_defaults(handler=run_train)

    p = sub.add_parser("predict", help='the likeliest next words: "i want a glass of orange ___"')
    p.add_argument("checkpoint", metavar="DIR")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--top", default="10", metavar="N")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_predict)

    p = sub.add_parser("neighbours", aliases=["neighbors"], help="nearest words in the learned E (cosine)")
    p.add_argument("checkpoint", metavar="DIR")
    p.add_argument("word", metavar="WORD")
    p.add_argument("--top", default="10", metavar="N")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_neighbours)


def _int(args: argparse.Namespace, name: str, minimum: int = 1) -> int:
    from engine.errors import InputError

    raw = getattr(args, name)
    if not str(raw).strip().lstrip("+").isdigit() or int(raw) < minimum:
        raise InputError(f"--{name.replace('_', '-')} must be an integer >= {minimum}, got {raw!r}")
    return int(raw)


def _float(args: argparse.Namespace, name: str) -> float:
    from engine.errors import InputError

    try:
        return float(getattr(args, name))
    except ValueError:
        raise InputError(f"--{name} must be a number, got {getattr(args, name)!r}") from None


def run_train(args: argparse.Namespace) -> int:
    from engine.embeddings import events as te
    from engine.embeddings.corpus import corpus_files
    from engine.embeddings.nplm import NPLMConfig, save_nplm, train_nplm
    from engine.errors import InputError

    config = NPLMConfig(
        corpus=args.corpus, context=_int(args, "context"), dim=_int(args, "dim"), hidden=_int(args, "hidden"),
        epochs=_int(args, "epochs"), batch_size=_int(args, "batch_size"), lr=_float(args, "lr"),
        min_count=_int(args, "min_count"), max_vocab=_int(args, "max_vocab"), max_words=_int(args, "max_words"),
        seed=_int(args, "seed", 0), device=args.device,
    )
    from engine.device import select_device

    select_device(config.device)  # a bad --device fails here, before the corpus is read
    corpus_files(config.corpus)
    out = Path(args.out or "runs/nplm").expanduser()
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file; give a directory")
    stop = threading.Event()
    progress = task = console = None
    if not args.json:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        console = Console(stderr=True)
        progress = Progress(TextColumn("[bold]nplm"), BarColumn(), TaskProgressColumn(),
                            TextColumn("{task.fields[rate]} words/s"), TextColumn("loss {task.fields[loss]}"), console=console)
    started = finished = None
    losses: list[float] = []
    from engine.device import torch_threads

    threads = None if args.threads is None else _int(args, "threads")
    with StopOnSigint(stop), torch_threads(threads):
        try:
            for event in train_nplm(config, stop):
                if isinstance(event, te.EmbeddingsStarted):
                    started = event
                    if progress is not None:
                        console.print(f"{event.description}: vocabulary {event.vocab_size:,} words, "
                                      f"{event.corpus_words:,} corpus words, {event.device}")
                        progress.start()
                        task = progress.add_task("nplm", total=event.total_words, rate="…", loss="…")
                elif isinstance(event, te.Progress) and progress is not None:
                    progress.update(task, completed=event.words_done, rate=f"{event.words_per_s:,.0f}",
                                    loss=f"{event.loss:.3f}")
                elif isinstance(event, te.EpochFinished):
                    losses.append(event.loss)
                    if console is not None:
                        console.print(f"epoch {event.epoch}/{event.epochs}: mean loss {event.loss:.4f} nats")
                elif isinstance(event, te.EmbeddingsFinished):
                    finished = event
        finally:
            if task is not None:  # started: stopping a Progress never started prints a stray blank line
                progress.stop()
    assert started is not None and finished is not None
    save_nplm(finished.model, finished.vocab, out, config)
    summary = {"out": str(out), "reason": finished.reason, "vocab_size": started.vocab_size,
               "words_done": finished.words_done, "epoch_losses": losses, "elapsed_s": round(finished.elapsed_s, 3)}
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        verb = "stopped early; saved what was learned" if finished.reason == "stopped" else "done"
        print(f"{verb}: {out} (try: seq-explorer nplm predict {out} \"i do not\")")
    return EXIT_INTERRUPTED if finished.reason == "stopped" else 0


def _words(text: str) -> list[str]:
    from engine.embeddings.corpus import CorpusOptions, tokenize
    from engine.errors import InputError

    words = tokenize(text, CorpusOptions())
    if not words:
        raise InputError("the text is empty; give the words before the one to predict, e.g. 'i want a glass of'")
    return words


def run_predict(args: argparse.Namespace) -> int:
    from engine.embeddings.nplm import load_nplm, predict_next

    model, vocab, _ = load_nplm(args.checkpoint)
    words = _words(args.text)
    top = predict_next(model, vocab, words, _int(args, "top"))
    if args.json:
        sys.stdout.write(json.dumps([{"word": w, "probability": p} for w, p in top]) + "\n")
        return 0
    context = words[-model.context :]
    print(f"P(next word | {' '.join(context)}):")
    for w, p in top:
        print(f"  {w:<16} {p:.4f}  {'█' * max(1, round(p * 40)) if p >= 0.0125 else ''}")
    return 0


def run_neighbours(args: argparse.Namespace) -> int:
    from engine.embeddings.io import load_vectors
    from engine.embeddings.nplm import load_nplm

    load_nplm(args.checkpoint)  # refuses a directory that is not an NPLM with one line
    near = load_vectors(args.checkpoint).neighbours(args.word.lower(), _int(args, "top"))
    if args.json:
        sys.stdout.write(json.dumps([{"word": w, "score": s} for w, s in near]) + "\n")
        return 0
    print(f"nearest to {args.word.lower()!r} in the learned E (cosine):")
    for w, s in near:
        print(f"  {w:<16} {s:.3f}")
    return 0
