"""word2vec commands: ``word2vec train``.

    seq-explorer word2vec train --corpus {default,PATH} --model {skipgram,cbow}
        --loss {negative,hierarchical,softmax} --negative 5 --negatives {shared,per-pair} --window 5
        --dim 100 --min-count 5 --sample 1e-3 --epochs 5 --seed S --device {auto,cpu,cuda} --out DIR
        [--workers N] [--alpha 0.025] [--max-vocab N] [--cache-mb 256] [--watch w1,w2]
        [--format text|binary|none] [--json]

Writes DIR (default ``runs/word2vec-<model>-<loss>``) in the project's vectors format
(``vectors.safetensors`` + ``vocab.json`` with the word counts, readable by ``--embeddings DIR``
of the query commands), plus ``vectors.txt`` / ``vectors.bin`` in the word2vec format when
asked, ``training.json`` (settings, epochs trained and final figures) and ``metrics.jsonl`` (the
training events, which ``seq-explorer --watch DIR`` follows). The output folder is checked for
writing before training starts, and nothing is written when training fails. A rich progress bar
on stderr shows words/s, the loss and the time left. Ctrl+C stops the run, saves the vectors
trained so far and exits with status 130; a second Ctrl+C interrupts at once. Bad values are
one-line errors (status 1).

Data-parallel: ``torchrun --nproc_per_node N -m explorer.cli word2vec train …`` trains on N
processes (:mod:`engine.distributed`); rank 0 alone shows progress and writes DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

from explorer.commands._signals import StopOnSigint

EXIT_INTERRUPTED = 130
MODELS = ("skipgram", "cbow")
LOSSES = ("negative", "hierarchical", "softmax")


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("word2vec", help="train word2vec embeddings (word2vec train)",
                                  description="word2vec: skip-gram / CBOW embeddings.")
    group.set_defaults(handler=lambda args: group.error("choose a word2vec command, e.g. 'word2vec train'"))
    kinds = group.add_subparsers(dest="word2vec_command", metavar="COMMAND")
    p = kinds.add_parser(
        "train", help="train skip-gram or CBOW vectors on a corpus",
        description="Train word2vec (skip-gram or CBOW × negative sampling, hierarchical or full softmax). "
                    "Ctrl+C saves the vectors trained so far and exits.",
    )
    # Values are checked by the engine (one-line errors), so flags take strings here.
    p.add_argument("--corpus", default="default", metavar="{default,PATH}",
                   help="the bundled Gutenberg + Wikipedia sample (≈5.1M words) or a UTF-8 text file (.gz ok)")
    p.add_argument("--model", default="skipgram", metavar="{skipgram,cbow}")
    p.add_argument("--loss", default="negative", metavar="{negative,hierarchical,softmax}")
    p.add_argument("--negative", default="5", metavar="K", help="negative samples per positive (default 5)")
    p.add_argument("--negatives", default="shared", metavar="{shared,per-pair}",
                   help="per-pair: K fresh negatives for every (context, target) pair, as the course; "
                        "shared (default, faster): a window's (CBOW: 2 centres') predictions share K negatives")
    p.add_argument("--window", default="5", metavar="N", help="maximum context distance (default 5)")
    p.add_argument("--dim", default="100", metavar="D", help="vector size (default 100)")
    p.add_argument("--min-count", default="5", metavar="N", help="drop rarer words (default 5)")
    p.add_argument("--max-vocab", default=None, metavar="N", help="keep only the N most frequent words")
    p.add_argument("--sample", default="1e-3", metavar="T", help="subsampling threshold, 0 = off (default 1e-3)")
    p.add_argument("--epochs", default="5", metavar="N")
    p.add_argument("--alpha", default="0.025", metavar="LR", help="initial learning rate (decays linearly)")
    p.add_argument("--seed", default="1", metavar="S")
    p.add_argument("--device", default="auto", metavar="{auto,cpu,cuda}")
    p.add_argument("--workers", default="0", metavar="N", help="training threads (0: one per core)")
    p.add_argument("--cache-mb", default="256", metavar="MB",
                   help="keep the encoded corpus in memory between epochs up to this size; larger corpora "
                        "are re-read from disk each epoch (default 256, 0 = always re-read)")
    p.add_argument("--punctuation", default="strip", metavar="{strip,split,keep}")
    p.add_argument("--watch", default="", metavar="W1,W2", help="show these words' nearest neighbours as training goes")
    p.add_argument("--format", default="none", metavar="{none,text,binary}",
                   help="also write vectors.txt / vectors.bin in the word2vec format")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/word2vec-<model>-<loss>)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout (no progress bar)")
    p.set_defaults(handler=run_train)


def _number(args: argparse.Namespace, name: str, kind: type):
    from engine.errors import InputError

    raw = getattr(args, name)
    try:
        value = kind(raw)
        if kind is int and isinstance(raw, str) and not raw.strip().lstrip("+-").isdigit():
            raise ValueError
        return value
    except (TypeError, ValueError):
        what = "an integer" if kind is int else "a number"
        raise InputError(f"--{name.replace('_', '-')} must be {what}, got {raw!r}") from None


def config_from_args(args: argparse.Namespace):
    """The :class:`Word2VecConfig` of the command-line arguments (InputError on a bad value)."""
    from engine.embeddings.word2vec import Word2VecConfig
    from engine.errors import InputError

    if args.format not in ("none", "text", "binary"):
        raise InputError(f"--format must be none, text or binary, got {args.format!r}")
    return Word2VecConfig(
        corpus=args.corpus, model=args.model, loss=args.loss, negative=_number(args, "negative", int),
        negatives=args.negatives, cache_mb=_number(args, "cache_mb", float),
        window=_number(args, "window", int), dim=_number(args, "dim", int),
        min_count=_number(args, "min_count", int),
        max_vocab=None if args.max_vocab is None else _number(args, "max_vocab", int),
        sample=_number(args, "sample", float), epochs=_number(args, "epochs", int),
        alpha=_number(args, "alpha", float), min_alpha=min(0.0001, _number(args, "alpha", float)),
        seed=_number(args, "seed", int), device=args.device, workers=_number(args, "workers", int),
        punctuation=args.punctuation, watch=tuple(w for w in args.watch.split(",") if w.strip()),
    )


def prepare_out(out: Path) -> bool:
    """Make sure ``out`` can be written before any training; True when this call created it.

    (A folder that cannot be written used to fail only after the whole run, with a library error.)
    """
    from engine.errors import InputError

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file; give a directory")
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"cannot write to --out {str(out)!r} ({exc.strerror or exc}); choose a folder you can "
                         "write to") from None
    return created


def discard_out(out: Path, created: bool) -> None:
    """After a failed run: remove its metrics, and the output folder if this run created it."""
    from engine.checkpoint import METRICS_FILE

    (out / METRICS_FILE).unlink(missing_ok=True)
    if created:
        try:
            out.rmdir()
        except OSError:
            pass


def metrics_record(event, source: str) -> dict | None:
    """The ``metrics.jsonl`` line of a training event (``Finished`` without its vectors), tagged with ``source``."""
    from engine.checkpoint import event_record
    from engine.embeddings import events as te

    if isinstance(event, te.EmbeddingsFinished):
        return {"event": type(event).__name__, "source": source, "reason": event.reason, "words_done": event.words_done,
                "elapsed_s": event.elapsed_s, "final_loss": event.final_loss}
    if isinstance(event, (te.EmbeddingsStarted, te.Progress, te.EpochFinished)):
        return {**event_record(event), "source": source}
    return None


def run_train(args: argparse.Namespace) -> int:
    from engine import distributed
    from engine.device import select_device
    from engine.embeddings.corpus import corpus_files
    from engine.embeddings.word2vec import train_word2vec

    config = config_from_args(args)
    corpus_files(config.corpus)  # a missing or empty file fails here, before any output
    out = Path(args.out or f"runs/word2vec-{config.model}-{config.loss}").expanduser()
    group = distributed.init_from_environment(select_device(config.device))
    try:
        main = group is None or group.is_main
        created = prepare_out(out) if main else False
        try:
            return run_training(args, config, out, lambda stop: train_word2vec(config, stop), "word2vec", main)
        except BaseException:
            if main:
                discard_out(out, created)
            raise
    finally:
        if group is not None:
            distributed.cleanup()


def run_training(args: argparse.Namespace, config, out: Path, events_of, source: str, main: bool = True) -> int:
    """Drive a word2vec or GloVe training generator with a progress bar; write the results on rank 0.

    Shared by ``word2vec train`` and ``glove train`` (their events have the same shapes).
    """
    from engine.checkpoint import METRICS_FILE, append_metrics
    from engine.embeddings import events as te
    from engine.embeddings.glove_events import Counting
    from engine.embeddings.io import save_vectors

    stop = threading.Event()
    progress = task = console = status = None
    if not args.json and main:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        console = Console(stderr=True)
        progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[rate]} {task.fields[unit]}/s"), TextColumn("loss {task.fields[loss]}"),
            TextColumn("lr {task.fields[lr]}"), TextColumn("left {task.fields[eta]}"),
            console=console, transient=False,
        )
        status = console.status(f"reading the {config.corpus} corpus …")  # transient: gone once training starts
    started = finished = None
    epoch_losses: list[float] = []
    t0 = time.perf_counter()
    if main:
        (out / METRICS_FILE).unlink(missing_ok=True)  # a new run: its own metrics only
    with StopOnSigint(stop):
        events = events_of(stop)
        if status is not None:
            status.start()
        try:
            for event in events:
                record = metrics_record(event, source) if main else None
                if record is not None:
                    append_metrics(out, record)
                if isinstance(event, Counting):
                    if status is not None:
                        status.update(f"counting co-occurrences: {event.words_read:,} of {event.total_words:,} "
                                      f"words read ({event.shards} shards on disk)")
                elif isinstance(event, te.EmbeddingsStarted):
                    started = event
                    if status is not None:
                        status.stop()
                    if progress is not None:
                        console.print(f"{event.description}; vocabulary {event.vocab_size:,} words, corpus "
                                      f"{event.corpus_words:,} words; {event.device}, {event.workers} thread(s)")
                        progress.start()
                        unit = "words" if source == "word2vec" else "pairs"
                        task = progress.add_task(source, total=event.total_words, rate="…", loss="…", lr="…",
                                                 eta="…", unit=unit)
                elif isinstance(event, te.Progress) and progress is not None:
                    progress.update(task, completed=event.words_done, rate=f"{event.words_per_s:,.0f}",
                                    loss=f"{event.loss:.3f}", lr=f"{event.lr:.4f}", eta=_hms(event.eta_s))
                elif isinstance(event, te.EpochFinished):
                    epoch_losses.append(event.loss)
                    if progress is not None:
                        progress.console.print(f"epoch {event.epoch}/{event.epochs}: mean loss {event.loss:.4f}")
                elif isinstance(event, te.WatchNeighbours) and progress is not None:
                    for word, near in event.neighbours:
                        shown = ", ".join(w for w, _ in near) if near else "(not in the vocabulary)"
                        progress.console.print(f"  {word}: {shown}")
                elif isinstance(event, te.EmbeddingsFinished):
                    finished = event
                    if progress is not None and task is not None:
                        progress.update(task, completed=event.words_done, eta=_hms(0))
        finally:
            if status is not None:
                status.stop()
            if task is not None:  # started: stopping a Progress never started prints a stray blank line
                progress.stop()
    assert finished is not None and started is not None
    if not main:
        return EXIT_INTERRUPTED if finished.reason == "stopped" else 0
    wv = finished.vectors
    save_vectors(wv, str(out), "project")
    files = {"project": str(out)}
    if args.format != "none":
        name = "vectors.txt" if args.format == "text" else "vectors.bin"
        files[args.format] = save_vectors(wv, str(out / name), f"word2vec-{args.format}")
    per_epoch = started.total_words / max(config.epochs, 1)
    summary = {
        "out": str(out), "files": files, "reason": finished.reason, "vocab_size": started.vocab_size,
        "corpus_words": started.corpus_words, "words_done": finished.words_done, "dim": config.dim,
        "epochs_done": round(finished.words_done / per_epoch, 3) if per_epoch else 0.0,
        "epoch_losses": epoch_losses, "final_loss": finished.final_loss,
        "elapsed_s": round(time.perf_counter() - t0, 3), "description": started.description,
    }
    settings = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(config).items()}
    (out / "training.json").write_text(json.dumps({"settings": settings, "trainer": source, **summary}, indent=1,
                                                  default=str))
    if args.json:
        sys.stdout.write(json.dumps(summary, default=str) + "\n")
    else:
        verb = "stopped early; saved what was trained" if finished.reason == "stopped" else "done"
        print(f"{verb}: {started.vocab_size:,} vectors of size {config.dim} in {out}")
    return EXIT_INTERRUPTED if finished.reason == "stopped" else 0


def _hms(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "?"
    seconds = int(max(seconds, 0))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
